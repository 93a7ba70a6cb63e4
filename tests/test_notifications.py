"""Notifications outbox: same-transaction rows, real SMTP delivery on loopback (aiosmtpd),
nothing lost while the server is down, failed after N tries, templates, the in-app bell."""
from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Notification, NotificationTemplate, Order, User
from app.models.types import utcnow
from app.services import attachments as attachment_service
from app.services.notifications import notify, send_pending
from helpers import login
from money_helpers import new_order
from smtp_helpers import free_port, smtp_server


@pytest.fixture
def smtp(app):
    with smtp_server(app) as inbox:
        yield inbox


def _address():
    return f"client-{uuid.uuid4().hex[:8]}@example.com"


def test_notification_rows_belong_to_the_callers_transaction(app):
    address = _address()
    with app.app_context():
        notify(db.session, to=[address], template="order_ready", context={"order": "X-1", "title": "t"})
        db.session.rollback()
        assert db.session.execute(select(Notification).where(Notification.email == address)).first() is None
        rows = notify(db.session, to=[address], template="order_ready", context={"order": "X-1", "title": "t"})
        db.session.commit()
        assert [r.status for r in rows] == ["pending"] and rows[0].subject == "Order X-1 is ready"


def test_email_delivered_over_smtp_with_attachment(app, smtp, tmp_path):
    address = _address()
    order_id = new_order(app, price="10")
    with app.app_context():
        order = db.session.get(Order, order_id)
        attachment = attachment_service.store_attachment(
            db.session, order=order, stream=io.BytesIO(b"the finished work"), filename="work.txt",
            content_type="text/plain", kind="final_work", uploaded_by=None, visible_to_customer=True,
            **attachment_service.upload_limits(app.config))
        db.session.flush()
        notify(db.session, to=[address], template="work_delivered", order=order, attachments=[attachment],
               context={"order": order.number, "title": order.title})
        db.session.commit()
        number = order.number
        result = send_pending(session=db.session)
    assert result["sent"] >= 1
    [message] = smtp.to(address)
    assert message["Subject"] == f"Your work for order {number}" and message["To"] == address
    files = [(p.get_filename(), p.get_payload(decode=True)) for p in message.iter_attachments()]
    assert files == [("work.txt", b"the finished work")]


def test_attachment_over_the_mail_limit_is_left_out_and_named(app, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTACHMENT_BYTES", 5)
    address = _address()
    order_id = new_order(app, price="10")
    with app.app_context():
        order = db.session.get(Order, order_id)
        attachment = attachment_service.store_attachment(
            db.session, order=order, stream=io.BytesIO(b"0123456789"), filename="big.txt", content_type="text/plain",
            kind="final_work", uploaded_by=None, visible_to_customer=True, **attachment_service.upload_limits(app.config))
        db.session.flush()
        notify(db.session, to=[address], template="work_delivered", order=order, attachments=[attachment.id],
               context={"order": order.number, "title": order.title})
        db.session.commit()
        send_pending(session=db.session)
    [message] = smtp.to(address)
    assert not list(message.iter_attachments()) and "big.txt" in message.get_body().get_content()


def test_smtp_down_midway_nothing_lost_each_sent_once(app, smtp):
    first, later = [_address(), _address()], [_address(), _address()]
    with app.app_context():
        notify(db.session, to=first, template="order_ready", context={"order": "A-1", "title": "t"})
        db.session.commit()
        send_pending(session=db.session)
        assert all(len(smtp.to(a)) == 1 for a in first)
        smtp.stop()  # the mail server goes away
        notify(db.session, to=later, template="order_ready", context={"order": "A-2", "title": "t"})
        db.session.commit()
        result = send_pending(session=db.session)
        assert result["retried"] >= 2
        rows = db.session.execute(select(Notification).where(Notification.email.in_(later))).scalars().all()
        assert {(r.status, r.attempts) for r in rows} == {("pending", 1)} and all(r.last_error for r in rows)
        assert all(r.next_attempt_at > utcnow() for r in rows)  # backoff
        send_pending(session=db.session)  # not due yet: these rows stay untouched
        assert {r.attempts for r in db.session.execute(select(Notification).where(Notification.email.in_(later))).scalars()} == {1}
        smtp.restart()  # back again
        send_pending(utcnow() + timedelta(hours=1), session=db.session)
        db.session.expire_all()
        rows = db.session.execute(select(Notification).where(Notification.email.in_(first + later))).scalars().all()
        assert {r.status for r in rows} == {"sent"}
        send_pending(utcnow() + timedelta(hours=2), session=db.session)
    assert all(len(smtp.to(a)) == 1 for a in first + later)


def test_after_max_attempts_failed_and_visible_to_staff(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nobody listens
    monkeypatch.setitem(app.config, "NOTIFICATION_MAX_ATTEMPTS", 2)
    address = _address()
    with app.app_context():
        [row] = notify(db.session, to=[address], template="order_ready", context={"order": "F-1", "title": "t"})
        db.session.commit()
        row_id = row.id
        send_pending(session=db.session)
        send_pending(utcnow() + timedelta(hours=1), session=db.session)
        row = db.session.get(Notification, row_id)
        db.session.refresh(row)
        assert (row.status, row.attempts) == ("failed", 2) and row.last_error
    admin = login(app.test_client(), "admin")
    html = admin.get(f"/notificationview/show/{row_id}").get_data(as_text=True)
    assert "Failed" in html and address in html
    listing = login(app.test_client(), "manager").get("/api/v1/notification/?q=(filters:!((col:status,opr:eq,value:failed)))")
    assert row_id in [r["id"] for r in listing.get_json()["result"]] or listing.get_json()["count"] > 25
    assert login(app.test_client(), "customer").get("/notificationview/list/").status_code == 403


def test_admin_edits_template_per_language(app):
    admin = login(app.test_client(), "admin")
    bad = admin.post("/api/v1/notification_template/", json={"key": "order_ready", "language": "ru",
                                                             "subject": "Готово {{ order", "body": "x"})
    assert bad.status_code == 422 and "subject" in bad.get_json()["message"]
    with app.app_context():
        existing = db.session.execute(select(NotificationTemplate).where(
            NotificationTemplate.key == "offer_made", NotificationTemplate.language == "ru")).scalar()
    payload = {"key": "offer_made", "language": "ru", "subject": "Новый заказ {{ order }} для вас", "body": "{{ title }}"}
    if existing:
        response = admin.put(f"/api/v1/notification_template/{existing.id}", json=payload)
    else:
        response = admin.post("/api/v1/notification_template/", json=payload)
    assert response.status_code in (200, 201)
    with app.app_context():
        [row] = notify(db.session, to=[_address()], template="offer_made", context={"order": "WR-9", "title": "Эссе"},
                       channels=("email",))
        row.language  # noqa: B018
        from app.services.notifications import render

        assert render(db.session, "offer_made", "ru", {"order": "WR-9", "title": "Эссе"}) == ("Новый заказ WR-9 для вас", "Эссе")
        db.session.rollback()
    assert login(app.test_client(), "owner").get("/api/v1/notification_template/").status_code == 403


def test_in_app_bell_and_inbox(app):
    with app.app_context():
        user = db.session.execute(select(User).where(User.username == "author.petrov")).scalar_one()
        notify(db.session, to=[user], template="offer_made", context={"order": "WR-BELL", "title": "Bell test"},
               channels=("inapp",))
        db.session.commit()
    client = login(app.test_client(), "author.petrov")
    html = client.get("/inbox/").get_data(as_text=True)
    assert 'id="notification-bell"' in html and 'id="unread-count"' in html
    assert "New order offered: WR-BELL" in html
    client.post("/inbox/read", data={})
    html = client.get("/inbox/").get_data(as_text=True)
    assert 'id="unread-count"' not in html and "WR-BELL" in html
    assert "WR-BELL" not in login(app.test_client(), "author.ivanova").get("/inbox/").get_data(as_text=True)


def test_inbox_api_shows_and_marks_only_my_messages(app):
    with app.app_context():
        user = db.session.execute(select(User).where(User.username == "author.sidorova")).scalar_one()
        notify(db.session, to=[user], template="offer_made", context={"order": "WR-API", "title": "API inbox"},
               channels=("inapp",))
        db.session.commit()
    mine = login(app.test_client(), "author.sidorova")
    listed = mine.get("/api/v1/inbox/").get_json()
    assert listed["unread"] >= 1
    message = next(m for m in listed["result"] if "WR-API" in m["subject"])
    assert message["read_at"] is None
    other = login(app.test_client(), "customer")
    assert all("WR-API" not in m["subject"] for m in other.get("/api/v1/inbox/").get_json()["result"])
    assert other.post("/api/v1/inbox/read", json={"ids": [message["id"]]}).get_json()["marked"] == 0
    assert mine.post("/api/v1/inbox/read", json={"ids": "all"}).status_code == 422
    assert mine.get("/api/v1/inbox/?limit=0").status_code == 422
    marked = mine.post("/api/v1/inbox/read", json={"ids": [message["id"]]}).get_json()
    assert marked["marked"] == 1 and marked["unread"] == listed["unread"] - 1
    assert app.test_client().get("/api/v1/inbox/").status_code == 401


def test_notifications_send_cli(app, smtp):
    address = _address()
    with app.app_context():
        notify(db.session, to=[address], template="payment_received",
               context={"order": "CLI-1", "amount": "10.00", "currency": "IDR"})
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["notifications", "send"])
    assert result.exit_code == 0 and "'sent'" in result.output
    [message] = smtp.to(address)
    assert message["Subject"] == "Payment received for order CLI-1"
