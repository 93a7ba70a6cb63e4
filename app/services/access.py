"""Row-level access: which orders, attachments, events and customers a user may see.

Views and REST APIs both apply these clauses (through one FAB filter), so a record
hidden in the browser is a 404 in the API too.
"""
from __future__ import annotations

from typing import Optional

from sqlalchemy import and_, false, or_, select, true
from sqlalchemy.sql import ColumnElement

from ..models import Attachment, Customer, Division, Offer, Order, OrderEvent

SEE_ALL_ROLES = {"Admin", "Owner", "Manager", "Accountant"}
WORKER_ROLES = {"Technician", "Author", "Programmer"}
STAFF_ROLES = SEE_ALL_ROLES | WORKER_ROLES | {"Lead"}


def role_names(user) -> set[str]:
    return {r.name for r in getattr(user, "roles", None) or []}


def sees_all_orders(user) -> bool:
    return bool(role_names(user) & SEE_ALL_ROLES)


def is_customer_only(user) -> bool:
    roles = role_names(user)
    return "Customer" in roles and not roles & STAFF_ROLES


def order_clause(user) -> Optional[ColumnElement]:
    """None means every order; otherwise a WHERE clause over Order."""
    if user is None or not getattr(user, "id", None):
        return false()
    roles = role_names(user)
    if roles & SEE_ALL_ROLES:
        return None
    parts = []
    if roles & (WORKER_ROLES | {"Lead"}):
        parts.append(Order.assignee_id == user.id)
        # IN (not a correlated EXISTS): each OR term is then an index lookup, so a worker's
        # list reads their own orders instead of scanning every order.
        offered = select(Offer.order_id).where(
            Offer.user_id == user.id, Offer.status.in_(("offered", "accepted"))
        )
        parts.append(Order.id.in_(offered))
    if "Lead" in roles:
        led = select(Division.id).where(Division.lead_id == user.id)
        parts.append(Order.division_id.in_(led))
    if "Customer" in roles:
        mine = select(Customer.id).where(Customer.user_id == user.id)
        parts.append(Order.customer_id.in_(mine))
    return or_(*parts) if parts else false()


def visible_order_ids(user):
    clause = order_clause(user)
    query = select(Order.id)
    return query if clause is None else query.where(clause)


def attachment_clause(user) -> Optional[ColumnElement]:
    clause = order_clause(user)
    if clause is None:
        return None
    attached = Attachment.order_id.in_(visible_order_ids(user))
    if is_customer_only(user):
        return and_(attached, Attachment.visible_to_customer == true())
    return attached


def event_clause(user) -> Optional[ColumnElement]:
    if order_clause(user) is None:
        return None
    return OrderEvent.order_id.in_(visible_order_ids(user))


def customer_clause(user) -> Optional[ColumnElement]:
    roles = role_names(user)
    if roles & SEE_ALL_ROLES:
        return None
    if user is None or not getattr(user, "id", None):
        return false()
    parts = []
    if "Customer" in roles:
        parts.append(Customer.user_id == user.id)
    if roles & (WORKER_ROLES | {"Lead"}):
        parts.append(Customer.id.in_(select(Order.customer_id).where(order_clause(user))))
    return or_(*parts) if parts else false()


def decision_clause(user) -> Optional[ColumnElement]:
    """Rule decisions are seen through their order; order-less ones by see-all roles."""
    from ..models import Decision

    if order_clause(user) is None:
        return None
    return Decision.order_id.in_(visible_order_ids(user))


def _decision_model():
    from ..models import Decision

    return Decision


CLAUSES = {
    Order: order_clause,
    Attachment: attachment_clause,
    OrderEvent: event_clause,
    Customer: customer_clause,
    _decision_model(): decision_clause,
}


def can_see_order(session, user, order_id: int) -> bool:
    clause = order_clause(user)
    query = select(Order.id).where(Order.id == order_id)
    if clause is not None:
        query = query.where(clause)
    return session.execute(query).first() is not None
