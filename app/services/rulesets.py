"""Rule sets as versioned data: defaults, drafts, publish, rollback, live evaluation.

Versions are append-only. ``publish`` switches one version to ``published`` and the
previous one to ``archived`` (under a row lock on the rule set; a partial unique index
also refuses two published versions). ``rollback`` copies an older version's rules into a
NEW version and publishes it, so the history keeps showing what ran when.

Live evaluation: every ``evaluate`` reads the rule set's published version number with
one primary-key/unique-key query and uses a per-process compiled cache keyed by
(key, version, form schema). A version published by another process or gunicorn worker
is therefore used on the very next evaluation; one evaluation runs one compiled version.
"""
from __future__ import annotations

import difflib
import json
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ..engine.rules import (Decision, RuleError, compile_rules, default_rule_sets,
                            get_context, load_rule_set, validate_rules)
from ..engine.rules.validation import parse_rules
from ..models import RuleSet, RuleSetVersion
from ..models import Decision as DecisionRow
from ..models.types import utcnow
from .errors import ValidationFailed


class RulesInvalid(ValidationFailed):
    """A version cannot be published: ``rule_errors`` name rule, path and reason."""

    def __init__(self, rule_errors: list[RuleError]):
        self.rule_errors = list(rule_errors)
        super().__init__({"rules": [str(e) for e in self.rule_errors]})


_cache: dict[tuple, Any] = {}
_cache_lock = threading.Lock()


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


# ---------------------------------------------------------------------------
# reading


def get_rule_set(session, key_or_id) -> RuleSet:
    if isinstance(key_or_id, RuleSet):
        return key_or_id
    if isinstance(key_or_id, int) or (isinstance(key_or_id, str) and key_or_id.isdigit()):
        rs = session.get(RuleSet, int(key_or_id))
    else:
        rs = session.execute(select(RuleSet).where(RuleSet.key == key_or_id)).scalar_one_or_none()
    if rs is None:
        raise LookupError(f"no rule set {key_or_id!r}")
    return rs


def published_version(session, rule_set: RuleSet) -> RuleSetVersion | None:
    return session.execute(
        select(RuleSetVersion).where(RuleSetVersion.rule_set_id == rule_set.id,
                                     RuleSetVersion.status == "published")
    ).scalar_one_or_none()


def get_version(session, rule_set: RuleSet, number: int) -> RuleSetVersion:
    v = session.execute(select(RuleSetVersion).where(
        RuleSetVersion.rule_set_id == rule_set.id, RuleSetVersion.number == int(number))
    ).scalar_one_or_none()
    if v is None:
        raise LookupError(f"{rule_set.key} has no version {number}")
    return v


def latest_version(session, rule_set: RuleSet) -> RuleSetVersion | None:
    return session.execute(select(RuleSetVersion).where(
        RuleSetVersion.rule_set_id == rule_set.id).order_by(RuleSetVersion.number.desc()).limit(1)
    ).scalar_one_or_none()


def _context_schema(session, rule_set: RuleSet):
    """The form schema a rule set's context is built with (intake: every service's fields)."""
    if rule_set.context != "intake" or session is None:
        return None
    from .rule_facts import catalog_form_schema

    return catalog_form_schema(session)


def validate(rule_set: RuleSet, rules, form_schema=None, *, session=None) -> list[RuleError]:
    """Every problem of ``rules`` (list or JSON text) against the rule set's context."""
    data, errors = parse_rules(rules)
    if errors:
        return errors
    if form_schema is None:
        form_schema = _context_schema(session, rule_set)
    return validate_rules(get_context(rule_set.context, form_schema), data)


def rule_data(rule_set: RuleSet, session=None) -> dict:
    """Variables, operators and actions the editor offers (business-rules export_rule_data);
    for ``intake`` every service's form fields too."""
    ctx = get_context(rule_set.context, _context_schema(session, rule_set))
    data = ctx.export_rule_data()
    data["param_options"] = {name: {p: list(opts) for p, opts in spec.param_options.items()}
                             for name, spec in ctx.actions.items() if spec.param_options}
    return data


# ---------------------------------------------------------------------------
# writing


def _next_number(session, rule_set: RuleSet) -> int:
    latest = latest_version(session, rule_set)
    return (latest.number if latest else 0) + 1


def _lock(session, rule_set: RuleSet) -> RuleSet:
    """Row lock on the rule set (SELECT ... FOR UPDATE; a no-op on SQLite)."""
    return session.execute(
        select(RuleSet).where(RuleSet.id == rule_set.id).with_for_update()
    ).scalar_one()


def create_rule_set(session, key: str, context: str, description: str = "", rules=None, *,
                    author=None, publish_now: bool = False) -> RuleSet:
    errors = {}
    if not key or not str(key).strip():
        errors["key"] = ["A key is required."]
    try:
        get_context(context)
    except KeyError as exc:
        errors["context"] = [str(exc.args[0])]
    if not errors and session.execute(select(RuleSet.id).where(RuleSet.key == key)).first():
        errors["key"] = [f"A rule set with the key {key!r} exists already."]
    if errors:
        raise ValidationFailed(errors)
    rs = RuleSet(key=key.strip(), context=context, description=description or "")
    session.add(rs)
    session.flush()
    if rules is not None:
        v = save_draft(session, rs, rules, author=author, note="created")
        if publish_now:
            publish(session, v, actor=author)
    return rs


def save_draft(session, rule_set, rules, *, author=None, note: str | None = None) -> RuleSetVersion:
    """Store ``rules`` (list or JSON text) as a draft. Invalid drafts are saved too:
    their problems are stored in ``errors`` and block publishing only.

    The newest version is updated in place when it is a draft; otherwise a new draft
    version is added."""
    rule_set = get_rule_set(session, rule_set)
    data, parse_errors = parse_rules(rules)
    errors = parse_errors or validate(rule_set, data, session=session)
    stored = data if not parse_errors else rules  # malformed JSON kept as text
    latest = latest_version(session, rule_set)
    if latest is not None and latest.status == "draft":
        version = latest
    else:
        version = RuleSetVersion(rule_set=rule_set, number=_next_number(session, rule_set),
                                 status="draft")
        session.add(version)
    version.rules = stored
    version.errors = [e.to_dict() for e in errors] or None
    version.author_id = getattr(author, "id", None) or version.author_id
    version.note = note if note is not None else version.note
    version.created = utcnow()
    session.flush()
    return version


def publish(session, version: RuleSetVersion, *, actor=None) -> RuleSetVersion:
    """Publish ``version`` (refused with RulesInvalid naming each problem)."""
    rule_set = _lock(session, version.rule_set)
    errors = validate(rule_set, version.rules, session=session)
    if errors:
        version.errors = [e.to_dict() for e in errors]
        raise RulesInvalid(errors)
    current = published_version(session, rule_set)
    if current is not None and current.id != version.id:
        current.status = "archived"
        session.flush()  # the partial unique index sees one published row at a time
    version.status = "published"
    version.errors = None
    version.published_at = utcnow()
    if actor is not None and version.author_id is None:
        version.author_id = actor.id
    rule_set.published_number = version.number
    session.flush()
    return version


def rollback(session, rule_set, number: int, *, actor=None) -> RuleSetVersion:
    """Publish again the rules of version ``number`` as a new version (history is kept)."""
    rule_set = get_rule_set(session, rule_set)
    old = get_version(session, rule_set, number)
    latest = latest_version(session, rule_set)
    if latest is not None and latest.status == "draft":
        target = latest  # an unpublished draft is replaced by the rollback
        target.rules = old.rules
    else:
        target = RuleSetVersion(rule_set=rule_set, number=_next_number(session, rule_set),
                                rules=old.rules, status="draft")
        session.add(target)
    target.note = f"Rollback to version {old.number}"
    target.author_id = getattr(actor, "id", None)
    target.created = utcnow()
    session.flush()
    return publish(session, target, actor=actor)


def diff_versions(a: RuleSetVersion, b: RuleSetVersion) -> list[str]:
    """Unified diff of two versions' pretty JSON."""
    def pretty(v):
        if isinstance(v.rules, str):
            return v.rules.splitlines()
        return json.dumps(v.rules, indent=2, ensure_ascii=False, sort_keys=False).splitlines()
    return list(difflib.unified_diff(pretty(a), pretty(b), f"version {a.number}",
                                     f"version {b.number}", lineterm=""))


# ---------------------------------------------------------------------------
# files


def load_defaults(session, directory=None) -> dict:
    """Load rules/*.json as published version 1 of every key not in the database yet."""
    report = {"created": [], "kept": []}
    for key, rsf in default_rule_sets(directory).items():
        if session.execute(select(RuleSet.id).where(RuleSet.key == key)).first():
            report["kept"].append(key)
            continue
        rs = RuleSet(key=key, context=rsf.context, description=rsf.description)
        session.add(rs)
        session.flush()
        v = RuleSetVersion(rule_set=rs, number=1, rules=rsf.rules, status="draft",
                           note="default from rules/")
        session.add(v)
        session.flush()
        publish(session, v)
        report["created"].append(key)
    return report


def import_dir(session, directory, *, actor=None) -> dict:
    """Files -> database: new keys are created; changed rules become a new published
    version; identical rules change nothing. Invalid files are refused (nothing saved)."""
    report = {"created": [], "updated": [], "unchanged": []}
    files = sorted(Path(directory).glob("*.json"))
    loaded = [load_rule_set(p) for p in files]  # raises RuleValidationError on a bad file
    for rsf in loaded:
        rs = session.execute(select(RuleSet).where(RuleSet.key == rsf.key)).scalar_one_or_none()
        if rs is None:
            create_rule_set(session, rsf.key, rsf.context, rsf.description, rsf.rules,
                            author=actor, publish_now=True)
            report["created"].append(rsf.key)
            continue
        current = published_version(session, rs)
        if rsf.description and rsf.description != rs.description:
            rs.description = rsf.description
        if current is not None and current.rules == rsf.rules:
            report["unchanged"].append(rsf.key)
            continue
        v = save_draft(session, rs, rsf.rules, author=actor, note=f"imported from {Path(rsf.path).name}")
        publish(session, v, actor=actor)
        report["updated"].append(rsf.key)
    return report


def export_dir(session, directory) -> list[str]:
    """Database -> files: the published version of every rule set as <key>.json."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for rs in session.execute(select(RuleSet).order_by(RuleSet.key)).scalars():
        v = published_version(session, rs)
        if v is None:
            continue
        doc = {"key": rs.key, "context": rs.context, "description": rs.description or "",
               "version": v.number, "rules": v.rules}
        path = out / f"{rs.key}.json"
        path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(str(path))
    return written


# ---------------------------------------------------------------------------
# evaluation


def compiled(rule_set_key: str, context: str, number, rules, form_schema=None):
    """Compiled form of one version (cached per process by key, version and schema)."""
    schema_key = json.dumps(form_schema, sort_keys=True, default=str) if form_schema else ""
    cache_key = (rule_set_key, number, schema_key)
    hit = _cache.get(cache_key)
    if hit is not None:
        return hit
    ruleset = compile_rules(get_context(context, form_schema), rules, key=rule_set_key,
                            version=number)
    with _cache_lock:
        if len(_cache) > 512:
            _cache.clear()
        _cache[cache_key] = ruleset
    return ruleset


def current(session, key: str, form_schema=None):
    """The compiled published version of ``key``: one indexed query checks its number."""
    row = session.execute(
        select(RuleSet.id, RuleSet.context, RuleSet.published_number).where(RuleSet.key == key)
    ).first()
    if row is None or row.published_number is None:
        # Not in the database (yet): the shipped default file, never cached as a version.
        rsf = default_rule_sets().get(key)
        if rsf is None:
            raise LookupError(f"no published rule set {key!r}")
        return compile_rules(get_context(rsf.context, form_schema), rsf.rules, key=key, version=0)
    schema_key = json.dumps(form_schema, sort_keys=True, default=str) if form_schema else ""
    hit = _cache.get((key, row.published_number, schema_key))
    if hit is not None:
        return hit
    rules = session.execute(select(RuleSetVersion.rules).where(
        RuleSetVersion.rule_set_id == row.id, RuleSetVersion.number == row.published_number)
    ).scalar_one()
    return compiled(key, row.context, row.published_number, rules, form_schema)


def store_decision(session, decision: Decision, *, record=None, subject=None) -> DecisionRow:
    data = decision.to_dict()
    subject = subject if subject is not None else record
    row = DecisionRow(
        rule_set_key=decision.key, version=decision.version, context=decision.context,
        values=data["values"], fired=data["fired"], actions=data["actions"],
        changed=decision.changed,
        subject_type=type(subject).__name__ if subject is not None else None,
        subject_id=getattr(subject, "id", None),
    )
    if record is not None and type(record).__name__ == "Order":
        row.order = record  # an order not yet flushed gets its id at flush
    session.add(row)
    return row


def evaluate(session, key: str, facts: dict, *, form_schema=None, record=None,
             store: bool = True, subject=None) -> Decision:
    """Evaluate the PUBLISHED version of rule set ``key`` on ``facts``.

    A decision that changed something (an action ran) is stored when ``store`` is true,
    linked to ``record`` (an Order) and to ``subject`` (any row with an id, e.g. a
    candidate's User) in the caller's transaction; nothing is committed here.
    """
    ruleset = current(session, key, form_schema)
    decision = ruleset.evaluate(facts)
    if store and decision.changed:
        store_decision(session, decision, record=record, subject=subject)
    return decision


def order_decisions(session, order, limit: int = 50) -> list[DecisionRow]:
    return list(session.execute(
        select(DecisionRow).where(DecisionRow.order_id == order.id)
        .order_by(DecisionRow.id.desc()).limit(limit)).scalars())


# ---------------------------------------------------------------------------
# dry-run


def dry_run(session, rule_set, rules, *, limit: int = 20) -> dict:
    """Run ``rules`` (a draft) and the published version over the last ``limit`` real
    records of the rule set's context; list the records whose outcome changes.

    Raises RulesInvalid when the draft is invalid.
    """
    from . import rule_facts

    rule_set = get_rule_set(session, rule_set)
    try:
        limit = max(1, min(int(limit), 500))
    except (TypeError, ValueError):
        raise ValidationFailed({"limit": ["Give a whole number of records."]}) from None
    data, errors = parse_rules(rules)
    errors = errors or validate(rule_set, data, session=session)
    if errors:
        raise RulesInvalid(errors)
    pub = published_version(session, rule_set)
    prefix = rule_set.key.split(".", 1)[0]
    kind = prefix if prefix in rule_facts.DEFAULT_ROLE_FOR_KIND else None
    records = rule_facts.records(session, rule_set.context, limit, kind=kind)
    out = {"rule_set": rule_set.key, "context": rule_set.context,
           "published_version": pub.number if pub else None, "records": len(records),
           "changes": [], "message": None}
    if not records:
        out["message"] = rule_facts.NO_RECORDS_MESSAGE
        return out
    for rec in records:
        schema = rec.get("form_schema")
        draft = compile_rules(get_context(rule_set.context, schema), data, key=rule_set.key,
                              version="draft")
        new = draft.evaluate(rec["facts"])
        if pub is not None:
            old_set = compiled(rule_set.key, rule_set.context, pub.number, pub.rules, schema)
            old = old_set.evaluate(rec["facts"])
            old_outcome = rule_facts.outcome(rule_set.context, old)
        else:
            old_outcome = "-"
        new_outcome = rule_facts.outcome(rule_set.context, new)
        if old_outcome != new_outcome:
            out["changes"].append({"record": rec["label"], "record_id": rec.get("id"),
                                   "order_id": rec.get("order_id"),
                                   "old": old_outcome, "new": new_outcome})
    return out
