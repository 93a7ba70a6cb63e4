"""Payments: money asked for and received for an order (or a catalog purchase)."""
from flask_appbuilder import Model
from sqlalchemy import (
    Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import relationship

from .types import Json, Money, utcnow

PAYMENT_PURPOSES = (
    "down_payment", "deposit", "balance", "full", "promotion_fee", "parts", "catalog", "refund",
)
PAYMENT_STATUSES = (
    "pending", "awaiting_verification", "paid", "failed", "cancelled", "refunded", "partly_refunded",
)
# Statuses whose money was received (a refund row is money paid back out).
RECEIVED_STATUSES = ("paid", "refunded", "partly_refunded")


class Payment(Model):
    __tablename__ = "payment"
    __table_args__ = (
        UniqueConstraint("provider", "provider_reference", name="uq_payment_provider_reference"),
        Index("ix_payment_order_purpose", "order_id", "purpose"),
    )

    id = Column(Integer, primary_key=True)
    order_id = Column(Integer, ForeignKey("order.id"), nullable=True, index=True)
    order = relationship("Order")
    # A payment belongs to an order or to a catalog purchase (a ready-made work).
    catalog_purchase_id = Column(Integer, ForeignKey("catalog_purchase.id"), nullable=True, index=True)
    catalog_purchase = relationship("CatalogPurchase", back_populates="payments")
    purpose = Column(String(30), nullable=False)
    method = Column(String(30))  # cash, transfer, sandbox, midtrans, xendit, yookassa
    provider = Column(String(30))
    payment_type = Column(String(30))  # gopay, ovo, qris ... for e-wallet gateways
    amount = Column(Money, nullable=False)
    currency = Column(String(3), nullable=False)
    status = Column(String(30), nullable=False, default="pending", index=True)
    provider_reference = Column(String(120))
    pay_url = Column(String(500))
    instructions = Column(Text)
    methods = Column(Json)  # methods the request allows (None: every offered one)
    proof_id = Column(Integer, ForeignKey("attachment.id"))
    proof = relationship("Attachment")
    verified_by_id = Column(Integer, ForeignKey("ab_user.id"))
    verified_by = relationship("User", foreign_keys=[verified_by_id])
    verified_at = Column(DateTime)
    rejection_reason = Column(Text)
    idempotency_key = Column(String(80), unique=True, nullable=False)
    refund_of_id = Column(Integer, ForeignKey("payment.id"), index=True)
    refund_of = relationship("Payment", remote_side=[id])
    refund_reason = Column(Text)
    decision = Column(Json)
    flagged = Column(Boolean, nullable=False, default=False)
    flag_reason = Column(Text)
    created = Column(DateTime, default=utcnow, nullable=False, index=True)
    paid_at = Column(DateTime, index=True)
    created_by_id = Column(Integer, ForeignKey("ab_user.id"))
    created_by = relationship("User", foreign_keys=[created_by_id])

    @property
    def amount_display(self) -> str:
        return f"{self.amount:,.2f} {self.currency}" if self.amount is not None else ""

    def __repr__(self) -> str:
        return f"P-{self.id} {self.purpose} {self.amount_display}"


class PaymentEvent(Model):
    """Log of callbacks and staff actions on payments (bad signatures too)."""

    __tablename__ = "payment_event"

    id = Column(Integer, primary_key=True)
    payment_id = Column(Integer, ForeignKey("payment.id"), index=True)
    payment = relationship("Payment")
    provider = Column(String(30))
    kind = Column(String(40), nullable=False)  # callback, bad_signature, mismatch, replay, ...
    detail = Column(Json)
    at = Column(DateTime, default=utcnow, nullable=False)


class ServicePaymentMethod(Model):
    """Which methods a service offers for a currency; no rows = every configured method."""

    __tablename__ = "service_payment_method"
    __table_args__ = (UniqueConstraint("service_id", "currency", "method", name="uq_service_method"),)

    id = Column(Integer, primary_key=True)
    service_id = Column(Integer, ForeignKey("service.id"), nullable=False, index=True)
    service = relationship("Service")
    currency = Column(String(3), nullable=False)
    method = Column(String(30), nullable=False)
    enabled = Column(Boolean, nullable=False, default=True)

    def __repr__(self) -> str:
        return f"{self.method} ({self.currency})"
