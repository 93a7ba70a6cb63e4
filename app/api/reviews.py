"""REST API of reviews, the forum and the per-order chat."""
from __future__ import annotations

from flask import g, request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface

from ..extensions import db
from ..models import AuthorReview, CompanyReview, ForumPost
from ..permissions import API_METHOD_PERMISSIONS
from ..services import forum as forum_service, reviews as review_service
from ..services.errors import ValidationFailed
from .base import RowLevelModelApi, refused


def _author_review_json(r: AuthorReview) -> dict:
    return {"id": r.id, "order_id": r.order_id, "author_id": r.author_id, "stars": r.stars, "comment": r.comment,
            "rating_before": str(r.rating_before) if r.rating_before is not None else None,
            "rating_after": str(r.rating_after) if r.rating_after is not None else None,
            "decision_id": r.decision_id, "created": r.created.isoformat()}


def _company_review_json(r: CompanyReview) -> dict:
    return {"id": r.id, "order_id": r.order_id, "stars": r.stars, "text": r.text, "status": r.status,
            "rejection_reason": r.rejection_reason, "created": r.created.isoformat()}


class AuthorReviewApi(RowLevelModelApi):
    """A client rates the author of a delivered writing order: POST {"order_id", "stars",
    "comment"} (once per order); the author's rating is recomputed by ``author.rating``."""

    resource_name = "author_review"
    class_permission_name = "AuthorReview"
    datamodel = SQLAInterface(AuthorReview)
    list_columns = show_columns = ["id", "order.id", "order.number", "author.id", "author.username", "customer.id",
                                   "stars", "comment", "rating_before", "rating_after", "decision.id", "created"]
    search_columns = ["order", "author", "stars", "created"]
    order_columns = ["id", "created", "stars"]
    base_order = ("id", "desc")
    include_route_methods = {"get", "get_list", "info", "post", "delete"}

    def post_headless(self):
        data = request.get_json(silent=True) or {}
        try:
            review = review_service.rate_author(db.session, g.user, data.get("order_id"), stars=data.get("stars"),
                                                comment=data.get("comment"))
            db.session.commit()
        except (LookupError, ValidationFailed) as exc:
            return refused(self, exc)
        return self.response(201, **_author_review_json(review))


class CompanyReviewApi(RowLevelModelApi):
    """A client reviews the company: POST {"stars", "text", "order_id"}; staff moderate with
    ``/<id>/moderate`` {"approve": true} or {"approve": false, "reason"}."""

    resource_name = "company_review"
    class_permission_name = "CompanyReview"
    method_permission_name = {**API_METHOD_PERMISSIONS, "moderate": "edit"}
    datamodel = SQLAInterface(CompanyReview)
    list_columns = show_columns = ["id", "customer.id", "customer.name", "order.id", "stars", "text", "status",
                                   "moderated_by.username", "moderated_at", "rejection_reason", "created"]
    search_columns = ["status", "stars", "customer", "created"]
    order_columns = ["id", "created", "stars"]
    base_order = ("id", "desc")
    include_route_methods = {"get", "get_list", "info", "post", "delete", "moderate"}

    def post_headless(self):
        data = request.get_json(silent=True) or {}
        try:
            review = review_service.review_company(db.session, g.user, stars=data.get("stars"),
                                                   text=str(data.get("text") or ""), order_id=data.get("order_id"))
            db.session.commit()
        except (LookupError, ValidationFailed) as exc:
            return refused(self, exc)
        return self.response(201, **_company_review_json(review))

    @expose("/<int:pk>/moderate", methods=["POST"])
    @protect()
    @safe
    def moderate(self, pk):
        """Approve (shown publicly) or reject (with a reason) a review.
        ---
        post:
          responses:
            200: {description: the review}
            422: {description: a rejection without a reason}
        """
        review = db.session.get(CompanyReview, pk)
        if review is None:
            return self.response_404()
        data = request.get_json(silent=True) or {}
        try:
            review_service.moderate(db.session, review, actor=g.user, approve=bool(data.get("approve")),
                                    reason=data.get("reason"))
            db.session.commit()
        except ValidationFailed as exc:
            return refused(self, exc)
        return self.response(200, **_company_review_json(review))


class PublicReviewsApi(BaseApi):
    """Public: the approved reviews of the company."""

    resource_name = "reviews"
    openapi_spec_tag = "Reviews (public)"

    @expose("/", methods=["GET"])
    @safe
    def reviews(self):
        """Approved company reviews, newest first (?page=).
        ---
        get:
          responses:
            200: {description: "{count, average, reviews}"}
        """
        page = max(0, request.args.get("page", 0, type=int) or 0)
        rows, summary = review_service.public_reviews(db.session, limit=20, offset=page * 20)
        return self.response(200, **summary, reviews=[
            {"id": r.id, "stars": r.stars, "text": r.text, "by": review_service.public_name(r.customer),
             "created": r.created.isoformat()} for r in rows])


def _post_json(p: ForumPost) -> dict:
    return {"id": p.id, "topic_id": p.topic_id, "author": forum_service.author_label(p.author), "body": p.body,
            "created": p.created.isoformat(), "hidden": p.hidden, "hidden_reason": p.hidden_reason}


def _user():
    user = getattr(g, "user", None)
    return user if user is not None and getattr(user, "is_authenticated", False) else None


class ForumApi(BaseApi):
    """The forum (anyone reads; logged-in people write; moderators hide posts, pin and close
    topics) and the per-order chat."""

    resource_name = "forum"
    class_permission_name = "Forum"
    allow_browser_login = True
    method_permission_name = {"start_topic": "add", "reply": "add", "hide": "edit", "topic_flags": "edit",
                              "order_messages": "read", "post_order_message": "add"}
    openapi_spec_tag = "Forum"

    @expose("/topics", methods=["GET"])
    @safe
    def topics(self):
        """Topics, pinned first then by latest post.
        ---
        get:
          responses:
            200: {description: "{topics: [...]}"}
        """
        return self.response(200, topics=[
            {"id": t.id, "title": t.title, "author": forum_service.author_label(t.author), "posts": n,
             "pinned": t.pinned, "locked": t.locked, "hidden": t.hidden, "last_post_at": t.last_post_at.isoformat()}
            for t, n in forum_service.topics(db.session, _user())])

    @expose("/topics/<int:topic_id>", methods=["GET"])
    @safe
    def topic(self, topic_id):
        """A topic with its visible posts.
        ---
        get:
          responses:
            200: {description: the topic and posts}
            404: {description: no such topic}
        """
        user = _user()
        try:
            topic = forum_service.get_topic(db.session, topic_id, user)
        except LookupError:
            return self.response_404()
        return self.response(200, id=topic.id, title=topic.title, locked=topic.locked, pinned=topic.pinned,
                             posts=[_post_json(p) for p in forum_service.posts(db.session, topic, user)])

    @expose("/topics", methods=["POST"])
    @protect()
    @safe
    def start_topic(self):
        """Start a topic: {"title", "body"}.
        ---
        post:
          responses:
            201: {description: the topic}
            422: {description: fields and reasons}
        """
        data = request.get_json(silent=True) or {}
        try:
            topic = forum_service.start_topic(db.session, g.user, title=str(data.get("title") or ""),
                                              body=str(data.get("body") or ""))
            db.session.commit()
        except ValidationFailed as exc:
            return refused(self, exc)
        return self.response(201, id=topic.id, title=topic.title)

    @expose("/topics/<int:topic_id>/posts", methods=["POST"])
    @protect()
    @safe
    def reply(self, topic_id):
        """Reply in a topic: {"body"}.
        ---
        post:
          responses:
            201: {description: the post}
            422: {description: empty, or the topic is closed}
        """
        try:
            topic = forum_service.get_topic(db.session, topic_id, g.user)
            post = forum_service.reply(db.session, g.user, topic, body=str((request.get_json(silent=True) or {}).get("body") or ""))
            db.session.commit()
        except (LookupError, ValidationFailed) as exc:
            return refused(self, exc)
        return self.response(201, **_post_json(post))

    @expose("/posts/<int:post_id>/hide", methods=["POST"])
    @protect()
    @safe
    def hide(self, post_id):
        """Moderators: hide a post {"reason"} or show it again {"hidden": false}.
        ---
        post:
          responses:
            200: {description: the post}
            422: {description: hiding without a reason}
        """
        post = db.session.get(ForumPost, post_id)
        if post is None:
            return self.response_404()
        data = request.get_json(silent=True) or {}
        try:
            forum_service.hide_post(db.session, g.user, post, reason=str(data.get("reason") or ""),
                                    hidden=data.get("hidden", True) is not False)
            db.session.commit()
        except (PermissionError, ValidationFailed) as exc:
            return refused(self, exc)
        return self.response(200, **_post_json(post))

    @expose("/topics/<int:topic_id>/flags", methods=["POST"])
    @protect()
    @safe
    def topic_flags(self, topic_id):
        """Moderators: {"pinned": bool, "locked": bool, "hidden": bool}.
        ---
        post:
          responses:
            200: {description: the topic's flags}
        """
        try:
            topic = forum_service.get_topic(db.session, topic_id, g.user)
            data = request.get_json(silent=True) or {}
            forum_service.set_topic_flags(db.session, g.user, topic, pinned=data.get("pinned"),
                                          locked=data.get("locked"), hidden=data.get("hidden"))
            db.session.commit()
        except (LookupError, PermissionError) as exc:
            return refused(self, exc)
        return self.response(200, id=topic.id, pinned=topic.pinned, locked=topic.locked, hidden=topic.hidden)

    @expose("/order/<int:order_id>/messages", methods=["GET"])
    @protect()
    @safe
    def order_messages(self, order_id):
        """The chat of an order the caller may see.
        ---
        get:
          responses:
            200: {description: "{messages: [...]}"}
            404: {description: not visible}
        """
        try:
            messages = forum_service.order_messages(db.session, g.user, order_id)
        except LookupError:
            return self.response_404()
        return self.response(200, messages=[{"id": m.id, "author": forum_service.author_label(m.author),
                                             "author_id": m.author_id, "body": m.body,
                                             "created": m.created.isoformat()} for m in messages])

    @expose("/order/<int:order_id>/messages", methods=["POST"])
    @protect()
    @safe
    def post_order_message(self, order_id):
        """Write in an order's chat: {"body"}.
        ---
        post:
          responses:
            201: {description: the message}
            404: {description: not visible}
        """
        try:
            message = forum_service.post_order_message(db.session, g.user, order_id,
                                                       body=str((request.get_json(silent=True) or {}).get("body") or ""))
            db.session.commit()
        except (LookupError, ValidationFailed) as exc:
            return refused(self, exc)
        return self.response(201, id=message.id, body=message.body)


REVIEW_APIS = [AuthorReviewApi, CompanyReviewApi, PublicReviewsApi, ForumApi]
