"""What each side of an order may see of it, on top of row-level access (services.access).

Authors write for the company, not for a client: they never see who the client is or what
the client pays (their own fee is shown instead). Clients see their order, its status as the
customer label says and the files released to them, never which author writes it.
Pages and REST APIs use the same sets.
"""
from __future__ import annotations

from . import access

#: Order fields (and API keys) hidden from a person holding only an author's roles.
HIDDEN_FROM_AUTHORS = frozenset({"customer", "price", "price_display"})
#: ... and from a customer.
HIDDEN_FROM_CUSTOMERS = frozenset({"assignee", "division", "workflow_key", "workflow_version"})


def is_author_only(user) -> bool:
    roles = access.role_names(user)
    return "Author" in roles and not roles & (access.SEE_ALL_ROLES | {"Lead"})


def hidden_fields(user) -> frozenset:
    if user is None:
        return frozenset()
    if is_author_only(user):
        return HIDDEN_FROM_AUTHORS
    if access.is_customer_only(user):
        return HIDDEN_FROM_CUSTOMERS
    return frozenset()


def redact(record: dict, hidden: frozenset) -> dict:
    """Drop hidden keys from one serialized order (FAB nests relations: ``customer: {...}``;
    dotted ``customer.name`` keys are dropped too)."""
    for key in list(record):
        if key.split(".", 1)[0] in hidden:
            del record[key]
    return record


def filter_fieldsets(fieldsets, hidden: frozenset):
    """FAB show fieldsets without the hidden fields (and without emptied sections)."""
    out = []
    for title, spec in fieldsets:
        fields = [f for f in spec.get("fields", []) if f not in hidden]
        if fields:
            out.append((title, {**spec, "fields": fields}))
    return out
