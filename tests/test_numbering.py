"""Human order numbers: per kind, the workflow's prefix and six digits, stable, unique,
also when many orders are created at the same time."""
from __future__ import annotations

import re
import threading
import time
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.models import Customer, Order, Service
from app.services.errors import ValidationFailed
from app.services.numbering import current_value, format_number, next_number
from app.services.orders import create_order
from helpers import login

PREFIXES = {"PAPER": "WR", "REPAIR-PC": "RP", "GMAIL-ACC": "ST", "WEB-PROJECT": "WP"}
DETAILS = {
    "PAPER": {"subject": "law", "work_type": "essay", "topic": "Numbering of orders", "pages": 3},
    "REPAIR-PC": {"device_type": "laptop", "brand": "Acer", "fault": "Cracked screen"},
    "GMAIL-ACC": {"quantity": 2},
    "WEB-PROJECT": {"brief": "A one page site for a cafe", "budget": "1000000"},
}
NUMBER = re.compile(r"^(?P<prefix>[A-Z]{2})-(?P<value>\d{6})$")


def tag() -> str:
    return uuid.uuid4().hex[:10]


def service(session, code) -> Service:
    return session.execute(select(Service).where(Service.code == code)).scalar_one()


def customer(session, name="PT Maju Jaya") -> Customer:
    return session.execute(select(Customer).where(Customer.name == name)).scalar_one()


def new_order(session, code: str, title: str) -> Order:
    return create_order(
        session,
        service=service(session, code),
        customer=customer(session),
        details=dict(DETAILS[code]),
        title=title,
    )


def value_of(number: str) -> int:
    match = NUMBER.match(number)
    assert match, number
    return int(match["value"])


def test_format_number_uses_the_workflow_prefix_and_six_digits():
    assert format_number("writing", 1) == "WR-000001"
    assert format_number("repair_ticket", 42) == "RP-000042"
    assert format_number("store_order", 123) == "ST-000123"
    assert format_number("web_project", 999999) == "WP-999999"


@pytest.mark.parametrize("code", sorted(PREFIXES))
def test_new_order_gets_its_kinds_prefix(app, db_session, code):
    order = new_order(db_session, code, f"prefix {tag()}")
    db_session.commit()
    match = NUMBER.match(order.number)
    assert match, order.number
    assert match["prefix"] == PREFIXES[code]


def test_numbers_count_per_kind(app, db_session):
    first_st = new_order(db_session, "GMAIL-ACC", f"per kind a {tag()}")
    db_session.commit()
    # Orders of other kinds in between do not use up store-order numbers.
    new_order(db_session, "PAPER", f"per kind b {tag()}")
    new_order(db_session, "REPAIR-PC", f"per kind c {tag()}")
    db_session.commit()
    second_st = new_order(db_session, "GMAIL-ACC", f"per kind d {tag()}")
    db_session.commit()
    assert value_of(second_st.number) == value_of(first_st.number) + 1


def test_numbers_are_unique_across_all_orders(app, db_session):
    for code in PREFIXES:
        new_order(db_session, code, f"unique {tag()}")
    db_session.commit()
    numbers = db_session.execute(select(Order.number)).scalars().all()
    assert len(numbers) == len(set(numbers))
    assert all(NUMBER.match(n) for n in numbers)


def test_number_is_not_changed_by_editing_the_order(app, client):
    login(client, "manager")
    with app.app_context():
        ids = {
            "service": service(db.session, "GMAIL-ACC").id,
            "customer": customer(db.session).id,
        }
    created = client.post(
        "/api/v1/order/", json={**ids, "title": f"stable {tag()}", "details": {"quantity": 2}}
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    pk = created.get_json()["id"]
    before = client.get(f"/api/v1/order/{pk}").get_json()["result"]["number"]

    edited = client.put(
        f"/api/v1/order/{pk}",
        json={"title": f"stable renamed {tag()}", "details": {"quantity": 7}, "quantity": 7},
    )
    assert edited.status_code == 200, edited.get_data(as_text=True)
    after = client.get(f"/api/v1/order/{pk}").get_json()["result"]
    assert after["number"] == before
    assert after["quantity"] == 7

    # The number itself cannot be written through the API.
    forged = client.put(f"/api/v1/order/{pk}", json={"number": "ST-999999"})
    assert forged.status_code == 422
    assert "number" in forged.get_json()["message"]
    assert client.get(f"/api/v1/order/{pk}").get_json()["result"]["number"] == before


def test_number_sent_on_create_is_refused(app, client):
    login(client, "manager")
    with app.app_context():
        ids = {
            "service": service(db.session, "GMAIL-ACC").id,
            "customer": customer(db.session).id,
        }
    title = f"forged {tag()}"
    response = client.post(
        "/api/v1/order/",
        json={**ids, "title": title, "details": {"quantity": 1}, "number": "ST-000001"},
    )
    assert response.status_code == 422
    assert "number" in response.get_json()["message"]
    with app.app_context():
        assert db.session.execute(select(Order.id).where(Order.title == title)).first() is None


def test_rolled_back_creation_does_not_break_later_numbering(app, db_session):
    kept = new_order(db_session, "PAPER", f"before rollback {tag()}")
    db_session.commit()

    abandoned = new_order(db_session, "PAPER", f"abandoned {tag()}")
    abandoned_number = abandoned.number
    db_session.rollback()
    assert (
        db_session.execute(select(Order.id).where(Order.number == abandoned_number)).first() is None
    )

    later = new_order(db_session, "PAPER", f"after rollback {tag()}")
    db_session.commit()
    assert value_of(later.number) > value_of(kept.number)
    assert (
        db_session.execute(select(func.count(Order.id)).where(Order.number == later.number)).scalar()
        == 1
    )


def test_invalid_order_uses_no_number(app, db_session):
    before = current_value(db_session, "store_order")
    with pytest.raises(ValidationFailed) as info:
        create_order(
            db_session,
            service=service(db_session, "GMAIL-ACC"),
            customer=customer(db_session),
            details={},
            title=f"invalid {tag()}",
        )
    assert "details.quantity" in info.value.errors
    db_session.rollback()
    assert current_value(db_session, "store_order") == before
    good = new_order(db_session, "GMAIL-ACC", f"valid after invalid {tag()}")
    db_session.commit()
    assert value_of(good.number) == before + 1


def test_first_order_of_a_kind_starts_its_counter(app, db_session):
    kind = f"zq{tag()}"  # a kind without a workflow file: prefix falls back to "ZQ"
    svc = Service(code=f"ZQ-{tag()}", name=f"Numbering probe {kind}", kind=kind, form_schema=[],
                  base_price=0, currency="IDR", active=True)
    db_session.add(svc)
    db_session.flush()
    assert next_number(db_session, kind) == "ZQ-000001"
    assert next_number(db_session, kind) == "ZQ-000002"
    db_session.rollback()


# --------------------------------------------------------------------------- concurrency

THREADS = 8
PER_THREAD = 5


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "database is locked" in text or "deadlock" in text or "could not serialize" in text


def _create_with_retry(app, service_id, customer_id, title, attempts=50):
    """One order in its own transaction; SQLite may answer 'database is locked' while another
    thread holds the write lock, so the whole transaction is retried."""
    for attempt in range(attempts):
        try:
            order = create_order(
                db.session,
                service=db.session.get(Service, service_id),
                customer=db.session.get(Customer, customer_id),
                details={"quantity": 1},
                title=title,
            )
            number = order.number
            db.session.commit()
            return number
        except OperationalError as exc:
            db.session.rollback()
            if not _is_lock_error(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


def test_concurrent_creation_gives_distinct_numbers(app):
    with app.app_context():
        service_id = service(db.session, "GMAIL-ACC").id
        customer_id = customer(db.session).id
    run = tag()
    barrier = threading.Barrier(THREADS)
    numbers: list[str] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def worker(index: int):
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                for i in range(PER_THREAD):
                    number = _create_with_retry(
                        app, service_id, customer_id, f"concurrent {run} {index}-{i}"
                    )
                    with lock:
                        numbers.append(number)
                db.session.remove()
        except BaseException as exc:  # reported below, with the thread's own traceback
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a creator thread hung"
    assert not failures, failures

    assert len(numbers) == THREADS * PER_THREAD
    assert len(set(numbers)) == THREADS * PER_THREAD
    assert all(n.startswith("ST-") and NUMBER.match(n) for n in numbers)

    with app.app_context():
        stored = db.session.execute(
            select(Order.number).where(Order.title.like(f"concurrent {run} %"))
        ).scalars().all()
        assert sorted(stored) == sorted(numbers)
        # The counter moved past every number handed out.
        assert current_value(db.session, "store_order") >= max(value_of(n) for n in numbers)
        db.session.remove()


def test_fallback_prefix_never_reuses_another_kinds_numbers(app, db_session):
    kind = f"st{tag()}"
    svc = Service(code=f"ST-PROBE-{tag()}", name=f"Prefix probe {kind}", kind=kind,
                  form_schema=[], base_price=0, currency="IDR", active=True)
    db_session.add(svc)
    db_session.flush()
    with pytest.raises(ValidationFailed) as refused:
        create_order(db_session, service=svc, customer=customer(db_session), details={},
                     title=f"prefix probe {tag()}")
    assert "unknown workflow" in refused.value.errors["service"][0]
