"""writing flow: per-service workflow settings (auto offer, offer answer time, manager routing)

Revision ID: e8a1c0de0009
Revises: f3a1c0de0012
"""
from alembic import op
import sqlalchemy as sa


revision = 'e8a1c0de0009'
down_revision = 'f3a1c0de0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.add_column(sa.Column('auto_offer', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('offer_hours', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('routing_strategy', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('service', schema=None) as batch_op:
        batch_op.drop_column('routing_strategy')
        batch_op.drop_column('offer_hours')
        batch_op.drop_column('auto_offer')
