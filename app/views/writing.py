"""The academic-writing desk in the browser: the manager's table (Orders → Writing desk,
with reassigning) and the author's offers (Orders → My offers: I take it / I decline)."""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import lazy_gettext as _

from ..extensions import db
from ..services import assignment, transitions, writing_desk
from ..services.errors import ValidationFailed
from .base import fire_and_flash, flash_refused
from .formatting import money, when


class WritingDeskView(BaseView):
    """The order manager's table of writing orders."""

    route_base = "/writing-desk"
    default_view = "index"
    class_permission_name = "WritingDesk"
    method_permission_name = {"index": "read", "reassign": "edit"}

    @expose("/")
    @has_access
    def index(self):
        state = request.args.get("state") or None
        mine = request.args.get("mine") == "1"
        flagged = request.args.get("waiting") == "1"
        page = request.args.get("page", 0, type=int)
        result = writing_desk.desk(db.session, state=state, manager_id=g.user.id if mine else None,
                                   flagged=flagged, page=page)
        people = {field: assignment.reassign_choices(db.session, writing_desk.WORKFLOW, field)
                  for field in ("assignee", "manager")}
        return self.render_template("writing/desk.html", page=result, states=writing_desk.states(),
                                    state=state, mine=mine, waiting=flagged, people=people, money=money,
                                    when=when, finals=_finals())

    @expose("/reassign/<int:order_id>", methods=["POST"])
    @has_access
    def reassign(self, order_id):
        field, _sep, user_id = (request.form.get("target") or "").partition(":")
        try:
            assignment.reassign(db.session, order_id, field=field or "assignee", user_id=user_id or None,
                                actor=g.user, reason=request.form.get("reason"),
                                expected_version=request.form.get("expected_version"))
            db.session.commit()
            flash(_("Order reassigned."), "success")
        except (transitions.TransitionError, ValidationFailed) as exc:
            flash_refused(exc)
        return redirect(request.referrer or url_for("WritingDeskView.index"))


def _finals() -> set:
    from ..services import workflows

    try:
        return set(workflows.published(None, writing_desk.WORKFLOW).final_states)
    except LookupError:
        return set()


def _is_final(state: str) -> bool:
    return state in _finals()


class MyOffersView(BaseView):
    """An author's open offers: the order's data and two buttons."""

    route_base = "/my-offers"
    default_view = "index"
    class_permission_name = "MyOffers"
    method_permission_name = {"index": "read", "answer": "read"}

    @expose("/")
    @has_access
    def index(self):
        return self.render_template("writing/my_offers.html", offers=writing_desk.my_offers(db.session, g.user),
                                    money=money, when=when)

    @expose("/answer/<int:order_id>", methods=["POST"])
    @has_access
    def answer(self, order_id):
        choice = request.form.get("answer")
        if choice not in ("take", "decline"):
            abort(400)
        reason = (request.form.get("reason") or "").strip() or None
        if fire_and_flash(order_id, choice, reason, request.form.get("expected_version")) is not None:
            if choice == "take":
                flash(_("The order is yours; the manager confirms it and the client pays 50% before you start."),
                      "success")
                return redirect(url_for("OrderView.show", pk=order_id))
            flash(_("You declined the order; it goes to another author."), "info")
        return redirect(url_for("MyOffersView.index"))
