"""Assigning orders to workers: candidates from staff profiles, weights from rules,
choice by app/engine/assignment.py, every choice stored (AssignmentRecord) and
replayable. With no candidate the order is flagged and its manager told."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from flask_babel import lazy_gettext as _

from ..engine import assignment as engine
from ..engine.workflow import TransitionError
from ..models import AssignmentRecord, Offer, Order, User
from ..models.types import utcnow
from . import rule_facts
from .errors import ValidationFailed


class NoCandidate(TransitionError):
    """Nobody may take the order now (a ``required`` assign effect): the transition does not
    happen; ``record`` is the choice with each candidate's exclusion reason."""

    http_status = 422

    def __init__(self, message, *, record: dict, role: str, field: str, strategy: str, escalate_to=None):
        super().__init__(message)
        self.record, self.role, self.field, self.strategy = record, role, field, strategy
        self.escalate_to = escalate_to


def _nobody_message(role: str, record: dict) -> str:
    reasons = "; ".join(f"{e['name']}: {e['excluded']}" for e in record.get("candidates", []) if e.get("excluded"))
    return str(_("No %(role)s is available now (%(reasons)s); the order waits.", role=role,
                 reasons=reasons or _("nobody holds the role")))


@dataclass
class AssignmentResult:
    user_id: int | None
    offer: Any = None
    record: AssignmentRecord | None = None
    candidates: list = field(default_factory=list)


def _ranked_facts(session, order, profiles, exclude_declined: bool, field: str = "assignee"):
    active = rule_facts.active_counts(session, field=field)
    last = rule_facts.last_assignments(session)
    declined = rule_facts.declined_user_ids(session, order) if exclude_declined else set()
    seq = {uid: i + 1 for i, (uid, _at) in enumerate(sorted(
        ((u, a) for u, a in last.items() if a is not None), key=lambda p: p[1]))}
    return active, last, declined, seq


def build_candidates(session, order, *, role: str, rule_set: str | None = None,
                     exclude_declined: bool = True, match_skill: bool = True,
                     field: str = "assignee") -> tuple[list[engine.Candidate], dict]:
    """Candidates with weights (from ``rule_set`` when given) and exclusion reasons.
    ``field`` says which load counts (open orders as assignee, or as manager);
    ``match_skill=False`` ignores the order's subject (managers route every subject).

    Returns (candidates, decisions by user id)."""
    profiles = rule_facts.staff_with_role(session, role)
    active, last, declined, seq = _ranked_facts(session, order, profiles, exclude_declined, field)
    skill = rule_facts.order_skill(order) if match_skill else None
    today = utcnow().date()
    candidates, decisions = [], {}
    for p in profiles:
        facts = rule_facts.assignment_facts(p, order, active=active, last=last,
                                            declined=declined, today=today, skill=skill)
        c = engine.Candidate(
            user_id=p.user_id, name=p.full_name, rating=p.rating, role=role,
            skills=frozenset(p.skill_set), on_duty=facts["on_duty"], on_leave=facts["on_leave"],
            capacity=p.capacity or 0, active_orders=facts["active_orders"],
            declined=facts["declined_before"], last_assigned_seq=seq.get(p.user_id, 0))
        if rule_set:
            from .rulesets import evaluate

            decision = evaluate(session, rule_set, facts, record=order, store=False)
            decisions[p.user_id] = decision
            c.weight, c.excluded = engine.weight_from_actions(decision.calls, default=p.rating)
        candidates.append(c)
    engine.filter_candidates(candidates, skill=skill, exclude_declined=exclude_declined)
    return candidates, decisions


def _notify(session, *, to, template, context, order):
    try:
        from .notifications import notify
    except ImportError:  # notifications arrive with the payments/notifications work
        return []
    return notify(session, to=to, template=template, context=context, order=order)


def assign(session, order, *, strategy: str, role: str, rule_set: str | None = None,
           exclude_declined: bool = True, field: str = "assignee", offer: bool = False,
           actor=None, seed: int | None = None, apply: bool = True, match_skill: bool = True,
           required: bool = False, escalate_to=None) -> AssignmentResult:
    """Choose a worker for ``order`` and apply the choice (see module docstring).

    ``field="assignee"`` with ``offer=True`` creates an Offer(status="offered") for the
    chosen user and leaves ``order.assignee_id`` unchanged; otherwise ``order.<field>_id``
    is set. ``apply=False`` only records the choice (a preview: no flag, no offer, no
    notification). ``required=True`` raises NoCandidate instead of flagging when nobody is
    available (the caller decides what waiting means). Nothing is committed here."""
    if strategy not in engine.STRATEGIES:
        raise ValidationFailed({"strategy": [f"Unknown strategy {strategy!r}."]})
    if not hasattr(Order, f"{field}_id"):
        raise ValidationFailed({"field": [f"Orders have no {field!r} person."]})
    candidates, decisions = build_candidates(session, order, role=role, rule_set=rule_set,
                                             exclude_declined=exclude_declined, match_skill=match_skill,
                                             field=field)
    if seed is None:
        seed = random.SystemRandom().randrange(2**31)
    choice = engine.choose(candidates, strategy, seed=seed)
    choice["rule_set"] = rule_set
    if rule_set and decisions:
        any_decision = next(iter(decisions.values()))
        choice["rule_set_version"] = any_decision.version
        choice["decisions"] = {str(uid): {"fired": [f.name or f.index for f in d.fired],
                                          "actions": [[n, {k: str(v) for k, v in p.items()}]
                                                      for n, p in d.calls]}
                               for uid, d in decisions.items()}
    chosen = choice["chosen"]
    if chosen is None and required and apply:
        raise NoCandidate(_nobody_message(role, choice), record=choice, role=role, field=field,
                          strategy=strategy, escalate_to=escalate_to)
    chosen_rating = next((e["rating"] for e in choice["candidates"] if e["user_id"] == chosen), None)
    rec = AssignmentRecord(order_id=order.id, strategy=strategy, role=role, field=field,
                           record=choice, chosen_user_id=chosen, chosen_rating=chosen_rating,
                           needs_attention=chosen is None and apply)
    session.add(rec)
    result = AssignmentResult(user_id=chosen, record=rec, candidates=candidates)
    if not apply:
        session.flush()
        return result
    if chosen is None:
        managers = escalate_to or ([order.manager] if order.manager is not None else _managers(session))
        _notify(session, to=managers, template="no_candidate", order=order,
                context={"order": order.number, "role": role,
                         "reasons": {e["name"]: e["excluded"] for e in choice["candidates"]}})
        session.flush()
        return result
    # Earlier "no candidate" flags on this order are resolved by this choice.
    for old in session.execute(select(AssignmentRecord).where(
            AssignmentRecord.order_id == order.id, AssignmentRecord.needs_attention.is_(True))).scalars():
        if old is not rec:
            old.needs_attention = False
    if rule_set and chosen in decisions:
        from .rulesets import store_decision

        store_decision(session, decisions[chosen], record=order,
                       subject=session.get(User, chosen))
    if field == "assignee" and offer:
        result.offer = Offer(order_id=order.id, user_id=chosen, status="offered")
        session.add(result.offer)
    else:
        setattr(order, f"{field}_id", chosen)
    session.flush()
    return result


def flag_waiting(session, order, exc: NoCandidate) -> AssignmentRecord:
    """The order waits for someone to become available: flagged (shown on its page and the
    writing desk) and the people to escalate to are told, once per waiting spell."""
    already = needs_attention(session, order)
    rec = AssignmentRecord(order_id=order.id, strategy=exc.strategy, role=exc.role, field=exc.field,
                           record=exc.record, chosen_user_id=None, needs_attention=True)
    session.add(rec)
    if not already:
        to = exc.escalate_to or _managers(session)
        _notify(session, to=to, template="no_candidate", order=order,
                context={"order": order.number, "role": exc.role, "reason": str(exc),
                         "reasons": {e["name"]: e["excluded"] for e in exc.record.get("candidates", [])}})
    session.flush()
    return rec


def waiting_orders(session, *, field: str = "manager", limit: int = 200) -> list[Order]:
    """Orders flagged because nobody could take them for ``field`` (oldest first)."""
    flagged = select(AssignmentRecord.order_id).where(AssignmentRecord.needs_attention.is_(True),
                                                      AssignmentRecord.field == field)
    return list(session.execute(select(Order).where(Order.id.in_(flagged)).order_by(Order.id)
                                .limit(limit)).scalars())


def route_waiting(session) -> int:
    """Someone came on duty: give every order waiting for a manager another try (as System,
    through the workflow's automatic transitions). Returns how many moved on."""
    from .transitions import run_automatic

    moved = 0
    for order in waiting_orders(session, field="manager"):
        if run_automatic(session, order):
            moved += 1
    return moved


def set_on_duty(session, profile, on_duty: bool) -> int:
    """Switch a staff member on or off duty; coming on duty routes the waiting orders.
    Returns how many waiting orders were routed."""
    was = bool(profile.on_duty)
    profile.on_duty = bool(on_duty)
    session.flush()
    return route_waiting(session) if profile.on_duty and not was else 0


def _managers(session) -> list:
    from flask_appbuilder.security.sqla.models import Role

    return list(session.execute(select(User).where(
        User.active.is_(True), User.roles.any(Role.name == "Manager"))).scalars())


def needs_attention(session, order) -> bool:
    return session.execute(select(AssignmentRecord.id).where(
        AssignmentRecord.order_id == order.id, AssignmentRecord.needs_attention.is_(True))
    ).first() is not None


def answer_offer(session, order, user, *, accept: bool, reason: str | None = None) -> Offer:
    """Take or decline an open offer. Accepting sets ``order.assignee_id``; a declined
    user is never offered this order again (the candidate filter reads declined offers)."""
    offer = session.execute(select(Offer).where(
        Offer.order_id == order.id, Offer.user_id == user.id, Offer.status == "offered")
        .order_by(Offer.id.desc())).scalars().first()
    if offer is None:
        raise ValidationFailed({"offer": ["There is no open offer of this order for you."]})
    offer.answered = utcnow()
    if accept:
        if order.assignee_id and order.assignee_id != user.id:
            raise ValidationFailed({"offer": ["Someone else has taken this order already."]})
        offer.status = "accepted"
        order.assignee_id = user.id
    else:
        offer.status = "declined"
        offer.reason = (reason or "").strip() or None
    session.flush()
    return offer


def replay(record: AssignmentRecord) -> int | None:
    return engine.replay(record.record)


def rating_shares(session, *, strategy: str = "weighted_rating", limit: int = 5000) -> list[dict]:
    """Per rating: share of offers expected (from each choice's weights) and observed."""
    rows = session.execute(select(AssignmentRecord.record).where(
        AssignmentRecord.strategy == strategy, AssignmentRecord.chosen_user_id.is_not(None))
        .order_by(AssignmentRecord.id.desc()).limit(limit)).scalars()
    expected: dict[str, float] = {}
    observed: dict[str, int] = {}
    n = 0
    for record in rows:
        eligible = [e for e in record.get("candidates", []) if not e.get("excluded")
                    and e.get("weight") and Decimal(e["weight"]) > 0]
        total = sum(Decimal(e["weight"]) for e in eligible)
        if not total:
            continue
        n += 1
        for e in eligible:
            r = _rating_label(e.get("rating"))
            expected[r] = expected.get(r, 0.0) + float(Decimal(e["weight"]) / total)
        chosen = next((e for e in eligible if e["user_id"] == record.get("chosen")), None)
        if chosen is not None:
            r = _rating_label(chosen.get("rating"))
            observed[r] = observed.get(r, 0) + 1
    out = []
    for r in sorted(set(expected) | set(observed), key=lambda x: Decimal(x)):
        out.append({"rating": r, "expected": expected.get(r, 0.0) / n if n else 0.0,
                    "observed": observed.get(r, 0) / n if n else 0.0,
                    "offers": observed.get(r, 0)})
    return out


def _rating_label(value) -> str:
    try:
        return str(Decimal(str(value)).quantize(Decimal("0.1")).normalize())
    except Exception:  # noqa: BLE001
        return str(value)


def reassign(session, order_id: int, *, user_id, actor, field: str = "assignee", reason: str | None = None,
             expected_version=None) -> Order:
    """A manager hands an order to another author (``field="assignee"``) or manager. Not a
    state change, so not a workflow trigger: the row is locked and its revision checked like
    fire() does, the move is logged as a ``reassign`` event and both people are told.
    Raises OrderNotFound / ConcurrentChange / InvalidTransition / ValidationFailed."""
    from sqlalchemy.orm.exc import StaleDataError

    from ..models import OrderEvent, StaffProfile
    from . import access, transitions, workflows
    from .rule_facts import DEFAULT_ROLE_FOR_KIND

    if field not in ("assignee", "manager"):
        raise ValidationFailed({"field": [_("must be assignee or manager")]})
    if actor is not None and not access.can_see_order(session, actor, order_id):
        raise transitions.OrderNotFound(f"order {order_id} does not exist")
    order = session.execute(select(Order).where(Order.id == order_id).with_for_update()
                            .execution_options(populate_existing=True)).scalar_one_or_none()
    if order is None:
        raise transitions.OrderNotFound(f"order {order_id} does not exist")
    if expected_version not in (None, "") and str(expected_version) != str(order.version):
        raise transitions.ConcurrentChange(str(_("The order changed meanwhile; reload and try again.")),
                                           state=order.state, trigger="reassign")
    if workflows.for_order(session, order).is_final(order.state):
        raise transitions.InvalidTransition(str(_("A finished order keeps its people.")), state=order.state,
                                            trigger="reassign")
    role = DEFAULT_ROLE_FOR_KIND.get(order.workflow_key, "Author") if field == "assignee" else "Manager"
    errors = _reassign_errors(session, order, field, user_id, role)
    if errors:
        raise ValidationFailed({field: errors})
    user = session.get(User, int(user_id))
    previous = getattr(order, f"{field}_id")
    setattr(order, f"{field}_id", user.id)
    if field == "assignee":  # the previous author's accepted offer no longer opens the order to them
        for offer in session.execute(select(Offer).where(Offer.order_id == order.id, Offer.user_id == previous,
                                                         Offer.status == "accepted")).scalars():
            offer.status, offer.answered = "reassigned", utcnow()
    session.add(OrderEvent(order_id=order.id, from_state=order.state, to_state=order.state, trigger="reassign",
                           actor_id=getattr(actor, "id", None), comment=(reason or "").strip() or None, at=utcnow(),
                           decision={"reassign": {"field": field, "from": previous, "to": user.id}}))
    profile = session.execute(select(StaffProfile).where(StaffProfile.user_id == user.id)).scalar()
    people = [p for p in (user, session.get(User, previous) if previous else None) if p is not None]
    _notify(session, to=people, template="order_reassigned", order=order,
            context={"person": profile.full_name if profile else user.username, "comment": reason or ""})
    try:
        session.flush()
    except StaleDataError:
        raise transitions.ConcurrentChange(str(_("The order changed meanwhile; reload and try again.")),
                                           state=order.state, trigger="reassign") from None
    return order


def _reassign_errors(session, order, field: str, user_id, role: str) -> list:
    from ..models import StaffProfile
    from . import access

    try:
        user = session.get(User, int(user_id))
    except (TypeError, ValueError):
        user = None
    if user is None or not user.active:
        return [_("choose an active person")]
    if role not in access.role_names(user):
        return [_("%(user)s is not a %(role)s", user=user.username, role=role)]
    if getattr(order, f"{field}_id") == user.id:
        return [_("the order is with %(user)s already", user=user.username)]
    if field == "assignee" and order.assignee_id is None:
        return [_("nobody has taken the order yet: offer it instead")]
    profile = session.execute(select(StaffProfile).where(StaffProfile.user_id == user.id)).scalar()
    if profile is None:
        return [_("%(user)s has no staff profile", user=user.username)]
    if profile.on_leave_until and profile.on_leave_until >= utcnow().date():
        return [_("%(user)s is on leave until %(day)s", user=user.username, day=profile.on_leave_until.isoformat())]
    return []


def reassign_choices(session, workflow_key: str, field: str = "assignee") -> list[dict]:
    """People a manager may hand an order of ``workflow_key`` to, with their load."""
    from .rule_facts import DEFAULT_ROLE_FOR_KIND

    role = DEFAULT_ROLE_FOR_KIND.get(workflow_key, "Author") if field == "assignee" else "Manager"
    active = rule_facts.active_counts(session, field=field)
    out = []
    for p in rule_facts.staff_with_role(session, role):
        out.append({"user_id": p.user_id, "name": p.full_name, "rating": str(p.rating),
                    "active_orders": active.get(p.user_id, 0), "capacity": p.capacity, "on_duty": p.on_duty,
                    "skills": sorted(p.skill_set)})
    return out
