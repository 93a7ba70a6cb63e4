"""Display helpers used by list and show columns."""
from flask_babel import format_currency, format_datetime
from markupsafe import Markup, escape


def money(amount, currency) -> str:
    if amount is None:
        return ""
    return format_currency(amount, currency or "IDR")


def when(value) -> str:
    return format_datetime(value, "medium") if value else ""


def details_list(details) -> Markup:
    """An order's form answers as a list of "Field: value" lines instead of raw JSON."""
    if not isinstance(details, dict) or not details:
        return Markup("")
    rows = []
    for name, value in details.items():
        if isinstance(value, bool):
            value = "✓" if value else "–"
        elif isinstance(value, (list, dict)):
            value = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
        label = str(name).replace("_", " ").capitalize()
        rows.append(Markup("<dt>{}</dt><dd>{}</dd>").format(label, value))
    return Markup('<dl class="dl-horizontal order-details">') + Markup("").join(rows) + Markup("</dl>")
