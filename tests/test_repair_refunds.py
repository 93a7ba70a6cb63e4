"""Refund decisions of the repair.refund rule set on real lines and returns, one test per rule,
and the refund itself: through payments.refund, never more than was paid."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Order, Payment
from app.services.errors import ValidationFailed
from app.services.payments import order_money
from app.services.repair import refunds, warranty
from repair_helpers import new_part, picked_up_ticket, user

LABOUR = [("Repair", "1", "100000")]  # plus the 150 000 check: labour 250 000


def _claim(order, days_after_pickup):
    """A return opened ``days_after_pickup`` days after the pick-up."""
    from app.models import RepairTicket

    claim, _covered = warranty.open_claim(db.session, order.id, faults="Broke again", actor=user("manager"))
    picked = db.session.get(RepairTicket, order.id).picked_up_at
    claim.created = picked + dt.timedelta(days=days_after_pickup)
    db.session.commit()
    return claim


def _fired(plan):
    return [a.name for a in plan.decision.actions]


def test_no_return_and_honest_lines_refund_nothing(app):
    with app.app_context():
        part = new_part(price_new="500000", price_used="300000")
        order = picked_up_ticket(parts=[(part, "new", None, 1)], labour=LABOUR)
        plan = refunds.plan(db.session, order)
        assert plan.amount == 0 and _fired(plan) == []
        assert plan.reasons == ["No refund rule applies to this ticket."]
        with pytest.raises(ValidationFailed):
            refunds.refund(db.session, order.id, actor=user("accountant"))
        db.session.rollback()


def test_repeat_failure_within_a_week_refunds_everything_paid(app):
    with app.app_context():
        part = new_part(price_new="500000", price_used="300000")
        order = picked_up_ticket(parts=[(part, "new", None, 1)], labour=LABOUR, days_ago=3)
        _claim(order, 3)
        plan = refunds.plan(db.session, order)
        assert _fired(plan) == ["refund_full"]
        assert plan.facts["repeat_failure_reported"] and plan.facts["under_warranty"]
        assert plan.facts["days_since_completion"] == 3
        assert plan.amount == Decimal("750000.00") == plan.facts["amount_paid"]
        assert any("Repeat failure within a week" in str(r) for r in plan.reasons)


def test_repeat_failure_under_warranty_later_refunds_the_labour(app):
    with app.app_context():
        part = new_part(price_new="500000", price_used="300000")
        order = picked_up_ticket(parts=[(part, "new", None, 1)], labour=LABOUR, days_ago=20)
        _claim(order, 20)
        plan = refunds.plan(db.session, order)
        assert _fired(plan) == ["refund_labour"]
        assert plan.amount == Decimal("250000.00")


def test_used_part_failing_under_warranty_refunds_labour_and_parts(app):
    with app.app_context():
        part = new_part(price_new="500000", price_used="300000")
        order = picked_up_ticket(parts=[(part, "used", None, 1)], labour=LABOUR, days_ago=20)
        _claim(order, 20)
        plan = refunds.plan(db.session, order)
        assert _fired(plan) == ["refund_labour", "refund_parts"]
        assert plan.facts["any_part_installed_used"] and not plan.facts["used_part_billed_as_new"]
        assert plan.amount == Decimal("550000.00")  # labour 250 000 + the used part 300 000


def test_repeat_failure_after_the_warranty_is_refused_with_the_reason(app):
    with app.app_context():
        part = new_part()
        order = picked_up_ticket(parts=[(part, "new", None, 1)], labour=LABOUR, days_ago=40)
        _claim(order, 40)  # the warranty (30 days) ended before the return
        plan = refunds.plan(db.session, order)
        assert _fired(plan) == ["deny"] and plan.denied and plan.amount == 0
        assert not plan.facts["under_warranty"]
        assert any("The warranty has expired." in str(r) for r in plan.reasons)


def test_used_part_billed_as_new_is_refunded_the_difference(app):
    with app.app_context():
        part = new_part(price_new="500000", price_used="300000")
        order = picked_up_ticket(parts=[(part, "used", "new", 2)], labour=LABOUR)
        plan = refunds.plan(db.session, order)
        assert _fired(plan) == ["refund_amount"]
        assert plan.facts["used_part_price_difference"] == Decimal("400000.00")
        assert plan.amount == Decimal("400000.00")
        assert any("A used part was billed as new." in str(r) for r in plan.reasons)
        paid_before = order_money(db.session, order)["paid"]
        done = refunds.refund(db.session, order.id, actor=user("accountant"), config=app.config)
        db.session.commit()
        assert [r.amount for r in done] == [Decimal("400000.00")]
        assert done[0].purpose == "refund" and done[0].status == "paid" and done[0].decision["rule_set"] == "repair.refund"
        assert order_money(db.session, db.session.get(Order, order.id))["paid"] == paid_before - Decimal("400000.00")
        again = refunds.plan(db.session, db.session.get(Order, order.id))
        assert again.amount == 0  # entitled 400 000, already refunded 400 000
        with pytest.raises(ValidationFailed):
            refunds.refund(db.session, order.id, actor=user("accountant"))
        db.session.rollback()


def test_the_difference_is_refunded_even_when_the_rules_forget_it(app):
    """Edited rules without the used-part rule still refund a used part billed as new."""
    from app.services import rulesets

    with app.app_context():
        rule_set = rulesets.get_rule_set(db.session, "repair.refund")
        published = rulesets.published_version(db.session, rule_set).number
        rules = [r for r in rulesets.published_version(db.session, rule_set).rules
                 if r["name"] != "Used part billed as new: refund the difference"]
        draft = rulesets.save_draft(db.session, rule_set, rules, note="test: without the used-part rule")
        rulesets.publish(db.session, draft)
        db.session.commit()
        try:
            part = new_part(price_new="500000", price_used="300000")
            order = picked_up_ticket(parts=[(part, "used", "new", 1)])
            plan = refunds.plan(db.session, order)
            assert _fired(plan) == [] and plan.amount == Decimal("200000.00")
            assert any("always refunded" in str(r) for r in plan.reasons)
        finally:
            rulesets.rollback(db.session, rule_set, published)
            db.session.commit()


def test_refund_never_exceeds_what_was_paid(app):
    with app.app_context():
        part = new_part(price_new="500000", price_used="300000")
        order = picked_up_ticket(parts=[(part, "used", "new", 1)], days_ago=2)
        _claim(order, 2)  # full refund AND the difference: still only what was paid
        plan = refunds.plan(db.session, order)
        paid = plan.facts["amount_paid"]
        assert set(_fired(plan)) == {"refund_full", "refund_amount"}
        assert plan.amount == paid == Decimal("650000.00")
        refunds.refund(db.session, order.id, actor=user("manager"), config=app.config)
        db.session.commit()
        money = order_money(db.session, db.session.get(Order, order.id))
        assert money["paid"] == Decimal("0.00") and money["refunded"] == paid
        rows = db.session.execute(select(Payment).where(Payment.order_id == order.id, Payment.purpose == "refund")).scalars().all()
        assert sum(r.amount for r in rows) == paid
