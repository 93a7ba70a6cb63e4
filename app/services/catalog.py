"""Checks on services as admins define them."""
from __future__ import annotations

from flask_babel import lazy_gettext as _

from .errors import ValidationFailed
from .form_schema import check_schema
from .workflows import known_kinds


def check_service(service) -> None:
    """Raise ValidationFailed naming each wrong field of a service being saved."""
    errors: dict[str, list] = {}
    problems = check_schema(service.form_schema)
    if problems:
        errors["form_schema"] = problems
    kinds = known_kinds()
    if service.kind not in kinds:
        errors["kind"] = [_("must be one of the workflows: %(kinds)s", kinds=", ".join(kinds))]
    errors.update(_workflow_setting_errors(service))
    if errors:
        raise ValidationFailed(errors)


def _workflow_setting_errors(service) -> dict:
    from ..engine.assignment import STRATEGIES

    errors: dict[str, list] = {}
    hours = getattr(service, "offer_hours", None)
    if hours not in (None, ""):
        try:
            ok = 1 <= int(hours) <= 720
        except (TypeError, ValueError):
            ok = False
        if not ok:
            errors["offer_hours"] = [_("must be a whole number of hours from 1 to 720")]
    strategy = getattr(service, "routing_strategy", None)
    if strategy in ("",):
        service.routing_strategy = None
    elif strategy is not None and strategy not in STRATEGIES:
        errors["routing_strategy"] = [_("must be one of %(names)s", names=", ".join(STRATEGIES))]
    return errors
