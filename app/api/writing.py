"""The academic-writing desk through the REST API: the manager's table and reassigning
(``/api/v1/writing_desk/``), an author's offers with take / decline (``/api/v1/my_offers/``).
Every state change goes through services.transitions.fire."""
from __future__ import annotations

from flask import g, request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_babel import gettext as _

from ..extensions import db
from ..services import assignment, transitions, writing_desk
from ..services.errors import ValidationFailed
from .base import fire_and_answer, refused


def _iso(value):
    return value.isoformat(timespec="seconds") if value else None


def _row_json(row: dict) -> dict:
    out = dict(row)
    out["deadline"] = _iso(row["deadline"])
    out["price"], out["paid"] = str(row["price"]), str(row["paid"])
    return out


def _offer_json(offer: dict) -> dict:
    out = {k: v for k, v in offer.items() if k != "details"}
    out["details"] = out.pop("details_raw")
    for key in ("offered_at", "answer_by", "deadline"):
        out[key] = _iso(out[key])
    out["fee"] = str(out["fee"]) if out["fee"] is not None else None
    return out


class _ActionApi(BaseApi):
    allow_browser_login = True


class WritingDeskApi(_ActionApi):
    resource_name = "writing_desk"
    class_permission_name = "WritingDesk"
    method_permission_name = {"desk": "read", "choices": "read", "reassign": "edit"}

    @expose("/", methods=["GET"])
    @protect()
    @safe
    def desk(self):
        """The manager's table of writing orders.
        ---
        get:
          parameters:
            - {in: query, name: state, schema: {type: string}}
            - {in: query, name: mine, schema: {type: boolean}}
            - {in: query, name: waiting, schema: {type: boolean}}
            - {in: query, name: page, schema: {type: integer, default: 0}}
            - {in: query, name: page_size, schema: {type: integer, default: 50, maximum: 200}}
          responses:
            200:
              description: rows (number, state, state_label, author_last_name, author_first_name,
                author_patronymic, deadline, price, paid, currency, manager_name, waiting), count,
                counts per state, states
        """
        state = request.args.get("state") or None
        known = [name for name, _label in writing_desk.states()]
        if state and state not in known:
            return self.response_422(message={"state": [_("unknown state %(state)s; one of %(known)s",
                                                            state=state, known=", ".join(known))]})
        flag = lambda name: (request.args.get(name) or "").lower() in ("1", "true", "yes")  # noqa: E731
        result = writing_desk.desk(db.session, state=state, manager_id=g.user.id if flag("mine") else None,
                                   flagged=flag("waiting"), page=request.args.get("page", 0, type=int),
                                   page_size=request.args.get("page_size", writing_desk.PAGE_SIZE, type=int))
        return self.response(200, result=[_row_json(r) for r in result.rows], count=result.count,
                             page=result.page, page_size=result.page_size, counts=result.counts,
                             states=[{"name": n, "label": str(lbl)} for n, lbl in writing_desk.states()])

    @expose("/choices", methods=["GET"])
    @protect()
    @safe
    def choices(self):
        """Authors and managers an order may be handed to, with their load.
        ---
        get:
          responses:
            200:
              description: assignee and manager lists
        """
        return self.response(200, **{field: assignment.reassign_choices(db.session, writing_desk.WORKFLOW, field)
                                     for field in ("assignee", "manager")})

    @expose("/<int:order_id>/reassign", methods=["POST"])
    @protect()
    @safe
    def reassign(self, order_id):
        """Hand the order to another author (``assignee``) or manager.
        ---
        post:
          parameters:
            - {in: path, name: order_id, schema: {type: integer}}
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    assignee: {type: integer}
                    manager: {type: integer}
                    reason: {type: string}
                    expected_version: {type: integer}
          responses:
            200: {description: the order's people and revision}
            404: {description: not visible}
            409: {description: finished, or changed meanwhile}
            422: {description: the person cannot take it (message names the field)}
        """
        body = request.get_json(silent=True) or {}
        if not isinstance(body, dict):
            return self.response_400(message=_("JSON object expected"))
        fields = [f for f in ("assignee", "manager") if body.get(f) not in (None, "")]
        if len(fields) != 1:
            return self.response_422(message={"assignee": [_("give exactly one of assignee or manager (a user id)")]})
        try:
            order = assignment.reassign(db.session, order_id, field=fields[0], user_id=body[fields[0]],
                                        actor=g.user, reason=body.get("reason"),
                                        expected_version=body.get("expected_version"))
            db.session.commit()
        except (transitions.TransitionError, ValidationFailed) as exc:
            return refused(self, exc)
        return self.response(200, id=order.id, state=order.state, assignee_id=order.assignee_id,
                             manager_id=order.manager_id, version=order.version)


class MyOffersApi(_ActionApi):
    resource_name = "my_offers"
    class_permission_name = "MyOffers"
    method_permission_name = {"offers": "read", "take": "read", "decline": "read"}

    @expose("/", methods=["GET"])
    @protect()
    @safe
    def offers(self):
        """My open offers: the order's form data, deadline, files and my fee (not the client or price).
        ---
        get:
          responses:
            200: {description: result}
        """
        return self.response(200, result=[_offer_json(o) for o in writing_desk.my_offers(db.session, g.user)])

    def _answer(self, order_id, trigger, reason):
        body = request.get_json(silent=True) or {}
        return fire_and_answer(self, order_id, trigger, actor=g.user, comment=reason,
                               expected_version=body.get("expected_version"))

    @expose("/<int:order_id>/take", methods=["POST"])
    @protect()
    @safe
    def take(self, order_id):
        """I take it.
        ---
        post:
          parameters:
            - {in: path, name: order_id, schema: {type: integer}}
          responses:
            200: {description: the new state}
            404: {description: not offered to you}
            409: {description: no longer offered}
        """
        return self._answer(order_id, "take", None)

    @expose("/<int:order_id>/decline", methods=["POST"])
    @protect()
    @safe
    def decline(self, order_id):
        """I decline (``reason`` is required; the order goes to the next author).
        ---
        post:
          parameters:
            - {in: path, name: order_id, schema: {type: integer}}
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    reason: {type: string}
          responses:
            200: {description: the new state}
            422: {description: the reason is missing}
        """
        body = request.get_json(silent=True) or {}
        reason = (body.get("reason") or "").strip() if isinstance(body, dict) else ""
        if not reason:
            return self.response_422(message={"reason": [_("say why you decline (the reason is kept with the offer)")]})
        return self._answer(order_id, "decline", reason)
