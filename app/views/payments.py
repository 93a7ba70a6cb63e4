"""Payments in the browser: the order's money panel, paying, proofs, verification, refunds,
the sandbox gateway's pay page and the providers' callback endpoint."""
from __future__ import annotations

from decimal import Decimal

from flask import abort, current_app, flash, g, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _

from ..extensions import csrf, db
from ..models import Order, Payment, ServicePaymentMethod
from ..models.payments import PAYMENT_PURPOSES
from ..permissions import VIEW_METHOD_PERMISSIONS
from ..services import access, attachments as attachment_service, money_access, payments as payment_service
from ..services.errors import ValidationFailed
from ..services.payment_methods import get_method
from ..services.payment_methods.sandbox import SIGNATURE_HEADER, callback_body, sign
from .base import OrderflowModelView, RowLevelModelView, flash_validation
from .formatting import money, when

PURPOSE_LABELS = {
    "down_payment": _("Down payment"), "deposit": _("Deposit"), "balance": _("Balance"), "full": _("Full payment"),
    "promotion_fee": _("Promotion fee"), "parts": _("Parts"), "catalog": _("Catalog purchase"), "refund": _("Refund"),
}
STATUS_LABELS = {
    "pending": _("Pending"), "awaiting_verification": _("Awaiting verification"), "paid": _("Paid"),
    "failed": _("Failed"), "cancelled": _("Cancelled"), "refunded": _("Refunded"),
    "partly_refunded": _("Partly refunded"),
}
METHOD_LABELS = {
    "cash": _("Cash at the counter"), "transfer": _("Bank transfer (upload the proof)"),
    "sandbox": _("Sandbox gateway (test payments)"), "midtrans": _("GoPay, ShopeePay, QRIS (Midtrans)"),
    "xendit": _("OVO, DANA, ShopeePay, QRIS (Xendit)"), "yookassa": _("Bank card, SBP, YooMoney (YooKassa)"),
    "manual": _("Paid out by hand"),
}


def money_context(order) -> dict:
    """What orders/show.html needs for the money panel."""
    payments = db.session.query(Payment).filter(Payment.order_id == order.id).order_by(Payment.id).all()
    return {"order_money": payment_service.order_money(db.session, order), "order_payments": payments,
            "purpose_labels": PURPOSE_LABELS, "payment_status_labels": STATUS_LABELS,
            "method_labels": METHOD_LABELS, "payment_purposes": [p for p in PAYMENT_PURPOSES if p != "refund"]}


def _return_to(payment) -> str:
    if payment.order_id:
        return url_for("OrderView.show", pk=payment.order_id)
    if payment.catalog_purchase is not None:  # the buyer's own purchase page (thank-you)
        return url_for("CatalogShopView.purchase", reference=payment.catalog_purchase.reference)
    return url_for("PaymentView.list")


class PaymentView(RowLevelModelView):
    datamodel = SQLAInterface(Payment)
    class_permission_name = "Payment"
    method_permission_name = {
        **VIEW_METHOD_PERMISSIONS, "pay": "pay", "charge": "pay", "proof": "pay",
        "verify": "edit", "mark_paid": "edit", "refund": "edit", "request_payment": "edit", "cancel": "edit",
    }
    base_permissions = ["can_read", "can_edit", "can_delete", "can_pay"]
    list_columns = ["id", "order", "purpose", "method", "amount_display", "status", "flagged", "created", "paid_at"]
    show_columns = ["id", "order", "purpose", "method", "provider", "payment_type", "amount_display", "status",
                    "provider_reference", "pay_url", "instructions", "proof", "verified_by", "verified_at",
                    "rejection_reason", "refund_of", "refund_reason", "decision", "flagged", "flag_reason",
                    "idempotency_key", "created", "paid_at"]
    edit_columns = ["flagged", "flag_reason"]
    search_columns = ["order", "purpose", "method", "status", "flagged", "provider_reference", "created"]
    base_order = ("id", "desc")
    formatters_columns = {
        "created": when, "paid_at": when, "verified_at": when,
        "purpose": lambda p: str(PURPOSE_LABELS.get(p, p)),
        "status": lambda s: str(STATUS_LABELS.get(s, s)),
        "method": lambda m: str(METHOD_LABELS.get(m, m or "")),
    }
    label_columns = {
        "id": _("No."), "order": _("Order"), "purpose": _("Purpose"), "method": _("Method"),
        "provider": _("Provider"), "payment_type": _("Payment type"), "amount_display": _("Amount"),
        "status": _("Status"), "provider_reference": _("Provider reference"), "pay_url": _("Pay link"),
        "instructions": _("Instructions"), "proof": _("Proof of payment"), "verified_by": _("Verified by"),
        "verified_at": _("Verified at"), "rejection_reason": _("Rejection reason"), "refund_of": _("Refund of"),
        "refund_reason": _("Refund reason"), "decision": _("Decision"), "flagged": _("Flagged"),
        "flag_reason": _("Flag reason"), "idempotency_key": _("Idempotency key"), "created": _("Created"),
        "paid_at": _("Paid at"),
    }
    list_title = _("Payments")
    show_title = _("Payment")
    edit_title = _("Edit payment")

    def _payment(self, pk) -> Payment:
        payment = money_access.can_see_payment(db.session, g.user, pk)
        if payment is None:
            abort(404)
        return payment

    @expose("/pay/<int:pk>")
    @has_access
    def pay(self, pk):
        payment = self._payment(pk)
        methods = payment_service.offered_methods(db.session, payment, current_app.config) if payment.status == "pending" else []
        return self.render_template("payments/pay.html", payment=payment, methods=methods,
                                    method_labels=METHOD_LABELS, purpose_labels=PURPOSE_LABELS,
                                    status_labels=STATUS_LABELS, money=money)

    @expose("/charge/<int:pk>", methods=["POST"])
    @has_access
    def charge(self, pk):
        payment = self._payment(pk)
        try:
            payment_service.start_charge(db.session, payment, request.form.get("method", ""), current_app.config,
                                         return_url=url_for("OrderView.show", pk=payment.order_id, _external=True)
                                         if payment.order_id else request.host_url.rstrip("/") + _return_to(payment),
                                         payment_type=request.form.get("payment_type") or None)
            db.session.commit()
        except ValidationFailed as exc:
            flash_validation(exc)
            return redirect(url_for("PaymentView.pay", pk=pk))
        if payment.pay_url:
            return redirect(payment.pay_url)
        return redirect(url_for("PaymentView.pay", pk=pk))

    @expose("/proof/<int:pk>", methods=["POST"])
    @has_access
    def proof(self, pk):
        payment = self._payment(pk)
        upload = request.files.get("file")
        try:
            if upload is None or not upload.filename:
                raise ValidationFailed({"file": [_("is required")]})
            payment_service.submit_proof(db.session, payment, stream=upload.stream, filename=upload.filename,
                                         content_type=upload.mimetype, actor=g.user,
                                         **attachment_service.upload_limits(current_app.config))
            db.session.commit()
            flash(_("Thank you: your proof of payment will be checked."), "success")
        except ValidationFailed as exc:
            flash_validation(exc)
        return redirect(url_for("PaymentView.pay", pk=pk))

    @expose("/verify/<int:pk>", methods=["POST"])
    @has_access
    def verify(self, pk):
        payment = self._payment(pk)
        accept = request.form.get("decision") == "accept"
        try:
            payment_service.verify_proof(db.session, payment, actor=g.user, accept=accept,
                                         reason=request.form.get("reason"))
            db.session.commit()
            flash(_("Payment verified.") if accept else _("Proof rejected."), "success")
        except ValidationFailed as exc:
            flash_validation(exc)
        return redirect(_return_to(payment))

    @expose("/mark_paid/<int:pk>", methods=["POST"])
    @has_access
    def mark_paid(self, pk):
        payment = self._payment(pk)
        try:
            payment_service.mark_paid(db.session, payment, actor=g.user, method="cash")
            db.session.commit()
            flash(_("Payment recorded as paid in cash."), "success")
        except ValidationFailed as exc:
            flash_validation(exc)
        return redirect(_return_to(payment))

    @expose("/cancel/<int:pk>", methods=["POST"])
    @has_access
    def cancel(self, pk):
        payment = self._payment(pk)
        try:
            payment_service.cancel_payment(db.session, payment, actor=g.user)
            db.session.commit()
            flash(_("Payment cancelled."), "success")
        except ValidationFailed as exc:
            flash_validation(exc)
        return redirect(_return_to(payment))

    @expose("/refund/<int:pk>", methods=["POST"])
    @has_access
    def refund(self, pk):
        payment = self._payment(pk)
        try:
            payment_service.refund(db.session, payment, amount=request.form.get("amount") or None,
                                   reason=request.form.get("reason", ""), actor=g.user,
                                   decision={"by": g.user.username, "via": "order page"}, config=current_app.config)
            db.session.commit()
            flash(_("Refund recorded."), "success")
        except ValidationFailed as exc:
            flash_validation(exc)
        return redirect(_return_to(payment))

    @expose("/request/<int:order_id>", methods=["POST"])
    @has_access
    def request_payment(self, order_id):
        if not access.can_see_order(db.session, g.user, order_id):
            abort(404)
        order = db.session.get(Order, order_id)
        form = request.form
        try:
            kwargs = {}
            if form.get("percent"):
                kwargs["percent"] = _decimal(form["percent"], "percent")
            elif form.get("amount"):
                kwargs["amount"] = _decimal(form["amount"], "amount")
            else:
                kwargs["remaining"] = True
            payment_service.request_payment(db.session, order, purpose=form.get("purpose", ""), **kwargs)
            db.session.commit()
            flash(_("Payment requested."), "success")
        except ValidationFailed as exc:
            flash_validation(exc)
        return redirect(url_for("OrderView.show", pk=order_id))


def _decimal(raw, field):
    try:
        return Decimal(str(raw).replace(",", "."))
    except Exception:
        raise ValidationFailed({field: [_("is not a number")]}) from None


class ServicePaymentMethodView(OrderflowModelView):
    """Which methods a service offers per currency (no rows: every configured method)."""

    datamodel = SQLAInterface(ServicePaymentMethod)
    class_permission_name = "Service"
    list_columns = ["service", "currency", "method", "enabled"]
    add_columns = edit_columns = ["service", "currency", "method", "enabled"]
    label_columns = {"service": _("Service"), "currency": _("Currency"), "method": _("Method"), "enabled": _("Enabled")}
    description_columns = {"method": _("cash, transfer, sandbox, midtrans, xendit or yookassa")}
    list_title = _("Payment methods per service")

    def pre_add(self, item):
        self._check(item)

    def pre_update(self, item):
        self._check(item)

    def _check(self, item):
        errors = {}
        if get_method(item.method or "") is None:
            errors["method"] = [_("unknown method")]
        elif item.currency not in get_method(item.method).currencies:
            errors["currency"] = [_("this method does not take %(c)s", c=item.currency)]
        if errors:
            raise ValidationFailed(errors)


class PaymentGatewayView(BaseView):
    """Provider callbacks and the sandbox gateway's own pay page (no login: signed data)."""

    route_base = "/payments"
    default_view = "sandbox_page"

    @expose("/callback/<provider>", methods=["POST"])
    def callback(self, provider):
        status, message = payment_service.handle_callback(
            db.session, provider, request.get_data(), dict(request.headers), current_app.config)
        return jsonify(status=status, message=message), status

    @expose("/sandbox/<reference>", methods=["GET", "POST"])
    def sandbox_page(self, reference):
        if not current_app.config.get("SANDBOX_GATEWAY_ENABLED"):
            abort(404)
        payment = db.session.query(Payment).filter_by(provider="sandbox", provider_reference=reference).first()
        if payment is None:
            abort(404)
        if request.method == "POST":
            outcome = "paid" if request.form.get("outcome") == "pay" else "failed"
            body = callback_body(reference, outcome, payment.amount, payment.currency)
            # The gateway's signed notification, through the same path as a provider's.
            status, message = payment_service.handle_callback(
                db.session, "sandbox", body, {SIGNATURE_HEADER: sign(body, current_app.config)}, current_app.config)
            if status == 200 and outcome == "paid":
                flash(_("Payment successful. Thank you!"), "success")
            elif status == 200:
                flash(_("The payment failed."), "warning")
            else:
                flash(message, "danger")
            return redirect(_return_to(payment))
        return self.render_template("payments/sandbox_pay.html", payment=payment, reference=reference,
                                    purpose_labels=PURPOSE_LABELS)


def exempt_callbacks(app) -> None:
    csrf.exempt(f"{PaymentGatewayView.__module__}.callback")
