"""Rule sets as versioned data, the decisions they took, and assignment choices."""
from flask_appbuilder import Model
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import relationship

from .types import Json, utcnow

RULESET_STATUSES = ("draft", "published", "archived")


class RuleSet(Model):
    __tablename__ = "rule_set"

    id = Column(Integer, primary_key=True)
    key = Column(String(80), unique=True, nullable=False)
    context = Column(String(40), nullable=False)
    description = Column(Text, default="")
    # Number of the published version, kept next to the key so a worker checks
    # "is my compiled copy current?" with one indexed primary-key read.
    published_number = Column(Integer)
    created = Column(DateTime, default=utcnow, nullable=False)

    versions = relationship("RuleSetVersion", back_populates="rule_set",
                            order_by="RuleSetVersion.number", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return self.key


class RuleSetVersion(Model):
    __tablename__ = "rule_set_version"
    __table_args__ = (
        UniqueConstraint("rule_set_id", "number", name="uq_rule_set_version_number"),
        # At most one published version per rule set (PostgreSQL and SQLite both
        # support partial indexes); the service also locks the rule set row.
        Index("uq_rule_set_version_published", "rule_set_id", unique=True,
              postgresql_where=text("status = 'published'"),
              sqlite_where=text("status = 'published'")),
    )

    id = Column(Integer, primary_key=True)
    rule_set_id = Column(Integer, ForeignKey("rule_set.id"), nullable=False, index=True)
    rule_set = relationship("RuleSet", back_populates="versions")
    number = Column(Integer, nullable=False)
    rules = Column(Json, nullable=False, default=list)
    status = Column(String(20), nullable=False, default="draft")
    errors = Column(Json)  # validation problems found when saved (a draft may be invalid)
    author_id = Column(Integer, ForeignKey("ab_user.id"))
    author = relationship("User", foreign_keys=[author_id])
    note = Column(Text)
    created = Column(DateTime, default=utcnow, nullable=False)
    published_at = Column(DateTime)

    def __repr__(self) -> str:
        return f"{self.rule_set.key if self.rule_set else '?'} v{self.number}"


class Decision(Model):
    """One stored evaluation: what was read, which rules fired, which actions ran."""

    __tablename__ = "rule_decision"
    __table_args__ = (Index("ix_rule_decision_order_id_id", "order_id", "id"),)

    id = Column(Integer, primary_key=True)
    rule_set_key = Column(String(80), nullable=False, index=True)
    version = Column(Integer)
    context = Column(String(40), nullable=False)
    values = Column(Json, nullable=False, default=dict)
    fired = Column(Json, nullable=False, default=list)
    actions = Column(Json, nullable=False, default=list)
    subject_type = Column(String(40))
    subject_id = Column(Integer)
    order_id = Column(Integer, ForeignKey("order.id"))
    order = relationship("Order")
    created = Column(DateTime, default=utcnow, nullable=False, index=True)
    changed = Column(Boolean, nullable=False, default=False)

    @property
    def fired_names(self) -> str:
        return ", ".join(f.get("name") or f"#{f.get('index')}" for f in self.fired or [])

    @property
    def actions_text(self) -> str:
        out = []
        for a in self.actions or []:
            params = ", ".join(f"{k}={v}" for k, v in (a.get("params") or {}).items())
            out.append(f"{a.get('name')}({params})")
        return "; ".join(out)

    def __repr__(self) -> str:
        return f"{self.rule_set_key} v{self.version}"


class AssignmentRecord(Model):
    """One assignment choice: candidates, weights, seed and draw (replayable)."""

    __tablename__ = "assignment_record"

    id = Column(Integer, primary_key=True)
    order_id = Column(Integer, ForeignKey("order.id"), nullable=False, index=True)
    order = relationship("Order")
    strategy = Column(String(30), nullable=False)
    role = Column(String(40))
    field = Column(String(40), nullable=False, default="assignee")
    record = Column(Json, nullable=False, default=dict)
    chosen_user_id = Column(Integer, ForeignKey("ab_user.id"), index=True)
    chosen_user = relationship("User", foreign_keys=[chosen_user_id])
    chosen_rating = Column(String(10))
    # No candidate: the order waits, flagged, until someone resolves it.
    needs_attention = Column(Boolean, nullable=False, default=False)
    created = Column(DateTime, default=utcnow, nullable=False)
