"""Done-when in the browser: a customer pays the 50% deposit through the sandbox gateway's pay
page, the order moves on and the balance shows what is left; the accountant's payouts page."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from deposit_helpers import writing_order_awaiting_deposit


def test_customer_pays_deposit_in_sandbox_and_sees_balance(page: Page, login_page, app):
    order_id = writing_order_awaiting_deposit(app)
    login_page("customer")
    page.goto(f"/orderview/show/{order_id}")
    panel = page.locator("#money-panel")
    expect(panel.locator(".money-balance")).to_contain_text("3,000.00")
    deposit = panel.locator("tr.payment-row[data-purpose=deposit]")
    expect(deposit).to_contain_text("1,500.00")
    deposit.get_by_role("link", name="Pay").click()
    page.locator("button.method-sandbox").click()
    expect(page).to_have_url(re.compile(r"/payments/sandbox/SBX-"))
    expect(page.locator("#sandbox-amount")).to_contain_text("1,500.00 RUB")
    page.locator("#sandbox-pay").click()
    expect(page).to_have_url(re.compile(rf"/orderview/show/{order_id}"))
    expect(page.locator("body")).to_contain_text("Payment successful")
    expect(page.locator("#money-panel .money-paid")).to_contain_text("1,500.00")
    expect(page.locator("#money-panel .money-balance")).to_contain_text("1,500.00")
    expect(page.locator("tr.payment-row[data-purpose=deposit] .payment-status")).to_contain_text("Paid")
    expect(page.locator("#order-state")).to_have_attribute("data-state", "started")


def test_accountant_sees_due_payouts_and_the_bell(page: Page, login_page):
    login_page("accountant")
    page.goto("/payoutview/due")
    expect(page.locator("h2")).to_contain_text("Due payouts")
    expect(page.locator("#export-csv")).to_be_visible()
    expect(page.locator("#notification-bell")).to_be_visible()
