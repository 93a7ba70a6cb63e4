"""Orderflow's security manager: self-registration that makes a usable Customer at once."""
from flask import flash, redirect, request, session
from flask_appbuilder.security.registerviews import RegisterUserDBView
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.utils.base import get_safe_redirect
from flask_babel import lazy_gettext as _
from flask_login import login_user

from .extensions import db
from .services.accounts import register_customer
from .services.errors import ValidationFailed


class CustomerRegisterView(RegisterUserDBView):
    form_title = _("Create your customer account")

    def form_get(self, form):
        super().form_get(form)
        if request.args.get("next"):
            session["register_next"] = get_safe_redirect(request.args["next"])

    def form_post(self, form):
        self.add_form_unique_validations(form)
        try:
            user = register_customer(
                db.session,
                self.appbuilder.sm,
                username=form.username.data,
                first_name=form.first_name.data,
                last_name=form.last_name.data,
                email=form.email.data,
                password=form.password.data,
            )
        except ValidationFailed as exc:
            for field, messages in exc.errors.items():
                flash(f"{field}: {'; '.join(messages)}", "danger")
            return redirect(request.url)
        login_user(user)
        flash(_("Welcome! Your account is ready."), "success")
        return redirect(session.pop("register_next", None) or "/")


class OrderflowSecurityManager(SecurityManager):
    registeruserdbview = CustomerRegisterView
