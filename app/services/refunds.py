"""Money back when an order ends early: open payment requests are cancelled and what was
paid is refunded as a rule set (``withdrawal`` context, e.g. ``writing.refund``) decides,
through payments.refund (the gateway when it can, else recorded as paid out by hand)."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import lazy_gettext as _
from sqlalchemy import func, select

from ..models import Attachment, OrderEvent, Payment
from ..models.payments import RECEIVED_STATUSES
from ..models.types import utcnow

CENT = Decimal("0.01")


@dataclass
class RefundOutcome:
    decision: object = None
    refunds: list = field(default_factory=list)
    reason: str = ""

    @property
    def total(self) -> Decimal:
        return sum((Decimal(r.amount) for r in self.refunds), Decimal("0.00"))

    def summary(self) -> dict:
        return {"refunded": str(self.total), "payments": [r.id for r in self.refunds], "reason": self.reason}


def cancel_open_requests(session, order, *, actor=None) -> int:
    """Cancel the order's payment requests nobody has paid yet. A bank-transfer proof waiting
    for verification is left to the accountant (money may have been sent)."""
    from .payments import cancel_payment

    open_rows = session.execute(select(Payment).where(
        Payment.order_id == order.id, Payment.purpose != "refund", Payment.status == "pending")).scalars().all()
    for payment in open_rows:
        cancel_payment(session, payment, actor=actor)
    return len(open_rows)


def withdrawal_facts(session, order, *, from_state: str, trigger: str) -> dict:
    from .payments import order_money

    first_paid = session.execute(select(func.min(Payment.paid_at)).where(
        Payment.order_id == order.id, Payment.purpose != "refund", Payment.status.in_(RECEIVED_STATUSES))).scalar()
    hours = (utcnow() - first_paid).total_seconds() / 3600 if first_paid else 0
    uploaded = session.execute(select(Attachment.id).where(
        Attachment.order_id == order.id, Attachment.kind == "partial_preview").limit(1)).first() is not None
    released = session.execute(select(OrderEvent.id).where(
        OrderEvent.order_id == order.id, OrderEvent.trigger == "release_preview").limit(1)).first() is not None
    return {"from_state": from_state, "trigger": trigger, "amount_paid": order_money(session, order)["paid"],
            "hours_since_first_payment": Decimal(str(round(hours, 2))), "preview_uploaded": uploaded,
            "preview_released": released}


def _percent(decision) -> tuple[Decimal, str]:
    """(percent to refund, reason) from the decision's actions; a deny wins over a refund."""
    percent, reason = Decimal(0), ""
    for name, params in decision.calls:
        if name == "deny":
            return Decimal(0), str(params.get("reason") or "")
        if name == "refund_full":
            percent, reason = Decimal(100), str(params.get("reason") or "")
        elif name == "refund_percent" and percent < 100:
            percent = max(percent, min(Decimal(str(params.get("percent") or 0)), Decimal(100)))
            reason = str(params.get("reason") or "")
    return percent, reason


def refund_by_rules(session, order, key: str, *, from_state: str, trigger: str, actor=None) -> RefundOutcome:
    """Evaluate ``key`` on the order's withdrawal facts and refund accordingly (newest payment
    first, never more than each payment's refundable rest). Nothing is committed here."""
    from . import payments, rulesets

    facts = withdrawal_facts(session, order, from_state=from_state, trigger=trigger)
    if facts["amount_paid"] <= 0:
        return RefundOutcome(reason=str(_("nothing was paid")))
    decision = rulesets.evaluate(session, key, facts, record=order)
    percent, reason = _percent(decision)
    outcome = RefundOutcome(decision=decision, reason=reason)
    wanted = (Decimal(facts["amount_paid"]) * percent / 100).quantize(CENT)
    if wanted <= 0:
        return outcome
    config = _config()
    received = session.execute(select(Payment).where(
        Payment.order_id == order.id, Payment.purpose != "refund",
        Payment.status.in_(("paid", "partly_refunded"))).order_by(Payment.id.desc())).scalars().all()
    for payment in received:
        if wanted <= 0:
            break
        left = Decimal(payment.amount) - payments._refunded(session, order.id, refund_of_id=payment.id)
        part = min(left, wanted)
        if part <= 0:
            continue
        row = payments.refund(session, payment, amount=part, actor=actor, config=config,
                              reason=reason or str(_("Order ended early")),
                              decision={"rule_set": key, "version": decision.version, "percent": str(percent)})
        outcome.refunds.append(row)
        wanted -= part
    if outcome.refunds:
        _tell_customer(session, order, outcome)
    return outcome


def _config():
    try:
        from flask import current_app

        return current_app.config
    except RuntimeError:  # outside an app (scripts): recorded as paid out by hand
        return None


def _tell_customer(session, order, outcome: RefundOutcome) -> None:
    from .notifications import notify

    customer = order.customer
    if customer is None:
        return
    notify(session, to=[customer.user or customer], template="refund_made", order=order,
           context={"amount": str(outcome.total), "currency": order.currency, "reason": outcome.reason})
