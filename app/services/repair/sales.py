"""Parts sold over the counter: a PartSale with part lines (stock taken at once) and one
payment of purpose "parts" through the payments service. Cash is taken at the counter;
other methods (transfer, e-wallets through the gateways) go through the payment's pay page.
Paid or not is read from the payment, never stored twice. An unpaid sale can be cancelled:
its parts go back to stock and its payment is cancelled."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _
from sqlalchemy import select

from ...models import Payment, PartSale
from ...models.payments import RECEIVED_STATUSES
from ..errors import ValidationFailed
from ..numbering import next_number
from . import lines, tickets

SALE_KIND = "parts_sale"


def sale_total(sale: PartSale) -> Decimal:
    return sum((lines.part_line_charge(line) for line in sale.lines), Decimal("0.00"))


def sale_paid(sale: PartSale) -> bool:
    return sale.payment is not None and sale.payment.status in RECEIVED_STATUSES


def sell(session, *, items: list[dict], actor=None, customer_id=None, customer: dict | None = None,
         currency: str | None = None, method: str = "cash") -> PartSale:
    """Sell ``items`` ([{part_id, condition, quantity}], rows without a part are ignored)."""
    from .. import payments

    items = [i for i in items or [] if str(i.get("part_id") or "").strip()]
    if not items:
        raise ValidationFailed({"items": [_("add at least one part")]})
    buyer = None
    if customer_id not in (None, "") or (customer and any((customer or {}).values())):
        buyer = tickets.find_or_create_customer(session, customer_id=customer_id, customer=customer)
    errors: dict[str, list] = {}
    if currency is None:
        # The sale is in the currency of its first part; every other part must match it.
        first = lines._part(session, items[0].get("part_id"), errors)
        currency = first.currency if first is not None else ""
    built = []
    for index, item in enumerate(items, start=1):
        try:
            built.append(lines.build_part_line(session, part_id=item.get("part_id"), condition=item.get("condition"),
                                               quantity=item.get("quantity"), currency=currency))
        except ValidationFailed as exc:
            errors.update({f"items.{index}.{k}": v for k, v in exc.errors.items()})
    if errors:
        raise ValidationFailed(errors)
    sale = PartSale(number=next_number(session, SALE_KIND), customer=buyer, currency=currency,
                    created_by_id=getattr(actor, "id", None))
    session.add(sale)
    session.flush()
    for line in built:
        line.sale_id, line.created_by_id = sale.id, getattr(actor, "id", None)
        session.add(line)
        session.flush()
        lines.move_stock(session, line.part_id, line.condition, -line.quantity, reason="sale", actor=actor,
                         sale_id=sale.id, line_id=line.id)
    session.refresh(sale)
    total = sale_total(sale)
    if total <= 0:
        raise ValidationFailed({"items": [_("the sale comes to nothing")]})
    payment = Payment(purpose="parts", amount=total, currency=currency, status="pending",
                      idempotency_key=payments._new_key(), created_by_id=getattr(actor, "id", None),
                      instructions=str(_("Counter sale %(number)s", number=sale.number)))
    session.add(payment)
    session.flush()
    sale.payment = payment
    if method == "cash":
        payments.mark_paid(session, payment, actor=actor, method="cash", reference=sale.number)
    session.flush()
    return sale


def cancel_sale(session, sale_id: int, *, actor=None) -> PartSale:
    from .. import payments

    sale = session.get(PartSale, sale_id)
    if sale is None:
        raise ValidationFailed({"sale": [_("unknown sale")]})
    if sale.cancelled or sale_paid(sale):
        raise ValidationFailed({"sale": [_("only an open, unpaid sale can be cancelled (refund a paid one)")]})
    if sale.payment is not None:
        payments.cancel_payment(session, sale.payment, actor=actor)
    for line in sale.lines:
        lines.move_stock(session, line.part_id, line.condition, line.quantity, reason="sale_cancelled",
                         actor=actor, sale_id=sale.id, line_id=line.id)
    sale.cancelled = True
    session.flush()
    return sale


def recent_sales(session, limit=50) -> list[PartSale]:
    return list(session.execute(select(PartSale).order_by(PartSale.id.desc()).limit(limit)).scalars())
