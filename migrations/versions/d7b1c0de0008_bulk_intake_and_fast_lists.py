"""bulk intake and fast lists: indexes (empty slot)

Landed empty, so databases may already stand past it; its work is in f3a1c0de0012.

Revision ID: d7b1c0de0008
Revises: c7a1c0de0007
"""
from alembic import op
import sqlalchemy as sa


revision = 'd7b1c0de0008'
down_revision = 'c7a1c0de0007'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
