"""The academic-writing desk: the manager's table of writing orders, the author's offers and
what the client reads of an order's history. Reading only; every change goes through
services.transitions.fire or services.assignment.reassign."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from ..models import AssignmentRecord, Attachment, Offer, Order, OrderEvent, Payment, StaffProfile
from ..models.payments import RECEIVED_STATUSES
from . import workflows

WORKFLOW = "writing"
PAGE_SIZE = 50


def paid_column():
    """Paid on each order, computed from its payments (received minus refunds paid out)."""
    amount = case((Payment.purpose == "refund", -Payment.amount), else_=Payment.amount)
    counted = ((Payment.purpose != "refund") & Payment.status.in_(RECEIVED_STATUSES)) | (
        (Payment.purpose == "refund") & (Payment.status == "paid"))
    return (select(func.coalesce(func.sum(amount), 0)).where(Payment.order_id == Order.id, counted)
            .correlate(Order).scalar_subquery())


def _flagged_column():
    return (select(func.count(AssignmentRecord.id)).where(AssignmentRecord.order_id == Order.id,
                                                          AssignmentRecord.needs_attention.is_(True))
            .correlate(Order).scalar_subquery())


def states() -> list[tuple[str, str]]:
    """[(state, label)] of the writing workflow (published version), in workflow order."""
    try:
        wf = workflows.published(None, WORKFLOW)
    except LookupError:
        return []
    return [(s, workflows.translated(wf.label(s))) for s in wf.states]


@dataclass
class DeskPage:
    rows: list
    count: int
    page: int
    page_size: int
    counts: dict

    @property
    def has_next(self) -> bool:
        return (self.page + 1) * self.page_size < self.count


def desk(session, *, state: str | None = None, manager_id: int | None = None, flagged: bool = False,
         page: int = 0, page_size: int = PAGE_SIZE) -> DeskPage:
    """Writing orders newest first: number, status, author's last/first/patronymic, deadline,
    price, paid (from payments), manager, waiting flag; filtered by status/manager/flag."""
    author = aliased(StaffProfile)
    manager = aliased(StaffProfile)
    paid = paid_column().label("paid")
    flag = _flagged_column().label("flagged")
    query = (select(Order, author, manager, paid, flag)
             .outerjoin(author, author.user_id == Order.assignee_id)
             .outerjoin(manager, manager.user_id == Order.manager_id)
             .where(Order.workflow_key == WORKFLOW))
    counting = select(func.count(Order.id)).where(Order.workflow_key == WORKFLOW)
    if state:
        query, counting = query.where(Order.state == state), counting.where(Order.state == state)
    if manager_id:
        query, counting = query.where(Order.manager_id == manager_id), counting.where(Order.manager_id == manager_id)
    if flagged:
        query, counting = query.where(flag > 0), counting.where(_flagged_column() > 0)
    page = max(int(page or 0), 0)
    page_size = min(max(int(page_size or PAGE_SIZE), 1), 200)
    rows = []
    labels = dict(states())
    for order, writer, boss, paid_value, flags in session.execute(
            query.order_by(Order.id.desc()).offset(page * page_size).limit(page_size)):
        rows.append({
            "id": order.id, "number": order.number, "title": order.title, "state": order.state,
            "state_label": labels.get(order.state) or workflows.state_label(WORKFLOW, order.state),
            "author_last_name": writer.last_name if writer else None,
            "author_first_name": writer.first_name if writer else None,
            "author_patronymic": writer.patronymic if writer else None,
            "assignee_id": order.assignee_id, "manager_id": order.manager_id,
            "manager_name": boss.full_name if boss else None,
            "deadline": order.deadline, "price": Decimal(order.price or 0).quantize(Decimal("0.01")),
            "paid": Decimal(paid_value or 0).quantize(Decimal("0.01")), "currency": order.currency,
            "waiting": bool(flags), "version": order.version,
        })
    counts = dict(session.execute(select(Order.state, func.count(Order.id))
                                  .where(Order.workflow_key == WORKFLOW).group_by(Order.state)).all())
    return DeskPage(rows=rows, count=session.execute(counting).scalar_one(), page=page, page_size=page_size,
                    counts=counts)


def author_fee(session, order) -> Decimal | None:
    """What the author earns on the order (the service's worker share)."""
    from .ledger import share_for

    return share_for(session, order)


def my_offers(session, user) -> list[dict]:
    """The user's open offers with what an author needs to decide: the order's form data,
    deadline, brief files and fee (never the client or the price)."""
    out = []
    offers = session.execute(select(Offer, Order).join(Order, Order.id == Offer.order_id).where(
        Offer.user_id == user.id, Offer.status == "offered").order_by(Offer.id.desc())).all()
    timers = _expiry_times(session, [o.id for _offer, o in offers])
    for offer, order in offers:
        files = session.execute(select(Attachment).where(Attachment.order_id == order.id, Attachment.kind.in_(
            ("brief", "work_guide", "other"))).order_by(Attachment.id)).scalars().all()
        schema = {f.get("name"): f for f in (order.service.form_schema or []) if isinstance(f, dict)}
        details = [(str(schema.get(k, {}).get("label") or k), v) for k, v in (order.details or {}).items()
                   if v not in (None, "")]
        out.append({"offer_id": offer.id, "offered_at": offer.created, "answer_by": timers.get(order.id),
                    "order_id": order.id, "number": order.number, "title": order.title,
                    "service": order.service.name, "description": order.description, "details": details,
                    "details_raw": dict(order.details or {}), "deadline": order.deadline,
                    "fee": author_fee(session, order), "currency": order.currency, "version": order.version,
                    "files": [{"id": a.id, "name": a.original_name, "kind": a.kind, "size": a.size} for a in files]})
    return out


def _expiry_times(session, order_ids: list[int]) -> dict:
    from ..models import Timer

    if not order_ids:
        return {}
    rows = session.execute(select(Timer.order_id, func.min(Timer.due_at)).where(
        Timer.order_id.in_(order_ids), Timer.name == "offer_expiry", Timer.status == "pending")
        .group_by(Timer.order_id)).all()
    return dict(rows)


def customer_history(session, order, user) -> list[tuple]:
    """[(time, status as the customer sees it, comment)] of the order's moves; comments only
    where the client wrote them (staff notes and authors' reasons stay inside)."""
    events = session.execute(select(OrderEvent).where(OrderEvent.order_id == order.id,
                                                      OrderEvent.to_state.is_not(None))
                             .order_by(OrderEvent.id.desc()).limit(50)).scalars().all()
    out, last = [], None
    for event in reversed(events):
        label = workflows.customer_label(order.workflow_key, event.to_state, order.workflow_version)
        if label == last and event.actor_id != user.id:
            continue  # inner moves (re-offers) the client has no part in
        last = label
        out.append((event.at, label, event.comment if event.actor_id == user.id else None))
    return list(reversed(out))
