"""Benchmark: order list pages with 1M repair tickets on SQLite, ours against FAB's default.

``python bench/lists.py [--rows N] [--runs K]`` builds (once, cached under the temp dir by
schema hash; see bench/lists_data.py) a SQLite database with N tickets (default 1,000,000)
and their history, and a copy without the fast-list indexes. Each kind of page is then
requested through the real Flask app (test client, logged in as a manager, and as a
technician for row-level access) K times (default 5), after one warm-up:

- ours: the real /orderview/list/ and /api/v1/order/ (FastSQLAInterface, the indexes);
- default: FAB's untuned ModelView / ModelRestApi with a plain SQLAInterface (same columns,
  same row-level filter) on the copy without the indexes: an exact COUNT(*) per page and
  ``SELECT * ... ORDER BY ... OFFSET``.

It prints one line per kind of page, ``PAGE: ours N ms, default N ms`` (medians), and a last
line with the slowest of ours and how many pages were under 100 ms.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import prison  # noqa: E402

import lists_data  # noqa: E402

SORTS = ["number", "title", "state", "priority", "deadline", "price"]
STATE = "repairing"  # about 8% of the tickets


def default_classes():
    """FAB's untuned default: plain ModelView / ModelRestApi over a plain SQLAInterface."""
    from flask_appbuilder import ModelView
    from flask_appbuilder.api import ModelRestApi
    from flask_appbuilder.models.sqla.interface import SQLAInterface

    from app.api.orders import OrderApi
    from app.models import Order
    from app.permissions import API_METHOD_PERMISSIONS, VIEW_METHOD_PERMISSIONS
    from app.security_filters import row_level_filters
    from app.views.orders import OrderView

    class DefaultOrderView(ModelView):
        route_base = "/benchdefaultorders"
        datamodel = SQLAInterface(Order)
        class_permission_name = "Order"
        method_permission_name = VIEW_METHOD_PERMISSIONS
        list_columns = OrderView.list_columns
        order_columns = OrderView.order_columns
        # Without the drop-downs of every customer and user (ours searches those by text):
        # with them every default page costs seconds whatever the query (the last line).
        search_columns = [c for c in OrderView.search_columns if c not in ("customer", "assignee")]
        label_columns = OrderView.label_columns
        base_order = OrderView.base_order
        page_size = 25

        def __init__(self, *args, **kwargs):
            self.base_filters = row_level_filters()
            super().__init__(*args, **kwargs)

    class DefaultOrderViewWithDropdowns(DefaultOrderView):
        route_base = "/benchdefaultdropdowns"
        search_columns = OrderView.search_columns

    class DefaultOrderApi(ModelRestApi):
        resource_name = "benchdefaultorder"
        datamodel = SQLAInterface(Order)
        class_permission_name = "Order"
        method_permission_name = API_METHOD_PERMISSIONS
        include_route_methods = {"get_list"}
        allow_browser_login = True
        list_columns = OrderApi.list_columns
        order_columns = OrderApi.order_columns
        search_columns = OrderApi.search_columns
        base_order = OrderApi.base_order

        def __init__(self, *args, **kwargs):
            self.base_filters = row_level_filters()
            super().__init__(*args, **kwargs)

    return DefaultOrderView, DefaultOrderViewWithDropdowns, DefaultOrderApi


def make_apps(ours_db: Path, default_db: Path):
    ours = lists_data.make_app(f"sqlite:///{ours_db}")
    default = lists_data.make_app(f"sqlite:///{default_db}")
    view, dropdowns, api = default_classes()
    with default.app_context():
        default.appbuilder.add_view_no_menu(view)
        default.appbuilder.add_view_no_menu(dropdowns)
        default.appbuilder.add_api(api)
    return ours, default


def logged_in(app, username):
    client = app.test_client()
    response = client.post("/login/", data={"username": username, "password": "demo"})
    assert response.status_code == 302, f"login of {username} failed"
    return client


def q(**args) -> str:
    return "q=" + prison.dumps(args)


def timed(client, url, runs: int) -> float:
    response = client.get(url)  # warm-up; also checks the page answers
    assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True)[:300])
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, url
    return statistics.median(times)


def deep_cursor(app, order_column: str, direction: str, offset: int, state=None, username=None) -> str:
    """The cursor a client holds after paging to ``offset`` (the key of the row before it)."""
    from sqlalchemy import asc, desc, select

    from app.extensions import db
    from app.fast_lists import encode_cursor
    from app.models import Order, User
    from app.services import access

    column = getattr(Order, order_column)
    way = desc if direction == "desc" else asc
    query = select(column, Order.id)
    if state:
        query = query.where(Order.state == state)
    with app.app_context():
        if username is not None:
            user = db.session.execute(select(User).where(User.username == username)).scalar_one()
            query = query.where(access.order_clause(user))
        query = query.order_by(way(column), way(Order.id)).offset(offset - 1).limit(1)
        value, pk = db.session.execute(query).one()
        return encode_cursor(order_column, direction, value, pk)


def technician_rows(app) -> int:
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Order, User
    from app.services import access

    with app.app_context():
        user = db.session.execute(select(User).where(User.username == "technician")).scalar_one()
        return db.session.execute(select(func.count(Order.id)).where(access.order_clause(user))).scalar()


def pages(rows: int, tech_rows: int, cursors):
    """(name, ours url, default url, who) for each kind of page."""
    deep = max(1, min(5000, rows // 25 // 2))
    state_deep = max(1, min(1000, int(rows * 0.08) // 25 // 2))
    tech_deep = max(1, tech_rows // 25 // 2)
    kinds = [
        ("first page", "", "manager"),
        (f"deep page {deep}", f"page_{{v}}={deep}", "manager"),
    ]
    for column in SORTS:
        for direction in ("asc", "desc"):
            kinds.append((f"sorted by {column} {direction}", f"_oc_{{v}}={column}&_od_{{v}}={direction}", "manager"))
        kinds.append((f"sorted by {column} desc, deep page {deep}",
                      f"_oc_{{v}}={column}&_od_{{v}}=desc&page_{{v}}={deep}", "manager"))
    kinds += [
        (f"state={STATE}", f"_flt_3_state={STATE}", "manager"),
        (f"state={STATE}, deep page {state_deep}", f"_flt_3_state={STATE}&page_{{v}}={state_deep}", "manager"),
        (f"state={STATE}, sorted by deadline", f"_flt_3_state={STATE}&_oc_{{v}}=deadline&_od_{{v}}=asc", "manager"),
        (f"state={STATE}, sorted by title, deep page {state_deep}",
         f"_flt_3_state={STATE}&_oc_{{v}}=title&_od_{{v}}=asc&page_{{v}}={state_deep}", "manager"),
        ("technician (row level) first page", "", "technician"),
        (f"technician (row level) deep page {tech_deep}", f"page_{{v}}={tech_deep}", "technician"),
        ("technician (row level) sorted by deadline", "_oc_{v}=deadline&_od_{v}=asc", "technician"),
    ]
    out = []
    for name, args, who in kinds:
        ours = "/orderview/list/?" + args.format(v="OrderView")
        default = "/benchdefaultorders/list/?" + args.format(v="DefaultOrderView")
        out.append(("list " + name, ours, default, who))
    api = [
        ("first page", q(page_size=25), q(page_size=25), "manager"),
        (f"deep page {deep} (offset)", q(page=deep, page_size=25), q(page=deep, page_size=25), "manager"),
        (f"deep page {deep} by cursor", q(page_size=25, cursor=cursors["id"]),
         q(page=deep, page_size=25), "manager"),
        (f"sorted by deadline, deep page {deep} by cursor",
         q(page_size=25, order_column="deadline", order_direction="asc", cursor=cursors["deadline"]),
         q(page=deep, page_size=25, order_column="deadline", order_direction="asc"), "manager"),
        (f"state={STATE}", q(page_size=25, filters=[dict(col="state", opr="eq", value=STATE)]),
         q(page_size=25, filters=[dict(col="state", opr="eq", value=STATE)]), "manager"),
        (f"state={STATE}, deep page {state_deep} by cursor",
         q(page_size=25, filters=[dict(col="state", opr="eq", value=STATE)], cursor=cursors["state"]),
         q(page=state_deep, page_size=25, filters=[dict(col="state", opr="eq", value=STATE)]), "manager"),
        ("technician (row level) first page", q(page_size=25), q(page_size=25), "technician"),
        (f"technician (row level) deep page {tech_deep} by cursor", q(page_size=25, cursor=cursors["tech"]),
         q(page=tech_deep, page_size=25), "technician"),
    ]
    for name, ours_q, default_q, who in api:
        out.append(("API " + name, "/api/v1/order/?" + ours_q, "/api/v1/benchdefaultorder/?" + default_q, who))
    out.append(("list first page, default with FAB's search drop-downs of every customer and user",
                "/orderview/list/", "/benchdefaultdropdowns/list/", "manager"))
    return out, deep, state_deep, tech_deep


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default="", help="run the kinds of page whose name contains this")
    options = parser.parse_args(argv)

    ours_db, default_db = lists_data.databases(options.rows)
    ours, default = make_apps(ours_db, default_db)
    tech_rows = technician_rows(ours)
    deep = max(1, min(5000, options.rows // 25 // 2))
    state_deep = max(1, min(1000, int(options.rows * 0.08) // 25 // 2))
    cursors = {
        "id": deep_cursor(ours, "id", "desc", deep * 25),
        "deadline": deep_cursor(ours, "deadline", "asc", deep * 25),
        "state": deep_cursor(ours, "id", "desc", state_deep * 25, state=STATE),
    }
    cursors["tech"] = deep_cursor(ours, "id", "desc", max(1, tech_rows // 25 // 2) * 25, username="technician")
    kinds, *_ = pages(options.rows, tech_rows, cursors)
    clients = {
        (app_name, who): logged_in(app, who)
        for app_name, app in (("ours", ours), ("default", default)) for who in ("manager", "technician")
    }
    print(f"{options.rows:,} tickets, technician sees {tech_rows:,}; median of {options.runs} runs, SQLite "
          f"{__import__('sqlite3').sqlite_version}", flush=True)
    ours_times = []
    for name, ours_url, default_url, who in kinds:
        if options.only and options.only not in name:
            continue
        ours_ms = timed(clients["ours", who], ours_url, options.runs)
        default_ms = timed(clients["default", who], default_url, options.runs)
        ours_times.append(ours_ms)
        print(f"{name}: ours {ours_ms:.0f} ms, default {default_ms:.0f} ms", flush=True)
    under = sum(1 for t in ours_times if t < 100)
    print(f"slowest of ours: {max(ours_times):.0f} ms; {under} of {len(ours_times)} kinds of page under 100 ms")


if __name__ == "__main__":
    main()
