"""The published intake.validation rule set checks every new order: rejects with a message,
requires fields, sets priority; rules may name any service's form field."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from helpers import login

SHIPPED = json.loads((Path(__file__).resolve().parents[1] / "rules" / "intake.validation.json")
                     .read_text())["rules"]

LONG_PAPERS = {"name": "Too long for the deadline",
               "conditions": {"all": [{"name": "field_pages", "operator": "greater_than", "value": 100}]},
               "actions": [{"name": "reject", "params": {"message": "More than 100 pages needs a call."}}]}
TOPIC_FOR_THESES = {"name": "Theses need requirements",
                    "conditions": {"all": [
                        {"name": "field_work_type", "operator": "contains", "value": "thesis"},
                        {"name": "filled_requirements", "operator": "is_false", "value": True}]},
                    "actions": [{"name": "require_field",
                                 "params": {"field": "requirements", "message": "Tell us the requirements."}}]}


@pytest.fixture
def intake_rules(app):
    """Publish extra intake rules for one test, then roll back to the shipped ones."""
    from app.extensions import db
    from app.services import rulesets

    published = []

    def publish(*extra):
        with app.app_context():
            rs = rulesets.get_rule_set(db.session, "intake.validation")
            published.append(rs.published_number)
            draft = rulesets.save_draft(db.session, rs, SHIPPED + list(extra))
            assert not draft.errors, draft.errors
            rulesets.publish(db.session, draft)
            db.session.commit()

    yield publish
    with app.app_context():
        if published:
            rs = rulesets.get_rule_set(db.session, "intake.validation")
            rulesets.rollback(db.session, rs, published[0])
            db.session.commit()


def _order(db, code, details, **fields):
    from app.models import Customer, Service
    from app.services.orders import create_order

    service = db.session.execute(select(Service).where(Service.code == code)).scalar_one()
    customer = db.session.execute(select(Customer).where(Customer.name == "Citra Customer")).scalar_one()
    return create_order(db.session, service=service, customer=customer, details=details, **fields)


PAPER = {"subject": "history", "work_type": "essay", "topic": "The Hanseatic League", "pages": 150}


def test_editor_offers_every_services_form_fields(app):
    client = login(app.test_client(), "admin")
    sets = client.get("/api/v1/ruleset/?q=(filters:!((col:key,opr:eq,value:intake.validation)))").get_json()
    pk = sets["ids"][0]
    data = client.get(f"/api/v1/ruleset/{pk}/rule_data").get_json()
    names = {v["name"] for v in data["variables"]}
    # PAPER's pages, GMAIL-ACC's notes and REPAIR-PC's brand, each typed from its schema
    assert {"field_pages", "filled_notes", "field_brand", "quantity"} <= names
    pages = next(v for v in data["variables"] if v["name"] == "field_pages")
    assert pages["field_type"] == "numeric"
    page = client.get("/rulesetview/editor/intake.validation")
    assert b"field_pages" in page.data


def test_rule_on_a_form_field_refuses_the_order_with_its_message(app, intake_rules):
    from app.extensions import db
    from app.services.errors import ValidationFailed

    intake_rules(LONG_PAPERS)
    with app.app_context():
        with pytest.raises(ValidationFailed) as refused:
            _order(db, "PAPER", PAPER)
        db.session.rollback()
        assert refused.value.errors == {"order": ["More than 100 pages needs a call."]}
        # an order of a service without pages is not affected by that rule
        gmail = _order(db, "GMAIL-ACC", {"quantity": 3})
        assert gmail.id and gmail.state
        db.session.rollback()


def test_customer_sees_the_rule_message_on_the_order_form(app, intake_rules):
    from app.extensions import db
    from app.models import Order

    intake_rules(LONG_PAPERS)
    client = login(app.test_client(), "customer")
    with app.app_context():
        before = db.session.query(Order).count()
    response = client.post("/shop/order/PAPER", data={"title": "Long paper", **PAPER})
    assert response.status_code == 200
    assert 'class="alert alert-danger order-error">More than 100 pages needs a call.' in response.get_data(as_text=True)
    api = client.post("/api/v1/order/", json={"service": _service_id(app, "PAPER"), "customer": 1,
                                              "details": PAPER, "title": "Long paper"})
    assert api.status_code == 422
    assert api.get_json()["message"] == {"order": ["More than 100 pages needs a call."]}
    with app.app_context():
        assert db.session.query(Order).count() == before


def test_required_field_is_named(app, intake_rules):
    from app.extensions import db
    from app.services.errors import ValidationFailed

    intake_rules(TOPIC_FOR_THESES)
    with app.app_context():
        with pytest.raises(ValidationFailed) as refused:
            _order(db, "PAPER", {**PAPER, "pages": 40, "work_type": "thesis"})
        db.session.rollback()
        assert refused.value.errors == {"details.requirements": ["Tell us the requirements."]}
        ok = _order(db, "PAPER", {**PAPER, "pages": 40, "work_type": "thesis", "requirements": "APA, 40 sources"})
        assert ok.id
        db.session.rollback()


def test_rush_order_gets_urgent_priority_and_the_decision_is_kept(app):
    from app.extensions import db
    from app.models import Decision
    from app.models.types import utcnow

    with app.app_context():
        order = _order(db, "PAPER", {**PAPER, "pages": 10}, deadline=utcnow() + dt.timedelta(days=1, hours=2))
        assert order.priority == "urgent"
        created = order.events[0]
        decision = created.decision["decisions"][0]
        assert decision["key"] == "intake.validation" and decision["version"] >= 1
        assert [a["name"] for a in decision["actions"]] == ["set_priority"]
        stored = db.session.execute(select(Decision).where(Decision.order_id == order.id)).scalars().all()
        # the intake decision first; then the paper's routing to the on-duty manager (writing.routing)
        assert [d.rule_set_key for d in stored] == ["intake.validation", "writing.routing"]
        normal = _order(db, "PAPER", {**PAPER, "pages": 10})
        assert normal.priority == "normal"
        db.session.rollback()


def _service_id(app, code):
    from app.extensions import db
    from app.models import Service

    with app.app_context():
        return db.session.execute(select(Service.id).where(Service.code == code)).scalar_one()
