"""Helpers for the repair-shop tests: parts, tickets walked along the workflow, cash payments."""
from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.models import Customer, Order, Part, Payment, User


def user(username: str) -> User:
    return db.session.execute(select(User).where(User.username == username)).scalar_one()


def new_part(*, price_new="500000", price_used="300000", stock_new=5, stock_used=2, currency="IDR") -> Part:
    """A fresh catalog part (own SKU) with opening stock; committed."""
    from app.services.repair import lines

    part = Part(sku=f"T-{uuid.uuid4().hex[:8].upper()}", name="Test part", compatible_devices="test laptops",
                price_new=Decimal(price_new), price_used=Decimal(price_used) if price_used else None,
                currency=currency, stock_new=stock_new, stock_used=stock_used, active=True)
    db.session.add(part)
    db.session.flush()
    lines.record_opening_stock(db.session, part)
    db.session.commit()
    return part


def customer(email: str | None = None) -> Customer:
    found = Customer(name="Repair Test Customer", email=email or f"rt-{uuid.uuid4().hex[:8]}@example.com",
                     phone="+62 811 000 111")
    db.session.add(found)
    db.session.flush()
    return found


def new_ticket(*, actor="manager", assignee="technician", customer_id=None, **data) -> Order:
    """A ticket opened at the counter (committed); the technician is assigned."""
    from app.services.repair import tickets

    values = {"device_type": "laptop", "brand": "Lenovo", "model": "T480", "serial_number": uuid.uuid4().hex[:10],
              "faults": "Does not boot", "customer_waits": True, "assignee": user(assignee).id if assignee else None}
    values.update(data)
    if customer_id is None:
        customer_id = customer().id
    order = tickets.open_ticket(db.session, data=values, actor=user(actor), customer_id=customer_id)
    db.session.commit()
    return order


def to_repairing(order_id: int, diagnosis="Broken part") -> None:
    from app.services import transitions
    from app.services.repair import tickets

    transitions.fire(db.session, order_id, "start_diagnosis", actor=user("manager"))
    tickets.set_diagnosis(db.session, order_id, diagnosis, actor=user("technician"))
    transitions.fire(db.session, order_id, "start_repair", actor=user("technician"))
    db.session.commit()


def finish(order_id: int) -> None:
    from app.services import transitions

    transitions.fire(db.session, order_id, "finish_repair", actor=user("technician"))
    db.session.commit()


def pay_cash(order_id: int) -> None:
    from app.services import payments

    payment = db.session.execute(select(Payment).where(Payment.order_id == order_id, Payment.status == "pending")
                                 ).scalars().first()
    payments.mark_paid(db.session, payment, actor=user("manager"), method="cash")
    db.session.commit()


def pick_up(order_id: int) -> None:
    from app.services import transitions

    transitions.fire(db.session, order_id, "pick_up", actor=user("manager"))
    db.session.commit()


def picked_up_ticket(*, parts=(), labour=(), days_ago=0) -> Order:
    """A ticket repaired with ``parts`` ([(part, condition, billed_as, qty)]) and ``labour``
    ([(description, hours, rate)]), paid in cash and picked up ``days_ago`` days ago."""
    import datetime as dt

    from app.models import RepairTicket
    from app.services.repair import lines, tickets, warranty

    order = new_ticket()
    to_repairing(order.id)
    for part, condition, billed_as, quantity in parts:
        lines.add_part_line(db.session, order.id, part_id=part.id, condition=condition, billed_as=billed_as,
                            quantity=quantity)
    for description, hours, rate in labour:
        lines.add_labour_line(db.session, order.id, description=description, hours=hours, rate=rate)
    db.session.commit()
    finish(order.id)
    pay_cash(order.id)
    pick_up(order.id)
    if days_ago:
        ticket = db.session.get(RepairTicket, order.id)
        ticket.picked_up_at -= dt.timedelta(days=days_ago)
        ticket.warranty_until = warranty.warranty_until(ticket.picked_up_at, ticket.warranty_days,
                                                        tickets.business_tz())
        db.session.commit()
    return db.session.get(Order, order.id)
