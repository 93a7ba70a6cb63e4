"""Fast order lists: right rows in the right order for every sort, cursor pages equal offset
pages, bounded counts, state filters, row-level access with the new paging, text search on
relations, and SQLite query plans that read an index for every sortable column."""
import datetime as dt
import re
from decimal import Decimal

import prison
import pytest
from sqlalchemy import event, select

from app.api.orders import OrderApi
from app.extensions import db
from app.models import Customer, Offer, Order, Service, User
from app.views.orders import OrderView
from helpers import login

PREFIX = "FLT "
N = 37
STATES = ["received", "diagnosing", "repairing", "ready", "picked_up"]
TITLE_FILTER = [{"col": "title", "opr": "sw", "value": PREFIX}]


def _user(name):
    return db.session.execute(select(User).where(User.username == name)).scalar_one()


@pytest.fixture(scope="module")
def tickets(app):
    """N repair tickets with spread (and tied, and missing) sort values, made for this module."""
    with app.app_context():
        service = db.session.execute(select(Service).where(Service.code == "REPAIR-PC")).scalar_one()
        customers = [Customer(name=f"Fastlist Buyer {k}", email=f"fl{k}@example.com") for k in range(3)]
        db.session.add_all(customers)
        db.session.flush()
        technician, author = _user("technician"), _user("author")
        made = []
        for k in range(N):
            order = Order(
                number=f"RP-{990000 + (k * 7) % N:06d}", service_id=service.id, customer_id=customers[k % 3].id,
                workflow_key="repair_ticket", workflow_version=1, state=STATES[k % len(STATES)],
                title=f"{PREFIX}{'abcde'[k % 5]} ticket", details={}, quantity=1,
                price=Decimal(1000 * (k % 6)), currency="IDR", priority=["normal", "high", "urgent"][k % 3],
                deadline=None if k % 4 == 0 else dt.datetime(2025, 1, 1) + dt.timedelta(days=k % 9),
                assignee_id=technician.id if k % 5 == 1 else None,
            )
            made.append(order)
        db.session.add_all(made)
        db.session.flush()
        for order in made[::6]:
            db.session.add(Offer(order_id=order.id, user_id=technician.id, status="offered"))
        db.session.add(Offer(order_id=made[2].id, user_id=author.id, status="declined"))
        db.session.commit()
        return {
            "ids": [o.id for o in made],
            "technician": sorted({o.id for o in made if o.assignee_id == technician.id}
                                 | {o.id for o in made[::6]}),
            "customer_ids": [c.id for c in customers],
        }


@pytest.fixture(scope="module")
def manager(app):
    return login(app.test_client(), "manager")


def _expected(column, direction, where=()):
    way = (lambda c: c.desc()) if direction == "desc" else (lambda c: c.asc())
    query = select(Order.id).where(Order.title.like(PREFIX + "%"), *where)
    return [i for (i,) in db.session.execute(query.order_by(way(getattr(Order, column)), way(Order.id)))]


def _api(client, **args):
    response = client.get("/api/v1/order/?q=" + prison.dumps(args))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def _offset_pages(client, column, direction, size=8, filters=TITLE_FILTER):
    ids, page = [], 0
    while True:
        body = _api(client, filters=filters, order_column=column, order_direction=direction,
                    page=page, page_size=size, columns=["id"])
        ids += body["ids"]
        if len(body["ids"]) < size:
            return ids, body
        page += 1


def _cursor_pages(client, column, direction, size=8, filters=TITLE_FILTER):
    body = _api(client, filters=filters, order_column=column, order_direction=direction, page_size=size)
    ids = list(body["ids"])
    while body["next"]:
        body = _api(client, filters=filters, order_column=column, order_direction=direction,
                    page_size=size, cursor=body["next"])
        ids += body["ids"]
    return ids


@pytest.mark.parametrize("direction", ["asc", "desc"])
@pytest.mark.parametrize("column", OrderApi.order_columns)
def test_api_pages_by_offset_and_by_cursor_give_the_database_order(app, tickets, manager, column, direction):
    client = manager
    with app.app_context():
        expected = _expected(column, direction)
    by_offset, last = _offset_pages(client, column, direction)
    assert by_offset == expected
    assert last["count"] == N and last["count_exact"] is True
    assert _cursor_pages(client, column, direction) == expected


def _numbers(html):
    return re.findall(r"<td>(RP-99\d{4})</td>", html)


@pytest.mark.parametrize("direction", ["asc", "desc"])
@pytest.mark.parametrize("column", OrderView.order_columns)
def test_list_page_shows_rows_in_sort_order_with_exact_count(app, tickets, manager, column, direction):
    client = manager
    with app.app_context():
        expected = [db.session.get(Order, i).number for i in _expected(column, direction)]
    shown = []
    for page in range(2):
        html = client.get(f"/orderview/list/?_flt_0_title={PREFIX.strip()}&_oc_OrderView={column}"
                          f"&_od_OrderView={direction}&page_OrderView={page}").get_data(as_text=True)
        shown += _numbers(html)
        assert f'<span class="record-count">{N}</span>' in html
    assert shown == expected


def test_big_result_says_more_than_and_keeps_next_link(app, tickets, manager):
    client = manager
    saved = app.config.get("LIST_COUNT_LIMIT")
    app.config["LIST_COUNT_LIMIT"] = 10
    try:
        html = client.get(f"/orderview/list/?_flt_0_title={PREFIX.strip()}&psize_OrderView=5").get_data(as_text=True)
        body = _api(client, filters=TITLE_FILTER, page_size=5)
    finally:
        app.config["LIST_COUNT_LIMIT"] = saved
    # the count stops at the limit or four pages ahead, whichever is further: "more than 20",
    # with a next link and no last-page link
    assert re.search(r'class="record-count">more than 20<', html)
    assert 'rel="next"' in html and "Last page" not in html
    assert len(_numbers(html)) == 5
    assert body["count_exact"] is False and body["count"] == 20 and body["next"]


def test_last_page_of_small_list_has_no_next(app, tickets, manager):
    client = manager
    html = client.get(f"/orderview/list/?_flt_0_title={PREFIX.strip()}&page_OrderView=1").get_data(as_text=True)
    assert len(_numbers(html)) == N - 25 and 'rel="next"' not in html and 'rel="prev"' in html


def test_state_filter_in_the_list_and_the_api(app, tickets, manager):
    client = manager
    with app.app_context():
        expected = _expected("deadline", "asc", [Order.state == "repairing"])
        numbers = [db.session.get(Order, i).number for i in expected]
    html = client.get(f"/orderview/list/?_flt_0_title={PREFIX.strip()}&_flt_3_state=repairing"
                      "&_oc_OrderView=deadline&_od_OrderView=asc").get_data(as_text=True)
    assert _numbers(html) == numbers and f'class="record-count">{len(numbers)}<' in html
    filters = TITLE_FILTER + [{"col": "state", "opr": "eq", "value": "repairing"}]
    assert _cursor_pages(client, "deadline", "asc", size=2, filters=filters) == expected


def test_row_level_access_holds_through_offset_and_cursor_pages(app, tickets):
    technician = login(app.test_client(), "technician")
    expected = sorted(tickets["technician"], reverse=True)
    assert _cursor_pages(technician, "id", "desc", size=3) == expected
    assert _offset_pages(technician, "id", "desc", size=3)[0] == expected
    html = technician.get(f"/orderview/list/?_flt_0_title={PREFIX.strip()}").get_data(as_text=True)
    assert f'class="record-count">{len(expected)}<' in html
    # a cursor made from someone else's order shows nothing the technician may not see
    hidden = max(set(tickets["ids"]) - set(expected))
    from app.fast_lists import encode_cursor

    ids = _api(technician, filters=TITLE_FILTER, page_size=50, cursor=encode_cursor("id", "desc", hidden + 1, hidden + 1))["ids"]
    assert set(ids) <= set(expected)
    customer = login(app.test_client(), "customer")
    assert _api(customer, filters=TITLE_FILTER, page_size=50)["ids"] == []


def test_relation_search_takes_a_name_or_an_id(app, tickets, manager):
    client = manager
    first = tickets["customer_ids"][0]
    with app.app_context():
        expected = _expected("id", "desc", [Order.customer_id == first])
    html = client.get("/orderview/list/?_flt_0_customer=Fastlist Buyer 0").get_data(as_text=True)
    by_name = _numbers(html)
    html_id = client.get(f"/orderview/list/?_flt_0_customer={first}").get_data(as_text=True)
    assert by_name == _numbers(html_id) and len(by_name) == len(expected) > 0
    # the search form is a text box, not a drop-down of every customer
    assert "Fastlist Buyer 2</option>" not in html
    api = _api(client, filters=[{"col": "customer", "opr": "rel_o_m", "value": "fastlist buyer 0"}], page_size=50)
    assert api["ids"] == expected


def test_unindexed_sort_and_bad_cursor_are_refused_clearly(app, tickets, manager):
    client = manager
    # a hand-made URL sorting by an unindexed column gets the default order, not a slow sort
    html = client.get(f"/orderview/list/?_flt_0_title={PREFIX.strip()}&_oc_OrderView=description").get_data(as_text=True)
    with app.app_context():
        assert _numbers(html) == [db.session.get(Order, i).number for i in _expected("id", "desc")][:25]
    response = client.get("/api/v1/order/?q=" + prison.dumps({"order_column": "description"}))
    assert response.status_code == 400 and "description" in response.json["message"]
    response = client.get("/api/v1/order/?q=" + prison.dumps({"cursor": "not-a-cursor"}))
    assert response.status_code == 400 and "cursor" in response.json["message"]
    body = _api(client, filters=TITLE_FILTER, order_column="price", order_direction="asc", page_size=5)
    response = client.get("/api/v1/order/?q=" + prison.dumps(
        {"order_column": "title", "order_direction": "asc", "cursor": body["next"]}))
    assert response.status_code == 400 and "another sort order" in str(response.json["message"])
    response = client.get("/api/v1/order/?q=" + prison.dumps({"page": 2, "cursor": body["next"]}))
    assert response.status_code == 400


def _page_queries(app, client, url):
    """The SQL statements that read a page's keys (``SELECT "order".id ... ORDER BY``)."""
    seen = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, parameters, context, executemany):
        flat = " ".join(statement.split())
        if flat.startswith('SELECT "order".id AS order_id FROM "order"') and "ORDER BY" in flat:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert seen, f"no key query for {url}"
    return engine, seen


def _plans(engine, queries):
    with engine.connect() as conn:
        return [" | ".join(row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params))
                for sql, params in queries]


@pytest.mark.parametrize("state", [None, "repairing"])
@pytest.mark.parametrize("column", sorted(set(OrderView.order_columns) | set(OrderApi.order_columns)))
def test_every_sortable_column_is_read_through_an_index(app, tickets, manager, column, state):
    """SQLite plans of the real list queries: no table scan, no sort of the whole table."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL plans by statistics")
    client = manager
    filters = [{"col": "state", "opr": "eq", "value": state}] if state else []
    for direction in ("asc", "desc"):
        urls = [f"/api/v1/order/?q=" + prison.dumps({"order_column": column, "order_direction": direction,
                                                     "page": 1, "page_size": 3, "filters": filters})]
        if column in OrderView.order_columns:
            urls.append(f"/orderview/list/?_oc_OrderView={column}&_od_OrderView={direction}&page_OrderView=1"
                        + (f"&_flt_3_state={state}" if state else ""))
        first = _api(client, order_column=column, order_direction=direction, page_size=3, filters=filters)
        urls.append("/api/v1/order/?q=" + prison.dumps({"order_column": column, "order_direction": direction,
                                                       "page_size": 3, "filters": filters,
                                                       "cursor": first["next"]}))
        for url in urls:
            engine, queries = _page_queries(app, client, url)
            for plan in _plans(engine, queries):
                assert "USE TEMP B-TREE" not in plan, (url, plan)
                # a bare "SCAN order" walks the whole table; only in id (rowid) order is that
                # the index order itself, read up to the page and stopped
                assert not re.search(r"SCAN order($| \|)", plan) or column == "id", (url, plan)


def test_staff_sort_customers_by_name_and_payments_by_time(app, manager):
    from app.models import Customer

    html = manager.get("/customerview/list/?_oc_CustomerView=name&_od_CustomerView=asc").get_data(as_text=True)
    with app.app_context():
        names = [n for (n,) in db.session.query(Customer.name).order_by(Customer.name, Customer.id).limit(5)]
    positions = [html.index(f"<td>{name}</td>") for name in names if f"<td>{name}</td>" in html]
    assert len(positions) == len(names) and positions == sorted(positions)
    assert "_oc_PaymentView=created" in manager.get("/paymentview/list/").get_data(as_text=True)
