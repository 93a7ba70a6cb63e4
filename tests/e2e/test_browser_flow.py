"""Browser walk-throughs of what staff and customers actually see (Playwright, Chromium)."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

ORDER_NUMBER = re.compile(r"\b[A-Z]{2}-\d{6}\b")


def _order_count(app, service_code: str) -> int:
    from app.extensions import db
    from app.models import Order, Service

    with app.app_context():
        count = db.session.execute(
            select(func.count(Order.id)).join(Service, Order.service_id == Service.id)
            .where(Service.code == service_code)
        ).scalar_one()
        db.session.remove()
        return count


def _show_value(page: Page, label: str):
    """The value cell next to a label on FAB's show page."""
    row = page.locator("tr").filter(has=page.locator("th", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")))
    return row.locator("td").first


def test_manager_browses_orders_and_opens_one(page: Page, login_page):
    login_page("manager")

    page.goto("/orderview/list/?psize_OrderView=100")  # the demo data holds more than one page
    expect(page.locator("body")).to_contain_text(re.compile(r"WR-0000\d\d"))
    expect(page.locator("body")).to_contain_text("ST-000001")
    table = page.locator("table").filter(has_text="WR-000002")
    expect(table).to_have_count(1)
    expect(table.locator("thead")).to_contain_text("Status")

    row = page.locator("tr").filter(has_text="WR-000002")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Contract law basics")
    # offered and taken: two steps along the writing workflow, shown by the state's label
    expect(row).to_contain_text("Taken - manager checks it can be done")
    row.locator("a[href*='/orderview/show/']").first.click()

    expect(page).to_have_url(re.compile(r"/orderview/show/\d+"))
    expect(_show_value(page, "Number")).to_have_text(re.compile(r"^\s*WR-000002\s*$"))
    expect(_show_value(page, "Title")).to_contain_text("Contract law basics")
    expect(page.locator("#order-state")).to_have_text("Taken - manager checks it can be done")
    expect(page.locator("dl.order-details")).to_contain_text("Consumer contracts in civil law")


def test_customer_orders_gmail_accounts(page: Page, login_page, app):
    login_page("customer")
    before = _order_count(app, "GMAIL-ACC")

    page.goto("/")
    card = page.locator(".service-card[data-code='GMAIL-ACC']")
    expect(card).to_contain_text("Gmail accounts")
    card.locator(".order-button").click()
    expect(page).to_have_url(re.compile(r"/shop/order/GMAIL-ACC$"))
    expect(page.locator("h2")).to_contain_text("Gmail accounts")

    # Quantity left empty: the form comes back with the field error, nothing is stored.
    quantity = page.locator("#f-quantity")
    expect(quantity).to_have_value("")
    page.locator("#place-order").click()
    page.wait_for_load_state()
    expect(page).to_have_url(re.compile(r"/shop/order/GMAIL-ACC$"))
    quantity_group = page.locator(".form-group").filter(has=page.locator("#f-quantity"))
    expect(quantity_group).to_have_class(re.compile(r"\bhas-error\b"))
    expect(quantity_group.locator(".field-error")).to_contain_text("is required")
    expect(page.locator("body")).to_contain_text("Please correct the marked fields.")
    assert _order_count(app, "GMAIL-ACC") == before, "an invalid order must not be stored"

    # Now a valid quantity: redirected to My orders with the new number.
    page.locator("#f-quantity").fill("25")
    page.locator("#place-order").click()
    expect(page).to_have_url(re.compile(r"/shop/my-orders/?$"))
    success = page.locator(".alert-success")
    expect(success).to_contain_text(re.compile(r"Thank you! Your order ST-\d{6} has been received\."))
    number = re.search(r"ST-\d{6}", success.inner_text()).group(0)
    assert _order_count(app, "GMAIL-ACC") == before + 1

    table = page.locator("#my-orders")
    expect(table.locator(".order-number", has_text=number)).to_have_count(1)
    row = table.locator("tbody tr").filter(has=page.locator(".order-number", has_text=number))
    expect(row).to_contain_text("Gmail accounts")
    expect(row.locator(".order-status")).not_to_have_text(re.compile(r"^\s*$"))


def test_language_switch_to_russian_and_back(page: Page, login_page):
    login_page("manager")
    logout = page.locator("a[href*='/logout']")
    expect(logout).to_contain_text("Logout")

    page.goto("/lang/ru")
    expect(logout).to_contain_text("Выход")
    expect(page.locator("a[href*='/users/userinfo']")).to_contain_text(re.compile("профиль", re.IGNORECASE))

    page.goto("/orderview/list/")
    expect(logout).to_contain_text("Выход")

    page.goto("/lang/en")
    expect(logout).to_contain_text("Logout")
    expect(page.locator("body")).not_to_contain_text("Выход")
