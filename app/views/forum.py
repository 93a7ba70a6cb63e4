"""The clients' forum (public reading, logged-in writing, staff moderation) and the
per-order chat page. Every operation is app/services/forum.py."""
from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_babel import lazy_gettext as _

from ..extensions import db
from ..models import ForumPost, Order
from ..services import forum as forum_service
from ..services.errors import ValidationFailed


def _user():
    user = getattr(g, "user", None)
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _login():
    return redirect(url_for("AuthDBView.login", next=request.full_path))


class ForumView(BaseView):
    route_base = "/forum"
    default_view = "index"

    @expose("/", methods=["GET", "POST"])
    def index(self):
        user = _user()
        errors, form = {}, {}
        if request.method == "POST":
            if user is None:
                return _login()
            form = request.form
            try:
                topic = forum_service.start_topic(db.session, user, title=form.get("title", ""),
                                                  body=form.get("body", ""))
                db.session.commit()
                return redirect(url_for("ForumView.topic", topic_id=topic.id))
            except ValidationFailed as exc:
                db.session.rollback()
                errors = exc.errors
        return self.render_template("forum/index.html", topics=forum_service.topics(db.session, user), user=user,
                                    errors=errors, form=form, moderator=forum_service.is_moderator(user),
                                    author=forum_service.author_label)

    @expose("/topic/<int:topic_id>", methods=["GET", "POST"])
    def topic(self, topic_id):
        user = _user()
        try:
            topic = forum_service.get_topic(db.session, topic_id, user)
        except LookupError:
            abort(404)
        errors = {}
        if request.method == "POST":
            if user is None:
                return _login()
            try:
                forum_service.reply(db.session, user, topic, body=request.form.get("body", ""))
                db.session.commit()
                return redirect(url_for("ForumView.topic", topic_id=topic.id) + "#last")
            except ValidationFailed as exc:
                db.session.rollback()
                errors = exc.errors
        return self.render_template("forum/topic.html", topic=topic, posts=forum_service.posts(db.session, topic, user),
                                    user=user, errors=errors, moderator=forum_service.is_moderator(user),
                                    author=forum_service.author_label)

    @expose("/post/<int:post_id>/hide", methods=["POST"])
    def hide(self, post_id):
        user = _user()
        post = db.session.get(ForumPost, post_id)
        if user is None or post is None or not forum_service.is_moderator(user):
            abort(404)
        try:
            forum_service.hide_post(db.session, user, post, reason=request.form.get("reason", ""),
                                    hidden=request.form.get("hidden", "1") == "1")
            db.session.commit()
            flash(_("Post hidden.") if post.hidden else _("Post shown again."), "success")
        except ValidationFailed as exc:
            db.session.rollback()
            for field, messages in exc.errors.items():
                flash(f"{field}: {'; '.join(messages)}", "danger")
        return redirect(url_for("ForumView.topic", topic_id=post.topic_id))

    @expose("/topic/<int:topic_id>/flags", methods=["POST"])
    def flags(self, topic_id):
        user = _user()
        if user is None or not forum_service.is_moderator(user):
            abort(404)
        try:
            topic = forum_service.get_topic(db.session, topic_id, user)
        except LookupError:
            abort(404)
        flag = request.form.get("flag")
        if flag in ("pinned", "locked", "hidden"):
            forum_service.set_topic_flags(db.session, user, topic, **{flag: not getattr(topic, flag)})
            db.session.commit()
        return redirect(url_for("ForumView.topic", topic_id=topic.id))


class OrderChatView(BaseView):
    """Chat between the client and the staff of one order (whoever may see the order)."""

    route_base = "/chat"
    default_view = "order"

    @expose("/order/<int:order_id>", methods=["GET", "POST"])
    def order(self, order_id):
        user = _user()
        if user is None:
            return _login()
        errors = {}
        if request.method == "POST":
            try:
                forum_service.post_order_message(db.session, user, order_id, body=request.form.get("body", ""))
                db.session.commit()
                return redirect(url_for("OrderChatView.order", order_id=order_id) + "#last")
            except LookupError:
                abort(404)
            except ValidationFailed as exc:
                db.session.rollback()
                errors = exc.errors
        try:
            messages = forum_service.order_messages(db.session, user, order_id)
        except LookupError:
            abort(404)
        return self.render_template("forum/order_chat.html", order=db.session.get(Order, order_id),
                                    messages=messages, errors=errors, user=user, author=forum_service.author_label)
