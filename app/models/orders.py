from flask_appbuilder import Model
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import relationship

from .types import Json, Money, utcnow


class NumberSequence(Model):
    """Per-kind counter behind human order numbers (WR-000123)."""

    __tablename__ = "number_sequence"

    kind = Column(String(40), primary_key=True)
    last_value = Column(Integer, nullable=False, default=0)


class Order(Model):
    __tablename__ = "order"
    __table_args__ = (
        Index("ix_order_state_id", "state", "id"),
        Index("ix_order_customer_id_id", "customer_id", "id"),
        Index("ix_order_assignee_id_id", "assignee_id", "id"),
        # Fast lists: every sortable column with the id tie breaker, alone and after state.
        Index("ix_order_title_id", "title", "id"),
        Index("ix_order_priority_id", "priority", "id"),
        Index("ix_order_deadline_id", "deadline", "id"),
        Index("ix_order_price_id", "price", "id"),
        Index("ix_order_state_number_id", "state", "number", "id"),
        Index("ix_order_state_title_id", "state", "title", "id"),
        Index("ix_order_state_priority_id", "state", "priority", "id"),
        Index("ix_order_state_deadline_id", "state", "deadline", "id"),
        Index("ix_order_state_price_id", "state", "price", "id"),
        Index("ix_order_state_created_id", "state", "created", "id"),
        Index("ix_order_assignee_deadline_id", "assignee_id", "deadline", "id"),  # "my tickets, due first"
    )

    id = Column(Integer, primary_key=True)
    number = Column(String(20), unique=True, nullable=False)
    service_id = Column(Integer, ForeignKey("service.id"), nullable=False, index=True)
    service = relationship("Service")
    customer_id = Column(Integer, ForeignKey("customer.id"), nullable=False)
    customer = relationship("Customer", back_populates="orders")
    workflow_key = Column(String(40), nullable=False)
    workflow_version = Column(Integer, nullable=False, default=1)
    state = Column(String(40), nullable=False)
    manager_id = Column(Integer, ForeignKey("ab_user.id"), index=True)
    manager = relationship("User", foreign_keys=[manager_id])
    assignee_id = Column(Integer, ForeignKey("ab_user.id"))
    assignee = relationship("User", foreign_keys=[assignee_id])
    division_id = Column(Integer, ForeignKey("division.id"), index=True)
    division = relationship("Division")
    title = Column(String(300), nullable=False)
    description = Column(Text)
    details = Column(Json, nullable=False, default=dict)
    quantity = Column(Integer, nullable=False, default=1)
    price = Column(Money, nullable=False, default=0)
    currency = Column(String(3), nullable=False, default="IDR")
    deadline = Column(DateTime)
    # normal / high / urgent: set by the intake rule set, sortable in every order list
    priority = Column(String(10), nullable=False, default="normal", server_default="normal")
    created = Column(DateTime, default=utcnow, nullable=False, index=True)
    updated = Column(DateTime, default=utcnow, onupdate=utcnow, nullable=False)
    version = Column(Integer, nullable=False, default=1)

    events = relationship(
        "OrderEvent", back_populates="order", order_by="OrderEvent.id", cascade="all"
    )
    attachments = relationship(
        "Attachment", back_populates="order", order_by="Attachment.id", cascade="all"
    )
    offers = relationship("Offer", back_populates="order", order_by="Offer.id", cascade="all")

    # Optimistic locking: a stale write raises StaleDataError instead of winning silently.
    __mapper_args__ = {"version_id_col": version}

    @property
    def price_display(self) -> str:
        return f"{self.price:,.2f} {self.currency}" if self.price is not None else ""

    def __repr__(self) -> str:
        return self.number or f"#{self.id}"


class OrderEvent(Model):
    """Append-only history of an order's life."""

    __tablename__ = "order_event"
    __table_args__ = (Index("ix_order_event_at_id", "at", "id"),)

    id = Column(Integer, primary_key=True)
    order_id = Column(Integer, ForeignKey("order.id"), nullable=False, index=True)
    order = relationship("Order", back_populates="events")
    from_state = Column(String(40))
    to_state = Column(String(40))
    trigger = Column(String(60), nullable=False)
    actor_id = Column(Integer, ForeignKey("ab_user.id"))
    actor = relationship("User", foreign_keys=[actor_id])
    at = Column(DateTime, default=utcnow, nullable=False)
    comment = Column(Text)
    decision = Column(Json)

    def __repr__(self) -> str:
        return f"{self.trigger}: {self.from_state or '-'} -> {self.to_state or '-'}"


class Offer(Model):
    """An order offered to a worker, answered by taking or declining it."""

    __tablename__ = "offer"
    # Row-level access: "offered to me" is one index range per user.
    __table_args__ = (Index("ix_offer_user_status_order", "user_id", "status", "order_id"),)

    id = Column(Integer, primary_key=True)
    order_id = Column(Integer, ForeignKey("order.id"), nullable=False, index=True)
    order = relationship("Order", back_populates="offers")
    user_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False, index=True)
    user = relationship("User", foreign_keys=[user_id])
    status = Column(String(20), nullable=False, default="offered")
    reason = Column(Text)
    created = Column(DateTime, default=utcnow, nullable=False)
    answered = Column(DateTime)


ATTACHMENT_KINDS = (
    "brief",
    "work_guide",
    "proof_of_completion",
    "partial_preview",
    "final_work",
    "deliverable",
    "payment_proof",
    "other",
)


class Attachment(Model):
    __tablename__ = "attachment"
    __table_args__ = (Index("ix_attachment_uploaded_id", "uploaded", "id"),)

    id = Column(Integer, primary_key=True)
    order_id = Column(Integer, ForeignKey("order.id"), nullable=False, index=True)
    order = relationship("Order", back_populates="attachments")
    kind = Column(String(30), nullable=False, default="other")
    # Stored under a generated name; the user's file name is only ever shown.
    file = Column(String(300), nullable=False)
    original_name = Column(String(300), nullable=False)
    content_type = Column(String(120))
    size = Column(Integer, nullable=False, default=0)
    uploaded_by_id = Column(Integer, ForeignKey("ab_user.id"))
    uploaded_by = relationship("User", foreign_keys=[uploaded_by_id])
    uploaded = Column(DateTime, default=utcnow, nullable=False)
    visible_to_customer = Column(Boolean, nullable=False, default=False)

    def __repr__(self) -> str:
        return self.original_name
