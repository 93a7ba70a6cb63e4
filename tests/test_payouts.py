"""Earnings ledger and payouts: earnings once per completed and paid order, the
payout.threshold rule set (changed at runtime), concurrent jobs, the accountant's page."""
from __future__ import annotations

import copy
import csv
import io
import threading
from decimal import Decimal

from sqlalchemy import func, select

from app.extensions import db
from app.models import LedgerEntry, Order, Payout, User
from app.services import ledger, payments
from helpers import login
from money_helpers import new_order


def _user_id(app, username):
    with app.app_context():
        return db.session.execute(select(User.id).where(User.username == username)).scalar_one()


def _adjust(app, username, amount, currency="RUB"):
    accountant = login(app.test_client(), "accountant")
    response = accountant.post("/api/v1/ledger_entry/", json={
        "worker": _user_id(app, username), "amount": str(amount), "currency": currency, "note": "test earning"})
    assert response.status_code == 201, response.get_json()


def _payouts(app, username):
    with app.app_context():
        return db.session.execute(select(Payout).where(Payout.worker_id == _user_id(app, username))
                                  .order_by(Payout.id)).scalars().all()


def test_earning_once_when_order_completed_and_fully_paid(app):
    worker_id = _user_id(app, "tech.budi")
    done = new_order(app, price="20000", state="delivered", assignee_id=worker_id)
    open_order = new_order(app, price="20000", state="submitted", assignee_id=worker_id)
    accountant = login(app.test_client(), "accountant")
    for order_id in (done, open_order):
        with app.app_context():
            pid = payments.request_payment(db.session, db.session.get(Order, order_id), purpose="full", remaining=True).id
            db.session.commit()
        assert accountant.post(f"/api/v1/payment/{pid}/mark_paid").status_code == 200
    with app.app_context():
        entries = db.session.execute(select(LedgerEntry).where(LedgerEntry.order_id.in_((done, open_order)))).scalars().all()
        assert [(e.order_id, e.kind, e.amount, e.currency) for e in entries] == [(done, "earning", Decimal("1000.00"), "IDR")]
        assert ledger.record_earnings(db.session, db.session.get(Order, done)) is None  # idempotent
        ledger.sweep_earnings(db.session)
        assert db.session.execute(select(func.count(LedgerEntry.id)).where(LedgerEntry.order_id == done)).scalar() == 1


def test_adjustment_needs_a_note_and_a_non_zero_amount(app):
    accountant = login(app.test_client(), "accountant")
    response = accountant.post("/api/v1/ledger_entry/", json={
        "worker": _user_id(app, "tech.budi"), "amount": "0", "currency": "RUB", "note": ""})
    assert response.status_code == 422 and set(response.get_json()["message"]) >= {"amount", "note"}
    assert login(app.test_client(), "author").post("/api/v1/ledger_entry/", json={}).status_code == 403


def _threshold_rules(app, value):
    from app.engine.rules.files import load_rule_set

    rules = copy.deepcopy(load_rule_set("payout.threshold").rules)
    for rule in rules:
        for cond in rule["conditions"]["all"]:
            if cond["name"] == "unpaid_balance":
                cond["value"] = value
    return rules


def _publish_threshold(app, value):
    from app.services import rulesets

    with app.app_context():
        version = rulesets.save_draft(db.session, "payout.threshold", _threshold_rules(app, value), note=f"threshold {value}")
        rulesets.publish(db.session, version)
        db.session.commit()
        return version.number


def test_payout_threshold_and_the_rule_changed_at_runtime(app):
    _adjust(app, "author.kuznetsov", "600")
    accountant = login(app.test_client(), "accountant")
    assert accountant.post("/api/v1/payout/run").status_code == 200
    assert _payouts(app, "author.kuznetsov") == []  # 600 < 1000: held
    number = _publish_threshold(app, 500)
    try:
        created = accountant.post("/api/v1/payout/run").get_json()["created"]
        mine = [c for c in created if c["worker_id"] == _user_id(app, "author.kuznetsov")]
        assert [(c["amount"], c["currency"]) for c in mine] == [("600.00", "RUB")]
        [payout] = _payouts(app, "author.kuznetsov")
        assert payout.decision["version"] == number and payout.decision["actions"][0]["name"] == "create_payout"
        assert payout.decision["values"]["unpaid_balance"] == "600.00"
    finally:
        _publish_threshold(app, 1000)
    _adjust(app, "author.kuznetsov", "100")
    accountant.post("/api/v1/payout/run")
    assert len(_payouts(app, "author.kuznetsov")) == 1  # back at 1000: 100 waits


def test_concurrent_payout_jobs_never_pay_the_same_earnings_twice(app):
    _adjust(app, "author.smirnov", "700")
    _adjust(app, "author.smirnov", "800")
    barrier, errors = threading.Barrier(3), []

    def job():
        with app.app_context():
            barrier.wait()
            try:
                ledger.run_payouts(db.session)
            except Exception as exc:  # a loser may hit a lock; it must not pay twice
                errors.append(repr(exc))
                db.session.rollback()

    threads = [threading.Thread(target=job) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    payouts = _payouts(app, "author.smirnov")
    assert [p.amount for p in payouts] == [Decimal("1500.00")], errors
    with app.app_context():
        covered = db.session.execute(select(LedgerEntry.payout_id).where(
            LedgerEntry.worker_id == _user_id(app, "author.smirnov"), LedgerEntry.kind == "adjustment")).scalars().all()
        assert set(covered) == {payouts[0].id}


def test_accountant_pays_a_batch_in_the_browser_csv_and_worker_balance(app):
    _adjust(app, "prog.sari", "2000")
    accountant = login(app.test_client(), "accountant")
    accountant.post("/api/v1/payout/run")
    [payout] = [p for p in _payouts(app, "prog.sari") if p.status == "due"]
    page = accountant.get("/payoutview/due").get_data(as_text=True)
    assert "prog.sari" in page and 'id="export-csv"' in page
    rows = list(csv.DictReader(io.StringIO(accountant.get("/payoutview/export.csv").get_data(as_text=True))))
    assert {"worker": "prog.sari", "amount": "2000.00", "currency": "RUB", "status": "due"}.items() <= \
        next(r for r in rows if r["id"] == str(payout.id)).items()
    html = accountant.post("/payoutview/pay", data={"payout": [str(payout.id)], "reference": "",
                                                    "paid_at": "2026-11-20"}, follow_redirects=True).get_data(as_text=True)
    assert "reference: is required" in html
    accountant.post("/payoutview/pay", data={"payout": [str(payout.id)], "reference": "BCA-7781", "paid_at": "2026-11-20"})
    [paid] = [p for p in _payouts(app, "prog.sari") if p.id == payout.id]
    assert (paid.status, paid.reference, paid.paid_at.date().isoformat()) == ("paid", "BCA-7781", "2026-11-20")
    again = accountant.post("/api/v1/payout/mark_paid", json={"ids": [payout.id], "reference": "x"})
    assert again.status_code == 422
    worker = login(app.test_client(), "prog.sari")
    balance = worker.get("/api/v1/ledger_entry/balance").get_json()
    assert balance["balances"]["RUB"] == {"balance": "0.00", "unpaid": "0.00"}
    mine = worker.get("/ledgerentryview/mine").get_data(as_text=True)
    assert "BCA-7781" in mine and ("2,000.00" in mine or "2000.00" in mine)
    listing = worker.get("/api/v1/ledger_entry/").get_json()["result"]
    assert listing and {r["worker"]["username"] for r in listing} == {"prog.sari"}
    assert worker.post("/api/v1/payout/mark_paid", json={"ids": [payout.id], "reference": "x"}).status_code == 403


def test_payouts_cli(app):
    _adjust(app, "tech.budi", "1200")
    result = app.test_cli_runner().invoke(args=["payouts", "run"])
    assert result.exit_code == 0 and "payout(s) created" in result.output
    assert any(p.amount == Decimal("1200.00") and p.currency == "RUB" for p in _payouts(app, "tech.budi"))
