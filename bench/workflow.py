"""Benchmark: triggers per second through services.transitions.fire (row lock, version
counter, role/state check on the shared compiled machine, OrderEvent written) against the
floor of a bare ``UPDATE order`` + ``INSERT order_event`` per trigger, each committed.

Run with ``python bench/workflow.py`` (SQLite in a temporary folder; also PostgreSQL when
TEST_DATABASE_URL is set: the bench creates its tables there if missing and adds its own rows).
Then it loads BENCH_BULK (default 100000) orders in mixed states and fires one trigger on each,
printing peak memory (the process's max RSS per 10% of the orders, then tracemalloc over 2,000 more):
nothing may grow per order. The last line is ``ratio: X`` (ours / floor on SQLite; higher is better).
"""
from __future__ import annotations

import gc
import os
import resource
import sys
import tempfile
import time
import tracemalloc

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from sqlalchemy import insert, select, text, update  # noqa: E402

N_SPEED = int(os.environ.get("BENCH_TRIGGERS", "2000"))
N_BULK = int(os.environ.get("BENCH_BULK", "100000"))
BATCH = 1000

BENCH_YAML = """
key: bench_toggle
label: Benchmark toggle
number_prefix: BT
states:
  - {name: open, label: Open, initial: true}
  - {name: held, label: Held}
  - {name: closed, label: Closed, final: true}
transitions:
  - {trigger: toggle, from: open, to: held, label: Hold, roles: [Manager]}
  - {trigger: toggle, from: held, to: open, label: Release, roles: [Manager]}
  - {trigger: close, from: [open, held], to: closed, label: Close, roles: [Manager]}
"""


def make_app(url: str):
    from app import create_app
    from config import TestConfig

    upload = tempfile.mkdtemp(prefix="bench-up-")
    return create_app(TestConfig, DATABASE_URL=url, UPLOAD_FOLDER=upload)


def setup(app):
    """Tables, the bench workflow published as a DB version, one service and customer."""
    from flask_appbuilder import Model

    from app.extensions import db
    from app.models import Customer, Service, WorkflowRecord, WorkflowVersion
    from app.models.types import utcnow
    from app.services import workflows

    Model.metadata.create_all(db.engine)
    s = db.session
    record = s.execute(select(WorkflowRecord).where(WorkflowRecord.key == "bench_toggle")).scalar()
    if record is None:
        record = WorkflowRecord(key="bench_toggle", label="Benchmark toggle")
        record.versions.append(WorkflowVersion(number=1, yaml_text=BENCH_YAML, status="published",
                                               published_at=utcnow()))
        s.add(record)
    service = s.execute(select(Service).where(Service.code == "BENCH")).scalar()
    if service is None:
        service = Service(code="BENCH", name="Bench", kind="bench_toggle", currency="IDR", base_price=0)
        s.add(service)
    customer = s.execute(select(Customer).where(Customer.email == "bench@bench.local")).scalar()
    if customer is None:
        customer = Customer(name="Bench", email="bench@bench.local")
        s.add(customer)
    s.commit()
    workflows.invalidate()
    return service.id, customer.id


def load_orders(app, service_id, customer_id, n, tag, mixed=False) -> list[int]:
    from app.extensions import db
    from app.models import Order
    from app.models.types import utcnow

    now = utcnow()
    ids = []
    for start in range(0, n, 5000):
        rows = [dict(number=f"B{tag}{i:07d}"[:20], service_id=service_id, customer_id=customer_id,
                     workflow_key="bench_toggle", workflow_version=1,
                     state=("held" if mixed and i % 2 else "open"), title="bench", details={}, quantity=1,
                     price=0, currency="IDR", created=now, updated=now, version=1)
                for i in range(start, min(n, start + 5000))]
        db.session.execute(insert(Order), rows)
        db.session.commit()
    ids = list(db.session.execute(select(Order.id).where(Order.number.like(f"B{tag}%")).order_by(Order.id)).scalars())
    return ids


def manager(app):
    from app.extensions import db
    from app.models import Role, User

    role = db.session.execute(select(Role).where(Role.name == "Manager")).scalar()
    if role is None:
        role = Role(name="Manager")
        db.session.add(role)
    user = db.session.execute(select(User).where(User.username == "bench-manager")).scalar()
    if user is None:
        user = User(username="bench-manager", first_name="Bench", last_name="Manager", email="bm@bench.local",
                    active=True, password="x", roles=[role])
        db.session.add(user)
    db.session.commit()
    return user


def ours(app, ids, actor) -> float:
    from app.extensions import db
    from app.services import transitions

    start = time.perf_counter()
    for oid in ids:
        transitions.fire(db.session, oid, "toggle", actor=actor, system=False)
        db.session.commit()
    return len(ids) / (time.perf_counter() - start)


def floor(app, ids, actor_id) -> float:
    from app.extensions import db
    from app.models import Order, OrderEvent
    from app.models.types import utcnow

    s = db.session
    start = time.perf_counter()
    for oid in ids:
        version = s.execute(select(Order.version).where(Order.id == oid)).scalar_one()
        s.execute(update(Order).where(Order.id == oid, Order.version == version)
                  .values(state="held", version=version + 1, updated=utcnow()))
        s.execute(insert(OrderEvent).values(order_id=oid, from_state="open", to_state="held", trigger="toggle",
                                            actor_id=actor_id, at=utcnow()))
        s.commit()
    return len(ids) / (time.perf_counter() - start)


def speed(url: str, label: str) -> float:
    app = make_app(url)
    with app.app_context():
        service_id, customer_id = setup(app)
        actor = manager(app)
        tag = f"{int(time.time()) % 100000:05d}"
        ids_ours = load_orders(app, service_id, customer_id, N_SPEED, tag + "a")
        ids_floor = load_orders(app, service_id, customer_id, N_SPEED, tag + "f")
        ours(app, ids_ours[:50], actor)  # warm-up: machine compiled once, caches filled
        ours_rate = ours(app, ids_ours[50:], actor)
        floor_rate = floor(app, ids_floor[50:], actor.id)
    ratio = ours_rate / floor_rate
    print(f"{label}: ours {ours_rate:,.0f} triggers/s (fire + event log), floor {floor_rate:,.0f} "
          f"UPDATE+INSERT/s, ratio {ratio:.2f}")
    return ratio


def bulk(url: str) -> None:
    from app.extensions import db
    from app.services import transitions

    app = make_app(url)
    with app.app_context():
        service_id, customer_id = setup(app)
        actor = manager(app)
        t0 = time.perf_counter()
        ids = load_orders(app, service_id, customer_id, N_BULK, "M", mixed=True)
        print(f"bulk: loaded {len(ids):,} orders in mixed states in {time.perf_counter() - t0:.1f}s")
        gc.collect()
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  before firing: max RSS {rss0:,.0f} MB")
        start = time.perf_counter()
        step = max(1, len(ids) // 10)
        for i, oid in enumerate(ids, 1):
            transitions.fire(db.session, oid, "toggle", actor=actor)
            if i % BATCH == 0:
                db.session.commit()
            if i % step == 0:
                rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                print(f"  {i:>7,} fired: max RSS {rss:,.0f} MB, objects in session {len(db.session.identity_map)}")
        db.session.commit()
        elapsed = time.perf_counter() - start
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"bulk: {len(ids):,} triggers in {elapsed:.1f}s ({len(ids) / elapsed:,.0f}/s, one commit per "
              f"{BATCH}); peak memory (max RSS) {rss:,.0f} MB, +{rss - rss0:,.0f} MB while firing; "
              f"machines built: {transitions.workflows.MACHINES.builds}")
        # tracemalloc over a further 2,000 triggers: what Python allocates per trigger stays flat
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        for i, oid in enumerate(ids[:2000], 1):
            transitions.fire(db.session, oid, "toggle", actor=actor)
            if i % BATCH == 0:
                db.session.commit()
        db.session.commit()
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"bulk: tracemalloc over 2,000 more triggers: retained {(current - base) / 1e6:.2f} MB, "
              f"peak {(peak - base) / 1e6:.2f} MB")


def main() -> int:
    # BENCH_TMP=/dev/shm measures CPU cost only (no fsync on commit); default: the system temp disk
    tmp = tempfile.mkdtemp(prefix="bench-wf-", dir=os.environ.get("BENCH_TMP") or None)
    ratio = speed(f"sqlite:///{tmp}/speed.sqlite3", "SQLite")
    pg = os.environ.get("TEST_DATABASE_URL")
    if pg:
        speed(pg, "PostgreSQL")
    if N_BULK:
        bulk(f"sqlite:///{tmp}/bulk.sqlite3")
    print(f"ratio: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
