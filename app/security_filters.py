"""The one FAB filter that applies row-level access (services.access) to views and APIs."""
from flask import g
from flask_appbuilder.models.filters import BaseFilter

from .services import access


def current_user():
    return getattr(g, "user", None)


class RowLevelFilter(BaseFilter):
    """Hides rows the current user may not see. Not reachable from URL filters."""

    name = "Row level access"

    def apply(self, query, value):
        clause_for = access.CLAUSES[self.model]
        clause = clause_for(value() if callable(value) else value)
        return query if clause is None else query.filter(clause)


def row_level_filters():
    return [["id", RowLevelFilter, current_user]]
