"""Demo data of the academic-writing service's catalog and community: ready-made works with
real small PDF files and preview pages (made here with fpdf2), completed writing orders
with author ratings and company reviews, and a forum topic. Idempotent."""
from __future__ import annotations

import io
from collections import deque
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.models import AuthorReview, CompanyReview, ForumTopic, Order, Payment, ReadyWork, Service

WORKS = [
    # title, subject, type, pages, price (RUB), summary
    ("The Decembrist revolt of 1825: causes and consequences", "history", "essay", 14, "900",
     "Why officers of the Russian army rose against the autocracy, how the revolt on Senate Square unfolded "
     "and what it changed for the reign of Nicholas I. 18 sources."),
    ("Trade routes of the Dutch East India Company in Java", "history", "course paper", 32, "2400",
     "The VOC's monopoly on spices, the ports of Batavia and Banten, and the role of local rulers in the 17th "
     "century trade network."),
    ("Consumer protection in contract law", "law", "course paper", 28, "2100",
     "Standard terms, the right of withdrawal and unfair clauses in consumer contracts, with court practice."),
    ("Liability for damage caused by minors", "law", "essay", 12, "800",
     "Who answers for harm done by children under 14 and 14 to 18 in civil law, with examples from practice."),
    ("Inflation targeting in emerging markets", "economics", "thesis", 64, "6500",
     "How central banks of Russia, Indonesia and Brazil moved to inflation targeting; a panel regression of "
     "inflation expectations 2005-2020."),
    ("Small business lending and interest rates", "economics", "essay", 10, "750",
     "Why small firms pay more for credit, and which state programmes lower the cost of loans."),
    ("Superconductivity: from mercury to cuprates", "physics", "course paper", 26, "2200",
     "The history of superconductors, the BCS theory in plain words and why high-temperature superconductors "
     "still puzzle physicists."),
    ("Newton's laws in everyday engineering", "physics", "essay", 9, "600",
     "Braking distances, lifts and bridges: the three laws of motion applied to ordinary machines."),
]

TOPIC_TITLE = "How do you choose a ready-made work?"
COMPLETED_TITLES = ("Completed essay: treaties of the Crimean War", "Completed course paper: property law",
                    "Completed essay: the rouble in the 1990s")


def _pdf(title: str, pages: list[str]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_author("Orderflow demo")
    for number, text in enumerate(pages, start=1):
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 16)
        pdf.multi_cell(0, 9, title if number == 1 else f"{title} ({number})")
        pdf.ln(4)
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


def _work_pages(title: str, summary: str, pages: int) -> list[str]:
    body = ("Introduction. " + summary + "\n\n"
            "Chapter 1 sets out the question and the sources. Chapter 2 analyses the material and "
            "Chapter 3 draws the conclusions. ")
    return [body * 3] + [f"Chapter {n}. " + (summary + " ") * 6 for n in range(2, min(pages, 5) + 1)]


def ensure_writing_catalog(app, users: dict, customers: dict) -> None:
    _ensure_works(app)
    db.session.flush()
    completed = _ensure_completed_orders(users, customers)
    _ensure_reviews(users, completed)
    _ensure_forum(users)
    db.session.flush()


def _ensure_works(app) -> None:
    from app.services import ready_works as catalog
    from app.services.attachments import upload_limits

    have = set(db.session.execute(select(ReadyWork.title)).scalars())
    limits = upload_limits(app.config)
    for title, subject, work_type, pages, price, summary in WORKS:
        if title in have:
            continue
        work = ReadyWork(title=title, subject=subject, work_type=work_type, pages=pages, price=Decimal(price),
                         currency="RUB", summary=summary, active=True,
                         preview_text="Contents: Introduction; Chapter 1 - the question and the sources; "
                                      "Chapter 2 - analysis; Chapter 3 - conclusions; Bibliography.")
        slug = "".join(ch if ch.isalnum() else "-" for ch in title.lower())[:50].strip("-")
        full = _pdf(title, _work_pages(title, summary, pages))
        catalog.store_work_file(work, stream=io.BytesIO(full), filename=f"{slug}.pdf",
                                content_type="application/pdf", **limits)
        preview = _pdf(title, [f"Preview - the first page only.\n\n{summary}\n\nThe full work has {pages} pages."])
        catalog.store_preview(work, stream=io.BytesIO(preview), filename=f"{slug}-preview.pdf",
                              content_type="application/pdf", **limits)
        catalog.check_work(work, app.config.get("CURRENCIES"))
        db.session.add(work)


# -- completed writing orders -------------------------------------------------------------

SATISFIABLE_GUARDS = {"attachment", "payment_paid", "actor_is_assignee"}


def _path(wf, start: str, target: str) -> list:
    """Shortest list of transitions from ``start`` to ``target`` whose guards demo data can meet."""
    queue, seen = deque([(start, [])]), {start}
    while queue:
        state, path = queue.popleft()
        if state == target:
            return path
        for t in wf.definition.transitions:
            if state not in t.sources or t.dest in seen:
                continue
            if any(g.kind not in SATISFIABLE_GUARDS for g in t.guards):
                continue
            seen.add(t.dest)
            queue.append((t.dest, path + [t]))
    return []


def _meet_guards(order: Order, transition) -> None:
    from app.services import payments
    from app.services.attachments import store_attachment, upload_limits
    from flask import current_app

    for guard in transition.guards:
        if guard.kind == "attachment":
            store_attachment(db.session, order=order, stream=io.BytesIO(b"Demo file for " + order.number.encode()),
                             filename=f"{guard.get('attachment_kind')}.txt", content_type="text/plain",
                             kind=guard.get("attachment_kind"), uploaded_by=order.assignee,
                             visible_to_customer=True, **upload_limits(current_app.config))
        elif guard.kind == "payment_paid" and not payments.is_paid(db.session, order, guard.get("purpose")):
            purpose = guard.get("purpose")
            payment = db.session.execute(select(Payment).where(
                Payment.order_id == order.id, Payment.purpose == purpose,
                Payment.status == "pending")).scalars().first()
            if payment is None:
                payment = payments.request_payment(db.session, order, purpose=purpose, remaining=True, notify=False)
            payments.mark_paid(db.session, payment, actor=None, method="cash", reference="demo")


def walk_to_state(order_id: int, target: str, *, max_steps: int = 40) -> Order:
    """Move an order to ``target`` through services.transitions.fire as System, meeting each
    guard as a person would (a file uploaded, a payment received). Works on whatever the
    published workflow says, so it follows edits of the workflow."""
    from app.services import transitions, workflows

    for _ in range(max_steps):
        order = db.session.get(Order, order_id)
        db.session.refresh(order)
        if order.state == target:
            return order
        path = _path(workflows.for_order(db.session, order), order.state, target)
        if not path:
            raise LookupError(f"no way from {order.state} to {target} in workflow {order.workflow_key}")
        step = path[0]
        with db.session.begin_nested():
            _meet_guards(order, step)
        db.session.refresh(order)
        if order.state != step.sources[0] and order.state not in step.sources:
            continue  # paying moved the order by itself
        with db.session.begin_nested():
            transitions.fire(db.session, order.id, step.trigger, actor=None, system=True, comment="Demo history")
    raise LookupError(f"order {order_id} did not reach {target} in {max_steps} steps")


def _ensure_completed_orders(users, customers) -> list[Order]:
    from app.services.orders import create_order

    service = db.session.execute(select(Service).where(Service.code == "PAPER")).scalar()
    customer = customers.get("customer")
    if service is None or customer is None:
        return []
    out = []
    topics = ("Treaties of the Crimean War", "Private property in civil law", "The rouble in the 1990s")
    subjects = ("law", "law", "economics")  # writers of these subjects: the demo's main authors
    for title, topic, subject in zip(COMPLETED_TITLES, topics, subjects):
        order = db.session.execute(select(Order).where(Order.title == title)).scalars().first()
        if order is None:
            order = create_order(db.session, service=service, customer=customer, actor=users.get("manager"),
                                 title=title, details={"subject": subject, "work_type": "essay", "topic": topic,
                                                       "pages": 10})
            db.session.flush()
            try:
                order = walk_to_state(order.id, "ready")
            except Exception as exc:  # noqa: BLE001 - a workflow being edited must not stop the demo
                import logging

                logging.getLogger(__name__).warning("demo order %s not completed: %s", title, exc)
                continue
        if order.state == "ready":
            out.append(order)
    return out


def _ensure_reviews(users, completed: list[Order]) -> None:
    from app.services import reviews

    customer_user = users.get("customer")
    texts = ["Clear structure, all the sources I asked for, delivered on time. Thank you!",
             "Good work, the manager kept me informed at every step."]
    for index, order in enumerate(completed):
        if order.assignee_id and not db.session.execute(
                select(AuthorReview.id).where(AuthorReview.order_id == order.id)).first():
            reviews.rate_author(db.session, customer_user, order.id, stars=5 - index % 2,
                                comment="Well written." if index == 0 else None)
        if index < len(texts) and not db.session.execute(
                select(CompanyReview.id).where(CompanyReview.order_id == order.id)).first():
            review = reviews.review_company(db.session, customer_user, stars=5 - index, text=texts[index],
                                            order_id=order.id)
            if index == 0:  # one shown publicly, one waiting for the manager's approval
                reviews.moderate(db.session, review, actor=users.get("manager"), approve=True)


def _ensure_forum(users) -> None:
    from app.services import forum

    if db.session.execute(select(ForumTopic.id).where(ForumTopic.title == TOPIC_TITLE)).first():
        return
    customer, manager = users.get("customer"), users.get("manager")
    topic = forum.start_topic(db.session, customer, title=TOPIC_TITLE,
                              body="I need an essay on economics quickly. Is a ready-made one a good start?")
    forum.reply(db.session, manager, topic, body="Look at the preview page of each work: it shows the contents. "
                                                  "If nothing fits, order a new work and an author writes it for you.")
    spam = forum.reply(db.session, customer, topic, body="Buy cheap followers at example.invalid!!!")
    forum.hide_post(db.session, manager, spam, reason="advertising")
    forum.set_topic_flags(db.session, manager, topic, pinned=True)
