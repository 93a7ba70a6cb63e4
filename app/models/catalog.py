from flask_appbuilder import Model
from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import relationship

from .types import Json, Money


class Service(Model):
    """Something a business sells; its form schema drives the order form and validation."""

    __tablename__ = "service"

    id = Column(Integer, primary_key=True)
    code = Column(String(40), unique=True, nullable=False)
    name = Column(String(200), nullable=False)
    description = Column(Text)
    kind = Column(String(40), nullable=False, index=True)  # the workflow key it runs on
    base_price = Column(Money, nullable=False, default=0)
    currency = Column(String(3), nullable=False, default="IDR")
    default_deadline_days = Column(Integer, nullable=False, default=7)
    division_id = Column(Integer, ForeignKey("division.id"))
    division = relationship("Division")
    form_schema = Column(Json, nullable=False, default=list)
    work_guide_template = Column(Text)
    active = Column(Boolean, nullable=False, default=True)
    # Settings the service's workflow reads as ``service.<name>`` (engine.workflow.kinds.SERVICE_SETTINGS).
    auto_offer = Column(Boolean, nullable=False, default=False, server_default=sa_false())
    offer_hours = Column(Integer)  # empty: the workflow's own default
    routing_strategy = Column(String(20))  # empty: the workflow's own strategy
    # Repair services: days of warranty from pick-up (the last covered day is pick-up + N).
    warranty_days = Column(Integer, nullable=False, default=30, server_default="30")

    def __repr__(self) -> str:
        return f"{self.code} {self.name}"
