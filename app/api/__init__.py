"""REST APIs, one module per domain; registered by ``init_api``."""
from .catalog import ServiceApi
from .crm import CustomerApi
from .inbox import InboxApi
from .money import MONEY_APIS
from .orders import AttachmentApi, OrderApi, OrderEventApi
from .rules import DecisionApi, RuleSetApi
from .staff import DivisionApi, StaffProfileApi
from .workflows import WorkflowApi
from .writing import MyOffersApi, WritingDeskApi
from .ready_works import CATALOG_APIS
from .reviews import REVIEW_APIS
from .repair import REPAIR_APIS

ALL_APIS = [
    CustomerApi,
    StaffProfileApi,
    DivisionApi,
    ServiceApi,
    OrderApi,
    OrderEventApi,
    AttachmentApi,
    RuleSetApi,
    DecisionApi,
    WorkflowApi,
    InboxApi,
    WritingDeskApi,
    MyOffersApi,
    *MONEY_APIS,
    *CATALOG_APIS,
    *REVIEW_APIS,
    *REPAIR_APIS,
]


def register_apis(appbuilder) -> None:
    for api in ALL_APIS:
        appbuilder.add_api(api)
