"""Ready-made works in the browser: the public catalog (browse, filter, preview, request,
pay, thank-you, download by an expiring link) and the staff pages (the catalog with file
uploads, the purchases). Every operation is app/services/ready_works.py."""
from __future__ import annotations

import math

from flask import abort, current_app, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, action, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _, lazy_pgettext
from flask_wtf.file import FileField
from wtforms import SelectField

from config import Config

from ..extensions import db
from ..models import CatalogPurchase, ReadyWork
from ..services import attachments as attachment_service, payments as payment_service
from ..services import ready_works as catalog
from ..services.errors import ValidationFailed
from .base import OrderflowModelView, flash_validation
from .formatting import money, when

PAGE_SIZE = 12
PURCHASE_STATUS = {"pending": _("Waiting for payment"), "paid": _("Paid"), "refunded": _("Refunded"),
                   "cancelled": _("Cancelled")}
REFUSALS = {
    "expired": _("This download link has expired."),
    "unpaid": _("This purchase is not paid, so the work cannot be downloaded."),
    "invalid": _("This download link is not valid. Use the newest link we sent you by e-mail."),
}


def _user():
    user = getattr(g, "user", None)
    return user if user is not None and getattr(user, "is_authenticated", False) else None


class CatalogShopView(BaseView):
    """The public catalog: no login needed (the purchase's secret reference is the key)."""

    route_base = "/catalog"
    default_view = "index"

    @expose("/")
    def index(self):
        errors = {}
        try:
            filters = catalog.parse_filters(request.args)
        except ValidationFailed as exc:
            errors = exc.errors
            filters = catalog.parse_filters({"q": request.args.get("q"), "subject": request.args.get("subject"),
                                             "work_type": request.args.get("work_type")})
        page = max(0, request.args.get("page", 0, type=int) or 0)
        works, total = catalog.search_works(db.session, filters, page=page, page_size=PAGE_SIZE)
        return self.render_template(
            "catalog/index.html", works=works, total=total, filters=filters, errors=errors, page=page,
            pages=max(1, math.ceil(total / PAGE_SIZE)), options=catalog.filter_options(db.session),
            args={k: v for k, v in request.args.items() if k != "page"}, money=money)

    def _work(self, work_id) -> ReadyWork:
        work = db.session.get(ReadyWork, work_id)
        if work is None or not work.active or not work.file:
            abort(404)
        return work

    @expose("/work/<int:work_id>")
    def work(self, work_id):
        work = self._work(work_id)
        user = _user()
        return self.render_template("catalog/work.html", work=work, money=money, errors={},
                                    values={"email": getattr(user, "email", "") or "",
                                            "name": " ".join(p for p in (getattr(user, "first_name", ""),
                                                                         getattr(user, "last_name", "")) if p)})

    @expose("/work/<int:work_id>/preview")
    def preview(self, work_id):
        """The preview page only: the full file never leaves through here."""
        work = self._work(work_id)
        try:
            path = catalog.preview_path(current_app.config["UPLOAD_FOLDER"], work)
        except FileNotFoundError:
            abort(404)
        if not path.exists():
            abort(404)
        return send_file(path, mimetype=work.preview_type, download_name=work.preview_name, as_attachment=False)

    @expose("/work/<int:work_id>/request", methods=["POST"])
    def request_work(self, work_id):
        work = self._work(work_id)
        values = {"email": request.form.get("email", ""), "name": request.form.get("name", "")}
        try:
            purchase = catalog.create_purchase(db.session, work, email=values["email"], name=values["name"],
                                               user=_user())
            db.session.commit()
        except ValidationFailed as exc:
            db.session.rollback()
            flash(_("Please correct the marked fields."), "danger")
            return self.render_template("catalog/work.html", work=work, money=money, errors=exc.errors,
                                        values=values), 422
        return redirect(url_for("CatalogShopView.purchase", reference=purchase.reference))

    def _purchase(self, reference) -> CatalogPurchase:
        purchase = catalog.by_reference(db.session, reference)
        if purchase is None:
            abort(404)
        return purchase

    @expose("/purchase/<reference>")
    def purchase(self, reference):
        """Pending: the pay page (the same one orders use). Paid: the thank-you page."""
        from .payments import METHOD_LABELS, PURPOSE_LABELS, STATUS_LABELS

        purchase = self._purchase(reference)
        if purchase.status == "pending":
            payment = catalog.open_payment(db.session, purchase)
            db.session.commit()
            methods = payment_service.offered_methods(db.session, payment, current_app.config)
            return self.render_template(
                "payments/pay.html", payment=payment, methods=methods, method_labels=METHOD_LABELS,
                purpose_labels=PURPOSE_LABELS, status_labels=STATUS_LABELS, money=money, purchase=purchase,
                charge_url=url_for("CatalogShopView.charge", reference=purchase.reference), public_page=True)
        token = catalog.current_token(purchase)
        return self.render_template("catalog/thanks.html", purchase=purchase, money=money,
                                    status_labels=PURCHASE_STATUS,
                                    download=catalog.download_url(purchase, token) if token else None)

    @expose("/purchase/<reference>/charge", methods=["POST"])
    def charge(self, reference):
        purchase = self._purchase(reference)
        payment = catalog.open_payment(db.session, purchase) if purchase.status == "pending" else None
        if payment is None:
            return redirect(url_for("CatalogShopView.purchase", reference=reference))
        try:
            payment_service.start_charge(
                db.session, payment, request.form.get("method", ""), current_app.config,
                return_url=url_for("CatalogShopView.purchase", reference=reference, _external=True),
                payment_type=request.form.get("payment_type") or None)
            db.session.commit()
        except ValidationFailed as exc:
            flash_validation(exc)
            return redirect(url_for("CatalogShopView.purchase", reference=reference))
        if payment.pay_url:
            return redirect(payment.pay_url)
        return redirect(url_for("CatalogShopView.purchase", reference=reference))

    @expose("/download/<int:purchase_id>/<token>")
    def download(self, purchase_id, token):
        try:
            purchase = catalog.check_download(db.session, purchase_id, token)
            path = catalog.work_path(current_app.config["UPLOAD_FOLDER"], purchase.work)
            if not path.exists():
                raise FileNotFoundError(path)
        except catalog.DownloadRefused as exc:
            status = 410 if exc.reason == "expired" else 404
            return self.render_template("catalog/refused.html", reason=exc.reason, message=REFUSALS[exc.reason],
                                        purchase=exc.purchase if exc.reason == "expired" else None), status
        except FileNotFoundError:
            abort(404)
        catalog.record_download(db.session, purchase)
        db.session.commit()
        return send_file(path, download_name=purchase.work.file_name, as_attachment=True,
                         mimetype=purchase.work.file_type)

    @expose("/purchase/<int:purchase_id>/new-link", methods=["POST"])
    def new_link(self, purchase_id):
        purchase = db.session.get(CatalogPurchase, purchase_id)
        try:
            catalog.send_new_link(db.session, purchase, request.form.get("email", ""))
            db.session.commit()
        except ValidationFailed as exc:
            db.session.rollback()
            return self.render_template("catalog/refused.html", reason="expired", message=REFUSALS["expired"],
                                        purchase=purchase, errors=exc.errors), 422
        return self.render_template("catalog/refused.html", reason="sent", purchase=None, message=_(
            "If this is the address the work was bought with, a new link is on its way to it."))


# -- staff -------------------------------------------------------------------------------


def _uploads(item) -> None:
    """The work's file and preview from the form's file inputs (stored under generated names)."""
    limits = attachment_service.upload_limits(current_app.config)
    upload, preview = request.files.get("upload"), request.files.get("preview_upload")
    if upload is not None and upload.filename:
        catalog.store_work_file(item, stream=upload.stream, filename=upload.filename,
                                content_type=upload.mimetype, **limits)
    if preview is not None and preview.filename:
        catalog.store_preview(item, stream=preview.stream, filename=preview.filename,
                              content_type=preview.mimetype, **limits)


class ReadyWorkView(OrderflowModelView):
    datamodel = SQLAInterface(ReadyWork)
    class_permission_name = "ReadyWork"
    method_permission_name = {**OrderflowModelView.method_permission_name, "file": "edit"}
    show_template = "catalog/work_show.html"
    list_columns = ["title", "subject", "work_type", "pages", "price_display", "file_name", "active"]
    show_columns = ["title", "subject", "work_type", "pages", "summary", "preview_text", "price_display",
                    "file_name", "file_type", "file_size", "preview_name", "active", "created", "updated"]
    add_columns = edit_columns = ["title", "subject", "work_type", "pages", "summary", "preview_text", "price",
                                  "currency", "upload", "preview_upload", "active"]
    search_columns = ["title", "subject", "work_type", "pages", "price", "active"]
    base_order = ("id", "desc")
    add_form_extra_fields = edit_form_extra_fields = {
        "upload": FileField(_("The work (file)"), description=_(
            "The full work the buyer receives; never shown before payment. Leave empty to keep the current file.")),
        "preview_upload": FileField(_("Preview page"), description=_(
            "A separate preview: an image, a one-page PDF or a text excerpt (pdf, png, jpg, gif, txt).")),
        "currency": SelectField(_("Currency"), choices=[(c, c) for c in Config.CURRENCIES], default="RUB"),
    }
    formatters_columns = {"created": when, "updated": when}
    label_columns = {
        "title": _("Title"), "subject": lazy_pgettext("academic", "Subject"), "work_type": _("Type of work"), "pages": _("Pages"),
        "summary": _("Summary"), "preview_text": _("Preview text"), "price": _("Price"), "currency": _("Currency"),
        "price_display": _("Price"), "file_name": _("File"), "file_type": _("File type"),
        "file_size": _("File size (bytes)"), "preview_name": _("Preview page"), "active": _("On sale"),
        "created": _("Created"), "updated": _("Updated"),
    }
    description_columns = {
        "subject": _("e.g. history, law, economics, physics"),
        "work_type": _("e.g. essay, course paper, thesis"),
        "preview_text": _("Shown publicly on the work's page, e.g. the introduction and contents."),
    }
    list_title = _("Ready-made works")
    show_title = _("Ready-made work")
    add_title = _("Add a ready-made work")
    edit_title = _("Edit ready-made work")

    def _check(self, item):
        _uploads(item)
        catalog.check_work(item, current_app.config.get("CURRENCIES"))

    @expose("/file/<int:pk>")
    @has_access
    def file(self, pk):
        """Staff who may edit the catalog check what they sell (buyers go through a paid link)."""
        item = self.datamodel.get(pk)
        path = catalog.work_path(current_app.config["UPLOAD_FOLDER"], item) if item and item.file else None
        if path is None or not path.exists():
            abort(404)
        return send_file(path, download_name=item.file_name, as_attachment=True, mimetype=item.file_type)

    def pre_add(self, item):
        self._check(item)

    def pre_update(self, item):
        self._check(item)


class CatalogPurchaseView(OrderflowModelView):
    datamodel = SQLAInterface(CatalogPurchase)
    class_permission_name = "CatalogPurchase"
    base_permissions = ["can_read", "can_edit"]
    include_route_methods = {"list", "show", "action", "action_post"}  # purchases change only by payment
    list_columns = ["id", "work", "email", "name", "price_display", "status", "created", "paid_at", "downloads",
                    "link_expires_at"]
    show_columns = ["id", "reference", "work", "email", "name", "customer", "user", "price_display", "status",
                    "created", "paid_at", "link_issued_at", "link_expires_at", "downloads", "last_download_at"]
    search_columns = ["work", "email", "name", "status", "created", "paid_at"]
    base_order = ("id", "desc")
    formatters_columns = {"created": when, "paid_at": when, "link_issued_at": when, "link_expires_at": when,
                          "last_download_at": when, "status": lambda s: str(PURCHASE_STATUS.get(s, s))}
    label_columns = {
        "id": _("No."), "reference": _("Reference"), "work": lazy_pgettext("catalog", "Work"), "email": _("E-mail"), "name": _("Name"),
        "customer": _("Customer"), "user": _("Login"), "price_display": _("Price"), "status": _("Status"),
        "created": _("Requested"), "paid_at": _("Paid at"), "link_issued_at": _("Link sent"),
        "link_expires_at": _("Link expires"), "downloads": _("Downloads"), "last_download_at": _("Last download"),
    }
    list_title = _("Catalog purchases")
    show_title = _("Catalog purchase")

    @action("new_link", _("Send a new link"), _("E-mail a new download link (older links stop working)?"),
            "fa-envelope", single=False)
    def new_link(self, items):
        items = items if isinstance(items, list) else [items]
        sent = 0
        try:
            for item in items:
                if item.status == "paid":
                    catalog.deliver(db.session, item, template="catalog_new_link", attach=False)
                    sent += 1
            db.session.commit()
        except ValidationFailed as exc:
            flash_validation(exc)
        flash(_("%(n)s new link(s) sent.", n=sent), "success")
        return redirect(request.referrer or url_for("CatalogPurchaseView.list"))


def register_catalog_views(appbuilder) -> None:
    appbuilder.add_view(ReadyWorkView, "Ready-made works", label=_("Ready-made works"), icon="fa-book",
                        category="Catalog", category_label=_("Catalog"), category_icon="fa-book")
    appbuilder.add_view(CatalogPurchaseView, "Catalog purchases", label=_("Catalog purchases"),
                        icon="fa-shopping-bag", category="Catalog")
    appbuilder.add_view_no_menu(CatalogShopView)
    appbuilder.add_link("Ready-made works shop", label=_("Ready-made works shop"), href="/catalog/",
                        icon="fa-shopping-basket", category="Catalog")
