"""Demo data of money and messages: worker shares, message templates, a writing order
waiting for its 50% deposit (pay it through the sandbox gateway as `customer`), some
earnings and a due payout for the accountant. Idempotent."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.models import LedgerEntry, Offer, Order, Payout, Service, User, WorkerShare

SHARES = {"PAPER": {"percent": Decimal("50")}, "REPAIR-PC": {"percent": Decimal("30")},
          "GMAIL-ACC": {"fixed": Decimal("1000")}}
DEPOSIT_ORDER_TITLE = "Essay on the history of Java trade (pay the deposit in the sandbox)"


def ensure_money_demo(users: dict, customers: dict) -> None:
    from app.services.ledger import run_payouts
    from app.services.notifications import seed_templates

    seed_templates(db.session)
    for code, share in SHARES.items():
        service = db.session.execute(select(Service).where(Service.code == code)).scalar()
        if service is not None and db.session.execute(
                select(WorkerShare.id).where(WorkerShare.service_id == service.id)).first() is None:
            db.session.add(WorkerShare(service_id=service.id, **share))
    _ensure_deposit_order(users, customers)
    author = db.session.execute(select(User).where(User.username == "author.ivanova")).scalar()
    if author is not None and db.session.execute(
            select(LedgerEntry.id).where(LedgerEntry.worker_id == author.id)).first() is None:
        for amount, note in ((Decimal("700"), "Essay WR-demo-1 (demo earning)"),
                             (Decimal("450"), "Essay WR-demo-2 (demo earning)")):
            db.session.add(LedgerEntry(worker_id=author.id, kind="earning", amount=amount, currency="RUB", note=note))
        db.session.flush()
        db.session.commit()
        if db.session.execute(select(Payout.id).where(Payout.worker_id == author.id)).first() is None:
            run_payouts(db.session)  # 1150 RUB >= 1000: a payout the accountant sees as due


def _ensure_deposit_order(users, customers) -> None:
    from app.services.orders import create_order

    if db.session.execute(select(Order.id).where(Order.title == DEPOSIT_ORDER_TITLE)).first():
        return
    service = db.session.execute(select(Service).where(Service.code == "PAPER")).scalar()
    customer = customers.get("customer")
    if service is None or customer is None:
        return
    order = create_order(db.session, service=service, customer=customer, actor=users.get("manager"),
                         title=DEPOSIT_ORDER_TITLE,
                         details={"subject": "history", "work_type": "essay", "topic": "Java trade in the 17th century",
                                  "pages": 10})
    # Walked like a person would: it went to the on-duty manager by itself, the manager offers
    # it, the chosen author takes it, the manager confirms it can be done and the workflow's
    # own effect requests the 50% deposit.
    from app.services import transitions

    manager = users.get("manager")
    transitions.fire(db.session, order.id, "offer", actor=manager, comment="Demo")
    offer = db.session.execute(select(Offer).where(Offer.order_id == order.id, Offer.status == "offered")).scalar()
    author = db.session.get(User, offer.user_id)
    transitions.fire(db.session, order.id, "take", actor=author, comment="Demo")
    transitions.fire(db.session, order.id, "confirm_feasible", actor=manager, comment="Demo")
