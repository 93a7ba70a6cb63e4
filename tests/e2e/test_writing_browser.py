"""Done-when in Chromium: the whole academic-writing story with the demo users. The client
orders on the site, the order reaches the on-duty manager by itself, the manager offers it, an
author declines with a reason, the next author takes it in My offers, the manager confirms, the
client pays 50% in the sandbox, gets the preview, asks for rework, pays the rest, receives the
work by e-mail (loopback SMTP) and in My orders; the author's earning is in My earnings and the
accountant pays the payout."""
from __future__ import annotations

import datetime as dt
import re
import uuid

from playwright.sync_api import Page, expect
from sqlalchemy import select

from smtp_helpers import smtp_server
from writing_helpers import open_offer, roomy_authors


def _switch(page: Page, login_page, username: str):
    page.goto("/logout/")
    login_page(username)


def _press(page: Page, trigger: str, comment: str | None = None):
    if comment:
        page.locator("#trigger-comment").fill(comment)
    page.locator(f"button.trigger-button[data-trigger='{trigger}']").click()
    page.wait_for_load_state()


def _upload(page: Page, tmp_path, kind: str, name: str, body: bytes):
    path = tmp_path / name
    path.write_bytes(body)
    panel = page.locator("#upload-panel")
    panel.locator("input[type=file]").set_input_files(str(path))
    panel.locator("select[name=kind]").select_option(kind)
    panel.locator("button[type=submit]").click()
    expect(page.locator("body")).to_contain_text("File uploaded.")


def _pay_in_sandbox(page: Page, order_id: int, purpose: str):
    page.goto(f"/orderview/show/{order_id}")
    page.locator(f"tr.payment-row[data-purpose={purpose}]").get_by_role("link", name="Pay").click()
    page.locator("button.method-sandbox").click()
    expect(page).to_have_url(re.compile(r"/payments/sandbox/SBX-"))
    page.locator("#sandbox-pay").click()
    expect(page).to_have_url(re.compile(rf"/orderview/show/{order_id}"))
    expect(page.locator("body")).to_contain_text("Payment successful")


def test_writing_story_in_the_browser(page: Page, login_page, app, tmp_path):
    from app.extensions import db
    from app.models import LedgerEntry, Order
    from app.services.notifications import send_pending

    title = f"Browser story {uuid.uuid4().hex[:6]}"
    with roomy_authors(app):
        # the client orders on the site, with a file and a deadline
        login_page("customer")
        page.goto("/shop/order/PAPER")
        page.locator("#title").fill(title)
        page.locator("#f-subject").select_option("history")
        page.locator("#f-work_type").select_option("essay")
        page.locator("#f-topic").fill("The Decembrists in the browser")
        page.locator("#f-pages").fill("7")
        page.locator("#f-deadline").fill((dt.date.today() + dt.timedelta(days=21)).isoformat())
        brief = tmp_path / "guidelines.pdf"
        brief.write_bytes(b"%PDF-1.4 guidelines")
        page.locator("#f-files").set_input_files(str(brief))
        page.locator("#place-order").click()
        expect(page.locator("body")).to_contain_text("has been received")
        with app.app_context():
            order = db.session.execute(select(Order).where(Order.title == title)).scalar_one()
            oid, number = order.id, order.number

        # routed by itself: the manager finds it on the Writing desk and offers it
        _switch(page, login_page, "manager")
        page.goto("/writing-desk/?state=routed")
        row = page.locator(f"tr.desk-row[data-order='{oid}']")
        expect(row.locator(".desk-status")).to_contain_text("With the on-duty manager")
        row.get_by_role("link", name=number).click()
        _press(page, "offer")
        expect(page.locator("#order-state")).to_have_text("Offered to an author")

        # the first author declines (a reason is required), the next one takes it
        first = open_offer(app, oid)[2]
        _switch(page, login_page, first)
        page.goto("/my-offers/")
        card = page.locator(f".offer-card[data-order='{oid}']")
        expect(card).to_contain_text("The Decembrists in the browser")
        expect(card.locator(".offer-file")).to_have_text("guidelines.pdf")
        expect(card.locator(".offer-fee")).to_contain_text("1,500.00")
        expect(card).not_to_contain_text("Citra")
        card.locator(".decline-reason").fill("Not my period, sorry")
        card.locator(".decline-button").click()
        expect(page.locator("body")).to_contain_text("You declined the order")
        expect(page.locator(f".offer-card[data-order='{oid}']")).to_have_count(0)
        second = open_offer(app, oid)[2]
        assert second != first
        _switch(page, login_page, second)
        page.goto("/my-offers/")
        page.locator(f".offer-card[data-order='{oid}'] .take-button").click()
        expect(page.locator("#order-state")).to_have_text("Taken - manager checks it can be done")
        expect(page.locator("#author-fee")).to_contain_text("1,500.00")

        # the manager confirms the work can be done: the client is asked for 50%
        _switch(page, login_page, "manager")
        page.goto(f"/orderview/show/{oid}")
        _press(page, "confirm_feasible")
        expect(page.locator("#order-state")).to_have_text("Awaiting 50% deposit")

        # the client pays 50% in the sandbox; the author starts
        _switch(page, login_page, "customer")
        _pay_in_sandbox(page, oid, "deposit")
        expect(page.locator("#order-state")).to_have_text("In progress")

        # the author uploads the 50% part; the manager releases it
        _switch(page, login_page, second)
        page.goto(f"/orderview/show/{oid}")
        _upload(page, tmp_path, "partial_preview", "half.pdf", b"%PDF-1.4 half")
        _press(page, "upload_half")
        expect(page.locator("#order-state")).to_have_text("50% ready")
        _switch(page, login_page, "manager")
        page.goto(f"/orderview/show/{oid}")
        _press(page, "release_preview")

        # the client reads the preview and asks for rework
        _switch(page, login_page, "customer")
        page.goto(f"/orderview/show/{oid}")
        expect(page.locator("#order-state")).to_have_text("Preview ready - please review")
        expect(page.locator("#customer-files")).to_contain_text("half.pdf")
        _press(page, "request_rework", "Please add primary sources")
        expect(page.locator("#order-state")).to_have_text("Being reworked")

        # the author reworks, the manager releases again, the client accepts and pays the rest
        _switch(page, login_page, second)
        page.goto(f"/orderview/show/{oid}")
        expect(page.locator("#order-history")).to_contain_text("Please add primary sources")
        _upload(page, tmp_path, "partial_preview", "half-v2.pdf", b"%PDF-1.4 half v2")
        _press(page, "resubmit")
        _switch(page, login_page, "manager")
        page.goto(f"/orderview/show/{oid}")
        _press(page, "release_preview")
        _switch(page, login_page, "customer")
        page.goto(f"/orderview/show/{oid}")
        _press(page, "confirm")
        expect(page.locator("#order-state")).to_have_text("Please pay the rest")
        _pay_in_sandbox(page, oid, "balance")
        expect(page.locator("#order-state")).to_have_text("Finishing")

        # the author uploads the whole work; the manager checks it and e-mails it
        _switch(page, login_page, second)
        page.goto(f"/orderview/show/{oid}")
        _upload(page, tmp_path, "final_work", "decembrists.pdf", b"%PDF-1.4 the whole work")
        _press(page, "upload_final")
        _switch(page, login_page, "manager")
        page.goto(f"/orderview/show/{oid}")
        _press(page, "send_to_client")
        expect(page.locator("#order-state")).to_have_text("Ready")
        page.goto("/writing-desk/?state=ready")
        expect(page.locator(f"tr.desk-row[data-order='{oid}'] .desk-paid")).to_contain_text("3,000.00")

        with smtp_server(app) as inbox:
            with app.app_context():
                while send_pending(limit=1000)["sent"]:  # the suite's other messages are in the outbox too
                    pass
            mails = [m for m in inbox.to("customer@demo.orderflow.local") if number in m["Subject"]
                     and "Your work" in m["Subject"]]
            assert len(mails) == 1
            assert [p.get_filename() for p in mails[0].iter_attachments()] == ["decembrists.pdf"]

        # ... and it waits in My orders
        _switch(page, login_page, "customer")
        page.goto("/shop/my-orders")
        files = page.locator(f"tr[data-order='{oid}'] .order-files")
        expect(files.locator("a[data-kind=final_work]")).to_have_text("decembrists.pdf")

        # the author's share in My earnings; the accountant pays the payout
        with app.app_context():
            entry = db.session.execute(select(LedgerEntry).where(LedgerEntry.order_id == oid)).scalar_one()
            assert entry.worker.username == second
        _switch(page, login_page, second)
        page.goto("/ledgerentryview/mine")
        expect(page.locator("#my-ledger")).to_contain_text(number)
        _switch(page, login_page, "accountant")
        page.goto("/payoutview/due")
        page.locator("#run-payouts").click()
        page.wait_for_load_state()
        with app.app_context():
            payout_id = db.session.get(LedgerEntry, entry.id).payout_id
        assert payout_id is not None
        page.locator(f"#due-payouts input[name=payout][value='{payout_id}']").check()
        page.locator("input[name=reference]").fill("SBP-777")
        page.locator("#mark-paid").click()
        expect(page.locator("body")).to_contain_text("payout(s) marked paid")
        _switch(page, login_page, second)
        page.goto("/ledgerentryview/mine")
        expect(page.locator("#my-payouts")).to_contain_text("SBP-777")
