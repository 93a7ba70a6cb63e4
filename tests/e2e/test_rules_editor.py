"""Browser: the rule editor changes payout.threshold 1000 -> 500 in a running server and
the next payout decision (in another app instance on the same database) follows it;
an invalid rule cannot be published and the page says where; dry-run and dashboard."""
from __future__ import annotations

import json
import re
from decimal import Decimal

from playwright.sync_api import Page, expect
from sqlalchemy import select

from helpers import make_app


def _evaluate_elsewhere(other, facts):
    from app.extensions import db
    from app.services import rulesets

    with other.app_context():
        d = rulesets.evaluate(db.session, "payout.threshold", facts)
        db.session.commit()
        db.session.remove()
        return d


def _published(app):
    from app.extensions import db
    from app.models import RuleSet

    with app.app_context():
        rs = db.session.execute(select(RuleSet).where(RuleSet.key == "payout.threshold")).scalar_one()
        number = rs.published_number
        db.session.remove()
        return number


def test_threshold_change_in_browser_is_live(page: Page, login_page, app, database_url, tmp_path):
    from app.extensions import db
    from app.services import rulesets

    other = make_app(database_url, tmp_path / "uploads")  # a second running instance
    facts = {"unpaid_balance": Decimal("700"), "currency": "RUB"}
    before_number = _published(app)
    before = _evaluate_elsewhere(other, facts)
    assert before.has("hold") and before.version == before_number
    try:
        login_page("owner")
        page.goto("/rulesetview/editor/payout.threshold")
        values = page.locator("#rules-builder input.cond-value")
        expect(values.first).to_be_visible()
        thousands = [i for i in range(values.count()) if values.nth(i).input_value() == "1000"]
        assert len(thousands) == 2
        for i in thousands:
            values.nth(i).fill("500")
        assert '"value": 500' in page.locator("#rules-json").input_value()
        page.locator("input[name=note]").fill("threshold 500")
        page.locator("#btn-publish").click()
        expect(page.locator("#published-number")).to_have_text(str(before_number + 1))
        after = _evaluate_elsewhere(other, facts)
        assert after.has("create_payout") and after.version == before_number + 1
        # both decisions are stored with their version and listed in the decisions page
        page.goto("/decisionview/list/?_flt_0_rule_set_key=payout.threshold")
        expect(page.locator("body")).to_contain_text("payout.threshold")
    finally:
        with app.app_context():
            rulesets.rollback(db.session, "payout.threshold", before_number)
            db.session.commit()
            db.session.remove()
    with other.app_context():
        from app.models import Decision
        versions = [r.version for r in db.session.execute(
            select(Decision).where(Decision.rule_set_key == "payout.threshold")
            .order_by(Decision.id.desc()).limit(2)).scalars()]
        db.session.remove()
    assert versions == [before_number + 1, before_number]


def test_invalid_rule_is_not_published_and_the_spot_is_named(page: Page, login_page, app):
    login_page("owner")
    page.goto("/rulesetview/editor/repair.refund")
    number = page.locator("#published-number").inner_text()
    page.locator("#tab-raw").click()
    text = page.locator("#rules-json").input_value()
    rules = json.loads(text)
    rules[0]["conditions"] = {"all": []}
    page.locator("#rules-json").fill(json.dumps(rules))
    page.locator("#btn-publish").click()
    expect(page.locator("#rule-errors")).to_contain_text("rules[0].conditions.all")
    expect(page.locator("body")).to_contain_text("cannot be published")
    expect(page.locator("#published-number")).to_have_text(number)
    # the version history shows the invalid draft; compare two versions
    expect(page.locator("#versions")).to_contain_text("invalid")
    page.locator("#diff-form button").click()
    expect(page.locator("#diff")).to_contain_text("conditions")


def test_dry_run_in_browser_lists_changed_outcomes(page: Page, login_page):
    login_page("owner")
    page.goto("/rulesetview/editor/writing.assignment")
    page.locator("#tab-raw").click()
    rules = json.loads(page.locator("#rules-json").input_value())
    for rule in rules:
        if rule.get("name") == "Weight: rating 4.5 and up":
            rule["actions"][0]["params"]["weight"] = 9
    page.locator("#rules-json").fill(json.dumps(rules))
    page.locator("input[name=limit]").fill("10")
    page.locator("#btn-dry-run").click()
    table = page.locator("#dry-run-changes")
    expect(table).to_contain_text(re.compile(r"weight (5|6)"))
    expect(table).to_contain_text(re.compile(r"weight (9|10)"))
    page.goto("/assignment-dashboard/")
    expect(page.locator("#shares")).to_contain_text("Expected")
