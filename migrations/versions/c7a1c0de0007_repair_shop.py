"""repair shop: devices, parts stock, part and labour lines, warranty claims, bulk intake (empty slot)

Landed empty, so databases may already stand past it; its work is in f2a1c0de0011.

Revision ID: c7a1c0de0007
Revises: b6a1c0de0006
"""
from alembic import op
import sqlalchemy as sa


revision = 'c7a1c0de0007'
down_revision = 'b6a1c0de0006'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
