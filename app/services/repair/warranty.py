"""The warranty: it starts when the customer picks the device up and lasts the service's
``warranty_days``. Counted in calendar days of the business time zone: picked up on 1 March
with 30 days, the last day in is 31 March and 1 April is the first day out.

A customer who comes back within it opens a *warranty claim*: a new ticket linked to the
original, on the workflow's warranty path (details.warranty_of), whose check and labour are
free and whose replaced parts cost their part price only. After the warranty the new ticket
is a normal paid one, still linked to the original so the refund rules see the repeat failure.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _
from sqlalchemy import select

from ...models import Order, RepairTicket
from ...models.types import utcnow
from ..errors import ValidationFailed
from ..transitions import on_transition
from . import lines, tickets

PICKED_UP = "picked_up"


def local_date(moment: dt.datetime, tz) -> dt.date:
    """The business-zone calendar date of a naive-UTC moment."""
    return moment.replace(tzinfo=dt.timezone.utc).astimezone(tz).date()


def warranty_until(picked_up_at: dt.datetime, days: int, tz) -> dt.date:
    return local_date(picked_up_at, tz) + dt.timedelta(days=int(days))


def is_covered(ticket: RepairTicket | None, on: dt.date) -> bool:
    return bool(ticket is not None and ticket.warranty_until is not None and on <= ticket.warranty_until)


def today(tz=None) -> dt.date:
    return local_date(utcnow(), tz or tickets.business_tz())


@dataclass
class WarrantyStatus:
    started: bool
    covered: bool
    until: dt.date | None
    days_left: int | None
    claims: list

    def as_dict(self) -> dict:
        return {"started": self.started, "covered": self.covered,
                "until": self.until.isoformat() if self.until else None, "days_left": self.days_left,
                "claims": [{"id": o.id, "number": o.number, "state": o.state} for o in self.claims]}


def claims_of(session, order_id: int) -> list[Order]:
    return list(session.execute(select(Order).join(RepairTicket, RepairTicket.order_id == Order.id)
                                .where(RepairTicket.warranty_of_id == order_id).order_by(Order.id)).scalars())


def status(session, order: Order, on: dt.date | None = None) -> WarrantyStatus:
    ticket = session.get(RepairTicket, order.id)
    on = on or today()
    until = ticket.warranty_until if ticket is not None else None
    covered = is_covered(ticket, on)
    return WarrantyStatus(started=until is not None, covered=covered, until=until,
                          days_left=(until - on).days if covered else None, claims=claims_of(session, order.id))


def notification_context(session, order, context) -> None:
    """What repair templates may use: warranty_until, tracking_code (notifications provider)."""
    if order.workflow_key != lines.REPAIR_KIND:
        return
    ticket = session.get(RepairTicket, order.id)
    if ticket is not None:
        context.setdefault("warranty_until", ticket.warranty_until.isoformat() if ticket.warranty_until else "")
        context.setdefault("tracking_code", ticket.tracking_code)


@on_transition
def on_repair_state_entered(session, order, plan, source, actor) -> None:
    """Before the effects: entering ``ready`` bills the lines' total (the payment request and
    the message read it); entering ``picked_up`` stamps the pick-up and the warranty's end
    (the customer's message names it)."""
    if order.workflow_key != lines.REPAIR_KIND:
        return
    if plan.dest == "ready" and session.get(RepairTicket, order.id) is not None:
        order.price = lines.totals(session, order).total
    elif plan.dest == PICKED_UP:
        ticket = tickets.ensure_ticket(session, order)
        days = int(getattr(order.service, "warranty_days", None) or 0)
        ticket.picked_up_at = utcnow()
        ticket.warranty_days = days
        ticket.warranty_until = warranty_until(ticket.picked_up_at, days, tickets.business_tz())


@on_transition(phase="after")
def reprice_after_warranty_path(session, order, plan, source, actor) -> None:
    """After the effects: the warranty path sets or clears details.labor_free."""
    if (order.workflow_key == lines.REPAIR_KIND and plan.dest in lines.EDITABLE_STATES
            and session.get(RepairTicket, order.id) is not None):
        order.price = lines.totals(session, order).total


def open_claim(session, original_id: int, *, faults: str, actor=None, on: dt.date | None = None,
               tz=None) -> tuple[Order, bool]:
    """A customer is back with the device of ``original_id``. Returns (new ticket, covered).

    Covered: the new ticket is a warranty claim, moved at once to the free warranty check.
    Not covered: a normal ticket, linked to the original."""
    tz = tz or tickets.business_tz()
    original = lines.lock_order(session, original_id)
    ticket = session.get(RepairTicket, original.id)
    if original.state != PICKED_UP or ticket is None or ticket.warranty_until is None:
        raise ValidationFailed({"order": [_("ticket %(number)s has not been picked up: there is no warranty yet",
                                            number=original.number)]})
    on = on or local_date(utcnow(), tz)
    covered = is_covered(ticket, on)
    data = {name: getattr(ticket, name) for name in tickets.DEVICE_FIELDS}
    # The technician who repaired it knows the device best: the return goes to them.
    data.update(faults=faults, customer_waits=True, assignee=original.assignee_id)
    if covered:
        note = str(_("Warranty claim on %(number)s (warranty until %(until)s).", number=original.number,
                     until=ticket.warranty_until.isoformat()))
    else:
        note = str(_("Back after the warranty of %(number)s ended on %(until)s: a normal paid ticket.",
                     number=original.number, until=ticket.warranty_until.isoformat()))
    claim = tickets.open_ticket(session, data=data, actor=actor, service=original.service,
                                customer_id=original.customer_id, warranty_of=original, labour_free=covered,
                                description=f"{note}\n{faults or ''}".strip(), tz=tz)
    if covered:
        from ..transitions import fire

        fire(session, claim.id, "start_warranty_check", actor=actor, comment=note)
    return claim, covered


def _register() -> None:
    from ..notifications import CONTEXT_PROVIDERS

    if notification_context not in CONTEXT_PROVIDERS:
        CONTEXT_PROVIDERS.append(notification_context)


_register()
