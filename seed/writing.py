"""Demo data of the academic-writing story: one writing order in every status of the
workflow, each walked there through services.transitions.fire by the people who would do it
(the manager, the author who got the offer, the client), with real payments and files, so
the Writing desk shows every status. Idempotent (orders are found by title)."""
from __future__ import annotations

import datetime as dt
import io

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import Offer, Order, Payment, Service, StaffProfile, User
from app.models.types import utcnow

PREFIX = "Demo paper: "
# title, subject, work type, pages, the walk (see _step)
ORDERS = [
    ("Reforms of Peter the Great", "history", "essay", 8, ["wait_for_manager"]),
    ("The Roman law of property", "law", "essay", 10, []),
    ("Labour market after 2008", "economics", "course paper", 25, ["offer", "decline:Too busy this week"]),
    ("Newton's laws in everyday life", "physics", "essay", 6, ["offer", "take"]),
    ("Serfdom and its abolition", "history", "course paper", 30, ["offer", "take", "confirm_feasible"]),
    ("Competition law in the EU", "law", "course paper", 28,
     ["offer", "take", "confirm_feasible", "pay:deposit"]),
    ("Monetary policy of the 1990s", "economics", "thesis", 60,
     ["offer", "take", "confirm_feasible", "pay:deposit", "upload:partial_preview", "upload_half"]),
    ("The Crimean war", "history", "essay", 12,
     ["offer", "take", "confirm_feasible", "pay:deposit", "upload:partial_preview", "upload_half",
      "release_preview"]),
    ("Family law: marriage contracts", "law", "essay", 9,
     ["offer", "take", "confirm_feasible", "pay:deposit", "upload:partial_preview", "upload_half",
      "release_preview", "rework:Please add sources from the last five years."]),
    ("Behavioural economics", "economics", "essay", 11,
     ["offer", "take", "confirm_feasible", "pay:deposit", "upload:partial_preview", "upload_half",
      "release_preview", "rework:Make the conclusion longer.", "upload:partial_preview", "resubmit",
      "release_preview", "confirm"]),
    ("Thermodynamics basics", "physics", "course paper", 20,
     ["offer", "take", "confirm_feasible", "pay:deposit", "upload:partial_preview", "upload_half",
      "release_preview", "confirm", "pay:balance"]),
    ("The Time of Troubles", "history", "essay", 10,
     ["offer", "take", "confirm_feasible", "pay:deposit", "upload:partial_preview", "upload_half",
      "release_preview", "confirm", "pay:balance", "upload:final_work", "upload_final"]),
    ("Criminal procedure reform", "law", "essay", 14,
     ["offer", "take", "confirm_feasible", "pay:deposit", "upload:partial_preview", "upload_half",
      "release_preview", "confirm", "pay:balance", "upload:final_work", "upload_final", "send_to_client"]),
    ("Inflation and wages", "economics", "essay", 7,
     ["offer", "take", "confirm_feasible", "pay:deposit", "withdraw:I found another way to do it."]),
]


def ensure_writing_demo(users: dict, customers: dict) -> int:
    """Create the missing demo writing orders; returns how many were created."""
    service = db.session.execute(select(Service).where(Service.code == "PAPER")).scalar()
    if service is None:
        return 0
    created = 0
    for index, (title, subject, work_type, pages, walk) in enumerate(ORDERS):
        full_title = PREFIX + title
        if db.session.execute(select(Order.id).where(Order.title == full_title)).first():
            continue
        customer = customers["customer"] if index % 4 != 3 else customers["PT Maju Jaya"]
        details = {"subject": subject, "work_type": work_type, "topic": title, "pages": pages,
                   "deadline": (utcnow().date() + dt.timedelta(days=10 + index)).isoformat(),
                   "requirements": "Times New Roman 14, 1.5 spacing, at least 10 sources."}
        if walk[:1] == ["wait_for_manager"]:
            order = _created_while_nobody_on_duty(service, customer, users, full_title, details)
        else:
            from app.services.orders import create_order

            order = create_order(db.session, service=service, customer=customer, details=details,
                                 actor=users["customer"] if customer.user_id else users["manager"],
                                 title=full_title)
            for step in walk:
                if not _step(order, step, users):
                    break  # nobody could take it (capacity): the order stays where it got
        db.session.commit()
        created += 1
    return created


def _created_while_nobody_on_duty(service, customer, users, title, details) -> Order:
    """An order that came in at night: no manager on duty, so it waits, flagged, and the
    owner was told. (The seed switches the desk back on without routing it: the demo shows
    a waiting order a manager can route by hand.)"""
    from app.services.orders import create_order

    desk = db.session.execute(select(StaffProfile).join(User, User.id == StaffProfile.user_id)
                              .where(User.roles.any(name="Manager"), StaffProfile.on_duty.is_(True))).scalars().all()
    for profile in desk:
        profile.on_duty = False
    db.session.flush()
    order = create_order(db.session, service=service, customer=customer, details=details,
                         actor=users["customer"], title=title)
    for profile in desk:
        profile.on_duty = True
    db.session.flush()
    return order


def _author_of(order: Order):
    if order.assignee_id:
        return db.session.get(User, order.assignee_id)
    offer = db.session.execute(select(Offer).where(Offer.order_id == order.id, Offer.status == "offered")
                               .order_by(Offer.id.desc())).scalars().first()
    return db.session.get(User, offer.user_id) if offer else None


def _step(order: Order, step: str, users: dict) -> bool:
    from app.services import payments, transitions

    name, _sep, text = step.partition(":")
    manager, customer_user = users["manager"], users["customer"]
    client = customer_user if order.customer.user_id == customer_user.id else manager
    if name == "pay":
        payment = db.session.execute(select(Payment).where(Payment.order_id == order.id, Payment.purpose == text,
                                                           Payment.status == "pending")).scalars().first()
        payments.mark_paid(db.session, payment, actor=users["accountant"], method="cash", reference="Demo")
        return True
    if name == "upload":
        _upload(order, text, _author_of(order))
        return True
    actor = {"offer": manager, "confirm_feasible": manager, "release_preview": manager,
             "send_to_client": manager, "take": None, "decline": None, "upload_half": None, "resubmit": None,
             "upload_final": None, "confirm": client, "withdraw": client}.get(name, manager)
    if name in ("take", "decline", "upload_half", "resubmit", "upload_final"):
        actor = _author_of(order)
        if actor is None:
            return False
    trigger = {"rework": "request_rework"}.get(name, name)
    if trigger == "request_rework":
        actor = client
    transitions.fire(db.session, order.id, trigger, actor=actor, comment=text or None)
    return True


def _upload(order: Order, kind: str, author) -> None:
    from app.services.attachments import store_attachment, upload_limits

    part = "the first half" if kind == "partial_preview" else "the whole work"
    body = (f"{order.title}\n\n{part.capitalize()} of the paper (demo file).\n\n"
            "1. Introduction\n2. Sources\n3. Analysis\n").encode()
    name = f"{order.number}-{'preview' if kind == 'partial_preview' else 'final'}.txt"
    store_attachment(db.session, order=order, stream=io.BytesIO(body), filename=name, content_type="text/plain",
                     kind=kind, uploaded_by=author, visible_to_customer=False,
                     **upload_limits(current_app.config))
