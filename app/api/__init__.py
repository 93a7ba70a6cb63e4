"""REST APIs, one module per domain; registered by ``init_api``."""
from .catalog import ServiceApi
from .crm import CustomerApi
from .orders import AttachmentApi, OrderApi, OrderEventApi
from .staff import DivisionApi, StaffProfileApi

ALL_APIS = [
    CustomerApi,
    StaffProfileApi,
    DivisionApi,
    ServiceApi,
    OrderApi,
    OrderEventApi,
    AttachmentApi,
]


def register_apis(appbuilder) -> None:
    for api in ALL_APIS:
        appbuilder.add_api(api)
