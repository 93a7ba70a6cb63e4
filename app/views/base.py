"""Shared behaviour of Orderflow's generated CRUD views."""
from flask import flash
from flask_appbuilder import ModelView

from ..extensions import db
from ..permissions import VIEW_METHOD_PERMISSIONS
from ..security_filters import row_level_filters
from ..services.errors import ValidationFailed


class OrderflowModelView(ModelView):
    method_permission_name = VIEW_METHOD_PERMISSIONS
    page_size = 25


class RowLevelModelView(OrderflowModelView):
    """A view whose rows are filtered by services.access for the current user."""

    def __init__(self, *args, **kwargs):
        self.base_filters = row_level_filters() + list(self.base_filters or [])
        super().__init__(*args, **kwargs)


def flash_validation(exc: ValidationFailed) -> None:
    db.session.rollback()
    for field, messages in exc.errors.items():
        for message in messages:
            flash(f"{field}: {message}", "danger")
