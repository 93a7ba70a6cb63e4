"""Reviews in the browser: the public reviews page, the client's review page of a completed
order (rate the author, review the company), and the staff's moderation pages."""
from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, action, expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _

from ..extensions import db
from ..models import AuthorReview, CompanyReview
from ..permissions import VIEW_METHOD_PERMISSIONS
from ..services import reviews as review_service
from ..services.errors import ValidationFailed
from .base import RowLevelModelView
from .formatting import when

REVIEW_STATUS = {"pending": _("Waiting for approval"), "approved": _("Approved"), "rejected": _("Rejected")}


def _user():
    user = getattr(g, "user", None)
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _stars(n) -> str:
    return "★" * int(n or 0) + "☆" * (5 - int(n or 0))


class ReviewsView(BaseView):
    route_base = "/reviews"
    default_view = "index"

    @expose("/")
    def index(self):
        """Approved reviews of the company: public."""
        page = max(0, request.args.get("page", 0, type=int) or 0)
        rows, summary = review_service.public_reviews(db.session, limit=20, offset=page * 20)
        return self.render_template("reviews/index.html", reviews=rows, summary=summary, page=page,
                                    public_name=review_service.public_name, stars=_stars)

    @expose("/order/<int:order_id>", methods=["GET", "POST"])
    def order(self, order_id):
        """The client's page after completion: rate the author, review the company."""
        user = _user()
        if user is None:
            return redirect(url_for("AuthDBView.login", next=request.full_path))
        try:
            order = review_service.own_order(db.session, user, order_id)
        except (LookupError, ValidationFailed):
            abort(404)
        errors: dict = {}
        if request.method == "POST":
            kind = request.form.get("kind")
            try:
                if kind == "author":
                    review_service.rate_author(db.session, user, order.id, stars=request.form.get("stars"),
                                               comment=request.form.get("comment"))
                    message = _("Thank you for rating the author.")
                else:
                    review_service.review_company(db.session, user, stars=request.form.get("stars"),
                                                  text=request.form.get("text", ""), order_id=order.id)
                    message = _("Thank you! Your review will appear once it is approved.")
                db.session.commit()
                flash(message, "success")
                return redirect(url_for("ReviewsView.order", order_id=order.id))
            except ValidationFailed as exc:
                db.session.rollback()
                errors = {f"{kind}.{k}": v for k, v in exc.errors.items()}
                flash(_("Please correct the marked fields."), "danger")
        state = review_service.review_state(db.session, order)
        return self.render_template("reviews/order.html", order=order, state=state, errors=errors,
                                    form=request.form, stars=_stars, status_labels=REVIEW_STATUS)


class AuthorReviewView(RowLevelModelView):
    datamodel = SQLAInterface(AuthorReview)
    class_permission_name = "AuthorReview"
    base_permissions = ["can_read", "can_delete"]
    include_route_methods = {"list", "show", "delete", "muldelete"}  # written only by the client
    list_columns = ["created", "order", "author", "customer", "stars", "comment", "rating_before", "rating_after"]
    show_columns = list_columns + ["decision"]
    search_columns = ["order", "author", "customer", "stars", "created"]
    base_order = ("id", "desc")
    formatters_columns = {"created": when, "stars": _stars}
    label_columns = {"created": _("Created"), "order": _("Order"), "author": _("Author"), "customer": _("Client"),
                     "stars": _("Stars"), "comment": _("Comment"), "rating_before": _("Rating before"),
                     "rating_after": _("Rating after"), "decision": _("Decision")}
    list_title = _("Author reviews")
    show_title = _("Author review")


class CompanyReviewView(RowLevelModelView):
    datamodel = SQLAInterface(CompanyReview)
    class_permission_name = "CompanyReview"
    method_permission_name = {**VIEW_METHOD_PERMISSIONS, "approve": "edit", "reject": "edit"}
    base_permissions = ["can_read", "can_edit", "can_delete"]
    list_columns = ["created", "customer", "order", "stars", "text", "status", "moderated_by"]
    show_columns = list_columns + ["moderated_at", "rejection_reason"]
    edit_columns = ["status", "rejection_reason"]
    search_columns = ["customer", "order", "stars", "status", "created"]
    base_order = ("id", "desc")
    formatters_columns = {"created": when, "moderated_at": when, "stars": _stars,
                          "status": lambda s: str(REVIEW_STATUS.get(s, s))}
    label_columns = {"created": _("Created"), "customer": _("Client"), "order": _("Order"), "stars": _("Stars"),
                     "text": _("Review"), "status": _("Status"), "moderated_by": _("Moderated by"),
                     "moderated_at": _("Moderated at"), "rejection_reason": _("Rejection reason")}
    list_title = _("Company reviews")
    show_title = _("Company review")
    edit_title = _("Moderate the review")

    def pre_update(self, item):
        if item.status not in ("pending", "approved", "rejected"):
            raise ValidationFailed({"status": [_("must be pending, approved or rejected")]})
        if item.status != "pending":
            review_service.moderate(db.session, item, actor=g.user, approve=item.status == "approved",
                                    reason=item.rejection_reason)

    @action("approve", _("Approve"), _("Show the selected reviews publicly?"), "fa-check", single=False)
    def approve(self, items):
        items = items if isinstance(items, list) else [items]
        for item in items:
            review_service.moderate(db.session, item, actor=g.user, approve=True)
        db.session.commit()
        flash(_("%(n)s review(s) approved.", n=len(items)), "success")
        return redirect(request.referrer or url_for("CompanyReviewView.list"))

    @action("reject", _("Reject"), _("Reject the selected reviews? They stay hidden."), "fa-ban", single=False)
    def reject(self, items):
        items = items if isinstance(items, list) else [items]
        for item in items:
            review_service.moderate(db.session, item, actor=g.user, approve=False,
                                    reason=str(_("Rejected by a moderator")))
        db.session.commit()
        flash(_("%(n)s review(s) rejected.", n=len(items)), "success")
        return redirect(request.referrer or url_for("CompanyReviewView.list"))


def register_review_views(appbuilder) -> None:
    from .forum import ForumView, OrderChatView

    appbuilder.add_view(CompanyReviewView, "Company reviews", label=_("Company reviews"), icon="fa-star",
                        category="Reviews", category_label=_("Reviews"), category_icon="fa-comments")
    appbuilder.add_view(AuthorReviewView, "Author reviews", label=_("Author reviews"), icon="fa-star-half-o",
                        category="Reviews")
    appbuilder.add_view_no_menu(ReviewsView)
    appbuilder.add_view_no_menu(ForumView)
    appbuilder.add_view_no_menu(OrderChatView)
    appbuilder.add_link("Forum", label=_("Forum"), href="/forum/", icon="fa-comments-o", category="Reviews")
    appbuilder.add_link("Reviews page", label=_("Reviews page"), href="/reviews/", icon="fa-quote-left",
                        category="Reviews")
    # My orders offers "Review" on orders that ended well
    current_app.jinja_env.globals["can_review_order"] = review_service.is_completed
