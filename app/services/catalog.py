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
    if errors:
        raise ValidationFailed(errors)
