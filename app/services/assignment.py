"""Assigning orders to workers: candidates from staff profiles, weights from rules,
choice by app/engine/assignment.py, every choice stored (AssignmentRecord) and
replayable. With no candidate the order is flagged and its manager told."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from ..engine import assignment as engine
from ..models import AssignmentRecord, Offer, Order, User
from ..models.types import utcnow
from . import rule_facts
from .errors import ValidationFailed


@dataclass
class AssignmentResult:
    user_id: int | None
    offer: Any = None
    record: AssignmentRecord | None = None
    candidates: list = field(default_factory=list)


def _ranked_facts(session, order, profiles, exclude_declined: bool):
    active = rule_facts.active_counts(session)
    last = rule_facts.last_assignments(session)
    declined = rule_facts.declined_user_ids(session, order) if exclude_declined else set()
    seq = {uid: i + 1 for i, (uid, _at) in enumerate(sorted(
        ((u, a) for u, a in last.items() if a is not None), key=lambda p: p[1]))}
    return active, last, declined, seq


def build_candidates(session, order, *, role: str, rule_set: str | None = None,
                     exclude_declined: bool = True) -> tuple[list[engine.Candidate], dict]:
    """Candidates with weights (from ``rule_set`` when given) and exclusion reasons.

    Returns (candidates, decisions by user id)."""
    profiles = rule_facts.staff_with_role(session, role)
    active, last, declined, seq = _ranked_facts(session, order, profiles, exclude_declined)
    skill = rule_facts.order_skill(order)
    today = utcnow().date()
    candidates, decisions = [], {}
    for p in profiles:
        facts = rule_facts.assignment_facts(p, order, active=active, last=last,
                                            declined=declined, today=today)
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
           actor=None, seed: int | None = None, apply: bool = True) -> AssignmentResult:
    """Choose a worker for ``order`` and apply the choice (see module docstring).

    ``field="assignee"`` with ``offer=True`` creates an Offer(status="offered") for the
    chosen user and leaves ``order.assignee_id`` unchanged; otherwise ``order.<field>_id``
    is set. ``apply=False`` only records the choice (a preview: no flag, no offer, no
    notification). Nothing is committed here."""
    if strategy not in engine.STRATEGIES:
        raise ValidationFailed({"strategy": [f"Unknown strategy {strategy!r}."]})
    if not hasattr(Order, f"{field}_id"):
        raise ValidationFailed({"field": [f"Orders have no {field!r} person."]})
    candidates, decisions = build_candidates(session, order, role=role, rule_set=rule_set,
                                             exclude_declined=exclude_declined)
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
        managers = [order.manager] if order.manager is not None else _managers(session)
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
