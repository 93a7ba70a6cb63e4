"""A writing order walked by the workflow to ``awaiting_deposit`` (routed by itself on creation,
offered, taken; the manager's ``confirm_feasible`` requests the 50% deposit), for the done-when
tests in the browser and through the API."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from app.extensions import db
from app.models import Customer, Order, Service


def writing_order_awaiting_deposit(app) -> int:
    from app.services import transitions
    from app.services.orders import create_order

    with app.app_context():
        service = db.session.execute(select(Service).where(Service.code == "PAPER")).scalar_one()
        customer = db.session.execute(select(Customer).where(Customer.user.has(username="customer"))).scalar_one()
        order = create_order(db.session, service=service, customer=customer,
                             title=f"Deposit test {uuid.uuid4().hex[:8]}",
                             details={"subject": "history", "work_type": "essay", "topic": "Trade routes of Java",
                                      "pages": 5})
        db.session.commit()
        for trigger in ("offer", "take", "confirm_feasible"):
            transitions.fire(db.session, order.id, trigger, actor=None, system=True, comment="test walk")
            db.session.commit()
        order = db.session.get(Order, order.id)
        assert order.state == "awaiting_deposit", order.state
        return order.id
