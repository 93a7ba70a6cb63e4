"""validate_rules: every kind of error, named by rule number and JSON path."""
import json

import pytest

from app.engine.rules import (CONTEXTS, MESSAGES, RuleValidationError, compile_rules,
                              get_context, validate_rules)
from app.engine.rules.files import validate_rule_file

PAYOUT = CONTEXTS["payout"]
ASSIGN = CONTEXTS["assignment"]
OK_COND = {"name": "unpaid_balance", "operator": "greater_than", "value": 10}
OK_ACTION = {"name": "hold", "params": {"reason": "x"}}


def rule(conditions=None, actions=None, **extra):
    r = {"conditions": conditions if conditions is not None else {"all": [OK_COND]},
         "actions": actions if actions is not None else [OK_ACTION]}
    r.update(extra)
    return r


def one_error(ctx, rules):
    errors = validate_rules(ctx, rules)
    assert len(errors) == 1, errors
    return errors[0]


def test_valid_rules_have_no_errors():
    rules = [rule(name="r1", id=7), rule({"any": [OK_COND, {"all": [
        {"name": "currency", "operator": "contains", "value": "rub"},
        {"name": "days_since_last_payout", "operator": "less_than", "value": 2.5}]}]},
        [{"name": "create_payout"}, {"name": "create_payout", "params": {}}])]
    assert validate_rules(PAYOUT, rules) == []
    assert validate_rules(PAYOUT, json.dumps(rules)) == []
    assert validate_rules(PAYOUT, json.dumps(rules).encode()) == []


def test_malformed_json_reports_line_and_column():
    e = one_error(PAYOUT, '[\n  {"conditions": }\n]')
    assert e.code == "invalid_json" and e.rule is None
    assert e.params["line"] == 2 and e.params["column"] == 18
    assert "line 2, column 18" in e.reason


def test_not_a_list():
    e = one_error(PAYOUT, '{"rules": []}')
    assert e.code == "not_a_list" and "an object" in e.reason


def test_rule_not_object_and_unknown_rule_key():
    errors = validate_rules(PAYOUT, [rule(), "oops", rule(condition={})])
    assert [(e.rule, e.path, e.code) for e in errors] == [
        (2, "rules[1]", "rule_not_object"), (3, "rules[2].condition", "unknown_rule_key")]


def test_missing_conditions_and_actions():
    errors = validate_rules(PAYOUT, [{"name": "x"}])
    assert [(e.rule, e.path, e.code) for e in errors] == [
        (1, "rules[0]", "missing_conditions"), (1, "rules[0]", "missing_actions")]


def test_unknown_variable_with_exact_path():
    rules = [rule(), rule({"all": [OK_COND, {"any": [OK_COND, {"name": "balance", "operator": "equal_to", "value": 1}]}]})]
    e = one_error(PAYOUT, rules)
    assert e.rule == 2
    assert e.path == "rules[1].conditions.all[1].any[1].name"
    assert e.code == "unknown_variable" and "'balance'" in e.reason
    assert "unpaid_balance" in e.reason  # lists what exists


def test_unknown_operator_for_the_variables_type():
    e = one_error(PAYOUT, [rule({"all": [{"name": "unpaid_balance", "operator": "contains", "value": 1}]})])
    assert e.path == "rules[0].conditions.all[0].operator"
    assert e.code == "unknown_operator" and "numeric" in e.reason
    e = one_error(ASSIGN, [rule({"all": [{"name": "on_leave", "operator": "greater_than", "value": 1}]},
                                [{"name": "set_weight", "params": {"weight": 1}}])])
    assert e.code == "unknown_operator" and "boolean" in e.reason


def test_missing_name_operator_value():
    errors = validate_rules(PAYOUT, [rule({"all": [{"operator": "equal_to", "value": 1},
                                                   {"name": "unpaid_balance", "value": 1},
                                                   {"name": "unpaid_balance", "operator": "equal_to"}]})])
    assert [(e.path, e.code) for e in errors] == [
        ("rules[0].conditions.all[0]", "missing_variable"),
        ("rules[0].conditions.all[1]", "missing_operator"),
        ("rules[0].conditions.all[2]", "missing_value")]


def test_no_input_operator_needs_no_value():
    assert validate_rules(ASSIGN, [rule({"all": [{"name": "on_leave", "operator": "is_true"}]},
                                        [{"name": "set_weight", "params": {"weight": 0}}])]) == []


def test_unknown_condition_key():
    e = one_error(PAYOUT, [rule({"all": [{**OK_COND, "negate": True}]})])
    assert e.code == "unknown_condition_key" and e.path == "rules[0].conditions.all[0].negate"


def test_wrong_value_types():
    cases = [
        ({"name": "unpaid_balance", "operator": "greater_than", "value": "1000"}, "a number", "a string"),
        ({"name": "unpaid_balance", "operator": "greater_than", "value": True}, "a number", "a boolean"),
        ({"name": "currency", "operator": "contains", "value": ["RUB"]}, "a single option", "a list"),
    ]
    for cond, expected, got in cases:
        e = one_error(PAYOUT, [rule({"all": [cond]})])
        assert e.code == "wrong_value_type", e
        assert e.path == "rules[0].conditions.all[0].value"
        assert e.params["expected"] == expected and e.params["got"] == got
    ctx = get_context("intake", [{"name": "topic", "type": "text"}])
    e = one_error(ctx, [rule({"all": [{"name": "field_topic", "operator": "equal_to", "value": 3}]},
                             [{"name": "reject", "params": {"message": "m"}}])])
    assert e.code == "wrong_value_type" and e.params["expected"] == "a string"


def test_value_not_among_select_options():
    e = one_error(PAYOUT, [rule({"all": [{"name": "currency", "operator": "contains", "value": "DOGE"}]})])
    assert e.code == "value_not_in_options" and "RUB" in e.reason
    # options compare case-insensitively, like SelectType does
    assert validate_rules(PAYOUT, [rule({"all": [{"name": "currency", "operator": "contains", "value": "rub"}]})]) == []


def test_invalid_regex():
    e = one_error(CONTEXTS["intake"], [rule({"all": [{"name": "service_code", "operator": "matches_regex", "value": "(["}]},
                                            [{"name": "reject", "params": {"message": "m"}}])])
    assert e.code == "invalid_regex"


def test_empty_and_malformed_groups():
    errors = validate_rules(PAYOUT, [rule({"all": []}), rule({"any": [OK_COND, {"any": []}]}),
                                     rule({"all": [OK_COND], "any": [OK_COND]}),
                                     rule({"all": OK_COND}), rule([OK_COND])])
    assert [(e.rule, e.path, e.code) for e in errors] == [
        (1, "rules[0].conditions.all", "empty_group"),
        (2, "rules[1].conditions.any[1].any", "empty_group"),
        (3, "rules[2].conditions", "mixed_group"),
        (4, "rules[3].conditions.all", "group_not_list"),
        (5, "rules[4].conditions", "conditions_not_object")]


def test_action_errors():
    errors = validate_rules(PAYOUT, [
        rule(actions={"name": "hold"}),
        rule(actions=[]),
        rule(actions=["hold"]),
        rule(actions=[{"params": {}}]),
        rule(actions=[{"name": "pay_now"}]),
        rule(actions=[{"name": "hold", "params": {"reason": "x", "urgent": True}}]),
        rule(actions=[{"name": "hold"}]),
        rule(actions=[{"name": "hold", "params": {"reason": 5}}]),
        rule(actions=[{"name": "hold", "params": ["x"]}]),
        rule(actions=[{"name": "hold", "params": {"reason": "x"}, "when": "now"}]),
    ])
    assert [(e.rule, e.path, e.code) for e in errors] == [
        (1, "rules[0].actions", "actions_not_list"),
        (2, "rules[1].actions", "empty_actions"),
        (3, "rules[2].actions[0]", "action_not_object"),
        (4, "rules[3].actions[0]", "missing_action_name"),
        (5, "rules[4].actions[0].name", "unknown_action"),
        (6, "rules[5].actions[0].params.urgent", "unknown_param"),
        (7, "rules[6].actions[0].params", "missing_param"),
        (8, "rules[7].actions[0].params.reason", "wrong_param_type"),
        (9, "rules[8].actions[0].params", "params_not_object"),
        (10, "rules[9].actions[0].when", "unknown_action_key")]
    assert "pay_now" in errors[4].reason and "create_payout" in errors[4].reason


def test_numeric_params_and_variable_references():
    refund = CONTEXTS["refund"]
    ok = [rule({"all": [{"name": "under_warranty", "operator": "is_true"}]},
               [{"name": "refund_amount", "params": {"amount": {"variable": "parts_total"}, "reason": "r"}}])]
    assert validate_rules(refund, ok) == []
    bad = [rule({"all": [{"name": "under_warranty", "operator": "is_true"}]},
                [{"name": "refund_amount", "params": {"amount": {"variable": "under_warranty"}, "reason": "r"}},
                 {"name": "refund_amount", "params": {"amount": "12", "reason": "r"}}])]
    assert [e.code for e in validate_rules(refund, bad)] == ["bad_param_reference", "wrong_param_type"]


def test_param_options():
    intake = get_context("intake", [{"name": "topic", "type": "text"}])
    rules = [rule({"all": [{"name": "quantity", "operator": "greater_than", "value": 1}]},
                  [{"name": "set_priority", "params": {"priority": "asap"}},
                   {"name": "require_field", "params": {"field": "title", "message": "m"}},
                   {"name": "require_field", "params": {"field": "topic", "message": "m"}}])]
    errors = validate_rules(intake, rules)
    assert [(e.path, e.code) for e in errors] == [
        ("rules[0].actions[0].params.priority", "param_not_in_options"),
        ("rules[0].actions[1].params.field", "param_not_in_options")]


def test_errors_render_translated_and_as_dict():
    e = one_error(PAYOUT, [rule({"all": [{"name": "nope", "operator": "equal_to", "value": 1}]})])
    assert e.code in MESSAGES
    translated = e.render(translate=lambda s: "[id] " + s)
    assert translated.startswith("[id] Unknown variable 'nope'")
    d = e.to_dict()
    assert d["rule"] == 1 and d["path"] == "rules[0].conditions.all[0].name" and d["reason"] == e.reason
    assert str(e).startswith("rule 1, rules[0].conditions.all[0].name: Unknown variable")


def test_compile_refuses_invalid_rules():
    with pytest.raises(RuleValidationError) as info:
        compile_rules(PAYOUT, [rule({"all": []})])
    assert info.value.errors[0].code == "empty_group"
    assert "at least one condition" in str(info.value)


def test_rule_file_validation():
    assert validate_rule_file("[]")[0].code == "file_not_object"
    assert [e.code for e in validate_rule_file({"key": "k"})] == ["file_missing_key", "file_missing_key"]
    assert validate_rule_file({"key": "k", "context": "x", "rules": []})[0].code == "file_unknown_context"
    assert validate_rule_file({"key": "k", "context": "payout", "rules": [rule()]}) == []
