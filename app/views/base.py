"""Shared behaviour of Orderflow's generated CRUD views."""
from flask import abort, flash, g
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from flask_appbuilder.widgets import ListWidget
from wtforms import StringField

from ..extensions import db
from ..fast_lists import FastSQLAInterface, sortable_by_index, text_searched_relation
from ..permissions import VIEW_METHOD_PERMISSIONS
from ..security_filters import row_level_filters
from ..services.errors import ValidationFailed
from ..services.transitions import GuardFailed, OrderNotFound

MAX_PAGE_SIZE = 100  # FAB's page-size menu offers 25 to 100; a URL asking more gets this


class OrderflowModelView(ModelView):
    method_permission_name = VIEW_METHOD_PERMISSIONS
    page_size = 25


class ShowExtraMixin:
    """A show page whose template also gets the record (``item``), what ``show_extra(item)``
    returns, and the related views ``_related_for_user()`` lets this user see."""

    def show_extra(self, item) -> dict:
        return {}

    def _related_for_user(self) -> list:
        return self._related_views

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        pk = self._deserialize_pk_if_composite(pk)
        widgets = self._show(pk)
        item = self.datamodel.get(pk, self._base_filters)
        return self.render_template(self.show_template, pk=pk, title=self.show_title, widgets=widgets,
                                    related_views=self._related_for_user(), item=item, **self.show_extra(item))


class FastListWidget(ListWidget):
    """FAB's list table with a bounded count ("more than N") and next / previous links."""

    template = "fast_lists/list.html"


class FastListMixin:
    """List pages that cost the same on a million rows as on a hundred (app/fast_lists.py).

    The page's keys come from the sort column's index, then its rows with their relations in
    one query each; the count stops a few pages ahead (``LIST_COUNT_LIMIT``). Only declared
    ``order_columns`` sort, and a view that declares none sorts by indexed columns only (FAB's
    default, every column, would sort a big table without an index).
    """

    list_widget = FastListWidget
    #: column -> function(row) for a shown value that needs the whole row, e.g. a state's
    #: label, which depends on the order's workflow (FAB's formatters see the value only)
    row_formatters: dict = {}

    def __init__(self, *args, **kwargs):
        self.datamodel = FastSQLAInterface.from_interface(self.datamodel)
        self._text_search_fields()
        declared = self.order_columns
        super().__init__(*args, **kwargs)
        if not declared:
            indexed = sortable_by_index(self.datamodel.obj)
            self.order_columns = [c for c in self.order_columns if c in indexed]

    def _text_search_fields(self):
        """A relation to a growing table (orders, customers, users) is searched by typing a
        name or id: FAB's drop-down would render every row of it on every list page."""
        columns = self.search_columns or self.datamodel.get_search_columns_list()
        extra = dict(self.search_form_extra_fields or {})
        labels = self.label_columns or {}
        for column in columns:
            if column not in extra and text_searched_relation(self.datamodel, column):
                extra[column] = StringField(labels.get(column, column.replace("_", " ").capitalize()),
                                            widget=BS3TextFieldWidget())
        self.search_form_extra_fields = extra

    def _list_relations(self) -> tuple:
        return tuple(c for c in self.list_columns
                     if self.datamodel.is_relation(c) and self.datamodel.is_relation_many_to_one(c))

    def _get_list_widget(self, filters, actions=None, order_column="", order_direction="",
                         page=None, page_size=None, widgets=None, **kwargs):
        widgets = widgets or {}
        actions = actions or self.actions
        page_size = min(max(page_size or self.page_size, 1), max(MAX_PAGE_SIZE, self.page_size))
        page = max(page or 0, 0)
        if order_column and order_column not in self.order_columns:
            order_column = ""  # a hand-made URL may not sort by an unindexed column
        if not order_column and self.base_order:
            order_column, order_direction = self.base_order
        result = self.datamodel.query_page(
            filters.get_joined_filters(self._base_filters), order_column, order_direction,
            page=page, page_size=page_size, eager=self._list_relations(),
        )
        pks = [self._serialize_pk_if_composite(pk) for pk in self.datamodel.get_keys(result.items)]
        values = list(self.datamodel.get_values(result.items, self.list_columns))
        for row, shown in zip(result.items, values):
            for column, format_row in self.row_formatters.items():
                if column in shown:
                    shown[column] = format_row(row)
        widgets["list"] = self.list_widget(
            label_columns=self.label_columns,
            include_columns=self.list_columns,
            value_columns=values,
            order_columns=self.order_columns,
            formatters_columns=self.formatters_columns,
            page=page,
            page_size=page_size,
            count=result.count,
            count_exact=result.count_exact,
            has_next=result.has_next,
            pks=pks,
            actions=actions,
            filters=filters,
            modelview_name=self.__class__.__name__,
            **kwargs,
        )
        return widgets


class RowLevelModelView(FastListMixin, OrderflowModelView):
    """A view whose rows are filtered by services.access for the current user."""

    def __init__(self, *args, **kwargs):
        self.base_filters = row_level_filters() + list(self.base_filters or [])
        super().__init__(*args, **kwargs)


def flash_validation(exc: ValidationFailed) -> None:
    db.session.rollback()
    for field, messages in exc.errors.items():
        for message in messages:
            flash(f"{field}: {message}", "danger")


def flash_refused(exc: Exception) -> None:
    """Roll back and show why a service refused: each failed guard, each field's message, or the
    transition's reason; an order that is not there (or not visible) is a 404."""
    db.session.rollback()
    if isinstance(exc, OrderNotFound):
        abort(404)
    if isinstance(exc, GuardFailed):
        for message in exc.failures:
            flash(message, "danger")
    elif isinstance(exc, ValidationFailed):
        flash_validation(exc)
    else:
        flash(str(exc), "danger")


def fire_and_flash(order_id: int, trigger: str, comment: str | None, expected_version=None):
    """Fire ``trigger`` through services.transitions (the only way) in one transaction. Returns
    the order, or None when it was refused (the reasons are flashed, see flash_refused)."""
    from ..services import transitions

    try:
        order = transitions.fire(db.session, order_id, trigger, actor=g.user, comment=comment,
                                 expected_version=expected_version or None)
        db.session.commit()
    except (transitions.TransitionError, ValidationFailed) as exc:
        flash_refused(exc)
        return None
    return order
