"""Row-level access for payments, payouts, the ledger and notifications.

Registered into services.access.CLAUSES so the shared RowLevelFilter applies them in
pages and APIs alike.
"""
from __future__ import annotations

from typing import Optional

from sqlalchemy import false
from sqlalchemy.sql import ColumnElement

from ..models import LedgerEntry, Notification, Payment, Payout
from . import access

MONEY_ROLES = {"Admin", "Owner", "Manager", "Accountant"}


def payment_clause(user) -> Optional[ColumnElement]:
    if access.sees_all_orders(user):
        return None
    if user is None or not getattr(user, "id", None):
        return false()
    return Payment.order_id.in_(access.visible_order_ids(user))


def _own(column):
    def clause(user) -> Optional[ColumnElement]:
        if access.role_names(user) & MONEY_ROLES:
            return None
        if user is None or not getattr(user, "id", None):
            return false()
        return column == user.id
    return clause


ledger_clause = _own(LedgerEntry.worker_id)
payout_clause = _own(Payout.worker_id)


def notification_clause(user) -> Optional[ColumnElement]:
    if access.role_names(user) & {"Admin", "Owner", "Manager"}:
        return None
    if user is None or not getattr(user, "id", None):
        return false()
    return Notification.user_id == user.id


def can_see_payment(session, user, payment_id: int):
    """The payment when ``user`` may see it, else None."""
    from sqlalchemy import select

    query = select(Payment).where(Payment.id == payment_id)
    clause = payment_clause(user)
    if clause is not None:
        query = query.where(clause)
    return session.execute(query).scalars().first()


def register() -> None:
    access.CLAUSES.setdefault(Payment, payment_clause)
    access.CLAUSES.setdefault(LedgerEntry, ledger_clause)
    access.CLAUSES.setdefault(Payout, payout_clause)
    access.CLAUSES.setdefault(Notification, notification_clause)


register()
