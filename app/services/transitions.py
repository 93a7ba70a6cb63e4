"""Firing workflow triggers: THE only way an order's state changes.

The browser (OrderView.fire), the REST API (POST /api/v1/order/<id>/trigger/<name>), the
CLI, timers and jobs all call :func:`fire`. Order add/edit forms and APIs never accept
``state`` (they exclude the column), so there is no other path.

``fire`` runs inside the caller's transaction and commits nothing: it locks the order row
(SELECT ... FOR UPDATE on PostgreSQL), checks the expected version (optimistic version
counter ``Order.version``, both databases), the actor's role, the state and every guard,
moves the order, writes the OrderEvent (actor, comment, decisions of rule evaluations and
effect results) and runs the effects. On any exception the caller rolls back, so a failure
anywhere leaves nothing behind.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Optional

from flask_babel import lazy_gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm.exc import StaleDataError

from ..engine.workflow import (ADMIN_ROLE, SYSTEM_ROLE, InvalidTransition, KindDispatcher, TransitionError,
                               TriggerNotAllowed, run_effects, run_guards)
from ..models import Attachment, Offer, Order, OrderEvent, Timer, User
from ..models.types import utcnow
from . import access, workflows
from .errors import ValidationFailed

__all__ = ["fire", "run_automatic", "available_triggers", "advance_after_payment", "TriggerNotAllowed", "InvalidTransition",
           "ConcurrentChange", "GuardFailed", "OrderNotFound", "TransitionError"]


class ConcurrentChange(InvalidTransition):
    """The order changed since the caller read it (HTTP 409)."""

    http_status = 409


class GuardFailed(TransitionError):
    """One or more guards refused the transition (HTTP 422); ``failures`` lists every message."""

    http_status = 422

    def __init__(self, failures: list[str], *, state=None, trigger=None):
        super().__init__("; ".join(failures), state=state, trigger=trigger)
        self.failures = failures


class OrderNotFound(TransitionError):
    http_status = 404


#: Callables ``listener(session, order, plan, source_state, actor)`` that fire() runs in the
#: same transaction once the order is in its new state: domain code that must react to a state
#: being entered registers here (the repair shop starts a ticket's warranty at pick-up).
#: "before" listeners run before the effects (so a notify effect sees what they set), "after"
#: listeners after them (so they see what a set_field effect changed).
LISTENERS: dict[str, list] = {"before": [], "after": []}


def on_transition(listener=None, *, phase: str = "before"):
    """Register a listener (also as ``@on_transition`` or ``@on_transition(phase="after")``);
    registering twice is a no-op."""
    def register(fn):
        if fn not in LISTENERS[phase]:
            LISTENERS[phase].append(fn)
        return fn
    return register(listener) if listener is not None else register


#: Order fields a caller may set along with a transition (``fields`` of fire).
SETTABLE_FIELDS = {"description", "deadline", "price", "quantity", "assignee", "manager"}


def actor_roles(actor, system: bool = False) -> frozenset:
    if system:
        return frozenset({SYSTEM_ROLE})
    if actor is None:  # nobody: may fire nothing (jobs pass system=True)
        return frozenset()
    return frozenset(access.role_names(actor))


def _owns(session, order: Order, actor) -> bool:
    from ..models import Customer

    return session.execute(select(Customer.id).where(Customer.id == order.customer_id,
                                                     Customer.user_id == actor.id)).first() is not None


def _effective_roles(session, order: Order, actor, roles: frozenset) -> frozenset:
    """A customer may fire customer triggers only on their own orders."""
    if "Customer" in roles and ADMIN_ROLE not in roles and not _owns(session, order, actor):
        return roles - {"Customer"}
    return roles


def available_triggers(session, order: Order, user) -> list:
    """[(label, name), ...] of the triggers ``user`` may fire on ``order`` now (guards not checked)."""
    roles = _effective_roles(session, order, user, actor_roles(user))
    if not roles:
        return []
    try:
        wf = workflows.for_order(session, order)
        infos = wf.available_triggers(order.state, roles)
    except (TransitionError, LookupError):
        return []
    return [(workflows.translated(str(i.label)) if i.label else i.name, i.name) for i in infos]


def _load(session, order_id: int) -> Order:
    query = select(Order).where(Order.id == order_id).with_for_update().execution_options(populate_existing=True)
    order = session.execute(query).scalar_one_or_none()
    if order is None:
        raise OrderNotFound(f"order {order_id} does not exist")
    return order


def fire(session, order_id: int, trigger: str, *, actor, comment: str | None = None, fields: dict | None = None,
         expected_version: int | None = None, system: bool = False, _depth: int = 0) -> Order:
    """Fire ``trigger`` on order ``order_id`` as ``actor`` (a User; ``system=True`` for timers/jobs).

    Raises OrderNotFound (404; also for an order the actor may not see), TriggerNotAllowed (403),
    InvalidTransition / ConcurrentChange (409), GuardFailed (422, ``.failures``), ValidationFailed
    (422, bad ``fields``). Commits nothing; the caller commits or rolls back.
    """
    if not system and actor is not None and access.order_clause(actor) is not None \
            and not access.can_see_order(session, actor, order_id):
        raise OrderNotFound(f"order {order_id} does not exist")  # row level: not visible = 404
    if expected_version is not None:
        try:
            expected_version = int(expected_version)
        except (TypeError, ValueError):
            raise ValidationFailed({"expected_version": [_("must be a whole number")]}) from None
    order = _load(session, order_id)
    if expected_version is not None and expected_version != order.version:
        raise ConcurrentChange(
            str(_("The order changed meanwhile (revision %(have)s, you sent %(sent)s); reload and try again.",
                  have=order.version, sent=expected_version)), state=order.state, trigger=trigger)
    roles = actor_roles(actor, system)
    if not system:
        roles = _effective_roles(session, order, actor, roles)
    wf = workflows.for_order(session, order)
    plan = wf.plan(order.state, trigger, roles)
    runner = _Runner(session, order, actor=None if system else actor, roles=roles, comment=comment, plan=plan)
    if fields:
        _apply_fields(session, order, fields)
    failures = run_guards(plan, runner)
    if failures:
        # a shipped workflow's own guard message is in the catalogs; the defaults already are
        raise GuardFailed([workflows.translated(f.message) for f in failures], state=order.state, trigger=trigger)
    source = order.state
    order.state = plan.dest
    try:
        for listener in LISTENERS["before"]:
            listener(session, order, plan, source, runner.actor)
        results = run_effects(plan, runner)
        for listener in LISTENERS["after"]:
            listener(session, order, plan, source, runner.actor)
        data: dict[str, Any] = {"workflow": plan.workflow_key, "workflow_version": plan.workflow_version}
        if runner.decisions:
            data["decisions"] = runner.decisions
        effects = [r for r in results if r]
        if effects:
            data["effects"] = effects
        if system:
            data["system"] = True
        session.add(OrderEvent(order_id=order.id, from_state=source, to_state=plan.dest, trigger=trigger,
                               actor_id=getattr(runner.actor, "id", None), comment=comment or None, at=utcnow(),
                               decision=data))
        # UPDATE "order" ... WHERE version = :old: StaleDataError when someone else won meanwhile
        session.flush()
    except StaleDataError:
        raise ConcurrentChange(str(_("The order changed meanwhile; reload and try again.")),
                               state=source, trigger=trigger) from None
    if plan.dest != source:
        run_automatic(session, order, _depth=_depth)
    return order


#: How many automatic transitions may follow one another (a misconfigured cycle stops here).
MAX_AUTOMATIC_CHAIN = 10


def run_automatic(session, order: Order, *, _depth: int = 0) -> Optional[str]:
    """Fire, as System, the first ``auto: true`` transition out of the order's state whose
    guards pass (after an order is created and after every move; each one may lead to the
    next). Each attempt runs in a savepoint: a refused one leaves nothing behind. An assign
    effect that finds nobody (``required``) leaves the order waiting, flagged, with the
    ``escalate_to`` people told. Returns the trigger fired, or None."""
    if _depth >= MAX_AUTOMATIC_CHAIN:
        return None
    try:
        names = workflows.for_order(session, order).automatic_triggers(order.state)
    except (TransitionError, LookupError):
        return None
    from . import assignment

    for name in names:
        try:
            with session.begin_nested():
                fire(session, order.id, name, actor=None, system=True,
                     comment=str(_("Done automatically")), _depth=_depth + 1)
            return name
        except assignment.NoCandidate as exc:
            assignment.flag_waiting(session, order, exc)
            return None
        except (GuardFailed, InvalidTransition, TriggerNotAllowed):
            continue
    return None


def _apply_fields(session, order: Order, fields: dict) -> None:
    errors: dict[str, list] = {}
    details = dict(order.details or {})
    for name, value in fields.items():
        if name.startswith("details."):
            details[name[len("details."):]] = value
            continue
        if name not in SETTABLE_FIELDS:
            errors[name] = [_("cannot be set with a transition")]
            continue
        try:
            if name in ("assignee", "manager"):
                if value in (None, ""):
                    setattr(order, f"{name}_id", None)
                elif session.get(User, int(value)) is None:
                    errors[name] = [_("unknown user")]
                else:
                    setattr(order, f"{name}_id", int(value))
            elif name == "deadline":
                order.deadline = dt.datetime.fromisoformat(str(value)) if value else None
            elif name == "price":
                order.price = Decimal(str(value))
            elif name == "quantity":
                order.quantity = int(value)
            else:
                setattr(order, name, value)
        except (ValueError, ArithmeticError):
            errors[name] = [_("has a wrong format")]
    if errors:
        raise ValidationFailed(errors)
    order.details = details


class _Runner(KindDispatcher):
    """Checks guards and runs effects of one transition against the database."""

    def __init__(self, session, order: Order, *, actor, roles, comment, plan):
        self.session = session
        self.order = order
        self.actor = actor
        self.roles = roles
        self.comment = comment
        self.plan = plan
        self.decisions: list = []

    # ------------------------------------------------------------------ helpers
    def _facts(self) -> dict:
        o = self.order
        facts = {"order_id": o.id, "state": o.state, "quantity": o.quantity, "price": o.price,
                 "currency": o.currency, "workflow": o.workflow_key, "service_code": getattr(o.service, "code", None)}
        facts.update({f"details.{k}": v for k, v in (o.details or {}).items()})
        facts["details"] = dict(o.details or {})
        return facts

    def _evaluate(self, key: str):
        from . import rulesets  # the rules engineer's module (issue 3)

        facts, form_schema = self._facts_for(rulesets, key)
        if facts is None:
            return None
        decision = rulesets.evaluate(self.session, key, facts, form_schema=form_schema, record=self.order)
        self.decisions.append(_decision_json(decision))
        return decision

    def _facts_for(self, rulesets, key: str):
        """(facts, form schema) in the rule set's context (intake, refund, payout; the rules
        issue's builders), or (None, None) when the context has no subject on this order."""
        from . import rule_facts

        context = getattr(rulesets.get_rule_set(self.session, key), "context", "intake")
        order = self.order
        if context == "payout":
            if not order.assignee_id:
                return None, None
            return rule_facts.payout_facts_for(self.session, order.assignee_id, order.currency), None
        if context == "refund":
            return rule_facts.refund_facts(self.session, order), None
        if context == "intake":
            return rule_facts.intake_facts(self.session, order)
        return self._facts(), getattr(order.service, "form_schema", None)

    def _field_value(self, field: str):
        if field.startswith("details."):
            return (self.order.details or {}).get(field[len("details."):])
        if field in ("assignee", "manager", "division", "customer", "service"):
            return getattr(self.order, f"{field}_id")
        return getattr(self.order, field, None)

    def _open_offer(self, user_id=None) -> Optional[Offer]:
        query = select(Offer).where(Offer.order_id == self.order.id, Offer.status == "offered")
        if user_id is not None:
            query = query.where(Offer.user_id == user_id)
        return self.session.execute(query.order_by(Offer.id.desc())).scalars().first()

    # ------------------------------------------------------------------ guards
    def guard_rule_set(self, plan, key, message=None):
        try:
            decision = self._evaluate(key)
        except ImportError:
            return str(_("rule set %(key)s cannot be checked: the rules service is not installed", key=key))
        except Exception as exc:  # unknown rule set, missing facts: the guard fails with the reason
            return str(_("rule set %(key)s could not decide: %(error)s", key=key, error=exc))
        if decision is None:
            return None
        rejects = [params for name, params in decision.calls if name == "reject"]
        if rejects:
            reasons = [str(p.get("reason") or p.get("message") or "") for p in rejects]
            return message or "; ".join(r for r in reasons if r) or str(_("rule set %(key)s rejects the order", key=key))
        return None

    def guard_attachment(self, plan, attachment_kind, min_count=1, message=None):
        from sqlalchemy import func

        count = self.session.execute(select(func.count(Attachment.id)).where(
            Attachment.order_id == self.order.id, Attachment.kind == attachment_kind)).scalar_one()
        if count >= int(min_count):
            return None
        return message or str(_("an attachment of kind %(kind)s is required", kind=attachment_kind))

    def guard_payment_paid(self, plan, purpose, message=None):
        try:
            from . import payments  # the money engineer's module (issue 5)
        except ImportError:
            return str(_("the %(purpose)s payment cannot be checked: the payments service is not installed",
                         purpose=purpose))
        if payments.is_paid(self.session, self.order, purpose):
            return None
        if purpose in ("full", "balance") and payments.order_money(self.session, self.order)["due"] <= 0:
            return None  # nothing to pay at all (a warranty check that found nothing to replace)
        return message or str(_("the %(purpose)s payment is not paid", purpose=purpose))

    def guard_field_set(self, plan, field, message=None):
        value = self._field_value(field)
        if value is None or value == "" or value == [] or value == {}:
            return message or str(_("field %(field)s must be set", field=field))
        if field == "price" and Decimal(value) == 0:
            return message or str(_("field %(field)s must be set", field=field))
        return None

    def _service_setting(self, reference):
        """The value of ``service.<setting>`` on the order's service (None when unset)."""
        service = self.order.service
        return getattr(service, reference.split(".", 1)[1], None) if service is not None else None

    def guard_service_setting(self, plan, setting, message=None):
        if self._service_setting(setting):
            return None
        return message or str(_("the service does not have %(setting)s switched on", setting=setting))

    def guard_actor_is_assignee(self, plan, message=None):
        if self.roles & {ADMIN_ROLE, SYSTEM_ROLE}:
            return None
        uid = getattr(self.actor, "id", None)
        if uid is not None and (self.order.assignee_id == uid or self._open_offer(uid) is not None):
            return None
        return message or str(_("only the assignee may do this"))

    # ------------------------------------------------------------------ effects
    def _recipients(self, to) -> list:
        from ..models import Customer

        out = []
        for name in ([to] if isinstance(to, str) else list(to)):
            if name == "customer":
                customer = self.session.get(Customer, self.order.customer_id)
                if customer is not None:
                    out.append(customer)
            elif name in ("manager", "assignee"):
                uid = getattr(self.order, f"{name}_id")
                if uid:
                    out.append(self.session.get(User, uid))
            elif name == "actor":
                if self.actor is not None:
                    out.append(self.actor)
            elif name == "lead":
                division = self.order.division
                if division is not None and division.lead_id:
                    out.append(self.session.get(User, division.lead_id))
            else:  # a role name (or desk/accountant keywords): every active user holding it
                from ..models import Role

                role = {"desk": "Manager", "accountant": "Accountant"}.get(name, name)
                out.extend(self.session.execute(select(User).join(User.roles).where(
                    Role.name == role, User.active.is_(True))).scalars().all())
        return [r for r in out if r is not None]

    def effect_notify(self, plan, to, template, channel=None, attach=None):
        recipients = self._recipients(to)
        try:
            from . import notifications  # the money engineer's module (issue 5)
        except ImportError:
            return {"effect": "notify", "template": template, "to": [str(r) for r in recipients],
                    "stored": "event only (notification service not installed)"}
        attachments = None
        if attach:
            attachments = self.session.execute(select(Attachment).where(
                Attachment.order_id == self.order.id, Attachment.kind == attach)).scalars().all()
        channels = (channel,) if channel else ("email", "inapp")
        context = {"order_number": self.order.number, "order_title": self.order.title, "state": plan.dest,
                   "trigger": plan.trigger, "comment": self.comment or ""}
        rows = notifications.notify(self.session, to=recipients, template=template, context=context,
                                    order=self.order, attachments=attachments, channels=channels)
        return {"effect": "notify", "template": template, "notifications": len(rows or [])}

    def effect_run_rules(self, plan, key):
        try:
            decision = self._evaluate(key)
        except ImportError:
            return {"effect": "run_rules", "key": key, "skipped": "rules service not installed"}
        if decision is None:
            return {"effect": "run_rules", "key": key, "skipped": "nothing to decide on this order"}
        return {"effect": "run_rules", "key": key, "actions": [n for n, _p in decision.calls]}

    def effect_assign(self, plan, strategy, role, rule_set=None, field="assignee", exclude_declined=True,
                      notify_template=None, offer=False, strategy_from=None, match_skill=True, required=False,
                      escalate_to=None):
        if strategy_from:
            strategy = self._service_setting(strategy_from) or strategy
        if strategy in ("on_duty", "manual"):
            return self._assign_locally(strategy, role, field)
        from . import assignment  # the rules engineer's module (issue 3)

        escalate = self._recipients(escalate_to) if escalate_to else None
        result = assignment.assign(self.session, self.order, strategy=strategy, role=role, rule_set=rule_set,
                                   exclude_declined=exclude_declined, field=field, offer=bool(offer),
                                   actor=self.actor, match_skill=bool(match_skill), required=bool(required),
                                   escalate_to=escalate)
        return {"effect": "assign", "strategy": strategy, "field": field, "user_id": result.user_id,
                "offer": bool(offer)}

    def _assign_locally(self, strategy, role, field):
        """``on_duty``: the on-duty staff member with the role and the fewest open orders
        (kept when already set); ``manual``: leave it to a person."""
        if strategy == "manual" or getattr(self.order, f"{field}_id"):
            return {"effect": "assign", "strategy": strategy, "field": field,
                    "user_id": getattr(self.order, f"{field}_id")}
        from sqlalchemy import func

        from ..models import Role, StaffProfile

        column = getattr(Order, f"{field}_id")
        load = (select(func.count(Order.id)).where(column == User.id).correlate(User).scalar_subquery())
        user_id = self.session.execute(
            select(User.id).join(User.roles).join(StaffProfile, StaffProfile.user_id == User.id)
            .where(Role.name == role, User.active.is_(True), StaffProfile.on_duty.is_(True))
            .order_by(load, User.id).limit(1)).scalar()
        setattr(self.order, f"{field}_id", user_id)
        return {"effect": "assign", "strategy": strategy, "field": field, "user_id": user_id}

    def effect_answer_offer(self, plan, accept, expired=False, withdrawn=False):
        if withdrawn:
            offer = self._open_offer()
            if offer is None:
                return None
            offer.status, offer.answered = "withdrawn", utcnow()
            offer.reason = self.comment or str(_("withdrawn by the manager"))
            return {"effect": "answer_offer", "withdrawn": offer.user_id}
        if expired:
            offer = self._open_offer()
            if offer is not None:
                offer.status = "expired"
                offer.answered = utcnow()
                offer.reason = str(_("not answered in time"))
            return {"effect": "answer_offer", "expired": getattr(offer, "user_id", None)}
        if not accept and self.actor is not None and not (self.comment or "").strip():
            raise ValidationFailed({"comment": [_("say why you decline (the reason is kept with the offer)")]})
        uid = getattr(self.actor, "id", None)
        offer = self._open_offer(uid)
        if offer is None:  # already the assignee (or no offer open): nothing to answer
            return {"effect": "answer_offer", "accept": bool(accept), "user_id": self.order.assignee_id}
        from . import assignment

        user = self.actor if self.actor is not None else self.session.get(User, offer.user_id)
        answered = assignment.answer_offer(self.session, self.order, user, accept=bool(accept),
                                           reason=self.comment)
        if not accept and self.order.assignee_id == user.id:
            self.order.assignee_id = None
        return {"effect": "answer_offer", "accept": bool(accept), "user_id": answered.user_id}

    def effect_request_payment(self, plan, purpose, percent=None, remaining=False, methods=None, due_hours=None):
        from . import payments

        if remaining and payments.order_money(self.session, self.order)["balance"] <= 0:
            return {"effect": "request_payment", "purpose": purpose, "skipped": "nothing is due"}
        payment = payments.request_payment(
            self.session, self.order, purpose=purpose,
            percent=Decimal(str(percent)) if percent is not None else None,
            remaining=bool(remaining), methods=list(methods) if methods else None,
            notify=not self._notifies_customer(plan))
        return {"effect": "request_payment", "purpose": purpose, "payment_id": payment.id,
                "amount": str(payment.amount)}

    @staticmethod
    def _notifies_customer(plan) -> bool:
        """Whether the transition has its own notify effect to the customer."""
        for effect in plan.effects:
            if effect.kind == "notify":
                to = effect.params.get("to")
                if to == "customer" or (isinstance(to, list) and "customer" in to):
                    return True
        return False

    def effect_set_field(self, plan, field, value):
        if field.startswith("details."):
            details = dict(self.order.details or {})
            details[field[len("details."):]] = value
            self.order.details = details
        elif field in ("assignee", "manager", "division"):
            setattr(self.order, f"{field}_id", value)
        else:
            setattr(self.order, field, value)
        return {"effect": "set_field", "field": field, "value": value}

    def effect_start_timer(self, plan, name, trigger, hours=None, at_field=None, hours_from=None):
        if hours_from and self._service_setting(hours_from):
            hours = self._service_setting(hours_from)
        if hours is not None:
            due = utcnow() + dt.timedelta(hours=float(hours))
        else:
            due = self._field_value(at_field)
            if not isinstance(due, dt.datetime):
                return {"effect": "start_timer", "name": name, "skipped": f"{at_field} is not set"}
        self._cancel(name)
        self.session.add(Timer(order_id=self.order.id, name=name, trigger=trigger, due_at=due, status="pending"))
        return {"effect": "start_timer", "name": name, "due_at": due.isoformat(timespec="seconds")}

    def effect_share_attachments(self, plan, attachment_kind):
        shared = self.session.execute(
            update(Attachment).where(Attachment.order_id == self.order.id, Attachment.kind == attachment_kind,
                                     Attachment.visible_to_customer.is_(False))
            .values(visible_to_customer=True).execution_options(synchronize_session="fetch")).rowcount or 0
        return {"effect": "share_attachments", "kind": attachment_kind, "shared": shared}

    def effect_cancel_payments(self, plan):
        from . import refunds

        cancelled = refunds.cancel_open_requests(self.session, self.order, actor=self.actor)
        return {"effect": "cancel_payments", "cancelled": cancelled} if cancelled else None

    def effect_refund(self, plan, rule_set):
        from . import refunds

        outcome = refunds.refund_by_rules(self.session, self.order, rule_set, from_state=plan.source,
                                          trigger=plan.trigger, actor=self.actor)
        if outcome.decision is not None:
            self.decisions.append(_decision_json(outcome.decision))
        return {"effect": "refund", "rule_set": rule_set, **outcome.summary()}

    def effect_record_earnings(self, plan):
        from . import ledger

        entry = ledger.record_earnings(self.session, self.order)
        if entry is None:
            return None
        return {"effect": "record_earnings", "worker_id": entry.worker_id, "amount": str(entry.amount),
                "currency": entry.currency}

    def effect_cancel_timer(self, plan, name):
        count = self._cancel(name)
        return {"effect": "cancel_timer", "name": name, "cancelled": count} if count else None

    def _cancel(self, name) -> int:
        return self.session.execute(
            update(Timer).where(Timer.order_id == self.order.id, Timer.name == name, Timer.status == "pending")
            .values(status="cancelled").execution_options(synchronize_session=False)).rowcount or 0


def _decision_json(decision) -> dict:
    for attr in ("as_dict", "to_dict", "as_json"):
        method = getattr(decision, attr, None)
        if callable(method):
            try:
                return method()
            except Exception:  # pragma: no cover - fall back to the basics
                break
    return {"key": getattr(decision, "key", None), "version": getattr(decision, "version", None),
            "fired": [str(f) for f in getattr(decision, "fired", [])],
            "actions": [[n, p] for n, p in getattr(decision, "calls", [])]}


def advance_after_payment(session, order: Order, purpose: str) -> Optional[Order]:
    """After a payment of ``purpose`` is paid: fire the first transition from the order's state
    with a ``payment_paid`` guard for that purpose that System may fire; None when none fired."""
    wf = workflows.for_order(session, order)
    try:
        infos = wf.available_triggers(order.state, {SYSTEM_ROLE})
    except TransitionError:
        return None
    for info in infos:
        if any(g.kind == "payment_paid" and g.get("purpose") == purpose for g in info.guards):
            try:
                return fire(session, order.id, info.name, actor=None, system=True,
                            comment=str(_("Payment received: %(purpose)s", purpose=purpose)))
            except GuardFailed:
                continue
    return None
