"""Contexts: every variable readable from facts, every action recorded, export data."""
import datetime as dt
import json
from decimal import Decimal

import pytest
from business_rules.engine import run_all

from app.engine.rules import CONTEXTS, compile_rules, get_context, intake_context

FACTS = {
    "intake": {"service_code": "essay", "quantity": 3, "price": Decimal("1500.00"),
               "days_to_deadline": 5, "customer_past_orders": 12},
    "assignment": {"rating": Decimal("4.7"), "active_orders": 2, "capacity_left": 3,
                   "skills_match": True, "days_since_last_assignment": 9,
                   "declined_before": False, "on_leave": False, "on_duty": True},
    "refund": {"days_since_completion": 10, "under_warranty": True,
               "repeat_failure_reported": True, "any_part_installed_used": False,
               "used_part_billed_as_new": False, "parts_total": Decimal("300"),
               "labour_total": Decimal("700"), "used_part_price_difference": 0,
               "amount_paid": Decimal("1000")},
    "payout": {"unpaid_balance": Decimal("1250.50"), "currency": "RUB",
               "days_since_last_payout": 14, "completed_orders_since_last_payout": 4},
    "withdrawal": {"from_state": "started", "trigger": "withdraw", "amount_paid": Decimal("1500"),
                   "hours_since_first_payment": 30, "preview_uploaded": False, "preview_released": False},
    "rating": {"current_rating": Decimal("4"), "review_stars": 5, "reviews_count": 3,
               "average_stars": Decimal("4.33"), "average_last_5": Decimal("4.33"),
               "average_last_10": Decimal("4.33"), "days_late": 0, "reworks": 1, "completed_orders": 3},
}
EXPECTED_VARIABLES = {
    "intake": {"service_code", "quantity", "price", "days_to_deadline", "customer_past_orders"},
    "assignment": {"rating", "active_orders", "capacity_left", "skills_match",
                   "days_since_last_assignment", "declined_before", "on_leave", "on_duty"},
    "refund": {"days_since_completion", "under_warranty", "repeat_failure_reported",
               "any_part_installed_used", "used_part_billed_as_new", "parts_total",
               "labour_total", "used_part_price_difference", "amount_paid"},
    "payout": {"unpaid_balance", "currency", "days_since_last_payout",
               "completed_orders_since_last_payout"},
    "withdrawal": {"from_state", "trigger", "amount_paid", "hours_since_first_payment", "preview_uploaded",
                   "preview_released"},
    "rating": {"current_rating", "review_stars", "reviews_count", "average_stars", "average_last_5",
               "average_last_10", "days_late", "reworks", "completed_orders"},
}
ACTION_CALLS = {
    "intake": [("reject", {"message": "no"}), ("require_field", {"field": "x", "message": "m"}),
               ("set_priority", {"priority": "high"}), ("set_deadline", {"days": 3}),
               ("set_price", {"amount": 99.5})],
    "assignment": [("exclude_candidate", {"reason": "r"}), ("set_weight", {"weight": 4}),
                   ("add_to_weight", {"amount": -1})],
    "refund": [("refund_parts", {}), ("refund_labour", {}), ("refund_full", {}),
               ("refund_amount", {"amount": 10, "reason": "r"}), ("deny", {"reason": "r"})],
    "payout": [("create_payout", {}), ("hold", {"reason": "r"})],
    "withdrawal": [("refund_full", {"reason": "r"}), ("refund_percent", {"percent": 50, "reason": "r"}),
                   ("deny", {"reason": "r"})],
    "rating": [("set_rating", {"rating": 4}), ("adjust_rating", {"amount": -0.25}), ("hold", {"reason": "r"})],
}
TYPE_OPERATOR = {"numeric": ("greater_than_or_equal_to", -10**9), "string": ("non_empty", None),
                 "boolean": ("is_true", None), "select": ("does_not_contain", "RUBX")}


def test_registry_has_the_four_contexts():
    assert {"intake", "assignment", "refund", "payout", "withdrawal", "rating"} <= set(CONTEXTS)
    for name, ctx in CONTEXTS.items():
        assert ctx.name == name
        assert get_context(name) is ctx or name == "intake"
    with pytest.raises(KeyError):
        get_context("nope")


@pytest.mark.parametrize("name", sorted(EXPECTED_VARIABLES))
def test_every_variable_reads_its_fact(name):
    ctx = CONTEXTS[name]
    assert set(ctx.variables) == EXPECTED_VARIABLES[name]
    inst = ctx.make_variables(FACTS[name])
    for var in ctx.variables:
        value = getattr(inst, var)()
        expected = FACTS[name][var]
        assert value == ([expected] if var == "currency" else expected)


@pytest.mark.parametrize("name", sorted(ACTION_CALLS))
def test_every_action_is_recorded_not_applied(name):
    ctx = CONTEXTS[name]
    assert set(ctx.actions) == {n for n, _ in ACTION_CALLS[name]}
    actions = ctx.make_actions()
    for action, params in ACTION_CALLS[name]:
        getattr(actions, action)(**params)
    assert actions.taken == ACTION_CALLS[name]


@pytest.mark.parametrize("name", sorted(ACTION_CALLS))
def test_every_variable_and_action_reachable_through_rules(name):
    """One always-true rule per variable, running every action: compiled == run_all."""
    ctx = CONTEXTS[name]
    rules = []
    for var, spec in ctx.variables.items():
        op, value = TYPE_OPERATOR[spec.field_type.name]
        if spec.field_type.name == "boolean":
            op = "is_true" if FACTS[name][var] else "is_false"
        if var == "service_code":
            op = "non_empty"
        cond = {"name": var, "operator": op, "value": value}
        if value is None:
            del cond["value"]
        rules.append({"name": var, "conditions": {"all": [cond]},
                      "actions": [{"name": a, "params": p} for a, p in ACTION_CALLS[name]]})
    if name == "payout":  # currency select: keep options valid
        for r in rules:
            c = r["conditions"]["all"][0]
            if c["name"] == "currency":
                c["value"] = "USD"
    compiled = compile_rules(ctx, rules, key=f"t.{name}", version=1)
    decision = compiled.evaluate(FACTS[name])
    assert [f.index for f in decision.fired] == list(range(1, len(rules) + 1))
    assert set(decision.values) == EXPECTED_VARIABLES[name]
    # reference: business-rules itself
    for r in rules:
        r["conditions"]["all"][0].setdefault("value", None)
    actions = ctx.make_actions()
    assert run_all(rules, ctx.make_variables(FACTS[name]), actions) is True
    assert decision.calls == actions.taken
    assert len(decision.calls) == len(rules) * len(ACTION_CALLS[name])


def test_export_rule_data_for_editor():
    data = CONTEXTS["payout"].export_rule_data()
    json.dumps(data)
    assert data["context"] == "payout"
    names = {v["name"]: v for v in data["variables"]}
    assert names["currency"]["field_type"] == "select"
    assert "RUB" in names["currency"]["options"]
    assert {a["name"] for a in data["actions"]} == {"create_payout", "hold"}
    assert "greater_than_or_equal_to" in {o["name"] for o in data["variable_type_operators"]["numeric"]}


SCHEMA = [{"name": "quantity", "type": "integer"}, {"name": "topic", "type": "text"},
          {"name": "urgent", "type": "bool"}, {"name": "kind", "type": "choice", "choices": ["a", "b"]},
          {"name": "budget", "type": "number"}, {"name": "due", "type": "date"},
          {"name": "brief", "type": "file"}]


def test_intake_context_built_from_form_schema():
    ctx = intake_context(SCHEMA)
    assert intake_context(SCHEMA) is ctx  # cached per schema
    assert CONTEXTS["intake"] is not ctx
    types = {n: s.field_type.name for n, s in ctx.variables.items()}
    assert types["field_quantity"] == "numeric" and types["quantity"] == "numeric"
    assert types["field_topic"] == "string"
    assert types["field_urgent"] == "boolean"
    assert types["field_kind"] == "select" and ctx.variables["field_kind"].options == ("a", "b")
    assert types["field_budget"] == "numeric"
    assert types["field_due"] == "string"
    assert types["field_brief"] == "boolean"
    assert all(types[f"filled_{f['name']}"] == "boolean" for f in SCHEMA)
    facts = {"quantity": 1, "form": {"quantity": 7, "topic": "Ships", "urgent": "yes", "kind": "b",
                                      "budget": "12.5", "due": dt.date(2030, 1, 2), "brief": ""}}
    inst = ctx.make_variables(facts)
    assert inst.quantity() == 1 and inst.field_quantity() == 7
    assert inst.field_topic() == "Ships"
    assert inst.field_urgent() is True
    assert inst.field_kind() == ["b"]
    assert inst.field_budget() == Decimal("12.5")
    assert inst.field_due() == "2030-01-02"
    assert inst.field_brief() is False and inst.filled_brief() is False
    assert inst.filled_topic() is True
    assert ctx.actions["require_field"].param_options["field"] == tuple(f["name"] for f in SCHEMA)


def test_intake_form_rules_decide():
    ctx = get_context("intake", SCHEMA)
    rules = [
        {"conditions": {"all": [{"name": "filled_brief", "operator": "is_false"}]},
         "actions": [{"name": "require_field", "params": {"field": "brief", "message": "Attach it"}}]},
        {"conditions": {"any": [{"name": "field_kind", "operator": "contains", "value": "A"},
                                {"name": "field_urgent", "operator": "is_true"}]},
         "actions": [{"name": "set_priority", "params": {"priority": "urgent"}},
                     {"name": "set_deadline", "params": {"days": 2}}]},
        {"conditions": {"all": [{"name": "field_due", "operator": "starts_with", "value": "2030-"}]},
         "actions": [{"name": "set_price", "params": {"amount": 100}}]},
    ]
    compiled = compile_rules(ctx, rules)
    d = compiled.evaluate({"form": {"kind": "a", "urgent": False, "due": "2031-05-01"}})
    assert d.calls == [("require_field", {"field": "brief", "message": "Attach it"}),
                       ("set_priority", {"priority": "urgent"}), ("set_deadline", {"days": 2})]
    # any() short-circuits: field_urgent never read
    assert "field_urgent" not in d.values
    d = compiled.evaluate({"form": {"kind": "b", "urgent": False, "due": "2030-05-01", "brief": "f.pdf"}})
    assert d.calls == [("set_price", {"amount": 100})]


def test_bad_form_schema_rejected():
    with pytest.raises(ValueError):
        intake_context([{"name": "not an identifier", "type": "text"}])
    with pytest.raises(ValueError):
        intake_context([{"name": "x", "type": "colour"}])
