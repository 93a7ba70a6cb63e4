"""Lists that stay fast on big tables: FAB's SQLAInterface with bounded counts, id-first
paging and keyset cursors.

FAB's default list costs grow with the table: an exact ``COUNT(*)`` over the whole filtered
query on every page, and ``SELECT <every column> ... OFFSET n`` that drags full rows past the
offset. Here a page is read in two steps: the primary keys of the page from the (covering)
index of the sort column, then the rows of those keys with their relations. The count stops
at a limit (``LIST_COUNT_LIMIT``, and a few pages past the current one), so a page is exact
for small results and says "N+" for big ones. A cursor (``next``) continues after the last
row with ``WHERE (sort, id) > (value, last_id)``: the same cost at any depth.

Views and APIs use it through the mixins in app/views/base.py and app/api/base.py.
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import decimal
import json
from dataclasses import dataclass, field
from typing import Any, Optional

from flask import current_app
from flask_appbuilder.models.sqla.filters import (
    FilterRelationOneToManyEqual,
    SQLAFilterConverter,
)
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext
from sqlalchemy import func, or_, select, tuple_
from sqlalchemy.orm import selectinload

DEFAULT_COUNT_LIMIT = 10_000
PAGES_AHEAD = 3  # page links shown past the current page (FAB's pagination shows +3)
NULLS_SMALLEST = {"sqlite", "mysql", "mariadb"}  # else NULL sorts as the largest value


class InvalidCursor(ValueError):
    """The cursor is not one this list handed out (or was made for another sort)."""


@dataclass
class ListPage:
    items: list
    count: int  # exact when count_exact, else a lower bound ("N+")
    count_exact: bool
    has_next: bool
    next_cursor: Optional[str] = None
    ids: list = field(default_factory=list)


def count_limit() -> int:
    try:
        return int(current_app.config.get("LIST_COUNT_LIMIT", DEFAULT_COUNT_LIMIT))
    except RuntimeError:  # outside an app context
        return DEFAULT_COUNT_LIMIT


def _to_json(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def encode_cursor(order_column: str, direction: str, value: Any, pk: Any) -> str:
    raw = json.dumps([order_column, direction, _to_json(value), pk], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str) -> tuple[str, str, Any, Any]:
    try:
        padded = token + "=" * (-len(token) % 4)
        column, direction, value, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError, binascii.Error):
        raise InvalidCursor("not a cursor of this list") from None
    if direction not in ("asc", "desc") or not isinstance(column, str):
        raise InvalidCursor("not a cursor of this list")
    return column, direction, value, pk


# Related tables that grow with the business: a search on a relation to one of them takes
# text (matched at the start of these columns) instead of a drop-down of every row.
TEXT_SEARCHED = {
    "Order": ("number", "title"),
    "Customer": ("name", "email", "company"),
    "User": ("username", "first_name", "last_name"),
}


class FilterRelationIsOrText(FilterRelationOneToManyEqual):
    """FAB's "Relation" filter (same URL and API name ``rel_o_m``): a number is the related
    row's id, as FAB's related-view links send it; text matches the start of the related
    row's name columns, through an indexed IN on the foreign key."""

    name = lazy_gettext("Is (name or id)")

    def apply(self, query, value):
        text = "" if value is None else str(value).strip()
        if not text or text.isdigit():
            return super().apply(query, text) if text else query
        relation = getattr(self.model, self.column_name).property
        target = relation.mapper.class_
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        matches = or_(*(getattr(target, column).ilike(escaped + "%", escape="\\")
                        for column in TEXT_SEARCHED[target.__name__]))
        foreign_key = next(iter(relation.local_columns))
        target_pk = target.__mapper__.primary_key[0]
        return query.filter(foreign_key.in_(select(target_pk).where(matches)))


def text_searched_relation(datamodel, column: str) -> bool:
    return (datamodel.is_relation(column) and datamodel.is_relation_many_to_one(column)
            and datamodel.get_related_model(column).__name__ in TEXT_SEARCHED)


class FastFilterConverter(SQLAFilterConverter):
    def convert(self, col_name):
        filters = super().convert(col_name)
        if filters and text_searched_relation(self.datamodel, col_name):
            filters = [FilterRelationIsOrText(col_name, self.datamodel)] + list(filters[1:])
        return filters


class FastSQLAInterface(SQLAInterface):
    """SQLAInterface whose ``query`` pages by primary key first and bounds its count."""

    filter_converter_class = FastFilterConverter

    @classmethod
    def from_interface(cls, datamodel: SQLAInterface) -> "FastSQLAInterface":
        if isinstance(datamodel, cls):
            return datamodel
        return cls(datamodel.obj, session=datamodel._session)

    # -- FAB's entry point: same signature and result, bounded count -----------------------
    def query(self, filters=None, order_column="", order_direction="", page=None, page_size=None,
              select_columns=None, outer_default_load=False):
        result = self.query_page(filters, order_column, order_direction, page=page,
                                 page_size=page_size, select_columns=select_columns,
                                 outer_default_load=outer_default_load)
        return result.count, result.items

    # -- sorting ---------------------------------------------------------------------------
    def keyset_column(self, order_column: str):
        """The mapped column a cursor can seek on, or None (dotted, property, relation)."""
        if not order_column:
            return self.get_pk()
        if "." in order_column or order_column not in self.list_columns:
            return None
        return getattr(self.obj, order_column)

    def _ordered(self, query, order_column, order_direction):
        if not order_column:
            order_column, order_direction = self.get_pk_name(), "asc"
        return self.apply_order_by(query, order_column, order_direction, aliases_mapping={},
                                   bypass_many_to_many=True, add_pk=True)

    # -- the page --------------------------------------------------------------------------
    def query_page(self, filters=None, order_column="", order_direction="", page=None,
                   page_size=None, select_columns=None, outer_default_load=False,
                   cursor: Optional[str] = None, limit: Optional[int] = None,
                   eager: tuple = ()) -> ListPage:
        order_direction = order_direction if order_direction in ("asc", "desc") else "asc"
        pk = self.get_pk()
        base = self.apply_filters(self.session.query(self.obj), self.get_inner_filters(filters))
        offset = (page or 0) * page_size if page_size else 0

        if cursor:
            ids = self._ids_after(base, cursor, order_column, order_direction, page_size)
            offset, ahead = 0, []
        else:
            # the page's keys and those of the next PAGES_AHEAD pages, for the page links
            ids_query = self._ordered(base, order_column, order_direction).with_entities(pk)
            if offset:
                ids_query = ids_query.offset(offset)
            if page_size:
                ids_query = ids_query.limit(page_size * (PAGES_AHEAD + 1) + 1)
            ids = [row[0] for row in ids_query.all()]
            ahead = ids[page_size:] if page_size else []
        has_next = bool(page_size) and len(ids) > page_size
        ids = ids[:page_size] if page_size else ids

        items = self._load(ids, select_columns, outer_default_load, eager)
        count, exact = self._count(base, offset, page_size, ids, ahead, limit, cursor is not None)
        next_cursor = None
        column = self.keyset_column(order_column)
        if has_next and items and column is not None:
            last = items[-1]
            next_cursor = encode_cursor(order_column or self.get_pk_name(),
                                        order_direction if order_column else "asc",
                                        getattr(last, column.key), getattr(last, self.get_pk_name()))
        return ListPage(items=items, count=count, count_exact=exact, has_next=has_next,
                        next_cursor=next_cursor, ids=ids)

    def _count(self, base, offset, page_size, ids, ahead, limit, by_cursor) -> tuple[int, bool]:
        """Exact up to the limit; past it a lower bound, from what this page already read.

        A deep page never counts from the start again: its offset plus the keys read ahead
        is the bound (exact when those keys reached the end).
        """
        limit = count_limit() if limit is None else limit
        if limit <= 0 or not page_size:
            return base.with_entities(func.count(self.get_pk())).order_by(None).scalar(), True
        seen = offset + len(ids) + len(ahead)
        if not by_cursor and (ids or not offset):
            if len(ahead) <= page_size * PAGES_AHEAD:
                return seen, True  # this read reached the last row
            if seen > limit:
                return seen - 1, False  # the one key past the look-ahead says "more"
        counted = base.with_entities(self.get_pk()).order_by(None).limit(max(limit, offset) + 1).subquery()
        count = self.session.query(func.count()).select_from(counted).scalar()
        return (count, True) if count <= max(limit, offset) else (max(limit, offset), False)

    def _load(self, ids, select_columns, outer_default_load, eager):
        """The rows of the page's keys, in the keys' order, relations loaded at once."""
        if not ids:
            return []
        pk = self.get_pk()
        query = self.session.query(self.obj).filter(pk.in_(ids))
        if select_columns:
            if self.exists_col_to_many(select_columns):
                query = self.apply_outer_select_joins(query, select_columns,
                                                      outer_default_load=outer_default_load,
                                                      aliases_mapping={})
            else:
                query = self.apply_inner_select_joins(query, select_columns, aliases_mapping={})
        for relation in eager:
            query = query.options(selectinload(getattr(self.obj, relation)))
        name = self.obj.__name__
        rows = [getattr(row, name) if hasattr(row, name) else row for row in query.all()]
        by_pk = {getattr(row, self.get_pk_name()): row for row in rows}
        return [by_pk[i] for i in ids if i in by_pk]

    # -- keyset ----------------------------------------------------------------------------
    def _ids_after(self, base, cursor, order_column, order_direction, page_size):
        column_name, direction, value, last_pk = decode_cursor(cursor)
        expected = order_column or self.get_pk_name()
        if column_name != expected or (order_column and direction != order_direction):
            raise InvalidCursor("made for another sort order; send the same order as the first page")
        column = self.keyset_column(order_column)
        if column is None:
            raise InvalidCursor("this sort order cannot be continued by cursor")
        pk = self.get_pk()
        last_pk = self._typed(pk, last_pk)
        value = None if value is None else self._typed(column, value)
        descending = direction == "desc"
        after = (lambda a, b: a < b) if descending else (lambda a, b: a > b)
        want = page_size + 1 if page_size else None

        if column.key == self.get_pk_name():
            segments = [after(pk, last_pk)]
        elif not column.property.columns[0].nullable:
            segments = [after(tuple_(column, pk), tuple_(value, last_pk))]
        else:
            # NULLs are a block before or after the values, by dialect and direction: seek
            # inside the cursor's block, then read the following block from its start.
            nulls_first = (self.session.get_bind().dialect.name in NULLS_SMALLEST) != descending
            if value is None:
                segments = [column.is_(None) & after(pk, last_pk)]
                if nulls_first:
                    segments.append(column.isnot(None))
            else:
                segments = [column.isnot(None) & after(tuple_(column, pk), tuple_(value, last_pk))]
                if not nulls_first:
                    segments.append(column.is_(None))
        ids: list = []
        for condition in segments:
            query = self._ordered(base.filter(condition), column_name, direction).with_entities(pk)
            if want:
                query = query.limit(want - len(ids))
            ids += [row[0] for row in query.all()]
            if want and len(ids) >= want:
                break
        return ids

    @staticmethod
    def _typed(column, value):
        try:
            python_type = column.type.python_type
        except (NotImplementedError, AttributeError):
            return value
        try:
            if python_type is dt.datetime:
                return dt.datetime.fromisoformat(value)
            if python_type is dt.date:
                return dt.date.fromisoformat(value)
            if python_type is decimal.Decimal:
                return decimal.Decimal(str(value))
            if python_type in (int, float, str, bool) and not isinstance(value, python_type):
                return python_type(value)
        except (ValueError, TypeError, decimal.InvalidOperation):
            raise InvalidCursor("not a cursor of this list") from None
        return value


def sortable_by_index(model) -> set[str]:
    """Columns some index of the table starts with (the primary key included)."""
    table = model.__table__
    names = {c.name for c in table.primary_key.columns}
    for index in table.indexes:
        names.add(list(index.columns)[0].name)
    for constraint in table.constraints:
        columns = list(getattr(constraint, "columns", []))
        if columns and constraint.__class__.__name__ == "UniqueConstraint":
            names.add(columns[0].name)
    for column in table.columns:
        if column.unique or column.index:
            names.add(column.name)
    return {key for key, prop in model.__mapper__.columns.items() if prop.name in names}
