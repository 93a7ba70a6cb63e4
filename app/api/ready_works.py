"""REST API of ready-made works: the public catalog and purchases (no login: a purchase is
reached by its secret reference), and the staff's catalog CRUD with file uploads."""
from __future__ import annotations

from flask import current_app, g, request, url_for
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _

from ..extensions import db
from ..models import CatalogPurchase, ReadyWork
from ..permissions import API_METHOD_PERMISSIONS
from ..services import attachments as attachment_service, payments as payment_service
from ..services import ready_works as catalog
from ..services.errors import ValidationFailed
from .base import OrderflowModelApi, refused
from .money import payment_json


def _user():
    user = getattr(g, "user", None)
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _preview_url(work):
    return url_for("CatalogShopView.preview", work_id=work.id, _external=True) if work.preview_file else None


class CatalogApi(BaseApi):
    """Public: browse the catalog, request a work, pay, follow the purchase."""

    resource_name = "catalog"
    openapi_spec_tag = "Ready-made works (public)"

    def _work(self, work_id):
        work = db.session.get(ReadyWork, work_id)
        return work if work is not None and work.active and work.file else None

    @expose("/works", methods=["GET"])
    @safe
    def works(self):
        """Works on sale. Filters: q, subject, work_type, pages_min, pages_max, price_min,
        price_max, sort (newest, price, price_desc, pages, title), page, page_size.
        ---
        get:
          responses:
            200: {description: "{count, page, page_size, works: [...]}"}
            422: {description: a filter and its reason}
        """
        try:
            filters = catalog.parse_filters(request.args)
        except ValidationFailed as exc:
            return self.response_422(message=exc.errors)
        page = max(0, request.args.get("page", 0, type=int) or 0)
        size = max(1, min(request.args.get("page_size", 20, type=int) or 20, 100))
        works, total = catalog.search_works(db.session, filters, page=page, page_size=size)
        return self.response(200, count=total, page=page, page_size=size,
                             works=[catalog.work_json(w) for w in works])

    @expose("/filters", methods=["GET"])
    @safe
    def filters(self):
        """Subjects, types, page and price ranges of the works on sale.
        ---
        get:
          responses:
            200: {description: "{subjects, work_types, pages, price}"}
        """
        return self.response(200, **catalog.filter_options(db.session))

    @expose("/works/<int:work_id>", methods=["GET"])
    @safe
    def work(self, work_id):
        """One work: summary, preview text and the preview page's address (never the file).
        ---
        get:
          responses:
            200: {description: the work}
            404: {description: not on sale}
        """
        work = self._work(work_id)
        if work is None:
            return self.response_404()
        return self.response(200, **catalog.work_json(work, preview_url=_preview_url(work), detail=True))

    @expose("/purchases", methods=["POST"])
    @safe
    def create_purchase(self):
        """Request a work: {"work_id", "email", "name"}. Answers the purchase's secret
        reference, its payment and the methods to pay it with.
        ---
        post:
          responses:
            201: {description: "{reference, status, payment, methods}"}
            422: {description: fields and reasons}
        """
        data = request.get_json(silent=True) or {}
        work = self._work(data["work_id"]) if isinstance(data.get("work_id"), int) else None
        try:
            if work is None:
                raise ValidationFailed({"work_id": [_("no work on sale has this id")]})
            purchase = catalog.create_purchase(db.session, work, email=str(data.get("email") or ""),
                                               name=str(data.get("name") or ""), user=_user())
            db.session.commit()
        except ValidationFailed as exc:
            return refused(self, exc)
        return self.response(201, **self._purchase_body(purchase))

    def _purchase_body(self, purchase):
        body = catalog.purchase_json(purchase, token=catalog.current_token(purchase))
        payment = catalog.open_payment(db.session, purchase)
        if payment is not None:
            db.session.commit()
            body["payment"] = payment_json(payment)
            body["methods"] = [{"name": m.name, "label": m.label, "payment_types": list(m.payment_types)}
                               for m in payment_service.offered_methods(db.session, payment, current_app.config)]
        return body

    @expose("/purchases/<reference>", methods=["GET"])
    @safe
    def purchase(self, reference):
        """A purchase's status; ``download_url`` while its link works (after payment).
        ---
        get:
          responses:
            200: {description: the purchase}
            404: {description: unknown reference}
        """
        purchase = catalog.by_reference(db.session, reference)
        if purchase is None:
            return self.response_404()
        return self.response(200, **self._purchase_body(purchase))

    @expose("/purchases/<reference>/charge", methods=["POST"])
    @safe
    def charge(self, reference):
        """Pay: {"method", "payment_type", "return_url"} -> the payment with its pay_url.
        ---
        post:
          responses:
            200: {description: the payment with pay_url}
            404: {description: unknown reference}
            422: {description: fields and reasons}
        """
        purchase = catalog.by_reference(db.session, reference)
        if purchase is None:
            return self.response_404()
        data = request.get_json(silent=True) or {}
        try:
            payment = catalog.open_payment(db.session, purchase)
            if payment is None:
                raise ValidationFailed({"status": [_("this purchase is not waiting to be paid")]})
            payment_service.start_charge(
                db.session, payment, str(data.get("method", "")), current_app.config,
                return_url=data.get("return_url") or url_for("CatalogShopView.purchase", reference=reference,
                                                              _external=True),
                payment_type=data.get("payment_type"))
            db.session.commit()
        except ValidationFailed as exc:
            return refused(self, exc)
        return self.response(200, **payment_json(payment))

    @expose("/purchases/<int:purchase_id>/new_link", methods=["POST"])
    @safe
    def new_link(self, purchase_id):
        """A new download link to the purchase's own address: {"email"}. The answer is the same
        whether or not the address matches.
        ---
        post:
          responses:
            202: {description: accepted}
            422: {description: not an e-mail address}
        """
        data = request.get_json(silent=True) or {}
        try:
            catalog.send_new_link(db.session, db.session.get(CatalogPurchase, purchase_id), str(data.get("email") or ""))
            db.session.commit()
        except ValidationFailed as exc:
            return refused(self, exc)
        return self.response(202, message=str(_("If this is the address the work was bought with, a new link is on its way to it.")))


WORK_FIELDS = ["id", "title", "subject", "work_type", "pages", "summary", "preview_text", "price", "currency",
               "active", "file_name", "file_type", "file_size", "preview_name", "preview_type", "created", "updated"]


class ReadyWorkApi(OrderflowModelApi):
    """Staff: the catalog. Files go up with multipart POSTs to ``/<id>/file`` and ``/<id>/preview``."""

    resource_name = "ready_work"
    class_permission_name = "ReadyWork"
    method_permission_name = {**API_METHOD_PERMISSIONS, "upload_file": "edit", "upload_preview": "edit"}
    datamodel = SQLAInterface(ReadyWork)
    list_columns = show_columns = WORK_FIELDS
    add_columns = edit_columns = ["title", "subject", "work_type", "pages", "summary", "preview_text", "price",
                                  "currency", "active"]
    search_columns = ["title", "subject", "work_type", "pages", "price", "active"]
    order_columns = ["id", "title", "pages", "price", "created"]
    base_order = ("id", "desc")

    def _check(self, item):
        catalog.check_work(item, current_app.config.get("CURRENCIES"))

    pre_add = _check
    pre_update = _check

    def _upload(self, pk, store):
        work = db.session.get(ReadyWork, pk)
        if work is None:
            return self.response_404()
        upload = request.files.get("file")
        try:
            if upload is None or not upload.filename:
                raise ValidationFailed({"file": [_("is required")]})
            store(work, stream=upload.stream, filename=upload.filename, content_type=upload.mimetype,
                  **attachment_service.upload_limits(current_app.config))
            db.session.commit()
        except ValidationFailed as exc:
            return refused(self, exc)
        return self.response(200, id=work.id, file_name=work.file_name, file_size=work.file_size,
                             preview_name=work.preview_name)

    @expose("/<int:pk>/file", methods=["POST"])
    @protect()
    @safe
    def upload_file(self, pk):
        """Upload the full work (multipart ``file``); stored under a generated name.
        ---
        post:
          responses:
            200: {description: the work's file facts}
            422: {description: the file's problem}
        """
        return self._upload(pk, catalog.store_work_file)

    @expose("/<int:pk>/preview", methods=["POST"])
    @protect()
    @safe
    def upload_preview(self, pk):
        """Upload the public preview page (multipart ``file``: pdf, image or txt).
        ---
        post:
          responses:
            200: {description: the work's file facts}
            422: {description: the file's problem}
        """
        return self._upload(pk, catalog.store_preview)


class CatalogPurchaseApi(OrderflowModelApi):
    """Staff: purchases of ready-made works (read), and a new link for a paid one."""

    resource_name = "catalog_purchase"
    class_permission_name = "CatalogPurchase"
    method_permission_name = {**API_METHOD_PERMISSIONS, "new_link": "edit"}
    base_permissions = ["can_read", "can_edit"]
    datamodel = SQLAInterface(CatalogPurchase)
    list_columns = show_columns = ["id", "reference", "work.id", "work.title", "email", "name", "customer.id",
                                   "price", "currency", "status", "created", "paid_at", "link_issued_at",
                                   "link_expires_at", "downloads", "last_download_at"]
    search_columns = ["work", "email", "status", "created", "paid_at"]
    order_columns = ["id", "created", "paid_at", "price"]
    base_order = ("id", "desc")
    include_route_methods = {"get", "get_list", "info", "new_link"}

    @expose("/<int:pk>/new_link", methods=["POST"])
    @protect()
    @safe
    def new_link(self, pk):
        """E-mail a new download link (older links stop working).
        ---
        post:
          responses:
            200: {description: when the new link expires}
            422: {description: the purchase is not paid}
        """
        purchase = db.session.get(CatalogPurchase, pk)
        if purchase is None:
            return self.response_404()
        try:
            catalog.deliver(db.session, purchase, template="catalog_new_link", attach=False)
            db.session.commit()
        except ValidationFailed as exc:
            return refused(self, exc)
        return self.response(200, id=purchase.id, link_expires_at=purchase.link_expires_at.isoformat())


CATALOG_APIS = [CatalogApi, ReadyWorkApi, CatalogPurchaseApi]
