"""Reviews: a client rates the author of a completed writing order (once per order) and
reviews the company (shown publicly once staff approve it).

The author's StaffProfile.rating is recomputed after every author review by the
``author.rating`` rule set (context ``rating``; the owner tunes it in the rules editor).
Its actions are applied in order: ``set_rating`` replaces the new rating, ``adjust_rating``
adds to it, ``hold`` keeps the rating as it was (it wins over the others). The result is
kept between 1 and 5. The Decision is stored with the order and linked from the review.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import lazy_gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import AuthorReview, CompanyReview, Customer, Order, OrderEvent, StaffProfile
from ..models.types import utcnow
from .errors import ValidationFailed

RATING_RULE_SET = "author.rating"
RATED_WORKFLOW, RATED_STATE = "writing", "ready"
# Orders that ended well, per workflow: their client may review the company.
COMPLETED_STATES = {"writing": {"ready"}, "repair_ticket": {"picked_up"},
                    "store_order": {"delivered", "delivery_confirmed"}, "web_project": {"done"}}
LOW, HIGH, CENT = Decimal("1"), Decimal("5"), Decimal("0.01")


def _stars(raw) -> int:
    try:
        stars = int(str(raw).strip())
    except (TypeError, ValueError):
        raise ValidationFailed({"stars": [_("choose 1 to 5 stars")]}) from None
    if not 1 <= stars <= 5:
        raise ValidationFailed({"stars": [_("choose 1 to 5 stars")]})
    return stars


def own_order(session: Session, user, order_id) -> Order:
    """The order when ``user`` is its client (else a 'not found', never 'not yours')."""
    try:
        order_id = int(order_id)
    except (TypeError, ValueError):
        raise ValidationFailed({"order_id": [_("unknown order")]}) from None
    order = session.execute(
        select(Order).join(Customer, Order.customer_id == Customer.id)
        .where(Order.id == order_id, Customer.user_id == getattr(user, "id", -1))).scalars().first()
    if order is None:
        raise LookupError(order_id)
    return order


def can_rate_author(order: Order) -> bool:
    return order.workflow_key == RATED_WORKFLOW and order.state == RATED_STATE and order.assignee_id is not None


def is_completed(order: Order) -> bool:
    return order.state in COMPLETED_STATES.get(order.workflow_key, set())


def review_state(session: Session, order: Order) -> dict:
    """What the client of ``order`` may still do: rate the author, review the company."""
    author_review = session.execute(select(AuthorReview).where(AuthorReview.order_id == order.id)).scalars().first()
    company_review = session.execute(select(CompanyReview).where(CompanyReview.order_id == order.id)).scalars().first()
    return {"can_rate_author": can_rate_author(order) and author_review is None,
            "author_review": author_review,
            "can_review_company": is_completed(order) and company_review is None,
            "company_review": company_review}


# -- the author's rating ---------------------------------------------------------------


def _avg(values) -> Decimal | None:
    values = list(values)
    if not values:
        return None
    return (Decimal(sum(values)) / len(values)).quantize(CENT, ROUND_HALF_UP)


def rating_facts(session: Session, order: Order, profile: StaffProfile, *, stars: int,
                 before_id: int | None = None) -> dict:
    """Facts of the ``rating`` context for a review of ``order``'s author with ``stars``.

    The review counted is ``stars`` plus the author's earlier reviews (those with an id below
    ``before_id`` when replaying a stored review, else all)."""
    query = select(AuthorReview.stars).where(AuthorReview.author_id == profile.user_id,
                                             AuthorReview.order_id != order.id)
    if before_id is not None:
        query = query.where(AuthorReview.id < before_id)
    earlier = list(session.execute(query.order_by(AuthorReview.id.desc())).scalars())
    newest_first = [stars] + earlier
    delivered = session.execute(select(func.max(OrderEvent.at)).where(
        OrderEvent.order_id == order.id, OrderEvent.to_state == RATED_STATE)).scalar()
    days_late = 0
    if order.deadline is not None and delivered is not None and delivered > order.deadline:
        days_late = (delivered - order.deadline).days
    reworks = session.execute(select(func.count(OrderEvent.id)).where(
        OrderEvent.order_id == order.id, OrderEvent.to_state == "rework")).scalar() or 0
    completed = session.execute(select(func.count(Order.id)).where(
        Order.assignee_id == profile.user_id, Order.workflow_key == RATED_WORKFLOW,
        Order.state == RATED_STATE)).scalar() or 0
    return {
        "current_rating": Decimal(profile.rating),
        "review_stars": stars,
        "reviews_count": len(newest_first),
        "average_stars": _avg(newest_first),
        "average_last_5": _avg(newest_first[:5]),
        "average_last_10": _avg(newest_first[:10]),
        "days_late": days_late,
        "reworks": reworks,
        "completed_orders": completed,
    }


def new_rating(current, calls) -> tuple[Decimal, str | None]:
    """The rating the decision's actions give (bounded 1-5) and the hold reason, if any."""
    current = Decimal(current)
    value = current
    for name, params in calls:
        if name == "hold":
            return current, str(params.get("reason") or "")
        try:
            if name == "set_rating":
                value = Decimal(str(params.get("rating")))
            elif name == "adjust_rating":
                value = value + Decimal(str(params.get("amount")))
        except (InvalidOperation, TypeError):
            continue  # a reference to a variable without a value (no reviews): nothing to apply
    value = min(HIGH, max(LOW, value))
    return value.quantize(CENT, ROUND_HALF_UP), None


def recompute_rating(session: Session, order: Order, review: AuthorReview) -> AuthorReview:
    from .rulesets import evaluate, store_decision

    profile = session.execute(select(StaffProfile).where(StaffProfile.user_id == review.author_id)
                              .with_for_update()).scalars().first()
    if profile is None:  # an author without a staff profile has no rating to keep
        return review
    facts = rating_facts(session, order, profile, stars=review.stars)
    decision = evaluate(session, RATING_RULE_SET, facts, record=order, store=False)
    rating, _held = new_rating(profile.rating, decision.calls)
    review.rating_before = Decimal(profile.rating).quantize(CENT)
    review.rating_after = rating
    profile.rating = rating
    row = store_decision(session, decision, record=order, subject=review)
    session.flush()
    review.decision_id = row.id
    return review


def rate_author(session: Session, user, order_id, *, stars, comment: str | None = None) -> AuthorReview:
    """The client of a ``ready`` writing order rates its author, once. LookupError: not
    their order (404). ValidationFailed: not rateable, already rated, bad stars."""
    order = own_order(session, user, order_id)
    stars = _stars(stars)
    if not can_rate_author(order):
        raise ValidationFailed({"order_id": [_("the author can be rated once the work is delivered (status Ready)")]})
    if session.execute(select(AuthorReview.id).where(AuthorReview.order_id == order.id)).first():
        raise ValidationFailed({"order_id": [_("you have rated the author of this order already")]})
    customer = session.get(Customer, order.customer_id)
    review = AuthorReview(order=order, author_id=order.assignee_id, customer=customer, stars=stars,
                          comment=(comment or "").strip()[:4000] or None)
    try:
        with session.begin_nested():
            session.add(review)
            session.flush()  # the unique order_id refuses a second review made at the same moment
    except IntegrityError:
        raise ValidationFailed({"order_id": [_("you have rated the author of this order already")]}) from None
    recompute_rating(session, order, review)
    from .notifications import notify

    notify(session, to=[order.assignee], template="author_reviewed", order=order, channels=("inapp",),
           context={"stars": stars, "rating": str(review.rating_after or "")})
    return review


# -- the company -------------------------------------------------------------------------


def review_company(session: Session, user, *, stars, text: str, order_id=None) -> CompanyReview:
    """A client who has a completed order reviews the company; staff approve it before it is
    shown. With ``order_id``: one review per order."""
    customer = session.execute(select(Customer).where(Customer.user_id == getattr(user, "id", -1))).scalars().first()
    if customer is None:
        raise ValidationFailed({"customer": [_("only clients can review the company")]})
    stars = _stars(stars)
    text = (text or "").strip()
    errors: dict[str, list] = {}
    if len(text) < 10:
        errors["text"] = [_("write at least 10 characters")]
    elif len(text) > 4000:
        errors["text"] = [_("is longer than 4000 characters")]
    order = None
    if order_id not in (None, ""):
        order = own_order(session, user, order_id)
        if not is_completed(order):
            errors["order_id"] = [_("the company can be reviewed once the order is completed")]
        elif session.execute(select(CompanyReview.id).where(CompanyReview.order_id == order.id)).first():
            errors["order_id"] = [_("you have reviewed this order already")]
    else:
        done = [o for o in session.execute(select(Order).where(Order.customer_id == customer.id)).scalars()
                if is_completed(o)]
        if not done:
            errors["order_id"] = [_("the company can be reviewed once one of your orders is completed")]
    if errors:
        raise ValidationFailed(errors)
    review = CompanyReview(customer=customer, order=order, stars=stars, text=text, status="pending")
    try:
        with session.begin_nested():
            session.add(review)
            session.flush()
    except IntegrityError:
        raise ValidationFailed({"order_id": [_("you have reviewed this order already")]}) from None
    _tell_moderators(session, review)
    return review


def _tell_moderators(session: Session, review: CompanyReview) -> None:
    from flask_appbuilder.security.sqla.models import Role, User

    from .notifications import notify

    staff = list(session.execute(select(User).where(User.active.is_(True),
                                                    User.roles.any(Role.name.in_(("Owner", "Manager"))))).scalars())
    if staff:
        notify(session, to=staff, template="company_review_submitted", channels=("inapp",),
               context={"customer": review.customer.name, "stars": review.stars})


def moderate(session: Session, review: CompanyReview, *, actor, approve: bool, reason: str | None = None) -> CompanyReview:
    if not approve and not (reason or "").strip():
        raise ValidationFailed({"reason": [_("is required when rejecting a review")]})
    review.status = "approved" if approve else "rejected"
    review.rejection_reason = None if approve else reason.strip()
    review.moderated_by_id, review.moderated_at = getattr(actor, "id", None), utcnow()
    session.flush()
    return review


def public_reviews(session: Session, limit: int = 50, offset: int = 0) -> tuple[list[CompanyReview], dict]:
    """Approved company reviews, newest first, and their summary (count, average stars)."""
    approved = CompanyReview.status == "approved"
    rows = session.execute(select(CompanyReview).where(approved).order_by(CompanyReview.id.desc())
                           .offset(max(0, offset)).limit(max(1, min(limit, 100)))).scalars().all()
    count, average = session.execute(select(func.count(CompanyReview.id), func.avg(CompanyReview.stars))
                                     .where(approved)).one()
    return list(rows), {"count": count or 0,
                        "average": str(Decimal(str(average)).quantize(Decimal("0.1"))) if average else None}


def public_name(customer: Customer | None) -> str:
    """How a reviewer is shown publicly: first name and the initial of the last word."""
    name = (getattr(customer, "name", "") or "").split()
    if not name:
        return str(_("A client"))
    return name[0] if len(name) == 1 else f"{name[0]} {name[-1][0]}."


# -- row level: who sees which reviews (pages and APIs, through services.access) ----------


def author_review_clause(user):
    from sqlalchemy import false, or_

    from . import access

    if access.sees_all_orders(user):
        return None
    if user is None or not getattr(user, "id", None):
        return false()
    mine = select(Customer.id).where(Customer.user_id == user.id)
    return or_(AuthorReview.author_id == user.id, AuthorReview.customer_id.in_(mine))


def company_review_clause(user):
    from sqlalchemy import false

    from . import access

    if access.role_names(user) & {"Admin", "Owner", "Manager"}:
        return None
    if user is None or not getattr(user, "id", None):
        return false()
    return CompanyReview.customer_id.in_(select(Customer.id).where(Customer.user_id == user.id))


def _register() -> None:
    from . import access

    access.CLAUSES.setdefault(AuthorReview, author_review_clause)
    access.CLAUSES.setdefault(CompanyReview, company_review_clause)


_register()
