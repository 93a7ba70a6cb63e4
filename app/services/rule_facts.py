"""Facts for each rule context, built from real records (orders, staff, ledger).

``records(session, context, limit)`` returns the last ``limit`` records of a context as
``{"label", "id", "order_id", "facts", "form_schema"}`` dicts (used by the dry-run);
``outcome(context, decision)`` turns a decision into the short text a person compares.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import lazy_gettext as _
from sqlalchemy import func, select

from ..models import Offer, Order, Service, StaffProfile, User
from ..models.types import utcnow

NO_RECORDS_MESSAGE = _("No records of this context yet.")
DEFAULT_ROLE_FOR_KIND = {"writing": "Author", "repair_ticket": "Technician",
                         "store_order": "Technician", "web_project": "Programmer"}


def final_states() -> dict[str, set[str]]:
    """{workflow key: its final states} (from the definitions: finished orders hold no capacity)."""
    from .workflows import shipped_files

    return {key: set(definition.final_states) for key, (_text, definition) in shipped_files().items()}


def _days_between(later, earlier) -> int | None:
    if later is None or earlier is None:
        return None
    return (later - earlier).days


# ---------------------------------------------------------------------------
# intake


def catalog_form_schema(session) -> list[dict]:
    """Every service's form fields, once each (the first service defining a name wins).

    One ``intake`` rule set checks orders of every service, so its rules may name any
    service's field: ``field_pages`` reads nothing (None) on an order whose service has
    no ``pages``. Editor, validation, dry-run and evaluation all use this one schema."""
    seen: dict[str, dict] = {}
    for schema in session.execute(select(Service.form_schema).order_by(Service.id)).scalars():
        for item in schema or []:
            if isinstance(item, dict) and item.get("name") and item["name"] not in seen:
                seen[item["name"]] = item
    return list(seen.values())


def intake_facts(session, order, form_schema=None) -> tuple[dict, list]:
    """(facts, form schema) of an order being accepted; pass ``form_schema`` (the catalog's)
    to spare the query when accepting many orders at once."""
    service = order.service or session.get(Service, order.service_id)
    past = session.execute(select(func.count(Order.id)).where(
        Order.customer_id == order.customer_id, Order.id != (order.id or 0))).scalar() or 0
    now = utcnow()
    facts = {
        "service_code": service.code if service else None,
        "quantity": order.quantity,
        "price": order.price if order.price is not None else Decimal(0),
        "days_to_deadline": _days_between(order.deadline, now) if order.deadline else None,
        "customer_past_orders": past,
        "form": dict(order.details or {}),
    }
    return facts, form_schema if form_schema is not None else catalog_form_schema(session)


# ---------------------------------------------------------------------------
# assignment


def order_skill(order) -> str | None:
    details = order.details or {}
    for key in ("subject", "skill"):
        if details.get(key):
            return str(details[key])
    return None


def active_counts(session, field: str = "assignee") -> dict[int, int]:
    """Active (not final) orders per assignee (or per manager: ``field="manager"``)."""
    finals = final_states()
    counts: dict[int, int] = {}
    column = getattr(Order, f"{field}_id")
    rows = session.execute(select(column, Order.workflow_key, Order.state).where(column.is_not(None)))
    for uid, kind, state in rows:
        if state in finals.get(kind, set()):
            continue
        counts[uid] = counts.get(uid, 0) + 1
    return counts


def last_assignments(session) -> dict[int, dt.datetime]:
    """When each user was last given an order (latest offer or assignment record)."""
    from ..models import AssignmentRecord

    out = {}
    for uid, at in session.execute(select(Offer.user_id, func.max(Offer.created)).group_by(Offer.user_id)):
        out[uid] = at
    for uid, at in session.execute(select(AssignmentRecord.chosen_user_id, func.max(AssignmentRecord.created))
                                   .where(AssignmentRecord.chosen_user_id.is_not(None))
                                   .group_by(AssignmentRecord.chosen_user_id)):
        if uid not in out or (at and at > out[uid]):
            out[uid] = at
    return out


def staff_with_role(session, role: str) -> list[StaffProfile]:
    from flask_appbuilder.security.sqla.models import Role

    q = (select(StaffProfile).join(User, StaffProfile.user_id == User.id)
         .where(User.active.is_(True), User.roles.any(Role.name == role))
         .order_by(StaffProfile.user_id))
    return list(session.execute(q).scalars())


def declined_user_ids(session, order) -> set[int]:
    if not order.id:
        return set()
    # Who declined it, or let the offer lapse: the next offer goes to someone else.
    return set(session.execute(select(Offer.user_id).where(
        Offer.order_id == order.id, Offer.status.in_(("declined", "expired")))).scalars())


_ORDER_SKILL = object()


def assignment_facts(profile: StaffProfile, order, *, active: dict, last: dict,
                     declined: set, today: dt.date | None = None, skill=_ORDER_SKILL) -> dict:
    today = today or utcnow().date()
    skill = order_skill(order) if skill is _ORDER_SKILL else skill
    last_at = last.get(profile.user_id)
    active_n = active.get(profile.user_id, 0)
    return {
        "rating": profile.rating,
        "active_orders": active_n,
        "capacity_left": (profile.capacity or 0) - active_n,
        "skills_match": True if not skill else skill.lower() in profile.skill_set,
        "days_since_last_assignment": (today - last_at.date()).days if last_at else 365,
        "declined_before": profile.user_id in declined,
        "on_leave": bool(profile.on_leave_until and profile.on_leave_until >= today),
        "on_duty": bool(profile.on_duty),
    }


def assignment_weight_outcome(decision) -> str:
    from ..engine.assignment import weight_from_actions

    weight, excluded = weight_from_actions(decision.calls, default=decision.values.get("rating") or 1)
    if excluded:
        return f"excluded: {excluded}"
    return f"weight {format(weight.normalize(), 'f') if isinstance(weight, Decimal) else weight}"


# ---------------------------------------------------------------------------
# refund: repair orders, from their real part and labour lines (services.repair.refunds)


def refund_facts(session, order) -> dict:
    from .repair.refunds import refund_facts as repair_refund_facts

    return repair_refund_facts(session, order)


# ---------------------------------------------------------------------------
# payout: a worker's unpaid earnings (the ledger comes from the payments work)


def payout_facts_for(session, worker_id: int, currency: str) -> dict:
    from ..models import LedgerEntry, Payout

    unpaid = session.execute(select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
        LedgerEntry.worker_id == worker_id, LedgerEntry.currency == currency,
        LedgerEntry.payout_id.is_(None))).scalar() or 0
    last = session.execute(select(func.max(Payout.created)).where(Payout.worker_id == worker_id)).scalar()
    completed = session.execute(select(func.count(LedgerEntry.id)).where(
        LedgerEntry.worker_id == worker_id, LedgerEntry.kind == "earning",
        LedgerEntry.payout_id.is_(None))).scalar() or 0
    return {
        "unpaid_balance": Decimal(str(unpaid)),
        "currency": currency,
        "days_since_last_payout": _days_between(utcnow(), last) if last else None,
        "completed_orders_since_last_payout": completed,
    }


# ---------------------------------------------------------------------------
# records per context (dry-run)


def records(session, context: str, limit: int, *, kind: str | None = None) -> list[dict]:
    """Last ``limit`` records of ``context``; ``kind`` limits orders to one workflow kind
    (``writing.assignment`` looks at writing orders only)."""
    if context == "intake":
        out = []
        for order in session.execute(select(Order).order_by(Order.id.desc()).limit(limit)).scalars():
            facts, schema = intake_facts(session, order)
            out.append({"label": order.number, "id": order.id, "order_id": order.id,
                        "facts": facts, "form_schema": schema})
        return out
    if context == "assignment":
        q = select(Order).order_by(Order.id.desc()).limit(limit)
        if kind:
            q = q.where(Order.workflow_key == kind)
        orders = list(session.execute(q).scalars())
        active, last = active_counts(session), last_assignments(session)
        out, staff_by_role = [], {}
        for order in orders:
            role = DEFAULT_ROLE_FOR_KIND.get(order.workflow_key, "Author")
            if role not in staff_by_role:
                staff_by_role[role] = staff_with_role(session, role)
            declined = declined_user_ids(session, order)
            for profile in staff_by_role[role]:
                out.append({"label": f"{order.number} × {profile.full_name}", "id": order.id,
                            "order_id": order.id,
                            "facts": assignment_facts(profile, order, active=active, last=last,
                                                      declined=declined)})
        return out
    if context == "refund":
        q = (select(Order).where(Order.workflow_key == "repair_ticket")
             .order_by(Order.id.desc()).limit(limit))
        return [{"label": o.number, "id": o.id, "order_id": o.id, "facts": refund_facts(session, o)}
                for o in session.execute(q).scalars()]
    if context == "payout":
        try:
            from ..models import LedgerEntry
        except ImportError:
            return []
        pairs = session.execute(select(LedgerEntry.worker_id, LedgerEntry.currency)
                                .group_by(LedgerEntry.worker_id, LedgerEntry.currency)
                                .order_by(func.max(LedgerEntry.id).desc()).limit(limit)).all()
        out = []
        for worker_id, currency in pairs:
            user = session.get(User, worker_id)
            out.append({"label": f"{user.username if user else worker_id} ({currency})", "id": worker_id,
                        "facts": payout_facts_for(session, worker_id, currency)})
        return out
    if context == "rating":
        return rating_records(session, limit)
    return []


def rating_records(session, limit: int) -> list[dict]:
    """The last author reviews, replayed as they were: the rating before the review and the
    reviews written before it."""
    from ..models import AuthorReview
    from .reviews import rating_facts

    out = []
    for review in session.execute(select(AuthorReview).order_by(AuthorReview.id.desc()).limit(limit)).scalars():
        profile = session.execute(select(StaffProfile).where(StaffProfile.user_id == review.author_id)).scalars().first()
        if profile is None or review.order is None:
            continue
        facts = rating_facts(session, review.order, profile, stars=review.stars, before_id=review.id)
        if review.rating_before is not None:
            facts["current_rating"] = Decimal(review.rating_before)
        out.append({"label": f"{review.order.number} × {profile.full_name} ({review.stars}★)", "id": review.id,
                    "order_id": review.order_id, "facts": facts})
    return out


def outcome(context: str, decision) -> str:
    if context == "assignment":
        return assignment_weight_outcome(decision)
    calls = decision.calls
    if not calls:
        return "no action"
    return "; ".join(name + ("(" + ", ".join(f"{k}={v}" for k, v in params.items()) + ")" if params else "")
                     for name, params in calls)
