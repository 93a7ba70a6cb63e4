"""Everyone's own in-app messages through the REST API (the bell's data).

Permission ``can_read`` on ``Inbox`` is part of every role's self-service grants: a user
only ever sees and marks their own messages."""
from __future__ import annotations

from flask import g, request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_babel import gettext as _

from ..extensions import db
from ..services import notifications


def _row(n) -> dict:
    return {"id": n.id, "subject": n.subject, "body": n.body, "template": n.template,
            "order_id": n.order_id, "created": n.created.isoformat(),
            "read_at": n.read_at.isoformat() if n.read_at else None}


class InboxApi(BaseApi):
    resource_name = "inbox"
    class_permission_name = "Inbox"
    method_permission_name = {"messages": "read", "mark_read": "read"}
    allow_browser_login = True

    @expose("/", methods=["GET"])
    @protect()
    @safe
    def messages(self):
        """My in-app messages, newest first, and how many are unread.
        ---
        get:
          parameters:
            - {in: query, name: limit, schema: {type: integer, default: 50, maximum: 200}}
          responses:
            200:
              description: messages
        """
        limit = request.args.get("limit", 50, type=int)
        if limit is None or not 1 <= limit <= 200:
            return self.response_422(message={"limit": [_("must be a whole number from 1 to 200")]})
        rows = notifications.inbox(db.session, g.user, limit=limit)
        return self.response(200, unread=notifications.unread_count(db.session, g.user),
                             result=[_row(n) for n in rows])

    @expose("/read", methods=["POST"])
    @protect()
    @safe
    def mark_read(self):
        """Mark my messages read: ``{"ids": [..]}``, or all of them without ``ids``.
        ---
        post:
          responses:
            200:
              description: how many were marked
        """
        payload = request.get_json(silent=True) or {}
        ids = payload.get("ids")
        if ids is not None and (not isinstance(ids, list) or not all(isinstance(i, int) for i in ids)):
            return self.response_422(message={"ids": [_("must be a list of message ids")]})
        marked = notifications.mark_read(db.session, g.user, ids)
        db.session.commit()
        return self.response(200, marked=marked,
                             unread=notifications.unread_count(db.session, g.user))
