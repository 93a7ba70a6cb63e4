"""The default rule sets in rules/*.json validate and decide the obvious cases right."""
import json
from decimal import Decimal

import pytest

from app.engine.rules import DEFAULT_RULES_DIR, default_rule_sets, load_rule_set, reference_run
from app.engine.rules.contexts import get_context
from app.engine.rules.files import validate_rule_file

KEYS = ["intake.validation", "writing.assignment", "repair.refund", "payout.threshold"]


@pytest.fixture(scope="module")
def sets():
    return default_rule_sets()


@pytest.mark.parametrize("key", KEYS)
def test_default_file_validates_cleanly(key, sets):
    path = DEFAULT_RULES_DIR / f"{key}.json"
    doc = json.loads(path.read_text())
    assert doc["key"] == key and doc["description"]
    assert validate_rule_file(path.read_text()) == []
    assert all(r.get("name") for r in doc["rules"])
    assert sets[key].rules == doc["rules"]
    assert load_rule_set(key).key == key


def _decide(sets, key, facts):
    rs = sets[key]
    decision = rs.compile(version=1).evaluate(facts)
    # business-rules itself agrees (except resolved parameter references)
    if key != "repair.refund":
        assert reference_run(get_context(rs.context), rs.rules, facts)[1] == decision.calls
    return decision


@pytest.mark.parametrize("balance,currency,expected", [
    (999, "RUB", [("hold", {"reason": "The unpaid balance is below 1000."})]),
    (1000, "RUB", [("create_payout", {})]),
    (Decimal("999.99"), "RUB", [("hold", {"reason": "The unpaid balance is below 1000."})]),
    (Decimal("25000.00"), "rub", [("create_payout", {})]),
    (5000, "USD", [("hold", {"reason": "Automatic payouts are made in RUB only."})]),
    (0, "RUB", [("hold", {"reason": "The unpaid balance is below 1000."})]),
])
def test_payout_threshold(sets, balance, currency, expected):
    facts = {"unpaid_balance": balance, "currency": currency, "days_since_last_payout": 3,
             "completed_orders_since_last_payout": 2}
    assert _decide(sets, "payout.threshold", facts).calls == expected


CANDIDATE = {"rating": Decimal("4.2"), "active_orders": 1, "capacity_left": 2, "skills_match": True,
             "days_since_last_assignment": 1, "declined_before": False, "on_leave": False, "on_duty": True}


@pytest.mark.parametrize("change,excluded", [
    ({"on_leave": True}, "on leave"), ({"on_duty": False}, "off duty"),
    ({"declined_before": True}, "declined this order before"),
    ({"capacity_left": 0}, "no capacity left"), ({"skills_match": False}, "lacks the required skill"),
])
def test_assignment_exclusions(sets, change, excluded):
    d = _decide(sets, "writing.assignment", {**CANDIDATE, **change})
    assert d.params_of("exclude_candidate") == [{"reason": excluded}]


@pytest.mark.parametrize("rating,weight", [(Decimal("2.9"), 1), (3, 3), (Decimal("3.99"), 3), (4, 4),
                                           (4.4, 4), (Decimal("4.5"), 5), (5, 5)])
def test_assignment_weight_by_rating(sets, rating, weight):
    d = _decide(sets, "writing.assignment", {**CANDIDATE, "rating": rating})
    assert not d.has("exclude_candidate")
    assert d.params_of("set_weight") == [{"weight": weight}]
    assert not d.has("add_to_weight")
    idle = _decide(sets, "writing.assignment", {**CANDIDATE, "rating": rating, "days_since_last_assignment": 7})
    assert idle.params_of("add_to_weight") == [{"amount": 1}]


REPAIR = {"days_since_completion": 20, "under_warranty": True, "repeat_failure_reported": False,
          "any_part_installed_used": False, "used_part_billed_as_new": False, "parts_total": 300,
          "labour_total": 700, "used_part_price_difference": 0, "amount_paid": 1000}


@pytest.mark.parametrize("change,expected", [
    ({}, []),
    ({"repeat_failure_reported": True, "days_since_completion": 3}, [("refund_full", {})]),
    ({"repeat_failure_reported": True}, [("refund_labour", {})]),
    ({"repeat_failure_reported": True, "any_part_installed_used": True},
     [("refund_labour", {}), ("refund_parts", {})]),
    ({"repeat_failure_reported": True, "under_warranty": False},
     [("deny", {"reason": "The warranty has expired."})]),
    ({"used_part_billed_as_new": True, "any_part_installed_used": True, "used_part_price_difference": Decimal("150.00")},
     [("refund_amount", {"amount": Decimal("150.00"), "reason": "A used part was billed as new."})]),
])
def test_repair_refund(sets, change, expected):
    assert _decide(sets, "repair.refund", {**REPAIR, **change}).calls == expected


INTAKE = {"service_code": "essay", "quantity": 1, "price": Decimal("500"), "days_to_deadline": 10,
          "customer_past_orders": 0}


@pytest.mark.parametrize("change,expected", [
    ({}, []),
    ({"quantity": 0}, [("reject", {"message": "The quantity must be at least 1."})]),
    ({"price": Decimal("-1")}, [("reject", {"message": "The price cannot be negative."})]),
    ({"days_to_deadline": -1}, [("reject", {"message": "The deadline is in the past."})]),
    ({"days_to_deadline": 2}, [("set_priority", {"priority": "urgent"})]),
    ({"customer_past_orders": 10}, [("set_priority", {"priority": "high"})]),
])
def test_intake_validation(sets, change, expected):
    assert _decide(sets, "intake.validation", {**INTAKE, **change}).calls == expected


def test_intake_defaults_work_with_any_form_schema(sets):
    compiled = sets["intake.validation"].compile(form_schema=[{"name": "topic", "type": "text"}])
    assert compiled.evaluate({**INTAKE, "quantity": -3}).has("reject")
