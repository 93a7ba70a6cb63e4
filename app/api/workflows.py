"""Workflow versions through the REST API (Admin; permission resource "Workflow")."""
from flask import g, request
from flask_appbuilder.api import BaseApi, expose, protect, safe

from ..extensions import db
from ..services import workflows
from ..services.errors import ValidationFailed
from .base import refused


class WorkflowApi(BaseApi):
    resource_name = "workflow"
    class_permission_name = "Workflow"
    method_permission_name = {"list_workflows": "read", "validate": "read", "diagram": "read",
                              "save_draft": "edit", "publish": "edit"}
    allow_browser_login = True

    @expose("/", methods=["GET"])
    @protect()
    @safe
    def list_workflows(self):
        """Workflows with their versions.
        ---
        get:
          responses:
            200:
              description: workflows
        """
        from sqlalchemy import select

        from ..models import WorkflowRecord

        out = []
        for record in db.session.execute(select(WorkflowRecord).order_by(WorkflowRecord.key)).scalars():
            out.append({"key": record.key, "label": record.label, "versions": [
                {"id": v.id, "number": v.number, "status": v.status, "note": v.note,
                 "created": v.created.isoformat(), "published_at": v.published_at.isoformat() if v.published_at else None}
                for v in record.versions]})
        return self.response(200, result=out)

    @expose("/validate", methods=["POST"])
    @protect()
    @safe
    def validate(self):
        """Validate a YAML definition: 200 with its states, or 422 naming each problem's line and element.
        ---
        post:
          responses:
            200:
              description: valid
            422:
              description: problems
        """
        text = (request.get_json(silent=True) or {}).get("yaml_text") or ""
        messages = workflows.validation_messages(text)
        if messages:
            return self.response_422(message={"yaml_text": messages})
        wf = workflows.parse(text)
        return self.response(200, key=wf.key, states=list(wf.state_names), triggers=list(wf.triggers))

    @expose("/<key>/draft", methods=["POST"])
    @protect()
    @safe
    def save_draft(self, key):
        """Store a new draft version of a workflow (validated).
        ---
        post:
          responses:
            201:
              description: draft stored
            422:
              description: problems
        """
        body = request.get_json(silent=True) or {}
        try:
            version = workflows.save_draft(db.session, key, body.get("yaml_text") or "", author=g.user,
                                           note=body.get("note"))
            db.session.commit()
        except ValidationFailed as exc:
            return refused(self, exc)
        return self.response(201, id=version.id, number=version.number, status=version.status)

    @expose("/version/<int:version_id>/publish", methods=["POST"])
    @protect()
    @safe
    def publish(self, version_id):
        """Publish a draft; body {"mapping": {removed state: new state}} when orders sit in removed states.
        ---
        post:
          responses:
            200:
              description: published
            422:
              description: a mapping is missing or wrong
        """
        body = request.get_json(silent=True) or {}
        mapping = body.get("mapping") or {}
        if not isinstance(mapping, dict):
            return self.response_422(message={"mapping": ["must be an object"]})
        try:
            result = workflows.publish(db.session, version_id, mapping=mapping, actor=g.user)
            db.session.commit()
        except ValidationFailed as exc:
            return refused(self, exc)
        return self.response(200, **result)
