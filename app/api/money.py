"""REST APIs for payments, payouts, the earnings ledger and notifications."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask import Response, current_app, g, request
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import LedgerEntry, Notification, NotificationTemplate, Order, Payment, Payout
from ..permissions import API_METHOD_PERMISSIONS
from ..services import access, attachments as attachment_service, ledger as ledger_service, money_access
from ..services import notifications as notification_service, payments as payment_service
from ..services.errors import ValidationFailed
from .base import OrderflowModelApi, RowLevelModelApi, refused

PAYMENT_FIELDS = [
    "id", "order.id", "order.number", "catalog_purchase.id", "catalog_purchase.reference", "purpose", "method", "provider", "payment_type",
    "amount", "currency", "status", "provider_reference", "pay_url", "instructions", "proof.id",
    "verified_by.username", "verified_at", "rejection_reason", "refund_of.id", "refund_reason", "decision",
    "flagged", "flag_reason", "created", "paid_at",
]


def _money_json(m: dict) -> dict:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in m.items()}


def payment_json(p: Payment) -> dict:
    return {"id": p.id, "order_id": p.order_id, "catalog_purchase_id": p.catalog_purchase_id, "purpose": p.purpose, "method": p.method,
            "payment_type": p.payment_type, "amount": str(p.amount), "currency": p.currency, "status": p.status,
            "pay_url": p.pay_url, "instructions": p.instructions, "provider_reference": p.provider_reference,
            "flagged": p.flagged, "flag_reason": p.flag_reason, "refund_of_id": p.refund_of_id,
            "rejection_reason": p.rejection_reason}


def order_money_response(api, order_id: int):
    """Shared by OrderApi.money: due / paid / balance and the order's payments."""
    from ..services.order_privacy import is_author_only

    if not access.can_see_order(db.session, g.user, order_id) or is_author_only(g.user):
        return api.response_404()  # authors never see what the client pays
    order = db.session.get(Order, order_id)
    payments = db.session.execute(select(Payment).where(Payment.order_id == order.id).order_by(Payment.id)).scalars()
    return api.response(200, id=order.id, number=order.number, state=order.state,
                        **_money_json(payment_service.order_money(db.session, order)),
                        payments=[payment_json(p) for p in payments])


def _decimal(raw, field):
    if raw in (None, ""):
        return None
    try:
        return Decimal(str(raw))
    except InvalidOperation:
        raise ValidationFailed({field: [_("is not a number")]}) from None


class PaymentApi(RowLevelModelApi):
    """Payments. Created by workflows (request_payment) or ``POST /request``; paid through
    ``/<id>/charge`` (a gateway's pay URL or instructions), ``/<id>/proof`` (bank transfer),
    ``/<id>/mark_paid`` (cash); verified with ``/<id>/verify``; refunded with ``/<id>/refund``."""

    resource_name = "payment"
    class_permission_name = "Payment"
    method_permission_name = {**API_METHOD_PERMISSIONS, "methods": "read", "charge": "pay", "proof": "pay",
                              "verify": "edit", "mark_paid": "edit", "refund": "edit", "request_payment": "edit"}
    base_permissions = ["can_read", "can_edit", "can_delete", "can_pay"]
    datamodel = SQLAInterface(Payment)
    list_columns = show_columns = PAYMENT_FIELDS
    edit_columns = ["flagged", "flag_reason"]
    search_columns = ["purpose", "method", "status", "flagged", "order", "created"]
    order_columns = ["id", "created", "amount", "status"]
    base_order = ("id", "desc")

    def _payment(self, pk):
        return money_access.can_see_payment(db.session, g.user, pk)

    def _run(self, fn):
        try:
            result = fn()
            db.session.commit()
        except ValidationFailed as exc:
            return refused(self, exc)
        return self.response(200, **payment_json(result))

    @expose("/<int:pk>/methods", methods=["GET"])
    @protect()
    @safe
    def methods(self, pk):
        """Methods offered for this payment.
        ---
        get:
          responses:
            200:
              description: "[{name, label, payment_types}]"
        """
        payment = self._payment(pk)
        if payment is None:
            return self.response_404()
        offered = payment_service.offered_methods(db.session, payment, current_app.config)
        return self.response(200, methods=[{"name": m.name, "label": m.label, "payment_types": list(m.payment_types)}
                                           for m in offered])

    @expose("/<int:pk>/charge", methods=["POST"])
    @protect()
    @safe
    def charge(self, pk):
        """Choose a method: answers the pay URL or instructions.
        ---
        post:
          requestBody:
            content:
              application/json:
                schema: {type: object, properties: {method: {type: string}, payment_type: {type: string}, return_url: {type: string}}}
          responses:
            200: {description: the payment with pay_url / instructions}
            422: {description: fields and reasons}
        """
        payment = self._payment(pk)
        if payment is None:
            return self.response_404()
        data = request.get_json(silent=True) or {}
        return self._run(lambda: payment_service.start_charge(
            db.session, payment, str(data.get("method", "")), current_app.config,
            return_url=data.get("return_url") or request.host_url, payment_type=data.get("payment_type")))

    @expose("/<int:pk>/proof", methods=["POST"])
    @protect()
    @safe
    def proof(self, pk):
        """Upload a bank-transfer proof (multipart ``file``).
        ---
        post:
          responses:
            200: {description: the payment, now awaiting_verification}
        """
        payment = self._payment(pk)
        if payment is None:
            return self.response_404()
        upload = request.files.get("file")
        if upload is None:
            return self.response_422(message={"file": [str(_("is required"))]})
        return self._run(lambda: payment_service.submit_proof(
            db.session, payment, stream=upload.stream, filename=upload.filename, content_type=upload.mimetype,
            actor=g.user, **attachment_service.upload_limits(current_app.config)))

    @expose("/<int:pk>/verify", methods=["POST"])
    @protect()
    @safe
    def verify(self, pk):
        """Accept or reject a proof: {"accept": true} or {"accept": false, "reason": "..."}.
        ---
        post:
          responses:
            200: {description: the payment}
        """
        payment = self._payment(pk)
        if payment is None:
            return self.response_404()
        data = request.get_json(silent=True) or {}
        return self._run(lambda: payment_service.verify_proof(
            db.session, payment, actor=g.user, accept=bool(data.get("accept")), reason=data.get("reason")))

    @expose("/<int:pk>/mark_paid", methods=["POST"])
    @protect()
    @safe
    def mark_paid(self, pk):
        """Cash received at the counter.
        ---
        post:
          responses:
            200: {description: the payment}
        """
        payment = self._payment(pk)
        if payment is None:
            return self.response_404()
        return self._run(lambda: payment_service.mark_paid(db.session, payment, actor=g.user, method="cash"))

    @expose("/<int:pk>/refund", methods=["POST"])
    @protect()
    @safe
    def refund(self, pk):
        """Refund all (no amount) or part: {"amount": "100.00", "reason": "...", "decision": {...}}.
        ---
        post:
          responses:
            200: {description: the refund payment}
            422: {description: over the paid amount, missing reason}
        """
        payment = self._payment(pk)
        if payment is None:
            return self.response_404()
        data = request.get_json(silent=True) or {}
        return self._run(lambda: payment_service.refund(
            db.session, payment, amount=_decimal(data.get("amount"), "amount"), reason=str(data.get("reason") or ""),
            actor=g.user, decision=data.get("decision") or {"by": g.user.username, "via": "api"},
            config=current_app.config))

    @expose("/request", methods=["POST"])
    @protect()
    @safe
    def request_payment(self):
        """Request a payment: {"order_id", "purpose", "percent" | "amount" | "remaining": true}.
        ---
        post:
          responses:
            200: {description: the (pending) payment}
        """
        data = request.get_json(silent=True) or {}
        order_id = data.get("order_id")
        if not isinstance(order_id, int) or not access.can_see_order(db.session, g.user, order_id):
            return self.response_404()
        order = db.session.get(Order, order_id)

        def run():
            return payment_service.request_payment(
                db.session, order, purpose=str(data.get("purpose", "")), percent=_decimal(data.get("percent"), "percent"),
                amount=_decimal(data.get("amount"), "amount"), remaining=bool(data.get("remaining")),
                methods=data.get("methods"))
        return self._run(run)


class PayoutApi(RowLevelModelApi):
    resource_name = "payout"
    class_permission_name = "Payout"
    method_permission_name = {**API_METHOD_PERMISSIONS, "mark_paid": "edit", "run": "edit", "export": "read"}
    base_permissions = ["can_read", "can_edit", "can_delete"]
    datamodel = SQLAInterface(Payout)
    list_columns = show_columns = ["id", "worker.id", "worker.username", "amount", "currency", "status", "reference",
                                   "paid_at", "created", "decision"]
    edit_columns = ["reference"]
    search_columns = ["status", "currency", "worker", "created"]
    base_order = ("id", "desc")

    @expose("/mark_paid", methods=["POST"])
    @protect()
    @safe
    def mark_paid(self):
        """Mark payouts paid: {"ids": [..], "reference": "...", "paid_at": "2026-01-31"}.
        ---
        post:
          responses:
            200: {description: the payouts marked paid}
        """
        data = request.get_json(silent=True) or {}
        ids = data.get("ids") or []
        try:
            paid_at = datetime.fromisoformat(data["paid_at"]) if data.get("paid_at") else None
        except (TypeError, ValueError):
            return self.response_422(message={"paid_at": [str(_("is not a date (YYYY-MM-DD)"))]})
        if not ids or not all(isinstance(i, int) for i in ids):
            return self.response_422(message={"ids": [str(_("choose at least one payout"))]})
        try:
            done = []
            for payout_id in ids:
                payout = db.session.get(Payout, payout_id)
                if payout is None:
                    db.session.rollback()
                    return self.response_404()
                done.append(ledger_service.mark_payout_paid(db.session, payout, actor=g.user,
                                                            reference=str(data.get("reference") or ""), paid_at=paid_at))
            db.session.commit()
        except ValidationFailed as exc:
            return refused(self, exc)
        return self.response(200, paid=[p.id for p in done])

    @expose("/run", methods=["POST"])
    @protect()
    @safe
    def run(self):
        """Run the payout job now (the payout.threshold rule set per worker).
        ---
        post:
          responses:
            200: {description: the payouts created}
        """
        created = ledger_service.run_payouts(db.session)
        return self.response(200, created=[{"id": p.id, "worker_id": p.worker_id, "amount": str(p.amount),
                                            "currency": p.currency} for p in created])

    @expose("/export.csv", methods=["GET"])
    @protect()
    @safe
    def export(self):
        """Payouts as CSV (?status=due|paid|all).
        ---
        get:
          responses:
            200: {description: text/csv}
        """
        status = request.args.get("status", "due")
        query = select(Payout).order_by(Payout.id)
        if status in ("due", "paid"):
            query = query.where(Payout.status == status)
        clause = money_access.payout_clause(g.user)
        if clause is not None:
            query = query.where(clause)
        return Response(ledger_service.payouts_csv(db.session.execute(query).scalars().all()), mimetype="text/csv")


class LedgerApi(RowLevelModelApi):
    resource_name = "ledger_entry"
    class_permission_name = "Ledger"
    method_permission_name = {**API_METHOD_PERMISSIONS, "balance": "read"}
    datamodel = SQLAInterface(LedgerEntry)
    list_columns = show_columns = ["id", "worker.id", "worker.username", "kind", "amount", "currency", "order.id",
                                   "order.number", "payout.id", "note", "created"]
    add_columns = ["worker", "amount", "currency", "note"]
    edit_columns = ["note"]
    search_columns = ["kind", "currency", "worker", "order", "created"]
    base_order = ("id", "desc")

    def pre_add(self, item):
        errors = {}
        if item.worker is None:
            errors["worker"] = [str(_("is required"))]
        if not item.currency:
            errors["currency"] = [str(_("is required"))]
        if errors:
            raise ValidationFailed(errors)
        item.kind = "adjustment"
        item.amount = ledger_service.validate_adjustment(item.amount, item.note)

    @expose("/balance", methods=["GET"])
    @protect()
    @safe
    def balance(self):
        """The caller's balances (or ?worker_id= for staff who see every ledger).
        ---
        get:
          responses:
            200: {description: "{currency: {balance, unpaid}}"}
        """
        worker_id = g.user.id
        if request.args.get("worker_id", "").isdigit() and money_access.ledger_clause(g.user) is None:
            worker_id = int(request.args["worker_id"])
        balances = ledger_service.balances(db.session, worker_id)
        return self.response(200, worker_id=worker_id,
                             balances={c: {k: str(v) for k, v in b.items()} for c, b in balances.items()})


class NotificationApi(RowLevelModelApi):
    resource_name = "notification"
    class_permission_name = "Notification"
    base_permissions = ["can_read", "can_edit", "can_delete"]
    datamodel = SQLAInterface(Notification)
    list_columns = show_columns = ["id", "user.id", "user.username", "email", "channel", "template", "language",
                                   "subject", "body", "status", "attempts", "last_error", "sent_at", "read_at",
                                   "created", "order.id", "attachments"]
    edit_columns = ["status"]
    search_columns = ["status", "channel", "template", "email", "created"]
    base_order = ("id", "desc")

    def pre_update(self, item):
        if item.status not in ("pending", "failed", "sent"):
            raise ValidationFailed({"status": [str(_("must be pending, sent or failed"))]})
        if item.status == "pending":
            notification_service.retry(db.session, item)


class NotificationTemplateApi(OrderflowModelApi):
    resource_name = "notification_template"
    class_permission_name = "NotificationTemplate"
    datamodel = SQLAInterface(NotificationTemplate)
    list_columns = show_columns = ["id", "key", "language", "subject", "body"]
    add_columns = edit_columns = ["key", "language", "subject", "body"]
    search_columns = ["key", "language"]

    def pre_add(self, item):
        self.pre_update(item)

    def pre_update(self, item):
        errors = notification_service.check_template(item.subject, item.body)
        if item.language not in notification_service.LANGUAGES:
            errors["language"] = [str(_("must be one of: %(l)s", l=", ".join(notification_service.LANGUAGES)))]
        if errors:
            raise ValidationFailed(errors)


MONEY_APIS = [PaymentApi, PayoutApi, LedgerApi, NotificationApi, NotificationTemplateApi]
