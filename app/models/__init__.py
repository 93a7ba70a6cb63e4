"""All models, imported here so Alembic and FAB see one metadata."""
from flask_appbuilder.security.sqla.models import Role, User  # noqa: F401

from .catalog import Service  # noqa: F401
from .crm import Customer  # noqa: F401
from .orders import Attachment, NumberSequence, Offer, Order, OrderEvent  # noqa: F401
from .staff import Division, StaffProfile  # noqa: F401
from .workflows import Timer, WorkflowRecord, WorkflowVersion  # noqa: F401
from .rules import AssignmentRecord, Decision, RuleSet, RuleSetVersion  # noqa: F401
from .ledger import LedgerEntry, Payout, WorkerShare  # noqa: F401
from .notifications import Notification, NotificationTemplate  # noqa: F401
from .payments import Payment, PaymentEvent, ServicePaymentMethod  # noqa: F401
from .ready_works import CatalogPurchase, ReadyWork  # noqa: F401
from .reviews import AuthorReview, CompanyReview  # noqa: F401
from .forum import ForumPost, ForumTopic, OrderMessage  # noqa: F401
from .repair import ImportBatch, LabourLine, Part, PartLine, PartSale, RepairTicket, StockMovement  # noqa: F401
