"""Benchmark: bulk intake of BENCH_TICKETS (default 100000) repair tickets.

Ours: ``services.repair.bulk.import_rows`` as the API, the page and the CLI run it: every row
validated (device, terms, the service's form schema, the published intake.validation rules
through the compiled evaluator), a block of numbers reserved per chunk, every table written
with Core executemany, the batch's progress committed with each chunk of 1000.

Floor: a bare SQLAlchemy Core ``insert()`` executemany of exactly the rows ours wrote (read
back from the database, not timed: orders, their create events, repair records, labour lines,
intake decisions), chunk by chunk right after ours commits each chunk, committed like ours,
into the same database in the same run. The floor gives the orders their ids itself (max(id)
+ 1 …, safe only with no other writer) so it needs neither RETURNING nor a lookup to link the
child rows; ours must stay safe with other writers, so it finds its new ids by their reserved
numbers.

SQLite in a temporary folder by default (BENCH_TMP picks the folder); PostgreSQL when
TEST_DATABASE_URL is set (tables are created there if missing). Prints tickets per second for
both and, as its last line, ``ratio: X`` (ours / floor; aim: at least 0.5).
"""
from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from sqlalchemy import func, insert, select, text  # noqa: E402

N = int(os.environ.get("BENCH_TICKETS", "100000"))
CHUNK = 1000
BRANDS = ["Lenovo", "HP", "Dell", "Asus", "Acer", "Apple", "MSI"]
FAULTS = ["Does not boot", "Screen flickers", "Keyboard dead", "Overheats and shuts down", "No sound",
          "Battery drains fast", "Blue screen on start"]


def make_app(url: str):
    from app import create_app
    from config import TestConfig

    return create_app(TestConfig, DATABASE_URL=url, UPLOAD_FOLDER=tempfile.mkdtemp(prefix="bench-up-"))


def setup(app):
    """Tables, shipped workflows and rule sets, the repair service and the company."""
    import uuid

    from flask_appbuilder import Model

    from app.extensions import db
    from app.models import Customer, Service
    from app.services import rulesets, workflows
    from seed.demo import SERVICES

    Model.metadata.create_all(db.engine)
    s = db.session
    if db.engine.dialect.name == "postgresql":  # a run stopped half-way leaves the floor's explicit ids
        s.execute(text("SELECT setval(pg_get_serial_sequence('\"order\"', 'id'), "
                       "COALESCE((SELECT max(id) FROM \"order\"), 0) + 1, false)"))
    workflows.load_shipped(s)
    rulesets.load_defaults(s)
    spec = next(dict(x) for x in SERVICES if x["code"] == "REPAIR-PC")
    spec.pop("division", None)
    service = s.execute(select(Service).where(Service.code == "REPAIR-PC")).scalar()
    if service is None:
        service = Service(**spec)
        s.add(service)
    company = Customer(name="PT Bench Devices", email=f"bench-{uuid.uuid4().hex[:8]}@bench.local", company="PT Bench")
    s.add(company)
    s.commit()
    workflows.invalidate()
    return service.id, company.id


def rows(n: int) -> list[dict]:
    pickup = (dt.datetime.now() + dt.timedelta(days=5)).strftime("%Y-%m-%d %H:%M")
    return [{"device_type": "laptop" if i % 4 else "desktop", "brand": BRANDS[i % len(BRANDS)],
             "model": f"Model {i % 97}", "serial_number": f"BENCH-{i:07d}", "accessories": "charger" if i % 3 else "",
             "condition": "used, scratches", "faults": FAULTS[i % len(FAULTS)],
             "pickup_at": pickup if i % 5 else "", "customer_waits": "" if i % 5 else "yes"} for i in range(n)]


class Floor:
    """After each chunk ours commits, reads back exactly the rows ours wrote for it (not timed)
    and inserts the same rows with bare Core executemany (timed). Interleaving the two chunk by
    chunk keeps a machine whose load drifts from favouring either side."""

    CHILDREN = ("order_event", "repair_ticket", "repair_labour_line", "rule_decision")

    def __init__(self, app):
        from app.models import Order

        self.app, self.orders = app, Order.__table__
        self.seen_number = None
        self.seconds = 0.0  # the floor's inserts
        self.overhead = 0.0  # everything this callback did, taken out of ours' time
        self.tickets, self.rows = 0, 0

    def __call__(self, batch) -> None:
        from flask_appbuilder import Model

        from app.extensions import db

        started = time.perf_counter()
        if batch.last_number and batch.last_number != self.seen_number:
            o, conn = self.orders, db.session.connection()
            low = self.seen_number
            query = select(o).where(o.c.number <= batch.last_number, o.c.number >= batch.first_number,
                                    o.c.workflow_key == "repair_ticket")
            if low:
                query = query.where(o.c.number > low)
            orders = conn.execute(query.order_by(o.c.id)).all()
            self.seen_number = batch.last_number
            ids = [r.id for r in orders]
            children = {}
            for name in self.CHILDREN:
                table = Model.metadata.tables[name]
                by_order = {}
                for row in conn.execute(select(table).where(table.c.order_id.between(ids[0], ids[-1]))).all():
                    by_order.setdefault(row.order_id, []).append(
                        {c.key: getattr(row, c.key) for c in table.columns if c.key != "id"})
                children[table] = by_order
            next_id = (conn.execute(select(func.max(o.c.id))).scalar() or 0) + 1
            new_ids = list(range(next_id, next_id + len(orders)))
            order_rows = [{**{c.key: getattr(r, c.key) for c in o.columns}, "id": new_id, "number": "BF-" + r.number}
                          for r, new_id in zip(orders, new_ids)]
            child_rows = {table: [{**child, "order_id": new_id} for old, new_id in zip(ids, new_ids)
                                  for child in by_order.get(old, [])] for table, by_order in children.items()}
            self.tickets += len(order_rows)
            self.rows += len(order_rows) + sum(len(v) for v in child_rows.values())
            # The fastest bare way: ids given explicitly (safe only with no other writer), no RETURNING.
            t0 = time.perf_counter()
            conn.execute(insert(o), order_rows)
            for table, rows_ in child_rows.items():
                if rows_:
                    conn.execute(insert(table), rows_)
            db.session.commit()
            self.seconds += time.perf_counter() - t0
            if db.engine.dialect.name == "postgresql":  # ours goes on with the sequence
                db.session.execute(text("SELECT setval(pg_get_serial_sequence('\"order\"', 'id'), "
                                        "(SELECT max(id) FROM \"order\"))"))
                db.session.commit()
        self.overhead += time.perf_counter() - started


def run(url: str, label: str) -> float:
    from app.extensions import db
    from app.services.repair import bulk

    app = make_app(url)
    with app.app_context():
        service_id, company_id = setup(app)
    data = rows(N)
    floor = Floor(app)
    with app.app_context():
        started = time.perf_counter()
        batch = bulk.import_rows(db.session, data, service=service_id, customer_id=company_id, chunk=CHUNK,
                                 progress=floor)
        ours_s = time.perf_counter() - started - floor.overhead
        assert batch.created_count == N, (batch.created_count, batch.errors[:3])
    assert floor.tickets == N
    ratio = (N / ours_s) / (N / floor.seconds)
    print(f"{label}: {N} tickets in one import, {floor.rows / N:.1f} rows each "
          f"(order, event, repair record, labour line, intake decision)")
    print(f"  ours  (validate + rules + numbers + executemany): {N / ours_s:10.0f} tickets/s ({ours_s:.1f} s)")
    print(f"  floor (bare Core insert() executemany, same rows): {N / floor.seconds:10.0f} tickets/s "
          f"({floor.seconds:.1f} s)")
    print(f"  ratio {label}: {ratio:.2f}")
    return ratio


def main() -> None:
    folder = tempfile.mkdtemp(prefix="bench-intake-", dir=os.environ.get("BENCH_TMP") or None)
    ratios = [run(f"sqlite:///{folder}/intake.sqlite3", "SQLite")]
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        ratios.append(run(url, "PostgreSQL"))
    print(f"ratio: {min(ratios):.2f}")


if __name__ == "__main__":
    main()
