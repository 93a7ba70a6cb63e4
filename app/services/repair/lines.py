"""Parts stock, part and labour lines, and the totals an order's price comes from.

Stock changes with one conditional ``UPDATE repair_part SET stock = stock + :delta WHERE
stock + :delta >= 0 RETURNING stock``: two technicians taking the last unit at once cannot
both succeed, on SQLite and PostgreSQL alike. Every change writes a StockMovement.

A line change locks the order (``FOR UPDATE`` on PostgreSQL) and rewrites ``Order.price``
through the ORM, whose version counter makes a concurrent change of the same order fail
(ConcurrentChange, HTTP 409) instead of silently winning.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.util import identity_key

from ...models import LabourLine, Order, OrderEvent, Part, PartLine, RepairTicket, StockMovement
from ...models.repair import PART_CONDITIONS
from ...models.types import utcnow
from ..errors import ValidationFailed

CENT = Decimal("0.01")
#: States in which a ticket's lines and diagnosis may change (after "ready" the bill is out).
EDITABLE_STATES = frozenset({"received", "diagnosing", "warranty_check", "repairing"})
REPAIR_KIND = "repair_ticket"


class NotEditable(ValidationFailed):
    http_status = 409


def money(value, field_name: str, errors: dict, *, required=True, default=None) -> Decimal | None:
    """A Decimal amount >= 0 from user input, or an error naming the field."""
    if value in (None, ""):
        if required and default is None:
            errors[field_name] = [_("is required")]
        return default
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        errors[field_name] = [_("must be a number")]
        return default
    if not amount.is_finite() or amount < 0:
        errors[field_name] = [_("must be zero or more")]
        return default
    return amount.quantize(CENT)


def whole(value, field_name: str, errors: dict, *, minimum=1, default=1) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(str(value).strip())
    except ValueError:
        errors[field_name] = [_("must be a whole number")]
        return default
    if number < minimum:
        errors[field_name] = [_("must be at least %(min)s", min=minimum)]
    return number


# --------------------------------------------------------------------------- the order


def lock_order(session, order_id) -> Order:
    query = select(Order).where(Order.id == order_id).execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    order = session.execute(query).scalar_one_or_none()
    if order is None or order.workflow_key != REPAIR_KIND:
        raise LookupError(f"repair ticket {order_id} does not exist")
    return order


def editable_order(session, order_id) -> Order:
    order = lock_order(session, order_id)
    if order.state not in EDITABLE_STATES:
        raise NotEditable({"order": [_("ticket %(number)s is %(state)s: its lines can no longer change",
                                       number=order.number, state=order.state)]})
    return order


def ticket_of(session, order) -> RepairTicket | None:
    return session.get(RepairTicket, order.id)


def save_order(session, order) -> None:
    """Flush the order; a concurrent change of the same order makes this one fail."""
    from ..transitions import ConcurrentChange

    try:
        session.flush()
    except StaleDataError:
        raise ConcurrentChange(str(_("The order changed meanwhile; reload and try again."))) from None


def note_event(session, order, trigger: str, comment: str, actor) -> None:
    """History entry for a change that is not a state change (the state stays)."""
    session.add(OrderEvent(order_id=order.id, from_state=order.state, to_state=order.state, trigger=trigger,
                           actor_id=getattr(actor, "id", None), comment=comment, at=utcnow()))


# --------------------------------------------------------------------------- stock


def _stock_column(condition: str):
    return Part.stock_used if condition == "used" else Part.stock_new


def move_stock(session, part_id: int, condition: str, delta: int, *, reason: str, actor=None,
               order_id=None, sale_id=None, line_id=None, note=None) -> int:
    """Change the stock of one part atomically; returns the stock after the change.

    Raises ValidationFailed naming ``quantity`` when fewer units are in stock than asked for."""
    column = _stock_column(condition)
    after = session.execute(
        update(Part).where(Part.id == part_id, column + delta >= 0)
        .values({column.key: column + delta}).returning(column)
        .execution_options(synchronize_session=False)
    ).scalar()
    if after is None:
        have = session.execute(select(column).where(Part.id == part_id)).scalar()
        if have is None:
            raise ValidationFailed({"part": [_("unknown part")]})
        raise ValidationFailed({"quantity": [_("only %(have)s %(condition)s in stock", have=have,
                                               condition=condition)]})
    part = session.identity_map.get(identity_key(Part, part_id))
    if part is not None:  # the UPDATE bypassed the ORM: reload the count when next read
        session.expire(part, [column.key])
    session.add(StockMovement(part_id=part_id, condition=condition, delta=delta, stock_after=after, reason=reason,
                              order_id=order_id, sale_id=sale_id, part_line_id=line_id, note=note,
                              actor_id=getattr(actor, "id", None), at=utcnow()))
    return after


def restock(session, part_id: int, *, quantity, condition="new", actor=None, note=None) -> int:
    """Goods received (positive) or a count correction (negative, never below zero)."""
    errors: dict[str, list] = {}
    if condition not in PART_CONDITIONS:
        errors["condition"] = [_("must be new or used")]
    qty = whole(quantity, "quantity", errors, minimum=-10**6, default=None)
    if qty in (None, 0) and "quantity" not in errors:
        errors["quantity"] = [_("must not be zero")]
    if errors:
        raise ValidationFailed(errors)
    return move_stock(session, part_id, condition, qty, reason="restock" if qty > 0 else "adjust",
                      actor=actor, note=note)


def check_part(part: Part) -> None:
    """A catalog entry typed in a form or the API: ValidationFailed names each bad field."""
    errors: dict[str, list] = {}
    if not (part.sku or "").strip():
        errors["sku"] = [_("is required")]
    if not (part.name or "").strip():
        errors["name"] = [_("is required")]
    if part.price_new is None or Decimal(part.price_new) < 0:
        errors["price_new"] = [_("must be zero or more")]
    if part.price_used is not None and Decimal(part.price_used) < 0:
        errors["price_used"] = [_("must be zero or more")]
    for name in ("stock_new", "stock_used"):
        if (getattr(part, name) or 0) < 0:
            errors[name] = [_("must be zero or more")]
    if errors:
        raise ValidationFailed(errors)
    part.sku = part.sku.strip().upper()
    part.currency = (part.currency or "IDR").strip().upper()
    part.stock_new, part.stock_used = part.stock_new or 0, part.stock_used or 0


def record_opening_stock(session, part: Part, actor=None) -> None:
    """The stock a new catalog entry starts with, as movements (the stock history starts there)."""
    for condition, qty in (("new", part.stock_new or 0), ("used", part.stock_used or 0)):
        if qty:
            session.add(StockMovement(part_id=part.id, condition=condition, delta=qty, stock_after=qty,
                                      reason="restock", note="opening stock", actor_id=getattr(actor, "id", None)))


# --------------------------------------------------------------------------- lines


def _part(session, part_id, errors) -> Part | None:
    try:
        part = session.get(Part, int(part_id)) if part_id not in (None, "") else None
    except (TypeError, ValueError):
        part = None
    if part is None or not part.active:
        errors["part"] = [_("choose a part from the catalog")]
        return None
    return part


def build_part_line(session, *, part_id, condition, quantity, billed_as=None, unit_price=None,
                    under_warranty=False, currency: str) -> PartLine:
    """A validated PartLine (not added, stock not taken); ValidationFailed names each field."""
    errors: dict[str, list] = {}
    part = _part(session, part_id, errors)
    condition = (condition or "new").strip().lower()
    if condition not in PART_CONDITIONS:
        errors["condition"] = [_("must be new or used")]
    billed_as = (billed_as or condition).strip().lower()
    if billed_as not in PART_CONDITIONS and "condition" not in errors:
        errors["billed_as"] = [_("must be new or used")]
    qty = whole(quantity, "quantity", errors)
    price = money(unit_price, "unit_price", errors, required=False)
    if part is not None:
        if condition == "used" and part.price_used is None:
            errors["condition"] = [_("%(sku)s is not sold used", sku=part.sku)]
        if part.currency != currency:
            errors["part"] = [_("is priced in %(have)s, the order in %(want)s", have=part.currency, want=currency)]
        if price is None and "billed_as" not in errors:
            price = part.price_for(billed_as)
            if price is None:
                errors["billed_as"] = [_("%(sku)s has no used price", sku=part.sku)]
    if errors:
        raise ValidationFailed(errors)
    return PartLine(part_id=part.id, part=part, condition=condition, billed_as=billed_as, quantity=qty,
                    unit_price=Decimal(price).quantize(CENT), used_price=part.price_used, currency=currency,
                    under_warranty=bool(under_warranty))


def add_part_line(session, order_id: int, *, actor=None, **fields) -> PartLine:
    """Install a part on a ticket: the line, its stock taken, the price recomputed."""
    order = editable_order(session, order_id)
    line = build_part_line(session, currency=order.currency, **fields)
    line.order_id, line.created_by_id = order.id, getattr(actor, "id", None)
    session.add(line)
    session.flush()
    move_stock(session, line.part_id, line.condition, -line.quantity, reason="install", actor=actor,
               order_id=order.id, line_id=line.id)
    recalculate(session, order)
    return line


def remove_part_line(session, order_id: int, line_id: int, *, actor=None) -> None:
    """Take a part line off a ticket: the part goes back to stock."""
    order = editable_order(session, order_id)
    line = session.execute(select(PartLine).where(PartLine.id == line_id, PartLine.order_id == order.id)).scalar()
    if line is None:
        raise ValidationFailed({"line": [_("is not a part line of this ticket")]})
    move_stock(session, line.part_id, line.condition, line.quantity, reason="remove", actor=actor,
               order_id=order.id, line_id=line.id)
    session.execute(delete(PartLine).where(PartLine.id == line.id).execution_options(synchronize_session=False))
    session.expunge(line)
    recalculate(session, order)


def add_labour_line(session, order_id: int, *, description, hours=1, rate=None, actor=None) -> LabourLine:
    order = editable_order(session, order_id)
    errors: dict[str, list] = {}
    description = (description or "").strip()
    if not description:
        errors["description"] = [_("is required")]
    elif len(description) > 300:
        errors["description"] = [_("must be at most %(max)s characters", max=300)]
    try:
        hours_value = Decimal(str(hours).strip() or "1")
        if not hours_value.is_finite() or hours_value <= 0 or hours_value > 1000:
            errors["hours"] = [_("must be more than 0 and at most 1000")]
    except (InvalidOperation, ValueError):
        errors["hours"] = [_("must be a number")]
        hours_value = Decimal(1)
    rate_value = money(rate, "rate", errors)
    if errors:
        raise ValidationFailed(errors)
    line = LabourLine(order_id=order.id, description=description, hours=hours_value.quantize(CENT),
                      rate=rate_value, currency=order.currency, created_by_id=getattr(actor, "id", None))
    session.add(line)
    session.flush()
    recalculate(session, order)
    return line


def remove_labour_line(session, order_id: int, line_id: int, *, actor=None) -> None:
    order = editable_order(session, order_id)
    deleted = session.execute(delete(LabourLine).where(LabourLine.id == line_id, LabourLine.order_id == order.id)
                              .execution_options(synchronize_session=False)).rowcount
    if not deleted:
        raise ValidationFailed({"line": [_("is not a labour line of this ticket")]})
    recalculate(session, order)


# --------------------------------------------------------------------------- totals


@dataclass
class Totals:
    currency: str
    labour_free: bool
    part_lines: list = field(default_factory=list)  # [(PartLine, charged Decimal)]
    labour_lines: list = field(default_factory=list)  # [(LabourLine, amount, charged)]
    parts: Decimal = Decimal("0.00")
    labour: Decimal = Decimal("0.00")

    @property
    def total(self) -> Decimal:
        return (self.parts + self.labour).quantize(CENT)

    def as_dict(self) -> dict:
        return {"currency": self.currency, "labour_free": self.labour_free, "parts": str(self.parts),
                "labour": str(self.labour), "total": str(self.total)}


def part_line_charge(line: PartLine) -> Decimal:
    if line.under_warranty:
        return Decimal("0.00")
    return (Decimal(line.unit_price) * line.quantity).quantize(CENT)


def totals(session, order) -> Totals:
    """What the ticket costs, from its lines: a warranty claim's labour is free, and a part
    replaced under warranty costs nothing; everything else is quantity x unit price."""
    labour_free = bool((order.details or {}).get("labor_free"))
    result = Totals(currency=order.currency, labour_free=labour_free)
    for line in session.execute(select(PartLine).where(PartLine.order_id == order.id).order_by(PartLine.id)).scalars():
        charged = part_line_charge(line)
        result.part_lines.append((line, charged))
        result.parts += charged
    for line in session.execute(select(LabourLine).where(LabourLine.order_id == order.id)
                                .order_by(LabourLine.id)).scalars():
        amount = (Decimal(line.hours) * Decimal(line.rate)).quantize(CENT)
        charged = Decimal("0.00") if labour_free else amount
        result.labour_lines.append((line, amount, charged))
        result.labour += charged
    return result


def recalculate(session, order) -> Totals:
    """Order.price := the lines' total (the payments service bills Order.price)."""
    result = totals(session, order)
    order.price = result.total
    order.updated = utcnow()
    save_order(session, order)
    return result


def stock_summary(session) -> dict[int, tuple[int, int]]:
    return {pid: (new, used) for pid, new, used in session.execute(
        select(Part.id, Part.stock_new, Part.stock_used))}


def parts_for_select(session, order=None) -> list[Part]:
    query = select(Part).where(Part.active.is_(True)).order_by(Part.name)
    if order is not None:
        query = query.where(Part.currency == order.currency)
    return list(session.execute(query).scalars())


def stock_movements(session, part_id: int, limit=50) -> list[StockMovement]:
    return list(session.execute(select(StockMovement).where(StockMovement.part_id == part_id)
                                .order_by(StockMovement.id.desc()).limit(limit)).scalars())


def line_count(session, order_id: int) -> int:
    return session.execute(select(func.count(PartLine.id)).where(PartLine.order_id == order_id)).scalar() or 0
