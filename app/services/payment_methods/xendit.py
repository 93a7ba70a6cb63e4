"""Xendit invoices: OVO, DANA, ShopeePay, QRIS. https://developers.xendit.co

POST {XENDIT_API_URL}/v2/invoices with Basic auth (secret key, empty password); the
callback carries the ``x-callback-token`` header, compared with XENDIT_CALLBACK_TOKEN.
Invoices are refunded by hand here (recorded as paid out manually).
"""
from __future__ import annotations

import hmac
from decimal import Decimal

from .base import BadSignature, Charge, PaymentMethod, PaymentNotification, http_json, parse_json

PAYMENT_TYPES = {"ovo": "OVO", "dana": "DANA", "shopeepay": "SHOPEEPAY", "qris": "QRIS"}


class Xendit(PaymentMethod):
    name = "xendit"
    label = "OVO, DANA, ShopeePay, QRIS (Xendit)"
    currencies = ("IDR",)
    payment_types = tuple(PAYMENT_TYPES)

    def configured(self, config):
        return bool(config.get("XENDIT_SECRET_KEY") and config.get("XENDIT_CALLBACK_TOKEN"))

    def invoice_request(self, payment, *, return_url, external_id):
        types = [payment.payment_type] if payment.payment_type in PAYMENT_TYPES else list(PAYMENT_TYPES)
        return {
            "external_id": external_id,
            "amount": int(Decimal(payment.amount)),
            "currency": payment.currency,
            "description": f"{payment.purpose} {getattr(payment.order, 'number', '') or ''}".strip(),
            "payment_methods": [PAYMENT_TYPES[t] for t in types],
            "success_redirect_url": return_url,
            "failure_redirect_url": return_url,
        }

    def create_charge(self, payment, config, *, return_url):
        external_id = f"OF-{payment.id}-{payment.idempotency_key[:10]}"
        body = self.invoice_request(payment, return_url=return_url, external_id=external_id)
        answer = http_json("POST", f"{config['XENDIT_API_URL'].rstrip('/')}/v2/invoices", body,
                           auth=(config["XENDIT_SECRET_KEY"], ""))
        return Charge(provider_reference=external_id, pay_url=answer.get("invoice_url"), request=body)

    def parse_notification(self, body, headers, config):
        token = headers.get("x-callback-token") or headers.get("X-Callback-Token") or ""
        if not config.get("XENDIT_CALLBACK_TOKEN") or not hmac.compare_digest(token, config["XENDIT_CALLBACK_TOKEN"]):
            raise BadSignature("xendit x-callback-token does not match")
        data = parse_json(body)
        state = str(data.get("status", "")).upper()
        status = "paid" if state in ("PAID", "SETTLED") else "failed" if state in ("EXPIRED", "FAILED") else "pending"
        amount = data.get("paid_amount", data.get("amount"))
        return PaymentNotification(str(data.get("external_id")), status,
                                   Decimal(str(amount)) if amount is not None else None,
                                   data.get("currency"), data, data.get("payment_method"))
