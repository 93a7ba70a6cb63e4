"""One interface for every payment method: create a charge, verify a notification, refund.

Adapters get plain data (the Payment row, the app config as a dict) and never touch the
request object: the callback endpoint passes the raw body and headers.
"""
from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Mapping


class BadSignature(Exception):
    """A notification whose signature, token or verification failed."""


class GatewayError(Exception):
    """The provider's API refused or could not be reached."""


@dataclass
class Charge:
    provider_reference: str | None = None
    pay_url: str | None = None
    instructions: str | None = None
    request: dict = field(default_factory=dict)  # the body sent to the provider


@dataclass
class PaymentNotification:
    """A verified event: ``status`` is paid, failed or pending."""

    provider_reference: str
    status: str
    amount: Decimal | None
    currency: str | None
    raw: dict = field(default_factory=dict)
    payment_type: str | None = None


def money_str(amount: Decimal) -> str:
    return f"{Decimal(amount).quantize(Decimal('0.01'))}"


def http_json(method: str, url: str, body: dict | None = None, *, auth: tuple[str, str] | None = None,
              headers: Mapping[str, str] | None = None, timeout: float = 15) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if auth:
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read().decode() or "{}")
    except urllib.error.HTTPError as exc:
        raise GatewayError(f"{method} {url}: HTTP {exc.code} {exc.read()[:300]!r}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise GatewayError(f"{method} {url}: {exc}") from exc


class PaymentMethod:
    name = ""
    label = ""
    currencies: tuple[str, ...] = ()
    online = True          # the customer pays on a provider page
    supports_refund = False
    payment_types: tuple[str, ...] = ()

    def configured(self, config: Mapping[str, Any]) -> bool:
        return True

    def create_charge(self, payment, config: Mapping[str, Any], *, return_url: str) -> Charge:
        raise NotImplementedError

    def parse_notification(self, body: bytes, headers: Mapping[str, str], config: Mapping[str, Any]) -> PaymentNotification:
        raise BadSignature(f"{self.name} sends no notifications")

    def refund(self, payment, amount: Decimal, config: Mapping[str, Any], *, key: str, reason: str) -> dict:
        raise NotImplementedError


def parse_json(body: bytes) -> dict:
    try:
        data = json.loads(body.decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadSignature(f"body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise BadSignature("body is not a JSON object")
    return data
