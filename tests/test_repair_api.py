"""The repair shop through the REST API and the pages: counter intake (found or created
customer, every field's message), lines and stock, row-level access, receipt PDF, online
tracking, counter sales, parts catalog, roles."""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select

from app.extensions import db
from app.models import Customer, Order, Part, RepairTicket
from helpers import login
from repair_helpers import new_part, new_ticket


def _client(app, username):
    return login(app.test_client(), username)


def _intake_body(**extra):
    email = f"walkin-{uuid.uuid4().hex[:8]}@example.com"
    body = {"customer": {"name": "Walk In", "email": email, "phone": "+62 812 1"}, "device_type": "laptop",
            "brand": "Acer", "model": "Swift 3", "serial_number": f"SN-{uuid.uuid4().hex[:6]}",
            "accessories": "charger", "condition": "dent on the corner", "faults": "No picture on screen",
            "pickup_at": (dt.datetime.now() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"), "estimate": "350000"}
    body.update(extra)
    return body


def test_intake_api_creates_ticket_customer_and_receipt(app):
    manager = _client(app, "manager")
    body = _intake_body()
    response = manager.post("/api/v1/repair/intake", json=body)
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["number"].startswith("RP-") and data["state"] == "received"
    assert data["device"]["serial_number"] == body["serial_number"] and data["estimate"] == "350000.00"
    assert data["totals"]["total"] == "150000.00"  # the check-and-diagnosis line
    assert data["tracking_code"] and f"code={data['tracking_code']}" in data["tracking_url"]
    pdf = manager.get(data["receipt_url"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    # the same customer (by e-mail) is found, not created twice
    again = manager.post("/api/v1/repair/intake", json=_intake_body(customer={"name": "Walk In",
                                                                             "email": body["customer"]["email"]}))
    assert again.status_code == 201 and again.get_json()["customer"]["id"] == data["customer"]["id"]
    with app.app_context():
        assert db.session.execute(select(func.count(Customer.id)).where(
            Customer.email == body["customer"]["email"])).scalar() == 1


def test_intake_api_names_every_bad_field_and_stores_nothing(app):
    manager = _client(app, "manager")
    with app.app_context():
        before = db.session.execute(select(func.count(Order.id))).scalar()
    response = manager.post("/api/v1/repair/intake", json={
        "customer": {"name": "", "email": "not-an-address"}, "device_type": "toaster", "brand": "",
        "faults": "x", "pickup_at": "tomorrow", "estimate": "-3"})
    assert response.status_code == 422
    errors = response.get_json()["message"]
    assert set(errors) >= {"customer.name", "customer.email", "device_type", "brand", "faults", "pickup_at",
                           "estimate"}
    assert "must be one of laptop, desktop, all-in-one" in errors["device_type"][0]
    no_terms = manager.post("/api/v1/repair/intake", json=_intake_body(pickup_at=None))
    assert no_terms.get_json()["message"] == {"pickup_at": ["give the agreed pick-up time, or say the customer waits"]}
    with app.app_context():
        assert db.session.execute(select(func.count(Order.id))).scalar() == before


def test_lines_through_the_api_move_stock_and_totals(app):
    manager = _client(app, "technician")
    with app.app_context():
        part = new_part(price_new="400000", stock_new=3)
        order_id, part_id = new_ticket().id, part.id
    added = manager.post(f"/api/v1/repair/ticket/{order_id}/part_lines",
                         json={"part_id": part_id, "condition": "new", "quantity": 2})
    assert added.status_code == 201, added.get_json()
    data = added.get_json()
    assert data["totals"]["parts"] == "800000.00" and data["totals"]["total"] == "950000.00"
    too_many = manager.post(f"/api/v1/repair/ticket/{order_id}/part_lines",
                            json={"part_id": part_id, "condition": "new", "quantity": 2})
    assert too_many.status_code == 422 and too_many.get_json()["message"] == {"quantity": ["only 1 new in stock"]}
    labour = manager.post(f"/api/v1/repair/ticket/{order_id}/labour_lines",
                          json={"description": "Solder the jack", "hours": "0.5", "rate": "200000"})
    assert labour.get_json()["totals"]["labour"] == "250000.00"
    removed = manager.delete(f"/api/v1/repair/ticket/{order_id}/part_lines/{data['line_id']}")
    assert removed.status_code == 200 and removed.get_json()["part_lines"] == []
    with app.app_context():
        assert db.session.get(Part, part_id).stock_new == 3
        assert str(db.session.get(Order, order_id).price) == "250000.00"
    diagnosis = manager.post(f"/api/v1/repair/ticket/{order_id}/diagnosis", json={"diagnosis": "Loose DC jack"})
    assert diagnosis.get_json()["diagnosis"] == "Loose DC jack"


def test_row_level_access_on_tickets(app):
    with app.app_context():
        mine = new_ticket(assignee="tech.budi").id
        with_customer = db.session.execute(select(Customer).where(Customer.user.has(username="customer"))).scalar_one()
        customers_own = new_ticket(customer_id=with_customer.id).id
    technician = _client(app, "technician")
    assert technician.get(f"/api/v1/repair/ticket/{mine}").status_code == 404  # assigned to someone else
    assert technician.post(f"/api/v1/repair/ticket/{mine}/diagnosis", json={"diagnosis": "x"}).status_code == 404
    customer = _client(app, "customer")
    assert customer.get(f"/api/v1/repair/ticket/{customers_own}").status_code == 200
    assert customer.get(f"/api/v1/repair/ticket/{mine}").status_code == 404
    assert customer.post("/api/v1/repair/intake", json=_intake_body()).status_code == 403
    assert customer.post(f"/api/v1/repair/ticket/{customers_own}/labour_lines",
                         json={"description": "x", "rate": "1"}).status_code == 403
    page = customer.get(f"/orderview/show/{customers_own}").get_data(as_text=True)
    assert 'id="repair-panel"' in page and 'id="add-part-form"' not in page
    assert customer.get(f"/api/v1/repair/ticket/{customers_own}/receipt.pdf").data.startswith(b"%PDF")
    with app.app_context():
        from app.models import ImportBatch, PartSale

        sale = db.session.execute(select(PartSale.id)).scalars().first()
        batch = db.session.execute(select(ImportBatch.id)).scalars().first()
    if sale:  # the shop's sales and imports are not a customer's business
        assert customer.get(f"/api/v1/repair/sale/{sale}").status_code == 404
        assert customer.get(f"/repair/sale/{sale}").status_code == 404
    if batch:
        assert customer.get(f"/api/v1/repair/import/{batch}").status_code == 404
        assert customer.get(f"/repair/import/{batch}/progress").status_code == 404


def test_counter_intake_page_opens_a_ticket(app):
    manager = _client(app, "manager")
    form = manager.get("/repair/intake?q=Citra").get_data(as_text=True)
    assert "Citra Customer" in form
    with app.app_context():
        citra = db.session.execute(select(Customer).where(Customer.name == "Citra Customer")).scalar_one().id
    response = manager.post("/repair/intake", data={
        "customer_id": citra, "device_type": "desktop", "brand": "HP", "model": "ProDesk",
        "serial_number": "HPD-1", "faults": "Fan noise", "customer_waits": "1", "estimate": "100000"})
    assert response.status_code == 302 and "/orderview/show/" in response.headers["Location"]
    page = manager.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="repair-panel"' in page and "Fan noise" in page and 'id="add-part-form"' in page
    bad = manager.post("/repair/intake", data={"customer_name": "", "device_type": "laptop", "brand": "",
                                               "faults": ""})
    assert bad.status_code == 200 and 'data-field="brand"' in bad.get_data(as_text=True)


def test_tracking_page_shows_the_ticket_with_its_code_only(app):
    with app.app_context():
        order = new_ticket()
        number, code = order.number, db.session.get(RepairTicket, order.id).tracking_code
    anonymous = app.test_client()
    page = anonymous.get(f"/track/?number={number}&code={code}").get_data(as_text=True)
    assert 'id="tracked-ticket"' in page and "Received at the shop" in page
    wrong = anonymous.get(f"/track/?number={number}&code=deadbeef").get_data(as_text=True)
    assert 'id="tracked-ticket"' not in wrong
    assert anonymous.get(f"/track/receipt.pdf?number={number}&code={code}").data.startswith(b"%PDF")
    assert anonymous.get(f"/track/receipt.pdf?number={number}&code=nope").status_code == 404


def test_counter_sale_in_cash_takes_stock_and_is_paid(app):
    manager = _client(app, "manager")
    with app.app_context():
        part = new_part(price_new="100000", price_used="60000", stock_new=4, stock_used=1)
        part_id = part.id
    sold = manager.post("/api/v1/repair/sale", json={"items": [{"part_id": part_id, "condition": "new", "quantity": 3},
                                                               {"part_id": part_id, "condition": "used", "quantity": 1}],
                                                     "method": "cash"})
    assert sold.status_code == 201, sold.get_json()
    data = sold.get_json()
    assert data["paid"] and data["total"] == "360000.00" and data["number"]
    short = manager.post("/api/v1/repair/sale", json={"items": [{"part_id": part_id, "condition": "new",
                                                                 "quantity": 2}]})
    assert short.status_code == 422 and short.get_json()["message"] == {"quantity": ["only 1 new in stock"]}
    with app.app_context():
        part = db.session.get(Part, part_id)
        assert (part.stock_new, part.stock_used) == (1, 0)
    page = manager.get(f"/repair/sale/{data['id']}").get_data(as_text=True)
    assert "Paid" in page
    assert manager.get(f"/repair/sale/{data['id']}/receipt.pdf").data.startswith(b"%PDF")


def test_unpaid_sale_goes_to_the_pay_page_and_can_be_cancelled(app):
    manager = _client(app, "manager")
    with app.app_context():
        part_id = new_part(price_new="100000", stock_new=2).id
    response = manager.post("/repair/sale", data={"part_id": [part_id], "condition": ["new"], "quantity": ["2"],
                                                  "method": "other"})
    assert response.status_code == 302 and "/paymentview/pay/" in response.headers["Location"]
    with app.app_context():
        from app.models import PartSale

        sale = db.session.execute(select(PartSale).order_by(PartSale.id.desc())).scalars().first()
        assert db.session.get(Part, part_id).stock_new == 0 and sale.payment.status == "pending"
        sale_id = sale.id
    manager.post(f"/repair/sale/{sale_id}/cancel")
    with app.app_context():
        assert db.session.get(Part, part_id).stock_new == 2


def test_parts_catalog_crud_checks_input(app):
    manager = _client(app, "manager")
    sku = f"P-{uuid.uuid4().hex[:6]}"
    created = manager.post("/api/v1/part/", json={"sku": sku, "name": "Hinge", "price_new": "90000",
                                                  "currency": "IDR", "stock_new": 7, "stock_used": 0, "active": True})
    assert created.status_code == 201, created.get_json()
    bad = manager.post("/api/v1/part/", json={"sku": "", "name": "", "price_new": "-1", "currency": "IDR",
                                              "stock_new": 0, "stock_used": 0, "active": True})
    assert bad.status_code == 422 and set(bad.get_json()["message"]) >= {"sku", "name", "price_new"}
    pid = created.get_json()["id"]
    restocked = manager.post(f"/api/v1/repair/parts/{pid}/restock", json={"quantity": 3, "condition": "new"})
    assert restocked.get_json()["stock_new"] == 10
    movements = manager.get(f"/api/v1/stock_movement/?q=(filters:!((col:part,opr:rel_o_m,value:{pid})))").get_json()
    assert [m["reason"] for m in movements["result"]] == ["restock", "restock"]
    assert _client(app, "technician").post("/api/v1/part/", json={"sku": "X"}).status_code == 403
    page = manager.get(f"/partview/show/{pid}").get_data(as_text=True)
    assert 'id="stock-movements"' in page and 'id="restock-form"' in page


def test_staff_edit_a_diagnosed_ticket_keeping_the_workflows_details(app):
    """The workflow's own details (diagnosis, warranty link) are not form fields: editing the
    ticket keeps them, while a key neither the form nor the workflow knows is still refused."""
    from repair_helpers import to_repairing

    with app.app_context():
        order = new_ticket()
        to_repairing(order.id, diagnosis="Cracked hinge")
        order_id = order.id
    manager = _client(app, "manager")
    current = manager.get(f"/api/v1/order/{order_id}").get_json()["result"]
    details = dict(current["details"])
    assert details["diagnosis"] == "Cracked hinge"
    response = manager.put(f"/api/v1/order/{order_id}", json={"title": "Hinge repair", "details": details})
    assert response.status_code == 200, response.get_json()
    stored = manager.get(f"/api/v1/order/{order_id}").get_json()["result"]
    assert stored["title"] == "Hinge repair" and stored["details"]["diagnosis"] == "Cracked hinge"
    refused = manager.put(f"/api/v1/order/{order_id}", json={"details": {**details, "colour": "red"}})
    assert refused.status_code == 422 and "colour" in str(refused.get_json())
