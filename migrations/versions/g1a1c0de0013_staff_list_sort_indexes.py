"""staff lists sort by the columns people expect: customers by name and company, money and
messages by time (fast lists sort only by indexed columns)

Revision ID: g1a1c0de0013
Revises: e8a1c0de0009
"""
from alembic import op


revision = 'g1a1c0de0013'
down_revision = 'e8a1c0de0009'
branch_labels = None
depends_on = None

INDEXES = [
    ("customer", "name"), ("customer", "company"),
    ("payment", "created"), ("payment", "paid_at"),
    ("payout", "created"), ("payout", "paid_at"),
    ("ledger_entry", "created"),
    ("notification", "created"),
    ("rule_decision", "created"),
]


def upgrade():
    for table, column in INDEXES:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def downgrade():
    for table, column in reversed(INDEXES):
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
