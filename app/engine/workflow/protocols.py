"""What the service layer implements to execute a :class:`TransitionPlan`.

The engine never touches the database: the service layer checks guards and runs
effects (with DB access) inside its transaction, e.g.::

    plan = compiled.plan(order.state, trigger, actor_roles)      # 403 / 409 errors
    failures = run_guards(plan, checker)                          # -> 422 if any
    if not failures:
        order.state = plan.dest
        results = run_effects(plan, runner)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional, Protocol, Union, runtime_checkable

from .definition import Effect, Guard
from .machine import TransitionPlan


@dataclass(frozen=True)
class GuardFailure:
    kind: str
    message: str
    guard: Optional[Guard] = None


@runtime_checkable
class GuardChecker(Protocol):
    def check_guard(self, guard: Guard, plan: TransitionPlan) -> Union[None, bool, str]:
        """Return ``None`` or ``True`` when the guard passes; ``False`` or a message when it fails."""


@runtime_checkable
class EffectRunner(Protocol):
    def run_effect(self, effect: Effect, plan: TransitionPlan) -> Any:
        """Run one effect (notify, assign, request_payment, ...); the return value is collected."""


def _default_message(guard: Guard) -> str:
    p = guard.params
    if guard.kind == "rule_set":
        return f"rule set {p['key']} does not accept the order"
    if guard.kind == "attachment":
        return f"an attachment of kind {p['attachment_kind']} is required"
    if guard.kind == "payment_paid":
        return f"the {p['purpose']} payment is not paid"
    if guard.kind == "field_set":
        return f"field {p['field']} must be set"
    if guard.kind == "actor_is_assignee":
        return "only the assignee may do this"
    return f"guard {guard.kind} failed"


def run_guards(plan: TransitionPlan, checker: GuardChecker) -> List[GuardFailure]:
    """Check every guard of ``plan`` (all of them, so every reason can be shown)."""
    failures = []
    for guard in plan.guards:
        result = checker.check_guard(guard, plan)
        if result is None or result is True:
            continue
        if result is False or result == "":
            message = guard.get("message") or _default_message(guard)
        else:
            message = str(result)
        failures.append(GuardFailure(guard.kind, message, guard))
    return failures


def run_effects(plan: TransitionPlan, runner: EffectRunner) -> List[Any]:
    """Run the effects of ``plan`` in order; returns their results."""
    return [runner.run_effect(effect, plan) for effect in plan.effects]


class KindDispatcher:
    """Optional base class: ``check_guard``/``run_effect`` call ``guard_<kind>``/``effect_<kind>``
    methods with the plan and the step's parameters as keyword arguments."""

    def check_guard(self, guard: Guard, plan: TransitionPlan):
        return getattr(self, f"guard_{guard.kind}")(plan, **dict(guard.params))

    def run_effect(self, effect: Effect, plan: TransitionPlan):
        return getattr(self, f"effect_{effect.kind}")(plan, **dict(effect.params))
