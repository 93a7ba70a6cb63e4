"""Done-when through the API: the customer pays the 50% deposit through the sandbox gateway,
the order moves on (transitions.advance_after_payment) and the balance shows what is left."""
from sqlalchemy import select

from app.extensions import db
from app.models import Notification, Order, Payment
from app.services.payment_methods.sandbox import SIGNATURE_HEADER, callback_body, sign
from deposit_helpers import writing_order_awaiting_deposit
from helpers import login


def test_customer_pays_deposit_through_sandbox_via_api(app):
    order_id = writing_order_awaiting_deposit(app)
    with app.app_context():  # the workflow's notify effect went through the outbox, in-app and e-mail
        told = db.session.execute(select(Notification).where(
            Notification.order_id == order_id, Notification.template == "deposit_due")).scalars().all()
        assert {n.channel for n in told} == {"email", "inapp"}
        assert all("1500.00 RUB" in n.body for n in told)
        # one message per channel about the deposit: the workflow's, not also a generic one
        generic = db.session.execute(select(Notification.id).where(
            Notification.order_id == order_id, Notification.template == "payment_requested")).all()
        assert generic == []
    customer = login(app.test_client(), "customer")
    money = customer.get(f"/api/v1/order/{order_id}/money").get_json()
    [deposit] = [p for p in money["payments"] if p["purpose"] == "deposit"]
    assert (money["due"], deposit["amount"], deposit["status"]) == ("3000.00", "1500.00", "pending")
    charged = customer.post(f"/api/v1/payment/{deposit['id']}/charge", json={"method": "sandbox"}).get_json()
    body = callback_body(charged["provider_reference"], "paid", "1500.00", "RUB")
    answer = app.test_client().post("/payments/callback/sandbox", data=body, content_type="application/json",
                                    headers={SIGNATURE_HEADER: sign(body, app.config)})
    assert answer.status_code == 200
    money = customer.get(f"/api/v1/order/{order_id}/money").get_json()
    assert (money["paid"], money["balance"], money["state"]) == ("1500.00", "1500.00", "started")
    with app.app_context():
        order = db.session.get(Order, order_id)
        assert [e.trigger for e in order.events][-1] == "pay_deposit"
        assert db.session.execute(select(Payment.status).where(Payment.id == deposit["id"])).scalar() == "paid"
