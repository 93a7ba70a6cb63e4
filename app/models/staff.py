from flask_appbuilder import Model
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
)
from sqlalchemy.orm import relationship


class Division(Model):
    __tablename__ = "division"

    id = Column(Integer, primary_key=True)
    name = Column(String(120), unique=True, nullable=False)
    lead_id = Column(Integer, ForeignKey("ab_user.id"), index=True)
    lead = relationship("User", foreign_keys=[lead_id])
    members = relationship("StaffProfile", back_populates="division")

    def __repr__(self) -> str:
        return self.name


class StaffProfile(Model):
    """A worker's profile: what the assignment engine reads to pick people."""

    __tablename__ = "staff_profile"
    __table_args__ = (
        CheckConstraint("rating >= 1 AND rating <= 5", name="ck_staff_rating_range"),
        CheckConstraint("capacity >= 0", name="ck_staff_capacity_positive"),
    )

    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id"), unique=True, nullable=False)
    user = relationship("User", foreign_keys=[user_id])
    first_name = Column(String(80), nullable=False)
    last_name = Column(String(80), nullable=False)
    patronymic = Column(String(80))
    rating = Column(Numeric(3, 2), nullable=False, default=3)
    skills = Column(String(500), default="")  # comma separated tags
    division_id = Column(Integer, ForeignKey("division.id"), index=True)
    division = relationship("Division", back_populates="members")
    capacity = Column(Integer, nullable=False, default=5)
    on_duty = Column(Boolean, nullable=False, default=True)
    on_leave_until = Column(Date)

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.patronymic) if p)

    @property
    def skill_set(self) -> set[str]:
        return {s.strip().lower() for s in (self.skills or "").split(",") if s.strip()}

    def __repr__(self) -> str:
        return self.full_name
