"""Built-in sandbox gateway: our own pay page and HMAC-signed callbacks."""
from __future__ import annotations

import hashlib
import hmac
import json
from decimal import Decimal

from .base import BadSignature, Charge, PaymentMethod, PaymentNotification, money_str, parse_json

SIGNATURE_HEADER = "X-Sandbox-Signature"


def sandbox_secret(config) -> bytes:
    return (config.get("SANDBOX_GATEWAY_SECRET") or f"sandbox:{config.get('SECRET_KEY')}").encode()


def sign(body: bytes, config) -> str:
    return hmac.new(sandbox_secret(config), body, hashlib.sha256).hexdigest()


def callback_body(reference: str, status: str, amount, currency: str) -> bytes:
    return json.dumps({"reference": reference, "status": status, "amount": money_str(amount),
                       "currency": currency}, sort_keys=True).encode()


class Sandbox(PaymentMethod):
    name = "sandbox"
    label = "Sandbox gateway (test payments)"
    currencies = ("IDR", "RUB", "USD", "EUR")
    supports_refund = True

    def configured(self, config):
        return bool(config.get("SANDBOX_GATEWAY_ENABLED"))

    def create_charge(self, payment, config, *, return_url):
        reference = f"SBX-{payment.id}-{payment.idempotency_key[:10]}"
        return Charge(provider_reference=reference, pay_url=f"/payments/sandbox/{reference}",
                      request={"reference": reference, "amount": money_str(payment.amount),
                               "currency": payment.currency, "return_url": return_url})

    def parse_notification(self, body, headers, config):
        given = headers.get(SIGNATURE_HEADER) or headers.get(SIGNATURE_HEADER.lower()) or ""
        if not hmac.compare_digest(given, sign(body, config)):
            raise BadSignature("sandbox signature does not match")
        data = parse_json(body)
        status = {"paid": "paid", "failed": "failed"}.get(data.get("status"), "pending")
        return PaymentNotification(str(data.get("reference")), status, Decimal(str(data.get("amount"))),
                                   data.get("currency"), data)

    def refund(self, payment, amount, config, *, key, reason):
        return {"sandbox_refund": key, "amount": money_str(amount)}
