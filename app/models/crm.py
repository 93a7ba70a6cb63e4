from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import relationship

from .types import utcnow


class Customer(Model):
    """The CRM record of someone who orders; may be linked to a login."""

    __tablename__ = "customer"

    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False, index=True)
    email = Column(String(200), index=True)
    phone = Column(String(50))
    company = Column(String(200), index=True)
    notes = Column(Text)
    user_id = Column(Integer, ForeignKey("ab_user.id"), unique=True, index=True)
    user = relationship("User", foreign_keys=[user_id])
    created = Column(DateTime, default=utcnow, nullable=False)

    orders = relationship("Order", back_populates="customer", order_by="Order.id.desc()")

    def __repr__(self) -> str:
        return self.name or f"#{self.id}"
