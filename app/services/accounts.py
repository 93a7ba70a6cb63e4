"""Logins: customers registering themselves."""
from __future__ import annotations

from flask_babel import lazy_gettext as _

from ..models import Customer
from .errors import ValidationFailed


def register_customer(session, security_manager, *, username, first_name, last_name, email, password):
    """Create an active Customer login and its CRM record in one step (no e-mail round trip)."""
    role = security_manager.find_role("Customer")
    if role is None:
        raise ValidationFailed({"role": [_("The Customer role is missing; run `flask orderflow roles`.")]})
    user = security_manager.add_user(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        role=role,
        password=password,
    )
    if not user:
        raise ValidationFailed({"username": [_("could not be registered; it may be taken")]})
    existing = session.query(Customer).filter(Customer.email == email, Customer.user_id.is_(None)).first()
    if existing is not None:
        existing.user_id = user.id  # a walk-in customer now has a login
    else:
        name = " ".join(p for p in (first_name, last_name) if p) or username
        session.add(Customer(name=name, email=email, user_id=user.id))
    session.commit()
    return user
