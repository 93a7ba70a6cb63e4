"""Helpers for the catalog and reviews tests: links in e-mails, completed writing orders and
fresh authors (the loopback SMTP server is smtp_helpers)."""
from __future__ import annotations

import re
import uuid
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.models import Customer, Order, ReadyWork, Service, StaffProfile


def send_all(session) -> int:
    """Deliver every due e-mail (send_pending works in batches, oldest first)."""
    from app.services.notifications import send_pending

    total = 0
    for _ in range(50):
        sent = send_pending(session=session)["sent"]
        total += sent
        if not sent:
            break
    return total


def link_in(message) -> str:
    match = re.search(r"https?://\S+/catalog/download/\d+/\S+", message.get_body(("plain",)).get_content())
    assert match, "no download link in the e-mail"
    return match.group(0)


def address() -> str:
    return f"buyer-{uuid.uuid4().hex[:8]}@example.com"


def a_work(app, **filters) -> int:
    with app.app_context():
        query = select(ReadyWork.id).where(ReadyWork.active.is_(True), ReadyWork.file.is_not(None))
        for name, value in filters.items():
            query = query.where(getattr(ReadyWork, name) == value)
        return db.session.execute(query.order_by(ReadyWork.id)).scalars().first()


def new_author(app, rating="3") -> int:
    """A fresh author (login ``author.test-xxxx``, password demo) with a staff profile."""
    with app.app_context():
        sm = app.appbuilder.sm
        name = f"author.test-{uuid.uuid4().hex[:6]}"
        user = sm.add_user(username=name, first_name="Test", last_name="Author", email=f"{name}@example.com",
                           role=sm.find_role("Author"), password="demo")
        db.session.add(StaffProfile(user_id=user.id, first_name="Test", last_name="Author", rating=Decimal(rating),
                                    skills="history,law,economics,physics", capacity=0, on_duty=False))
        db.session.commit()
        return user.id


def ready_order(app, *, author_id: int | None = None, customer_username: str = "customer") -> int:
    """A writing order walked through its published workflow to ``ready``; ``author_id``
    makes it that author's work (test arrangement)."""
    from app.services.orders import create_order
    from seed.writing_catalog import walk_to_state

    with app.app_context():
        service = db.session.execute(select(Service).where(Service.code == "PAPER")).scalar_one()
        customer = db.session.execute(select(Customer).where(Customer.user.has(username=customer_username))).scalar_one()
        order = create_order(db.session, service=service, customer=customer, title=f"Review test {uuid.uuid4().hex[:8]}",
                             details={"subject": "law", "work_type": "essay", "topic": "Contracts of Java traders",
                                      "pages": 5})
        db.session.commit()
        order = walk_to_state(order.id, "ready")
        if author_id is not None:
            order.assignee_id = author_id
        db.session.commit()
        return order.id


def order_in_state(app, state: str) -> int:
    from app.services.orders import create_order
    from seed.writing_catalog import walk_to_state

    with app.app_context():
        service = db.session.execute(select(Service).where(Service.code == "PAPER")).scalar_one()
        customer = db.session.execute(select(Customer).where(Customer.user.has(username="customer"))).scalar_one()
        order = create_order(db.session, service=service, customer=customer, title=f"Review test {uuid.uuid4().hex[:8]}",
                             details={"subject": "law", "work_type": "essay", "topic": "Contract law", "pages": 5})
        db.session.commit()
        walk_to_state(order.id, state)
        db.session.commit()
        return order.id


def order_of(app, order_id: int) -> Order:
    with app.app_context():
        return db.session.get(Order, order_id)
