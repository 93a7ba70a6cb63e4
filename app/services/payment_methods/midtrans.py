"""Midtrans (Snap API): GoPay, ShopeePay, QRIS and more. https://docs.midtrans.com

Snap: POST {MIDTRANS_SNAP_URL}/snap/v1/transactions with Basic auth (server key, empty
password); the answer holds ``token`` and ``redirect_url``. Notifications are verified with
``signature_key = SHA512(order_id + status_code + gross_amount + server_key)``.
Refunds: POST {MIDTRANS_API_URL}/v2/<order_id>/refund.
"""
from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal

from .base import BadSignature, Charge, PaymentMethod, PaymentNotification, http_json, parse_json

PAYMENT_TYPES = {"gopay": "gopay", "shopeepay": "shopeepay", "qris": "other_qris", "dana": "dana"}
PAID = {"settlement", "capture"}
FAILED = {"deny", "cancel", "expire", "failure"}


def signature(order_id: str, status_code: str, gross_amount: str, server_key: str) -> str:
    return hashlib.sha512(f"{order_id}{status_code}{gross_amount}{server_key}".encode()).hexdigest()


class Midtrans(PaymentMethod):
    name = "midtrans"
    label = "GoPay, ShopeePay, QRIS (Midtrans)"
    currencies = ("IDR",)
    supports_refund = True
    payment_types = tuple(PAYMENT_TYPES)

    def configured(self, config):
        return bool(config.get("MIDTRANS_SERVER_KEY"))

    def snap_request(self, payment, *, return_url, order_id):
        body = {
            "transaction_details": {"order_id": order_id, "gross_amount": int(Decimal(payment.amount))},
            "enabled_payments": [PAYMENT_TYPES[t] for t in
                                 ([payment.payment_type] if payment.payment_type in PAYMENT_TYPES
                                  else ("gopay", "shopeepay", "qris"))],
            "callbacks": {"finish": return_url},
        }
        customer = getattr(getattr(payment, "order", None), "customer", None)
        if customer is not None:
            body["customer_details"] = {"first_name": customer.name, "email": getattr(customer, "email", None) or ""}
        return body

    def create_charge(self, payment, config, *, return_url):
        order_id = f"OF-{payment.id}-{payment.idempotency_key[:10]}"
        body = self.snap_request(payment, return_url=return_url, order_id=order_id)
        answer = http_json("POST", f"{config['MIDTRANS_SNAP_URL'].rstrip('/')}/snap/v1/transactions",
                           body, auth=(config["MIDTRANS_SERVER_KEY"], ""))
        return Charge(provider_reference=order_id, pay_url=answer.get("redirect_url"), request=body)

    def parse_notification(self, body, headers, config):
        data = parse_json(body)
        expected = signature(str(data.get("order_id", "")), str(data.get("status_code", "")),
                             str(data.get("gross_amount", "")), config.get("MIDTRANS_SERVER_KEY") or "")
        if not hmac.compare_digest(str(data.get("signature_key", "")), expected):
            raise BadSignature("midtrans signature_key does not match")
        state = data.get("transaction_status")
        if state == "capture" and data.get("fraud_status") not in (None, "accept"):
            state = "pending"
        status = "paid" if state in PAID else "failed" if state in FAILED else "pending"
        return PaymentNotification(str(data["order_id"]), status, Decimal(str(data.get("gross_amount"))),
                                   data.get("currency") or "IDR", data, data.get("payment_type"))

    def refund(self, payment, amount, config, *, key, reason):
        url = f"{config['MIDTRANS_API_URL'].rstrip('/')}/v2/{payment.provider_reference}/refund"
        return http_json("POST", url, {"refund_key": key, "amount": int(Decimal(amount)), "reason": reason},
                         auth=(config["MIDTRANS_SERVER_KEY"], ""))
