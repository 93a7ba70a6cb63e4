from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _
from wtforms.validators import NumberRange

from ..models import Division, StaffProfile
from .base import OrderflowModelView


class StaffProfileView(OrderflowModelView):
    datamodel = SQLAInterface(StaffProfile)
    class_permission_name = "StaffProfile"
    list_columns = ["full_name", "user", "rating", "division", "capacity", "on_duty", "on_leave_until"]
    search_columns = ["last_name", "first_name", "rating", "division", "on_duty", "skills"]
    show_columns = [
        "user", "last_name", "first_name", "patronymic", "rating", "skills",
        "division", "capacity", "on_duty", "on_leave_until",
    ]
    add_columns = show_columns
    edit_columns = show_columns
    base_order = ("last_name", "asc")
    order_columns = ["rating", "capacity", "on_duty", "on_leave_until"]
    validators_columns = {
        "rating": [NumberRange(min=1, max=5)],
        "capacity": [NumberRange(min=0, max=1000)],
    }
    label_columns = {
        "full_name": _("Full name"),
        "user": _("Login"),
        "first_name": _("First name"),
        "last_name": _("Last name"),
        "patronymic": _("Patronymic"),
        "rating": _("Rating"),
        "skills": _("Skills"),
        "division": _("Division"),
        "capacity": _("Capacity"),
        "on_duty": _("On duty"),
        "on_leave_until": _("On leave until"),
    }
    description_columns = {
        "rating": _("1 to 5; a higher rating means a proportionally higher chance of offers."),
        "skills": _("Comma-separated tags, e.g. history, law, laptops."),
        "capacity": _("Most active orders this person may hold at once."),
        "on_leave_until": _("Not offered work until this date."),
    }
    list_title = _("Staff")
    show_title = _("Staff profile")
    add_title = _("Add staff profile")
    edit_title = _("Edit staff profile")

    # Someone on duty now: orders that waited for a manager are routed at once.
    def post_add(self, item):
        _route_waiting_if_on_duty(item)

    def post_update(self, item):
        _route_waiting_if_on_duty(item)


def _route_waiting_if_on_duty(profile) -> None:
    from ..extensions import db
    from ..services.assignment import route_waiting

    if profile.on_duty and route_waiting(db.session):
        db.session.commit()


class DivisionView(OrderflowModelView):
    datamodel = SQLAInterface(Division)
    class_permission_name = "Division"
    related_views = [StaffProfileView]
    list_columns = ["name", "lead"]
    search_columns = ["name", "lead"]
    show_columns = ["name", "lead"]
    add_columns = show_columns
    edit_columns = show_columns
    label_columns = {"name": _("Name"), "lead": _("Lead"), "members": _("Members")}
    description_columns = {"lead": _("The login that assigns this division's orders.")}
    list_title = _("Divisions")
    show_title = _("Division")
    add_title = _("Add division")
    edit_title = _("Edit division")
