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
from smtp_helpers import smtp_server
from writing_helpers import PAPER_DETAILS, open_offer, paper_service_id, payment_of, roomy_authors, sandbox_pays, upload


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


def time_passes(app, order_id, timer_name):
    """The order's timer falls due (only this one: other orders' timers keep their time) and the
    timer job runs, as cron would. Returns how many timers fired."""
    from app.models.types import utcnow
    from app.services.timers import run_due_timers

    with app.app_context():
        timer = db.session.execute(select(Timer).where(Timer.order_id == order_id, Timer.name == timer_name,
                                                       Timer.status == "pending")).scalar_one()
        timer.due_at = utcnow() - dt.timedelta(seconds=1)
        db.session.commit()
        return run_due_timers(utcnow())


# --------------------------------------------------------------------------- the whole story


def test_the_whole_writing_story_through_the_api(app, c):
    from app.services.ledger import run_payouts
    from app.services.notifications import send_pending

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
    assert time_passes(app, oid, "offer_expiry") >= 1
    with app.app_context():
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
            while send_pending(limit=1000)["sent"]:  # the suite's other messages are in the outbox too
                pass
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


# --------------------------------------------------------------------------- routing


def _second_manager(app):
    """A second order manager (created once) so 'least loaded' has a choice."""
    from app.models import Role

    with app.app_context():
        sm = app.appbuilder.sm
        user = sm.find_user(username="manager.night")
        if user is None:
            user = sm.add_user(username="manager.night", first_name="Nina", last_name="Nochnaya",
                               email="manager.night@demo.orderflow.local", role=sm.find_role("Manager"),
                               password="demo")
            db.session.add(StaffProfile(user_id=user.id, first_name="Nina", last_name="Nochnaya",
                                        patronymic="Petrovna", rating=Decimal("4"), capacity=50, on_duty=True))
            db.session.commit()
        return user.id


def _desk_profiles(app):
    with app.app_context():
        return [p.id for p in db.session.execute(select(StaffProfile).join(User, User.id == StaffProfile.user_id)
                                                 .where(User.roles.any(name="Manager"))).scalars()]


def _set_on_duty(app, profile_ids, on):
    with app.app_context():
        for pid in profile_ids:
            db.session.get(StaffProfile, pid).on_duty = on
        db.session.commit()


def test_routing_picks_the_least_loaded_on_duty_manager_or_waits_and_tells_the_owner(app, c):
    night = _second_manager(app)
    desk = _desk_profiles(app)
    try:
        # the night manager has no open orders: the least loaded one gets the next order
        oid = customer_orders(c)
        assert order_json(c["manager"], oid)["manager"]["id"] == night
        # nobody on duty: the order waits in "new", flagged, and the owner is told
        _set_on_duty(app, desk, False)
        waiting = customer_orders(c)
        order = order_json(c["manager"], waiting)
        assert order["state"] == "new" and order["manager"] is None
        with app.app_context():
            flag = db.session.execute(select(AssignmentRecord).where(AssignmentRecord.order_id == waiting,
                                                                     AssignmentRecord.needs_attention.is_(True))
                                      ).scalar_one()
            assert {e["excluded"] for e in flag.record["candidates"]} == {"off duty"}
            told = db.session.execute(select(User.username).join(Notification, Notification.user_id == User.id)
                                      .where(Notification.order_id == waiting,
                                             Notification.template == "no_candidate")).scalars().all()
            assert set(told) == {"owner"}
        desk_rows = c["manager"].get("/api/v1/writing_desk/?waiting=1").get_json()["result"]
        assert waiting in {r["id"] for r in desk_rows} and all(r["waiting"] for r in desk_rows)
        # a manager clicking Route meanwhile is told why it cannot go anywhere
        refused = fire(c["manager"], waiting, "route")
        assert refused.status_code == 422 and "off duty" in refused.get_json()["message"]
        # the night manager comes on duty (staff API): waiting orders are routed at once
        with app.app_context():
            night_profile = db.session.execute(select(StaffProfile.id).where(StaffProfile.user_id == night)).scalar()
        assert c["admin"].put(f"/api/v1/staff_profile/{night_profile}", json={"on_duty": True}).status_code == 200
        order = order_json(c["manager"], waiting)
        assert order["state"] == "routed" and order["manager"]["id"] == night
        with app.app_context():
            assert db.session.execute(select(AssignmentRecord.id).where(
                AssignmentRecord.order_id == waiting, AssignmentRecord.needs_attention.is_(True))).first() is None
    finally:
        _set_on_duty(app, desk, True)
        with app.app_context():  # the demo desk again: only the day manager routes
            db.session.execute(select(StaffProfile).where(StaffProfile.user_id == night)).scalar_one().on_duty = False
            db.session.commit()


def test_service_settings_auto_offer_offer_hours_and_strategy(app, c):
    sid = _SERVICE["id"]
    bad = c["owner"].put(f"/api/v1/service/{sid}", json={"offer_hours": 0, "routing_strategy": "dice"})
    assert bad.status_code == 422
    assert set(bad.get_json()["message"]) >= {"offer_hours", "routing_strategy"}
    assert c["owner"].put(f"/api/v1/service/{sid}", json={"auto_offer": True, "offer_hours": 2,
                                                          "routing_strategy": "round_robin"}).status_code == 200
    try:
        oid = customer_orders(c)
        assert order_json(c["manager"], oid)["state"] == "offered"  # nobody clicked: routed, then offered
        with app.app_context():
            events = [e.trigger for e in db.session.execute(select(OrderEvent).where(OrderEvent.order_id == oid)
                                                            .order_by(OrderEvent.id)).scalars()]
            assert events == ["create", "route", "offer_automatically"]
            record = db.session.execute(select(AssignmentRecord).where(
                AssignmentRecord.order_id == oid, AssignmentRecord.field == "manager")).scalar_one()
            assert record.strategy == "round_robin"
            timer = db.session.execute(select(Timer).where(Timer.order_id == oid, Timer.name == "offer_expiry")
                                       ).scalar_one()
            created = db.session.get(Order, oid).created
            assert dt.timedelta(hours=1, minutes=59) < timer.due_at - created < dt.timedelta(hours=2, minutes=1)
    finally:
        c["owner"].put(f"/api/v1/service/{sid}", json={"auto_offer": False, "offer_hours": None,
                                                       "routing_strategy": None})


def test_workflow_validation_names_service_settings_and_refuses_endless_automatic_loops():
    from app.services.workflows import validation_messages

    text = open("workflows/writing.yaml").read()
    wrong = text.replace("hours_from: service.offer_hours", "hours_from: service.offer_minutes", 1)
    assert any("hours_from" in m and "service.offer_hours" in m for m in validation_messages(wrong))
    no_fallback = text.replace("hours: 24, hours_from: service.offer_hours", "hours_from: service.offer_hours", 1)
    assert any("fallback" in m for m in validation_messages(no_fallback))
    looping = text.replace("  - trigger: decline\n    from: offered\n    to: offered\n",
                           "  - trigger: decline\n    from: offered\n    to: offered\n    auto: true\n", 1)
    assert any("would fire forever" in m for m in validation_messages(looping))
    bad_setting = text.replace("setting: service.auto_offer", "setting: service.offer_hours", 1)
    assert any("setting" in m for m in validation_messages(bad_setting))


# --------------------------------------------------------------------------- who sees what


def _walk_to(app, c, stop):
    """A fresh order walked with real people up to ``stop`` (a state); returns (id, author client)."""
    oid = customer_orders(c)
    fire(c["manager"], oid, "offer")
    author = as_user(app, open_offer(app, oid)[2])
    steps = [("taken", author, "take"), ("awaiting_deposit", c["manager"], "confirm_feasible")]
    for state, who, trigger in steps:
        if order_json(c["manager"], oid)["state"] == stop:
            break
        assert fire(who, oid, trigger).status_code == 200
    if stop in ("started", "half_ready", "awaiting_confirmation"):
        assert sandbox_pays(app, c["customer"], oid, "deposit").status_code == 200
    if stop in ("half_ready", "awaiting_confirmation"):
        upload(author, oid, "partial_preview", name=f"preview-{oid}.pdf")
        fire(author, oid, "upload_half")
    if stop == "awaiting_confirmation":
        fire(c["manager"], oid, "release_preview")
    assert order_json(c["manager"], oid)["state"] == stop
    return oid, author


def test_author_sees_the_work_not_the_client_nor_the_price(app, c):
    oid, author = _walk_to(app, c, "taken")
    record = author.get(f"/api/v1/order/{oid}").get_json()["result"]
    assert "customer" not in record and "price" not in record and record["details"]["topic"]
    listed = author.get("/api/v1/order/?q=(page_size:100)").get_json()["result"]
    assert listed and all("customer" not in r and "price" not in r for r in listed)
    assert author.get(f"/api/v1/order/{oid}/money").status_code == 404
    page = author.get(f"/orderview/show/{oid}").get_data(as_text=True)
    assert "Citra Customer" not in page and "3,000.00" not in page and 'id="author-fee"' in page
    assert "1,500.00" in page  # the author's fee
    assert "Citra Customer" not in author.get("/orderview/list/").get_data(as_text=True)
    # the manager sees everything
    assert order_json(c["manager"], oid)["customer"]["name"] == "Citra Customer"


def test_client_sees_their_status_and_released_files_only(app, c):
    oid, author = _walk_to(app, c, "half_ready")
    record = c["customer"].get(f"/api/v1/order/{oid}").get_json()["result"]
    assert "assignee" not in record and record["state"] == "half_ready"
    page = c["customer"].get(f"/orderview/show/{oid}").get_data(as_text=True)
    assert "In progress" in page and "50% ready" not in page and 'class="mermaid"' not in page
    with app.app_context():
        profile = db.session.execute(select(StaffProfile).where(
            StaffProfile.user_id == db.session.get(Order, oid).assignee_id)).scalar_one()
        preview_name = db.session.execute(select(Attachment.original_name).where(
            Attachment.order_id == oid, Attachment.kind == "partial_preview")).scalar_one()
    assert profile.last_name not in page
    assert preview_name not in c["customer"].get("/shop/my-orders").get_data(as_text=True)
    fire(c["manager"], oid, "release_preview")
    assert preview_name in c["customer"].get("/shop/my-orders").get_data(as_text=True)
    triggers = {t["name"] for t in c["customer"].get(f"/api/v1/order/{oid}/triggers").get_json()["triggers"]}
    assert triggers == {"request_rework", "confirm", "withdraw"}


def test_history_shown_to_the_client_hides_authors_reasons(app, c):
    oid = customer_orders(c)
    fire(c["manager"], oid, "offer")
    decliner = as_user(app, open_offer(app, oid)[2])
    decliner.post(f"/api/v1/my_offers/{oid}/decline", json={"reason": "Secret staff note 42"})
    page = c["customer"].get(f"/orderview/show/{oid}").get_data(as_text=True)
    assert "Secret staff note 42" not in page and "Looking for an author" in page
    assert "Secret staff note 42" in c["manager"].get(f"/orderview/show/{oid}").get_data(as_text=True)


# --------------------------------------------------------------------------- the manager's table


def test_writing_desk_lists_number_status_author_deadline_price_paid_and_filters(app, c):
    oid, author = _walk_to(app, c, "started")
    rows = c["manager"].get("/api/v1/writing_desk/?state=started&page_size=200").get_json()
    assert rows["counts"]["started"] >= 1 and all(r["state"] == "started" for r in rows["result"])
    row = next(r for r in rows["result"] if r["id"] == oid)
    with app.app_context():
        order = db.session.get(Order, oid)
        profile = db.session.execute(select(StaffProfile).where(StaffProfile.user_id == order.assignee_id)
                                     ).scalar_one()
        number = order.number
    assert (row["number"], row["state_label"], row["price"], row["paid"]) == (number, "Started", "3000.00", "1500.00")
    assert (row["author_last_name"], row["author_first_name"], row["author_patronymic"]) == (
        profile.last_name, profile.first_name, profile.patronymic)
    assert row["deadline"]
    # every status of the issue is a filter
    states = {s["name"] for s in rows["states"]}
    assert {"started", "half_ready", "awaiting_confirmation", "ready", "rework", "failed"} <= states
    assert c["manager"].get("/api/v1/writing_desk/?state=nope").status_code == 422
    html = c["manager"].get("/writing-desk/?state=started").get_data(as_text=True)
    assert number in html and profile.last_name in html and 'data-state="started"' in html
    assert author.get("/writing-desk/").status_code in (302, 403)
    assert author.get("/api/v1/writing_desk/").status_code == 403
    assert c["customer"].get("/api/v1/writing_desk/").status_code == 403


def test_manager_reassigns_to_another_author_logged_and_checked(app, c):
    oid, old_author = _walk_to(app, c, "awaiting_deposit")
    with app.app_context():
        old_id = db.session.get(Order, oid).assignee_id
        other = db.session.execute(select(User).where(User.roles.any(name="Author"), User.id != old_id)
                                   .order_by(User.id)).scalars().first()
        other_id, other_name = other.id, other.username
        version = db.session.get(Order, oid).version
        accountant = db.session.execute(select(User.id).where(User.username == "accountant")).scalar()
    assert c["manager"].post(f"/api/v1/writing_desk/{oid}/reassign",
                             json={"assignee": accountant}).status_code == 422
    assert c["manager"].post(f"/api/v1/writing_desk/{oid}/reassign",
                             json={"assignee": other_id, "expected_version": version - 1}).status_code == 409
    done = c["manager"].post(f"/api/v1/writing_desk/{oid}/reassign",
                             json={"assignee": other_id, "reason": "Faster author", "expected_version": version})
    assert done.status_code == 200 and done.get_json()["assignee_id"] == other_id
    assert old_author.get(f"/api/v1/order/{oid}").status_code == 404  # no longer theirs
    assert as_user(app, other_name).get(f"/api/v1/order/{oid}").status_code == 200
    with app.app_context():
        event = db.session.execute(select(OrderEvent).where(OrderEvent.order_id == oid,
                                                            OrderEvent.trigger == "reassign")).scalar_one()
        assert event.comment == "Faster author" and event.decision["reassign"] == {
            "field": "assignee", "from": old_id, "to": other_id}
        told = set(db.session.execute(select(Notification.user_id).where(
            Notification.order_id == oid, Notification.template == "order_reassigned")).scalars())
        assert told == {old_id, other_id}
    assert c["customer"].post(f"/api/v1/writing_desk/{oid}/reassign", json={"assignee": old_id}).status_code == 403
    # the browser form does the same
    page = c["manager"].post(f"/writing-desk/reassign/{oid}", data={"target": f"assignee:{old_id}", "reason": "back"},
                             follow_redirects=True)
    assert page.status_code == 200
    assert order_json(c["manager"], oid)["assignee"]["id"] == old_id


# --------------------------------------------------------------------------- money rules


def test_withdrawal_right_after_the_deposit_refunds_it_all(app, c):
    oid, _author = _walk_to(app, c, "started")
    assert fire(c["customer"], oid, "withdraw", comment="Changed my mind").get_json()["state"] == "failed"
    money = c["customer"].get(f"/api/v1/order/{oid}/money").get_json()
    assert (money["paid"], money["refunded"]) == ("0.00", "1500.00")
    assert payment_of(app, oid, "deposit").status == "refunded"
    with app.app_context():
        refund = db.session.execute(select(Payment).where(Payment.order_id == oid, Payment.purpose == "refund")
                                    ).scalar_one()
        assert refund.method == "sandbox" and refund.decision["rule_set"] == "writing.refund"
        assert db.session.execute(select(Notification.id).where(Notification.order_id == oid,
                                                                Notification.template == "refund_made")).first()


def test_withdrawal_after_a_day_of_writing_refunds_half(app, c):
    oid, _author = _walk_to(app, c, "started")
    with app.app_context():
        deposit = db.session.execute(select(Payment).where(Payment.order_id == oid, Payment.purpose == "deposit")
                                     ).scalar_one()
        deposit.paid_at = deposit.paid_at - dt.timedelta(hours=30)  # the author has been writing for a day
        db.session.commit()
    fire(c["manager"], oid, "withdraw", comment="The client cannot go on")
    money = c["customer"].get(f"/api/v1/order/{oid}/money").get_json()
    assert (money["paid"], money["refunded"]) == ("750.00", "750.00")


def test_no_refund_once_the_preview_was_released_and_the_unpaid_balance_is_cancelled(app, c):
    oid, _author = _walk_to(app, c, "awaiting_confirmation")
    fire(c["customer"], oid, "confirm")
    time_passes(app, oid, "balance_window")
    money = c["customer"].get(f"/api/v1/order/{oid}/money").get_json()
    assert (money["state"], money["paid"], money["refunded"]) == ("failed", "1500.00", "0.00")
    assert payment_of(app, oid, "balance").status == "cancelled"  # nobody can pay a failed order


def test_manager_finds_the_work_cannot_be_done(app, c):
    oid, _author = _walk_to(app, c, "taken")
    assert fire(c["manager"], oid, "not_feasible", comment="No sources exist").get_json()["state"] == "failed"
    assert c["customer"].get(f"/api/v1/order/{oid}/money").get_json()["payments"] == []


def test_public_order_form_takes_files_and_the_deadline(app, c):
    from helpers import csrf_token_from  # noqa: F401  (CSRF is off in tests)
    import io

    client = c["customer"]
    day = (dt.date.today() + dt.timedelta(days=20)).isoformat()
    form = {"title": "Form with files", "subject": "law", "work_type": "essay", "topic": "Rights of tenants",
            "pages": "5", "deadline": day, "files": (io.BytesIO(b"%PDF-1.4 rules"), "rules.pdf")}
    resp = client.post("/shop/order/PAPER", data=form, content_type="multipart/form-data")
    assert resp.status_code == 302
    with app.app_context():
        order = db.session.execute(select(Order).where(Order.title == "Form with files")).scalar_one()
        assert order.deadline.date().isoformat() == day and order.state == "routed"
        [brief] = db.session.execute(select(Attachment).where(Attachment.order_id == order.id)).scalars().all()
        assert (brief.kind, brief.original_name, brief.visible_to_customer) == ("brief", "rules.pdf", True)
    past = dict(form, title="Past deadline", deadline="2001-01-01", files=(io.BytesIO(b"x"), "x.pdf"))
    html = client.post("/shop/order/PAPER", data=past, content_type="multipart/form-data").get_data(as_text=True)
    assert "must be today or later" in html
    bad = dict(form, title="Bad file", files=(io.BytesIO(b"MZ"), "virus.exe"))
    html = client.post("/shop/order/PAPER", data=bad, content_type="multipart/form-data").get_data(as_text=True)
    assert "field-error" in html
    with app.app_context():
        assert db.session.execute(select(Order.id).where(Order.title.in_(("Past deadline", "Bad file")))).first() is None


def test_demo_data_has_a_writing_order_in_every_status(app):
    """Each demo paper was walked by the seed to its own status (read from its history as the
    seed left it: later tests' timer runs may move demo orders on)."""
    from app.services.workflows import published
    from seed.writing import ORDERS, PREFIX

    with app.app_context():
        orders = db.session.execute(select(Order).where(Order.title.like(PREFIX + "%")).order_by(Order.id)
                                    ).scalars().all()
        assert len(orders) == len(ORDERS)
        seeded_until = max(e.at for e in orders[-1].events)
        reached = {next(e.to_state for e in reversed(o.events) if e.at <= seeded_until) for o in orders}
        assert reached == set(published(db.session, "writing").states)
        waiting = orders[0]
        assert db.session.execute(select(AssignmentRecord.id).where(AssignmentRecord.order_id == waiting.id,
                                                                    AssignmentRecord.field == "manager")).first()
