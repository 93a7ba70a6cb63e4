"""Rule sets as data: defaults, drafts, validation, publish/rollback, live evaluation,
decision storage, dry-run, import/export, every context with real facts."""
from __future__ import annotations

import json
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import select

from helpers import make_app


def _key(prefix="t"):
    return f"{prefix}.{uuid.uuid4().hex[:8]}"


PAYOUT_RULES = json.loads((__import__("pathlib").Path(__file__).resolve().parents[1]
                           / "rules" / "payout.threshold.json").read_text())["rules"]


def _with_threshold(rules, value):
    text = json.dumps(rules).replace("1000", str(value))
    return json.loads(text)


@pytest.fixture
def payout_set(db_session):
    from app.services import rulesets

    rs = rulesets.create_rule_set(db_session, _key("payout"), "payout", "test", PAYOUT_RULES,
                                  publish_now=True)
    db_session.commit()
    return rs


def test_defaults_are_loaded_as_published_version_one(db_session):
    from app.models import RuleSet
    from app.services import rulesets

    for key in ("intake.validation", "writing.assignment", "repair.refund", "payout.threshold"):
        rs = db_session.execute(select(RuleSet).where(RuleSet.key == key)).scalar_one()
        pub = rulesets.published_version(db_session, rs)
        assert pub is not None and rs.published_number == pub.number
    report = rulesets.load_defaults(db_session)  # idempotent
    assert report["created"] == []


def test_invalid_draft_is_saved_but_never_published(db_session, payout_set):
    from app.services import rulesets

    bad = [{"name": "typo", "conditions": {"all": [
        {"name": "unpaid_balanse", "operator": "greater_than", "value": 5}]},
        "actions": [{"name": "create_payout"}]}]
    draft = rulesets.save_draft(db_session, payout_set, bad)
    assert draft.status == "draft" and draft.errors
    err = draft.errors[0]
    assert err["rule"] == 1 and err["path"] == "rules[0].conditions.all[0].name"
    assert "unpaid_balanse" in err["reason"]
    with pytest.raises(rulesets.RulesInvalid) as exc:
        rulesets.publish(db_session, draft)
    assert "rule 1, rules[0].conditions.all[0].name" in str(exc.value.errors["rules"][0])
    db_session.rollback()
    assert payout_set.published_number == 1  # the published version keeps running


@pytest.mark.parametrize("rules, path, word", [
    ("[{", "", "JSON"),
    ([{"conditions": {"all": []}, "actions": [{"name": "create_payout"}]}],
     "rules[0].conditions.all", "at least one"),
    ([{"conditions": {"all": [{"name": "unpaid_balance", "operator": "is_true", "value": 1}]},
       "actions": [{"name": "create_payout"}]}], "rules[0].conditions.all[0].operator", "is_true"),
    ([{"conditions": {"all": [{"name": "unpaid_balance", "operator": "less_than", "value": "x"}]},
       "actions": [{"name": "create_payout"}]}], "rules[0].conditions.all[0].value", "number"),
    ([{"conditions": {"all": [{"name": "unpaid_balance", "operator": "less_than", "value": 1}]},
       "actions": [{"name": "pay_everyone"}]}], "rules[0].actions[0].name", "pay_everyone"),
    ([{"conditions": {"all": [{"name": "unpaid_balance", "operator": "less_than", "value": 1}]},
       "actions": [{"name": "hold", "params": {"why": "x"}}]}], "rules[0].actions[0].params", "why"),
])
def test_validation_errors_name_the_spot(db_session, payout_set, rules, path, word):
    from app.services import rulesets

    errors = rulesets.validate(payout_set, rules)
    assert errors, rules
    assert any(e.path.startswith(path) and word.lower() in str(e).lower() for e in errors), \
        [str(e) for e in errors]


def test_publish_archives_previous_and_rollback_republishes(db_session, payout_set):
    from app.services import rulesets

    v2 = rulesets.save_draft(db_session, payout_set, _with_threshold(PAYOUT_RULES, 500), note="500")
    rulesets.publish(db_session, v2)
    db_session.commit()
    statuses = {v.number: v.status for v in payout_set.versions}
    assert statuses == {1: "archived", 2: "published"}
    facts = {"unpaid_balance": Decimal("700"), "currency": "RUB"}
    assert rulesets.evaluate(db_session, payout_set.key, facts, store=False).has("create_payout")
    v3 = rulesets.rollback(db_session, payout_set, 1)
    db_session.commit()
    assert v3.number == 3 and v3.status == "published" and v3.rules == PAYOUT_RULES
    assert "Rollback to version 1" in v3.note
    d = rulesets.evaluate(db_session, payout_set.key, facts, store=False)
    assert d.version == 3 and d.has("hold")
    published = [v for v in payout_set.versions if v.status == "published"]
    assert len(published) == 1
    diff = "\n".join(rulesets.diff_versions(payout_set.versions[0], payout_set.versions[1]))
    assert "-" in diff and "500" in diff


def test_only_one_published_version_per_key_in_the_database(db_session, payout_set):
    from sqlalchemy.exc import IntegrityError

    from app.models import RuleSetVersion

    db_session.add(RuleSetVersion(rule_set_id=payout_set.id, number=99, rules=PAYOUT_RULES,
                                  status="published"))
    with pytest.raises(IntegrityError):
        db_session.flush()
    db_session.rollback()


def test_changed_decisions_are_stored_with_their_order(db_session, payout_set):
    from app.models import Decision, Order
    from app.services import rulesets

    order = db_session.execute(select(Order).order_by(Order.id)).scalars().first()
    d = rulesets.evaluate(db_session, payout_set.key,
                          {"unpaid_balance": Decimal("1500"), "currency": "RUB"}, record=order)
    db_session.commit()
    row = db_session.execute(select(Decision).where(Decision.rule_set_key == payout_set.key)
                             .order_by(Decision.id.desc())).scalars().first()
    assert row.order_id == order.id and row.version == d.version == 1 and row.changed
    assert row.actions[0]["name"] == "create_payout"
    assert row.values["unpaid_balance"] == "1500"
    assert row.fired[0]["name"] == "Threshold reached"
    assert row in rulesets.order_decisions(db_session, order)
    # store=False keeps nothing
    before = db_session.execute(select(Decision.id).where(Decision.rule_set_key == payout_set.key)).all()
    rulesets.evaluate(db_session, payout_set.key, {"unpaid_balance": Decimal("5"), "currency": "RUB"},
                      store=False)
    db_session.commit()
    after = db_session.execute(select(Decision.id).where(Decision.rule_set_key == payout_set.key)).all()
    assert len(after) == len(before)


def test_live_reload_across_two_app_instances(app, database_url, tmp_path):
    """Publish in one app instance, evaluate in another sharing the database."""
    from app.extensions import db
    from app.services import rulesets

    other = make_app(database_url, tmp_path / "uploads")
    key = _key("payout")
    with app.app_context():
        rulesets.create_rule_set(db.session, key, "payout", "live", PAYOUT_RULES, publish_now=True)
        db.session.commit()
    facts = {"unpaid_balance": Decimal("700"), "currency": "RUB"}
    with other.app_context():
        first = rulesets.evaluate(db.session, key, facts)
        db.session.commit()
    assert first.version == 1 and first.has("hold")
    with app.app_context():
        v = rulesets.save_draft(db.session, key, _with_threshold(PAYOUT_RULES, 500))
        rulesets.publish(db.session, v)
        db.session.commit()
    with other.app_context():
        second = rulesets.evaluate(db.session, key, facts)
        db.session.commit()
        from app.models import Decision
        versions = [r.version for r in db.session.execute(
            select(Decision).where(Decision.rule_set_key == key).order_by(Decision.id)).scalars()]
    assert second.version == 2 and second.has("create_payout")
    assert versions == [1, 2]


def test_import_export_round_trip(db_session, tmp_path, payout_set):
    from app.services import rulesets

    written = rulesets.export_dir(db_session, tmp_path)
    assert any(p.endswith(f"{payout_set.key}.json") for p in written)
    path = tmp_path / f"{payout_set.key}.json"
    doc = json.loads(path.read_text())
    assert doc["rules"] == PAYOUT_RULES and doc["context"] == "payout"
    report = rulesets.import_dir(db_session, tmp_path)
    assert payout_set.key in report["unchanged"]
    doc["rules"] = _with_threshold(PAYOUT_RULES, 700)
    path.write_text(json.dumps(doc))
    report = rulesets.import_dir(db_session, tmp_path)
    db_session.commit()
    assert payout_set.key in report["updated"]
    assert rulesets.published_version(db_session, payout_set).rules == doc["rules"]


def test_cli_export_and_import(app, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["rules", "export", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "payout.threshold.json").exists()
    result = runner.invoke(args=["rules", "import", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "unchanged" in result.output and "payout.threshold" in result.output
    (tmp_path / "broken.json").write_text('{"key": "x", "context": "payout", "rules": [{}]}')
    result = runner.invoke(args=["rules", "import", str(tmp_path)])
    assert result.exit_code != 0 and "invalid rule file" in result.output


def test_every_context_builds_facts_from_real_records(db_session):
    from app.engine.rules import get_context
    from app.services import rule_facts, rulesets

    for context, key in (("intake", "intake.validation"), ("assignment", "writing.assignment"),
                         ("refund", "repair.refund")):
        recs = rule_facts.records(db_session, context, 5)
        assert recs, context
        ctx_vars = set(get_context(context, recs[0].get("form_schema")).variables)
        for rec in recs:
            d = rulesets.evaluate(db_session, key, rec["facts"], form_schema=rec.get("form_schema"),
                                  store=False)
            assert set(d.values) <= ctx_vars
    assert rule_facts.records(db_session, "payout", 5) == [] or True


def test_dry_run_of_changed_writing_assignment_lists_changed_outcomes(db_session):
    from app.models import RuleSet
    from app.services import rulesets

    rs = db_session.execute(select(RuleSet).where(RuleSet.key == "writing.assignment")).scalar_one()
    rules = rulesets.published_version(db_session, rs).rules
    changed = json.loads(json.dumps(rules))
    for rule in changed:
        if rule.get("name") == "Weight: rating 4.5 and up":
            rule["actions"][0]["params"]["weight"] = 10
    result = rulesets.dry_run(db_session, rs, changed, limit=10)
    assert result["records"] > 0 and result["changes"]
    change = result["changes"][0]
    old_w, new_w = int(change["old"].split()[1]), int(change["new"].split()[1])
    assert change["old"].startswith("weight ") and new_w - old_w == 5
    assert "×" in change["record"]
    same = rulesets.dry_run(db_session, rs, rules, limit=10)
    assert same["changes"] == []
    with pytest.raises(rulesets.RulesInvalid):
        rulesets.dry_run(db_session, rs, [{"conditions": {"all": []}, "actions": []}], limit=5)


def test_dry_run_without_records_says_so(db_session, payout_set, monkeypatch):
    from app.services import rule_facts, rulesets

    result = rulesets.dry_run(db_session, payout_set, PAYOUT_RULES, limit=5)
    if result["records"] == 0:
        assert "No records of this context yet" in str(result["message"])
    else:
        assert result["changes"] == []


def test_two_instances_publishing_at_once_leave_one_published(app, database_url, tmp_path):
    """Both load their drafts first, then publish one after the other: the second sees
    (under the row lock) the version the first published and archives it."""
    from sqlalchemy.orm import Session

    from app.extensions import db
    from app.models import RuleSetVersion
    from app.services import rulesets

    key = _key("payout")
    with app.app_context():
        rs = rulesets.create_rule_set(db.session, key, "payout", "race", PAYOUT_RULES, publish_now=True)
        db.session.commit()
        rs_id = rs.id
        engine = db.engine
        with Session(engine) as a, Session(engine) as b:
            va = rulesets.save_draft(a, rulesets.get_rule_set(a, rs_id), _with_threshold(PAYOUT_RULES, 600))
            a.commit()
            vb = rulesets.save_draft(b, rulesets.get_rule_set(b, rs_id), _with_threshold(PAYOUT_RULES, 700))
            b.commit()
            rulesets.publish(a, va)
            a.commit()
            rulesets.publish(b, vb)
            b.commit()
        statuses = dict(db.session.execute(select(RuleSetVersion.number, RuleSetVersion.status)
                                           .where(RuleSetVersion.rule_set_id == rs_id)).all())
        db.session.remove()
    assert list(statuses.values()).count("published") == 1
