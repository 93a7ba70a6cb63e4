"""writing service: catalog of ready-made works, reviews, author ratings (empty slot)

Landed empty, so databases may already stand past it; its work is in f1a1c0de0010.

Revision ID: b6a1c0de0006
Revises: 0f14e83ec6b2
"""
from alembic import op
import sqlalchemy as sa


revision = 'b6a1c0de0006'
down_revision = '0f14e83ec6b2'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
