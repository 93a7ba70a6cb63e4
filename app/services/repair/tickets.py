"""Counter intake and the ticket's repair record.

At the counter a technician or manager opens a ticket: the customer (found by id, e-mail or
phone, or created), the device, the reported faults, the agreed pick-up time or "waits", an
estimate. The ticket is an Order made by ``services.orders.create_order`` (service form
schema, ``intake.validation`` rules, numbering, the workflow's first state), plus a
RepairTicket row and the check-and-diagnosis labour line the order's price starts from.
"""
from __future__ import annotations

import datetime as dt
import re
import secrets
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _
from sqlalchemy import func, or_, select

from ...models import Customer, Order, RepairTicket, Role, Service, User
from ...models.types import utcnow
from ..errors import ValidationFailed
from . import lines
from .lines import REPAIR_KIND

DEVICE_FIELDS = ("device_type", "brand", "model", "serial_number", "accessories", "condition")
LIMITS = {"device_type": 30, "brand": 60, "model": 80, "serial_number": 80, "accessories": 1000,
          "condition": 1000, "faults": 1000}
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DIAGNOSIS_LINE = "Check and diagnosis"
WAIT_HOURS = 2  # a customer who waits at the counter: the ticket is due within hours


def business_tz(config=None):
    from zoneinfo import ZoneInfo

    if config is None:
        try:
            from flask import current_app

            config = current_app.config
        except RuntimeError:
            config = {}
    return ZoneInfo(str(config.get("TIMEZONE") or "UTC"))


def repair_service(session, service=None) -> Service:
    """The given service (id, code or row) or the first active repair service."""
    if isinstance(service, Service):
        found = service
    elif service not in (None, ""):
        query = select(Service).where(Service.kind == REPAIR_KIND)
        query = query.where(Service.id == int(service)) if str(service).isdigit() else query.where(
            Service.code == str(service))
        found = session.execute(query).scalar()
    else:
        found = session.execute(select(Service).where(Service.kind == REPAIR_KIND, Service.active.is_(True))
                                .order_by(Service.id)).scalars().first()
    if found is None or found.kind != REPAIR_KIND:
        raise ValidationFailed({"service": [_("choose a repair service")]})
    return found


def device_types(service: Service) -> list[str]:
    for item in service.form_schema or []:
        if item.get("name") == "device_type" and item.get("choices"):
            return list(item["choices"])
    return []


# --------------------------------------------------------------------------- customers


def find_customers(session, text: str, limit: int = 20) -> list[Customer]:
    text = (text or "").strip()
    if len(text) < 2:
        return []
    like = f"%{text.lower()}%"
    query = select(Customer).where(or_(func.lower(Customer.name).like(like), func.lower(Customer.email).like(like),
                                       Customer.phone.like(f"%{text}%"), func.lower(Customer.company).like(like)))
    return list(session.execute(query.order_by(Customer.name).limit(limit)).scalars())


def clean_customer(data: dict | None, errors: dict) -> dict:
    data = data or {}
    out = {k: (str(data.get(k) or "").strip() or None) for k in ("name", "email", "phone", "company")}
    if not out["name"]:
        errors["customer.name"] = [_("is required")]
    elif len(out["name"]) > 200:
        errors["customer.name"] = [_("must be at most %(max)s characters", max=200)]
    if out["email"] and (not EMAIL_RE.match(out["email"]) or len(out["email"]) > 200):
        errors["customer.email"] = [_("is not an e-mail address")]
    if out["phone"] and len(out["phone"]) > 50:
        errors["customer.phone"] = [_("must be at most %(max)s characters", max=50)]
    if not out["email"] and not out["phone"] and "customer.name" not in errors:
        errors["customer.email"] = [_("give an e-mail address or a phone number to reach the customer")]
    return out


def find_or_create_customer(session, *, customer_id=None, customer: dict | None = None) -> Customer:
    """An existing customer by id, else the one with the same e-mail or phone, else a new one."""
    if customer_id not in (None, ""):
        try:
            found = session.get(Customer, int(customer_id))
        except (TypeError, ValueError):
            found = None
        if found is None:
            raise ValidationFailed({"customer": [_("unknown customer")]})
        return found
    errors: dict[str, list] = {}
    data = clean_customer(customer, errors)
    if errors:
        raise ValidationFailed(errors)
    match = None
    if data["email"]:
        match = session.execute(select(Customer).where(func.lower(Customer.email) == data["email"].lower())
                                .order_by(Customer.id)).scalars().first()
    if match is None and data["phone"]:
        match = session.execute(select(Customer).where(Customer.phone == data["phone"])
                                .order_by(Customer.id)).scalars().first()
    if match is not None:
        return match
    created = Customer(**data)
    session.add(created)
    session.flush()
    return created


# --------------------------------------------------------------------------- intake data


def parse_local_datetime(value, tz) -> dt.datetime | None:
    """A naive UTC datetime from ISO text (business time zone) or a datetime."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        moment = value
    else:
        moment = dt.datetime.fromisoformat(str(value).strip().replace(" ", "T"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


def truthy(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on", "y", "waits"}
    return bool(value)


def clean_intake(data: dict, service: Service, *, tz, now: dt.datetime | None = None) -> tuple[dict, dict]:
    """Check one ticket's device, faults and terms (counter form, API and bulk rows alike).

    Returns (clean values, errors by field); nothing is written."""
    errors: dict[str, list] = {}
    clean: dict[str, Any] = {}
    for name in DEVICE_FIELDS + ("faults",):
        value = data.get(name)
        value = str(value).strip() if value not in (None, "") else None
        if value and len(value) > LIMITS[name]:
            errors[name] = [_("must be at most %(max)s characters", max=LIMITS[name])]
        clean[name] = value
    for name in ("device_type", "brand", "faults"):
        if not clean[name]:
            errors.setdefault(name, [_("is required")])
    kinds = device_types(service)
    if clean["device_type"] and kinds and clean["device_type"] not in kinds:
        errors["device_type"] = [_("must be one of %(choices)s", choices=", ".join(kinds))]
    if clean["faults"] and len(clean["faults"]) < 3:
        errors["faults"] = [_("must be at least %(min)s characters", min=3)]
    clean["customer_waits"] = truthy(data.get("customer_waits") or data.get("waits"))
    try:
        clean["pickup_at"] = parse_local_datetime(data.get("pickup_at"), tz)
    except (TypeError, ValueError):
        errors["pickup_at"] = [_("must be a date and time like 2026-01-31 17:00")]
        clean["pickup_at"] = None
    if "pickup_at" not in errors:
        if clean["customer_waits"]:
            clean["pickup_at"] = None
        elif clean["pickup_at"] is None:
            errors["pickup_at"] = [_("give the agreed pick-up time, or say the customer waits")]
        elif clean["pickup_at"] < (now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)):
            errors["pickup_at"] = [_("must be in the future")]
    clean["estimate"] = lines.money(data.get("estimate"), "estimate", errors, required=False)
    return clean, errors


def form_details(service: Service, clean: dict, names: set | None = None) -> dict:
    """The service's form fields filled from the intake (validated by its form schema);
    ``names`` (the schema's field names) spares recomputing them for every bulk row."""
    names = names if names is not None else {f["name"] for f in service.form_schema or []}
    values = {"device_type": clean["device_type"], "brand": clean["brand"], "model": clean["model"],
              "serial_number": clean["serial_number"], "fault": clean["faults"], "waits": clean["customer_waits"]}
    return {k: v for k, v in values.items() if k in names and v not in (None, "")}


def ticket_title(clean: dict) -> str:
    device = " ".join(p for p in (clean.get("brand"), clean.get("model")) if p) or clean.get("device_type") or ""
    fault = (clean.get("faults") or "").splitlines()[0] if clean.get("faults") else ""
    return f"{device}: {fault}"[:300] if fault else device[:300]


def new_tracking_code() -> str:
    return secrets.token_hex(4)


def _check_assignee(session, assignee_id, actor, errors) -> int | None:
    if assignee_id in (None, ""):
        from .. import access

        if actor is not None and "Technician" in access.role_names(actor):
            return actor.id  # the technician at the counter takes the ticket
        return None
    try:
        user = session.get(User, int(assignee_id))
    except (TypeError, ValueError):
        user = None
    if user is None or not any(r.name == "Technician" for r in user.roles):
        errors["assignee"] = [_("must be a technician")]
        return None
    return user.id


def technicians(session) -> list[User]:
    return list(session.execute(select(User).join(User.roles).where(Role.name == "Technician", User.active.is_(True))
                                .order_by(User.first_name, User.username)).scalars())


# --------------------------------------------------------------------------- intake


def open_ticket(session, *, data: dict, actor=None, service=None, customer_id=None, customer: dict | None = None,
                warranty_of: Order | None = None, labour_free: bool = False, description: str = "",
                tz=None) -> Order:
    """Open a repair ticket; ValidationFailed (every field's message, nothing stored) on bad input."""
    tz = tz or business_tz()
    errors: dict[str, list] = {}
    try:
        service = repair_service(session, service)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.errors) from None
    clean, errors = clean_intake(data, service, tz=tz)
    assignee = _check_assignee(session, data.get("assignee") or data.get("assignee_id"), actor, errors)
    try:
        found = find_or_create_customer(session, customer_id=customer_id, customer=customer)
    except ValidationFailed as exc:
        errors.update(exc.errors)
        found = None
    if errors:
        raise ValidationFailed(errors)
    from .. import access
    from ..orders import create_order

    manager_id = actor.id if actor is not None and access.role_names(actor) & {"Manager", "Owner"} else None
    # The agreed pick-up is the ticket's deadline (a customer who waits: within hours), so the
    # intake rules can mark rush tickets.
    deadline = clean["pickup_at"] or utcnow() + dt.timedelta(hours=WAIT_HOURS)
    order = create_order(session, service=service, customer=found, details=form_details(service, clean),
                         actor=actor, title=ticket_title(clean), description=description or clean["faults"],
                         assignee_id=assignee, manager_id=manager_id, deadline=deadline)
    if warranty_of is not None and labour_free:
        # The workflow's warranty path checks details.warranty_of (the original ticket's number);
        # details.labor_free makes the labour lines free (the workflow clears it when void).
        order.details = {**(order.details or {}), "warranty_of": warranty_of.number, "labor_free": True}
    session.add(RepairTicket(
        order_id=order.id, customer_id=found.id, device_type=clean["device_type"], brand=clean["brand"],
        model=clean["model"], serial_number=clean["serial_number"], accessories=clean["accessories"],
        condition=clean["condition"], faults=clean["faults"], customer_waits=clean["customer_waits"],
        pickup_at=clean["pickup_at"], estimate=clean["estimate"], tracking_code=new_tracking_code(),
        warranty_of_id=warranty_of.id if warranty_of is not None else None))
    session.flush()
    if service.base_price:
        lines.add_labour_line(session, order.id, description=DIAGNOSIS_LINE, hours=1,
                              rate=Decimal(service.base_price), actor=actor)
    else:
        lines.recalculate(session, order)
    return order


def ensure_ticket(session, order: Order) -> RepairTicket:
    """The repair record of a repair order made elsewhere (shop form, plain order API)."""
    ticket = session.get(RepairTicket, order.id)
    if ticket is not None:
        return ticket
    details = order.details or {}
    ticket = RepairTicket(order_id=order.id, customer_id=order.customer_id,
                          device_type=str(details.get("device_type") or "other")[:30],
                          brand=str(details.get("brand") or "-")[:60], model=details.get("model"),
                          serial_number=details.get("serial_number"),
                          faults=str(details.get("fault") or order.description or order.title),
                          customer_waits=bool(details.get("waits")), tracking_code=new_tracking_code())
    session.add(ticket)
    session.flush()
    return ticket


def set_diagnosis(session, order_id: int, text: str, *, actor=None) -> Order:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed({"diagnosis": [_("is required")]})
    if len(text) > 4000:
        raise ValidationFailed({"diagnosis": [_("must be at most %(max)s characters", max=4000)]})
    order = lines.editable_order(session, order_id)
    order.details = {**(order.details or {}), "diagnosis": text}
    lines.note_event(session, order, "diagnosis", text, actor)
    lines.save_order(session, order)
    return order


def update_device(session, order_id: int, data: dict, *, actor=None) -> RepairTicket:
    order = lines.editable_order(session, order_id)
    ticket = ensure_ticket(session, order)
    current = {name: getattr(ticket, name) for name in DEVICE_FIELDS}
    current.update({"faults": ticket.faults, "customer_waits": ticket.customer_waits,
                    "pickup_at": ticket.pickup_at.replace(tzinfo=dt.timezone.utc) if ticket.pickup_at else None,
                    "estimate": ticket.estimate})
    merged = {**current, **{k: v for k, v in data.items() if k in current}}
    service = order.service
    clean, errors = clean_intake(merged, service, tz=business_tz(), now=dt.datetime.min)
    if errors:
        raise ValidationFailed(errors)
    for name in DEVICE_FIELDS + ("faults", "customer_waits", "pickup_at", "estimate"):
        setattr(ticket, name, clean[name])
    lines.note_event(session, order, "device_updated", None, actor)
    lines.save_order(session, order)
    return ticket


def track(session, number: str, code: str) -> Order | None:
    """The ticket a customer follows online with the number and code from the receipt."""
    number, code = (number or "").strip().upper(), (code or "").strip().lower()
    if not number or not code:
        return None
    row = session.execute(select(Order, RepairTicket.tracking_code).join(RepairTicket, RepairTicket.order_id == Order.id)
                          .where(Order.number == number)).first()
    if row is None or not secrets.compare_digest(row[1], code):
        return None
    return row[0]
