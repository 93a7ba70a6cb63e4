"""Ready-made works: public browsing and filters, requesting a work, paying it through the
sandbox gateway, the e-mail with the file (real SMTP on loopback) and the expiring link;
the file is never served otherwise; staff manage the catalog with uploads."""
from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import CatalogPurchase, Notification, Payment, ReadyWork
from app.models.types import utcnow
from app.services import ready_works as catalog
from app.services.payment_methods.sandbox import SIGNATURE_HEADER, callback_body, sign
from catalog_helpers import a_work, address, link_in, send_all
from helpers import login
from smtp_helpers import smtp_server


@pytest.fixture
def smtp(app):
    with smtp_server(app) as inbox:
        yield inbox


def _file_bytes(app, work_id) -> bytes:
    with app.app_context():
        work = db.session.get(ReadyWork, work_id)
        return catalog.work_path(app.config["UPLOAD_FOLDER"], work).read_bytes()


def _buy(client, work_id, email):
    response = client.post("/api/v1/catalog/purchases", json={"work_id": work_id, "email": email, "name": "Vera"})
    assert response.status_code == 201, response.json
    return response.json


def _pay_in_sandbox(client, reference):
    charge = client.post(f"/api/v1/catalog/purchases/{reference}/charge", json={"method": "sandbox"})
    assert charge.status_code == 200, charge.json
    pay_url = charge.json["pay_url"]
    assert pay_url.startswith("/payments/sandbox/")
    page = client.post(pay_url, data={"outcome": "pay"})
    assert page.status_code == 302 and f"/catalog/purchase/{reference}" in page.headers["Location"]
    return charge.json


def _paid_purchase(app, client, email=None):
    email = email or address()
    bought = _buy(client, a_work(app), email)
    _pay_in_sandbox(client, bought["reference"])
    with app.app_context():
        purchase = catalog.by_reference(db.session, bought["reference"])
        return purchase.id, bought["reference"], email


# -- browsing -------------------------------------------------------------------------------


def test_demo_catalog_is_browsable_and_filtered_without_login(client):
    everything = client.get("/api/v1/catalog/works?page_size=100").json
    assert everything["count"] >= 8
    history = client.get("/api/v1/catalog/works?subject=history&page_size=100").json["works"]
    assert history and all(w["subject"] == "history" for w in history)
    short = client.get("/api/v1/catalog/works?pages_min=9&pages_max=14&page_size=100").json["works"]
    assert short and all(9 <= w["pages"] <= 14 for w in short)
    cheap = client.get("/api/v1/catalog/works?price_max=900&work_type=essay&page_size=100").json["works"]
    assert cheap and all(Decimal(w["price"]) <= 900 and w["work_type"] == "essay" for w in cheap)
    found = client.get("/api/v1/catalog/works?q=superconductivity").json["works"]
    assert [w["subject"] for w in found] == ["physics"]
    by_price = [Decimal(w["price"]) for w in client.get("/api/v1/catalog/works?sort=price&page_size=100").json["works"]]
    assert by_price == sorted(by_price)
    options = client.get("/api/v1/catalog/filters").json
    assert {"history", "law", "economics", "physics"} <= set(options["subjects"])


def test_bad_filters_name_the_field(client):
    response = client.get("/api/v1/catalog/works?pages_min=ten&price_min=9&price_max=1")
    assert response.status_code == 422
    assert set(response.json["message"]) == {"pages_min", "price_max"}
    page = client.get("/catalog/?pages_min=ten")
    assert page.status_code == 200 and b"pages_min: is not a whole number" in page.data


def test_catalog_pages_filter_and_show_the_preview_never_the_file(app, client):
    page = client.get("/catalog/?subject=law&pages_max=20").data.decode()
    assert "Liability for damage caused by minors" in page and "Consumer protection" not in page
    work_id = a_work(app, subject="physics", work_type="essay")
    detail = client.get(f"/catalog/work/{work_id}").data.decode()
    assert "Newton" in detail and f"/catalog/work/{work_id}/preview" in detail and "request-form" in detail
    preview = client.get(f"/catalog/work/{work_id}/preview")
    assert preview.status_code == 200 and preview.data.startswith(b"%PDF")
    assert preview.data != _file_bytes(app, work_id)
    api = client.get(f"/api/v1/catalog/works/{work_id}").json
    assert api["preview_url"].endswith(f"/catalog/work/{work_id}/preview")
    with app.app_context():
        stored = db.session.get(ReadyWork, work_id).file
    assert stored not in str(api) and stored not in detail


# -- buying ----------------------------------------------------------------------------------


def test_request_checks_the_email_and_the_work_and_changes_nothing(app, client):
    with app.app_context():
        before = db.session.query(CatalogPurchase).count()
    bad = client.post("/api/v1/catalog/purchases", json={"work_id": a_work(app), "email": "not-an-address"})
    assert bad.status_code == 422 and "email" in bad.json["message"]
    missing = client.post("/api/v1/catalog/purchases", json={"work_id": 999999, "email": address()})
    assert missing.status_code == 422 and "work_id" in missing.json["message"]
    form = client.post(f"/catalog/work/{a_work(app)}/request", data={"email": "nope"})
    assert form.status_code == 422 and b"is not a valid e-mail address" in form.data
    with app.app_context():
        assert db.session.query(CatalogPurchase).count() == before


def test_a_purchase_is_paid_online_only_and_a_double_request_buys_once(app, client):
    email = address()
    first = _buy(client, a_work(app), email)
    second = _buy(client, a_work(app), email)
    assert first["reference"] == second["reference"] and first["payment"]["id"] == second["payment"]["id"]
    assert first["status"] == "pending" and first["download_url"] is None
    assert first["payment"]["order_id"] is None and first["payment"]["purpose"] == "catalog"
    names = {m["name"] for m in first["methods"]}
    assert "sandbox" in names and not names & {"cash", "transfer"}
    cash = client.post(f"/api/v1/catalog/purchases/{first['reference']}/charge", json={"method": "cash"})
    assert cash.status_code == 422 and "method" in cash.json["message"]


def test_paying_emails_the_file_and_a_link_that_downloads(app, client, smtp):
    work_id = a_work(app, subject="economics", work_type="essay")
    email = address()
    bought = _buy(client, work_id, email)
    # the pay page of the purchase is the shared pay page, reachable without login
    pay_page = client.get(f"/catalog/purchase/{bought['reference']}").data.decode()
    assert "method-sandbox" in pay_page and "Small business lending" in pay_page
    _pay_in_sandbox(client, bought["reference"])
    thanks = client.get(f"/catalog/purchase/{bought['reference']}").data.decode()
    assert "We have e-mailed the work to" in thanks and "download-now" in thanks
    with app.app_context():
        purchase = catalog.by_reference(db.session, bought["reference"])
        purchase_id = purchase.id
        assert purchase.status == "paid" and purchase.customer is not None
        payment = db.session.execute(select(Payment).where(Payment.catalog_purchase_id == purchase.id)).scalar_one()
        assert payment.status == "paid" and payment.order_id is None
        assert send_all(db.session) >= 1
    [message] = smtp.to(email)
    [(name, data)] = [(p.get_filename(), p.get_payload(decode=True)) for p in message.iter_attachments()]
    assert name.endswith(".pdf") and data == _file_bytes(app, work_id)
    link = link_in(message)
    download = client.get(link[link.index("/catalog/"):])
    assert download.status_code == 200 and download.data == data
    assert "attachment" in download.headers["Content-Disposition"]
    status = client.get(f"/api/v1/catalog/purchases/{bought['reference']}").json
    assert status["status"] == "paid" and status["download_url"] == link
    with app.app_context():
        assert db.session.get(CatalogPurchase, purchase_id).downloads == 1


def test_a_replayed_callback_sends_nothing_twice(app, client):
    email = address()
    bought = _buy(client, a_work(app), email)
    charge = _pay_in_sandbox(client, bought["reference"])
    body = callback_body(charge["provider_reference"], "paid", Decimal(charge["amount"]), charge["currency"])
    again = client.post("/payments/callback/sandbox", data=body, headers={SIGNATURE_HEADER: sign(body, app.config)})
    assert again.status_code == 200 and again.json["message"] == "already processed"
    with app.app_context():
        assert db.session.query(Notification).filter(Notification.email == email).count() == 1


def test_no_file_without_a_paid_purchase_and_a_valid_unexpired_token(app, client):
    unpaid = _buy(client, a_work(app), address())
    with app.app_context():
        pending = catalog.by_reference(db.session, unpaid["reference"])
        forged = catalog._serializer(app.config).dumps({"p": pending.id, "n": "guess"})
    assert client.get(f"/catalog/download/{pending.id}/{forged}").status_code == 404

    purchase_id, reference, _email = _paid_purchase(app, client)
    other_id, _ref, _e = _paid_purchase(app, client)
    with app.app_context():
        purchase = db.session.get(CatalogPurchase, purchase_id)
        good = catalog.current_token(purchase)
        other_token = catalog.current_token(db.session.get(CatalogPurchase, other_id))
        expired = catalog.issue_link(db.session, purchase, now=utcnow() - dt.timedelta(hours=49))
        db.session.commit()
    assert client.get(f"/catalog/download/{purchase_id}/{good}").status_code == 404  # replaced by the newer link
    refused = client.get(f"/catalog/download/{purchase_id}/{expired}")
    assert refused.status_code == 410 and b"expired" in refused.data and b"new-link-form" in refused.data
    tampered = expired[:-3] + ("AAA" if not expired.endswith("AAA") else "BBB")
    assert client.get(f"/catalog/download/{purchase_id}/{tampered}").status_code == 404
    assert client.get(f"/catalog/download/{purchase_id}/{other_token}").status_code == 404
    assert client.get(f"/catalog/download/{purchase_id}/garbage").status_code == 404
    assert client.get(f"/api/v1/catalog/purchases/{reference}").json["download_url"] is None  # expired: not shown


def test_an_expired_buyer_gets_a_new_link_at_their_own_address_only(app, client, smtp):
    purchase_id, _reference, email = _paid_purchase(app, client)
    with app.app_context():
        old = catalog.issue_link(db.session, db.session.get(CatalogPurchase, purchase_id),
                                 now=utcnow() - dt.timedelta(hours=72))
        db.session.commit()
    wrong = client.post(f"/catalog/purchase/{purchase_id}/new-link", data={"email": address()})
    assert wrong.status_code == 200 and b"If this is the address" in wrong.data
    right = client.post(f"/api/v1/catalog/purchases/{purchase_id}/new_link", json={"email": email.upper()})
    assert right.status_code == 202
    with app.app_context():
        send_all(db.session)
    messages = smtp.to(email)
    assert [m["Subject"].strip().startswith("New download link") for m in messages] == [False, True]
    fresh = link_in(messages[-1])
    assert client.get(fresh[fresh.index("/catalog/"):]).status_code == 200
    assert client.get(f"/catalog/download/{purchase_id}/{old}").status_code in (404, 410)


def test_a_refund_stops_the_link(app, client, login_as):
    purchase_id, reference, _email = _paid_purchase(app, client)
    with app.app_context():
        token = catalog.current_token(db.session.get(CatalogPurchase, purchase_id))
        payment_id = db.session.execute(select(Payment.id).where(Payment.catalog_purchase_id == purchase_id)).scalar()
    accountant = login_as("accountant")
    refund = accountant.post(f"/api/v1/payment/{payment_id}/refund", json={"reason": "wrong work bought"})
    assert refund.status_code == 200, refund.json
    assert client.get(f"/catalog/download/{purchase_id}/{token}").status_code == 404
    assert client.get(f"/api/v1/catalog/purchases/{reference}").json["status"] == "refunded"


def test_catalog_payments_show_in_the_staff_payment_list_not_to_customers(app, client, login_as):
    purchase_id, _ref, _email = _paid_purchase(app, client)
    manager = login_as("manager").get("/api/v1/payment/?q=(page_size:100)").json["result"]
    assert any((p.get("catalog_purchase") or {}).get("id") == purchase_id for p in manager)
    customer = login_as("customer").get("/api/v1/payment/?q=(page_size:100)").json["result"]
    assert not any((p.get("catalog_purchase") or {}).get("id") == purchase_id for p in customer)
    staff_purchases = login_as("accountant").get("/api/v1/catalog_purchase/").json
    assert staff_purchases["count"] >= 1
    assert login_as("customer").get("/api/v1/catalog_purchase/").status_code in (401, 403)


# -- staff ------------------------------------------------------------------------------------


def test_staff_manage_the_catalog_through_the_api(app, login_as, client):
    manager = login_as("manager")
    bad = manager.post("/api/v1/ready_work/", json={"title": "X", "subject": "law", "work_type": "essay", "pages": 0,
                                                    "summary": "s", "price": "-5", "currency": "RUB"})
    assert bad.status_code == 422 and {"pages", "price"} <= set(bad.json["message"])
    created = manager.post("/api/v1/ready_work/", json={
        "title": "Roman law in one evening", "subject": "law", "work_type": "essay", "pages": 7,
        "summary": "The Twelve Tables to Justinian.", "price": "500", "currency": "RUB", "active": True})
    assert created.status_code == 201, created.json
    work_id = created.json["id"]
    assert client.get(f"/api/v1/catalog/works/{work_id}").status_code == 404  # no file yet: not on sale
    wrong = manager.post(f"/api/v1/ready_work/{work_id}/file",
                         data={"file": (io.BytesIO(b"MZ"), "tool.exe")}, content_type="multipart/form-data")
    assert wrong.status_code == 422 and "file" in wrong.json["message"]
    ok = manager.post(f"/api/v1/ready_work/{work_id}/file", data={"file": (io.BytesIO(b"%PDF-1.4 roman"), "../../evil.pdf")},
                      content_type="multipart/form-data")
    assert ok.status_code == 200 and ok.json["file_name"] == "evil.pdf"
    with app.app_context():
        work = db.session.get(ReadyWork, work_id)
        assert work.file.startswith("catalog/works/") and "evil" not in work.file
    assert client.get(f"/api/v1/catalog/works/{work_id}").json["title"] == "Roman law in one evening"
    assert login_as("customer").post("/api/v1/ready_work/", json={"title": "x"}).status_code == 403
    assert client.get("/api/v1/ready_work/").status_code == 401


def test_staff_add_a_work_with_its_files_in_the_browser(app, login_as):
    owner = login_as("owner")
    response = owner.post("/readyworkview/add", data={
        "title": "Browser-added essay on the Silk Road", "subject": "history", "work_type": "essay", "pages": "8",
        "summary": "Caravans, cities and goods.", "preview_text": "Contents: ...", "price": "650", "currency": "RUB",
        "active": "y", "upload": (io.BytesIO(b"%PDF-1.4 full silk road"), "silk.pdf"),
        "preview_upload": (io.BytesIO(b"first page only"), "silk-preview.txt"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        work = db.session.execute(select(ReadyWork).where(ReadyWork.title == "Browser-added essay on the Silk Road")).scalar_one()
        assert work.file_name == "silk.pdf" and work.preview_name == "silk-preview.txt" and work.file_size == 23
        work_id = work.id
    listing = owner.get("/readyworkview/list/").data.decode()
    assert "Browser-added essay on the Silk Road" in listing
    assert login_as("customer").get("/readyworkview/list/").status_code in (302, 403)
    assert app.test_client().get(f"/catalog/work/{work_id}/preview").data == b"first page only"


def test_catalog_staff_download_the_file_buyers_and_workers_cannot(app, login_as):
    work_id = a_work(app)
    owner = login_as("owner")
    assert f"/readyworkview/file/{work_id}" in owner.get(f"/readyworkview/show/{work_id}").get_data(as_text=True)
    response = owner.get(f"/readyworkview/file/{work_id}")
    assert response.status_code == 200 and response.data == _file_bytes(app, work_id)
    for username in ("customer", "author"):
        refused = login_as(username).get(f"/readyworkview/file/{work_id}")
        assert refused.status_code in (302, 403, 404) and refused.data != _file_bytes(app, work_id)
