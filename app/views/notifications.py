"""Notifications: staff see the outbox (failed sends too), Admin edits templates, and
everyone has an inbox with a bell in the navbar."""
from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, action, expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _, lazy_pgettext

from ..extensions import db
from ..models import Notification, NotificationTemplate
from ..permissions import VIEW_METHOD_PERMISSIONS
from ..services import notifications as notification_service
from ..services.errors import ValidationFailed
from .base import OrderflowModelView, RowLevelModelView
from .formatting import when

STATUS = {"pending": _("Pending"), "sent": _("Sent"), "failed": _("Failed")}


class NotificationView(RowLevelModelView):
    datamodel = SQLAInterface(Notification)
    class_permission_name = "Notification"
    method_permission_name = {**VIEW_METHOD_PERMISSIONS, "retry": "edit"}
    base_permissions = ["can_read", "can_edit", "can_delete"]
    list_columns = ["created", "channel", "user", "email", "template", "subject", "status", "attempts", "last_error", "sent_at"]
    show_columns = list_columns + ["language", "body", "order", "next_attempt_at", "read_at", "attachments"]
    edit_columns = ["email"]
    search_columns = ["status", "channel", "template", "email", "user", "created"]
    base_order = ("id", "desc")
    formatters_columns = {"created": when, "sent_at": when, "next_attempt_at": when, "read_at": when,
                          "status": lambda s: str(STATUS.get(s, s))}
    label_columns = {"created": _("Created"), "channel": _("Channel"), "user": _("User"), "email": _("E-mail"),
                     "template": _("Template"), "subject": lazy_pgettext("email", "Subject"), "status": _("Status"),
                     "attempts": _("Attempts"), "last_error": _("Last error"), "sent_at": _("Sent at"),
                     "language": _("Language"), "body": _("Body"), "order": _("Order"),
                     "next_attempt_at": _("Next attempt"), "read_at": _("Read at"), "attachments": _("Attachments")}
    list_title = _("Messages")
    show_title = _("Message")

    @action("retry", _("Send again"), _("Queue the selected messages again?"), "fa-repeat", single=False)
    def retry(self, items):
        items = items if isinstance(items, list) else [items]
        for item in items:
            notification_service.retry(db.session, item)
        db.session.commit()
        flash(_("%(n)s message(s) queued again.", n=len(items)), "success")
        return redirect(request.referrer or url_for("NotificationView.list"))


class NotificationTemplateView(OrderflowModelView):
    datamodel = SQLAInterface(NotificationTemplate)
    class_permission_name = "NotificationTemplate"
    list_columns = ["key", "language", "subject"]
    add_columns = edit_columns = show_columns = ["key", "language", "subject", "body"]
    search_columns = ["key", "language", "subject"]
    base_order = ("key", "asc")
    label_columns = {"key": _("Event"), "language": _("Language"), "subject": lazy_pgettext("email", "Subject"), "body": _("Body")}
    description_columns = {"body": _("Jinja template; variables: order, title, amount, currency, purpose, worker, reason.")}
    list_title = _("Message templates")

    def pre_add(self, item):
        self._check(item)

    def pre_update(self, item):
        self._check(item)

    def _check(self, item):
        errors = notification_service.check_template(item.subject, item.body)
        if item.language not in notification_service.LANGUAGES:
            errors["language"] = [_("must be one of: %(l)s", l=", ".join(notification_service.LANGUAGES))]
        if errors:
            raise ValidationFailed(errors)


class InboxView(BaseView):
    """Everyone's own in-app messages (login required; no extra permission)."""

    route_base = "/inbox"
    default_view = "index"

    @expose("/")
    def index(self):
        if not getattr(g.user, "is_authenticated", False):
            return redirect(url_for("AuthDBView.login", next=request.full_path))
        rows = notification_service.inbox(db.session, g.user)
        return self.render_template("notifications/inbox.html", rows=rows)

    @expose("/read", methods=["POST"])
    def read(self):
        if not getattr(g.user, "is_authenticated", False):
            return redirect(url_for("AuthDBView.login"))
        ids = [int(i) for i in request.form.getlist("id") if i.isdigit()] or None
        notification_service.mark_read(db.session, g.user, ids)
        db.session.commit()
        return redirect(url_for("InboxView.index"))


def unread_context():
    user = getattr(g, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return {"unread_notifications": 0}
    try:
        return {"unread_notifications": notification_service.unread_count(db.session, user)}
    except Exception:  # noqa: BLE001 - the navbar must render even if the table is missing
        db.session.rollback()
        return {"unread_notifications": 0}
