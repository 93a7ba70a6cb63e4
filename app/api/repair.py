"""REST API of the repair shop: parts catalog and stock, counter intake, ticket lines and
totals, diagnosis, warranty claims, refund decisions and refunds, counter sales, bulk intake.

Ticket endpoints apply the same row-level access as the order pages (someone else's ticket
is a 404); bad input is a 422 naming each field; a concurrent change of the ticket is a 409.
"""
from __future__ import annotations

from flask import Response, current_app, g, request, url_for
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface

from ..extensions import db
from ..models import ImportBatch, Order, Part, PartSale, RepairTicket, StockMovement
from ..permissions import API_METHOD_PERMISSIONS
from ..services import access
from ..services.errors import ValidationFailed
from ..services.repair import bulk, lines, receipt, refunds, sales, tickets, warranty
from ..services.transitions import TransitionError
from ..views.repair import PartCatalogHooks
from .base import OrderflowModelApi, refused

PART_FIELDS = ["id", "sku", "name", "compatible_devices", "price_new", "price_used", "currency", "stock_new",
               "stock_used", "active"]


class PartApi(PartCatalogHooks, OrderflowModelApi):
    """The parts catalog. Stock is read-only here: it changes through ``/repair/parts/<id>/restock``,
    ticket lines and counter sales (each a stock movement)."""

    resource_name = "part"
    class_permission_name = "Part"
    datamodel = SQLAInterface(Part)
    list_columns = show_columns = PART_FIELDS
    add_columns = ["sku", "name", "compatible_devices", "price_new", "price_used", "currency", "stock_new",
                   "stock_used", "active"]
    edit_columns = ["sku", "name", "compatible_devices", "price_new", "price_used", "currency", "active"]
    search_columns = ["sku", "name", "compatible_devices", "currency", "active"]
    order_columns = ["sku", "name", "price_new", "stock_new", "stock_used"]
    base_order = ("name", "asc")


class StockMovementApi(OrderflowModelApi):
    resource_name = "stock_movement"
    class_permission_name = "Part"
    datamodel = SQLAInterface(StockMovement)
    include_route_methods = {"get", "get_list", "info"}
    list_columns = show_columns = ["id", "part.id", "part.sku", "condition", "delta", "stock_after", "reason",
                                   "order.id", "order.number", "sale.id", "sale.number", "part_line_id", "actor.username", "at",
                                   "note"]
    search_columns = ["part", "condition", "reason", "order"]
    base_order = ("id", "desc")


def ticket_json(order: Order) -> dict:
    session = db.session
    ticket = session.get(RepairTicket, order.id)
    result = lines.totals(session, order)
    return {
        "id": order.id, "number": order.number, "state": order.state, "version": order.version,
        "customer": {"id": order.customer_id, "name": order.customer.name},
        "device": None if ticket is None else {
            "device_type": ticket.device_type, "brand": ticket.brand, "model": ticket.model,
            "serial_number": ticket.serial_number, "accessories": ticket.accessories, "condition": ticket.condition},
        "faults": ticket.faults if ticket else None,
        "customer_waits": ticket.customer_waits if ticket else None,
        "pickup_at": ticket.pickup_at.isoformat() if ticket and ticket.pickup_at else None,
        "estimate": str(ticket.estimate) if ticket and ticket.estimate is not None else None,
        "diagnosis": (order.details or {}).get("diagnosis"),
        "warranty_of": ticket.warranty_of.number if ticket and ticket.warranty_of else None,
        "part_lines": [{"id": line.id, "part_id": line.part_id, "sku": line.part.sku, "name": line.part.name,
                        "condition": line.condition, "billed_as": line.billed_as, "quantity": line.quantity,
                        "unit_price": str(line.unit_price), "under_warranty": line.under_warranty,
                        "charged": str(charged)} for line, charged in result.part_lines],
        "labour_lines": [{"id": line.id, "description": line.description, "hours": str(line.hours),
                          "rate": str(line.rate), "amount": str(amount), "charged": str(charged)}
                         for line, amount, charged in result.labour_lines],
        "totals": result.as_dict(),
        "warranty": warranty.status(session, order).as_dict(),
        "receipt_url": url_for("RepairApi.receipt", order_id=order.id),
    }


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationFailed({"body": ["a JSON object is expected"]})
    return body


class RepairApi(BaseApi):
    resource_name = "repair"
    class_permission_name = "Repair"
    allow_browser_login = True
    method_permission_name = {
        "intake": "add", "warranty_claim": "add", "intake_batch": "add", "import_file": "add",
        "ticket": "read", "receipt": "read", "refund_decision": "read", "import_status": "read", "sale_get": "read",
        "device": "edit", "diagnosis": "edit", "add_part_line": "edit", "remove_part_line": "edit",
        "add_labour_line": "edit", "remove_labour_line": "edit", "restock": "edit",
        "refund": "refund", "sale": "sell",
    }
    base_permissions = ["can_read", "can_add", "can_edit", "can_refund", "can_sell"]

    # ------------------------------------------------------------------ helpers
    def _visible(self, order_id) -> Order | None:
        if not access.can_see_order(db.session, g.user, order_id):
            return None
        order = db.session.get(Order, order_id)
        return order if order is not None and order.workflow_key == lines.REPAIR_KIND else None

    def _act(self, order_id, action, status=200):
        """Run ``action`` on a visible ticket in one transaction; the ticket (fresh) comes back."""
        if self._visible(order_id) is None:
            return self.response_404()
        try:
            extra = action() or {}
            db.session.commit()
        except (ValidationFailed, TransitionError, LookupError) as exc:
            return refused(self, exc)
        order = db.session.get(Order, order_id)
        db.session.refresh(order)
        return self.response(status, **{**ticket_json(order), **extra})

    @staticmethod
    def _tracking(order) -> str:
        from ..views.repair import tracking_url

        return tracking_url(order)

    # ------------------------------------------------------------------ intake
    @expose("/intake", methods=["POST"])
    @protect()
    @safe
    def intake(self):
        """Open a ticket at the counter.
        ---
        post:
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    customer_id: {type: integer}
                    customer: {type: object, description: "name, email, phone, company (found by e-mail or phone, else created)"}
                    service: {type: string, description: "service id or code (default: the first repair service)"}
                    device_type: {type: string}
                    brand: {type: string}
                    model: {type: string}
                    serial_number: {type: string}
                    accessories: {type: string}
                    condition: {type: string}
                    faults: {type: string}
                    pickup_at: {type: string, description: "ISO date-time in the business time zone"}
                    customer_waits: {type: boolean}
                    estimate: {type: string}
                    assignee_id: {type: integer}
          responses:
            201: {description: "the ticket, its tracking code and URL and its receipt URL"}
            422: {description: "every field's message"}
        """
        from ..views.repair import notify_received

        try:
            body = _body()
            order = tickets.open_ticket(db.session, data=body, actor=g.user, service=body.get("service"),
                                        customer_id=body.get("customer_id"), customer=body.get("customer"))
            notify_received(order)
            db.session.commit()
        except ValidationFailed as exc:
            return refused(self, exc)
        ticket = db.session.get(RepairTicket, order.id)
        return self.response(201, **ticket_json(order), tracking_code=ticket.tracking_code,
                             tracking_url=self._tracking(order))

    @expose("/ticket/<int:order_id>", methods=["GET"])
    @protect()
    @safe
    def ticket(self, order_id):
        """A ticket's device, lines, totals and warranty.
        ---
        get:
          parameters:
          - {in: path, name: order_id, schema: {type: integer}}
          responses:
            200: {description: the ticket}
            404: {description: not found or not visible}
        """
        order = self._visible(order_id)
        if order is None:
            return self.response_404()
        return self.response(200, **ticket_json(order))

    @expose("/ticket/<int:order_id>/receipt.pdf", methods=["GET"])
    @protect()
    @safe
    def receipt(self, order_id):
        """The printable receipt (PDF).
        ---
        get:
          parameters:
          - {in: path, name: order_id, schema: {type: integer}}
          responses:
            200: {description: application/pdf}
        """
        order = self._visible(order_id)
        if order is None:
            return self.response_404()
        pdf = receipt.ticket_receipt(db.session, order, shop=current_app.config.get("APP_NAME", "Orderflow"),
                                     tracking_url=self._tracking(order))
        db.session.commit()
        return Response(pdf, mimetype="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{order.number}.pdf"'})

    @expose("/ticket/<int:order_id>/device", methods=["PUT"])
    @protect()
    @safe
    def device(self, order_id):
        """Change the device record (type, brand, model, serial_number, accessories, condition, faults).
        ---
        put:
          parameters:
          - {in: path, name: order_id, schema: {type: integer}}
          responses:
            200: {description: the ticket}
        """
        return self._act(order_id, lambda: tickets.update_device(db.session, order_id, _body(), actor=g.user) and None)

    @expose("/ticket/<int:order_id>/diagnosis", methods=["POST"])
    @protect()
    @safe
    def diagnosis(self, order_id):
        """Write the diagnosis notes ({"diagnosis": text}); the repair can start after it.
        ---
        post:
          parameters:
          - {in: path, name: order_id, schema: {type: integer}}
          responses:
            200: {description: the ticket}
        """
        return self._act(order_id, lambda: tickets.set_diagnosis(db.session, order_id, _body().get("diagnosis"),
                                                                 actor=g.user) and None)

    @expose("/ticket/<int:order_id>/part_lines", methods=["POST"])
    @protect()
    @safe
    def add_part_line(self, order_id):
        """Install a part: {"part_id", "condition": new|used, "quantity", "billed_as", "unit_price", "under_warranty"}.
        ---
        post:
          parameters:
          - {in: path, name: order_id, schema: {type: integer}}
          responses:
            201: {description: the ticket with the new line; the part is taken from stock}
            409: {description: the ticket can no longer change, or changed meanwhile}
            422: {description: bad input or not enough stock}
        """
        def run():
            b = _body()
            line = lines.add_part_line(db.session, order_id, actor=g.user, part_id=b.get("part_id"),
                                       condition=b.get("condition"), quantity=b.get("quantity"),
                                       billed_as=b.get("billed_as"), unit_price=b.get("unit_price"),
                                       under_warranty=bool(b.get("under_warranty")))
            return {"line_id": line.id}
        return self._act(order_id, run, status=201)

    @expose("/ticket/<int:order_id>/part_lines/<int:line_id>", methods=["DELETE"])
    @protect()
    @safe
    def remove_part_line(self, order_id, line_id):
        """Remove a part line; the part goes back to stock.
        ---
        delete:
          parameters:
          - {in: path, name: order_id, schema: {type: integer}}
          - {in: path, name: line_id, schema: {type: integer}}
          responses:
            200: {description: the ticket}
        """
        return self._act(order_id, lambda: lines.remove_part_line(db.session, order_id, line_id, actor=g.user))

    @expose("/ticket/<int:order_id>/labour_lines", methods=["POST"])
    @protect()
    @safe
    def add_labour_line(self, order_id):
        """Add labour: {"description", "hours", "rate"}.
        ---
        post:
          parameters:
          - {in: path, name: order_id, schema: {type: integer}}
          responses:
            201: {description: the ticket with the new line}
        """
        def run():
            b = _body()
            line = lines.add_labour_line(db.session, order_id, description=b.get("description"),
                                         hours=b.get("hours", 1), rate=b.get("rate"), actor=g.user)
            return {"line_id": line.id}
        return self._act(order_id, run, status=201)

    @expose("/ticket/<int:order_id>/labour_lines/<int:line_id>", methods=["DELETE"])
    @protect()
    @safe
    def remove_labour_line(self, order_id, line_id):
        """Remove a labour line.
        ---
        delete:
          parameters:
          - {in: path, name: order_id, schema: {type: integer}}
          - {in: path, name: line_id, schema: {type: integer}}
          responses:
            200: {description: the ticket}
        """
        return self._act(order_id, lambda: lines.remove_labour_line(db.session, order_id, line_id, actor=g.user))

    # ------------------------------------------------------------------ warranty and refunds
    @expose("/ticket/<int:order_id>/warranty_claim", methods=["POST"])
    @protect()
    @safe
    def warranty_claim(self, order_id):
        """The customer is back: {"faults"}. Within the warranty: a free warranty check (parts charged);
        after it: a normal ticket. Both link to the original.
        ---
        post:
          parameters:
          - {in: path, name: order_id, schema: {type: integer}}
          responses:
            201: {description: "the new ticket, with covered: true|false"}
        """
        from ..views.repair import notify_received

        if self._visible(order_id) is None:
            return self.response_404()
        try:
            claim, covered = warranty.open_claim(db.session, order_id, faults=_body().get("faults", ""), actor=g.user)
            notify_received(claim)
            db.session.commit()
        except ValidationFailed as exc:
            return refused(self, exc)
        except TransitionError as exc:  # failed guards too: one message, as this endpoint always answered
            db.session.rollback()
            return self.response(exc.http_status, message=str(exc))
        return self.response(201, **ticket_json(claim), covered=covered)

    @expose("/ticket/<int:order_id>/refund_decision", methods=["GET"])
    @protect()
    @safe
    def refund_decision(self, order_id):
        """What the repair.refund rule set decides now: amount, reasons, facts, the decision.
        ---
        get:
          parameters:
          - {in: path, name: order_id, schema: {type: integer}}
          responses:
            200: {description: the refund plan}
        """
        order = self._visible(order_id)
        if order is None:
            return self.response_404()
        return self.response(200, **refunds.plan(db.session, order).as_dict())

    @expose("/ticket/<int:order_id>/refund", methods=["POST"])
    @protect()
    @safe
    def refund(self, order_id):
        """Refund what the decision allows ({"reason"} optional), never more than was paid.
        ---
        post:
          parameters:
          - {in: path, name: order_id, schema: {type: integer}}
          responses:
            200: {description: the refund payments}
            422: {description: nothing to refund (the reasons say why)}
        """
        def run():
            done = refunds.refund(db.session, order_id, actor=g.user, reason=(_body() if request.data else {}).get(
                "reason", ""), config=current_app.config)
            return {"refunds": [{"id": r.id, "amount": str(r.amount), "currency": r.currency, "method": r.method,
                                 "refund_of_id": r.refund_of_id} for r in done]}
        return self._act(order_id, run)

    # ------------------------------------------------------------------ stock and sales
    @expose("/parts/<int:part_id>/restock", methods=["POST"])
    @protect()
    @safe
    def restock(self, part_id):
        """Goods in (or a count correction): {"quantity", "condition": new|used, "note"}.
        ---
        post:
          parameters:
          - {in: path, name: part_id, schema: {type: integer}}
          responses:
            200: {description: the stock after the change}
        """
        try:
            body = _body()
            after = lines.restock(db.session, part_id, quantity=body.get("quantity"),
                                  condition=body.get("condition", "new"), actor=g.user, note=body.get("note"))
            db.session.commit()
        except ValidationFailed as exc:
            return refused(self, exc)
        part = db.session.get(Part, part_id)
        return self.response(200, id=part.id, sku=part.sku, stock_new=part.stock_new, stock_used=part.stock_used,
                             stock_after=after)

    @expose("/sale", methods=["POST"])
    @protect()
    @safe
    def sale(self):
        """Sell parts over the counter: {"items": [{"part_id", "condition", "quantity"}], "method": cash|...,
        "customer_id" or "customer"}. Cash is paid at once; otherwise pay through /api/v1/payment/<id>/charge.
        ---
        post:
          responses:
            201: {description: the sale with its payment}
        """
        try:
            body = _body()
            sale = sales.sell(db.session, items=body.get("items") or [], actor=g.user,
                              customer_id=body.get("customer_id"), customer=body.get("customer"),
                              method=body.get("method") or "cash")
            db.session.commit()
        except ValidationFailed as exc:
            return refused(self, exc)
        return self.response(201, **sale_json(sale))

    @expose("/sale/<int:sale_id>", methods=["GET"])
    @protect()
    @safe
    def sale_get(self, sale_id):
        """A counter sale.
        ---
        get:
          parameters:
          - {in: path, name: sale_id, schema: {type: integer}}
          responses:
            200: {description: the sale}
        """
        sale = db.session.get(PartSale, sale_id)
        if sale is None or access.is_customer_only(g.user):  # a customer reads their tickets only
            return self.response_404()
        return self.response(200, **sale_json(sale))

    # ------------------------------------------------------------------ bulk intake
    @expose("/intake_batch", methods=["POST"])
    @protect()
    @safe
    def intake_batch(self):
        """Bulk intake from JSON: {"rows": [{device_type, brand, faults, ...}], "service", "customer_id"}.
        Every row is validated; valid ones become tickets, rejected ones come back with their reasons.
        ---
        post:
          responses:
            201: {description: "batch id, created numbers, rejected rows [{row, errors}]"}
            422: {description: the batch itself is malformed}
        """
        try:
            body = _body()
            batch = bulk.import_rows(db.session, body.get("rows"), source="json", service=body.get("service"),
                                     customer_id=body.get("customer_id"), actor=g.user)
        except ValidationFailed as exc:
            return refused(self, exc)
        return self.response(201, **bulk.progress(batch, errors_limit=10**6),
                             numbers=bulk.created_numbers(db.session, batch))

    @expose("/import", methods=["POST"])
    @protect()
    @safe
    def import_file(self):
        """Bulk intake from a CSV or XLSX file (multipart: file, service, customer_id); works in the
        background: poll ``/api/v1/repair/import/<id>``.
        ---
        post:
          responses:
            202: {description: the batch and its progress URL}
        """
        upload = request.files.get("file")
        try:
            if upload is None or not upload.filename:
                raise ValidationFailed({"file": [_("is required")]})
            batch = bulk.create_batch_from_file(db.session, upload.stream.read(), upload.filename,
                                                service=request.form.get("service"),
                                                customer_id=request.form.get("customer_id") or None, actor=g.user)
            db.session.commit()
        except ValidationFailed as exc:
            return refused(self, exc)
        bulk.start_background(current_app._get_current_object(), batch.id)
        return self.response(202, **bulk.progress(batch), progress_url=url_for("RepairApi.import_status",
                                                                               batch_id=batch.id))

    @expose("/import/<int:batch_id>", methods=["GET"])
    @protect()
    @safe
    def import_status(self, batch_id):
        """A bulk intake's progress and rejected rows.
        ---
        get:
          parameters:
          - {in: path, name: batch_id, schema: {type: integer}}
          responses:
            200: {description: progress}
        """
        batch = db.session.get(ImportBatch, batch_id)
        if batch is None or access.is_customer_only(g.user):  # a customer reads their tickets only
            return self.response_404()
        return self.response(200, **bulk.progress(batch, errors_limit=10**6))


def sale_json(sale: PartSale) -> dict:
    return {"id": sale.id, "number": sale.number, "currency": sale.currency, "total": str(sales.sale_total(sale)),
            "paid": sales.sale_paid(sale), "cancelled": sale.cancelled, "payment_id": sale.payment_id,
            "lines": [{"id": line.id, "part_id": line.part_id, "sku": line.part.sku, "condition": line.condition,
                       "quantity": line.quantity, "unit_price": str(line.unit_price)} for line in sale.lines]}


REPAIR_APIS = [PartApi, StockMovementApi, RepairApi]
