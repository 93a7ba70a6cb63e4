"""Notifications outbox and editable message templates."""
from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import relationship

from .types import Json, utcnow

NOTIFICATION_STATUSES = ("pending", "sent", "failed")


class Notification(Model):
    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_due", "status", "next_attempt_at"),
        Index("ix_notification_user_read", "user_id", "read_at"),
    )

    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id"))
    user = relationship("User", foreign_keys=[user_id])
    email = Column(String(254))
    channel = Column(String(10), nullable=False)  # email, inapp
    template = Column(String(60), nullable=False)
    language = Column(String(5), nullable=False, default="en")
    subject = Column(String(300), nullable=False)
    body = Column(Text, nullable=False)
    order_id = Column(Integer, ForeignKey("order.id"), index=True)
    order = relationship("Order")
    status = Column(String(10), nullable=False, default="pending")
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime, default=utcnow)
    last_error = Column(Text)
    sent_at = Column(DateTime)
    read_at = Column(DateTime)
    attachments = Column(Json, nullable=False, default=list)  # Attachment ids
    created = Column(DateTime, default=utcnow, nullable=False, index=True)

    def __repr__(self) -> str:
        return f"{self.channel}: {self.subject}"


class NotificationTemplate(Model):
    __tablename__ = "notification_template"
    __table_args__ = (UniqueConstraint("key", "language", name="uq_notification_template"),)

    id = Column(Integer, primary_key=True)
    key = Column(String(60), nullable=False)
    language = Column(String(5), nullable=False)
    subject = Column(String(300), nullable=False)
    body = Column(Text, nullable=False)

    def __repr__(self) -> str:
        return f"{self.key} ({self.language})"
