"""YooKassa (RUB). https://yookassa.ru/developers/api

Create: POST {YOOKASSA_API_URL}/v3/payments with Basic auth (shop id, secret key) and an
``Idempotence-Key`` header. Notifications are not signed: the payment is fetched back with
GET /v3/payments/<id> and only what the API says counts. Refunds: POST /v3/refunds.
"""
from __future__ import annotations

from decimal import Decimal

from .base import BadSignature, Charge, GatewayError, PaymentMethod, PaymentNotification, http_json, money_str, parse_json


class YooKassa(PaymentMethod):
    name = "yookassa"
    label = "Bank card, SBP, YooMoney (YooKassa)"
    currencies = ("RUB",)
    supports_refund = True

    def configured(self, config):
        return bool(config.get("YOOKASSA_SHOP_ID") and config.get("YOOKASSA_SECRET_KEY"))

    def _auth(self, config):
        return (str(config["YOOKASSA_SHOP_ID"]), config["YOOKASSA_SECRET_KEY"])

    def _url(self, config, path):
        return f"{config['YOOKASSA_API_URL'].rstrip('/')}{path}"

    def payment_request(self, payment, *, return_url):
        return {
            "amount": {"value": money_str(payment.amount), "currency": payment.currency},
            "capture": True,
            "confirmation": {"type": "redirect", "return_url": return_url},
            "description": f"{payment.purpose} {getattr(payment.order, 'number', '') or ''}".strip()[:128],
            "metadata": {"payment_id": str(payment.id)},
        }

    def create_charge(self, payment, config, *, return_url):
        body = self.payment_request(payment, return_url=return_url)
        answer = http_json("POST", self._url(config, "/v3/payments"), body, auth=self._auth(config),
                           headers={"Idempotence-Key": payment.idempotency_key})
        return Charge(provider_reference=answer["id"],
                      pay_url=(answer.get("confirmation") or {}).get("confirmation_url"), request=body)

    def parse_notification(self, body, headers, config):
        data = parse_json(body)
        obj = data.get("object") or {}
        payment_id = obj.get("id")
        if not payment_id or not isinstance(payment_id, str) or "/" in payment_id:
            raise BadSignature("yookassa notification names no payment")
        try:
            fetched = http_json("GET", self._url(config, f"/v3/payments/{payment_id}"), auth=self._auth(config))
        except GatewayError as exc:
            raise BadSignature(f"yookassa payment could not be fetched: {exc}") from exc
        state = fetched.get("status")
        status = "paid" if state == "succeeded" and fetched.get("paid") else "failed" if state == "canceled" else "pending"
        amount = fetched.get("amount") or {}
        return PaymentNotification(payment_id, status,
                                   Decimal(str(amount["value"])) if "value" in amount else None,
                                   amount.get("currency"), fetched)

    def refund(self, payment, amount, config, *, key, reason):
        body = {"payment_id": payment.provider_reference,
                "amount": {"value": money_str(amount), "currency": payment.currency}, "description": reason[:250]}
        return http_json("POST", self._url(config, "/v3/refunds"), body, auth=self._auth(config),
                         headers={"Idempotence-Key": key})
