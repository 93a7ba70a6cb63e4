from flask import current_app, g, request
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from ..extensions import db
from ..models import Attachment, Order, OrderEvent
from ..permissions import API_METHOD_PERMISSIONS
from ..services import access
from ..services import attachments as attachment_service
from ..services.order_privacy import is_author_only
from ..services.errors import ValidationFailed
from ..services.orders import prepare_order, revalidate_order
from .base import OrderflowModelApi, RowLevelModelApi, fire_and_answer, refused

ORDER_FIELDS = [
    "id", "number", "service.id", "service.code", "customer.id", "customer.name",
    "workflow_key", "workflow_version", "state", "priority", "manager.id", "manager.username",
    "assignee.id", "assignee.username", "division.id", "division.name", "title", "description", "details",
    "quantity", "price", "currency", "deadline", "created", "updated", "version",
]


class OrderApi(RowLevelModelApi):
    """Orders. ``state`` is read-only here: only ``trigger/<name>`` (services.transitions.fire)
    changes it."""

    resource_name = "order"
    class_permission_name = "Order"
    method_permission_name = {**API_METHOD_PERMISSIONS, "triggers": "read", "fire_trigger": "fire",
                              "money": "read"}
    datamodel = SQLAInterface(Order)
    list_columns = ORDER_FIELDS
    show_columns = ORDER_FIELDS
    add_columns = [
        "service", "customer", "title", "description", "details", "quantity", "price",
        "currency", "deadline", "manager", "assignee", "division",
    ]
    edit_columns = [
        "title", "description", "details", "quantity", "price", "currency", "deadline",
        "manager", "assignee", "division",
    ]
    search_columns = ["number", "title", "state", "priority", "service", "customer", "assignee", "division", "deadline", "created"]
    order_columns = ["id", "number", "title", "state", "priority", "deadline", "price", "created"]
    base_order = ("id", "desc")

    def pre_add(self, item):
        prepare_order(db.session, item, actor=g.user)

    def post_add(self, item):
        from ..services.orders import after_created

        after_created(db.session, item)  # e.g. a writing order goes to the on-duty manager
        db.session.commit()

    def pre_update(self, item):
        revalidate_order(db.session, item)

    # Authors never see the client or the price; clients never see the author (order_privacy).
    def pre_get(self, data):
        from ..services.order_privacy import hidden_fields, redact

        hidden = hidden_fields(g.user)
        if hidden and isinstance(data.get("result"), dict):
            redact(data["result"], hidden)

    def pre_get_list(self, data):
        from ..services.order_privacy import hidden_fields, redact

        hidden = hidden_fields(g.user)
        if hidden:
            for record in data.get("result") or []:
                redact(record, hidden)

    @expose("/<int:pk>/triggers", methods=["GET"])
    @protect()
    @safe
    def triggers(self, pk):
        """What the caller may fire on the order now, with labels.
        ---
        get:
          parameters:
          - in: path
            name: pk
            schema:
              type: integer
          responses:
            200:
              description: state, labels, version and the triggers [{name, label}]
            404:
              $ref: '#/components/responses/404'
        """
        from ..services import transitions, workflows

        if not access.can_see_order(db.session, g.user, pk):
            return self.response_404()
        order = db.session.get(Order, pk)
        return self.response(
            200, id=order.id, state=order.state, version=order.version,
            state_label=workflows.state_label(order.workflow_key, order.state, order.workflow_version),
            customer_label=workflows.customer_label(order.workflow_key, order.state, order.workflow_version),
            triggers=[{"name": name, "label": label}
                      for label, name in transitions.available_triggers(db.session, order, g.user)])

    @expose("/<int:pk>/trigger/<name>", methods=["POST"])
    @protect()
    @safe
    def fire_trigger(self, pk, name):
        """Fire a workflow trigger on the order.
        ---
        post:
          parameters:
          - in: path
            name: pk
            schema:
              type: integer
          - in: path
            name: name
            schema:
              type: string
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    comment:
                      type: string
                    fields:
                      type: object
                    expected_version:
                      type: integer
          responses:
            200:
              description: the new state
            403:
              description: your role may not fire this trigger
            404:
              $ref: '#/components/responses/404'
            409:
              description: the state does not allow it, or the order changed meanwhile
            422:
              description: a guard failed (messages)
        """
        body = request.get_json(silent=True) or {}
        if not isinstance(body, dict) or not isinstance(body.get("fields") or {}, dict):
            return self.response_400(message="JSON object expected")
        return fire_and_answer(self, pk, name, actor=g.user, comment=body.get("comment"),
                               fields=body.get("fields") or None, expected_version=body.get("expected_version"))

    @expose("/<int:pk>/money", methods=["GET"])
    @protect()
    @safe
    def money(self, pk):
        """What the order owes: due (its price), paid (payments minus refunds), balance, and its payments.
        ---
        get:
          parameters:
          - in: path
            name: pk
            schema:
              type: integer
          responses:
            200:
              description: due, paid, balance, pending, refunded (decimal strings), currency, payments
            404:
              $ref: '#/components/responses/404'
        """
        from .money import order_money_response

        return order_money_response(self, pk)


class OrderEventApi(RowLevelModelApi):
    resource_name = "order_event"
    class_permission_name = "OrderEvent"
    datamodel = SQLAInterface(OrderEvent)
    include_route_methods = {"get", "get_list", "info"}
    list_columns = ["id", "order.id", "order.number", "from_state", "to_state", "trigger", "actor.username", "at", "comment", "decision"]
    show_columns = list_columns
    search_columns = ["order", "trigger", "from_state", "to_state"]
    base_order = ("id", "desc")


class AttachmentApi(RowLevelModelApi):
    resource_name = "attachment"
    class_permission_name = "Attachment"
    method_permission_name = {**API_METHOD_PERMISSIONS, "upload": "add"}
    datamodel = SQLAInterface(Attachment)
    include_route_methods = {"get", "get_list", "info", "put", "delete", "upload"}
    list_columns = [
        "id", "order.id", "order.number", "kind", "original_name", "content_type", "size",
        "uploaded_by.username", "uploaded", "visible_to_customer",
    ]
    show_columns = list_columns
    edit_columns = ["kind", "visible_to_customer"]
    search_columns = ["order", "kind", "visible_to_customer"]
    base_order = ("id", "desc")

    @expose("/upload/<int:order_id>", methods=["POST"])
    @protect()
    @safe
    def upload(self, order_id):
        """Upload a file to an order (multipart/form-data: file, kind, visible_to_customer).
        ---
        post:
          parameters:
          - in: path
            name: order_id
            schema:
              type: integer
          requestBody:
            content:
              multipart/form-data:
                schema:
                  type: object
                  properties:
                    file:
                      type: string
                      format: binary
                    kind:
                      type: string
                    visible_to_customer:
                      type: boolean
          responses:
            201:
              description: Stored
            404:
              $ref: '#/components/responses/404'
            422:
              $ref: '#/components/responses/422'
        """
        if not access.can_see_order(db.session, g.user, order_id):
            return self.response_404()
        try:
            upload = request.files.get("file")
        except RequestEntityTooLarge:
            return self.response(413, message={"file": [str(_("is larger than the request limit"))]})
        if upload is None:
            return self.response_422(message={"file": [str(_("is required"))]})
        visible_raw = (request.form.get("visible_to_customer") or "").lower()
        try:
            attachment = attachment_service.store_attachment(
                db.session,
                order=db.session.get(Order, order_id),
                stream=upload.stream,
                filename=upload.filename,
                content_type=upload.mimetype,
                kind=request.form.get("kind", "other"),
                uploaded_by=g.user,
                visible_to_customer=(visible_raw in {"1", "true", "yes", "on"}
                                     or access.is_customer_only(g.user)) and not is_author_only(g.user),
                **attachment_service.upload_limits(current_app.config),
            )
        except ValidationFailed as exc:
            return refused(self, exc)
        db.session.commit()
        return self.response(201, id=attachment.id, result={"original_name": attachment.original_name, "size": attachment.size})
