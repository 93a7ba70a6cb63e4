"""The clients' forum (topics and posts, moderated by staff) and the per-order chat."""
from flask_appbuilder import Model
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import relationship

from .types import utcnow


class ForumTopic(Model):
    __tablename__ = "forum_topic"

    id = Column(Integer, primary_key=True)
    title = Column(String(200), nullable=False)
    author_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    author = relationship("User", foreign_keys=[author_id])
    created = Column(DateTime, default=utcnow, nullable=False)
    last_post_at = Column(DateTime, default=utcnow, nullable=False, index=True)
    pinned = Column(Boolean, nullable=False, default=False)
    locked = Column(Boolean, nullable=False, default=False)
    hidden = Column(Boolean, nullable=False, default=False)

    posts = relationship("ForumPost", back_populates="topic", order_by="ForumPost.id", cascade="all")

    def __repr__(self) -> str:
        return self.title


class ForumPost(Model):
    __tablename__ = "forum_post"
    __table_args__ = (Index("ix_forum_post_topic_id_id", "topic_id", "id"),)

    id = Column(Integer, primary_key=True)
    topic_id = Column(Integer, ForeignKey("forum_topic.id"), nullable=False)
    topic = relationship("ForumTopic", back_populates="posts")
    author_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False, index=True)
    author = relationship("User", foreign_keys=[author_id])
    body = Column(Text, nullable=False)
    created = Column(DateTime, default=utcnow, nullable=False)
    # moderation: a hidden post stays (for the record) but only staff see it
    hidden = Column(Boolean, nullable=False, default=False)
    hidden_by_id = Column(Integer, ForeignKey("ab_user.id"))
    hidden_by = relationship("User", foreign_keys=[hidden_by_id])
    hidden_reason = Column(Text)
    hidden_at = Column(DateTime)

    def __repr__(self) -> str:
        return (self.body or "")[:60]


class OrderMessage(Model):
    """Chat between the client and the staff of one order."""

    __tablename__ = "order_message"
    __table_args__ = (Index("ix_order_message_order_id_id", "order_id", "id"),)

    id = Column(Integer, primary_key=True)
    order_id = Column(Integer, ForeignKey("order.id"), nullable=False)
    order = relationship("Order")
    author_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    author = relationship("User", foreign_keys=[author_id])
    body = Column(Text, nullable=False)
    created = Column(DateTime, default=utcnow, nullable=False)

    def __repr__(self) -> str:
        return (self.body or "")[:60]
