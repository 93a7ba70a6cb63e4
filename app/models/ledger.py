"""Workers' earnings ledger and payouts. Balances are sums of entries, never stored."""
from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import relationship

from .types import Json, Money, utcnow

LEDGER_KINDS = ("earning", "adjustment", "payout")


class Payout(Model):
    __tablename__ = "payout"

    id = Column(Integer, primary_key=True)
    worker_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False, index=True)
    worker = relationship("User", foreign_keys=[worker_id])
    amount = Column(Money, nullable=False)
    currency = Column(String(3), nullable=False)
    status = Column(String(10), nullable=False, default="due", index=True)  # due, paid
    reference = Column(String(120))
    paid_at = Column(DateTime, index=True)
    paid_by_id = Column(Integer, ForeignKey("ab_user.id"))
    paid_by = relationship("User", foreign_keys=[paid_by_id])
    decision = Column(Json)
    created = Column(DateTime, default=utcnow, nullable=False, index=True)

    @property
    def amount_display(self) -> str:
        return f"{self.amount:,.2f} {self.currency}"

    def __repr__(self) -> str:
        return f"Payout {self.id} {self.amount_display}"


class LedgerEntry(Model):
    __tablename__ = "ledger_entry"
    __table_args__ = (
        # One earning per worker and order.
        UniqueConstraint("worker_id", "order_id", "kind", name="uq_ledger_earning_once"),
    )

    id = Column(Integer, primary_key=True)
    worker_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False, index=True)
    worker = relationship("User", foreign_keys=[worker_id])
    kind = Column(String(20), nullable=False)
    amount = Column(Money, nullable=False)  # payouts are negative
    currency = Column(String(3), nullable=False)
    order_id = Column(Integer, ForeignKey("order.id"), index=True)
    order = relationship("Order")
    # The payout that covers this entry: an entry is covered by at most one payout.
    payout_id = Column(Integer, ForeignKey("payout.id"), index=True)
    payout = relationship("Payout", foreign_keys=[payout_id])
    note = Column(Text)
    created = Column(DateTime, default=utcnow, nullable=False, index=True)

    @property
    def amount_display(self) -> str:
        return f"{self.amount:,.2f} {self.currency}"


class WorkerShare(Model):
    """A service's worker share of a completed, fully paid order: a percentage of the
    order price or a fixed amount in the order's currency (fixed wins when both are set).
    A table beside Service so the foundation's table stays as migrated."""

    __tablename__ = "worker_share"

    id = Column(Integer, primary_key=True)
    service_id = Column(Integer, ForeignKey("service.id"), nullable=False, unique=True)
    service = relationship("Service")
    percent = Column(Money)
    fixed = Column(Money)

    def __repr__(self) -> str:
        return f"{self.service}: {self.fixed or ''}{'' if self.fixed else f'{self.percent}%'}"
