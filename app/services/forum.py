"""The clients' forum (anyone reads; logged-in people write; staff moderate) and the
per-order chat between a client and the staff of the order."""
from __future__ import annotations

from flask_babel import lazy_gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import ForumPost, ForumTopic, Order, OrderMessage
from ..models.types import utcnow
from . import access
from .errors import ValidationFailed

MODERATOR_ROLES = {"Admin", "Owner", "Manager"}
TITLE_MAX, BODY_MAX = 200, 8000


def is_moderator(user) -> bool:
    return bool(access.role_names(user) & MODERATOR_ROLES)


def _logged_in(user) -> bool:
    return bool(user is not None and getattr(user, "id", None) and getattr(user, "is_authenticated", True))


def _body(text: str, field: str = "body") -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed({field: [_("is required")]})
    if len(text) > BODY_MAX:
        raise ValidationFailed({field: [_("is longer than %(n)s characters", n=BODY_MAX)]})
    return text


def topics(session: Session, user=None, limit: int = 50, offset: int = 0) -> list[tuple[ForumTopic, int]]:
    """(topic, visible posts) pairs: pinned first, then by latest post."""
    visible = ForumPost.hidden.is_(False) if not is_moderator(user) else True
    counts = (select(ForumPost.topic_id, func.count(ForumPost.id).label("n")).where(visible)
              .group_by(ForumPost.topic_id).subquery())
    query = (select(ForumTopic, func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.topic_id == ForumTopic.id)
             .order_by(ForumTopic.pinned.desc(), ForumTopic.last_post_at.desc(), ForumTopic.id.desc())
             .offset(max(0, offset)).limit(max(1, min(limit, 100))))
    if not is_moderator(user):
        query = query.where(ForumTopic.hidden.is_(False))
    return [(t, n) for t, n in session.execute(query)]


def get_topic(session: Session, topic_id, user=None) -> ForumTopic:
    topic = session.get(ForumTopic, int(topic_id)) if str(topic_id).isdigit() else None
    if topic is None or (topic.hidden and not is_moderator(user)):
        raise LookupError(topic_id)
    return topic


def posts(session: Session, topic: ForumTopic, user=None) -> list[ForumPost]:
    query = select(ForumPost).where(ForumPost.topic_id == topic.id).order_by(ForumPost.id)
    if not is_moderator(user):
        query = query.where(ForumPost.hidden.is_(False))
    return list(session.execute(query).scalars())


def start_topic(session: Session, user, *, title: str, body: str) -> ForumTopic:
    if not _logged_in(user):
        raise PermissionError("log in to write")
    errors: dict[str, list] = {}
    title = (title or "").strip()
    if len(title) < 3:
        errors["title"] = [_("write at least 3 characters")]
    elif len(title) > TITLE_MAX:
        errors["title"] = [_("is longer than %(n)s characters", n=TITLE_MAX)]
    try:
        body = _body(body)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    now = utcnow()
    topic = ForumTopic(title=title, author_id=user.id, created=now, last_post_at=now)
    session.add(topic)
    session.add(ForumPost(topic=topic, author_id=user.id, body=body, created=now))
    session.flush()
    return topic


def reply(session: Session, user, topic: ForumTopic, *, body: str) -> ForumPost:
    if not _logged_in(user):
        raise PermissionError("log in to write")
    if topic.locked and not is_moderator(user):
        raise ValidationFailed({"topic": [_("this topic is closed")]})
    post = ForumPost(topic=topic, author_id=user.id, body=_body(body), created=utcnow())
    topic.last_post_at = post.created
    session.add(post)
    session.flush()
    return post


def hide_post(session: Session, user, post: ForumPost, *, reason: str, hidden: bool = True) -> ForumPost:
    if not is_moderator(user):
        raise PermissionError("moderators only")
    if hidden and not (reason or "").strip():
        raise ValidationFailed({"reason": [_("is required when hiding a post")]})
    post.hidden = hidden
    post.hidden_reason = reason.strip() if hidden else None
    post.hidden_by_id = user.id if hidden else None
    post.hidden_at = utcnow() if hidden else None
    session.flush()
    return post


def set_topic_flags(session: Session, user, topic: ForumTopic, **flags) -> ForumTopic:
    """Moderators pin, lock (close) or hide a topic."""
    if not is_moderator(user):
        raise PermissionError("moderators only")
    for name in ("pinned", "locked", "hidden"):
        if name in flags and flags[name] is not None:
            setattr(topic, name, bool(flags[name]))
    session.flush()
    return topic


def author_label(user) -> str:
    if user is None:
        return ""
    first = (getattr(user, "first_name", "") or "").strip()
    last = (getattr(user, "last_name", "") or "").strip()
    return f"{first} {last[:1]}." if first and last else first or getattr(user, "username", "")


# -- per-order chat ------------------------------------------------------------------------


def order_messages(session: Session, user, order_id: int) -> list[OrderMessage]:
    if not access.can_see_order(session, user, order_id):
        raise LookupError(order_id)
    return list(session.execute(select(OrderMessage).where(OrderMessage.order_id == order_id)
                                .order_by(OrderMessage.id)).scalars())


def post_order_message(session: Session, user, order_id: int, *, body: str) -> OrderMessage:
    """A message on an order the user sees; the other side is told in the app."""
    if not access.can_see_order(session, user, order_id):
        raise LookupError(order_id)
    order = session.get(Order, order_id)
    message = OrderMessage(order=order, author_id=user.id, body=_body(body), created=utcnow())
    session.add(message)
    session.flush()
    from .notifications import notify

    customer_user = order.customer.user if order.customer is not None else None
    if customer_user is not None and customer_user.id == user.id:
        to = [p for p in (order.manager,) if p is not None]
    else:
        to = [customer_user] if customer_user is not None else []
    if to:
        notify(session, to=to, template="order_message", order=order, channels=("inapp",),
               context={"author": author_label(user), "message": message.body[:300]})
    return message
