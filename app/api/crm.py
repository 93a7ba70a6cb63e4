from flask_appbuilder.models.sqla.interface import SQLAInterface

from ..models import Customer
from .base import RowLevelModelApi


class CustomerApi(RowLevelModelApi):
    resource_name = "customer"
    class_permission_name = "Customer"
    datamodel = SQLAInterface(Customer)
    list_columns = ["id", "name", "company", "email", "phone", "user.id", "user.username"]
    show_columns = ["id", "name", "company", "email", "phone", "notes", "user.id", "user.username", "created"]
    add_columns = ["name", "company", "email", "phone", "notes", "user"]
    edit_columns = add_columns
    search_columns = ["name", "company", "email", "phone"]
    order_columns = ["id", "name", "company", "email"]
