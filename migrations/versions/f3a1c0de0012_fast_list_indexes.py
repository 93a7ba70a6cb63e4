"""bulk intake and fast lists: indexes

Revision ID: f3a1c0de0012
Revises: f2a1c0de0011

Every sortable column of the order lists gets an index ending in ``id`` (FAB sorts with
the primary key as tie breaker), alone and after ``state`` (the list filtered by state and
sorted by that column); the row-level filters get theirs. Declared on the models too.
"""
from alembic import op


revision = 'f3a1c0de0012'
down_revision = 'f2a1c0de0011'
branch_labels = None
depends_on = None

# (name, table, columns): bench/lists.py drops exactly these for FAB's untuned default.
FAST_LIST_INDEXES = [
    ("ix_order_title_id", "order", ["title", "id"]),
    ("ix_order_priority_id", "order", ["priority", "id"]),
    ("ix_order_deadline_id", "order", ["deadline", "id"]),
    ("ix_order_price_id", "order", ["price", "id"]),
    ("ix_order_state_number_id", "order", ["state", "number", "id"]),
    ("ix_order_state_title_id", "order", ["state", "title", "id"]),
    ("ix_order_state_priority_id", "order", ["state", "priority", "id"]),
    ("ix_order_state_deadline_id", "order", ["state", "deadline", "id"]),
    ("ix_order_state_price_id", "order", ["state", "price", "id"]),
    ("ix_order_state_created_id", "order", ["state", "created", "id"]),
    # a worker's own tickets by due date, read from the index alone (no row lookups)
    ("ix_order_assignee_deadline_id", "order", ["assignee_id", "deadline", "id"]),
    ("ix_offer_user_status_order", "offer", ["user_id", "status", "order_id"]),
    ("ix_order_event_at_id", "order_event", ["at", "id"]),
    ("ix_attachment_uploaded_id", "attachment", ["uploaded", "id"]),
]


def upgrade():
    for name, table, columns in FAST_LIST_INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _columns in reversed(FAST_LIST_INDEXES):
        op.drop_index(name, table_name=table)
