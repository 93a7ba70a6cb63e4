"""Payments: requests, each method, signed callbacks (good, bad, replayed, mismatched),
proof verification, cash, refund limits, the order's money, concurrency."""
from __future__ import annotations

import hashlib
import io
import json
import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Order, Payment, PaymentEvent, ServicePaymentMethod
from app.services import payments
from app.services.payment_methods.sandbox import SIGNATURE_HEADER, callback_body, sign
from helpers import login
from money_helpers import FakeProviders, new_order

MIDTRANS_KEY = "SB-Mid-server-TESTKEY"
XENDIT_TOKEN = "xnd-callback-token-test"


@pytest.fixture
def providers(app, monkeypatch):
    with FakeProviders() as fake:
        for key, value in {
            "MIDTRANS_SERVER_KEY": MIDTRANS_KEY, "MIDTRANS_SNAP_URL": fake.url, "MIDTRANS_API_URL": fake.url,
            "XENDIT_SECRET_KEY": "xnd_development_test", "XENDIT_CALLBACK_TOKEN": XENDIT_TOKEN,
            "XENDIT_API_URL": fake.url, "YOOKASSA_SHOP_ID": "123456", "YOOKASSA_SECRET_KEY": "test_secret",
            "YOOKASSA_API_URL": fake.url,
        }.items():
            monkeypatch.setitem(app.config, key, value)
        yield fake


def _request(app, order_id, **kwargs):
    with app.app_context():
        order = db.session.get(Order, order_id)
        payment = payments.request_payment(db.session, order, **kwargs)
        db.session.commit()
        return payment.id


def _get(app, payment_id) -> Payment:
    with app.app_context():
        payment = db.session.get(Payment, payment_id)
        db.session.expunge(payment)
        return payment


def _charge(client, payment_id, method, payment_type=None):
    response = client.post(f"/api/v1/payment/{payment_id}/charge",
                           json={"method": method, "payment_type": payment_type, "return_url": "http://shop.test/back"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _events(app, payment_id, kind):
    with app.app_context():
        return db.session.execute(select(func.count(PaymentEvent.id)).where(
            PaymentEvent.payment_id == payment_id, PaymentEvent.kind == kind)).scalar()


# -- requests and the order's money -------------------------------------------------------

def test_deposit_request_is_half_the_price_idempotent_and_shown_on_the_order(app):
    order_id = new_order(app, price="3000")
    first = _request(app, order_id, purpose="deposit", percent=Decimal("50"))
    again = _request(app, order_id, purpose="deposit", percent=Decimal("50"))
    assert first == again
    assert _get(app, first).amount == Decimal("1500.00") and _get(app, first).status == "pending"
    manager = login(app.test_client(), "manager")
    money = manager.get(f"/api/v1/order/{order_id}/money").get_json()
    assert (money["due"], money["paid"], money["balance"], money["pending"]) == ("3000.00", "0.00", "3000.00", "1500.00")
    html = manager.get(f"/orderview/show/{order_id}").get_data(as_text=True)
    assert 'id="money-panel"' in html and "Deposit" in html


def test_remaining_request_asks_for_what_is_left(app):
    order_id = new_order(app, price="1000")
    deposit = _request(app, order_id, purpose="deposit", amount=Decimal("400"))
    accountant = login(app.test_client(), "accountant")
    assert accountant.post(f"/api/v1/payment/{deposit}/mark_paid").status_code == 200
    response = accountant.post("/api/v1/payment/request", json={"order_id": order_id, "purpose": "balance", "remaining": True})
    assert response.status_code == 200 and response.get_json()["amount"] == "600.00"
    bad = accountant.post("/api/v1/payment/request", json={"order_id": order_id, "purpose": "tip", "amount": "5"})
    assert bad.status_code == 422 and "purpose" in bad.get_json()["message"]


def test_customer_sees_own_payments_only(app):
    mine = _request(app, new_order(app, price="100"), purpose="full", amount=Decimal("100"))
    theirs = _request(app, new_order(app, price="100", customer="PT Maju Jaya"), purpose="full", amount=Decimal("100"))
    customer = login(app.test_client(), "customer")
    assert customer.get(f"/api/v1/payment/{mine}").status_code == 200
    assert customer.get(f"/api/v1/payment/{theirs}").status_code == 404
    assert customer.post(f"/api/v1/payment/{theirs}/charge", json={"method": "sandbox"}).status_code == 404
    assert customer.post(f"/api/v1/payment/{mine}/mark_paid").status_code == 403  # staff only


# -- which methods ------------------------------------------------------------------------

def test_methods_without_credentials_are_hidden_and_per_currency(app, providers, monkeypatch):
    idr = _request(app, new_order(app, price="100"), purpose="full", amount=Decimal("100"))
    rub = _request(app, new_order(app, price="100", currency="RUB"), purpose="full", amount=Decimal("100"))
    customer = login(app.test_client(), "customer")
    names = lambda pid: {m["name"] for m in customer.get(f"/api/v1/payment/{pid}/methods").get_json()["methods"]}
    assert names(idr) == {"cash", "transfer", "sandbox", "midtrans", "xendit"}
    assert names(rub) == {"cash", "transfer", "sandbox", "yookassa"}
    monkeypatch.setitem(app.config, "MIDTRANS_SERVER_KEY", "")
    monkeypatch.setitem(app.config, "YOOKASSA_SECRET_KEY", "")
    assert "midtrans" not in names(idr) and "yookassa" not in names(rub)
    refused = customer.post(f"/api/v1/payment/{idr}/charge", json={"method": "midtrans"})
    assert refused.status_code == 422 and "method" in refused.get_json()["message"]


def test_service_offers_only_its_configured_methods(app, providers):
    order_id = new_order(app, price="100")
    pid = _request(app, order_id, purpose="full", amount=Decimal("100"))
    with app.app_context():
        service_id = db.session.get(Order, order_id).service_id
        db.session.add_all([ServicePaymentMethod(service_id=service_id, currency="IDR", method=m) for m in ("cash", "xendit")])
        db.session.commit()
    try:
        customer = login(app.test_client(), "customer")
        methods = customer.get(f"/api/v1/payment/{pid}/methods").get_json()["methods"]
        assert {m["name"] for m in methods} == {"cash", "xendit"}
    finally:
        with app.app_context():
            db.session.query(ServicePaymentMethod).filter_by(service_id=service_id).delete()
            db.session.commit()


# -- sandbox gateway ----------------------------------------------------------------------

def _sandbox_post(client, app, reference, status, amount, currency, *, secret_ok=True):
    body = callback_body(reference, status, amount, currency)
    signature = sign(body, app.config) if secret_ok else "0" * 64
    return client.post("/payments/callback/sandbox", data=body, headers={SIGNATURE_HEADER: signature},
                       content_type="application/json")


def test_sandbox_callback_good_bad_replayed_and_mismatched(app):
    order_id = new_order(app, price="2000")
    pid = _request(app, order_id, purpose="deposit", percent=Decimal("50"))
    customer = login(app.test_client(), "customer")
    charged = _charge(customer, pid, "sandbox")
    reference = charged["provider_reference"]
    assert charged["pay_url"] == f"/payments/sandbox/{reference}"
    anonymous = app.test_client()
    bad = _sandbox_post(anonymous, app, reference, "paid", "1000.00", "IDR", secret_ok=False)
    assert bad.status_code == 401 and _get(app, pid).status == "pending"
    with app.app_context():
        assert db.session.execute(select(func.count(PaymentEvent.id)).where(
            PaymentEvent.kind == "bad_signature", PaymentEvent.provider == "sandbox")).scalar() >= 1
    mismatch = _sandbox_post(anonymous, app, reference, "paid", "10.00", "IDR")
    assert mismatch.status_code == 200
    flagged = _get(app, pid)
    assert flagged.status == "pending" and flagged.flagged and "10.00" in flagged.flag_reason
    good = _sandbox_post(anonymous, app, reference, "paid", "1000.00", "IDR")
    assert good.status_code == 200 and _get(app, pid).status == "paid"
    replay = _sandbox_post(anonymous, app, reference, "paid", "1000.00", "IDR")
    assert replay.status_code == 200 and replay.get_json()["message"] == "already processed"
    assert _events(app, pid, "paid") == 1 and _events(app, pid, "replayed") == 1
    money = customer.get(f"/api/v1/order/{order_id}/money").get_json()
    assert (money["paid"], money["balance"]) == ("1000.00", "1000.00")


def test_sandbox_pay_page_fail_button_marks_failed(app):
    pid = _request(app, new_order(app, price="500"), purpose="full", amount=Decimal("500"))
    customer = login(app.test_client(), "customer")
    reference = _charge(customer, pid, "sandbox")["provider_reference"]
    page = customer.get(f"/payments/sandbox/{reference}")
    assert page.status_code == 200 and "500.00 IDR" in page.get_data(as_text=True)
    customer.post(f"/payments/sandbox/{reference}", data={"outcome": "fail"})
    assert _get(app, pid).status == "failed"


# -- Midtrans -----------------------------------------------------------------------------

def _midtrans_body(order_id, status_code, gross, transaction_status, key=MIDTRANS_KEY, payment_type="gopay"):
    signature = hashlib.sha512(f"{order_id}{status_code}{gross}{key}".encode()).hexdigest()
    return {"transaction_time": "2026-11-23 10:00:00", "transaction_status": transaction_status,
            "transaction_id": "9aed5972-5b6a-401e-894b-a32c91ed1a3a", "status_message": "midtrans payment notification",
            "status_code": status_code, "signature_key": signature, "payment_type": payment_type,
            "order_id": order_id, "merchant_id": "G141532850", "gross_amount": gross, "fraud_status": "accept",
            "currency": "IDR"}


def test_midtrans_snap_request_and_signed_notifications(app, providers):
    pid = _request(app, new_order(app, price="150000"), purpose="full", amount=Decimal("150000"))
    customer = login(app.test_client(), "customer")
    charged = _charge(customer, pid, "midtrans", "gopay")
    snap = providers.requests[-1]
    assert snap["path"] == "/snap/v1/transactions" and snap["headers"]["Authorization"].startswith("Basic ")
    assert snap["body"]["transaction_details"] == {"order_id": charged["provider_reference"], "gross_amount": 150000}
    assert snap["body"]["enabled_payments"] == ["gopay"]
    assert charged["pay_url"].startswith("https://app.sandbox.midtrans.com/snap/")
    ref, post = charged["provider_reference"], app.test_client().post
    forged = post("/payments/callback/midtrans", json=_midtrans_body(ref, "200", "150000.00", "settlement", key="wrong"))
    assert forged.status_code == 401 and _get(app, pid).status == "pending"
    short = post("/payments/callback/midtrans", json=_midtrans_body(ref, "200", "1000.00", "settlement"))
    assert short.status_code == 200 and _get(app, pid).flagged and _get(app, pid).status == "pending"
    good = post("/payments/callback/midtrans", json=_midtrans_body(ref, "200", "150000.00", "settlement"))
    assert good.status_code == 200 and _get(app, pid).status == "paid" and _get(app, pid).payment_type == "gopay"
    replay = post("/payments/callback/midtrans", json=_midtrans_body(ref, "200", "150000.00", "settlement"))
    assert replay.get_json()["message"] == "already processed" and _events(app, pid, "paid") == 1


def test_midtrans_expired_notification_fails_the_payment(app, providers):
    pid = _request(app, new_order(app, price="20000"), purpose="full", amount=Decimal("20000"))
    ref = _charge(login(app.test_client(), "customer"), pid, "midtrans", "qris")["provider_reference"]
    assert providers.requests[-1]["body"]["enabled_payments"] == ["other_qris"]
    app.test_client().post("/payments/callback/midtrans", json=_midtrans_body(ref, "407", "20000.00", "expire"))
    assert _get(app, pid).status == "failed"


# -- Xendit -------------------------------------------------------------------------------

def _xendit_body(external_id, amount, status="PAID", currency="IDR"):
    return {"id": "579c8d61f23fa4ca35e52da4", "external_id": external_id, "user_id": "5781d19b2e2385880609791c",
            "is_high": False, "payment_method": "EWALLET", "status": status, "merchant_name": "Orderflow",
            "amount": amount, "paid_amount": amount, "paid_at": "2026-11-23T10:00:00.000Z",
            "payer_email": "customer@example.com", "description": "full", "currency": currency,
            "payment_channel": "OVO"}


def test_xendit_invoice_and_callback_token(app, providers):
    pid = _request(app, new_order(app, price="75000"), purpose="full", amount=Decimal("75000"))
    charged = _charge(login(app.test_client(), "customer"), pid, "xendit", "ovo")
    invoice = providers.requests[-1]
    assert invoice["path"] == "/v2/invoices"
    assert invoice["body"]["external_id"] == charged["provider_reference"]
    assert invoice["body"]["amount"] == 75000 and invoice["body"]["payment_methods"] == ["OVO"]
    assert charged["pay_url"].startswith("https://checkout.xendit.co/web/")
    ref, post = charged["provider_reference"], app.test_client().post
    assert post("/payments/callback/xendit", json=_xendit_body(ref, 75000)).status_code == 401  # no token
    wrong = post("/payments/callback/xendit", json=_xendit_body(ref, 75000), headers={"x-callback-token": "nope"})
    assert wrong.status_code == 401 and _get(app, pid).status == "pending"
    usd = post("/payments/callback/xendit", json=_xendit_body(ref, 75000, currency="USD"),
               headers={"x-callback-token": XENDIT_TOKEN})
    assert usd.status_code == 200 and _get(app, pid).flagged and _get(app, pid).status == "pending"
    good = post("/payments/callback/xendit", json=_xendit_body(ref, 75000), headers={"x-callback-token": XENDIT_TOKEN})
    assert good.status_code == 200 and _get(app, pid).status == "paid"
    post("/payments/callback/xendit", json=_xendit_body(ref, 75000), headers={"x-callback-token": XENDIT_TOKEN})
    assert _events(app, pid, "paid") == 1 and _events(app, pid, "replayed") == 1


# -- YooKassa -----------------------------------------------------------------------------

def _yookassa_notification(payment_id, status="succeeded", value="3000.00"):
    return {"type": "notification", "event": f"payment.{status}",
            "object": {"id": payment_id, "status": status, "paid": status == "succeeded",
                       "amount": {"value": value, "currency": "RUB"}}}


def test_yookassa_create_and_notification_checked_by_fetching(app, providers):
    pid = _request(app, new_order(app, price="3000", currency="RUB"), purpose="full", amount=Decimal("3000"))
    charged = _charge(login(app.test_client(), "customer"), pid, "yookassa")
    create = providers.requests[-1]
    assert create["path"] == "/v3/payments" and create["headers"]["Idempotence-Key"] == _get(app, pid).idempotency_key
    assert create["body"]["amount"] == {"value": "3000.00", "currency": "RUB"} and create["body"]["capture"] is True
    assert create["body"]["confirmation"]["type"] == "redirect"
    yk_id = charged["provider_reference"]
    post = app.test_client().post
    # A forged "succeeded" notification: the API still says pending, so nothing is paid.
    assert post("/payments/callback/yookassa", json=_yookassa_notification(yk_id)).status_code == 200
    assert _get(app, pid).status == "pending"
    assert providers.requests[-1]["method"] == "GET" and providers.requests[-1]["path"] == f"/v3/payments/{yk_id}"
    unknown = post("/payments/callback/yookassa", json=_yookassa_notification("2b9a3b0e-000f-5000-9000-1a2b3c4d5e6f"))
    assert unknown.status_code == 401
    providers.yookassa[yk_id].update(status="succeeded", paid=True)
    assert post("/payments/callback/yookassa", json=_yookassa_notification(yk_id)).status_code == 200
    assert _get(app, pid).status == "paid"
    post("/payments/callback/yookassa", json=_yookassa_notification(yk_id))
    assert _events(app, pid, "paid") == 1 and _events(app, pid, "replayed") == 1


def test_yookassa_amount_mismatch_is_flagged(app, providers):
    pid = _request(app, new_order(app, price="3000", currency="RUB"), purpose="full", amount=Decimal("3000"))
    yk_id = _charge(login(app.test_client(), "customer"), pid, "yookassa")["provider_reference"]
    providers.yookassa[yk_id].update(status="succeeded", paid=True, amount={"value": "30.00", "currency": "RUB"})
    app.test_client().post("/payments/callback/yookassa", json=_yookassa_notification(yk_id))
    payment = _get(app, pid)
    assert payment.status == "pending" and payment.flagged


# -- cash and bank transfer -----------------------------------------------------------------

def test_cash_marked_paid_by_staff(app):
    order_id = new_order(app, price="250")
    pid = _request(app, order_id, purpose="full", amount=Decimal("250"))
    accountant = login(app.test_client(), "accountant")
    assert accountant.post(f"/api/v1/payment/{pid}/mark_paid").get_json()["status"] == "paid"
    again = accountant.post(f"/api/v1/payment/{pid}/mark_paid")
    assert again.status_code == 422 and "status" in again.get_json()["message"]
    assert accountant.get(f"/api/v1/order/{order_id}/money").get_json()["balance"] == "0.00"


def test_bank_transfer_proof_rejected_with_reason_then_verified(app):
    pid = _request(app, new_order(app, price="900"), purpose="full", amount=Decimal("900"))
    customer = login(app.test_client(), "customer")
    upload = lambda: customer.post(f"/api/v1/payment/{pid}/proof", content_type="multipart/form-data",
                                   data={"file": (io.BytesIO(b"%PDF-1.4 transfer receipt"), "receipt.pdf")})
    first = upload()
    assert first.status_code == 200 and first.get_json()["status"] == "awaiting_verification"
    manager = login(app.test_client(), "manager")
    no_reason = manager.post(f"/api/v1/payment/{pid}/verify", json={"accept": False})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["message"]
    rejected = manager.post(f"/api/v1/payment/{pid}/verify", json={"accept": False, "reason": "Amount not visible"})
    assert rejected.get_json()["status"] == "pending" and rejected.get_json()["rejection_reason"] == "Amount not visible"
    assert upload().status_code == 200
    assert customer.post(f"/api/v1/payment/{pid}/verify", json={"accept": True}).status_code == 403
    verified = login(app.test_client(), "accountant").post(f"/api/v1/payment/{pid}/verify", json={"accept": True})
    assert verified.get_json()["status"] == "paid"
    payment = _get(app, pid)
    assert payment.proof_id and payment.verified_by_id and payment.method == "transfer"


def test_bank_transfer_in_the_browser(app):
    pid = _request(app, new_order(app, price="300"), purpose="full", amount=Decimal("300"))
    customer = login(app.test_client(), "customer")
    page = customer.get(f"/paymentview/pay/{pid}").get_data(as_text=True)
    assert "Bank transfer" in page and "Sandbox gateway" in page
    customer.post(f"/paymentview/proof/{pid}", content_type="multipart/form-data",
                  data={"file": (io.BytesIO(b"receipt"), "receipt.png")})
    manager = login(app.test_client(), "manager")
    html = manager.post(f"/paymentview/verify/{pid}", data={"decision": "reject"}, follow_redirects=True).get_data(as_text=True)
    assert "reason: is required when rejecting a proof" in html and _get(app, pid).status == "awaiting_verification"
    manager.post(f"/paymentview/verify/{pid}", data={"decision": "accept"})
    assert _get(app, pid).status == "paid"


# -- refunds ------------------------------------------------------------------------------

def test_refunds_never_exceed_what_was_paid(app):
    order_id = new_order(app, price="1000")
    pid = _request(app, order_id, purpose="full", amount=Decimal("1000"))
    accountant = login(app.test_client(), "accountant")
    accountant.post(f"/api/v1/payment/{pid}/mark_paid")
    no_reason = accountant.post(f"/api/v1/payment/{pid}/refund", json={"amount": "100"})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["message"]
    part = accountant.post(f"/api/v1/payment/{pid}/refund", json={
        "amount": "300", "reason": "Used part sold as new", "decision": {"rule_set": "repair.refund", "version": 1}})
    assert part.status_code == 200
    refund = part.get_json()
    assert refund["refund_of_id"] == pid and refund["amount"] == "300.00" and refund["status"] == "paid"
    assert refund["method"] == "manual"  # cash cannot go back through a gateway: paid out by hand
    assert _get(app, pid).status == "partly_refunded"
    too_much = accountant.post(f"/api/v1/payment/{pid}/refund", json={"amount": "700.01", "reason": "again"})
    assert too_much.status_code == 422 and "700.00" in json.dumps(too_much.get_json()["message"])
    rest = accountant.post(f"/api/v1/payment/{pid}/refund", json={"reason": "Customer withdrew"})
    assert rest.get_json()["amount"] == "700.00" and _get(app, pid).status == "refunded"
    assert accountant.post(f"/api/v1/payment/{pid}/refund", json={"amount": "1", "reason": "x"}).status_code == 422
    money = accountant.get(f"/api/v1/order/{order_id}/money").get_json()
    assert (money["paid"], money["refunded"], money["balance"]) == ("0.00", "1000.00", "1000.00")
    with app.app_context():
        decision = db.session.execute(select(Payment.decision).where(Payment.refund_of_id == pid, Payment.amount == 300)).scalar()
        assert decision["rule_set"] == "repair.refund"


def test_refund_through_the_gateway_when_it_supports_it(app, providers):
    pid = _request(app, new_order(app, price="3000", currency="RUB"), purpose="full", amount=Decimal("3000"))
    yk_id = _charge(login(app.test_client(), "customer"), pid, "yookassa")["provider_reference"]
    providers.yookassa[yk_id].update(status="succeeded", paid=True)
    app.test_client().post("/payments/callback/yookassa", json=_yookassa_notification(yk_id))
    refund = login(app.test_client(), "accountant").post(f"/api/v1/payment/{pid}/refund",
                                                         json={"amount": "1000", "reason": "Late delivery"}).get_json()
    sent = providers.requests[-1]
    assert sent["path"] == "/v3/refunds" and sent["body"]["payment_id"] == yk_id
    assert sent["body"]["amount"] == {"value": "1000.00", "currency": "RUB"} and sent["headers"]["Idempotence-Key"]
    assert refund["method"] == "yookassa" and refund["status"] == "paid"


def test_refund_in_the_browser_over_the_limit_changes_nothing(app):
    pid = _request(app, new_order(app, price="100"), purpose="full", amount=Decimal("100"))
    accountant = login(app.test_client(), "accountant")
    accountant.post(f"/paymentview/mark_paid/{pid}")
    html = accountant.post(f"/paymentview/refund/{pid}", data={"amount": "150", "reason": "x"},
                           follow_redirects=True).get_data(as_text=True)
    assert "amount: must be more than 0 and at most 100.00" in html and _get(app, pid).status == "paid"


# -- concurrency ----------------------------------------------------------------------------

def test_concurrent_duplicate_callbacks_pay_once(app):
    pid = _request(app, new_order(app, price="800"), purpose="full", amount=Decimal("800"))
    reference = _charge(login(app.test_client(), "customer"), pid, "sandbox")["provider_reference"]
    body = callback_body(reference, "paid", "800.00", "IDR")
    headers = {SIGNATURE_HEADER: sign(body, app.config)}
    results, barrier = [], threading.Barrier(6)

    def post():
        client = app.test_client()
        barrier.wait()
        results.append(client.post("/payments/callback/sandbox", data=body, headers=headers,
                                   content_type="application/json").status_code)

    threads = [threading.Thread(target=post) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(200) == 6
    assert _get(app, pid).status == "paid" and _events(app, pid, "paid") == 1
