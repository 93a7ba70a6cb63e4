"""Workers' earnings and payouts. Balances are sums of LedgerEntry rows.

- record_earnings(session, order) -> LedgerEntry | None: the worker's share once an order
  they did is completed and fully paid (idempotent per order).
- run_payouts(session, now=None) -> list[Payout]: evaluates the ``payout.threshold`` rule set
  per worker and currency; the entries a payout covers are claimed with a conditional
  update, so two jobs at once never pay the same earnings twice.
- mark_payout_paid(session, payout, *, actor, reference, paid_at=None) -> Payout
"""
from __future__ import annotations

import csv
import io
import logging
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import LedgerEntry, Order, Payout, User, WorkerShare
from ..models.types import utcnow
from .errors import ValidationFailed

log = logging.getLogger(__name__)
CENT = Decimal("0.01")
NOT_COMPLETED = {"failed", "cancelled", "canceled", "rejected", "refunded", "withdrawn"}
UNPAID_KINDS = ("earning", "adjustment")


def order_completed(session: Session, order: Order) -> bool:
    """The order sits in a final state of its workflow version that is not a failure."""
    from .workflows import for_order

    try:
        states = {s.name: s for s in for_order(session, order).definition.states}
    except Exception:  # noqa: BLE001 - an unknown workflow: not completed
        return False
    state = states.get(order.state)
    return bool(state is not None and state.final and order.state not in NOT_COMPLETED)


def share_for(session: Session, order: Order) -> Decimal | None:
    share = session.execute(select(WorkerShare).where(WorkerShare.service_id == order.service_id)).scalars().first()
    if share is None:
        return None
    if share.fixed:
        return Decimal(share.fixed).quantize(CENT)
    if share.percent:
        return (Decimal(order.price or 0) * Decimal(share.percent) / 100).quantize(CENT)
    return None


def record_earnings(session: Session, order: Order) -> LedgerEntry | None:
    if order.assignee_id is None or not order_completed(session, order):
        return None
    from .payments import fully_paid

    if not fully_paid(session, order):
        return None
    amount = share_for(session, order)
    if not amount:
        return None
    exists = session.execute(select(LedgerEntry.id).where(
        LedgerEntry.worker_id == order.assignee_id, LedgerEntry.order_id == order.id,
        LedgerEntry.kind == "earning")).first()
    if exists:
        return None
    entry = LedgerEntry(worker_id=order.assignee_id, kind="earning", amount=amount, currency=order.currency,
                        order_id=order.id, note=f"{order.number}: {order.title}"[:500])
    try:
        with session.begin_nested():
            session.add(entry)
    except IntegrityError:  # a concurrent caller recorded it first
        return None
    return entry


def validate_adjustment(amount, note: str | None) -> Decimal:
    errors = {}
    value = Decimal(0)
    try:
        value = Decimal(str(amount)).quantize(CENT)
        if value == 0:
            errors["amount"] = [_("must not be zero")]
    except Exception:
        errors["amount"] = [_("is not a number")]
    if not (note or "").strip():
        errors["note"] = [_("is required")]
    if errors:
        raise ValidationFailed(errors)
    return value


def add_adjustment(session: Session, worker, *, amount, currency: str, note: str, actor=None) -> LedgerEntry:
    value = validate_adjustment(amount, note)
    entry = LedgerEntry(worker_id=worker.id, kind="adjustment", amount=value, currency=currency, note=note.strip())
    session.add(entry)
    return entry


def balances(session: Session, worker_id: int) -> dict[str, dict[str, Decimal]]:
    """{currency: {"balance": all entries, "unpaid": earnings/adjustments not yet in a payout}}."""
    out: dict[str, dict[str, Decimal]] = {}
    for currency, total in session.execute(
        select(LedgerEntry.currency, func.sum(LedgerEntry.amount)).where(LedgerEntry.worker_id == worker_id)
        .group_by(LedgerEntry.currency)):
        out.setdefault(currency, {"balance": Decimal("0.00"), "unpaid": Decimal("0.00")})["balance"] = Decimal(total).quantize(CENT)
    for currency, total in session.execute(
        select(LedgerEntry.currency, func.sum(LedgerEntry.amount)).where(
            LedgerEntry.worker_id == worker_id, LedgerEntry.kind.in_(UNPAID_KINDS), LedgerEntry.payout_id.is_(None))
        .group_by(LedgerEntry.currency)):
        out.setdefault(currency, {"balance": Decimal("0.00"), "unpaid": Decimal("0.00")})["unpaid"] = Decimal(total).quantize(CENT)
    return out


def _evaluate(session: Session, facts: dict, worker_id: int):
    try:
        from .rulesets import evaluate
    except ImportError:
        evaluate = None
    if evaluate is not None:
        return evaluate(session, "payout.threshold", facts, store=True)
    from ..engine.rules.files import load_rule_set

    return load_rule_set("payout.threshold").compile().evaluate(facts)


def sweep_earnings(session: Session, limit: int = 500) -> int:
    """Record earnings of completed, fully paid orders that have none yet (an order may be
    paid first and completed later: the payout job catches it up)."""
    from .rule_facts import final_states as finals_by_kind

    final_states = set().union(*finals_by_kind().values()) - NOT_COMPLETED
    if not final_states:
        return 0
    has_earning = select(LedgerEntry.id).where(LedgerEntry.order_id == Order.id, LedgerEntry.kind == "earning").exists()
    orders = session.execute(
        select(Order).join(WorkerShare, WorkerShare.service_id == Order.service_id)
        .where(Order.assignee_id.is_not(None), Order.state.in_(final_states), ~has_earning).limit(limit)
    ).scalars().all()
    recorded = sum(1 for order in orders if record_earnings(session, order) is not None)
    session.commit()
    return recorded


def run_payouts(session: Session, now: datetime | None = None) -> list[Payout]:
    now = now or utcnow()
    created: list[Payout] = []
    sweep_earnings(session)
    groups = session.execute(
        select(LedgerEntry.worker_id, LedgerEntry.currency).where(
            LedgerEntry.kind.in_(UNPAID_KINDS), LedgerEntry.payout_id.is_(None)).distinct()
    ).all()
    session.commit()
    for worker_id, currency in groups:
        payout = _payout_for(session, worker_id, currency, now)
        if payout is not None:
            created.append(payout)
    return created


def _payout_for(session: Session, worker_id: int, currency: str, now: datetime) -> Payout | None:
    if session.get_bind().dialect.name == "postgresql":
        # One job at a time per worker: a transaction-level advisory lock.
        session.execute(select(func.pg_advisory_xact_lock(7_000_000 + worker_id)))
    entries = session.execute(
        select(LedgerEntry.id, LedgerEntry.amount).where(
            LedgerEntry.worker_id == worker_id, LedgerEntry.currency == currency,
            LedgerEntry.kind.in_(UNPAID_KINDS), LedgerEntry.payout_id.is_(None))
    ).all()
    total = sum((Decimal(a) for _, a in entries), Decimal(0)).quantize(CENT)
    last = session.execute(select(func.max(Payout.created)).where(Payout.worker_id == worker_id)).scalar()
    facts = {
        "unpaid_balance": total,
        "currency": currency,
        "days_since_last_payout": (now - last).days if last else 9999,
        "completed_orders_since_last_payout": sum(1 for _ in entries),
    }
    decision = _evaluate(session, facts, worker_id)
    if not entries or total <= 0 or not decision.has("create_payout"):
        session.commit()
        return None
    payout = Payout(worker_id=worker_id, amount=total, currency=currency, status="due",
                    decision=decision.to_dict(), created=now)
    session.add(payout)
    session.flush()
    ids = [i for i, _ in entries]
    claimed = session.execute(
        update(LedgerEntry).where(LedgerEntry.id.in_(ids), LedgerEntry.payout_id.is_(None))
        .values(payout_id=payout.id).execution_options(synchronize_session=False)
    ).rowcount
    if claimed != len(ids):  # another job took some of these earnings first
        session.rollback()
        return None
    worker = session.get(User, worker_id)
    try:
        from .notifications import notify
        from ..models import Role

        accountants = session.execute(
            select(User).where(User.active.is_(True), User.roles.any(Role.name == "Accountant"))).scalars().all()
        notify(session, to=list(accountants), template="payout_due", channels=("inapp",),
               context={"amount": str(total), "currency": currency, "worker": worker.username if worker else worker_id})
    except Exception:  # noqa: BLE001 - a message must not block the payout
        log.exception("payout notification failed")
    session.commit()
    return payout


def mark_payout_paid(session: Session, payout: Payout, *, actor, reference: str, paid_at: datetime | None = None) -> Payout:
    if not (reference or "").strip():
        raise ValidationFailed({"reference": [_("is required")]})
    done = session.execute(
        update(Payout).where(Payout.id == payout.id, Payout.status == "due")
        .values(status="paid", reference=reference.strip(), paid_at=paid_at or utcnow(), paid_by_id=actor.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if done != 1:
        raise ValidationFailed({"status": [_("payout %(id)s is already paid", id=payout.id)]})
    session.refresh(payout)
    session.add(LedgerEntry(worker_id=payout.worker_id, kind="payout", amount=-Decimal(payout.amount),
                            currency=payout.currency, note=f"Payout {payout.id}: {payout.reference}"))
    return payout


def payouts_csv(payouts) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "worker", "amount", "currency", "status", "created", "reference", "paid_at"])
    for p in payouts:
        writer.writerow([p.id, p.worker.username if p.worker else p.worker_id, f"{Decimal(p.amount):.2f}", p.currency,
                         p.status, p.created.isoformat(sep=" ", timespec="seconds"), p.reference or "",
                         p.paid_at.isoformat(sep=" ", timespec="seconds") if p.paid_at else ""])
    return out.getvalue()
