"""Choosing a worker for an order: pure data in, a replayable choice out.

No Flask, no models. The service layer (app/services/assignment.py) builds the
candidates from staff profiles and the rule set's decisions, then calls ``choose``.

A choice record (plain JSON) holds the strategy, every candidate with its weight or the
reason it was excluded, the seed and the draw; ``replay(record)`` recomputes the choice
from the record alone.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable, Mapping

STRATEGIES = ("weighted_rating", "round_robin", "least_loaded")


@dataclass
class Candidate:
    user_id: int
    name: str = ""
    rating: Decimal | float | int = 0
    role: str | None = None
    skills: frozenset = frozenset()
    on_duty: bool = True
    on_leave: bool = False
    capacity: int = 0
    active_orders: int = 0
    declined: bool = False
    last_assigned_seq: int = 0  # larger = assigned more recently (round robin); 0 never
    weight: Decimal | None = None  # from rules; None = default (rating)
    excluded: str | None = None  # reason when filtered out

    @property
    def capacity_left(self) -> int:
        return int(self.capacity) - int(self.active_orders)


def weight_from_actions(actions: Iterable[tuple[str, Mapping]], default) -> tuple[Decimal | None, str | None]:
    """Apply an assignment decision's actions: ``(weight, excluded reason)``.

    ``set_weight`` replaces the weight (the last one wins), ``add_to_weight`` adds,
    ``exclude_candidate`` removes the candidate (its reason is kept).
    """
    weight = Decimal(str(default))
    for name, params in actions:
        if name == "exclude_candidate":
            return None, str(params.get("reason") or "excluded")
        if name == "set_weight":
            weight = Decimal(str(params.get("weight", 0)))
        elif name == "add_to_weight":
            weight += Decimal(str(params.get("amount", 0)))
    return weight, None


def filter_candidates(candidates: list[Candidate], *, skill: str | None = None,
                      exclude_declined: bool = True) -> list[Candidate]:
    """Mark candidates who cannot take the order; returns those still eligible."""
    for c in candidates:
        if c.excluded:
            continue
        if c.on_leave:
            c.excluded = "on leave"
        elif not c.on_duty:
            c.excluded = "off duty"
        elif exclude_declined and c.declined:
            c.excluded = "declined this order before"
        elif c.capacity_left <= 0:
            c.excluded = "no capacity left"
        elif skill and skill.lower() not in {s.lower() for s in c.skills}:
            c.excluded = "lacks the required skill"
    return [c for c in candidates if not c.excluded]


def _weight(c: Candidate) -> Decimal:
    w = c.weight if c.weight is not None else Decimal(str(c.rating))
    return max(Decimal(str(w)), Decimal(0))


def _pick_weighted(entries: list[dict], draw: float) -> int | None:
    """Index into ``entries`` chosen by ``draw`` in [0, 1) against cumulative weights."""
    total = sum(Decimal(e["weight"]) for e in entries)
    if total <= 0:
        return None
    target = Decimal(str(draw)) * total
    acc = Decimal(0)
    for i, e in enumerate(entries):
        acc += Decimal(e["weight"])
        if target < acc:
            return i
    return len(entries) - 1


def _entry(c: Candidate) -> dict:
    return {
        "user_id": c.user_id, "name": c.name, "rating": str(c.rating),
        "active_orders": c.active_orders, "capacity_left": c.capacity_left,
        "last_assigned_seq": c.last_assigned_seq,
        "weight": str(_weight(c)) if not c.excluded else None,
        "excluded": c.excluded,
    }


def choose(candidates: list[Candidate], strategy: str = "weighted_rating", *,
           seed: int | None = None) -> dict:
    """Choose among ``candidates`` (already weighed and filtered: ``excluded`` set).

    Returns the choice record: ``{"strategy", "seed", "draw", "candidates": [...],
    "chosen": user_id or None}``.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; known: {', '.join(STRATEGIES)}")
    if seed is None:
        seed = random.SystemRandom().randrange(2**31)
    record = {"strategy": strategy, "seed": seed, "draw": None,
              "candidates": [_entry(c) for c in candidates], "chosen": None}
    return _decide(record)


def _decide(record: dict) -> dict:
    eligible = [e for e in record["candidates"] if not e["excluded"]]
    strategy = record["strategy"]
    chosen = None
    if strategy == "weighted_rating":
        eligible = [e for e in eligible if Decimal(e["weight"]) > 0]
        if eligible:
            draw = random.Random(record["seed"]).random()
            record["draw"] = draw
            idx = _pick_weighted(eligible, draw)
            chosen = eligible[idx]["user_id"] if idx is not None else None
    elif strategy == "round_robin":
        # The one assigned longest ago (never first), ties by user id.
        if eligible:
            chosen = min(eligible, key=lambda e: (e["last_assigned_seq"], e["user_id"]))["user_id"]
    elif strategy == "least_loaded":
        if eligible:
            chosen = min(eligible, key=lambda e: (e["active_orders"], -e["capacity_left"],
                                                  e["user_id"]))["user_id"]
    record["chosen"] = chosen
    return record


def replay(record: Mapping[str, Any]) -> int | None:
    """Recompute the chosen user id from a stored record (same candidates, seed, draw)."""
    copy = {**record, "candidates": [dict(e) for e in record["candidates"]], "draw": None}
    return _decide(copy)["chosen"]


def expected_shares(weights: Mapping[Any, Decimal | float]) -> dict:
    """Share of draws each key should get under weighted-random choice."""
    total = sum(Decimal(str(w)) for w in weights.values() if Decimal(str(w)) > 0)
    if not total:
        return {k: 0.0 for k in weights}
    return {k: float(max(Decimal(str(w)), Decimal(0)) / total) for k, w in weights.items()}


@dataclass
class ShareRow:
    rating: str
    expected: float
    observed: float
    offers: int = 0
    extra: dict = field(default_factory=dict)
