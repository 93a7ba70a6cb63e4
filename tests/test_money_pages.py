"""The money pages open for the roles that use them, in each language."""
import pytest

from helpers import login


@pytest.mark.parametrize("role,url", [
    ("owner", "/servicepaymentmethodview/list/"),
    ("owner", "/workershareview/list/"),
    ("admin", "/notificationtemplateview/list/"),
    ("accountant", "/payoutview/due"),
    ("author.ivanova", "/ledgerentryview/mine"),
    ("customer", "/paymentview/list/"),
    ("customer", "/inbox/"),
])
@pytest.mark.parametrize("lang", ["en", "id", "ru"])
def test_money_pages_open(app, role, url, lang):
    client = login(app.test_client(), role)
    client.get(f"/lang/{lang}")
    assert client.get(url).status_code == 200


def test_demo_has_a_deposit_to_pay_and_a_due_payout(app):
    customer = login(app.test_client(), "customer")
    payments = customer.get("/api/v1/payment/?q=(filters:!((col:status,opr:eq,value:pending)))").get_json()["result"]
    assert any(p["purpose"] == "deposit" for p in payments)
    rows = login(app.test_client(), "accountant").get("/payoutview/export.csv").get_data(as_text=True)
    assert "author.ivanova" in rows
    mine = login(app.test_client(), "author.ivanova").get("/ledgerentryview/mine").get_data(as_text=True)
    assert "demo earning" in mine


def test_payment_method_config_names_a_bad_method(app):
    owner = login(app.test_client(), "owner")
    from app.extensions import db
    from app.models import Service
    from sqlalchemy import select

    with app.app_context():
        service_id = db.session.execute(select(Service.id).where(Service.code == "PAPER")).scalar_one()
    html = owner.post("/servicepaymentmethodview/add", data={"service": service_id, "currency": "RUB",
                                                             "method": "bitcoin", "enabled": "y"},
                      follow_redirects=True).get_data(as_text=True)
    assert "method: unknown method" in html


def test_manager_requests_a_payment_from_the_order_page(app):
    from decimal import Decimal

    from sqlalchemy import select

    from app.extensions import db
    from app.models import Payment
    from money_helpers import new_order

    order_id = new_order(app, price="4000")
    manager = login(app.test_client(), "manager")
    html = manager.post(f"/paymentview/request/{order_id}", data={"purpose": "deposit", "percent": "abc"},
                        follow_redirects=True).get_data(as_text=True)
    assert "percent: is not a number" in html
    html = manager.post(f"/paymentview/request/{order_id}", data={"purpose": "deposit", "percent": "25"},
                        follow_redirects=True).get_data(as_text=True)
    assert "Payment requested." in html and "1,000.00" in html
    with app.app_context():
        amounts = db.session.execute(select(Payment.amount).where(Payment.order_id == order_id)).scalars().all()
    assert amounts == [Decimal("1000.00")]
    assert login(app.test_client(), "customer").post(
        f"/paymentview/request/{order_id}", data={"purpose": "full"}).status_code in (302, 403)
    with app.app_context():
        assert db.session.execute(select(Payment.id).where(Payment.order_id == order_id)).scalars().all().__len__() == 1
