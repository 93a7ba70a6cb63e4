"""Computer repair and spare-parts shop: tickets' devices, the parts catalog with stock,
part and labour lines, stock movements, counter sales and bulk-intake batches.

A repair ticket is an Order of a ``repair_ticket`` service; ``RepairTicket`` holds what only
repair orders have (the device, the intake terms, the warranty). Money on an order is still
``Order.price``: it is recomputed from the lines whenever a line changes (services.repair.lines).
"""
from flask_appbuilder import Model
from sqlalchemy import (
    Boolean, CheckConstraint, Column, Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text,
)
from sqlalchemy.orm import deferred, relationship

from .types import Json, Money, utcnow

PART_CONDITIONS = ("new", "used")
STOCK_REASONS = ("restock", "install", "remove", "sale", "sale_cancelled", "adjust")
IMPORT_STATUSES = ("queued", "running", "done", "failed")


class RepairTicket(Model):
    """The repair side of one ticket (Order): device, reported faults, intake terms, warranty."""

    __tablename__ = "repair_ticket"
    __table_args__ = (Index("ix_repair_ticket_customer_id", "customer_id"),)

    order_id = Column(Integer, ForeignKey("order.id"), primary_key=True)
    order = relationship("Order", foreign_keys=[order_id])
    customer_id = Column(Integer, ForeignKey("customer.id"), nullable=False)
    customer = relationship("Customer")
    device_type = Column(String(30), nullable=False)
    brand = Column(String(60), nullable=False)
    model = Column(String(80))
    serial_number = Column(String(80), index=True)
    accessories = Column(Text)  # what was left with the device (charger, bag, ...)
    condition = Column(Text)  # scratches, missing keys, ... as seen at the counter
    faults = Column(Text, nullable=False)  # what the customer reports
    customer_waits = Column(Boolean, nullable=False, default=False)
    pickup_at = Column(DateTime)  # agreed pick-up time (UTC); empty when the customer waits
    estimate = Column(Money)
    # Printed on the receipt: with the ticket number it lets the customer follow the ticket online.
    tracking_code = Column(String(16), nullable=False)
    picked_up_at = Column(DateTime)
    warranty_days = Column(Integer)  # copied from the service at pick-up
    warranty_until = Column(Date)  # last covered day, in the business time zone
    # A device back after a repair points at the original ticket (a warranty claim when it
    # came back within the warranty; its free labour is the workflow's details.labor_free).
    warranty_of_id = Column(Integer, ForeignKey("order.id"), index=True)
    warranty_of = relationship("Order", foreign_keys=[warranty_of_id])

    def __repr__(self) -> str:
        return " ".join(p for p in (self.brand, self.model, self.serial_number) if p)


class Part(Model):
    """A spare part in the catalog; new and used units are counted apart."""

    __tablename__ = "repair_part"
    __table_args__ = (
        CheckConstraint("stock_new >= 0", name="ck_repair_part_stock_new"),
        CheckConstraint("stock_used >= 0", name="ck_repair_part_stock_used"),
    )

    id = Column(Integer, primary_key=True)
    sku = Column(String(40), unique=True, nullable=False)
    name = Column(String(200), nullable=False)
    compatible_devices = Column(Text)  # free text: models or device types it fits
    price_new = Column(Money, nullable=False)
    price_used = Column(Money)  # empty: not sold used
    currency = Column(String(3), nullable=False, default="IDR")
    stock_new = Column(Integer, nullable=False, default=0)
    stock_used = Column(Integer, nullable=False, default=0)
    active = Column(Boolean, nullable=False, default=True)

    def price_for(self, condition: str):
        return self.price_used if condition == "used" else self.price_new

    def stock_for(self, condition: str) -> int:
        return self.stock_used if condition == "used" else self.stock_new

    @property
    def stock_display(self) -> str:
        return f"{self.stock_new} new / {self.stock_used} used"

    def __repr__(self) -> str:
        return f"{self.sku} {self.name}"


class PartSale(Model):
    """An over-the-counter sale of parts: its lines take stock, its payment (purpose "parts")
    carries the money; paid or not is read from that payment."""

    __tablename__ = "repair_part_sale"

    id = Column(Integer, primary_key=True)
    number = Column(String(20), unique=True, nullable=False)
    customer_id = Column(Integer, ForeignKey("customer.id"))
    customer = relationship("Customer")
    currency = Column(String(3), nullable=False, default="IDR")
    payment_id = Column(Integer, ForeignKey("payment.id"))
    payment = relationship("Payment")
    cancelled = Column(Boolean, nullable=False, default=False)
    created_by_id = Column(Integer, ForeignKey("ab_user.id"))
    created_by = relationship("User", foreign_keys=[created_by_id])
    created = Column(DateTime, default=utcnow, nullable=False)

    lines = relationship("PartLine", back_populates="sale", order_by="PartLine.id")

    def __repr__(self) -> str:
        return self.number


class PartLine(Model):
    """A part on a ticket (installed) or in a counter sale."""

    __tablename__ = "repair_part_line"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="ck_repair_part_line_quantity"),
        CheckConstraint("(order_id IS NULL) <> (sale_id IS NULL)", name="ck_repair_part_line_owner"),
    )

    id = Column(Integer, primary_key=True)
    order_id = Column(Integer, ForeignKey("order.id"), index=True)
    order = relationship("Order")
    sale_id = Column(Integer, ForeignKey("repair_part_sale.id"), index=True)
    sale = relationship("PartSale", back_populates="lines")
    part_id = Column(Integer, ForeignKey("repair_part.id"), nullable=False, index=True)
    part = relationship("Part")
    condition = Column(String(4), nullable=False)  # new / used: which stock it came from
    billed_as = Column(String(4), nullable=False)  # new / used: which price was asked
    quantity = Column(Integer, nullable=False, default=1)
    unit_price = Column(Money, nullable=False)
    # The part's used price when the line was made: what a used part billed as new overcharged.
    used_price = Column(Money)
    currency = Column(String(3), nullable=False)
    under_warranty = Column(Boolean, nullable=False, default=False)  # replaced free of charge
    created_by_id = Column(Integer, ForeignKey("ab_user.id"))
    created_by = relationship("User", foreign_keys=[created_by_id])
    created = Column(DateTime, default=utcnow, nullable=False)

    def __repr__(self) -> str:
        return f"{self.quantity} x {self.part}"


class LabourLine(Model):
    __tablename__ = "repair_labour_line"

    id = Column(Integer, primary_key=True)
    order_id = Column(Integer, ForeignKey("order.id"), nullable=False, index=True)
    order = relationship("Order")
    description = Column(String(300), nullable=False)
    hours = Column(Numeric(8, 2), nullable=False, default=1)
    rate = Column(Money, nullable=False)
    currency = Column(String(3), nullable=False)
    created_by_id = Column(Integer, ForeignKey("ab_user.id"))
    created_by = relationship("User", foreign_keys=[created_by_id])
    created = Column(DateTime, default=utcnow, nullable=False)

    def __repr__(self) -> str:
        return self.description


class StockMovement(Model):
    """Append-only: every change of a part's stock, with why and by whom."""

    __tablename__ = "repair_stock_movement"

    id = Column(Integer, primary_key=True)
    part_id = Column(Integer, ForeignKey("repair_part.id"), nullable=False, index=True)
    part = relationship("Part")
    condition = Column(String(4), nullable=False)
    delta = Column(Integer, nullable=False)
    stock_after = Column(Integer, nullable=False)
    reason = Column(String(20), nullable=False)
    order_id = Column(Integer, ForeignKey("order.id"), index=True)
    order = relationship("Order")
    sale_id = Column(Integer, ForeignKey("repair_part_sale.id"))
    sale = relationship("PartSale")
    part_line_id = Column(Integer)  # the line may be removed later; the movement stays
    note = Column(Text)
    actor_id = Column(Integer, ForeignKey("ab_user.id"))
    actor = relationship("User", foreign_keys=[actor_id])
    at = Column(DateTime, default=utcnow, nullable=False)

    def __repr__(self) -> str:
        return f"{self.part}: {self.delta:+d} {self.condition} ({self.reason})"


class ImportBatch(Model):
    """A bulk intake (CSV, XLSX or a JSON batch) worked through in chunks; pages poll it."""

    __tablename__ = "repair_import_batch"

    id = Column(Integer, primary_key=True)
    source = Column(String(10), nullable=False)  # csv, xlsx, json
    filename = Column(String(300))
    service_id = Column(Integer, ForeignKey("service.id"), nullable=False)
    service = relationship("Service")
    customer_id = Column(Integer, ForeignKey("customer.id"))
    customer = relationship("Customer")
    status = Column(String(10), nullable=False, default="queued")
    total = Column(Integer, nullable=False, default=0)
    processed = Column(Integer, nullable=False, default=0)
    created_count = Column(Integer, nullable=False, default=0)
    rejected_count = Column(Integer, nullable=False, default=0)
    # The parsed rows of a file import, kept until done so an interrupted import goes on
    # (bulk.resume_interrupted); deferred: progress polls never load them.
    rows = deferred(Column(Json))
    errors = Column(Json, nullable=False, default=list)  # [{"row": n, "errors": {field: [msg]}}]
    first_number = Column(String(20))
    last_number = Column(String(20))
    message = Column(Text)
    created_by_id = Column(Integer, ForeignKey("ab_user.id"))
    created_by = relationship("User", foreign_keys=[created_by_id])
    created = Column(DateTime, default=utcnow, nullable=False)
    finished = Column(DateTime)

    def __repr__(self) -> str:
        return f"Import #{self.id} ({self.filename or self.source})"
