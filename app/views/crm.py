from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _

from ..models import Customer
from .base import RowLevelModelView
from .orders import OrderView


class CustomerView(RowLevelModelView):
    datamodel = SQLAInterface(Customer)
    class_permission_name = "Customer"
    related_views = [OrderView]
    list_columns = ["name", "company", "email", "phone", "user"]
    search_columns = ["name", "company", "email", "phone"]
    show_columns = ["name", "company", "email", "phone", "notes", "user", "created"]
    add_columns = ["name", "company", "email", "phone", "notes", "user"]
    edit_columns = add_columns
    base_order = ("name", "asc")
    label_columns = {
        "name": _("Name"),
        "company": _("Company"),
        "email": _("Email"),
        "phone": _("Phone"),
        "notes": _("Notes"),
        "user": _("Login"),
        "created": _("Created"),
    }
    description_columns = {
        "user": _("The login this customer uses to order and follow orders online."),
        "notes": _("Internal CRM notes; never shown to the customer."),
    }
    list_title = _("Customers")
    show_title = _("Customer")
    add_title = _("Add customer")
    edit_title = _("Edit customer")
