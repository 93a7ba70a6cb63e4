"""Compiled evaluation and the decision it returns."""
import json
from decimal import Decimal

import pytest

from app.engine.rules import (CONTEXTS, Decision, RuleEvaluationError, compile_rules,
                              reference_run)

ASSIGN = CONTEXTS["assignment"]
RULES = [
    {"name": "on leave", "id": "R-1",
     "conditions": {"all": [{"name": "on_leave", "operator": "is_true"}]},
     "actions": [{"name": "exclude_candidate", "params": {"reason": "on leave"}}]},
    {"conditions": {"any": [{"name": "rating", "operator": "greater_than_or_equal_to", "value": 4.5},
                            {"name": "active_orders", "operator": "equal_to", "value": 0}]},
     "actions": [{"name": "set_weight", "params": {"weight": 5}},
                 {"name": "add_to_weight", "params": {"amount": 1}}]},
    {"name": "busy", "conditions": {"all": [{"name": "active_orders", "operator": "greater_than", "value": 3}]},
     "actions": [{"name": "add_to_weight", "params": {"amount": -2}}]},
]
BASE = {"on_leave": False, "rating": Decimal("4.80"), "active_orders": 5}


def test_decision_contents():
    compiled = compile_rules(ASSIGN, json.dumps(RULES), key="writing.assignment", version=7)
    d = compiled.evaluate(BASE)
    assert isinstance(d, Decision)
    assert (d.key, d.version, d.context) == ("writing.assignment", 7, "assignment")
    assert [(f.index, f.name, f.id) for f in d.fired] == [(2, None, None), (3, "busy", None)]
    assert d.calls == [("set_weight", {"weight": 5}), ("add_to_weight", {"amount": 1}),
                       ("add_to_weight", {"amount": -2})]
    assert [a.rule for a in d.actions] == [2, 2, 3]
    # any() stopped at rating, so active_orders was read by rule 3 only; Decimal -> str
    assert d.values == {"on_leave": False, "rating": "4.80", "active_orders": 5}
    assert list(d.values) == ["on_leave", "rating", "active_orders"]  # read order
    assert d.triggered and d.changed
    assert d.has("set_weight") and not d.has("exclude_candidate")
    assert d.params_of("add_to_weight") == [{"amount": 1}, {"amount": -2}]
    data = json.loads(d.to_json())
    assert data == {
        "key": "writing.assignment", "version": 7, "context": "assignment",
        "values": {"on_leave": False, "rating": "4.80", "active_orders": 5},
        "fired": [{"index": 2, "name": None, "id": None}, {"index": 3, "name": "busy", "id": None}],
        "actions": [{"rule": 2, "name": "set_weight", "params": {"weight": 5}},
                    {"rule": 2, "name": "add_to_weight", "params": {"amount": 1}},
                    {"rule": 3, "name": "add_to_weight", "params": {"amount": -2}}],
        "changed": True,
    }
    again = Decision.from_dict(data)
    assert again.calls == d.calls and again.to_dict() == d.to_dict()


def test_fired_rule_name_and_id_and_stop_on_first_trigger():
    compiled = compile_rules(ASSIGN, RULES)
    d = compiled.evaluate({**BASE, "on_leave": True}, stop_on_first_trigger=True)
    assert [(f.index, f.name, f.id) for f in d.fired] == [(1, "on leave", "R-1")]
    assert d.calls == [("exclude_candidate", {"reason": "on leave"})]
    assert list(d.values) == ["on_leave"]  # nothing else was needed
    full = compiled.evaluate({**BASE, "on_leave": True})
    assert len(full.fired) == 3
    for stop in (False, True):
        assert reference_run(ASSIGN, RULES, {**BASE, "on_leave": True}, stop_on_first_trigger=stop) == (
            True, compiled.evaluate({**BASE, "on_leave": True}, stop_on_first_trigger=stop).calls)


def test_nothing_fires_means_unchanged():
    d = compile_rules(ASSIGN, RULES).evaluate({"on_leave": False, "rating": 3, "active_orders": 2})
    assert d.fired == [] and d.actions == []
    assert not d.triggered and not d.changed
    assert d.values == {"on_leave": False, "rating": 3, "active_orders": 2}


def test_diff_between_versions():
    published = compile_rules(ASSIGN, RULES, version=1)
    draft_rules = [dict(RULES[1], actions=[{"name": "set_weight", "params": {"weight": 9}}])]
    draft = compile_rules(ASSIGN, draft_rules, version=2)
    diff = draft.evaluate(BASE).diff(published.evaluate(BASE))
    assert diff["changed"] is True
    assert diff["added"] == [("set_weight", {"weight": 9})]
    assert ("add_to_weight", {"amount": -2}) in diff["removed"]
    assert published.evaluate(BASE).diff(published.evaluate(BASE))["changed"] is False


def test_actions_are_read_only_and_independent_between_evaluations():
    compiled = compile_rules(ASSIGN, RULES)
    d1 = compiled.evaluate(BASE)
    with pytest.raises(TypeError):
        d1.actions[0].params["weight"] = 1
    d1.calls[0][1]["weight"] = 99  # a copy
    assert compiled.evaluate(BASE).calls[0] == ("set_weight", {"weight": 5})


def test_bad_fact_types_raise_a_clear_error():
    compiled = compile_rules(ASSIGN, RULES)
    with pytest.raises(RuleEvaluationError, match="on_leave"):
        compiled.evaluate({"on_leave": None})
    with pytest.raises(RuleEvaluationError, match="rating"):
        compiled.evaluate({"on_leave": False, "rating": "4.5"})


def test_numeric_edges_follow_business_rules_epsilon():
    rules = [{"conditions": {"all": [{"name": "rating", "operator": op, "value": 4}]},
              "actions": [{"name": "set_weight", "params": {"weight": i}}]}
             for i, op in enumerate(["equal_to", "greater_than", "greater_than_or_equal_to",
                                     "less_than", "less_than_or_equal_to"])]
    compiled = compile_rules(ASSIGN, rules)
    for value in (3, 4, 5, 4.0000005, 3.9999995, 4.000002, Decimal("3.999998"), True, 4.0):
        assert compiled.evaluate({"rating": value}).calls == reference_run(ASSIGN, rules, {"rating": value})[1], value


def test_param_reference_resolved_from_facts():
    refund = CONTEXTS["refund"]
    rules = [{"conditions": {"all": [{"name": "used_part_billed_as_new", "operator": "is_true"}]},
              "actions": [{"name": "refund_amount",
                           "params": {"amount": {"variable": "used_part_price_difference"}, "reason": "r"}}]}]
    d = compile_rules(refund, rules).evaluate({"used_part_billed_as_new": True,
                                               "used_part_price_difference": Decimal("120.40")})
    assert d.calls == [("refund_amount", {"amount": Decimal("120.40"), "reason": "r"})]
    assert d.values["used_part_price_difference"] == "120.40"
    assert d.to_dict()["actions"][0]["params"] == {"amount": "120.40", "reason": "r"}
    with pytest.raises(RuleEvaluationError):
        compile_rules(refund, rules).evaluate({"used_part_billed_as_new": True})
