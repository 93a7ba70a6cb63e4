"""Parts stock and ticket lines: installing takes from stock, removing puts back, every change
is a movement; totals come from the lines; two technicians cannot take the last unit twice."""
from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Order, Part, StockMovement
from app.services.errors import ValidationFailed
from app.services.repair import lines
from repair_helpers import finish, new_part, new_ticket, to_repairing, user


def _movements(part_id):
    return [(m.condition, m.delta, m.stock_after, m.reason) for m in db.session.execute(
        select(StockMovement).where(StockMovement.part_id == part_id).order_by(StockMovement.id)).scalars()]


def test_installing_takes_stock_and_removing_puts_it_back(app):
    with app.app_context():
        part = new_part(stock_new=5, stock_used=2)
        order = new_ticket()
        line = lines.add_part_line(db.session, order.id, part_id=part.id, condition="new", quantity=2,
                                   actor=user("technician"))
        used = lines.add_part_line(db.session, order.id, part_id=part.id, condition="used", quantity=1,
                                   actor=user("technician"))
        db.session.commit()
        db.session.refresh(part)
        assert (part.stock_new, part.stock_used) == (3, 1)
        lines.remove_part_line(db.session, order.id, line.id, actor=user("technician"))
        db.session.commit()
        db.session.refresh(part)
        assert (part.stock_new, part.stock_used) == (5, 1)
        assert _movements(part.id) == [("new", 5, 5, "restock"), ("used", 2, 2, "restock"),
                                       ("new", -2, 3, "install"), ("used", -1, 1, "install"),
                                       ("new", 2, 5, "remove")]
        moved = db.session.execute(select(StockMovement).where(StockMovement.part_line_id == used.id)).scalar_one()
        assert moved.order_id == order.id and moved.actor.username == "technician"


def test_not_enough_stock_is_refused_and_changes_nothing(app):
    with app.app_context():
        part = new_part(stock_new=1, stock_used=0)
        order = new_ticket()
        price = db.session.get(Order, order.id).price
        with pytest.raises(ValidationFailed) as refused:
            lines.add_part_line(db.session, order.id, part_id=part.id, condition="new", quantity=2)
        db.session.rollback()
        assert refused.value.errors == {"quantity": ["only 1 new in stock"]}
        with pytest.raises(ValidationFailed) as used:
            lines.add_part_line(db.session, order.id, part_id=part.id, condition="used", quantity=1)
        db.session.rollback()
        assert "quantity" in used.value.errors
        db.session.refresh(part)
        assert (part.stock_new, part.stock_used) == (1, 0)
        assert db.session.get(Order, order.id).price == price
        assert len(_movements(part.id)) == 1


def test_bad_line_input_names_each_field(app):
    with app.app_context():
        part = new_part(price_used=None)
        order = new_ticket()
        with pytest.raises(ValidationFailed) as bad:
            lines.add_part_line(db.session, order.id, part_id=part.id, condition="broken", quantity="two",
                                unit_price="-5")
        db.session.rollback()
        assert set(bad.value.errors) == {"condition", "quantity", "unit_price"}
        with pytest.raises(ValidationFailed) as not_used:
            lines.add_part_line(db.session, order.id, part_id=part.id, condition="used", quantity=1)
        db.session.rollback()
        assert not_used.value.errors["condition"] == [f"{part.sku} is not sold used"]
        with pytest.raises(ValidationFailed) as labour:
            lines.add_labour_line(db.session, order.id, description="", hours="0", rate="x")
        db.session.rollback()
        assert set(labour.value.errors) == {"description", "hours", "rate"}


def test_totals_come_from_the_lines_and_set_the_price(app):
    with app.app_context():
        part = new_part(price_new="500000", price_used="300000")
        order = new_ticket()  # the check-and-diagnosis line at the service's base price (150 000)
        lines.add_part_line(db.session, order.id, part_id=part.id, condition="new", quantity=2)
        lines.add_part_line(db.session, order.id, part_id=part.id, condition="used", quantity=1)
        lines.add_part_line(db.session, order.id, part_id=part.id, condition="new", quantity=1, under_warranty=True)
        lines.add_labour_line(db.session, order.id, description="Replace", hours="1.5", rate="100000")
        db.session.commit()
        order = db.session.get(Order, order.id)
        result = lines.totals(db.session, order)
        assert result.parts == Decimal("1300000.00")  # 2 x 500k + 300k; the warranty line is free
        assert result.labour == Decimal("300000.00")  # 150k check + 1.5 h x 100k
        assert result.total == order.price == Decimal("1600000.00")
        labour_line = [l for l, _a, _c in result.labour_lines if l.description == "Replace"][0]
        lines.remove_labour_line(db.session, order.id, labour_line.id)
        db.session.commit()
        assert db.session.get(Order, order.id).price == Decimal("1450000.00")


def test_lines_are_locked_once_the_ticket_is_ready(app):
    with app.app_context():
        part = new_part()
        order = new_ticket()
        to_repairing(order.id)
        lines.add_part_line(db.session, order.id, part_id=part.id, condition="new", quantity=1)
        db.session.commit()
        finish(order.id)
        with pytest.raises(lines.NotEditable):
            lines.add_part_line(db.session, order.id, part_id=part.id, condition="new", quantity=1)
        db.session.rollback()
        db.session.refresh(part)
        assert part.stock_new == 4


def test_two_technicians_cannot_take_the_last_unit(app, database_url):
    """Each thread has its own connection; exactly one install of the last unit wins."""
    if database_url.startswith("sqlite"):
        pytest.skip("concurrent writers need PostgreSQL (TEST_DATABASE_URL); SQLite serialises every writer")
    with app.app_context():
        part_id = new_part(stock_new=1, stock_used=0).id
        tickets = [new_ticket().id, new_ticket().id]
    barrier, outcomes = threading.Barrier(2), []

    def install(order_id):
        with app.app_context():
            barrier.wait()
            try:
                lines.add_part_line(db.session, order_id, part_id=part_id, condition="new", quantity=1)
                db.session.commit()
                outcomes.append("ok")
            except ValidationFailed as exc:
                db.session.rollback()
                outcomes.append(exc.errors)
            except Exception as exc:  # noqa: BLE001 - shown in the assertion
                db.session.rollback()
                outcomes.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=install, args=(t,)) for t in tickets]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(map(str, outcomes)) == sorted(["ok", str({"quantity": ["only 0 new in stock"]})])
    with app.app_context():
        assert db.session.get(Part, part_id).stock_new == 0


def test_stock_update_is_conditional(app):
    """The last unit goes once even when the same session asks twice (the UPDATE checks the count)."""
    with app.app_context():
        part = new_part(stock_new=1, stock_used=0)
        assert lines.move_stock(db.session, part.id, "new", -1, reason="install") == 0
        with pytest.raises(ValidationFailed):
            lines.move_stock(db.session, part.id, "new", -1, reason="install")
        db.session.rollback()
