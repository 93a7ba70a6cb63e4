"""Creating and reading orders."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any, Optional

from flask_babel import lazy_gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Customer, Order, OrderEvent, Service
from ..models.types import utcnow
from . import access, workflows
from .errors import ValidationFailed
from .form_schema import validate_details
from .numbering import next_number


def customer_for_user(session: Session, user) -> Customer:
    """The CRM record linked to a login, created on first use (self-registered customers)."""
    customer = session.execute(select(Customer).where(Customer.user_id == user.id)).scalar()
    if customer is None:
        name = " ".join(p for p in (user.first_name, user.last_name) if p) or user.username
        customer = Customer(name=name, email=user.email, user_id=user.id)
        session.add(customer)
        session.flush()
    return customer


def _parse_quantity(raw: Any, errors: dict) -> int:
    if raw in (None, ""):
        return 1
    try:
        quantity = int(raw)
    except (TypeError, ValueError):
        errors["quantity"] = [_("must be a whole number")]
        return 1
    if quantity < 1:
        errors["quantity"] = [_("must be at least %(min)s", min=1)]
    return quantity


def _parse_price(raw: Any, default: Decimal, errors: dict) -> Decimal:
    if raw in (None, ""):
        return default
    try:
        price = Decimal(str(raw))
    except InvalidOperation:
        errors["price"] = [_("must be a number")]
        return default
    if not price.is_finite() or price < 0:
        errors["price"] = [_("must be zero or more")]
    return price


def prepare_order(session: Session, order: Order, *, actor=None, details_data=None) -> Order:
    """Fill in what the platform owns (number, workflow, state, deadline, price) and
    validate what the user sent. Raises ValidationFailed and leaves the order untouched
    in the database (the caller's transaction is rolled back)."""
    with session.no_autoflush:
        return _prepare_order(session, order, actor=actor, details_data=details_data)


def _prepare_order(session: Session, order: Order, *, actor, details_data) -> Order:
    errors: dict[str, list] = {}
    if actor is not None and access.is_customer_only(actor):
        # A customer orders for themself only and never picks staff or prices.
        order.customer = customer_for_user(session, actor)
        order.manager = order.assignee = order.division = None
        order.manager_id = order.assignee_id = order.division_id = None
        order.price = None
    service: Optional[Service] = order.service
    if service is None and order.service_id:
        service = session.get(Service, order.service_id)
    if service is None:
        raise ValidationFailed({"service": [_("is required")]})
    if not service.active:
        errors["service"] = [_("is not offered at the moment")]
    if service.kind not in workflows.known_kinds():
        # Numbers and states come from the workflow; an order cannot start without one.
        errors["service"] = [_("runs on an unknown workflow '%(kind)s'", kind=service.kind)]
    raw_details = order.details if details_data is None else details_data
    try:
        order.details = validate_details(service.form_schema or [], raw_details or {})
    except ValidationFailed as exc:
        errors.update({f"details.{k}": v for k, v in exc.errors.items()})
    if "quantity" in (order.details or {}):
        # A service that asks for a quantity in its form (GMAIL-ACC) sets the order's.
        order.quantity = order.details["quantity"]
    order.quantity = _parse_quantity(order.quantity, errors)
    _deadline_from_form(order, errors)
    if not (order.title or "").strip():
        order.title = service.name
    if order.price in (None, "") or order.price == 0:
        order.price = Decimal(service.base_price or 0) * order.quantity
    else:
        order.price = _parse_price(order.price, Decimal(service.base_price or 0), errors)
    if errors:
        raise ValidationFailed(errors)
    order.service = service
    order.currency = order.currency or service.currency
    order.division_id = order.division_id or service.division_id
    if order.deadline is None:
        order.deadline = utcnow() + dt.timedelta(days=service.default_deadline_days or 7)
    decision = apply_intake_rules(session, order)
    order.workflow_key = service.kind
    order.workflow_version, order.state = workflows.starting_point(session, service.kind)
    order.number = next_number(session, service.kind)
    order.events.append(
        OrderEvent(
            from_state=None,
            to_state=order.state,
            trigger="create",
            actor_id=getattr(actor, "id", None),
            comment=None,
            decision=decision_summary(decision),
        )
    )
    return order


def _deadline_from_form(order: Order, errors: dict) -> None:
    """A service whose form asks for a ``deadline`` date (PAPER) sets the order's: the end of
    that day, which must not have passed."""
    raw = (order.details or {}).get("deadline")
    if not raw:
        return
    try:
        day = dt.date.fromisoformat(str(raw)[:10])
    except ValueError:
        return  # the form schema has already named the format
    if day < utcnow().date():
        errors["details.deadline"] = [_("must be today or later")]
        return
    order.deadline = dt.datetime.combine(day, dt.time(23, 59))


def after_created(session: Session, order: Order) -> Optional[str]:
    """What happens by itself once an order exists: its workflow's automatic transitions
    (a writing order goes to the on-duty manager). Returns the trigger fired, or None."""
    from .transitions import run_automatic

    return run_automatic(session, order)


INTAKE_RULE_SET = "intake.validation"
PRIORITIES = ("normal", "high", "urgent")


def intake_calls(calls, *, now: dt.datetime) -> tuple[dict[str, list], dict[str, Any]]:
    """What an intake rule set's calls ask of a new order, for the order form, the API and the
    repair shop's bulk intake alike: (errors, changes). ``reject`` and ``require_field`` are
    errors by field (``order``, ``details.<field>``); ``set_priority`` (a known priority),
    ``set_deadline`` (``days`` from ``now``) and ``set_price`` are changes of the order's
    ``priority``, ``deadline`` and ``price``, the last call of each winning."""
    errors: dict[str, list] = {}
    changes: dict[str, Any] = {}
    for name, params in calls:
        if name == "reject":
            errors.setdefault("order", []).append(str(params.get("message") or _("is refused")))
        elif name == "require_field":
            errors.setdefault(f"details.{params.get('field')}", []).append(
                str(params.get("message") or _("is required")))
        elif name == "set_priority" and params.get("priority") in PRIORITIES:
            changes["priority"] = params["priority"]
        elif name == "set_deadline":
            changes["deadline"] = now + dt.timedelta(days=int(params["days"]))
        elif name == "set_price":
            changes["price"] = Decimal(str(params["amount"]))
    return errors, changes


def apply_intake_rules(session: Session, order: Order, *, form_schema=None):
    """Run the published ``intake.validation`` rule set on an order being accepted.

    ``reject`` and ``require_field`` refuse the order (ValidationFailed, one message per
    field, nothing stored); ``set_priority``, ``set_deadline`` and ``set_price`` change it.
    A decision that changed something is stored with the order. Returns the decision
    (None when no rule set is published)."""
    from . import rule_facts, rulesets

    facts, schema = rule_facts.intake_facts(session, order, form_schema=form_schema)
    try:
        decision = rulesets.evaluate(session, INTAKE_RULE_SET, facts, form_schema=schema, store=False)
    except LookupError:
        return None
    errors, changes = intake_calls(decision.calls, now=utcnow())
    for field, value in changes.items():
        setattr(order, field, value)
    if errors:
        raise ValidationFailed(errors)
    if decision.changed:
        rulesets.store_decision(session, decision, record=order)
    return decision


def decision_summary(decision) -> Optional[dict]:
    """An event's ``decision`` data, shaped like the workflow's (``{"decisions": [...]}``)."""
    if decision is None or not decision.changed:
        return None
    return {"decisions": [decision.to_dict()]}


def create_order(
    session: Session,
    *,
    service: Service,
    customer: Customer,
    details: dict,
    actor=None,
    title: str = "",
    description: str = "",
    quantity=None,
    **fields,
) -> Order:
    order = Order(
        service=service,
        customer=customer,
        title=title,
        description=description,
        quantity=quantity,
        **fields,
    )
    session.add(order)
    try:
        prepare_order(session, order, actor=actor, details_data=details)
    except ValidationFailed:
        session.expunge(order)
        raise
    session.flush()
    after_created(session, order)
    return order


def order_count_for_customer(session: Session, customer_id: int) -> int:
    return session.execute(
        select(func.count(Order.id)).where(Order.customer_id == customer_id)
    ).scalar_one()


def revalidate_order(session: Session, order: Order) -> Order:
    """Checks an edited order's user-supplied fields again; platform fields stay as they are.

    ``details`` keys the order's workflow owns (a repair diagnosis, a warranty link) are not
    form fields: they pass through unchecked instead of being refused as unknown."""
    errors: dict[str, list] = {}
    service = order.service or session.get(Service, order.service_id)
    details = dict(order.details or {})
    try:
        owned = workflows.for_order(session, order).definition.detail_fields
    except LookupError:
        owned = frozenset()
    kept = {k: details.pop(k) for k in list(details) if k in owned}
    try:
        order.details = {**validate_details(service.form_schema or [], details), **kept}
    except ValidationFailed as exc:
        errors.update({f"details.{k}": v for k, v in exc.errors.items()})
    if "quantity" in (order.details or {}):
        order.quantity = order.details["quantity"]
    order.quantity = _parse_quantity(order.quantity, errors)
    order.price = _parse_price(order.price, Decimal(service.base_price or 0), errors)
    if not (order.title or "").strip():
        errors["title"] = [_("is required")]
    if errors:
        raise ValidationFailed(errors)
    return order
