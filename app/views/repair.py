"""The repair shop in the browser: counter intake, the ticket section of the order page
(device, diagnosis, part and labour lines, totals, receipt, warranty, refund), the parts
catalog with stock, counter sales, bulk intake with progress, and online tracking.

Every action calls services.repair; views only read the form and show the outcome."""
from __future__ import annotations

from flask import Response, abort, current_app, flash, g, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import Customer, ImportBatch, Order, Part, PartSale, Payment, RepairTicket, Service, StockMovement
from ..permissions import VIEW_METHOD_PERMISSIONS
from ..services import access
from ..services.errors import ValidationFailed
from ..services.repair import bulk, lines, receipt, refunds, sales, tickets, warranty
from ..services.transitions import TransitionError
from .base import OrderflowModelView, ShowExtraMixin, flash_validation
from .formatting import money, when

REPAIR_PERMISSIONS = {
    "intake": "add", "claim": "add", "import_page": "add",
    "diagnosis": "edit", "device": "edit", "add_part": "edit", "remove_part": "edit", "add_labour": "edit",
    "remove_labour": "edit",
    "receipt": "read", "import_status": "read", "import_show": "read", "sale_show": "read", "sale_receipt": "read",
    "sales_list": "read",
    "refund": "refund",
    "sale": "sell", "sale_cancel": "sell",
}


def tracking_url(order, code: str | None = None) -> str:
    ticket = tickets.ensure_ticket(db.session, order) if code is None else None
    return url_for("TrackingView.show", number=order.number, code=code or ticket.tracking_code, _external=True)


def _back(order_id):
    return redirect(url_for("OrderView.show", pk=order_id) + "#repair-panel")


def _visible(order_id) -> Order:
    if not access.can_see_order(db.session, g.user, order_id):
        abort(404)
    order = db.session.get(Order, order_id)
    if order is None or order.workflow_key != lines.REPAIR_KIND:
        abort(404)
    return order


def _staff_only() -> None:
    """Counter sales and imports are the shop's business: a customer's Repair read covers only
    their own tickets (row level), so anything else is a 404 for them."""
    if access.is_customer_only(g.user):
        abort(404)


def _run(order_id, action, done_message):
    """Run a ticket action in one transaction; bad input and stale revisions are flashed."""
    _visible(order_id)
    try:
        action()
        db.session.commit()
        flash(done_message, "success")
    except ValidationFailed as exc:
        flash_validation(exc)
    except TransitionError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    except LookupError:
        db.session.rollback()
        abort(404)
    return _back(order_id)


def notify_received(order) -> None:
    """Tell the customer the ticket number and how to follow it online."""
    from ..services.notifications import notify

    ticket = tickets.ensure_ticket(db.session, order)
    notify(db.session, to=[order.customer], template="repair_received", order=order, channels=("email", "inapp"),
           context={"tracking_code": ticket.tracking_code, "tracking_url": tracking_url(order)})


class RepairView(BaseView):
    route_base = "/repair"
    default_view = "intake"
    class_permission_name = "Repair"
    method_permission_name = REPAIR_PERMISSIONS
    base_permissions = ["can_read", "can_add", "can_edit", "can_refund", "can_sell"]

    # ------------------------------------------------------------------ intake
    @expose("/intake", methods=["GET", "POST"])
    @has_access
    def intake(self):
        services = db.session.execute(select(Service).where(Service.kind == lines.REPAIR_KIND,
                                                            Service.active.is_(True)).order_by(Service.name)).scalars().all()
        form = request.form if request.method == "POST" else request.args
        errors = {}
        if request.method == "POST":
            data = {name: form.get(name) for name in tickets.DEVICE_FIELDS + ("faults", "pickup_at", "estimate", "assignee")}
            data["customer_waits"] = bool(form.get("customer_waits"))
            customer = {k: form.get(f"customer_{k}") for k in ("name", "email", "phone", "company")}
            try:
                order = tickets.open_ticket(db.session, data=data, actor=g.user, service=form.get("service_id"),
                                            customer_id=form.get("customer_id") or None,
                                            customer=None if form.get("customer_id") else customer)
                notify_received(order)
                db.session.commit()
            except ValidationFailed as exc:
                db.session.rollback()
                errors = exc.errors
                flash(_("Please correct the marked fields."), "danger")
            else:
                flash(_("Ticket %(number)s opened.", number=order.number), "success")
                return redirect(url_for("OrderView.show", pk=order.id) + "#repair-panel")
        found = tickets.find_customers(db.session, form.get("q", "")) if form.get("q") else []
        chosen = db.session.get(Customer, int(form["customer_id"])) if str(form.get("customer_id") or "").isdigit() else None
        service = services[0] if services else None
        return self.render_template("repair/intake.html", services=services, form=form, errors=errors,
                                    found=found, chosen=chosen, technicians=tickets.technicians(db.session),
                                    device_types=tickets.device_types(service) if service else [])

    # ------------------------------------------------------------------ ticket actions
    @expose("/ticket/<int:order_id>/diagnosis", methods=["POST"])
    @has_access
    def diagnosis(self, order_id):
        return _run(order_id, lambda: tickets.set_diagnosis(db.session, order_id, request.form.get("diagnosis"),
                                                            actor=g.user), _("Diagnosis saved."))

    @expose("/ticket/<int:order_id>/device", methods=["POST"])
    @has_access
    def device(self, order_id):
        data = {k: request.form.get(k) for k in tickets.DEVICE_FIELDS + ("faults",) if k in request.form}
        return _run(order_id, lambda: tickets.update_device(db.session, order_id, data, actor=g.user),
                    _("Device saved."))

    @expose("/ticket/<int:order_id>/parts", methods=["POST"])
    @has_access
    def add_part(self, order_id):
        f = request.form
        return _run(order_id, lambda: lines.add_part_line(
            db.session, order_id, actor=g.user, part_id=f.get("part_id"), condition=f.get("condition"),
            quantity=f.get("quantity"), billed_as=f.get("billed_as") or None, unit_price=f.get("unit_price") or None,
            under_warranty=bool(f.get("under_warranty"))), _("Part installed and taken from stock."))

    @expose("/ticket/<int:order_id>/parts/<int:line_id>/remove", methods=["POST"])
    @has_access
    def remove_part(self, order_id, line_id):
        return _run(order_id, lambda: lines.remove_part_line(db.session, order_id, line_id, actor=g.user),
                    _("Part line removed; the part is back in stock."))

    @expose("/ticket/<int:order_id>/labour", methods=["POST"])
    @has_access
    def add_labour(self, order_id):
        f = request.form
        return _run(order_id, lambda: lines.add_labour_line(db.session, order_id, description=f.get("description"),
                                                            hours=f.get("hours") or 1, rate=f.get("rate"),
                                                            actor=g.user), _("Labour line added."))

    @expose("/ticket/<int:order_id>/labour/<int:line_id>/remove", methods=["POST"])
    @has_access
    def remove_labour(self, order_id, line_id):
        return _run(order_id, lambda: lines.remove_labour_line(db.session, order_id, line_id, actor=g.user),
                    _("Labour line removed."))

    @expose("/ticket/<int:order_id>/receipt.pdf")
    @has_access
    def receipt(self, order_id):
        order = _visible(order_id)
        pdf = receipt.ticket_receipt(db.session, order, shop=current_app.config.get("APP_NAME", "Orderflow"),
                                     tracking_url=tracking_url(order))
        db.session.commit()  # a ticket record made for an order from elsewhere
        return Response(pdf, mimetype="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{order.number}.pdf"'})

    @expose("/ticket/<int:order_id>/claim", methods=["POST"])
    @has_access
    def claim(self, order_id):
        _visible(order_id)
        try:
            claim, covered = warranty.open_claim(db.session, order_id, faults=request.form.get("faults", ""),
                                                 actor=g.user)
            notify_received(claim)
            db.session.commit()
        except ValidationFailed as exc:
            flash_validation(exc)
            return _back(order_id)
        except TransitionError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return _back(order_id)
        if covered:
            flash(_("Warranty claim %(number)s opened: the check and labour are free, parts are charged.",
                    number=claim.number), "success")
        else:
            flash(_("The warranty has ended: %(number)s is a normal paid ticket.", number=claim.number), "warning")
        return redirect(url_for("OrderView.show", pk=claim.id) + "#repair-panel")

    @expose("/ticket/<int:order_id>/refund", methods=["POST"])
    @has_access
    def refund(self, order_id):
        def run():
            done = refunds.refund(db.session, order_id, actor=g.user, reason=request.form.get("reason", ""),
                                  config=current_app.config)
            flash(_("Refunded %(amount)s.", amount=money(sum(r.amount for r in done), done[0].currency)), "info")
        return _run(order_id, run, _("Refund recorded."))

    # ------------------------------------------------------------------ counter sale
    @expose("/sale", methods=["GET", "POST"])
    @has_access
    def sale(self):
        errors = {}
        if request.method == "POST":
            f = request.form
            items = [{"part_id": p, "condition": c, "quantity": q}
                     for p, c, q in zip(f.getlist("part_id"), f.getlist("condition"), f.getlist("quantity"))]
            customer = {k: f.get(f"customer_{k}") for k in ("name", "email", "phone", "company")}
            try:
                sale = sales.sell(db.session, items=items, actor=g.user, customer_id=f.get("customer_id") or None,
                                  customer=customer if any(customer.values()) else None,
                                  method=f.get("method") or "cash")
                db.session.commit()
            except ValidationFailed as exc:
                db.session.rollback()
                errors = exc.errors
                for field, messages in exc.errors.items():
                    for message in messages:
                        flash(f"{field}: {message}", "danger")
            else:
                if sales.sale_paid(sale):
                    flash(_("Sale %(number)s paid in cash.", number=sale.number), "success")
                    return redirect(url_for("RepairView.sale_show", sale_id=sale.id))
                return redirect(url_for("PaymentView.pay", pk=sale.payment_id))
        return self.render_template("repair/sale.html", parts=lines.parts_for_select(db.session), errors=errors,
                                    money=money, form=request.form)

    @expose("/sales")
    @has_access
    def sales_list(self):
        _staff_only()
        return self.render_template("repair/sales.html", sales=sales.recent_sales(db.session), money=money,
                                    sale_total=sales.sale_total, sale_paid=sales.sale_paid, when=when)

    @expose("/sale/<int:sale_id>")
    @has_access
    def sale_show(self, sale_id):
        _staff_only()
        sale = db.session.get(PartSale, sale_id) or abort(404)
        return self.render_template("repair/sale_show.html", sale=sale, money=money, total=sales.sale_total(sale),
                                    paid=sales.sale_paid(sale), charge=lines.part_line_charge, when=when)

    @expose("/sale/<int:sale_id>/cancel", methods=["POST"])
    @has_access
    def sale_cancel(self, sale_id):
        try:
            sales.cancel_sale(db.session, sale_id, actor=g.user)
            db.session.commit()
            flash(_("Sale cancelled; its parts are back in stock."), "success")
        except ValidationFailed as exc:
            flash_validation(exc)
        return redirect(url_for("RepairView.sale_show", sale_id=sale_id))

    @expose("/sale/<int:sale_id>/receipt.pdf")
    @has_access
    def sale_receipt(self, sale_id):
        _staff_only()
        sale = db.session.get(PartSale, sale_id) or abort(404)
        pdf = receipt.sale_receipt(db.session, sale, shop=current_app.config.get("APP_NAME", "Orderflow"))
        return Response(pdf, mimetype="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{sale.number}.pdf"'})

    # ------------------------------------------------------------------ bulk intake
    @expose("/import", methods=["GET", "POST"])
    @has_access
    def import_page(self):
        services = db.session.execute(select(Service).where(Service.kind == lines.REPAIR_KIND,
                                                            Service.active.is_(True)).order_by(Service.name)).scalars().all()
        if request.method == "POST":
            upload = request.files.get("file")
            try:
                if upload is None or not upload.filename:
                    raise ValidationFailed({"file": [_("is required")]})
                batch = bulk.create_batch_from_file(
                    db.session, upload.stream.read(), upload.filename, service=request.form.get("service_id"),
                    customer_id=request.form.get("customer_id") or None, actor=g.user)
                db.session.commit()
            except ValidationFailed as exc:
                flash_validation(exc)
            else:
                bulk.start_background(current_app._get_current_object(), batch.id)
                return redirect(url_for("RepairView.import_show", batch_id=batch.id))
        batches = db.session.execute(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(20)).scalars().all()
        companies = db.session.execute(select(Customer).order_by(Customer.name).limit(500)).scalars().all()
        return self.render_template("repair/import.html", services=services, batches=batches, customers=companies,
                                    columns=bulk.COLUMNS, when=when)

    @expose("/import/<int:batch_id>")
    @has_access
    def import_show(self, batch_id):
        _staff_only()
        batch = db.session.get(ImportBatch, batch_id) or abort(404)
        return self.render_template("repair/import_show.html", batch=batch, when=when)

    @expose("/import/<int:batch_id>/progress")
    @has_access
    def import_status(self, batch_id):
        """The batch's progress, polled by its page while the import works in the background."""
        _staff_only()
        batch = db.session.get(ImportBatch, batch_id) or abort(404)
        return jsonify(bulk.progress(batch))


def repair_panel(order):
    """Context of the repair section on an order page (templates/repair/_ticket.html)."""
    if order is None or order.workflow_key != lines.REPAIR_KIND:
        return None
    session = db.session
    ticket = session.get(RepairTicket, order.id)
    sm = current_app.appbuilder.sm
    can = {p: sm.has_access(f"can_{p}", "Repair") for p in ("read", "add", "edit", "refund")}
    editable = order.state in lines.EDITABLE_STATES and can["edit"]
    result = lines.totals(session, order)
    status = warranty.status(session, order)
    plan = None
    if can["refund"] and order.state in ("paid", "picked_up"):
        try:
            plan = refunds.plan(session, order)
        except LookupError:  # no refund rule set published
            plan = None
    return {
        "ticket": ticket, "totals": result, "editable": editable, "can": can, "warranty": status,
        "parts": lines.parts_for_select(session, order) if editable else [],
        "refund_plan": plan, "money": money, "when": when,
        "tracking": tracking_url(order, ticket.tracking_code) if ticket is not None else None,
        "original": ticket.warranty_of if ticket is not None else None,
        "diagnosis": (order.details or {}).get("diagnosis"),
        "pending_payments": session.execute(select(Payment).where(
            Payment.order_id == order.id, Payment.purpose != "refund", Payment.status == "pending")
            .order_by(Payment.id)).scalars().all(),
    }


class TrackingView(BaseView):
    """A customer follows a ticket online with the number and code on the receipt (no login)."""

    route_base = "/track"
    default_view = "show"

    @expose("/")
    def show(self):
        number, code = request.args.get("number", ""), request.args.get("code", "")
        order = tickets.track(db.session, number, code) if number or code else None
        context = {"number": number, "code": code, "order": order, "money": money}
        if order is not None:
            from ..services.payments import order_money
            from ..services.workflows import customer_label

            context.update(ticket=db.session.get(RepairTicket, order.id), status=customer_label(
                order.workflow_key, order.state, order.workflow_version), order_money=order_money(db.session, order),
                warranty=warranty.status(db.session, order), totals=lines.totals(db.session, order))
        elif number or code:
            flash(_("No ticket matches this number and code."), "warning")
        return self.render_template("repair/track.html", **context)

    @expose("/receipt.pdf")
    def receipt(self):
        order = tickets.track(db.session, request.args.get("number", ""), request.args.get("code", ""))
        if order is None:
            abort(404)
        pdf = receipt.ticket_receipt(db.session, order, shop=current_app.config.get("APP_NAME", "Orderflow"),
                                     tracking_url=tracking_url(order))
        return Response(pdf, mimetype="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{order.number}.pdf"'})


class PartCatalogHooks:
    """What adding or editing a catalog part does, on its page (PartView) and its API (PartApi):
    the entry is checked, and a new one's opening stock is recorded as movements."""

    def pre_add(self, item):
        lines.check_part(item)

    def post_add(self, item):
        lines.record_opening_stock(db.session, item, g.user)
        db.session.commit()

    def pre_update(self, item):
        lines.check_part(item)


class PartView(PartCatalogHooks, ShowExtraMixin, OrderflowModelView):
    datamodel = SQLAInterface(Part)
    class_permission_name = "Part"
    method_permission_name = {**VIEW_METHOD_PERMISSIONS, "restock": "edit"}
    show_template = "repair/part_show.html"
    list_columns = ["sku", "name", "compatible_devices", "price_new", "price_used", "currency", "stock_new",
                    "stock_used", "active"]
    search_columns = ["sku", "name", "compatible_devices", "currency", "active"]
    show_columns = list_columns
    add_columns = ["sku", "name", "compatible_devices", "price_new", "price_used", "currency", "stock_new",
                   "stock_used", "active"]
    # Stock changes only through movements (restock below, lines, sales): never typed over.
    edit_columns = ["sku", "name", "compatible_devices", "price_new", "price_used", "currency", "active"]
    base_order = ("name", "asc")
    label_columns = {"sku": _("SKU"), "name": _("Name"), "compatible_devices": _("Compatible devices"),
                     "price_new": _("Price new"), "price_used": _("Price used"), "currency": _("Currency"),
                     "stock_new": _("In stock (new)"), "stock_used": _("In stock (used)"), "active": _("Active")}
    description_columns = {"price_used": _("Leave empty when the part is not sold used."),
                           "stock_new": _("Opening stock; later changes go through Restock and the lines.")}
    list_title = _("Parts catalog")
    show_title = _("Part")
    add_title = _("New part")
    edit_title = _("Edit part")

    def show_extra(self, item):
        return {"movements": lines.stock_movements(db.session, item.id) if item else [], "when": when}

    @expose("/restock/<int:pk>", methods=["POST"])
    @has_access
    def restock(self, pk):
        try:
            lines.restock(db.session, pk, quantity=request.form.get("quantity"),
                          condition=request.form.get("condition", "new"), actor=g.user, note=request.form.get("note"))
            db.session.commit()
            flash(_("Stock updated."), "success")
        except ValidationFailed as exc:
            flash_validation(exc)
        return redirect(url_for("PartView.show", pk=pk))


class StockMovementView(OrderflowModelView):
    datamodel = SQLAInterface(StockMovement)
    class_permission_name = "Part"
    base_permissions = ["can_read"]
    list_columns = ["at", "part", "condition", "delta", "stock_after", "reason", "order", "actor", "note"]
    show_columns = list_columns + ["sale", "part_line_id"]
    search_columns = ["part", "condition", "reason", "order", "at"]
    base_order = ("id", "desc")
    formatters_columns = {"at": when}
    label_columns = {"at": _("Time"), "part": _("Part"), "condition": _("Condition"), "delta": _("Change"),
                     "stock_after": _("Stock after"), "reason": _("Reason"), "order": _("Ticket"), "actor": _("By"),
                     "note": _("Note"), "sale": _("Sale"), "part_line_id": _("Line")}
    list_title = _("Stock movements")


def register_repair_views(appbuilder) -> None:
    appbuilder.add_view(RepairView, "Counter intake", label=_("Counter intake"), icon="fa-wrench",
                        category="Repair", category_label=_("Repair"), category_icon="fa-laptop")
    appbuilder.add_view(PartView, "Parts catalog", label=_("Parts catalog"), icon="fa-microchip", category="Repair")
    appbuilder.add_view(StockMovementView, "Stock movements", label=_("Stock movements"), icon="fa-exchange",
                        category="Repair")
    appbuilder.add_link("Counter sale", label=_("Counter sale"), href="/repair/sale", icon="fa-shopping-basket",
                        category="Repair")
    appbuilder.add_link("Counter sales", label=_("Counter sales"), href="/repair/sales", icon="fa-list",
                        category="Repair")
    appbuilder.add_link("Bulk intake", label=_("Bulk intake"), href="/repair/import", icon="fa-upload",
                        category="Repair")
    appbuilder.add_view_no_menu(TrackingView)
    appbuilder.app.jinja_env.globals.setdefault("repair_panel", repair_panel)
