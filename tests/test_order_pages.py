"""Staff order pages: the generated add form, validation messages, the customer's history."""
from sqlalchemy import select

from app.extensions import db
from app.models import Customer, Order, Service
from helpers import login


def _ids(app):
    with app.app_context():
        service = db.session.execute(select(Service).where(Service.code == "GMAIL-ACC")).scalar_one()
        customer = db.session.execute(select(Customer).where(Customer.name == "PT Maju Jaya")).scalar_one()
        return service.id, customer.id


def test_manager_adds_order_in_browser_form(app):
    service_id, customer_id = _ids(app)
    client = login(app.test_client(), "manager")
    client.post("/orderview/add", data={
        "service": service_id, "customer": customer_id, "title": "Page-made order",
        "details": '{"quantity": 7}', "quantity": "1", "price": "0", "currency": "IDR"})
    with app.app_context():
        order = db.session.execute(select(Order).where(Order.title == "Page-made order")).scalar_one()
        assert order.number.startswith("ST-") and order.quantity == 7
        assert str(order.price) == "35000.00" and order.state == "submitted"
        assert [e.trigger for e in order.events] == ["create"]


def test_bad_details_in_browser_form_name_the_field_and_create_nothing(app):
    service_id, customer_id = _ids(app)
    client = login(app.test_client(), "manager")
    html = client.post("/orderview/add", follow_redirects=True, data={
        "service": service_id, "customer": customer_id, "title": "Page-made bad order",
        "details": '{"quantity": 0, "colour": "red"}', "quantity": "1", "price": "0",
        "currency": "IDR"}).get_data(as_text=True)
    assert "details.quantity: must be at least 1" in html
    assert "details.colour: is not a field of this service" in html
    with app.app_context():
        assert db.session.execute(select(Order).where(Order.title == "Page-made bad order")).first() is None


def test_malformed_json_details_are_refused_with_position(app):
    service_id, customer_id = _ids(app)
    client = login(app.test_client(), "manager")
    html = client.post("/orderview/add", data={
        "service": service_id, "customer": customer_id, "title": "Broken JSON",
        "details": '{"quantity": 7', "quantity": "1", "price": "0", "currency": "IDR"}).get_data(as_text=True)
    assert "Not valid JSON (line 1" in html


def test_customer_page_shows_order_history(app):
    _service_id, customer_id = _ids(app)
    client = login(app.test_client(), "manager")
    html = client.get(f"/customerview/show/{customer_id}").get_data(as_text=True)
    with app.app_context():
        newest = db.session.execute(
            select(Order.number).where(Order.customer_id == customer_id).order_by(Order.id.desc()).limit(5)
        ).scalars().all()
        stranger = db.session.execute(select(Order.number).where(Order.customer_id != customer_id)).scalars().first()
    assert newest and all(number in html for number in newest)
    assert stranger not in html


def test_order_page_shows_history_and_upload_form(app):
    client = login(app.test_client(), "manager")
    with app.app_context():
        order = db.session.execute(select(Order).order_by(Order.id)).scalars().first()
        order_id, number = order.id, order.number
    html = client.get(f"/orderview/show/{order_id}").get_data(as_text=True)
    assert number in html and "create" in html and 'name="file"' in html


def test_service_with_invalid_form_schema_is_refused(app):
    client = login(app.test_client(), "owner")
    response = client.post("/api/v1/service/", json={
        "code": "BAD-SCHEMA", "name": "Bad", "kind": "store_order", "base_price": 1,
        "currency": "IDR", "default_deadline_days": 1,
        "form_schema": [{"name": "x", "type": "colour"}]})
    assert response.status_code == 422
    assert "form_schema" in response.get_json()["message"]


def test_service_kind_must_be_a_known_workflow(app):
    client = login(app.test_client(), "owner")
    response = client.post("/api/v1/service/", json={
        "code": "BAD-KIND", "name": "Bad kind", "kind": "stationery", "base_price": 1,
        "currency": "IDR", "default_deadline_days": 1, "form_schema": []})
    assert response.status_code == 422
    assert "writing" in str(response.get_json()["message"]["kind"])
