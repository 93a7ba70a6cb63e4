"""repair shop: devices, parts stock, part and labour lines, warranty claims, bulk intake

Revision ID: f2a1c0de0011
Revises: f1a1c0de0010
"""
from alembic import op
import sqlalchemy as sa


revision = 'f2a1c0de0011'
down_revision = 'f1a1c0de0010'
branch_labels = None
depends_on = None

MONEY = sa.Numeric(14, 2)


def upgrade():
    with op.batch_alter_table("service") as batch:
        batch.add_column(sa.Column("warranty_days", sa.Integer(), nullable=False, server_default="30"))

    op.create_table(
        "repair_ticket",
        sa.Column("order_id", sa.Integer(), sa.ForeignKey("order.id"), primary_key=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customer.id"), nullable=False),
        sa.Column("device_type", sa.String(30), nullable=False),
        sa.Column("brand", sa.String(60), nullable=False),
        sa.Column("model", sa.String(80)),
        sa.Column("serial_number", sa.String(80)),
        sa.Column("accessories", sa.Text()),
        sa.Column("condition", sa.Text()),
        sa.Column("faults", sa.Text(), nullable=False),
        sa.Column("customer_waits", sa.Boolean(), nullable=False),
        sa.Column("pickup_at", sa.DateTime()),
        sa.Column("estimate", MONEY),
        sa.Column("tracking_code", sa.String(16), nullable=False),
        sa.Column("picked_up_at", sa.DateTime()),
        sa.Column("warranty_days", sa.Integer()),
        sa.Column("warranty_until", sa.Date()),
        sa.Column("warranty_of_id", sa.Integer(), sa.ForeignKey("order.id")),
    )
    op.create_index("ix_repair_ticket_customer_id", "repair_ticket", ["customer_id"])
    op.create_index("ix_repair_ticket_serial_number", "repair_ticket", ["serial_number"])
    op.create_index("ix_repair_ticket_warranty_of_id", "repair_ticket", ["warranty_of_id"])

    op.create_table(
        "repair_part",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sku", sa.String(40), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("compatible_devices", sa.Text()),
        sa.Column("price_new", MONEY, nullable=False),
        sa.Column("price_used", MONEY),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("stock_new", sa.Integer(), nullable=False),
        sa.Column("stock_used", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint("stock_new >= 0", name="ck_repair_part_stock_new"),
        sa.CheckConstraint("stock_used >= 0", name="ck_repair_part_stock_used"),
    )

    op.create_table(
        "repair_part_sale",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.String(20), nullable=False, unique=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customer.id")),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("payment_id", sa.Integer(), sa.ForeignKey("payment.id")),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("ab_user.id")),
        sa.Column("created", sa.DateTime(), nullable=False),
    )

    op.create_table(
        "repair_part_line",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("order_id", sa.Integer(), sa.ForeignKey("order.id")),
        sa.Column("sale_id", sa.Integer(), sa.ForeignKey("repair_part_sale.id")),
        sa.Column("part_id", sa.Integer(), sa.ForeignKey("repair_part.id"), nullable=False),
        sa.Column("condition", sa.String(4), nullable=False),
        sa.Column("billed_as", sa.String(4), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", MONEY, nullable=False),
        sa.Column("used_price", MONEY),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("under_warranty", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("ab_user.id")),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.CheckConstraint("quantity > 0", name="ck_repair_part_line_quantity"),
        sa.CheckConstraint("(order_id IS NULL) <> (sale_id IS NULL)", name="ck_repair_part_line_owner"),
    )
    op.create_index("ix_repair_part_line_order_id", "repair_part_line", ["order_id"])
    op.create_index("ix_repair_part_line_sale_id", "repair_part_line", ["sale_id"])
    op.create_index("ix_repair_part_line_part_id", "repair_part_line", ["part_id"])

    op.create_table(
        "repair_labour_line",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("order_id", sa.Integer(), sa.ForeignKey("order.id"), nullable=False),
        sa.Column("description", sa.String(300), nullable=False),
        sa.Column("hours", sa.Numeric(8, 2), nullable=False),
        sa.Column("rate", MONEY, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("ab_user.id")),
        sa.Column("created", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_repair_labour_line_order_id", "repair_labour_line", ["order_id"])

    op.create_table(
        "repair_stock_movement",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("part_id", sa.Integer(), sa.ForeignKey("repair_part.id"), nullable=False),
        sa.Column("condition", sa.String(4), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("stock_after", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("order_id", sa.Integer(), sa.ForeignKey("order.id")),
        sa.Column("sale_id", sa.Integer(), sa.ForeignKey("repair_part_sale.id")),
        sa.Column("part_line_id", sa.Integer()),
        sa.Column("note", sa.Text()),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("ab_user.id")),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_repair_stock_movement_part_id", "repair_stock_movement", ["part_id"])
    op.create_index("ix_repair_stock_movement_order_id", "repair_stock_movement", ["order_id"])

    op.create_table(
        "repair_import_batch",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("filename", sa.String(300)),
        sa.Column("service_id", sa.Integer(), sa.ForeignKey("service.id"), nullable=False),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customer.id")),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("created_count", sa.Integer(), nullable=False),
        sa.Column("rejected_count", sa.Integer(), nullable=False),
        sa.Column("rows", sa.JSON()),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("first_number", sa.String(20)),
        sa.Column("last_number", sa.String(20)),
        sa.Column("message", sa.Text()),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("ab_user.id")),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("finished", sa.DateTime()),
    )


def downgrade():
    op.drop_table("repair_import_batch")
    op.drop_index("ix_repair_stock_movement_order_id", table_name="repair_stock_movement")
    op.drop_index("ix_repair_stock_movement_part_id", table_name="repair_stock_movement")
    op.drop_table("repair_stock_movement")
    op.drop_index("ix_repair_labour_line_order_id", table_name="repair_labour_line")
    op.drop_table("repair_labour_line")
    op.drop_index("ix_repair_part_line_part_id", table_name="repair_part_line")
    op.drop_index("ix_repair_part_line_sale_id", table_name="repair_part_line")
    op.drop_index("ix_repair_part_line_order_id", table_name="repair_part_line")
    op.drop_table("repair_part_line")
    op.drop_table("repair_part_sale")
    op.drop_table("repair_part")
    op.drop_index("ix_repair_ticket_warranty_of_id", table_name="repair_ticket")
    op.drop_index("ix_repair_ticket_serial_number", table_name="repair_ticket")
    op.drop_index("ix_repair_ticket_customer_id", table_name="repair_ticket")
    op.drop_table("repair_ticket")
    with op.batch_alter_table("service") as batch:
        batch.drop_column("warranty_days")
