"""Done-when in the browser: a visitor (no login) filters the ready-made works, opens one,
sees its preview, requests it with an e-mail address, pays in the sandbox gateway, lands on
the thank-you page; the e-mail with the file arrives at a loopback SMTP server; its link
downloads the file; an expired link does not."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import CatalogPurchase
from app.models.types import utcnow
from app.services import ready_works as catalog
from catalog_helpers import address, link_in, send_all
from smtp_helpers import smtp_server


@pytest.fixture
def smtp(app):
    with smtp_server(app) as inbox:
        yield inbox


def test_visitor_filters_buys_in_sandbox_and_downloads_by_the_emailed_link(page: Page, app, smtp, live_server):
    email = address()
    page.goto("/catalog/")
    expect(page.locator("tr.catalog-work").first).to_be_visible()
    page.locator("#filter-subject").select_option("economics")
    page.locator("#filter-pages-max").fill("20")
    page.locator("#apply-filters").click()
    rows = page.locator("tr.catalog-work")
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".work-subject")).to_have_text("economics")
    rows.first.locator("a.work-title").click()

    expect(page.locator("#work-title")).to_contain_text("Small business lending")
    expect(page.locator("#preview-text")).to_contain_text("Contents")
    expect(page.locator("#preview-pdf")).to_be_visible()
    page.locator("#request-email").fill("not an address")
    page.locator("#request-work").click()
    expect(page.locator(".field-error")).to_contain_text("not a valid e-mail address")
    page.locator("#request-name").fill("Vera Visitor")
    page.locator("#request-email").fill(email)
    page.locator("#request-work").click()

    expect(page).to_have_url(re.compile(r"/catalog/purchase/"))
    expect(page.locator("#payment-work")).to_contain_text("Small business lending")
    expect(page.locator("button.method-cash")).to_have_count(0)
    page.locator("button.method-sandbox").click()
    expect(page).to_have_url(re.compile(r"/payments/sandbox/SBX-"))
    expect(page.locator("#sandbox-amount")).to_contain_text("750.00 RUB")
    page.locator("#sandbox-pay").click()

    expect(page).to_have_url(re.compile(r"/catalog/purchase/"))
    expect(page.locator("body")).to_contain_text("Payment successful")
    expect(page.locator("#purchase-status")).to_have_attribute("data-status", "paid")
    expect(page.locator("#purchase-emailed")).to_contain_text(email)

    with app.app_context():
        assert send_all(db.session) >= 1
        purchase_id = db.session.query(CatalogPurchase.id).filter(CatalogPurchase.email == email).scalar()
    [message] = smtp.to(email)
    [attached] = [p.get_payload(decode=True) for p in message.iter_attachments()]
    assert attached.startswith(b"%PDF")
    link = link_in(message)
    assert link.startswith(live_server)

    with page.expect_download() as download_info:
        page.evaluate("url => { const a = document.createElement('a'); a.href = url; document.body.appendChild(a); a.click(); }",
                      link)
    downloaded = download_info.value
    assert open(downloaded.path(), "rb").read() == attached

    with app.app_context():
        purchase = db.session.get(CatalogPurchase, purchase_id)
        expired = catalog.issue_link(db.session, purchase, now=utcnow() - dt.timedelta(hours=49))
        db.session.commit()
    response = page.goto(f"/catalog/download/{purchase_id}/{expired}")
    assert response.status == 410
    expect(page.locator("#download-refused")).to_contain_text("expired")
    expect(page.locator("#new-link-form")).to_be_visible()
    response = page.goto(link)  # the first link was replaced: no file either
    assert response.status == 404
