"""Rule sets and decisions over REST. Thin: the work is in app/services/rulesets.py."""
from __future__ import annotations

from flask import g, request
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import select

from ..engine.rules import CONTEXTS
from ..extensions import db
from ..models import Decision, RuleSet
from ..permissions import API_METHOD_PERMISSIONS
from ..services.errors import ValidationFailed
from .base import OrderflowModelApi, RowLevelModelApi


def _version_dict(v) -> dict:
    return {"number": v.number, "status": v.status, "rules": v.rules, "errors": v.errors or [],
            "note": v.note, "author": v.author.username if v.author else None,
            "created": v.created.isoformat() if v.created else None,
            "published_at": v.published_at.isoformat() if v.published_at else None}


class RuleSetApi(OrderflowModelApi):
    """Rule sets: versions, drafts, publish, rollback, dry-run."""

    resource_name = "ruleset"
    class_permission_name = "RuleSet"
    method_permission_name = {**API_METHOD_PERMISSIONS, "versions": "read", "rule_data": "read",
                              "draft": "edit", "publish": "edit", "rollback": "edit",
                              "dry_run": "edit"}
    datamodel = SQLAInterface(RuleSet)
    list_columns = ["id", "key", "context", "description", "published_number", "created"]
    show_columns = list_columns
    add_columns = ["key", "context", "description"]
    edit_columns = ["description"]
    search_columns = ["key", "context"]
    order_columns = ["id", "key", "context"]

    def pre_add(self, item):
        errors = {}
        item.key = (item.key or "").strip()
        if not item.key:
            errors["key"] = ["A key is required."]
        elif db.session.execute(select(RuleSet.id).where(RuleSet.key == item.key)).first():
            errors["key"] = ["A rule set with this key exists already."]
        if item.context not in CONTEXTS:
            errors["context"] = [f"Unknown context; known: {', '.join(CONTEXTS)}."]
        if errors:
            raise ValidationFailed(errors)

    def _get(self, pk):
        return db.session.get(RuleSet, pk)

    @expose("/<int:pk>/versions", methods=["GET"])
    @protect()
    @safe
    def versions(self, pk):
        """Every version of a rule set, newest first.
        ---
        get:
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          responses:
            200: {description: versions}
            404: {$ref: '#/components/responses/404'}
        """
        rs = self._get(pk)
        if rs is None:
            return self.response_404()
        return self.response(200, key=rs.key, published_number=rs.published_number,
                             versions=[_version_dict(v) for v in reversed(rs.versions)])

    @expose("/<int:pk>/rule_data", methods=["GET"])
    @protect()
    @safe
    def rule_data(self, pk):
        """Variables, operators and actions of the rule set's context.
        ---
        get:
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          responses:
            200: {description: export_rule_data}
        """
        from ..services.rulesets import rule_data

        rs = self._get(pk)
        if rs is None:
            return self.response_404()
        return self.response(200, **rule_data(rs, db.session))

    @expose("/<int:pk>/draft", methods=["POST"])
    @protect()
    @safe
    def draft(self, pk):
        """Save rules as a draft (saved even when invalid; errors are returned).
        ---
        post:
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          requestBody:
            content:
              application/json:
                schema: {type: object, properties: {rules: {type: array}, note: {type: string}}}
          responses:
            200: {description: the draft version with its validation errors}
        """
        from ..services.rulesets import save_draft

        rs = self._get(pk)
        if rs is None:
            return self.response_404()
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or "rules" not in body:
            return self.response_422(message={"rules": ["Send {\"rules\": [...]}."]})
        version = save_draft(db.session, rs, body["rules"], author=g.user, note=body.get("note"))
        db.session.commit()
        return self.response(200, **_version_dict(version), valid=not version.errors)

    @expose("/<int:pk>/publish", methods=["POST"])
    @protect()
    @safe
    def publish(self, pk):
        """Publish a version (body {"number": N}); 422 naming each problem when invalid.
        ---
        post:
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          responses:
            200: {description: published}
            422: {$ref: '#/components/responses/422'}
        """
        from ..services import rulesets

        rs = self._get(pk)
        if rs is None:
            return self.response_404()
        body = request.get_json(silent=True) or {}
        try:
            version = rulesets.get_version(db.session, rs, int(body.get("number")))
        except (TypeError, ValueError):
            return self.response_422(message={"number": ["Give the version number to publish."]})
        except LookupError:
            return self.response_404()
        try:
            rulesets.publish(db.session, version, actor=g.user)
        except rulesets.RulesInvalid as exc:
            db.session.rollback()
            return self.response(422, message=exc.errors,
                                 errors=[e.to_dict() for e in exc.rule_errors])
        db.session.commit()
        return self.response(200, **_version_dict(version))

    @expose("/<int:pk>/rollback", methods=["POST"])
    @protect()
    @safe
    def rollback(self, pk):
        """Publish the rules of an older version again as a new version (body {"number": N}).
        ---
        post:
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          responses:
            200: {description: the new published version}
        """
        from ..services import rulesets

        rs = self._get(pk)
        if rs is None:
            return self.response_404()
        body = request.get_json(silent=True) or {}
        try:
            version = rulesets.rollback(db.session, rs, int(body.get("number")), actor=g.user)
        except (TypeError, ValueError):
            return self.response_422(message={"number": ["Give the version number to roll back to."]})
        except LookupError:
            return self.response_404()
        except rulesets.RulesInvalid as exc:
            db.session.rollback()
            return self.response(422, message=exc.errors)
        db.session.commit()
        return self.response(200, **_version_dict(version))

    @expose("/<int:pk>/dry_run", methods=["POST"])
    @protect()
    @safe
    def dry_run(self, pk):
        """Run rules (a draft) and the published version over the last N records.
        ---
        post:
          parameters:
          - {in: path, name: pk, schema: {type: integer}}
          requestBody:
            content:
              application/json:
                schema: {type: object, properties: {rules: {type: array}, limit: {type: integer}}}
          responses:
            200: {description: "{changes: [{record, old, new}], records, message}"}
            422: {$ref: '#/components/responses/422'}
        """
        from ..services import rulesets

        rs = self._get(pk)
        if rs is None:
            return self.response_404()
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or "rules" not in body:
            return self.response_422(message={"rules": ["Send {\"rules\": [...], \"limit\": N}."]})
        try:
            result = rulesets.dry_run(db.session, rs, body["rules"], limit=body.get("limit", 20))
        except rulesets.RulesInvalid as exc:
            return self.response(422, message=exc.errors, errors=[e.to_dict() for e in exc.rule_errors])
        except ValidationFailed as exc:
            return self.response_422(message=exc.errors)
        finally:
            db.session.rollback()
        result["message"] = str(result["message"]) if result["message"] else None
        return self.response(200, **result)


class DecisionApi(RowLevelModelApi):
    """Stored rule decisions (read-only), visible through their order."""

    resource_name = "decision"
    class_permission_name = "Decision"
    datamodel = SQLAInterface(Decision)
    include_route_methods = {"get", "get_list", "info"}
    list_columns = ["id", "created", "rule_set_key", "version", "context", "order.id", "order.number",
                    "subject_type", "subject_id", "changed", "fired", "actions", "values"]
    show_columns = list_columns
    search_columns = ["rule_set_key", "version", "context", "order", "changed", "created"]
    order_columns = ["id", "created", "rule_set_key", "version"]
    base_order = ("id", "desc")
