"""Row-level access: who sees which orders, files, events and customers, in views and API."""
import io

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Attachment, Customer, Division, Offer, Order, Service, User
from app.services.orders import create_order
from helpers import login


def _user(username):
    return db.session.execute(select(User).where(User.username == username)).scalar_one()


@pytest.fixture(scope="module")
def orders(app):
    """Four orders with distinct visibility, made for this module."""
    with app.app_context():
        gmail = db.session.execute(select(Service).where(Service.code == "GMAIL-ACC")).scalar_one()
        paper = db.session.execute(select(Service).where(Service.code == "PAPER")).scalar_one()
        own = db.session.execute(select(Customer).where(Customer.user_id == _user("customer").id)).scalar_one()
        other = Customer(name="Row level other customer", email="rl-other@example.com")
        db.session.add(other)
        db.session.flush()
        tech_division = db.session.execute(select(Division).where(Division.name == "Technical division")).scalar_one()
        details = {"subject": "history", "work_type": "essay", "topic": "Row level topic", "pages": 3}
        made = {
            "assigned_to_author": create_order(db.session, service=paper, customer=other, details=details,
                                               title="RL assigned", assignee_id=_user("author").id),
            "offered_to_author": create_order(db.session, service=paper, customer=other, details=details,
                                              title="RL offered"),
            "customers_own": create_order(db.session, service=gmail, customer=own, details={"quantity": 3},
                                          title="RL own"),
            "division_order": create_order(db.session, service=gmail, customer=other, details={"quantity": 4},
                                           title="RL division", division_id=tech_division.id),
            "nobodys": create_order(db.session, service=paper, customer=other, details=details, title="RL nobody"),
        }
        made["division_order"].division_id = tech_division.id
        made["nobodys"].division_id = None
        made["nobodys"].assignee_id = None
        db.session.add(Offer(order=made["offered_to_author"], user_id=_user("author").id))
        db.session.add_all([
            Attachment(order=made["customers_own"], kind="final_work", file="x/1.pdf", original_name="shared.pdf",
                       visible_to_customer=True),
            Attachment(order=made["customers_own"], kind="work_guide", file="x/2.pdf", original_name="internal.pdf",
                       visible_to_customer=False),
        ])
        db.session.commit()
        return {name: (o.id, o.number) for name, o in made.items()}


VISIBLE = {
    "author": {"assigned_to_author", "offered_to_author"},
    "technician": set(),
    "customer": {"customers_own"},
    "lead": {"division_order", "customers_own"},  # GMAIL-ACC belongs to the lead's division
    "manager": {"assigned_to_author", "offered_to_author", "customers_own", "division_order", "nobodys"},
    "accountant": {"assigned_to_author", "offered_to_author", "customers_own", "division_order", "nobodys"},
}


@pytest.mark.parametrize("username", list(VISIBLE))
def test_order_visibility_same_in_views_and_api(app, orders, username):
    client = login(app.test_client(), username)
    for name, (order_id, number) in orders.items():
        seen = name in VISIBLE[username]
        api = client.get(f"/api/v1/order/{order_id}")
        assert api.status_code == (200 if seen else 404), (username, name)
        view = client.get(f"/orderview/show/{order_id}")
        assert view.status_code == (200 if seen else 404), (username, name)
        listing = client.get(f"/api/v1/order/?q=(filters:!((col:number,opr:eq,value:'{number}')))").get_json()
        assert listing["count"] == (1 if seen else 0), (username, name)


def test_author_list_page_shows_only_their_orders(app, orders):
    html = login(app.test_client(), "author").get("/orderview/list/?psize_OrderView=100").get_data(as_text=True)
    assert orders["assigned_to_author"][1] in html
    assert orders["nobodys"][1] not in html


def test_customer_sees_only_visible_attachments_of_own_orders(app, orders):
    client = login(app.test_client(), "customer")
    names = {row["original_name"] for row in client.get("/api/v1/attachment/?q=(page_size:100)").get_json()["result"]}
    assert "shared.pdf" in names and "internal.pdf" not in names
    staff = login(app.test_client(), "manager")
    staff_names = {r["original_name"] for r in staff.get("/api/v1/attachment/?q=(page_size:100)").get_json()["result"]}
    assert {"shared.pdf", "internal.pdf"} <= staff_names


def test_customer_sees_only_own_customer_record(app, orders):
    client = login(app.test_client(), "customer")
    result = client.get("/api/v1/customer/").get_json()["result"]
    assert [row["name"] for row in result] == ["Citra Customer"]


def test_customer_events_hidden_but_staff_history_filtered(app, orders):
    author = login(app.test_client(), "author")
    events = author.get("/api/v1/order_event/?q=(page_size:100)").get_json()["result"]
    order_ids = {e["order"]["id"] for e in events}
    assert order_ids <= {orders["assigned_to_author"][0], orders["offered_to_author"][0]} | order_ids_of_author(app)


def order_ids_of_author(app):
    with app.app_context():
        author = _user("author")
        assigned = set(db.session.execute(select(Order.id).where(Order.assignee_id == author.id)).scalars())
        # orders other tests offered to the author (workflow offers) are visible too
        offered = set(db.session.execute(select(Offer.order_id).where(
            Offer.user_id == author.id, Offer.status.in_(("offered", "accepted")))).scalars())
        return assigned | offered


def test_customer_cannot_order_for_someone_else_via_api(app, orders):
    client = login(app.test_client(), "customer")
    with app.app_context():
        gmail = db.session.execute(select(Service).where(Service.code == "GMAIL-ACC")).scalar_one()
        other = db.session.execute(select(Customer).where(Customer.name == "PT Maju Jaya")).scalar_one()
        gmail_id, other_id = gmail.id, other.id
    response = client.post("/api/v1/order/", json={
        "service": gmail_id, "customer": other_id, "title": "Sneaky", "details": {"quantity": 2}, "price": "1"})
    assert response.status_code == 201
    created = client.get(f"/api/v1/order/{response.get_json()['id']}").get_json()["result"]
    assert created["customer"]["name"] == "Citra Customer"
    assert created["price"] == 10000.0 or str(created["price"]) in ("10000.00", "10000")


def test_customer_upload_to_other_order_is_404(app, orders):
    client = login(app.test_client(), "customer")
    response = client.post(
        f"/api/v1/attachment/upload/{orders['nobodys'][0]}",
        data={"file": (io.BytesIO(b"hello"), "a.txt"), "kind": "other"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 404
