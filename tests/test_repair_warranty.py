"""The warranty clock (pick-up + the service's days, business calendar days: last day in,
first day out) and warranty claims: check and labour free, replaced parts at part price only;
after the warranty a normal paid ticket."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.extensions import db
from app.models import Order, Payment, RepairTicket
from app.services import transitions
from app.services.repair import lines, tickets, warranty
from repair_helpers import new_part, picked_up_ticket, user

JAKARTA = ZoneInfo("Asia/Jakarta")


def test_last_day_in_first_day_out():
    picked = dt.datetime(2026, 3, 1, 3, 0)  # 10:00 in Jakarta
    until = warranty.warranty_until(picked, 30, JAKARTA)
    assert until == dt.date(2026, 3, 31)
    ticket = RepairTicket(warranty_until=until)
    assert warranty.is_covered(ticket, dt.date(2026, 3, 31))
    assert not warranty.is_covered(ticket, dt.date(2026, 4, 1))
    assert warranty.is_covered(ticket, dt.date(2026, 3, 1))


def test_days_are_counted_in_the_business_time_zone():
    late_evening_utc = dt.datetime(2026, 3, 1, 20, 0)  # already 2 March, 03:00, in Jakarta
    assert warranty.warranty_until(late_evening_utc, 30, JAKARTA) == dt.date(2026, 4, 1)
    assert warranty.warranty_until(late_evening_utc, 30, ZoneInfo("UTC")) == dt.date(2026, 3, 31)


def test_pick_up_starts_the_warranty_of_the_service(app):
    with app.app_context():
        order = picked_up_ticket()
        ticket = db.session.get(RepairTicket, order.id)
        today = warranty.today()
        assert ticket.picked_up_at is not None and ticket.warranty_days == order.service.warranty_days == 30
        assert ticket.warranty_until == today + dt.timedelta(days=30)
        status = warranty.status(db.session, order)
        assert status.covered and status.days_left == 30
        from app.models import Notification

        told = db.session.execute(select(Notification).where(Notification.order_id == order.id,
                                                             Notification.template == "warranty_started",
                                                             Notification.channel == "email")).scalar_one()
        assert f"Your warranty runs until {ticket.warranty_until.isoformat()}." in told.body


def test_claim_on_the_last_day_is_free_check_and_labour_parts_charged(app):
    with app.app_context():
        original = picked_up_ticket()
        until = db.session.get(RepairTicket, original.id).warranty_until
        claim, covered = warranty.open_claim(db.session, original.id, faults="Fails again", actor=user("manager"),
                                             on=until)
        db.session.commit()
        assert covered and claim.state == "warranty_check"
        assert claim.details["warranty_of"] == original.number and claim.details["labor_free"] is True
        assert db.session.get(RepairTicket, claim.id).warranty_of_id == original.id
        assert claim.price == Decimal("0.00")  # the check-and-diagnosis line is there, free
        part = new_part(price_new="500000", price_used="300000")
        claim.assignee_id = user("technician").id
        transitions.fire(db.session, claim.id, "warranty_repair", actor=user("technician"))
        lines.add_part_line(db.session, claim.id, part_id=part.id, condition="new", quantity=1)
        lines.add_labour_line(db.session, claim.id, description="Replace", hours=2, rate="100000")
        db.session.commit()
        result = lines.totals(db.session, db.session.get(Order, claim.id))
        assert (result.parts, result.labour, result.total) == (Decimal("500000.00"), Decimal("0.00"),
                                                               Decimal("500000.00"))
        transitions.fire(db.session, claim.id, "finish_repair", actor=user("technician"))
        db.session.commit()
        payment = db.session.execute(select(Payment).where(Payment.order_id == claim.id)).scalar_one()
        assert payment.amount == Decimal("500000.00") and payment.status == "pending"


def test_first_day_after_the_warranty_is_a_normal_ticket(app):
    with app.app_context():
        original = picked_up_ticket()
        until = db.session.get(RepairTicket, original.id).warranty_until
        again, covered = warranty.open_claim(db.session, original.id, faults="Fails again", actor=user("manager"),
                                             on=until + dt.timedelta(days=1))
        db.session.commit()
        assert not covered and again.state == "received"
        assert "warranty_of" not in again.details and not again.details.get("labor_free")
        assert db.session.get(RepairTicket, again.id).warranty_of_id == original.id
        assert again.price == Decimal(again.service.base_price)  # the check is charged
        refused = transitions.available_triggers(db.session, again, user("manager"))
        assert "start_warranty_check" in [name for _label, name in refused]  # offered, but its guard refuses
        try:
            transitions.fire(db.session, again.id, "start_warranty_check", actor=user("manager"))
            raise AssertionError("a ticket out of warranty must not enter the warranty check")
        except transitions.GuardFailed as exc:
            db.session.rollback()
            assert exc.failures == ["Give the number of the original ticket"]


def test_warranty_check_with_nothing_to_replace_costs_nothing(app):
    with app.app_context():
        original = picked_up_ticket()
        claim, _covered = warranty.open_claim(db.session, original.id, faults="Noise", actor=user("manager"))
        claim.assignee_id = user("technician").id
        transitions.fire(db.session, claim.id, "no_fault_found", actor=user("technician"))
        db.session.commit()
        assert db.session.execute(select(Payment).where(Payment.order_id == claim.id)).first() is None
        assert transitions.fire(db.session, claim.id, "pay", actor=user("manager")).state == "paid"
        assert transitions.fire(db.session, claim.id, "pick_up", actor=user("manager")).state == "picked_up"
        db.session.commit()


def test_a_ticket_not_picked_up_has_no_warranty_to_claim(app):
    from app.services.errors import ValidationFailed

    with app.app_context():
        from repair_helpers import new_ticket

        order = new_ticket()
        try:
            warranty.open_claim(db.session, order.id, faults="x", actor=user("manager"))
            raise AssertionError("expected a refusal")
        except ValidationFailed as exc:
            db.session.rollback()
            assert "no warranty yet" in exc.errors["order"][0]


def test_a_void_warranty_makes_the_labour_paid_again(app):
    with app.app_context():
        original = picked_up_ticket()
        claim, covered = warranty.open_claim(db.session, original.id, faults="Dropped it", actor=user("manager"))
        db.session.commit()
        assert covered and claim.price == Decimal("0.00")
        transitions.fire(db.session, claim.id, "warranty_void", actor=user("manager"), comment="Water damage")
        db.session.commit()
        claim = db.session.get(Order, claim.id)
        assert claim.state == "diagnosing" and claim.details["labor_free"] is False
        assert claim.price == Decimal(claim.service.base_price)  # the check is charged now
        assert lines.totals(db.session, claim).labour == claim.price
