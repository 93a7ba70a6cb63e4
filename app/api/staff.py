from flask_appbuilder.models.sqla.interface import SQLAInterface

from ..models import Division, StaffProfile
from .base import OrderflowModelApi


class StaffProfileApi(OrderflowModelApi):
    resource_name = "staff_profile"
    class_permission_name = "StaffProfile"
    datamodel = SQLAInterface(StaffProfile)
    list_columns = [
        "id", "user.id", "user.username", "first_name", "last_name", "patronymic", "rating", "skills",
        "division.id", "division.name", "capacity", "on_duty", "on_leave_until",
    ]
    show_columns = list_columns
    add_columns = [
        "user", "first_name", "last_name", "patronymic", "rating", "skills",
        "division", "capacity", "on_duty", "on_leave_until",
    ]
    edit_columns = add_columns
    search_columns = ["first_name", "last_name", "rating", "skills", "on_duty", "division"]
    order_columns = ["id", "last_name", "rating", "capacity"]

    # Someone on duty now: orders that waited for a manager are routed at once.
    def post_add(self, item):
        from ..views.staff import _route_waiting_if_on_duty

        _route_waiting_if_on_duty(item)

    post_update = post_add


class DivisionApi(OrderflowModelApi):
    resource_name = "division"
    class_permission_name = "Division"
    datamodel = SQLAInterface(Division)
    list_columns = ["id", "name", "lead.id", "lead.username"]
    show_columns = ["id", "name", "lead.id", "lead.username"]
    add_columns = ["name", "lead"]
    edit_columns = add_columns
    search_columns = ["name"]
