"""Done-when of the repair shop in Chromium: counter intake with a printable receipt, diagnosis,
a used part billed as new, the ready e-mail over real SMTP on loopback with the amount due,
cash payment, pick-up (warranty starts), the refund of the used part's difference, and a
warranty claim whose check and labour are free and whose part is charged at part price."""
from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect
from sqlalchemy import select

from smtp_helpers import smtp_server


def _part(app, **values):
    from app.extensions import db
    from repair_helpers import new_part

    with app.app_context():
        part = new_part(**values)
        return part.id, part.sku


def _logout(page: Page):
    page.goto("/logout/")


def _fire(page: Page, trigger: str):
    page.locator(f"button[data-trigger={trigger}]").click()
    expect(page.locator(".alert-success").first).to_contain_text("Done")


def test_repair_shop_end_to_end(page: Page, login_page, app):
    from app.extensions import db
    from app.models import Order
    from app.services.notifications import send_pending

    used_id, used_sku = _part(app, price_new="650000", price_used="400000", stock_new=3, stock_used=2)
    new_id, new_sku = _part(app, price_new="300000", price_used=None, stock_new=2, stock_used=0)
    email = f"dewi-{uuid.uuid4().hex[:8]}@example.com"

    # 1. Intake at the counter: a new customer, the device, the terms; the receipt prints.
    login_page("manager")
    page.goto("/repair/intake")
    page.fill("#customer_name", "Dewi Lestari")
    page.fill("#customer_email", email)
    page.fill("#customer_phone", "+62 812 7777 0001")
    page.select_option("#device_type", "laptop")
    page.fill("#brand", "Dell")
    page.fill("#model", "Inspiron 15")
    page.fill("#serial_number", "INS15-E2E")
    page.fill("#accessories", "charger")
    page.fill("#condition", "cracked palm rest")
    page.fill("#faults", "Very slow, clicking noise from the disk")
    page.check("#customer_waits")
    page.fill("#estimate", "900000")
    with app.app_context():
        from repair_helpers import user

        technician_id = str(user("technician").id)
    page.select_option("#assignee", technician_id)
    page.click("#open-ticket")
    expect(page.locator(".alert-success").first).to_contain_text("opened")
    panel = page.locator("#repair-panel")
    expect(panel).to_contain_text("INS15-E2E")
    number = re.search(r"RP-\d+", panel.locator(".panel-heading").inner_text()).group(0)
    order_url = page.url.split("#")[0]
    receipt = page.request.get(page.locator("#receipt-link").get_attribute("href"))
    assert receipt.ok and receipt.headers["content-type"] == "application/pdf" and receipt.body().startswith(b"%PDF")
    _fire(page, "start_diagnosis")
    _logout(page)

    # 2. Diagnosis and repair by the technician: a used SSD billed at the new price, labour.
    login_page("technician")
    page.goto(order_url)
    page.fill("#diagnosis-input", "Failing HDD (SMART errors). Replace with an SSD.")
    page.click("#save-diagnosis")
    expect(page.locator("#diagnosis-text")).to_contain_text("Failing HDD")
    option = page.locator("#part-select option", has_text=used_sku)
    expect(option).to_contain_text("(3)")  # new units in stock
    page.select_option("#part-select", label=option.inner_text())
    page.select_option("#part-condition", "used")
    page.select_option("#part-billed-as", "new")
    page.click("#add-part")
    expect(page.locator(f"tr.part-line[data-sku={used_sku}] .line-condition")).to_have_text("used")
    expect(page.locator(f"tr.part-line[data-sku={used_sku}] .line-billed")).to_have_text("new")
    page.fill("#labour-description", "Clone the system to the SSD")
    page.fill("#labour-hours", "1")
    page.fill("#labour-rate", "100000")
    page.click("#add-labour")
    expect(page.locator("#repair-totals .total-all")).to_contain_text("900,000.00")  # 650k + 150k check + 100k
    _fire(page, "start_repair")
    _fire(page, "finish_repair")
    expect(page.locator("#order-state")).to_have_attribute("data-state", "ready")
    _logout(page)
    with app.app_context():
        from app.models import Part

        assert db.session.get(Part, used_id).stock_used == 1

    # 3. Ready: the customer gets an e-mail with the amount due, over real SMTP.
    with smtp_server(app) as inbox:
        with app.app_context():
            for _round in range(50):  # the outbox may hold other tests' messages first
                if not send_pending(session=db.session, config=app.config)["sent"] or any(
                        "is ready" in m["Subject"] for m in inbox.to(email)):
                    break
        ready = [m for m in inbox.to(email) if "is ready" in m["Subject"]]
        assert ready, [m["Subject"] for m in inbox.to(email)]
        assert number in ready[0]["Subject"] and "Amount due: 900000.00 IDR" in ready[0].get_content()
        assert any("opened" in m["Subject"] for m in inbox.to(email))  # the intake message with the code

    # 4. The customer checks and pays in cash; the device is handed over; the warranty starts.
    login_page("manager")
    page.goto(order_url)
    expect(page.locator("#counter-payment")).to_contain_text("900,000.00")
    page.locator("#counter-payment .record-cash").click()
    expect(page.locator("#order-state")).to_have_attribute("data-state", "paid")
    _fire(page, "pick_up")
    expect(page.locator("#warranty-status")).to_contain_text("Under warranty")

    # 5. Refund: the rules owe the difference of the used part billed as new.
    refund = page.locator("#refund-panel")
    expect(refund.locator("#refund-reasons")).to_contain_text("A used part was billed as new.")
    expect(refund.locator("#refund-amount")).to_contain_text("250,000.00")
    page.click("#refund-button")
    expect(page.locator("#money-panel .money-paid")).to_contain_text("650,000.00")
    expect(page.locator("tr.payment-row[data-purpose=refund]")).to_contain_text("250,000.00")

    # 6. Back within the warranty: a claim, check and labour free, the new part charged at part price.
    page.fill("#claim-faults", "The keyboard stopped working")
    page.click("#open-claim")
    expect(page.locator("#claim-of")).to_contain_text(number)
    expect(page.locator("#order-state")).to_have_attribute("data-state", "warranty_check")
    expect(page.locator("#labour-free")).to_be_visible()
    claim_url = page.url.split("#")[0]
    _logout(page)
    login_page("technician")
    page.goto(claim_url)
    _fire(page, "warranty_repair")
    option = page.locator("#part-select option", has_text=new_sku)
    page.select_option("#part-select", label=option.inner_text())
    page.click("#add-part")
    page.fill("#labour-description", "Replace the keyboard")
    page.fill("#labour-rate", "100000")
    page.click("#add-labour")
    expect(page.locator("#repair-totals .total-labour")).to_contain_text("0.00")
    expect(page.locator("#repair-totals .total-all")).to_contain_text("300,000.00")
    _fire(page, "finish_repair")
    expect(page.locator("#money-panel tr.payment-row[data-purpose=full]")).to_contain_text("300,000.00")
    with app.app_context():
        claim = db.session.execute(select(Order).where(Order.number != number, Order.details["warranty_of"].as_string()
                                                       == number)).scalar_one()
        assert claim.state == "ready" and str(claim.price) == "300000.00"


def test_bulk_intake_shows_progress_and_rejected_rows(page: Page, login_page, app, tmp_path):
    import datetime as dt

    later = (dt.datetime.now() + dt.timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    tag = uuid.uuid4().hex[:6]
    lines = ["device_type,brand,model,serial_number,faults,pickup_at,customer_waits"]
    lines += [f"laptop,Lenovo,E14,{tag}-{i},Does not boot,{later}," for i in range(2500)]
    lines += ["fridge,Acme,,x,Too cold,,yes", "laptop,HP,,y,ok,,yes"]
    path = tmp_path / "company-devices.csv"
    path.write_text("\n".join(lines) + "\n")
    login_page("manager")
    page.goto("/repair/import")
    page.set_input_files("#import-file", str(path))
    page.select_option("#import-customer", label="PT Maju Jaya (PT Maju Jaya)")
    page.click("#start-import")
    expect(page).to_have_url(re.compile(r"/repair/import/\d+"))
    expect(page.locator("#import-summary")).to_have_attribute("data-status", "done", timeout=60_000)
    expect(page.locator("#import-bar")).to_have_text("100%")
    expect(page.locator("#import-created")).to_have_text("2500")
    expect(page.locator("#import-rejected")).to_have_text("2")
    expect(page.locator("tr.rejected-row[data-row='2501']")).to_contain_text("device_type: must be one of")
    expect(page.locator("tr.rejected-row[data-row='2502']")).to_contain_text("faults: must be at least 3 characters")
