"""What a visitor and a customer see: the service catalogue, order forms, My orders."""
from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, IndexView, expose
from flask_babel import lazy_gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import Customer, Order, Service
from ..services.errors import ValidationFailed
from ..services.orders import create_order, customer_for_user
from ..services.workflows import customer_label


def _active_services():
    return db.session.execute(
        select(Service).where(Service.active.is_(True)).order_by(Service.name)
    ).scalars().all()


def _logged_in() -> bool:
    user = getattr(g, "user", None)
    return bool(user and getattr(user, "is_authenticated", False))


class LandingView(IndexView):
    index_template = "public/landing.html"

    @expose("/")
    def index(self):
        return self.render_template(self.index_template, services=_active_services())


def _attach_order_files(order, uploads: dict) -> None:
    """The files a customer sent with the order form: briefs they (and the staff) see on the
    order. A refused file refuses the whole order, named by its form field."""
    from flask import current_app

    from ..services import attachments as attachment_service

    for name, files in uploads.items():
        for upload in files:
            try:
                attachment_service.store_attachment(
                    db.session, order=order, stream=upload.stream, filename=upload.filename,
                    content_type=upload.mimetype, kind="brief", uploaded_by=g.user, visible_to_customer=True,
                    **attachment_service.upload_limits(current_app.config))
            except ValidationFailed as exc:
                raise ValidationFailed({f"details.{name}": [m for ms in exc.errors.values() for m in ms]}) from None


def _delivered_files(orders) -> dict:
    """{order id: [Attachment]} the customer may download (those released to them)."""
    from ..models import Attachment

    ids = [o.id for o in orders]
    if not ids:
        return {}
    out: dict = {}
    for attachment in db.session.execute(select(Attachment).where(
            Attachment.order_id.in_(ids), Attachment.visible_to_customer.is_(True),
            Attachment.kind.in_(("partial_preview", "final_work", "deliverable"))).order_by(Attachment.id)).scalars():
        out.setdefault(attachment.order_id, []).append(attachment)
    return out


class ShopView(BaseView):
    route_base = "/shop"
    default_view = "my_orders"

    @expose("/order/<code>", methods=["GET", "POST"])
    def order_form(self, code):
        service = db.session.execute(
            select(Service).where(Service.code == code, Service.active.is_(True))
        ).scalar()
        if service is None:
            abort(404)
        if not _logged_in():
            flash(_("Please log in or create an account to place your order."), "info")
            return redirect(url_for("AuthDBView.login", next=request.full_path))
        values, errors = {}, {}
        if request.method == "POST":
            file_fields = [f["name"] for f in service.form_schema or [] if f.get("type") == "file"]
            uploads = {name: [u for u in request.files.getlist(name) if u and u.filename] for name in file_fields}
            values = {f["name"]: request.form.get(f["name"]) for f in service.form_schema or []}
            values.update({name: ", ".join(u.filename for u in files) or None for name, files in uploads.items()})
            try:
                order = create_order(
                    db.session,
                    service=service,
                    customer=customer_for_user(db.session, g.user),
                    details=values,
                    actor=g.user,
                    title=request.form.get("title", ""),
                    description=request.form.get("description", ""),
                    quantity=values.get("quantity") or None,
                )
                _attach_order_files(order, uploads)
                db.session.commit()
            except ValidationFailed as exc:
                db.session.rollback()
                errors = {k.removeprefix("details."): v for k, v in exc.errors.items()}
                flash(_("Please correct the marked fields."), "danger")
            else:
                flash(_("Thank you! Your order %(number)s has been received.", number=order.number), "success")
                return redirect(url_for("ShopView.my_orders"))
        return self.render_template(
            "public/order_form.html", service=service, values=values, errors=errors
        )

    @expose("/my-orders")
    def my_orders(self):
        if not _logged_in():
            return redirect(url_for("AuthDBView.login", next=request.full_path))
        mine = select(Customer.id).where(Customer.user_id == g.user.id)
        query = select(Order).where(Order.customer_id.in_(mine)).order_by(Order.id.desc()).limit(200)
        orders = db.session.execute(query).scalars().all()
        rows = [(o, customer_label(o.workflow_key, o.state)) for o in orders]
        return self.render_template("public/my_orders.html", rows=rows, files=_delivered_files(orders))
