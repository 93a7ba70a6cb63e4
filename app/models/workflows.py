"""Workflows as versioned data, and the timers that fire their triggers."""
from flask_appbuilder import Model
from sqlalchemy import (Column, DateTime, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, text)
from sqlalchemy.orm import relationship

from .types import utcnow

WORKFLOW_STATUSES = ("draft", "published", "archived")
TIMER_STATUSES = ("pending", "running", "fired", "cancelled", "failed")


class WorkflowRecord(Model):
    """A workflow (one per service kind); its YAML lives in versions."""

    __tablename__ = "workflow"

    id = Column(Integer, primary_key=True)
    key = Column(String(40), unique=True, nullable=False)
    label = Column(String(200), nullable=False)
    versions = relationship("WorkflowVersion", back_populates="workflow",
                            order_by="WorkflowVersion.number.desc()", cascade="all")

    def __repr__(self) -> str:
        return self.key


class WorkflowVersion(Model):
    """One version of a workflow's YAML: draft, published (one per key) or archived."""

    __tablename__ = "workflow_version"
    __table_args__ = (
        UniqueConstraint("workflow_id", "number", name="uq_workflow_version_number"),
        Index("ix_workflow_version_status", "workflow_id", "status"),
        # exactly one published version per workflow, enforced by the database
        Index("uq_workflow_version_published", "workflow_id", unique=True,
              postgresql_where=text("status = 'published'"),
              sqlite_where=text("status = 'published'")),
    )

    id = Column(Integer, primary_key=True)
    workflow_id = Column(Integer, ForeignKey("workflow.id"), nullable=False)
    workflow = relationship("WorkflowRecord", back_populates="versions")
    number = Column(Integer, nullable=False)
    yaml_text = Column(Text, nullable=False)
    status = Column(String(20), nullable=False, default="draft")
    author_id = Column(Integer, ForeignKey("ab_user.id"))
    author = relationship("User", foreign_keys=[author_id])
    note = Column(Text)
    created = Column(DateTime, default=utcnow, nullable=False)
    published_at = Column(DateTime)

    def __repr__(self) -> str:
        return f"{self.workflow.key if self.workflow else '?'} v{self.number} ({self.status})"


class Timer(Model):
    """A trigger to fire on an order at ``due_at`` (UTC), run by services.timers.run_due_timers."""

    __tablename__ = "timer"
    __table_args__ = (Index("ix_timer_status_due_at", "status", "due_at"),)

    id = Column(Integer, primary_key=True)
    order_id = Column(Integer, ForeignKey("order.id"), nullable=False, index=True)
    order = relationship("Order")
    name = Column(String(60), nullable=False)
    trigger = Column(String(60), nullable=False)
    due_at = Column(DateTime, nullable=False)
    status = Column(String(20), nullable=False, default="pending")
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(Text)
    created = Column(DateTime, default=utcnow, nullable=False)
    fired_at = Column(DateTime)

    def __repr__(self) -> str:
        return f"{self.name} -> {self.trigger} @ {self.due_at:%Y-%m-%d %H:%M}"
