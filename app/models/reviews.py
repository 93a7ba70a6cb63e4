"""Reviews: a client rates the author of a completed order, and reviews the company."""
from flask_appbuilder import Model
from sqlalchemy import CheckConstraint, Column, DateTime, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import relationship

from .types import utcnow

REVIEW_STATUSES = ("pending", "approved", "rejected")


class AuthorReview(Model):
    """Stars (1-5) for the author of one completed order: at most one per order."""

    __tablename__ = "author_review"
    __table_args__ = (CheckConstraint("stars >= 1 AND stars <= 5", name="ck_author_review_stars"),)

    id = Column(Integer, primary_key=True)
    order_id = Column(Integer, ForeignKey("order.id"), nullable=False, unique=True)
    order = relationship("Order")
    author_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False, index=True)
    author = relationship("User", foreign_keys=[author_id])
    customer_id = Column(Integer, ForeignKey("customer.id"), nullable=False, index=True)
    customer = relationship("Customer")
    stars = Column(Integer, nullable=False)
    comment = Column(Text)
    # the author's rating before and after the author.rating rule set ran on this review
    rating_before = Column(Numeric(3, 2))
    rating_after = Column(Numeric(3, 2))
    decision_id = Column(Integer, ForeignKey("rule_decision.id"))
    decision = relationship("Decision")
    created = Column(DateTime, default=utcnow, nullable=False, index=True)

    def __repr__(self) -> str:
        return f"{self.stars}★ {self.order.number if self.order else ''}".strip()


class CompanyReview(Model):
    """A client's review of the company; shown publicly once staff approve it."""

    __tablename__ = "company_review"
    __table_args__ = (CheckConstraint("stars >= 1 AND stars <= 5", name="ck_company_review_stars"),)

    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey("customer.id"), nullable=False, index=True)
    customer = relationship("Customer")
    order_id = Column(Integer, ForeignKey("order.id"), unique=True)
    order = relationship("Order")
    stars = Column(Integer, nullable=False)
    text = Column(Text, nullable=False)
    status = Column(String(20), nullable=False, default="pending", index=True)
    moderated_by_id = Column(Integer, ForeignKey("ab_user.id"))
    moderated_by = relationship("User", foreign_keys=[moderated_by_id])
    moderated_at = Column(DateTime)
    rejection_reason = Column(Text)
    created = Column(DateTime, default=utcnow, nullable=False, index=True)

    def __repr__(self) -> str:
        return f"{self.stars}★ {self.customer.name if self.customer else ''}".strip()
