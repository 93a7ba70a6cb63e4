"""Cash at the counter and bank transfer with an uploaded proof."""
from __future__ import annotations

from .base import Charge, PaymentMethod, money_str


class Cash(PaymentMethod):
    name = "cash"
    label = "Cash at the counter"
    currencies = ("IDR", "RUB", "USD", "EUR")
    online = False

    def create_charge(self, payment, config, *, return_url):
        return Charge(instructions=f"Pay {money_str(payment.amount)} {payment.currency} in cash at the "
                                   f"counter, quoting payment P-{payment.id}.")

    def refund(self, payment, amount, config, *, key, reason):
        return {"manual": True}


class BankTransfer(PaymentMethod):
    name = "transfer"
    label = "Bank transfer (upload the proof)"
    currencies = ("IDR", "RUB", "USD", "EUR")
    online = False

    def configured(self, config):
        return bool(config.get("BANK_TRANSFER_INSTRUCTIONS"))

    def create_charge(self, payment, config, *, return_url):
        return Charge(instructions=(
            f"{config.get('BANK_TRANSFER_INSTRUCTIONS')}\n"
            f"Amount: {money_str(payment.amount)} {payment.currency}. Reference: P-{payment.id}. "
            f"Then upload the proof of payment on this page."))

    def refund(self, payment, amount, config, *, key, reason):
        return {"manual": True}
