"""The academic-writing story (issue 6 items 1-5) through the REST API, without a browser:
order -> automatic routing -> offer -> decline with a reason -> re-offer (never to the
decliner) -> expiry by the timer job -> take -> the manager confirms -> 50% through the
sandbox's signed callback -> preview -> release -> rework -> resubmit -> confirm -> balance
-> final upload -> manager's check -> e-mail with the work attached (aiosmtpd) -> ledger ->
payout job -> the accountant pays. Then one focused test per rule."""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (AssignmentRecord, Attachment, LedgerEntry, Notification, Offer, Order, OrderEvent, Payment,
                        Payout, Service, StaffProfile, Timer, User)
from helpers import login
from writing_helpers import (PAPER_DETAILS, open_offer, paper_service_id, payment_of, roomy_authors, sandbox_pays,
                             smtp_server, upload)


@pytest.fixture(scope="module", autouse=True)
def _room_and_tracebacks(app):
    before = app.config.get("FAB_API_SHOW_STACKTRACE")
    app.config["FAB_API_SHOW_STACKTRACE"] = True
    with roomy_authors(app):
        yield
    app.config["FAB_API_SHOW_STACKTRACE"] = before


@pytest.fixture(scope="module")
def c(app):
    return {name: login(app.test_client(), name) for name in ("manager", "customer", "accountant", "owner", "admin")}


def fire(client, order_id, trigger, **body):
    return client.post(f"/api/v1/order/{order_id}/trigger/{trigger}", json=body)


def order_json(client, order_id):
    return client.get(f"/api/v1/order/{order_id}").get_json()["result"]


def customer_orders(c, details=None, title=None):
    """The customer orders a paper through the API (the service form's fields in details)."""
    resp = c["customer"].post("/api/v1/order/", json={
        "service": _SERVICE["id"], "customer": _SERVICE["customer"], "title": title or f"Story {uuid.uuid4().hex[:6]}",
        "details": details or dict(PAPER_DETAILS)})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


_SERVICE = {}


@pytest.fixture(scope="module", autouse=True)
def _service_id(app):
    from app.models import Customer

    _SERVICE["id"] = paper_service_id(app)
    with app.app_context():  # the API orders for the customer themself whatever this says
        _SERVICE["customer"] = db.session.execute(select(Customer.id).where(
            Customer.email == "customer@demo.orderflow.local")).scalar_one()


def as_user(app, username):
    return login(app.test_client(), username)


# --------------------------------------------------------------------------- the whole story


def test_the_whole_writing_story_through_the_api(app, c):
    from app.services.ledger import run_payouts
    from app.services.notifications import send_pending
    from app.services.timers import run_due_timers

    # 1. the client orders; the order goes to the on-duty manager by itself (no click)
    oid = customer_orders(c, title="Story: the Decembrists")
    upload(c["customer"], oid, "brief", name="guidelines.pdf")
    order = order_json(c["manager"], oid)
    assert order["state"] == "routed" and order["manager"]["username"] == "manager"
    assert order["deadline"] is not None
    with app.app_context():
        routed = db.session.execute(select(OrderEvent).where(OrderEvent.order_id == oid, OrderEvent.trigger == "route")
                                    ).scalar_one()
        assert routed.actor_id is None and routed.decision.get("system") is True

    # 2. the manager offers it by rating; the author sees it in My offers
    assert fire(c["manager"], oid, "offer").get_json()["state"] == "offered"
    _offer, first_id, first = open_offer(app, oid)
    first_client = as_user(app, first)
    offers = first_client.get("/api/v1/my_offers/").get_json()["result"]
    mine = next(o for o in offers if o["order_id"] == oid)
    assert mine["details"]["topic"] == PAPER_DETAILS["topic"] and mine["fee"] == "1500.00"
    assert [f["name"] for f in mine["files"]] == ["guidelines.pdf"] and mine["answer_by"]
    assert "price" not in mine and "customer" not in mine

    # 3. a decline needs a reason; then it goes to another author, never back to the decliner
    refused = first_client.post(f"/api/v1/my_offers/{oid}/decline", json={})
    assert refused.status_code == 422 and "reason" in refused.get_json()["message"]
    declined = first_client.post(f"/api/v1/my_offers/{oid}/decline", json={"reason": "Not my period"})
    assert declined.status_code == 200 and declined.get_json()["state"] == "offered"
    _offer, second_id, second = open_offer(app, oid)
    assert second_id != first_id
    assert first_client.get(f"/api/v1/order/{oid}").status_code == 404  # the decliner no longer sees it
    assert all(o["order_id"] != oid for o in first_client.get("/api/v1/my_offers/").get_json()["result"])

    # 4. the second author does not answer: the timer job re-offers it to a third author
    with app.app_context():
        due = db.session.execute(select(Timer.due_at).where(Timer.order_id == oid, Timer.name == "offer_expiry",
                                                            Timer.status == "pending")).scalar_one()
        assert run_due_timers(due + dt.timedelta(seconds=1)) >= 1
        statuses = dict(db.session.execute(select(Offer.user_id, Offer.status).where(Offer.order_id == oid)).all())
    assert statuses[first_id] == "declined" and statuses[second_id] == "expired"
    _offer, third_id, third = open_offer(app, oid)
    assert third_id not in (first_id, second_id)

    # 5. the third author takes it; the manager confirms the work can be done; 50% is asked
    author = as_user(app, third)
    took = author.post(f"/api/v1/my_offers/{oid}/take")
    assert took.status_code == 200 and took.get_json()["state"] == "taken"
    assert c["customer"].get(f"/api/v1/order/{oid}/money").get_json()["payments"] == []  # nothing asked yet
    assert fire(author, oid, "confirm_feasible").status_code == 403
    assert fire(c["manager"], oid, "confirm_feasible").get_json()["state"] == "awaiting_deposit"
    money = c["customer"].get(f"/api/v1/order/{oid}/money").get_json()
    assert [(p["purpose"], p["amount"], p["status"]) for p in money["payments"]] == [("deposit", "1500.00", "pending")]

    # 6. the client pays 50% in the sandbox; the signed callback starts the author
    assert sandbox_pays(app, c["customer"], oid, "deposit").status_code == 200
    assert order_json(c["manager"], oid)["state"] == "started"

    # 7. the author uploads the 50% part (cannot show it to the client directly)
    preview = upload(author, oid, "partial_preview", name="half.pdf", visible=True)
    assert fire(author, oid, "upload_half").get_json()["state"] == "half_ready"
    seen = {a["id"] for a in c["customer"].get("/api/v1/attachment/?q=(page_size:100)").get_json()["result"]}
    assert preview not in seen

    # 8. the manager checks it and releases it to the client as a preview (e-mail + order page)
    assert fire(c["manager"], oid, "release_preview").get_json()["state"] == "awaiting_confirmation"
    seen = {a["id"] for a in c["customer"].get("/api/v1/attachment/?q=(page_size:100)").get_json()["result"]}
    assert preview in seen

    # 9. the client asks for rework; the author reworks; the manager releases again
    assert fire(c["customer"], oid, "request_rework", comment="More primary sources").get_json()["state"] == "rework"
    upload(author, oid, "partial_preview", name="half-v2.pdf")
    assert fire(author, oid, "resubmit").get_json()["state"] == "half_ready"
    assert fire(c["manager"], oid, "release_preview").get_json()["state"] == "awaiting_confirmation"

    # 10. the client accepts and pays the remaining 50%
    assert fire(c["customer"], oid, "confirm").get_json()["state"] == "awaiting_balance"
    assert sandbox_pays(app, c["customer"], oid, "balance").status_code == 200
    money = c["customer"].get(f"/api/v1/order/{oid}/money").get_json()
    assert (money["state"], money["paid"], money["balance"]) == ("finishing", "3000.00", "0.00")

    # 11. the author uploads the full work; the manager sends it back once, then emails it
    final = upload(author, oid, "final_work", name="decembrists-final.pdf", body=b"%PDF-1.4 the whole work")
    assert fire(author, oid, "upload_final").get_json()["state"] == "final_check"
    assert fire(c["manager"], oid, "reject_final", comment="Fix the bibliography").get_json()["state"] == "finishing"
    assert fire(author, oid, "upload_final").get_json()["state"] == "final_check"
    assert fire(c["manager"], oid, "send_to_client").get_json()["state"] == "ready"

    # 12. the e-mail with the file attached reaches the client (real SMTP on loopback)
    with smtp_server(app) as inbox:
        with app.app_context():
            send_pending()
        [mail] = [m for m in inbox.to("customer@demo.orderflow.local") if "Your work for order" in m["Subject"]
                  and order_json(c["manager"], oid)["number"] in m["Subject"]]
        names = [part.get_filename() for part in mail.iter_attachments()]
        assert names == ["decembrists-final.pdf"]
        assert [p.get_content() for p in mail.iter_attachments()] == [b"%PDF-1.4 the whole work"]
    # ... and waits in My orders for download
    page = c["customer"].get("/shop/my-orders").get_data(as_text=True)
    assert f"/attachmentview/download/{final}" in page
    download = c["customer"].get(f"/attachmentview/download/{final}")
    assert download.status_code == 200 and download.data == b"%PDF-1.4 the whole work"

    # 13. the author's share is in the ledger; the payout job makes a payout; the accountant pays
    with app.app_context():
        entry = db.session.execute(select(LedgerEntry).where(LedgerEntry.order_id == oid)).scalar_one()
        assert (entry.worker_id, entry.kind, entry.amount, entry.currency) == (third_id, "earning", Decimal("1500.00"),
                                                                               "RUB")
        run_payouts(db.session)
        entry = db.session.get(LedgerEntry, entry.id)
        payout = db.session.get(Payout, entry.payout_id)
        assert payout is not None and payout.status == "due" and payout.amount >= Decimal("1000")
        payout_id = payout.id
    balance = author.get("/api/v1/ledger_entry/balance").get_json()["balances"]["RUB"]
    assert Decimal(balance["balance"]) >= Decimal("1500")
    paid = c["accountant"].post("/api/v1/payout/mark_paid", json={"ids": [payout_id], "reference": "SBP-42"})
    assert paid.status_code == 200
    history = author.get("/api/v1/ledger_entry/?q=(page_size:100)").get_json()["result"]
    assert any(e["kind"] == "payout" and e["note"].endswith("SBP-42") for e in history)
