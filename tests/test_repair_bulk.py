"""Bulk intake: CSV, XLSX and JSON batches; every row validated (device, terms, the service's
form, intake.validation), rejected rows listed with their reasons while the valid ones become
full tickets; progress in the browser (polled JSON) and the CLI."""
from __future__ import annotations

import datetime as dt
import io
import time
import uuid

from sqlalchemy import func, select

from app.extensions import db
from app.models import Customer, Decision, ImportBatch, LabourLine, Order, OrderEvent, RepairTicket
from app.services.repair import bulk
from helpers import login

LATER = (dt.datetime.now() + dt.timedelta(days=4)).strftime("%Y-%m-%d %H:%M")
HEADER = "device_type,brand,model,serial_number,accessories,faults,pickup_at,customer_waits"


def _company(app) -> int:
    with app.app_context():
        company = Customer(name=f"PT Bulk {uuid.uuid4().hex[:6]}", email=f"it-{uuid.uuid4().hex[:6]}@bulk.example",
                           company="PT Bulk")
        db.session.add(company)
        db.session.commit()
        return company.id


def _csv(serial_prefix: str) -> bytes:
    lines = [HEADER,
             f"laptop,Lenovo,T14,{serial_prefix}-1,charger,Does not charge,{LATER},",
             f"desktop,HP,ProDesk,{serial_prefix}-2,,Blue screen,,yes",
             f"toaster,Acme,,{serial_prefix}-3,,Burns bread,{LATER},",  # unknown device type
             f"laptop,,X1,{serial_prefix}-4,,No fault text,{LATER},",  # brand missing
             f"laptop,Dell,5490,{serial_prefix}-5,,ok,{LATER},",  # faults too short, brand fine
             f"laptop,Dell,5490,{serial_prefix}-6,,Keyboard dead,,",  # neither pick-up nor waits
             f"laptop,Asus,Zenbook,{serial_prefix}-7,,Hinge broken,2020-01-01 10:00,"]  # pick-up in the past
    return ("\n".join(lines) + "\n").encode()


REJECTED = {3: {"device_type"}, 4: {"brand"}, 5: {"faults"}, 6: {"pickup_at"}, 7: {"pickup_at"}}


def _check_result(app, batch_id, serial_prefix):
    with app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        assert (batch.status, batch.total, batch.processed) == ("done", 7, 7)
        assert (batch.created_count, batch.rejected_count) == (2, 5)
        assert {e["row"]: set(e["errors"]) for e in batch.errors} == REJECTED
        toaster = next(e for e in batch.errors if e["row"] == 3)
        assert "must be one of laptop, desktop, all-in-one" in toaster["errors"]["device_type"][0]
        tickets = db.session.execute(select(RepairTicket).where(RepairTicket.serial_number.like(f"{serial_prefix}-%"))
                                     .order_by(RepairTicket.serial_number)).scalars().all()
        assert [t.serial_number for t in tickets] == [f"{serial_prefix}-1", f"{serial_prefix}-2"]
        orders = [db.session.get(Order, t.order_id) for t in tickets]
        assert [o.number for o in orders] == [batch.first_number, batch.last_number]
        assert all(o.state == "received" and o.workflow_key == "repair_ticket" for o in orders)
        assert orders[0].details["brand"] == "Lenovo" and orders[1].details["waits"] is True
        assert tickets[0].accessories == "charger" and tickets[1].customer_waits and tickets[0].pickup_at
        for order in orders:  # a full ticket: history, the check line, the price from it, a tracking code
            assert [e.trigger for e in db.session.execute(select(OrderEvent).where(
                OrderEvent.order_id == order.id)).scalars()] == ["create"]
            line = db.session.execute(select(LabourLine).where(LabourLine.order_id == order.id)).scalar_one()
            assert order.price == line.rate == order.service.base_price
            assert len(db.session.get(RepairTicket, order.id).tracking_code) == 8
        return batch


def test_csv_import_creates_valid_rows_and_lists_every_rejected_one(app):
    company, prefix = _company(app), f"CSV{uuid.uuid4().hex[:5]}"
    with app.app_context():
        batch = bulk.create_batch_from_file(db.session, _csv(prefix), "devices.csv", customer_id=company)
        db.session.commit()
        bulk.run(db.session, batch.id, bulk.stored_rows(db.session, batch.id), chunk=3)
        batch_id = batch.id
    _check_result(app, batch_id, prefix)


def test_xlsx_import_reads_the_same_rows(app):
    from openpyxl import Workbook

    company, prefix = _company(app), f"XLS{uuid.uuid4().hex[:5]}"
    book = Workbook()
    sheet = book.active
    for line in _csv(prefix).decode().strip().splitlines():
        sheet.append([cell or None for cell in line.split(",")])
    sheet.cell(row=2, column=7).value = dt.datetime.now() + dt.timedelta(days=4)  # a real Excel date cell
    buffer = io.BytesIO()
    book.save(buffer)
    with app.app_context():
        batch = bulk.create_batch_from_file(db.session, buffer.getvalue(), "devices.xlsx", customer_id=company)
        db.session.commit()
        bulk.run(db.session, batch.id, bulk.stored_rows(db.session, batch.id))
        batch_id = batch.id
    _check_result(app, batch_id, prefix)


def test_a_file_without_the_required_columns_is_refused_whole(app):
    import pytest

    from app.services.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        bulk.read_file(b"brand,model\nHP,ProDesk\n", "x.csv")
    assert "missing columns: device_type, faults" in refused.value.errors["file"][0]
    with pytest.raises(ValidationFailed):
        bulk.read_file(b"not a workbook", "x.xlsx")
    with pytest.raises(ValidationFailed):
        bulk.read_file(b"a,b\n", "x.txt")


def test_json_batch_through_the_api(app):
    manager = login(app.test_client(), "manager")
    company, prefix = _company(app), f"API{uuid.uuid4().hex[:5]}"
    rows = [{"device_type": "laptop", "brand": "Acer", "serial_number": f"{prefix}-{i}", "faults": "Fan noise",
             "pickup_at": LATER} for i in range(12)]
    rows[4]["brand"] = ""
    rows[9] = {"device_type": "laptop", "brand": "Acer", "faults": "Fan noise", "colour": "red", "customer_waits": True}
    rows.append({"device_type": "laptop", "brand": "Acer", "faults": "Dead", "customer_waits": True,
                 "customer_name": "Per-row customer", "customer_email": f"row-{prefix}@example.com"})
    response = manager.post("/api/v1/repair/intake_batch", json={"rows": rows, "customer_id": company})
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert (data["status"], data["total"], data["created"], data["rejected"]) == ("done", 13, 11, 2)
    assert [(e["row"], list(e["errors"])) for e in data["errors"]] == [(5, ["brand"]), (10, ["colour"])]
    assert len(data["numbers"]) == 11 and data["numbers"][0] == data["first_number"]
    values = [int(n.split("-")[1]) for n in data["numbers"]]
    assert values == list(range(values[0], values[0] + 11))  # one reserved block, consecutive
    with app.app_context():
        per_row = db.session.execute(select(Customer).where(Customer.email == f"row-{prefix}@example.com")).scalar_one()
        assert db.session.execute(select(func.count(Order.id)).where(Order.customer_id == per_row.id)).scalar() == 1
        assert db.session.execute(select(func.count(Order.id)).where(Order.customer_id == company)).scalar() == 10
    bad = manager.post("/api/v1/repair/intake_batch", json={"rows": "nope"})
    assert bad.status_code == 422 and "rows" in bad.get_json()["message"]
    assert login(app.test_client(), "customer").post("/api/v1/repair/intake_batch",
                                                     json={"rows": rows}).status_code == 403


def test_intake_rules_decide_per_row_and_their_decisions_are_kept(app):
    """intake.validation's 'Loyal customer' rule (10+ past orders) marks the rest of a big batch high."""
    company, prefix = _company(app), f"RUL{uuid.uuid4().hex[:5]}"
    rows = [{"device_type": "laptop", "brand": "HP", "serial_number": f"{prefix}-{i:02d}", "faults": "Slow",
             "pickup_at": LATER} for i in range(14)]
    with app.app_context():
        batch = bulk.import_rows(db.session, rows, customer_id=company)
        orders = db.session.execute(select(Order).where(Order.customer_id == company).order_by(Order.id)).scalars().all()
        assert [o.priority for o in orders] == ["normal"] * 10 + ["high"] * 4
        kept = db.session.execute(select(Decision).where(Decision.order_id.in_([o.id for o in orders]))).scalars().all()
        assert len(kept) == 4 and all(d.rule_set_key == "intake.validation" and d.changed for d in kept)
        assert batch.created_count == 14


def test_import_page_shows_progress_and_rejected_rows(app):
    manager = login(app.test_client(), "manager")
    company, prefix = _company(app), f"WEB{uuid.uuid4().hex[:5]}"
    response = manager.post("/repair/import", data={"customer_id": str(company),
                                                    "file": (io.BytesIO(_csv(prefix)), "devices.csv")},
                            content_type="multipart/form-data")
    assert response.status_code == 302 and "/repair/import/" in response.headers["Location"]
    page = manager.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="import-bar"' in page and 'id="rejected-rows"' in page
    progress_url = response.headers["Location"].rstrip("/") + "/progress"
    for _ in range(100):
        data = manager.get(progress_url).get_json()
        if data["status"] == "done":
            break
        time.sleep(0.1)
    assert (data["status"], data["created"], data["rejected"], data["percent"]) == ("done", 2, 5, 100.0)
    assert {e["row"] for e in data["errors"]} == set(REJECTED)
    refused = manager.post("/repair/import", data={"file": (io.BytesIO(b"x,y\n1,2\n"), "bad.csv")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "missing columns" in refused.get_data(as_text=True)


def test_cli_import_prints_progress_and_rejected_rows(app, tmp_path):
    company, prefix = _company(app), f"CLI{uuid.uuid4().hex[:5]}"
    path = tmp_path / "devices.csv"
    path.write_bytes(_csv(prefix))
    result = app.test_cli_runner().invoke(args=["repair", "import", str(path), "--customer", str(company)])
    assert result.exit_code == 0, result.output
    assert "7/7 rows (2 created, 5 rejected)" in result.output
    assert "row 3: device_type: must be one of laptop, desktop, all-in-one" in result.output
    assert result.output.strip().endswith("done: 2 created, 5 rejected")


def test_two_workers_cannot_take_the_same_chunk(app):
    company = _company(app)
    with app.app_context():
        batch = bulk.create_batch(db.session, source="json", total=2, customer_id=company)
        db.session.commit()
        rows = [{"device_type": "laptop", "brand": "HP", "faults": "Slow", "customer_waits": True}] * 2
        first, second = bulk._Work(db.session, batch), bulk._Work(db.session, batch)
        assert first.chunk(0, rows) is True
        assert second.chunk(0, rows) is False  # processed moved on: the chunk is taken
        db.session.commit()
        assert db.session.get(ImportBatch, batch.id).created_count == 2


def test_an_interrupted_file_import_goes_on_where_it_stopped(app, monkeypatch):
    """The server dies after the first chunk of an uploaded file: the next start (or `flask
    repair resume`) finishes it, with every row imported once."""
    company = _company(app)
    prefix = f"RS-{uuid.uuid4().hex[:6]}"
    with app.app_context():
        batch = bulk.create_batch_from_file(db.session, _csv(prefix), "devices.csv", customer_id=company)
        db.session.commit()
        batch_id = batch.id
        rows = bulk.stored_rows(db.session, batch_id)
        assert bulk._Work(db.session, batch).chunk(0, rows[:3]) is True  # the first chunk, then the crash
        db.session.commit()
        assert batch_id in bulk.interrupted_batches(db.session)
        db.session.remove()
    result = app.test_cli_runner().invoke(args=["repair", "resume"])
    assert result.exit_code == 0, result.output
    _check_result(app, batch_id, prefix)
    with app.app_context():
        assert batch_id not in bulk.interrupted_batches(db.session)
        assert bulk.stored_rows(db.session, batch_id) == []  # cleared once done
