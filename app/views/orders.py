from flask import abort, current_app, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _

from ..extensions import db
from ..models import Attachment, Order, OrderEvent
from ..models.orders import ATTACHMENT_KINDS
from ..services import access, attachments as attachment_service
from ..services.order_privacy import is_author_only
from ..services.errors import ValidationFailed
from ..services.orders import prepare_order
from ..permissions import VIEW_METHOD_PERMISSIONS
from .base import RowLevelModelView, ShowExtraMixin, fire_and_flash, flash_validation
from .fields import JSONTextAreaField
from .formatting import details_list, money, when

ATTACHMENT_KIND_LABELS = {
    "brief": _("Brief"),
    "work_guide": _("Work guide"),
    "proof_of_completion": _("Proof of completion"),
    "partial_preview": _("Partial preview"),
    "final_work": _("Final work"),
    "deliverable": _("Deliverable"),
    "payment_proof": _("Payment proof"),
    "other": _("Other"),
}


def _private_to_authors(value):
    """List cells an author may not read (the client, the price): shown as a dash."""
    from ..services.order_privacy import is_author_only

    return "—" if is_author_only(g.user) else ("" if value is None else value)


def _client_as_client(user):
    """An author reads "Client" where a client's own name would be."""
    from ..services.order_privacy import is_author_only

    if user is not None and is_author_only(g.user) and access.is_customer_only(user):
        return str(_("Client"))
    return "" if user is None else user


class OrderEventView(RowLevelModelView):
    datamodel = SQLAInterface(OrderEvent)
    class_permission_name = "OrderEvent"
    base_permissions = ["can_read"]
    list_columns = ["at", "order", "trigger", "from_state", "to_state", "actor", "comment"]
    show_columns = ["at", "order", "trigger", "from_state", "to_state", "actor", "comment", "decision"]
    search_columns = ["order", "trigger", "from_state", "to_state", "actor", "at"]
    base_order = ("id", "desc")
    formatters_columns = {"at": when}
    label_columns = {
        "at": _("Time"),
        "order": _("Order"),
        "trigger": _("Action"),
        "from_state": _("From"),
        "to_state": _("To"),
        "actor": _("By"),
        "comment": _("Comment"),
        "decision": _("Decision data"),
    }
    list_title = _("Order history")
    show_title = _("Order event")


class AttachmentView(RowLevelModelView):
    datamodel = SQLAInterface(Attachment)
    class_permission_name = "Attachment"
    method_permission_name = {**VIEW_METHOD_PERMISSIONS, "upload": "add"}
    list_columns = ["order", "kind", "original_name", "size", "uploaded_by", "uploaded", "visible_to_customer"]
    show_columns = list_columns + ["content_type"]
    edit_columns = ["kind", "visible_to_customer"]
    search_columns = ["order", "kind", "original_name", "visible_to_customer"]
    base_order = ("id", "desc")
    formatters_columns = {
        "uploaded": when,
        "uploaded_by": lambda u: _client_as_client(u),
        "kind": lambda k: str(ATTACHMENT_KIND_LABELS.get(k, k)),
        "original_name": lambda n: n,
    }
    label_columns = {
        "order": _("Order"),
        "kind": _("Kind"),
        "original_name": _("File"),
        "size": _("Size (bytes)"),
        "uploaded_by": _("Uploaded by"),
        "uploaded": _("Uploaded"),
        "visible_to_customer": _("Visible to customer"),
        "content_type": _("Content type"),
    }
    list_title = _("Attachments")
    show_title = _("Attachment")
    edit_title = _("Edit attachment")

    @expose("/download/<int:pk>")
    @has_access
    def download(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        try:
            path = attachment_service.attachment_path(current_app.config["UPLOAD_FOLDER"], item)
        except FileNotFoundError:
            abort(404)
        return send_file(path, download_name=item.original_name, as_attachment=True,
                         mimetype=item.content_type)

    @expose("/upload/<int:order_id>", methods=["POST"])
    @has_access
    def upload(self, order_id):
        if not access.can_see_order(db.session, g.user, order_id):
            abort(404)
        order = db.session.get(Order, order_id)
        upload = request.files.get("file")
        visible = bool(request.form.get("visible_to_customer")) or access.is_customer_only(g.user)
        visible = visible and not is_author_only(g.user)  # the manager releases an author's files
        try:
            if upload is None:
                raise ValidationFailed({"file": [_("is required")]})
            attachment_service.store_attachment(
                db.session,
                order=order,
                stream=upload.stream,
                filename=upload.filename,
                content_type=upload.mimetype,
                kind=request.form.get("kind", "other"),
                uploaded_by=g.user,
                visible_to_customer=visible,
                **attachment_service.upload_limits(current_app.config),
            )
            db.session.commit()
            flash(_("File uploaded."), "success")
        except ValidationFailed as exc:
            flash_validation(exc)
        return redirect(request.referrer or url_for("OrderView.show", pk=order_id))


def _status_label(order) -> str:
    """The label of the order's state in its own workflow version; customers see theirs."""
    from ..services import workflows

    if access.is_customer_only(g.user):
        return workflows.customer_label(order.workflow_key, order.state, order.workflow_version)
    return workflows.state_label(order.workflow_key, order.state, order.workflow_version)


class OrderView(ShowExtraMixin, RowLevelModelView):
    datamodel = SQLAInterface(Order)
    class_permission_name = "Order"
    related_views = [OrderEventView, AttachmentView]
    show_template = "orders/show.html"
    # Order.state is never in add/edit columns: only services.transitions.fire changes it.
    method_permission_name = {**VIEW_METHOD_PERMISSIONS, "fire": "fire"}
    list_columns = ["number", "title", "service", "customer", "state", "priority", "assignee", "deadline", "price_display"]
    order_columns = ["number", "title", "state", "priority", "deadline", "price"]
    search_columns = ["number", "title", "service", "customer", "state", "priority", "assignee", "division", "deadline", "created"]
    show_fieldsets = [
        # the status (its label) heads the page, above the workflow buttons
        (_("Order"), {"fields": ["number", "title", "service", "customer", "priority", "description", "details", "quantity", "price_display", "deadline"]}),
        (_("People"), {"fields": ["manager", "assignee", "division"]}),
        (_("Workflow"), {"fields": ["workflow_key", "workflow_version", "created", "updated", "version"]}),
    ]
    add_columns = ["service", "customer", "title", "description", "details", "quantity", "price", "currency", "deadline", "manager", "assignee", "division"]
    edit_columns = ["title", "description", "details", "quantity", "price", "currency", "deadline", "manager", "assignee", "division"]
    add_form_extra_fields = {"details": JSONTextAreaField(_("Details"))}
    edit_form_extra_fields = add_form_extra_fields
    base_order = ("id", "desc")
    formatters_columns = {"deadline": when, "created": when, "updated": when,
                          "customer": lambda v: _private_to_authors(v),
                          "price_display": lambda v: _private_to_authors(v),
                          "details": details_list}
    row_formatters = {"state": lambda order: _status_label(order)}
    label_columns = {
        "number": _("Number"),
        "title": _("Title"),
        "service": _("Service"),
        "customer": _("Customer"),
        "state": _("Status"),
        "priority": _("Priority"),
        "manager": _("Manager"),
        "assignee": _("Assignee"),
        "division": _("Division"),
        "description": _("Description"),
        "details": _("Details"),
        "quantity": _("Quantity"),
        "price": _("Price"),
        "price_display": _("Price"),
        "currency": _("Currency"),
        "deadline": _("Deadline"),
        "workflow_key": _("Workflow"),
        "workflow_version": _("Workflow version"),
        "created": _("Created"),
        "updated": _("Updated"),
        "version": _("Revision"),
    }
    description_columns = {
        "details": _("The service's form fields as JSON; checked against the service's form schema."),
        "price": _("Leave 0 to use the service's base price times the quantity."),
    }
    list_title = _("Orders")
    show_title = _("Order")
    add_title = _("New order")
    edit_title = _("Edit order")

    def pre_add(self, item):
        prepare_order(db.session, item, actor=g.user)

    def post_add(self, item):
        from ..services.orders import after_created

        after_created(db.session, item)  # e.g. a writing order goes to the on-duty manager
        db.session.commit()

    def pre_update(self, item):
        from ..services.orders import revalidate_order

        revalidate_order(db.session, item)

    def _get_show_widget(self, pk, item, widgets=None, actions=None, show_fieldsets=None):
        from ..services.order_privacy import filter_fieldsets, hidden_fields

        hidden = hidden_fields(g.user) | ({"state"} if access.is_customer_only(g.user) else set())
        if hidden:
            show_fieldsets = filter_fieldsets(show_fieldsets or self.show_fieldsets, hidden)
        return super()._get_show_widget(pk, item, widgets=widgets, actions=actions, show_fieldsets=show_fieldsets)

    def show_extra(self, item):
        from ..services.order_privacy import is_author_only

        customer_view = access.is_customer_only(g.user)
        author_view = is_author_only(g.user)
        extra = {
            "attachment_kinds": [(k, ATTACHMENT_KIND_LABELS[k]) for k in ATTACHMENT_KINDS],
            "money": money,
            "customer_view": customer_view,
            "author_view": author_view,
        }
        if item is not None and author_view:
            from ..services.writing_desk import author_fee

            extra["author_fee"] = author_fee(db.session, item)
        if item is not None and not author_view:  # authors never see what the client pays
            from .payments import money_context

            extra.update(money_context(item))  # due / paid / balance and the payments
        if item is not None:
            from ..services import transitions, workflows

            try:
                wf = workflows.for_order(db.session, item)
                diagram = wf.mermaid(item.state)
            except Exception:  # an order on a state its version lost: still show the page
                diagram = ""
            extra.update(
                state_label=workflows.state_label(item.workflow_key, item.state, item.workflow_version),
                customer_label=workflows.customer_label(item.workflow_key, item.state, item.workflow_version),
                triggers=transitions.available_triggers(db.session, item, g.user),
                diagram=diagram,
                history=db.session.query(OrderEvent).filter(OrderEvent.order_id == item.id)
                .order_by(OrderEvent.id.desc()).limit(50).all(),
            )
            if customer_view:
                from ..services.writing_desk import customer_history

                extra["customer_history"] = customer_history(db.session, item, g.user)
                extra["customer_files"] = db.session.query(Attachment).filter(
                    Attachment.order_id == item.id, Attachment.visible_to_customer.is_(True)).order_by(Attachment.id).all()
            extra["client_user_id"] = item.customer.user_id if item.customer is not None else None
        return extra

    @expose("/fire/<int:pk>", methods=["POST"])
    @has_access
    def fire(self, pk):
        """A workflow button: fire the trigger through services.transitions (the only way)."""
        trigger = request.form.get("trigger", "")
        comment = (request.form.get("comment") or "").strip() or None
        order = fire_and_flash(pk, trigger, comment, request.form.get("expected_version"))
        if order is not None:
            flash(_("Done: %(state)s", state=order.state), "success")
        return redirect(url_for("OrderView.show", pk=pk))

    def _related_for_user(self) -> list:
        """Clients get their own panels (no staff history, no uploader names); authors see the
        files but not the raw event list (the history panel names the client only as Client)."""
        from ..services.order_privacy import is_author_only

        if access.is_customer_only(g.user):
            return []
        if is_author_only(g.user):
            return [v for v in self._related_views if isinstance(v, AttachmentView)]
        return list(self._related_views)

    def _get_related_views_widgets(self, item, orders=None, pages=None, page_sizes=None, widgets=None, **args):
        everyone = self._related_views
        self_views = self._related_for_user()
        widgets = widgets or {}
        widgets["related_views"] = [
            self._get_related_view_widget(item, view, *(orders.get(view.__class__.__name__) or ("", "")),
                                          page=pages.get(view.__class__.__name__),
                                          page_size=page_sizes.get(view.__class__.__name__))
            for view in everyone if view in self_views]
        return widgets
