"""Earnings ledger, payouts (the accountant's page) and the worker's own balance."""
from __future__ import annotations

from datetime import datetime

from flask import Response, abort, flash, g, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import LedgerEntry, Payout, WorkerShare
from ..permissions import VIEW_METHOD_PERMISSIONS
from ..services import ledger as ledger_service, money_access
from ..services.errors import ValidationFailed
from .base import OrderflowModelView, RowLevelModelView, flash_validation
from .formatting import money, when

KIND_LABELS = {"earning": _("Earning"), "adjustment": _("Adjustment"), "payout": _("Payout")}


class LedgerEntryView(RowLevelModelView):
    datamodel = SQLAInterface(LedgerEntry)
    class_permission_name = "Ledger"
    method_permission_name = {**VIEW_METHOD_PERMISSIONS, "mine": "read"}
    list_columns = ["created", "worker", "kind", "amount_display", "order", "payout", "note"]
    show_columns = list_columns
    add_columns = ["worker", "amount", "currency", "note"]
    search_columns = ["worker", "kind", "order", "currency", "created"]
    base_order = ("id", "desc")
    formatters_columns = {"created": when, "kind": lambda k: str(KIND_LABELS.get(k, k))}
    label_columns = {"created": _("Date"), "worker": _("Worker"), "kind": _("Kind"), "amount_display": _("Amount"),
                     "amount": _("Amount"), "currency": _("Currency"), "order": _("Order"), "payout": _("Payout"),
                     "note": _("Note")}
    description_columns = {"amount": _("An adjustment: positive adds to the worker's earnings, negative takes away.")}
    list_title = _("Earnings ledger")
    add_title = _("New adjustment")

    def pre_add(self, item):
        errors = {}
        if item.worker is None:
            errors["worker"] = [_("is required")]
        if not item.currency:
            errors["currency"] = [_("is required")]
        if errors:
            raise ValidationFailed(errors)
        item.kind = "adjustment"
        item.amount = ledger_service.validate_adjustment(item.amount, item.note)

    @expose("/mine")
    @has_access
    def mine(self):
        entries = db.session.execute(
            select(LedgerEntry).where(LedgerEntry.worker_id == g.user.id).order_by(LedgerEntry.id.desc()).limit(500)
        ).scalars().all()
        payouts = db.session.execute(
            select(Payout).where(Payout.worker_id == g.user.id).order_by(Payout.id.desc()).limit(100)
        ).scalars().all()
        return self.render_template("earnings/mine.html", entries=entries, payouts=payouts,
                                    balances=ledger_service.balances(db.session, g.user.id),
                                    kind_labels=KIND_LABELS, money=money)


class PayoutView(RowLevelModelView):
    datamodel = SQLAInterface(Payout)
    class_permission_name = "Payout"
    method_permission_name = {**VIEW_METHOD_PERMISSIONS, "due": "read", "export": "read", "pay": "edit",
                              "run": "edit"}
    base_permissions = ["can_read", "can_edit", "can_delete"]
    list_columns = ["id", "worker", "amount_display", "status", "created", "reference", "paid_at", "paid_by"]
    show_columns = list_columns + ["decision"]
    edit_columns = ["reference"]
    search_columns = ["worker", "status", "currency", "created", "paid_at", "reference"]
    base_order = ("id", "desc")
    formatters_columns = {"created": when, "paid_at": when,
                          "status": lambda s: str({"due": _("Due"), "paid": _("Paid")}.get(s, s))}
    label_columns = {"id": _("No."), "worker": _("Worker"), "amount_display": _("Amount"), "status": _("Status"),
                     "created": _("Created"), "reference": _("Reference"), "paid_at": _("Paid at"),
                     "paid_by": _("Paid by"), "decision": _("Decision")}
    list_title = _("Payouts")
    show_title = _("Payout")

    @expose("/due")
    @has_access
    def due(self):
        rows = db.session.execute(select(Payout).where(Payout.status == "due").order_by(Payout.id)).scalars().all()
        visible = [p for p in rows if money_access.payout_clause(g.user) is None or p.worker_id == g.user.id]
        return self.render_template("earnings/due.html", payouts=visible, money=money,
                                    today=datetime.utcnow().date().isoformat())

    @expose("/pay", methods=["POST"])
    @has_access
    def pay(self):
        ids = [int(i) for i in request.form.getlist("payout") if i.isdigit()]
        try:
            if not ids:
                raise ValidationFailed({"payout": [_("choose at least one payout")]})
            paid_at = _parse_date(request.form.get("paid_at"))
            for payout_id in ids:
                payout = db.session.get(Payout, payout_id)
                if payout is None:
                    abort(404)
                ledger_service.mark_payout_paid(db.session, payout, actor=g.user,
                                                reference=request.form.get("reference", ""), paid_at=paid_at)
            db.session.commit()
            flash(_("%(n)s payout(s) marked paid.", n=len(ids)), "success")
        except ValidationFailed as exc:
            flash_validation(exc)
        return redirect(url_for("PayoutView.due"))

    @expose("/run", methods=["POST"])
    @has_access
    def run(self):
        created = ledger_service.run_payouts(db.session)
        flash(_("%(n)s payout(s) created.", n=len(created)), "success")
        return redirect(url_for("PayoutView.due"))

    @expose("/export.csv")
    @has_access
    def export(self):
        status = request.args.get("status", "due")
        query = select(Payout).order_by(Payout.id)
        if status in ("due", "paid"):
            query = query.where(Payout.status == status)
        clause = money_access.payout_clause(g.user)
        if clause is not None:
            query = query.where(clause)
        text = ledger_service.payouts_csv(db.session.execute(query).scalars().all())
        return Response(text, mimetype="text/csv",
                        headers={"Content-Disposition": f"attachment; filename=payouts-{status}.csv"})


def _parse_date(raw):
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed({"paid_at": [_("is not a date (YYYY-MM-DD)")]}) from None


class WorkerShareView(OrderflowModelView):
    datamodel = SQLAInterface(WorkerShare)
    class_permission_name = "Service"
    list_columns = ["service", "percent", "fixed"]
    add_columns = edit_columns = ["service", "percent", "fixed"]
    label_columns = {"service": _("Service"), "percent": _("Worker share (%)"), "fixed": _("Worker share (fixed)")}
    description_columns = {"fixed": _("In the order's currency; wins over the percentage when set.")}
    list_title = _("Worker shares")

    def pre_add(self, item):
        self._check(item)

    def pre_update(self, item):
        self._check(item)

    def _check(self, item):
        errors = {}
        if item.percent is not None and not (0 <= item.percent <= 100):
            errors["percent"] = [_("must be between 0 and 100")]
        if item.fixed is not None and item.fixed < 0:
            errors["fixed"] = [_("must not be negative")]
        if item.percent is None and item.fixed is None:
            errors["percent"] = [_("give a percentage or a fixed amount")]
        if errors:
            raise ValidationFailed(errors)
