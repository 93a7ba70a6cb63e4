"""Shared behaviour of Orderflow's generated REST APIs."""
from flask import request
from flask_appbuilder.api import ModelRestApi
from flask_appbuilder.const import API_RESULT_RES_KEY, API_SELECT_COLUMNS_RIS_KEY
from flask_appbuilder.exceptions import (
    FABException,
    InvalidColumnArgsFABException,
    InvalidOrderByColumnFABException,
)

from ..extensions import db
from ..fast_lists import FastSQLAInterface, InvalidCursor, sortable_by_index
from ..permissions import API_METHOD_PERMISSIONS
from ..security_filters import row_level_filters
from ..services.errors import ValidationFailed
from ..services.transitions import GuardFailed, OrderNotFound


def refused(api, exc: Exception):
    """The answer to a service call that refused, after rolling its transaction back.

    Bad input is a 422 naming each field (or the error's own ``http_status``: 409 for a repair
    ticket that can no longer change); failed guards a 422 listing them; a missing or invisible
    order or record (OrderNotFound, LookupError) a 404; PermissionError a 403; any other refused
    transition its ``http_status`` (403 trigger not allowed, 409 state or revision) with its text.
    Callers catch only what they mean to answer this way."""
    db.session.rollback()
    if isinstance(exc, ValidationFailed):
        status = getattr(exc, "http_status", 422)
        return api.response_422(message=exc.errors) if status == 422 else api.response(status, message=exc.errors)
    if isinstance(exc, GuardFailed):
        return api.response_422(message={"guards": exc.failures})
    if isinstance(exc, (OrderNotFound, LookupError)):
        return api.response_404()
    if isinstance(exc, PermissionError):
        return api.response_403()
    return api.response(exc.http_status, message=str(exc))


def fire_and_answer(api, order_id: int, trigger: str, *, actor, comment=None, fields=None,
                    expected_version=None):
    """Fire ``trigger`` (services.transitions.fire, the one way an order moves), commit, and
    answer 200 with the new state and its labels, or the refusal (see ``refused``)."""
    from ..services import transitions, workflows

    try:
        order = transitions.fire(db.session, order_id, trigger, actor=actor, comment=comment, fields=fields,
                                 expected_version=expected_version)
        db.session.commit()
    except (transitions.TransitionError, ValidationFailed) as exc:
        return refused(api, exc)
    except Exception:
        db.session.rollback()
        raise
    return api.response(
        200, id=order.id, state=order.state, version=order.version,
        state_label=workflows.state_label(order.workflow_key, order.state, order.workflow_version),
        customer_label=workflows.customer_label(order.workflow_key, order.state, order.workflow_version),
        assignee_id=order.assignee_id)


class OrderflowModelApi(ModelRestApi):
    method_permission_name = API_METHOD_PERMISSIONS
    allow_browser_login = True

    # Business validation raised in pre_add / pre_update becomes a 422 naming each field.
    def post_headless(self):
        try:
            return super().post_headless()
        except ValidationFailed as exc:
            return refused(self, exc)

    def put_headless(self, pk):
        try:
            return super().put_headless(pk)
        except ValidationFailed as exc:
            return refused(self, exc)


class FastListApiMixin:
    """``GET /api/v1/<resource>/`` that stays fast on big tables (app/fast_lists.py).

    FAB's rison ``q`` works as before (filters, order_column/order_direction, page and
    page_size, columns). Added: ``count`` is exact up to ``LIST_COUNT_LIMIT`` and a lower
    bound past it (``count_exact`` says which), and every page that has a successor returns
    ``next``, a cursor; ``q=(cursor:'<next>')`` (or ``?cursor=<next>``) with the same order
    and filters continues after the last row by key, at the same cost at any depth.
    """

    def __init__(self, *args, **kwargs):
        self.datamodel = FastSQLAInterface.from_interface(self.datamodel)
        declared = self.order_columns
        super().__init__(*args, **kwargs)
        if not declared:
            indexed = sortable_by_index(self.datamodel.obj)
            self.order_columns = [c for c in self.order_columns if c in indexed]

    def get_list_headless(self, **kwargs):
        response = {}
        args = kwargs.get("rison", {})
        try:
            select_columns, pruned_select_cols = self._handle_columns_args(
                args, self.list_select_columns, self.list_columns)
        except InvalidColumnArgsFABException as exc:
            return self.response_400(message=str(exc))
        self.set_response_key_mappings(response, self.get_list, args,
                                       **{API_SELECT_COLUMNS_RIS_KEY: pruned_select_cols})
        if pruned_select_cols:
            list_model_schema = self.model2schemaconverter.convert(pruned_select_cols)
        else:
            list_model_schema = self.list_model_schema
        try:
            joined_filters = self._handle_filters_args(args)
        except FABException as exc:
            return self.response_400(message=str(exc))
        try:
            order_column, order_direction = self._handle_order_args(args)
        except InvalidOrderByColumnFABException as exc:
            return self.response_400(message=str(exc))
        if order_column and self.order_columns is not None and order_column not in self.order_columns:
            return self.response_400(message=f"Invalid order by column: {order_column}")
        cursor = args.get("cursor") or request.args.get("cursor")
        if cursor is not None and not isinstance(cursor, str):
            return self.response_400(message={"cursor": ["must be the string a page returned as next"]})
        if cursor and args.get("page"):
            return self.response_400(message={"cursor": ["send either page or cursor, not both"]})
        page_index, page_size = self._handle_page_args(args)
        try:
            page = self.datamodel.query_page(
                joined_filters, order_column, order_direction, page=page_index,
                page_size=page_size, select_columns=select_columns,
                outer_default_load=self.list_outer_default_load, cursor=cursor or None)
        except InvalidCursor as exc:
            return self.response_400(message={"cursor": [str(exc)]})
        response[API_RESULT_RES_KEY] = list_model_schema.dump(page.items, many=True)
        response["ids"] = self.datamodel.get_keys(page.items)
        response["count"] = page.count
        response["count_exact"] = page.count_exact
        response["next"] = page.next_cursor
        self.pre_get_list(response)
        return self.response(200, **response)


class RowLevelModelApi(FastListApiMixin, OrderflowModelApi):
    def __init__(self, *args, **kwargs):
        self.base_filters = row_level_filters() + list(self.base_filters or [])
        super().__init__(*args, **kwargs)
