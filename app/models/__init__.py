"""All models, imported here so Alembic and FAB see one metadata."""
from flask_appbuilder.security.sqla.models import Role, User  # noqa: F401

from .catalog import Service  # noqa: F401
from .crm import Customer  # noqa: F401
from .orders import Attachment, NumberSequence, Offer, Order, OrderEvent  # noqa: F401
from .staff import Division, StaffProfile  # noqa: F401
