"""Workflows in the browser: a button fires a transition, the page shows the new state and the
diagram (vendored Mermaid) with it highlighted; an author declines an offer with a reason;
the Admin's workflow editor refuses invalid YAML naming the line."""
from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect
from sqlalchemy import select


def _order(app, code, details):
    from app.extensions import db
    from app.models import Customer, Service, User
    from app.services.orders import create_order

    with app.app_context():
        service = db.session.execute(select(Service).where(Service.code == code)).scalar_one()
        customer = db.session.execute(select(Customer).where(Customer.email == "customer@demo.orderflow.local")).scalar_one()
        manager = db.session.execute(select(User).where(User.username == "manager")).scalar_one()
        order = create_order(db.session, service=service, customer=customer, details=details,
                             title=f"browser wf {uuid.uuid4().hex[:6]}", actor=manager)
        db.session.commit()
        return order.id


def test_button_fires_transition_and_diagram_highlights_state(page: Page, login_page, app):
    oid = _order(app, "REPAIR-PC", {"device_type": "laptop", "brand": "Asus", "fault": "Cracked screen"})
    login_page("manager")
    page.goto(f"/orderview/show/{oid}")
    expect(page.locator("#order-state")).to_have_text("Received")
    # the diagram is drawn by the vendored script: an SVG with the current state styled active
    expect(page.locator("#workflow-diagram svg")).to_have_count(1)
    expect(page.locator("#workflow-diagram svg .s_active")).to_contain_text("Received")
    page.locator("#trigger-comment").fill("Customer waits at the counter")
    page.locator("button.trigger-button[data-trigger='start_diagnosis']").click()
    page.wait_for_load_state()
    expect(page.locator("#order-state")).to_have_text("Diagnosing")
    expect(page.locator("#customer-label")).to_have_text("Being diagnosed")
    expect(page.locator("#workflow-diagram svg .s_active")).to_contain_text("Diagnosing")
    history = page.locator("#order-history tbody tr").first
    expect(history).to_contain_text("start_diagnosis")
    expect(history).to_contain_text("Customer waits at the counter")
    expect(page.locator("button.trigger-button[data-trigger='start_diagnosis']")).to_have_count(0)


def test_author_declines_an_offer_with_a_reason(page: Page, login_page, app):
    from app.extensions import db
    from app.models import Offer, User
    from app.services import transitions

    oid = _order(app, "PAPER", {"subject": "law", "work_type": "essay", "topic": "Browser offers", "pages": 4})
    with app.app_context():
        manager = db.session.execute(select(User).where(User.username == "manager")).scalar_one()
        transitions.fire(db.session, oid, "offer", actor=manager)  # it was routed on creation
        db.session.commit()
        offer = db.session.execute(select(Offer).where(Offer.order_id == oid, Offer.status == "offered")).scalar_one()
        username = db.session.get(User, offer.user_id).username
    login_page(username)
    page.goto(f"/orderview/show/{oid}")
    expect(page.locator("button.trigger-button")).to_have_text(["I take it", "I decline"])
    page.locator("#trigger-comment").fill("Not my field")
    page.locator("button.trigger-button[data-trigger='decline']").click()
    page.wait_for_load_state()
    with app.app_context():
        declined = db.session.execute(select(Offer).where(Offer.order_id == oid, Offer.user_id == offer.user_id)).scalar_one()
        assert declined.status == "declined" and declined.reason == "Not my field"


def test_admin_editor_refuses_invalid_yaml_with_line(page: Page, login_page):
    login_page("admin")
    page.goto("/workflows/")
    page.locator("#workflow-list a", has_text="repair_ticket").click()
    expect(page.locator("#workflow-diagram svg")).to_have_count(1)
    text = page.locator("#yaml-text").input_value()
    page.locator("#yaml-text").fill(text.replace("to: diagnosing", "to: nowhere", 1))
    page.get_by_role("button", name="Validate and save as draft").click()
    page.wait_for_load_state()
    expect(page.locator("#workflow-problems")).to_contain_text(re.compile(r"line \d+: transition 'start_diagnosis'.*nowhere"))
