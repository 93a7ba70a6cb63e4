"""Payment method adapters behind one interface (see base.PaymentMethod)."""
from __future__ import annotations

from typing import Any, Mapping

from .base import BadSignature, Charge, GatewayError, PaymentMethod, PaymentNotification  # noqa: F401
from .midtrans import Midtrans
from .offline import BankTransfer, Cash
from .sandbox import Sandbox
from .xendit import Xendit
from .yookassa import YooKassa

METHODS: dict[str, PaymentMethod] = {m.name: m for m in (Cash(), BankTransfer(), Sandbox(), Midtrans(), Xendit(), YooKassa())}


def get_method(name: str) -> PaymentMethod | None:
    return METHODS.get(name)


def configured_methods(config: Mapping[str, Any], currency: str | None = None) -> list[PaymentMethod]:
    """Methods with credentials (a method without them is hidden), for ``currency``."""
    return [m for m in METHODS.values()
            if m.configured(config) and (currency is None or currency in m.currencies)]
