"""Service form schemas: the list of fields an order of a service must carry.

One validator serves the generated web form, the REST API and bulk imports.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _

FIELD_TYPES = ("text", "number", "integer", "date", "choice", "bool", "file")
_SCHEMA_KEYS = {"name", "label", "type", "required", "min", "max", "choices", "help"}
_TRUE = {"1", "true", "yes", "on", "y"}
_FALSE = {"0", "false", "no", "off", "n", ""}


def check_schema(schema: Any) -> list[str]:
    """Problems with a schema definition itself (what an admin typed into a Service)."""
    if not isinstance(schema, list):
        return [str(_("The form schema must be a list of fields."))]
    problems, seen = [], set()
    for index, field in enumerate(schema, start=1):
        where = _("field %(n)s", n=index)
        if not isinstance(field, dict):
            problems.append(str(_("%(where)s: must be an object.", where=where)))
            continue
        name = field.get("name")
        if not isinstance(name, str) or not name.isidentifier():
            problems.append(str(_("%(where)s: 'name' must be an identifier.", where=where)))
        elif name in seen:
            problems.append(str(_("%(where)s: duplicate name '%(name)s'.", where=where, name=name)))
        seen.add(name)
        if field.get("type") not in FIELD_TYPES:
            problems.append(
                str(
                    _(
                        "%(where)s: 'type' must be one of %(types)s.",
                        where=where,
                        types=", ".join(FIELD_TYPES),
                    )
                )
            )
        if field.get("type") == "choice" and not field.get("choices"):
            problems.append(str(_("%(where)s: a choice field needs 'choices'.", where=where)))
        problems.extend(_bound_problems(field, where))
        unknown = set(field) - _SCHEMA_KEYS
        if unknown:
            problems.append(
                str(_("%(where)s: unknown keys %(keys)s.", where=where, keys=", ".join(sorted(unknown))))
            )
    return problems


def _bound_value(kind: str, bound: Any):
    """The bound as the field's type compares it, or raise ValueError."""
    if kind in ("integer", "text"):
        if isinstance(bound, bool) or not isinstance(bound, int):
            raise ValueError
        return bound
    if kind == "number":
        if isinstance(bound, bool) or not isinstance(bound, (int, float, str)):
            raise ValueError
        value = Decimal(str(bound))
        if not value.is_finite():
            raise ValueError
        return value
    if kind == "date":
        if not isinstance(bound, str):
            raise ValueError
        return dt.date.fromisoformat(bound)
    raise ValueError


def _bound_problems(field: dict, where) -> list[str]:
    kind, problems, bounds = field.get("type"), [], {}
    for key in ("min", "max"):
        if field.get(key) is None:
            continue
        try:
            bounds[key] = _bound_value(kind, field[key])
        except (ValueError, ArithmeticError):
            problems.append(str(_(
                "%(where)s: '%(key)s' does not suit a %(type)s field.", where=where, key=key, type=kind
            )))
    if len(bounds) == 2 and bounds["min"] > bounds["max"]:
        problems.append(str(_("%(where)s: 'min' is greater than 'max'.", where=where)))
    return problems


def _convert(field: dict, raw: Any) -> Any:
    """Coerce one submitted value to the field's type or raise ValueError with a reason."""
    kind = field["type"]
    if kind == "text" or kind == "file":
        if not isinstance(raw, str):
            raise ValueError(_("must be text"))
        return raw.strip()
    if kind == "integer":
        if isinstance(raw, bool):
            raise ValueError(_("must be a whole number"))
        if isinstance(raw, int):
            return raw
        if isinstance(raw, float) and raw.is_integer():
            return int(raw)
        try:
            return int(str(raw).strip())
        except ValueError:
            raise ValueError(_("must be a whole number")) from None
    if kind == "number":
        if isinstance(raw, bool):
            raise ValueError(_("must be a number"))
        try:
            value = Decimal(str(raw).strip())
        except InvalidOperation:
            raise ValueError(_("must be a number")) from None
        if not value.is_finite():
            raise ValueError(_("must be a number"))
        return value
    if kind == "date":
        if isinstance(raw, dt.datetime):
            return raw.date()
        if isinstance(raw, dt.date):
            return raw
        try:
            return dt.date.fromisoformat(str(raw).strip())
        except ValueError:
            raise ValueError(_("must be a date (YYYY-MM-DD)")) from None
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(_("must be yes or no"))
    if kind == "choice":
        choices = [str(c) for c in field.get("choices") or []]
        if str(raw) not in choices:
            raise ValueError(_("must be one of: %(choices)s", choices=", ".join(choices)))
        return str(raw)
    raise ValueError(_("has an unknown type"))


def _out_of_bounds(field: dict, value: Any):
    """The message for a value outside the field's min/max, or None."""
    kind = field["type"]
    measured = len(value) if kind == "text" else value
    for key, outside in (("min", lambda b: measured < b), ("max", lambda b: measured > b)):
        if field.get(key) is None:
            continue
        try:
            bound = _bound_value(kind, field[key])
        except (ValueError, ArithmeticError):
            continue  # check_schema refuses such a bound when the service is saved
        if not outside(bound):
            continue
        if kind == "text":
            return (_("must be at least %(min)s characters", min=bound) if key == "min"
                    else _("must be at most %(max)s characters", max=bound))
        return (_("must be at least %(min)s", min=bound) if key == "min"
                else _("must be at most %(max)s", max=bound))
    return None


def _is_blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def validate_details(schema: list[dict], data: Any, *, bool_absent_is_false=False) -> dict:
    """Return cleaned, JSON-ready details or raise ValidationFailed, one message per field.

    ``bool_absent_is_false``: an HTML checkbox sends nothing when unticked.
    """
    from .errors import ValidationFailed

    if not isinstance(data, dict):
        raise ValidationFailed({"details": [_("must be an object of field values")]})
    errors: dict[str, list] = {}
    clean: dict[str, Any] = {}
    known = {f["name"] for f in schema}
    for name in sorted(set(data) - known):
        errors[name] = [_("is not a field of this service")]
    for field in schema:
        name, raw = field["name"], data.get(field["name"])
        if field["type"] == "bool" and raw is None and bool_absent_is_false:
            raw = False
        if _is_blank(raw):
            if field.get("required"):
                errors[name] = [_("is required")]
            continue
        try:
            value = _convert(field, raw)
        except ValueError as exc:
            errors[name] = [exc.args[0]]
            continue
        problem = _out_of_bounds(field, value)
        if problem:
            errors[name] = [problem]
            continue
        clean[name] = to_json_value(value)
    if errors:
        raise ValidationFailed(errors)
    return clean


def to_json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
