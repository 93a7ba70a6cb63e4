"""Rule contexts: which variables a rule set may test and which actions it may run.

Declared with business-rules' own ``BaseVariables``/``BaseActions`` decorators so
``business_rules.export_rule_data`` can feed an editor UI and
``business_rules.engine.run_all`` can run the same rules (used in tests).

Variables wrap a plain ``facts`` dict built by the service layer.  Actions never
change anything: they only record ``(action name, params)``; the caller applies
them later from the decision.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Mapping

from business_rules.actions import BaseActions, rule_action
from business_rules.fields import FIELD_NUMERIC, FIELD_TEXT
from business_rules.operators import (
    BaseType,
    BooleanType,
    NumericType,
    SelectMultipleType,
    SelectType,
    StringType,
)
from business_rules.utils import export_rule_data
from business_rules.variables import BaseVariables, rule_variable

# ---------------------------------------------------------------------------
# building blocks


class FactsVariables(BaseVariables):
    """Base of every context's variables: reads from a plain ``facts`` mapping."""

    def __init__(self, facts: Mapping[str, Any]):
        self.facts = facts


class RecordingActions(BaseActions):
    """Base of every context's actions: each call is recorded, nothing is applied."""

    def __init__(self):
        self.taken: list[tuple[str, dict]] = []

    def _record(self, name: str, **params) -> None:
        self.taken.append((name, params))


def _as_select(value):
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    return [value]


def _as_number(value):
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            return Decimal(text)
        except InvalidOperation:
            return value  # the operator's own cast reports it
    return value


def _as_text(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


_CONVERTERS = {
    SelectType: _as_select,
    SelectMultipleType: _as_select,
}


def fact_variable(field_type: type[BaseType], fact: str, label: str | None = None,
                  options: list | None = None, convert=None, name: str | None = None):
    """A rule variable reading ``facts[fact]`` (``None`` when absent)."""
    convert = convert or _CONVERTERS.get(field_type)
    if convert is None:
        def read(self):
            return self.facts.get(fact)
        read.fact_key = fact  # lets the compiled evaluator read facts.get(fact) directly
    else:
        def read(self):
            return convert(self.facts.get(fact))
    read.__name__ = read.__qualname__ = name or fact
    return rule_variable(field_type, label=label, options=options)(read)


FORM_FACTS_KEY = "form"


def form_variable(field_type: type[BaseType], fact: str, name: str, label: str,
                  options: list | None = None, convert=None):
    """A rule variable reading ``facts["form"][fact]`` (the order's form values)."""
    if convert is None:
        def read(self):
            return (self.facts.get(FORM_FACTS_KEY) or {}).get(fact)
    else:
        def read(self):
            return convert((self.facts.get(FORM_FACTS_KEY) or {}).get(fact))
    read.__name__ = read.__qualname__ = name
    read.missing_is_false = True  # see compiler._false_when_missing
    return rule_variable(field_type, label=label, options=options)(read)


# ---------------------------------------------------------------------------
# context object and registry


@dataclass(frozen=True)
class VariableSpec:
    name: str
    field_type: type  # a business_rules.operators BaseType subclass
    label: str
    options: tuple
    reader: Any  # the plain function on the Variables class: reader(instance) -> value


@dataclass(frozen=True)
class ActionSpec:
    name: str
    label: str
    params: dict  # param name -> business-rules FIELD_* type
    param_options: dict = field(default_factory=dict)  # param name -> allowed values


class Context:
    """A named pair of Variables/Actions classes plus cached metadata."""

    def __init__(self, name: str, variables_cls: type[FactsVariables],
                 actions_cls: type[RecordingActions], description: str = "",
                 param_options: Mapping[str, Mapping[str, tuple]] | None = None):
        self.name = name
        self.variables_cls = variables_cls
        self.actions_cls = actions_cls
        self.description = description
        param_options = param_options or {}
        self.variables: dict[str, VariableSpec] = {}
        for item in sorted(variables_cls.get_all_variables(), key=lambda v: v["name"]):
            fn = getattr(variables_cls, item["name"])
            self.variables[item["name"]] = VariableSpec(
                item["name"], fn.field_type, item["label"], tuple(item["options"] or ()), fn)
        self.actions: dict[str, ActionSpec] = {}
        for item in sorted(actions_cls.get_all_actions(), key=lambda a: a["name"]):
            params = {p["name"]: p["fieldType"] for p in (item["params"] or [])}
            self.actions[item["name"]] = ActionSpec(
                item["name"], item["label"], params, dict(param_options.get(item["name"], {})))

    def __repr__(self):
        return f"<Context {self.name}: {len(self.variables)} variables, {len(self.actions)} actions>"

    def make_variables(self, facts: Mapping[str, Any]) -> FactsVariables:
        return self.variables_cls(facts)

    def make_actions(self) -> RecordingActions:
        return self.actions_cls()

    def export_rule_data(self) -> dict:
        """business_rules.export_rule_data for an editor UI (variables, actions, operators)."""
        data = export_rule_data(self.variables_cls, self.actions_cls)
        data["context"] = self.name
        return data


# ---------------------------------------------------------------------------
# intake: an order being accepted

PRIORITIES = ("low", "normal", "high", "urgent")


class IntakeVariables(FactsVariables):
    service_code = fact_variable(StringType, "service_code", "Service code")
    quantity = fact_variable(NumericType, "quantity", "Quantity")
    price = fact_variable(NumericType, "price", "Price")
    days_to_deadline = fact_variable(NumericType, "days_to_deadline", "Days to deadline")
    customer_past_orders = fact_variable(NumericType, "customer_past_orders",
                                         "Customer's past orders")


class IntakeActions(RecordingActions):
    @rule_action(params={"message": FIELD_TEXT})
    def reject(self, message):
        self._record("reject", message=message)

    @rule_action(params={"field": FIELD_TEXT, "message": FIELD_TEXT})
    def require_field(self, field, message):
        self._record("require_field", field=field, message=message)

    @rule_action(params={"priority": FIELD_TEXT})
    def set_priority(self, priority):
        self._record("set_priority", priority=priority)

    @rule_action(params={"days": FIELD_NUMERIC})
    def set_deadline(self, days):
        self._record("set_deadline", days=days)

    @rule_action(params={"amount": FIELD_NUMERIC})
    def set_price(self, amount):
        self._record("set_price", amount=amount)


FIELD_PREFIX = "field_"
FILLED_PREFIX = "filled_"
# form-schema field type -> (business-rules type, converter)
FORM_FIELD_TYPES = {
    "text": (StringType, None),
    "number": (NumericType, _as_number),
    "integer": (NumericType, _as_number),
    "date": (StringType, _as_text),  # ISO 8601 text: equal_to / starts_with work
    "choice": (SelectType, _as_select),
    "bool": (BooleanType, lambda v: bool(v) if not isinstance(v, str)
             else v.strip().lower() in {"1", "true", "yes", "on", "y"}),
    "file": (BooleanType, lambda v: bool(v)),  # attached or not
}


def _is_filled(value) -> bool:
    return not (value is None or value == "" or value == [] or value is False)


def _form_variables(schema: list[dict]) -> dict:
    attrs = {}
    for item in schema:
        name, kind = item.get("name"), item.get("type")
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"form field name {name!r} is not an identifier")
        if kind not in FORM_FIELD_TYPES:
            raise ValueError(f"form field {name!r}: unknown type {kind!r}")
        field_type, convert = FORM_FIELD_TYPES[kind]
        label = item.get("label") or name.replace("_", " ").capitalize()
        options = list(item.get("choices") or []) if kind == "choice" else None
        attrs[FIELD_PREFIX + name] = form_variable(
            field_type, name, FIELD_PREFIX + name, f"Form: {label}", options, convert)
        attrs[FILLED_PREFIX + name] = form_variable(
            BooleanType, name, FILLED_PREFIX + name, f"Form: {label} is filled", None, _is_filled)
    return attrs


@lru_cache(maxsize=256)
def _intake_context_cached(schema_json: str) -> Context:
    schema = json.loads(schema_json)
    attrs = _form_variables(schema)
    variables_cls = type("IntakeFormVariables", (IntakeVariables,), attrs)
    fields = tuple(item["name"] for item in schema)
    ctx = Context("intake", variables_cls, IntakeActions,
                  "An order being accepted, with its service's form fields.",
                  {"set_priority": {"priority": PRIORITIES},
                   **({"require_field": {"field": fields}} if fields else {})})
    ctx.form_schema = schema
    return ctx


def intake_context(form_schema: list[dict] | None = None) -> Context:
    """The intake context for one service's form schema (cached per schema).

    Each schema field ``x`` adds the variable ``field_x`` (typed from the schema:
    text/date -> string, number/integer -> numeric, choice -> select, bool/file ->
    boolean) and the boolean ``filled_x``; both read ``facts["form"]["x"]``.
    """
    return _intake_context_cached(json.dumps(form_schema or [], sort_keys=True, default=str))


# ---------------------------------------------------------------------------
# assignment: one candidate worker for an order


class AssignmentVariables(FactsVariables):
    rating = fact_variable(NumericType, "rating", "Rating")
    active_orders = fact_variable(NumericType, "active_orders", "Active orders")
    capacity_left = fact_variable(NumericType, "capacity_left", "Capacity left")
    skills_match = fact_variable(BooleanType, "skills_match", "Has the skill")
    days_since_last_assignment = fact_variable(NumericType, "days_since_last_assignment",
                                               "Days since last assignment")
    declined_before = fact_variable(BooleanType, "declined_before", "Declined this order before")
    on_leave = fact_variable(BooleanType, "on_leave", "On leave")
    on_duty = fact_variable(BooleanType, "on_duty", "On duty")


class AssignmentActions(RecordingActions):
    @rule_action(params={"reason": FIELD_TEXT})
    def exclude_candidate(self, reason):
        self._record("exclude_candidate", reason=reason)

    @rule_action(params={"weight": FIELD_NUMERIC})
    def set_weight(self, weight):
        self._record("set_weight", weight=weight)

    @rule_action(params={"amount": FIELD_NUMERIC})
    def add_to_weight(self, amount):
        self._record("add_to_weight", amount=amount)


# ---------------------------------------------------------------------------
# refund: a repair order


class RefundVariables(FactsVariables):
    days_since_completion = fact_variable(NumericType, "days_since_completion",
                                          "Days since completion")
    under_warranty = fact_variable(BooleanType, "under_warranty", "Under warranty")
    repeat_failure_reported = fact_variable(BooleanType, "repeat_failure_reported",
                                            "Repeat failure reported")
    any_part_installed_used = fact_variable(BooleanType, "any_part_installed_used",
                                            "A used part was installed")
    used_part_billed_as_new = fact_variable(BooleanType, "used_part_billed_as_new",
                                            "A used part was billed as new")
    parts_total = fact_variable(NumericType, "parts_total", "Parts total")
    labour_total = fact_variable(NumericType, "labour_total", "Labour total")
    used_part_price_difference = fact_variable(NumericType, "used_part_price_difference",
                                               "Used part price difference")
    amount_paid = fact_variable(NumericType, "amount_paid", "Amount paid")


class RefundActions(RecordingActions):
    @rule_action()
    def refund_parts(self):
        self._record("refund_parts")

    @rule_action()
    def refund_labour(self):
        self._record("refund_labour")

    @rule_action()
    def refund_full(self):
        self._record("refund_full")

    @rule_action(params={"amount": FIELD_NUMERIC, "reason": FIELD_TEXT})
    def refund_amount(self, amount, reason):
        self._record("refund_amount", amount=amount, reason=reason)

    @rule_action(params={"reason": FIELD_TEXT})
    def deny(self, reason):
        self._record("deny", reason=reason)


# ---------------------------------------------------------------------------
# payout: a worker's earnings

CURRENCIES = ["RUB", "USD", "EUR", "KZT", "BYN", "UZS", "AMD", "GEL"]


class PayoutVariables(FactsVariables):
    unpaid_balance = fact_variable(NumericType, "unpaid_balance", "Unpaid balance")
    currency = fact_variable(SelectType, "currency", "Currency", options=CURRENCIES)
    days_since_last_payout = fact_variable(NumericType, "days_since_last_payout",
                                           "Days since last payout")
    completed_orders_since_last_payout = fact_variable(
        NumericType, "completed_orders_since_last_payout", "Completed orders since last payout")


class PayoutActions(RecordingActions):
    @rule_action()
    def create_payout(self):
        self._record("create_payout")

    @rule_action(params={"reason": FIELD_TEXT})
    def hold(self, reason):
        self._record("hold", reason=reason)


# ---------------------------------------------------------------------------
# rating: an author's rating after a client's review


class RatingVariables(FactsVariables):
    current_rating = fact_variable(NumericType, "current_rating", "Current rating")
    review_stars = fact_variable(NumericType, "review_stars", "Stars of this review")
    reviews_count = fact_variable(NumericType, "reviews_count", "Reviews so far (with this one)")
    average_stars = fact_variable(NumericType, "average_stars", "Average stars of all reviews")
    average_last_5 = fact_variable(NumericType, "average_last_5", "Average stars of the last 5 reviews")
    average_last_10 = fact_variable(NumericType, "average_last_10", "Average stars of the last 10 reviews")
    days_late = fact_variable(NumericType, "days_late", "Days the order was delivered late")
    reworks = fact_variable(NumericType, "reworks", "Times the order was sent back for rework")
    completed_orders = fact_variable(NumericType, "completed_orders", "Orders the author completed")


class RatingActions(RecordingActions):
    @rule_action(params={"rating": FIELD_NUMERIC})
    def set_rating(self, rating):
        self._record("set_rating", rating=rating)

    @rule_action(params={"amount": FIELD_NUMERIC})
    def adjust_rating(self, amount):
        self._record("adjust_rating", amount=amount)

    @rule_action(params={"reason": FIELD_TEXT})
    def hold(self, reason):
        self._record("hold", reason=reason)


# ---------------------------------------------------------------------------
# withdrawal: an order ended early (the client withdrew, or did not pay in time)


class WithdrawalVariables(FactsVariables):
    from_state = fact_variable(StringType, "from_state", "State the order was in")
    trigger = fact_variable(StringType, "trigger", "What ended it (withdraw, payment_timeout)")
    amount_paid = fact_variable(NumericType, "amount_paid", "Amount paid (net of refunds)")
    hours_since_first_payment = fact_variable(NumericType, "hours_since_first_payment",
                                              "Hours since the first payment")
    preview_uploaded = fact_variable(BooleanType, "preview_uploaded", "A 50% preview was uploaded")
    preview_released = fact_variable(BooleanType, "preview_released", "The client received the preview")


class WithdrawalActions(RecordingActions):
    @rule_action(params={"reason": FIELD_TEXT})
    def refund_full(self, reason):
        self._record("refund_full", reason=reason)

    @rule_action(params={"percent": FIELD_NUMERIC, "reason": FIELD_TEXT})
    def refund_percent(self, percent, reason):
        self._record("refund_percent", percent=percent, reason=reason)

    @rule_action(params={"reason": FIELD_TEXT})
    def deny(self, reason):
        self._record("deny", reason=reason)


# ---------------------------------------------------------------------------

CONTEXTS: dict[str, Context] = {
    "intake": intake_context(None),
    "assignment": Context("assignment", AssignmentVariables, AssignmentActions,
                          "One candidate worker for an order."),
    "refund": Context("refund", RefundVariables, RefundActions, "A repair order's refund claim."),
    "payout": Context("payout", PayoutVariables, PayoutActions, "A worker's unpaid earnings."),
    "rating": Context("rating", RatingVariables, RatingActions,
                      "An author's rating after a client rated a completed order."),
    "withdrawal": Context("withdrawal", WithdrawalVariables, WithdrawalActions,
                          "An order ended early with money paid: how much goes back."),
}


def get_context(name: str, form_schema: list[dict] | None = None) -> Context:
    """Context by name; ``intake`` takes the service's form schema."""
    if name == "intake":
        return intake_context(form_schema)
    try:
        return CONTEXTS[name]
    except KeyError:
        raise KeyError(f"unknown rule context {name!r}; known: {', '.join(CONTEXTS)}") from None
