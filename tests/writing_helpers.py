"""Helpers for the academic-writing story tests (API and browser): roomy authors, a signed
sandbox payment, who holds an order's offer (the loopback SMTP server is smtp_helpers)."""
from __future__ import annotations

import contextlib
import io

from sqlalchemy import select

from app.extensions import db
from app.models import Offer, Payment, Service, StaffProfile, User
from app.services.payment_methods.sandbox import SIGNATURE_HEADER, callback_body, sign

PAPER_DETAILS = {"subject": "history", "work_type": "essay", "topic": "The Decembrists and the army",
                 "pages": 6, "requirements": "APA style"}


@contextlib.contextmanager
def roomy_authors(app, capacity=60):
    """Every author has room while the story runs (other tests' orders hold capacity too)."""
    with app.app_context():
        profiles = db.session.execute(select(StaffProfile).join(User, User.id == StaffProfile.user_id)
                                      .where(User.roles.any(name="Author"))).scalars().all()
        saved = {p.id: (p.capacity, p.on_duty, p.on_leave_until) for p in profiles}
        for p in profiles:
            p.capacity, p.on_duty, p.on_leave_until = capacity, True, None
        db.session.commit()
    try:
        yield
    finally:
        with app.app_context():
            for pid, (cap, duty, leave) in saved.items():
                p = db.session.get(StaffProfile, pid)
                p.capacity, p.on_duty, p.on_leave_until = cap, duty, leave
            db.session.commit()


def open_offer(app, order_id):
    """(offer id, user id, username) of the order's open offer, or None."""
    with app.app_context():
        offer = db.session.execute(select(Offer).where(Offer.order_id == order_id, Offer.status == "offered")
                                   .order_by(Offer.id.desc())).scalars().first()
        if offer is None:
            return None
        return offer.id, offer.user_id, db.session.get(User, offer.user_id).username


def paper_service_id(app) -> int:
    with app.app_context():
        return db.session.execute(select(Service.id).where(Service.code == "PAPER")).scalar_one()


def sandbox_pays(app, client, order_id, purpose):
    """The customer charges the open payment of ``purpose`` through the sandbox and the
    gateway calls back, signed. Returns the callback response."""
    money = client.get(f"/api/v1/order/{order_id}/money").get_json()
    [payment] = [p for p in money["payments"] if p["purpose"] == purpose and p["status"] == "pending"]
    charged = client.post(f"/api/v1/payment/{payment['id']}/charge", json={"method": "sandbox"}).get_json()
    body = callback_body(charged["provider_reference"], "paid", payment["amount"], money["currency"])
    return app.test_client().post("/payments/callback/sandbox", data=body, content_type="application/json",
                                  headers={SIGNATURE_HEADER: sign(body, app.config)})


def upload(client, order_id, kind, name=None, visible=False, body=b"%PDF-1.4 demo"):
    data = {"file": (io.BytesIO(body), name or f"{kind}.pdf"), "kind": kind}
    if visible:
        data["visible_to_customer"] = "true"
    resp = client.post(f"/api/v1/attachment/upload/{order_id}", data=data, content_type="multipart/form-data")
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


def payment_of(app, order_id, purpose):
    with app.app_context():
        return db.session.execute(select(Payment).where(Payment.order_id == order_id, Payment.purpose == purpose)
                                  .order_by(Payment.id.desc())).scalars().first()
