from flask_appbuilder.models.sqla.interface import SQLAInterface

from ..models import Service
from ..services.catalog import check_service
from .base import OrderflowModelApi


class ServiceApi(OrderflowModelApi):
    resource_name = "service"
    class_permission_name = "Service"
    datamodel = SQLAInterface(Service)
    list_columns = ["id", "code", "name", "kind", "base_price", "currency", "default_deadline_days", "division.id", "division.name", "active"]
    show_columns = list_columns + ["description", "form_schema", "work_guide_template", "auto_offer", "offer_hours",
                                   "routing_strategy"]
    add_columns = [
        "code", "name", "description", "kind", "base_price", "currency",
        "default_deadline_days", "division", "form_schema", "work_guide_template", "active",
        "auto_offer", "offer_hours", "routing_strategy",
    ]
    edit_columns = add_columns
    search_columns = ["code", "name", "kind", "active"]
    order_columns = ["id", "code", "name", "base_price"]

    def _check(self, item):
        check_service(item)

    pre_add = _check
    pre_update = _check
