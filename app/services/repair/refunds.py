"""Refunds on a repair ticket, decided by the published ``repair.refund`` rule set.

The facts come from the ticket's real lines and payments and from the tickets that came
back for it (warranty claims): a repeat failure counts when a return was opened, and it was
within the warranty when that return was opened on or before the warranty's last day.

What the decision's actions are worth: ``refund_full`` what was paid; ``refund_labour``
the labour charged; ``refund_parts`` the parts charged; ``refund_amount`` its amount;
``deny`` nothing (its reason is shown). A used part billed at the new price is always
refunded at least the difference, whatever the rules say. The refund never exceeds what
was paid less what was already refunded, and goes through ``payments.refund``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import lazy_gettext as _
from sqlalchemy import func, select

from ...models import Order, Payment, PartLine, RepairTicket
from ...models.payments import RECEIVED_STATUSES
from ...models.types import utcnow
from ..errors import ValidationFailed
from . import lines, tickets, warranty

RULE_SET = "repair.refund"
ZERO = Decimal("0.00")


def _paid(session, order_id: int) -> tuple[Decimal, Decimal]:
    """(received, refunded) on the order."""
    received = session.execute(select(func.coalesce(func.sum(Payment.amount), 0)).where(
        Payment.order_id == order_id, Payment.purpose != "refund", Payment.status.in_(RECEIVED_STATUSES))).scalar()
    refunded = session.execute(select(func.coalesce(func.sum(Payment.amount), 0)).where(
        Payment.order_id == order_id, Payment.purpose == "refund", Payment.status == "paid")).scalar()
    return Decimal(received or 0).quantize(lines.CENT), Decimal(refunded or 0).quantize(lines.CENT)


def used_part_difference(line: PartLine) -> Decimal:
    """What a used part billed at the new price was overcharged (0 for any other line)."""
    if line.condition != "used" or line.billed_as != "new" or line.under_warranty or line.used_price is None:
        return ZERO
    return max((Decimal(line.unit_price) - Decimal(line.used_price)) * line.quantity, ZERO).quantize(lines.CENT)


def refund_facts(session, order: Order, on: dt.date | None = None) -> dict:
    """Facts of the refund context (app/engine/rules/contexts.py RefundVariables) for a ticket."""
    tz = tickets.business_tz()
    ticket = session.get(RepairTicket, order.id)
    result = lines.totals(session, order)
    returns = [o for o in warranty.claims_of(session, order.id) if o.state != "cancelled"]
    reported = warranty.local_date(min(o.created for o in returns), tz) if returns else None
    reference = reported or on or warranty.local_date(utcnow(), tz)
    picked = warranty.local_date(ticket.picked_up_at, tz) if ticket is not None and ticket.picked_up_at else None
    used = [line for line, _charged in result.part_lines if line.condition == "used"]
    billed_new = [line for line in used if line.billed_as == "new"]
    received, refunded = _paid(session, order.id)
    return {
        "days_since_completion": (reference - picked).days if picked else None,
        "under_warranty": warranty.is_covered(ticket, reference),
        "repeat_failure_reported": bool(returns),
        "any_part_installed_used": bool(used),
        "used_part_billed_as_new": bool(billed_new),
        "parts_total": result.parts,
        "labour_total": result.labour,
        "used_part_price_difference": sum((used_part_difference(line) for line in billed_new), ZERO),
        "amount_paid": received,
        "amount_refunded": refunded,
    }


@dataclass
class RefundPlan:
    decision: object  # app.engine.rules.decision.Decision
    facts: dict
    entitled: Decimal  # what the decision is worth (before what was paid and refunded)
    amount: Decimal  # what may be refunded now
    currency: str
    reasons: list = field(default_factory=list)  # what staff read: rules fired, denials, floors
    denied: bool = False

    def as_dict(self) -> dict:
        from ...engine.rules.decision import jsonable

        return {"amount": str(self.amount), "entitled": str(self.entitled), "currency": self.currency,
                "reasons": [str(r) for r in self.reasons], "denied": self.denied,
                "facts": jsonable(self.facts), "decision": self.decision.to_dict() if self.decision else None}


def plan(session, order: Order, on: dt.date | None = None) -> RefundPlan:
    """Ask the published rule set what the customer is owed back on ``order`` (nothing stored)."""
    from .. import rulesets

    facts = refund_facts(session, order, on)
    decision = rulesets.evaluate(session, RULE_SET, facts, record=order, store=False)
    names = {f.index: (f.name or f"#{f.index}") for f in decision.fired}
    reasons: list = []
    full, entitled, denied = False, ZERO, False
    for action in decision.actions:
        rule = names.get(action.rule, f"#{action.rule}")
        params = dict(action.params)
        if action.name == "refund_full":
            full = True
            reasons.append(_("%(rule)s: everything paid", rule=rule))
        elif action.name == "refund_labour":
            entitled += facts["labour_total"]
            reasons.append(_("%(rule)s: the labour (%(amount)s)", rule=rule, amount=facts["labour_total"]))
        elif action.name == "refund_parts":
            entitled += facts["parts_total"]
            reasons.append(_("%(rule)s: the parts (%(amount)s)", rule=rule, amount=facts["parts_total"]))
        elif action.name == "refund_amount":
            value = Decimal(str(params.get("amount") or 0)).quantize(lines.CENT)
            entitled += max(value, ZERO)
            reasons.append(_("%(rule)s: %(amount)s. %(reason)s", rule=rule, amount=value,
                             reason=params.get("reason") or ""))
        elif action.name == "deny":
            denied = True
            reasons.append(_("%(rule)s: refused. %(reason)s", rule=rule, reason=params.get("reason") or ""))
    if full:
        entitled = facts["amount_paid"]
    difference = facts["used_part_price_difference"]
    if difference > entitled:
        reasons.append(_("A used part was billed at the new price: the difference (%(amount)s) is always refunded.",
                         amount=difference))
        entitled = difference
    if not decision.actions:
        reasons.append(_("No refund rule applies to this ticket."))
    left = facts["amount_paid"] - facts["amount_refunded"]
    amount = max(min(entitled - facts["amount_refunded"], left), ZERO).quantize(lines.CENT)
    return RefundPlan(decision=decision, facts=facts, entitled=entitled.quantize(lines.CENT), amount=amount,
                      currency=order.currency, reasons=reasons, denied=denied and entitled <= 0)


def refund(session, order_id: int, *, actor, reason: str = "", config=None) -> list[Payment]:
    """Pay back what the decision allows now, through payments.refund (gateway or by hand),
    spread over the order's paid payments. Raises ValidationFailed when nothing is due."""
    from .. import payments, rulesets

    order = lines.lock_order(session, order_id)
    order.updated = utcnow()  # the version counter makes a second concurrent refund fail
    lines.save_order(session, order)
    decided = plan(session, order)
    if decided.amount <= 0:
        raise ValidationFailed({"refund": [_("nothing to refund: %(why)s",
                                             why="; ".join(str(r) for r in decided.reasons))]})
    stored = rulesets.store_decision(session, decided.decision, record=order)
    session.flush()
    text = (reason or "").strip() or "; ".join(str(r) for r in decided.reasons)
    refunds, left = [], decided.amount
    paid = session.execute(select(Payment).where(
        Payment.order_id == order.id, Payment.purpose != "refund",
        Payment.status.in_(("paid", "partly_refunded"))).order_by(Payment.amount.desc(), Payment.id)).scalars().all()
    for payment in paid:
        if left <= 0:
            break
        done = session.execute(select(func.coalesce(func.sum(Payment.amount), 0)).where(
            Payment.refund_of_id == payment.id, Payment.status == "paid")).scalar() or 0
        room = Decimal(payment.amount) - Decimal(done)
        part = min(room, left)
        if part <= 0:
            continue
        refunds.append(payments.refund(session, payment, amount=part, reason=text[:2000], actor=actor, config=config,
                                       decision={"rule_set": RULE_SET, "decision_id": stored.id,
                                                 "by": getattr(actor, "id", None),
                                                 "reasons": [str(r) for r in decided.reasons]}))
        left -= part
    lines.note_event(session, order, "refund", str(_("Refunded %(amount)s %(currency)s: %(reason)s",
                                                       amount=decided.amount - left, currency=order.currency,
                                                       reason=text)), actor)
    session.flush()
    return refunds
