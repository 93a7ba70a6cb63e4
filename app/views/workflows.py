"""Workflow editor for Admin and Owner (permission resource "Workflow"): list, YAML with validation
messages (line + element), diagram preview, version history, publish with a state mapping.
Thin: every operation is app/services/workflows.py."""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import lazy_gettext as _
from sqlalchemy import select

from ..engine.workflow import CompiledWorkflow
from ..extensions import db
from ..models import WorkflowRecord, WorkflowVersion
from ..services import workflows
from ..services.errors import ValidationFailed


class WorkflowView(BaseView):
    route_base = "/workflows"
    class_permission_name = "Workflow"
    method_permission_name = {"index": "read", "editor": "read", "save": "edit", "publish": "edit"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        records = db.session.execute(select(WorkflowRecord).order_by(WorkflowRecord.key)).scalars().all()
        return self.render_template("workflows/index.html", records=records)

    @expose("/<key>")
    @has_access
    def editor(self, key, yaml_text=None, problems=None, mapping_needed=None):
        record = db.session.execute(select(WorkflowRecord).where(WorkflowRecord.key == key)).scalar()
        if record is None:
            abort(404)
        version_id = request.args.get("version", type=int)
        shown = db.session.get(WorkflowVersion, version_id) if version_id else None
        shown = shown or workflows.published_version(db.session, key) or (record.versions[0] if record.versions else None)
        text = yaml_text if yaml_text is not None else (shown.yaml_text if shown else "")
        diagram = ""
        if not problems:
            try:
                diagram = CompiledWorkflow(workflows.parse(text)).mermaid()
            except Exception:
                diagram = ""
        previews = {v.id: workflows.publish_preview(db.session, v) for v in record.versions if v.status == "draft"}
        return self.render_template("workflows/editor.html", record=record, shown=shown, yaml_text=text,
                                    problems=problems or [], diagram=diagram, previews=previews,
                                    mapping_needed=mapping_needed)

    @expose("/<key>/save", methods=["POST"])
    @has_access
    def save(self, key):
        text = request.form.get("yaml_text", "")
        try:
            version = workflows.save_draft(db.session, key, text, author=g.user, note=request.form.get("note"))
            db.session.commit()
        except ValidationFailed as exc:
            db.session.rollback()
            problems = [str(m) for msgs in exc.errors.values() for m in msgs]
            flash(_("The workflow is not valid; nothing was saved."), "danger")
            return self.editor(key, yaml_text=text, problems=problems)
        flash(_("Draft version %(n)s saved.", n=version.number), "success")
        return redirect(url_for("WorkflowView.editor", key=key, version=version.id))

    @expose("/version/<int:version_id>/publish", methods=["POST"])
    @has_access
    def publish(self, version_id):
        version = db.session.get(WorkflowVersion, version_id)
        if version is None:
            abort(404)
        key = version.workflow.key
        mapping = {k[len("map_"):]: v for k, v in request.form.items() if k.startswith("map_") and v}
        try:
            result = workflows.publish(db.session, version_id, mapping=mapping, actor=g.user)
            db.session.commit()
        except ValidationFailed as exc:
            db.session.rollback()
            for messages in exc.errors.values():
                for message in messages:
                    flash(str(message), "danger")
            return redirect(url_for("WorkflowView.editor", key=key, version=version_id))
        flash(_("Version %(n)s published; %(moved)s order(s) moved.", n=result["version"], moved=result["moved"]),
              "success")
        return redirect(url_for("WorkflowView.editor", key=key))


def register_workflow_views(appbuilder) -> None:
    appbuilder.add_view(WorkflowView, "Workflows", label=_("Workflows"), icon="fa-project-diagram",
                        category="Setup")
