"""The ready message: the amount due, over real SMTP on loopback; notification channels are
pluggable (a registered channel gets its own queued rows delivered by send_pending)."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Customer, Notification
from app.services import notifications
from app.services.notifications import Channel, notify, register_channel, send_pending
from repair_helpers import finish, new_ticket, to_repairing
from smtp_helpers import smtp_server


def test_ready_message_names_the_amount_due_over_smtp(app):
    with app.app_context():
        email = "ready-check@example.com"
        customer = Customer(name="Ready Check", email=email)
        db.session.add(customer)
        db.session.commit()
        order = new_ticket(customer_id=customer.id)
        to_repairing(order.id)
        finish(order.id)
        number = order.number
    with smtp_server(app) as inbox:
        with app.app_context():
            for _round in range(50):
                if not send_pending(session=db.session, config=app.config)["sent"] or inbox.to(email):
                    break
        ready = [m for m in inbox.to(email) if "is ready" in m["Subject"]]
        assert ready and number in ready[0]["Subject"]
        assert "Amount due: 150000.00 IDR" in ready[0].get_content()


class RecordingSms(Channel):
    """An SMS gateway plugged in the way a real one would be (it records instead of sending)."""

    name = "sms"

    def __init__(self):
        self.sent = []

    def address(self, item, user, email):
        return getattr(item, "phone", None)

    def deliver(self, session, row, config):
        phone = session.get(Customer, row.order.customer_id).phone
        self.sent.append((phone, row.subject))


def test_a_registered_channel_is_used_by_notify_and_send_pending(app):
    sms = register_channel(RecordingSms())
    try:
        with app.app_context():
            customer = Customer(name="Sms Customer", email="sms@example.com", phone="+62 811 222 333")
            db.session.add(customer)
            db.session.commit()
            order = new_ticket(customer_id=customer.id)
            rows = notify(db.session, to=[customer], template="repair_ready", context={}, order=order,
                          channels=("sms", "email"))
            db.session.commit()
            assert sorted(r.channel for r in rows) == ["email", "sms"]
            row = db.session.execute(select(Notification).where(Notification.order_id == order.id,
                                                                Notification.channel == "sms")).scalar_one()
            assert row.status == "pending"
            with smtp_server(app):
                for _round in range(50):
                    if not send_pending(session=db.session, config=app.config)["sent"] or sms.sent:
                        break
            assert sms.sent == [("+62 811 222 333", f"Your device is ready: ticket {order.number}")]
            db.session.refresh(row)
            assert row.status == "sent"
    finally:
        notifications.CHANNELS.pop("sms", None)
