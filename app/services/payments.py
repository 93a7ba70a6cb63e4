"""Payments: requests from workflows, charges through method adapters, callbacks,
proof verification, cash, refunds. What an order owes is computed, never stored twice.

Public contract (used by the workflow engine and others):
- request_payment(session, order, *, purpose, percent=None, amount=None, remaining=False, methods=None) -> Payment
- is_paid(session, order, purpose) -> bool
- order_money(session, order) -> dict(due, paid, balance, pending, refunded, currency)
When a payment becomes paid, transitions.advance_after_payment(session, order, purpose)
runs in the same transaction.
"""
from __future__ import annotations

import logging
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from flask_babel import lazy_gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..models import Order, Payment, PaymentEvent, ServicePaymentMethod
from ..models.payments import PAYMENT_PURPOSES
from ..models.types import utcnow
from .errors import ValidationFailed
from .payment_methods import BadSignature, GatewayError, configured_methods, get_method

log = logging.getLogger(__name__)
CENT = Decimal("0.01")
OPEN_STATUSES = ("pending", "awaiting_verification")
RECEIVED = ("paid", "refunded", "partly_refunded")


def _q(value) -> Decimal:
    return Decimal(value).quantize(CENT)


def _new_key() -> str:
    return uuid.uuid4().hex


# -- what an order owes ------------------------------------------------------

def _received(session: Session, order_id: int) -> Decimal:
    total = session.execute(
        select(func.coalesce(func.sum(Payment.amount), 0)).where(
            Payment.order_id == order_id, Payment.purpose != "refund", Payment.status.in_(RECEIVED))
    ).scalar()
    return _q(total or 0)


def _refunded(session: Session, order_id: int, refund_of_id: int | None = None) -> Decimal:
    query = select(func.coalesce(func.sum(Payment.amount), 0)).where(
        Payment.purpose == "refund", Payment.status == "paid")
    query = query.where(Payment.refund_of_id == refund_of_id) if refund_of_id else query.where(Payment.order_id == order_id)
    return _q(session.execute(query).scalar() or 0)


def order_money(session: Session, order: Order) -> dict:
    """Due (the order price), paid (received minus refunded), balance, pending; Decimals."""
    received = _received(session, order.id)
    refunded = _refunded(session, order.id)
    pending = session.execute(
        select(func.coalesce(func.sum(Payment.amount), 0)).where(
            Payment.order_id == order.id, Payment.purpose != "refund", Payment.status.in_(OPEN_STATUSES))
    ).scalar()
    due = _q(order.price or 0)
    paid = received - refunded
    return {"due": due, "paid": paid, "balance": max(due - paid, Decimal("0.00")),
            "pending": _q(pending or 0), "refunded": refunded, "currency": order.currency}


def is_paid(session: Session, order: Order, purpose: str) -> bool:
    return session.execute(
        select(Payment.id).where(Payment.order_id == order.id, Payment.purpose == purpose,
                                 Payment.status.in_(RECEIVED)).limit(1)
    ).first() is not None


def fully_paid(session: Session, order: Order) -> bool:
    return order_money(session, order)["balance"] <= 0


# -- requests ----------------------------------------------------------------

def request_payment(session: Session, order: Order, *, purpose: str, percent: Decimal | None = None,
                    amount: Decimal | None = None, remaining: bool = False,
                    methods: list[str] | None = None, notify: bool = True) -> Payment:
    """A pending payment of ``purpose``; the open one is returned when it already exists.

    ``notify=False`` when the caller tells the customer itself (workflows do, with their
    own template), so the customer gets one message, not two."""
    if purpose not in PAYMENT_PURPOSES or purpose == "refund":
        raise ValidationFailed({"purpose": [_("unknown payment purpose %(p)s", p=purpose)]})
    existing = session.execute(
        select(Payment).where(Payment.order_id == order.id, Payment.purpose == purpose,
                              Payment.status.in_(OPEN_STATUSES)).order_by(Payment.id)
    ).scalars().first()
    if existing is not None:
        return existing
    try:
        if amount is not None:
            value = _q(amount)
        elif percent is not None:
            value = _q(Decimal(order.price or 0) * Decimal(str(percent)) / 100)
        elif remaining or purpose in ("balance", "full"):
            value = order_money(session, order)["balance"]
        else:
            raise ValidationFailed({"amount": [_("give an amount, a percentage or remaining")]})
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationFailed({"amount": [_("is not a number")]}) from None
    if value <= 0:
        raise ValidationFailed({"amount": [_("must be more than zero")]})
    payment = Payment(order=order, purpose=purpose, amount=value, currency=order.currency,
                      status="pending", idempotency_key=_new_key(), methods=list(methods) if methods else None)
    session.add(payment)
    session.flush()
    if notify:
        _notify_customer(session, order, "payment_requested", payment)
    return payment


def request_catalog_payment(session: Session, purchase) -> Payment:
    """The payment of a catalog purchase (a ready-made work): the open one when it exists,
    else a new pending one of the purchase's price. No order is involved."""
    if purchase.status != "pending":
        raise ValidationFailed({"status": [_("this purchase is not waiting to be paid")]})
    existing = session.execute(
        select(Payment).where(Payment.catalog_purchase_id == purchase.id, Payment.purpose == "catalog",
                              Payment.status.in_(OPEN_STATUSES)).order_by(Payment.id)
    ).scalars().first()
    if existing is not None:
        return existing
    if purchase.price is None or _q(purchase.price) <= 0:
        raise ValidationFailed({"amount": [_("must be more than zero")]})
    payment = Payment(catalog_purchase=purchase, purpose="catalog", amount=_q(purchase.price),
                      currency=purchase.currency, status="pending", idempotency_key=_new_key(),
                      created_by_id=purchase.user_id)
    session.add(payment)
    session.flush()
    return payment


def offered_methods(session: Session, payment: Payment, config: Mapping[str, Any]) -> list:
    """Configured methods for the currency, narrowed by the service's setting and the request.
    A catalog purchase (no order) is paid online only: the file goes out when the gateway
    confirms, with no counter or transfer proof to wait for."""
    methods = configured_methods(config, payment.currency)
    if payment.order_id is None and payment.catalog_purchase_id is not None:
        methods = [m for m in methods if m.online]
    service_id = payment.order.service_id if payment.order is not None else None
    if service_id is not None:
        rows = session.execute(
            select(ServicePaymentMethod).where(ServicePaymentMethod.service_id == service_id,
                                               ServicePaymentMethod.currency == payment.currency)
        ).scalars().all()
        if rows:
            enabled = {r.method for r in rows if r.enabled}
            methods = [m for m in methods if m.name in enabled]
    if payment.methods:
        methods = [m for m in methods if m.name in payment.methods]
    return methods


def start_charge(session: Session, payment: Payment, method_name: str, config: Mapping[str, Any], *,
                 return_url: str, payment_type: str | None = None) -> Payment:
    """The customer chose a method: ask the adapter for a pay URL or instructions."""
    if payment.status != "pending":
        raise ValidationFailed({"status": [_("this payment is not waiting to be paid")]})
    method = get_method(method_name)
    if method is None or method not in offered_methods(session, payment, config):
        raise ValidationFailed({"method": [_("is not offered for this payment")]})
    if payment_type and payment_type not in method.payment_types:
        raise ValidationFailed({"payment_type": [_("is not offered by this method")]})
    payment.method, payment.provider, payment.payment_type = method.name, method.name, payment_type
    try:
        charge = method.create_charge(payment, config, return_url=return_url)
    except GatewayError as exc:
        log.warning("charge of payment %s through %s failed: %s", payment.id, method.name, exc)
        raise ValidationFailed({"method": [_("the payment provider could not be reached; try again or choose another method")]}) from None
    payment.provider_reference = charge.provider_reference
    payment.pay_url, payment.instructions = charge.pay_url, charge.instructions
    session.flush()
    return payment


# -- becoming paid -------------------------------------------------------------

def _log(session, payment, provider, kind, detail=None):
    session.add(PaymentEvent(payment=payment, provider=provider, kind=kind, detail=detail or {}))


def _claim(session: Session, payment: Payment, *, from_statuses=OPEN_STATUSES, **values) -> bool:
    """Conditional update: only one concurrent caller moves a payment out of an open status."""
    result = session.execute(
        update(Payment).where(Payment.id == payment.id, Payment.status.in_(from_statuses))
        .values(**values).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    session.refresh(payment)
    return True


def _after_paid(session: Session, payment: Payment) -> None:
    if payment.order_id is None and payment.catalog_purchase_id is not None:
        from .ready_works import purchase_paid

        purchase_paid(session, payment)  # the file and its link go out by e-mail
        return
    order = payment.order
    if order is None:
        return
    _notify_customer(session, order, "payment_received", payment)
    try:
        from .transitions import advance_after_payment
    except ImportError:  # the workflow service lands separately
        log.info("transitions.advance_after_payment is not available yet")
    else:
        advance_after_payment(session, order, payment.purpose)
    from .ledger import record_earnings

    record_earnings(session, order)


def mark_paid(session: Session, payment: Payment, *, actor, method: str = "cash", reference: str | None = None) -> Payment:
    """Staff took the money at the counter (or confirm a payment by hand)."""
    if not _claim(session, payment, status="paid", method=payment.method or method, provider=payment.provider or method,
                  paid_at=utcnow(), verified_by_id=getattr(actor, "id", None), verified_at=utcnow()):
        raise ValidationFailed({"status": [_("this payment is not waiting to be paid")]})
    _log(session, payment, method, "marked_paid", {"by": getattr(actor, "id", None), "reference": reference})
    _after_paid(session, payment)
    return payment


def submit_proof(session: Session, payment: Payment, *, stream, filename: str, content_type: str | None,
                 actor, upload_folder: str, allowed: set[str], max_bytes: int) -> Payment:
    """Bank transfer: the customer uploads the proof; an Accountant or Manager verifies it."""
    from .attachments import store_attachment

    if payment.status not in ("pending",) or payment.order is None:
        raise ValidationFailed({"status": [_("this payment is not waiting to be paid")]})
    attachment = store_attachment(session, order=payment.order, stream=stream, filename=filename,
                                  content_type=content_type, kind="payment_proof", uploaded_by=actor,
                                  visible_to_customer=True, upload_folder=upload_folder,
                                  allowed=allowed, max_bytes=max_bytes)
    session.flush()
    if not _claim(session, payment, from_statuses=("pending",), status="awaiting_verification",
                  proof_id=attachment.id, method="transfer", provider="transfer", rejection_reason=None):
        raise ValidationFailed({"status": [_("this payment is not waiting to be paid")]})
    _notify_staff(session, payment.order, "payment_proof_uploaded", payment)
    return payment


def verify_proof(session: Session, payment: Payment, *, actor, accept: bool, reason: str | None = None) -> Payment:
    if not accept and not (reason or "").strip():
        raise ValidationFailed({"reason": [_("is required when rejecting a proof")]})
    if accept:
        ok = _claim(session, payment, from_statuses=("awaiting_verification",), status="paid", paid_at=utcnow(),
                    verified_by_id=actor.id, verified_at=utcnow())
    else:
        ok = _claim(session, payment, from_statuses=("awaiting_verification",), status="pending",
                    rejection_reason=reason.strip(), verified_by_id=actor.id, verified_at=utcnow())
    if not ok:
        raise ValidationFailed({"status": [_("this payment has no proof waiting for verification")]})
    _log(session, payment, "transfer", "verified" if accept else "rejected", {"by": actor.id, "reason": reason})
    if accept:
        _after_paid(session, payment)
    else:
        _notify_customer(session, payment.order, "payment_rejected", payment, reason=reason)
    return payment


def handle_callback(session: Session, provider: str, body: bytes, headers: Mapping[str, str],
                    config: Mapping[str, Any]) -> tuple[int, str]:
    """Verify and apply a provider's notification. Returns (HTTP status, short message).

    Bad signature: 401 (logged). Unknown reference: 404. Replays change nothing (200).
    Amount or currency mismatch: not paid, flagged (200 so the provider stops retrying).
    """
    method = get_method(provider)
    if method is None or not method.configured(config):
        return 404, "unknown provider"
    try:
        event = method.parse_notification(body, headers, config)
    except BadSignature as exc:
        log.warning("payment callback from %s refused: %s", provider, exc)
        _log(session, None, provider, "bad_signature", {"error": str(exc), "body": body[:2000].decode("utf-8", "replace")})
        session.commit()
        return 401, "bad signature"
    query = select(Payment).where(Payment.provider == provider, Payment.provider_reference == event.provider_reference)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    payment = session.execute(query).scalars().first()
    if payment is None:
        _log(session, None, provider, "unknown_reference", {"reference": event.provider_reference})
        session.commit()
        return 404, "unknown payment"
    detail = {"reference": event.provider_reference, "status": event.status,
              "amount": str(event.amount) if event.amount is not None else None, "currency": event.currency}
    if payment.status not in OPEN_STATUSES:
        _log(session, payment, provider, "replayed", detail)
        session.commit()
        return 200, "already processed"
    if event.status == "paid":
        if event.amount is None or _q(event.amount) != _q(payment.amount) or (event.currency or "").upper() != payment.currency:
            reason = (f"provider reported {event.amount} {event.currency}, "
                      f"requested {payment.amount} {payment.currency}")
            payment.flagged, payment.flag_reason = True, reason
            _log(session, payment, provider, "mismatch", detail)
            session.commit()
            return 200, "flagged: amount or currency mismatch"
        if not _claim(session, payment, status="paid", paid_at=utcnow(), payment_type=event.payment_type or payment.payment_type):
            session.rollback()
            return 200, "already processed"
        _log(session, payment, provider, "paid", detail)
        _after_paid(session, payment)
    elif event.status == "failed":
        if not _claim(session, payment, status="failed"):
            session.rollback()
            return 200, "already processed"
        _log(session, payment, provider, "failed", detail)
    else:
        _log(session, payment, provider, "pending", detail)
    session.commit()
    return 200, "ok"


def cancel_payment(session: Session, payment: Payment, *, actor) -> Payment:
    if not _claim(session, payment, status="cancelled"):
        raise ValidationFailed({"status": [_("only an unpaid payment can be cancelled")]})
    _log(session, payment, payment.provider, "cancelled", {"by": getattr(actor, "id", None)})
    return payment


# -- refunds --------------------------------------------------------------------

def refund(session: Session, payment: Payment, *, amount: Decimal | None, reason: str, actor,
           decision: dict | None = None, config: Mapping[str, Any] | None = None) -> Payment:
    """Pay back all (amount None) or part of a paid payment; never more than was paid."""
    errors: dict[str, list] = {}
    if not (reason or "").strip():
        errors["reason"] = [_("is required")]
    # Lock the refunded payment so two refunds cannot both pass the limit check.
    query = select(Payment).where(Payment.id == payment.id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    payment = session.execute(query).scalars().one()
    if payment.purpose == "refund" or payment.status not in ("paid", "partly_refunded"):
        errors["payment"] = [_("only a paid payment can be refunded")]
    already = _refunded(session, payment.order_id, refund_of_id=payment.id)
    left = _q(payment.amount) - already
    try:
        value = left if amount in (None, "") else _q(Decimal(str(amount)))
    except InvalidOperation:
        errors["amount"] = [_("is not a number")]
        value = Decimal(0)
    if "amount" not in errors and (value <= 0 or value > left):
        errors["amount"] = [_("must be more than 0 and at most %(left)s %(cur)s (paid %(paid)s, refunded %(done)s)",
                              left=left, cur=payment.currency, paid=payment.amount, done=already)]
    if errors:
        raise ValidationFailed(errors)
    key = _new_key()
    refund_row = Payment(order_id=payment.order_id, catalog_purchase_id=payment.catalog_purchase_id,
                         purpose="refund", amount=value, currency=payment.currency, refund_of_id=payment.id,
                         refund_reason=reason.strip(), decision=decision or {"by": getattr(actor, "id", None)},
                         idempotency_key=key, created_by_id=getattr(actor, "id", None), status="pending")
    method = get_method(payment.method or "")
    if method is not None and method.supports_refund and config is not None and method.configured(config):
        try:
            answer = method.refund(payment, value, config, key=key, reason=reason.strip())
        except GatewayError as exc:
            raise ValidationFailed({"payment": [_("the provider refused the refund: %(e)s", e=str(exc)[:200])]}) from None
        refund_row.method = refund_row.provider = method.name
        refund_row.provider_reference = str((answer or {}).get("id") or key)
        refund_row.decision = {**(refund_row.decision or {}), "gateway": True}
    else:
        refund_row.method, refund_row.provider = "manual", "manual"
        refund_row.instructions = str(_("Paid out by hand"))
        refund_row.decision = {**(refund_row.decision or {}), "gateway": False}
    refund_row.status, refund_row.paid_at = "paid", utcnow()
    session.add(refund_row)
    payment.status = "refunded" if already + value >= _q(payment.amount) else "partly_refunded"
    session.flush()
    if payment.catalog_purchase_id is not None and payment.status == "refunded":
        from .ready_works import purchase_refunded

        purchase_refunded(session, payment)  # the download link stops working
    return refund_row


# -- messages -----------------------------------------------------------------------

def _notify_customer(session, order, template, payment, **extra):
    customer = getattr(order, "customer", None)
    if customer is None:
        return
    recipient = customer.user if getattr(customer, "user", None) is not None else customer
    from .notifications import notify

    notify(session, to=[recipient], template=template, order=order,
           context={"order": order.number, "title": order.title, "amount": str(payment.amount),
                    "currency": payment.currency, "purpose": payment.purpose, **extra})


def _notify_staff(session, order, template, payment):
    from .notifications import notify

    people = [p for p in (order.manager,) if p is not None]
    if people:
        notify(session, to=people, template=template, order=order, channels=("inapp",),
               context={"order": order.number, "title": order.title, "amount": str(payment.amount),
                        "currency": payment.currency, "purpose": payment.purpose})
