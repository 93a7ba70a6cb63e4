"""The data behind bench/lists.py: a SQLite database with N repair tickets and their history.

Built once through the real migrations and demo seed (logins, roles, services), then filled
with Core executemany in batches; the file is cached under the temp dir keyed by a hash of
the schema (migrations and models) and the row count, so reruns start at once. A second
copy without the fast-list indexes is FAB's untuned default on the same data.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DATA_VERSION = "3"  # bump when the generated data changes
BATCH = 20_000
N_TECHS = 40
N_CUSTOMERS = 50_000

REPAIR_STATES = [  # (state, share): most tickets are long done, a working set is open
    ("received", 5), ("diagnosing", 5), ("warranty_check", 2), ("repairing", 8),
    ("ready", 5), ("paid", 3), ("picked_up", 65), ("cancelled", 7),
]
WALK = ["received", "diagnosing", "repairing", "ready", "paid", "picked_up"]
PRIORITIES = [("normal", 80), ("high", 15), ("urgent", 5)]
DEVICES = ["laptop", "desktop", "all-in-one"]
BRANDS = ["Lenovo", "Asus", "Acer", "HP", "Dell", "Apple", "MSI", "Toshiba", "Samsung", "Axioo"]
FAULTS = ["does not boot", "screen flickers", "keyboard dead", "overheats", "no wifi",
          "battery drains", "blue screen", "fan noise", "broken hinge", "slow disk",
          "water damage", "no sound", "usb port loose", "charger not detected"]
REPAIR_SERVICES = [("REPAIR-LAPTOP", "Laptop repair"), ("REPAIR-DESKTOP", "Desktop repair"),
                   ("REPAIR-SCREEN", "Screen replacement"), ("REPAIR-DATA", "Data recovery"),
                   ("REPAIR-CLEAN", "Cleaning and thermal paste"), ("REPAIR-BULK", "Company bulk intake")]

# The indexes of the fast-lists migration: dropped in the default copy.
FAST_LIST_INDEXES_MODULE = "d7b1c0de0008_bulk_intake_and_fast_lists"


def cache_dir() -> Path:
    base = Path(os.environ.get("BENCH_TMP") or tempfile.gettempdir()) / "orderflow-bench-lists"
    base.mkdir(parents=True, exist_ok=True)
    return base


def schema_hash(rows: int) -> str:
    digest = hashlib.sha256(f"{DATA_VERSION}:{rows}".encode())
    for folder in (ROOT / "migrations" / "versions", ROOT / "app" / "models"):
        for path in sorted(folder.glob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:16]


def weighted(rng: random.Random, pairs):
    names = [p[0] for p in pairs]
    weights = [p[1] for p in pairs]
    return lambda: rng.choices(names, weights)[0]


def make_app(url: str):
    from app import create_app
    from config import TestConfig

    return create_app(TestConfig, DATABASE_URL=url, UPLOAD_FOLDER=tempfile.mkdtemp(prefix="bench-up-"))


def build(path: Path, rows: int, log=print) -> None:
    from flask_migrate import upgrade

    from seed.demo import load_demo

    started = time.perf_counter()
    app = make_app(f"sqlite:///{path}")
    with app.app_context():
        upgrade()
    load_demo(app)
    with app.app_context():
        _fill(app, rows, log)
    log(f"built {rows:,} tickets in {time.perf_counter() - started:.0f} s: {path}")


def _fill(app, rows: int, log) -> None:
    from sqlalchemy import func, insert, select, update

    from app.extensions import db
    from app.models import (Customer, Division, NumberSequence, Offer, Order, OrderEvent,
                            Service, User)

    rng = random.Random(7)
    engine = db.engine
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA synchronous=OFF")
        demo = {u: i for u, i in conn.execute(select(User.username, User.id))}
        now = dt.datetime(2025, 1, 1)
        conn.execute(insert(User.__table__), [
            {"first_name": f"Tech{n:02d}", "last_name": "Bench", "username": f"bench.tech{n:02d}",
             "password": "!", "active": True, "email": f"bench.tech{n:02d}@bench.local",
             "created_on": now, "changed_on": now} for n in range(N_TECHS)])
        techs = [i for (i,) in conn.execute(select(User.id).where(User.username.like("bench.tech%")))]
        techs += [demo["technician"], demo["tech.budi"]]
        conn.execute(insert(Customer.__table__), [
            {"name": f"Customer {n:05d}", "email": f"c{n:05d}@bench.local", "created": now}
            for n in range(N_CUSTOMERS)])
        customers = [i for (i,) in conn.execute(select(Customer.id).where(Customer.email.like("%@bench.local")))]
        own_customer = conn.execute(select(Customer.id).where(Customer.user_id == demo["customer"])).scalar()
        repair_bench = conn.execute(select(Division.id).where(Division.name == "Repair bench")).scalar()
        technical = conn.execute(select(Division.id).where(Division.name == "Technical division")).scalar()
        conn.execute(insert(Service.__table__), [
            {"code": code, "name": name, "kind": "repair_ticket", "base_price": Decimal("150000"),
             "currency": "IDR", "default_deadline_days": 5, "division_id": repair_bench,
             "form_schema": [], "active": True} for code, name in REPAIR_SERVICES])
        services = [i for (i,) in conn.execute(select(Service.id).where(Service.kind == "repair_ticket"))]
        sequence = conn.execute(select(NumberSequence.last_value).where(NumberSequence.kind == "repair_ticket")).scalar() or 0

    state_of = weighted(rng, REPAIR_STATES)
    priority_of = weighted(rng, PRIORITIES)
    start = dt.datetime(2022, 1, 1)
    span = (dt.datetime(2025, 6, 1) - start).total_seconds()
    first_id = None
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA synchronous=OFF")
        first_id = (conn.execute(select(func.max(Order.id))).scalar() or 0) + 1
    done = 0
    while done < rows:
        n = min(BATCH, rows - done)
        orders, events, offers = [], [], []
        for k in range(n):
            index = done + k
            oid = first_id + index
            created = start + dt.timedelta(seconds=span * index / rows + rng.random())
            state = state_of()
            device, brand, fault = rng.choice(DEVICES), rng.choice(BRANDS), rng.choice(FAULTS)
            assignee = rng.choice(techs) if state not in ("received",) and rng.random() < 0.9 else None
            customer = own_customer if rng.random() < 0.0002 else rng.choice(customers)
            orders.append({
                "id": oid, "number": f"RP-{sequence + index + 1:07d}", "service_id": rng.choice(services),
                "customer_id": customer, "workflow_key": "repair_ticket", "workflow_version": 1,
                "state": state, "manager_id": demo["manager"], "assignee_id": assignee,
                "division_id": repair_bench if rng.random() < 0.9 else technical,
                "title": f"{brand} {device}: {fault}", "description": None,
                "details": {"device_type": device, "brand": brand, "fault": fault},
                "quantity": 1, "price": Decimal(rng.randrange(50, 5000) * 1000), "currency": "IDR",
                "deadline": None if rng.random() < 0.03 else created + dt.timedelta(days=rng.randint(1, 10)),
                "priority": priority_of(), "created": created, "updated": created, "version": 1,
            })
            path = WALK[:WALK.index(state) + 1] if state in WALK else ["received", "diagnosing", state]
            previous = None
            for step, to_state in enumerate(path[:3] if len(path) <= 3 else [path[0], path[-2], path[-1]]):
                events.append({"order_id": oid, "from_state": previous, "to_state": to_state,
                               "trigger": "create" if previous is None else f"to_{to_state}",
                               "actor_id": assignee or demo["manager"],
                               "at": created + dt.timedelta(hours=step * 5), "comment": None,
                               "decision": None})
                previous = to_state
            if rng.random() < 0.02:
                offers.append({"order_id": oid, "user_id": rng.choice(techs),
                               "status": rng.choice(["offered", "declined", "accepted"]),
                               "created": created})
        with engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA synchronous=OFF")
            conn.execute(insert(Order.__table__), orders)
            conn.execute(insert(OrderEvent.__table__), events)
            if offers:
                conn.execute(insert(Offer.__table__), offers)
        done += n
        if done % (BATCH * 10) == 0 or done == rows:
            log(f"  {done:,} tickets")
    with engine.begin() as conn:
        conn.execute(update(NumberSequence).where(NumberSequence.kind == "repair_ticket")
                     .values(last_value=sequence + rows))
        conn.exec_driver_sql("ANALYZE")
    db.engine.dispose()


def fast_list_index_names() -> list[str]:
    """The index names the fast-lists migration creates (read from its ``FAST_LIST_INDEXES``)."""
    import importlib.util

    module_path = ROOT / "migrations" / "versions" / f"{FAST_LIST_INDEXES_MODULE}.py"
    spec = importlib.util.spec_from_file_location("fast_lists_migration", module_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [name for name, _table, _cols in module.FAST_LIST_INDEXES]


def default_copy(ours: Path, target: Path) -> None:
    """The same data without the fast-list indexes: FAB's untuned default."""
    shutil.copyfile(ours, target)
    with sqlite3.connect(target) as conn:
        for name in fast_list_index_names():
            conn.execute(f'DROP INDEX IF EXISTS "{name}"')
        conn.execute("ANALYZE")


def databases(rows: int, log=print) -> tuple[Path, Path]:
    """(ours, default) SQLite files with ``rows`` tickets, built once and cached."""
    key = schema_hash(rows)
    ours = cache_dir() / f"lists-{rows}-{key}.sqlite3"
    default = cache_dir() / f"lists-{rows}-{key}-default.sqlite3"
    if not ours.exists():
        partial = ours.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        build(partial, rows, log)
        partial.rename(ours)
    if not default.exists():
        partial = default.with_suffix(".partial")
        default_copy(ours, partial)
        partial.rename(default)
    return ours, default
