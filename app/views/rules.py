"""Rule sets in the browser: list, editor (structured form + raw JSON), versions with
diff, validate, dry-run, publish, roll back; decisions (read-only); the assignment
dashboard. Thin: every operation is app/services/rulesets.py or assignment.py."""
from __future__ import annotations

import json

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _, lazy_pgettext
from markupsafe import Markup
from wtforms import SelectField

from ..engine.rules import CONTEXTS
from ..extensions import db
from ..models import Decision, RuleSet
from ..permissions import VIEW_METHOD_PERMISSIONS
from ..services.errors import ValidationFailed
from .base import OrderflowModelView, RowLevelModelView, flash_validation


def _editor_link(key):
    return Markup('<a href="{}">{}</a>').format(url_for("RuleSetView.editor", key=key), key)


class RuleSetView(OrderflowModelView):
    datamodel = SQLAInterface(RuleSet)
    class_permission_name = "RuleSet"
    method_permission_name = {**VIEW_METHOD_PERMISSIONS, "editor": "read", "diff": "read",
                              "save": "edit", "publish": "edit", "rollback": "edit"}
    list_columns = ["key", "context", "published_number", "description"]
    show_columns = ["key", "context", "published_number", "description", "created"]
    add_columns = ["key", "context", "description"]
    edit_columns = ["description"]
    search_columns = ["key", "context", "description"]
    base_order = ("key", "asc")
    formatters_columns = {"key": _editor_link}
    add_form_extra_fields = {
        "context": SelectField(_("Context"), choices=[(c, c) for c in CONTEXTS]),
    }
    label_columns = {
        "key": _("Key"), "context": _("Context"), "published_number": _("Published version"),
        "description": _("Description"), "created": _("Created"),
    }
    description_columns = {
        "key": _("A dotted name such as writing.assignment; code and workflows refer to it."),
    }
    list_title = _("Rule sets")
    show_title = _("Rule set")
    add_title = _("New rule set")
    edit_title = _("Edit rule set")

    def pre_add(self, item):
        from sqlalchemy import select

        errors = {}
        item.key = (item.key or "").strip()
        if not item.key:
            errors["key"] = [_("A key is required.")]
        elif db.session.execute(select(RuleSet.id).where(RuleSet.key == item.key)).first():
            errors["key"] = [_("A rule set with this key exists already.")]
        if item.context not in CONTEXTS:
            errors["context"] = [_("Unknown context.")]
        if errors:
            raise ValidationFailed(errors)

    def post_add(self, item):
        from ..services.rulesets import save_draft

        save_draft(db.session, item, [], author=_user(), note="created")
        db.session.commit()

    def _rule_set(self, key):
        from ..services.rulesets import get_rule_set

        try:
            return get_rule_set(db.session, key)
        except LookupError:
            abort(404)

    @expose("/editor/<key>")
    @has_access
    def editor(self, key):
        from ..services import rulesets

        rs = self._rule_set(key)
        versions = list(reversed(rs.versions))
        number = request.args.get("version", type=int)
        current = next((v for v in versions if v.number == number), None) if number else None
        if current is None:
            current = versions[0] if versions else None
        rules = current.rules if current is not None else []
        rules_text = rules if isinstance(rules, str) else json.dumps(rules, indent=2, ensure_ascii=False)
        dry = None
        if request.args.get("dry_run") and current is not None:
            try:
                dry = rulesets.dry_run(db.session, rs, current.rules,
                                       limit=request.args.get("limit", 20))
            except ValidationFailed as exc:
                flash_validation(exc)
        return self.render_template(
            "rules/editor.html", rule_set=rs, versions=versions, current=current,
            rules_text=rules_text, rule_data=rulesets.rule_data(rs, db.session), dry=dry,
            can_edit=self.appbuilder.sm.has_access("can_edit", "RuleSet"),
            title=_("Rule set %(key)s", key=rs.key))

    @expose("/editor/<key>/diff")
    @has_access
    def diff(self, key):
        from ..services import rulesets

        rs = self._rule_set(key)
        try:
            a = rulesets.get_version(db.session, rs, request.args.get("a", type=int) or 0)
            b = rulesets.get_version(db.session, rs, request.args.get("b", type=int) or 0)
        except LookupError:
            abort(404)
        return self.render_template("rules/diff.html", rule_set=rs, a=a, b=b,
                                    lines=rulesets.diff_versions(a, b),
                                    title=_("Differences"))

    @expose("/editor/<key>/save", methods=["POST"])
    @has_access
    def save(self, key):
        """Save the editor's JSON as a draft; with action=publish also publish it."""
        from ..services import rulesets

        rs = self._rule_set(key)
        text = request.form.get("rules", "")
        action = request.form.get("action", "save")
        version = rulesets.save_draft(db.session, rs, text, author=_user(),
                                      note=request.form.get("note") or None)
        db.session.commit()
        if version.errors:
            flash(_("Draft version %(n)s saved with %(count)s problem(s); it cannot be published "
                    "until they are fixed.", n=version.number, count=len(version.errors)), "warning")
            for err in version.errors:
                flash(_rule_error_text(err), "danger")
        elif action == "save":
            flash(_("Draft version %(n)s saved; it is valid.", n=version.number), "success")
        if action == "publish" and not version.errors:
            return self._publish(rs, version)
        if action == "dry_run" and not version.errors:
            return redirect(url_for("RuleSetView.editor", key=rs.key, version=version.number,
                                    dry_run=1, limit=request.form.get("limit", 20)))
        return redirect(url_for("RuleSetView.editor", key=rs.key, version=version.number))

    def _publish(self, rs, version):
        from ..services import rulesets

        try:
            rulesets.publish(db.session, version, actor=_user())
            db.session.commit()
            flash(_("Version %(n)s of %(key)s is published.", n=version.number, key=rs.key), "success")
        except rulesets.RulesInvalid as exc:
            db.session.rollback()
            flash(_("Version %(n)s is invalid and was not published.", n=version.number), "danger")
            for err in exc.rule_errors:
                flash(str(err), "danger")
        return redirect(url_for("RuleSetView.editor", key=rs.key, version=version.number))

    @expose("/editor/<key>/publish/<int:number>", methods=["POST"])
    @has_access
    def publish(self, key, number):
        from ..services import rulesets

        rs = self._rule_set(key)
        try:
            version = rulesets.get_version(db.session, rs, number)
        except LookupError:
            abort(404)
        return self._publish(rs, version)

    @expose("/editor/<key>/rollback/<int:number>", methods=["POST"])
    @has_access
    def rollback(self, key, number):
        from ..services import rulesets

        rs = self._rule_set(key)
        try:
            version = rulesets.rollback(db.session, rs, number, actor=_user())
            db.session.commit()
            flash(_("Rolled back: version %(n)s publishes the rules of version %(old)s.",
                    n=version.number, old=number), "success")
        except LookupError:
            abort(404)
        except rulesets.RulesInvalid as exc:
            db.session.rollback()
            for err in exc.rule_errors:
                flash(str(err), "danger")
        return redirect(url_for("RuleSetView.editor", key=rs.key))


def _user():
    from flask import g

    user = getattr(g, "user", None)
    return user if getattr(user, "id", None) else None


def _rule_error_text(err: dict) -> str:
    where = f"rule {err['rule']}, {err['path']}" if err.get("rule") else (err.get("path") or "document")
    return f"{where}: {err.get('reason')}"


def _json_pre(value):
    return Markup("<pre class='small'>{}</pre>").format(
        json.dumps(value, indent=1, ensure_ascii=False, default=str))


class DecisionView(RowLevelModelView):
    datamodel = SQLAInterface(Decision)
    class_permission_name = "Decision"
    base_permissions = ["can_read"]
    list_columns = ["created", "rule_set_key", "version", "order", "fired_names", "actions_text"]
    show_columns = ["created", "rule_set_key", "version", "context", "order", "subject_type",
                    "subject_id", "changed", "fired", "actions", "values"]
    search_columns = ["rule_set_key", "context", "version", "order", "created", "changed"]
    base_order = ("id", "desc")
    formatters_columns = {"values": _json_pre, "fired": _json_pre, "actions": _json_pre}
    label_columns = {
        "created": _("When"), "rule_set_key": _("Rule set"), "version": _("Version"),
        "context": _("Context"), "order": _("Order"), "fired_names": _("Rules fired"),
        "actions_text": _("Actions"), "values": _("Values read"), "fired": _("Rules fired"),
        "actions": _("Actions"), "subject_type": lazy_pgettext("decision", "Subject"), "subject_id": _("Subject id"),
        "changed": _("Changed something"),
    }
    list_title = _("Decisions")
    show_title = _("Decision")


class AssignmentDashboardView(BaseView):
    route_base = "/assignment-dashboard"
    class_permission_name = "AssignmentDashboard"
    method_permission_name = {"index": "read"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        from ..services.assignment import rating_shares

        rows = rating_shares(db.session)
        return self.render_template("rules/dashboard.html", rows=rows,
                                    title=_("Offers by rating"))



def register_rule_views(appbuilder) -> None:
    appbuilder.add_view(
        RuleSetView, "Rule sets", label=_("Rule sets"), icon="fa-balance-scale", category="Setup",
    )
    appbuilder.add_view(
        DecisionView, "Decisions", label=_("Decisions"), icon="fa-question-circle", category="Orders",
    )
    appbuilder.add_view(
        AssignmentDashboardView, "Offers by rating", label=_("Offers by rating"),
        icon="fa-bar-chart", category="Orders",
    )
    from flask import current_app

    app = current_app  # registration runs inside create_app's app context
    app.jinja_env.globals.setdefault("order_decisions", _order_decisions)
    app.jinja_env.globals.setdefault("order_needs_attention", _order_needs_attention)


def _order_decisions(order):
    from ..services.rulesets import order_decisions

    return order_decisions(db.session, order) if order is not None else []


def _order_needs_attention(order):
    from ..services.assignment import needs_attention

    return order is not None and needs_attention(db.session, order)
