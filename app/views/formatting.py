"""Display helpers used by list and show columns."""
from flask_babel import format_currency, format_datetime


def money(amount, currency) -> str:
    if amount is None:
        return ""
    return format_currency(amount, currency or "IDR")


def when(value) -> str:
    return format_datetime(value, "medium") if value else ""
