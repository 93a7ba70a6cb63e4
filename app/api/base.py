"""Shared behaviour of Orderflow's generated REST APIs."""
from flask_appbuilder.api import ModelRestApi

from ..extensions import db
from ..permissions import API_METHOD_PERMISSIONS
from ..security_filters import row_level_filters
from ..services.errors import ValidationFailed


class OrderflowModelApi(ModelRestApi):
    method_permission_name = API_METHOD_PERMISSIONS
    allow_browser_login = True

    # Business validation raised in pre_add / pre_update becomes a 422 naming each field.
    def post_headless(self):
        try:
            return super().post_headless()
        except ValidationFailed as exc:
            db.session.rollback()
            return self.response_422(message=exc.errors)

    def put_headless(self, pk):
        try:
            return super().put_headless(pk)
        except ValidationFailed as exc:
            db.session.rollback()
            return self.response_422(message=exc.errors)


class RowLevelModelApi(OrderflowModelApi):
    def __init__(self, *args, **kwargs):
        self.base_filters = row_level_filters() + list(self.base_filters or [])
        super().__init__(*args, **kwargs)
