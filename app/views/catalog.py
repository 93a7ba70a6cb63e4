from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _
from wtforms.validators import NumberRange, Optional

from ..models import Service
from ..services.catalog import check_service
from .base import OrderflowModelView
from .fields import JSONTextAreaField


class ServiceView(OrderflowModelView):
    datamodel = SQLAInterface(Service)
    class_permission_name = "Service"
    list_columns = ["code", "name", "kind", "base_price", "division", "default_deadline_days", "active"]
    search_columns = ["code", "name", "kind", "division", "active"]
    show_columns = [
        "code", "name", "description", "kind", "base_price", "currency",
        "default_deadline_days", "division", "form_schema", "work_guide_template", "active",
        "auto_offer", "offer_hours", "routing_strategy",
    ]
    add_columns = show_columns
    edit_columns = show_columns
    base_order = ("code", "asc")
    add_form_extra_fields = {
        "form_schema": JSONTextAreaField(_("Form schema"), empty=list),
    }
    edit_form_extra_fields = add_form_extra_fields
    validators_columns = {
        "default_deadline_days": [NumberRange(min=0, max=3650)],
        "offer_hours": [Optional(), NumberRange(min=1, max=720)],
        "base_price": [NumberRange(min=0)],
    }
    label_columns = {
        "code": _("Code"),
        "name": _("Name"),
        "description": _("Description"),
        "kind": _("Kind"),
        "base_price": _("Base price"),
        "currency": _("Currency"),
        "default_deadline_days": _("Default deadline (days)"),
        "division": _("Division"),
        "form_schema": _("Form schema"),
        "work_guide_template": _("Work guide template"),
        "active": _("Active"),
        "auto_offer": _("Offer to an author automatically"),
        "offer_hours": _("Hours an author has to answer an offer"),
        "routing_strategy": _("How the on-duty manager is chosen"),
    }
    description_columns = {
        "code": _("Unique short code, e.g. GMAIL-ACC."),
        "kind": _("The workflow its orders run on: writing, repair_ticket, store_order or web_project."),
        "form_schema": _(
            'JSON list of fields: {"name", "label", "type" (text, number, integer, date, '
            'choice, bool, file), "required", "min", "max", "choices", "help"}.'
        ),
        "work_guide_template": _("Starting text of the written work guide for each order."),
        "auto_offer": _("On: a routed order is offered to an author by rating at once, without the manager."),
        "offer_hours": _("Empty: the workflow's default (24 hours). Unanswered offers then go to the next author."),
        "routing_strategy": _("least_loaded (default), round_robin or weighted_rating (by the managers' rating)."),
    }
    list_title = _("Services")
    show_title = _("Service")
    add_title = _("Add service")
    edit_title = _("Edit service")

    def _check(self, item):
        check_service(item)

    def pre_add(self, item):
        self._check(item)

    def pre_update(self, item):
        self._check(item)

