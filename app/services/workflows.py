"""Workflows as versioned data: the shipped YAML files load into the database as version 1
(published); Admins edit drafts, validate them and publish. Every order records the
workflow version it runs on; one compiled ``transitions`` machine per version is shared
by all orders (``app.engine.workflow.MachineCache``).

Publishing moves every open order of the workflow to the new version; when the new
version drops states in which orders sit, a mapping {old state: new state} is required
and applied in the same transaction (an OrderEvent on each moved order).
"""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Optional

from flask_babel import pgettext, lazy_gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..engine.workflow import (CompiledWorkflow, DefinitionError, MachineCache, WorkflowDefinition,
                               check_state_mapping, diff_removed_states, parse_definition)
from ..models import Order, OrderEvent, WorkflowRecord, WorkflowVersion
from ..models.types import utcnow
from .errors import ValidationFailed

WORKFLOW_DIR = Path(__file__).resolve().parents[2] / "workflows"
FALLBACK_STATE = "new"
#: Seconds a process trusts its list of published version numbers (another process may publish).
PUBLISHED_TTL = 1.0

MACHINES = MachineCache()
_files_lock = threading.Lock()
_files: Optional[dict[str, tuple[str, WorkflowDefinition]]] = None
_published: dict = {"at": 0.0, "map": {}}


def known_roles() -> list[str]:
    from .roles import ROLES

    return list(ROLES)


def order_fields() -> list[str]:
    cols = [c.key for c in Order.__table__.columns if c.key not in ("id", "state", "version")]
    return cols + ["assignee", "manager", "division", "customer", "service"]


def parse(yaml_text: str) -> WorkflowDefinition:
    """Parse and validate a definition; raises DefinitionError (line-numbered problems)."""
    return parse_definition(yaml_text, known_roles=known_roles(), order_fields=order_fields())


def shipped_files() -> dict[str, tuple[str, WorkflowDefinition]]:
    global _files
    with _files_lock:
        if _files is None:
            out = {}
            for path in sorted(WORKFLOW_DIR.glob("*.yaml")):
                text = path.read_text(encoding="utf-8")
                definition = parse(text)
                out[definition.key] = (text, definition)
            _files = out
        return _files


def shipped_definitions() -> dict[str, dict]:
    """Kept for callers of the first version: {key: {"label", "number_prefix"}}."""
    return {k: {"label": d.label, "number_prefix": d.number_prefix} for k, (_t, d) in shipped_files().items()}


# --------------------------------------------------------------------------- loading


def load_shipped(session: Session) -> int:
    """Load each shipped workflow file as version 1, published, when its key has no record
    yet (idempotent). Returns how many workflows were created."""
    created = 0
    for key, (text, definition) in shipped_files().items():
        record = session.execute(select(WorkflowRecord).where(WorkflowRecord.key == key)).scalar()
        if record is not None:
            continue
        record = WorkflowRecord(key=key, label=definition.label)
        record.versions.append(WorkflowVersion(number=1, yaml_text=text, status="published",
                                               note="Shipped with Orderflow", published_at=utcnow()))
        session.add(record)
        created += 1
    if created:
        session.flush()
        invalidate()
    return created


def invalidate() -> None:
    _published["at"] = 0.0


def _session(session=None):
    if session is not None:
        return session
    from flask import has_app_context

    if has_app_context():
        from ..extensions import db

        return db.session
    return None


def published_map(session=None) -> dict[str, int]:
    """{workflow key: published version number}; refreshed at most every PUBLISHED_TTL seconds."""
    now = time.monotonic()
    if now - _published["at"] < PUBLISHED_TTL:
        return _published["map"]
    session = _session(session)
    if session is None:
        return {}
    try:
        rows = session.execute(
            select(WorkflowRecord.key, WorkflowVersion.number)
            .join(WorkflowVersion, WorkflowVersion.workflow_id == WorkflowRecord.id)
            .where(WorkflowVersion.status == "published")
        ).all()
    except Exception:  # table not there yet (before migrations)
        session.rollback()
        return {}
    _published["map"] = {k: n for k, n in rows}
    _published["at"] = now
    return _published["map"]


def _loader(session, key: str, version: int):
    def load() -> WorkflowDefinition:
        text = None
        if session is not None:
            text = session.execute(
                select(WorkflowVersion.yaml_text)
                .join(WorkflowRecord, WorkflowVersion.workflow_id == WorkflowRecord.id)
                .where(WorkflowRecord.key == key, WorkflowVersion.number == version)
            ).scalar()
        if text is None:
            files = shipped_files()
            if key not in files:
                raise LookupError(f"workflow {key!r} version {version} does not exist")
            return files[key][1]
        return parse(text)
    return load


def compiled(session, key: str, version: int) -> CompiledWorkflow:
    """The shared compiled machine of ``key`` at ``version`` (built once per process)."""
    found = MACHINES.peek(key, version)
    if found is not None:
        return found
    return MACHINES.get(key, version, _loader(_session(session), key, version))


def published(session, key: str) -> CompiledWorkflow:
    """The compiled published version of ``key`` (the shipped file when not loaded yet)."""
    number = published_map(session).get(key)
    if number is None:
        if key not in shipped_files():
            raise LookupError(f"unknown workflow {key!r}")
        number = 1
    return compiled(session, key, number)


def for_order(session, order) -> CompiledWorkflow:
    return compiled(session, order.workflow_key, order.workflow_version or 1)


# --------------------------------------------------------------------------- what other code reads


def state_names(kind: str) -> list[str]:
    try:
        return list(published(None, kind).states)
    except LookupError:
        return []


def number_prefix(kind: str) -> str:
    try:
        return published(None, kind).definition.number_prefix
    except LookupError:
        return kind[:2].upper() if kind else "OR"


def starting_point(session, kind: str) -> tuple[int, str]:
    """(published version number, initial state) for a new order of ``kind``."""
    try:
        wf = published(session, kind)
    except LookupError:
        return 1, FALLBACK_STATE
    return wf.version, wf.initial_state


def translated(label: str) -> str:
    """A workflow's label (data) in the user's language: the shipped files' labels are in the
    catalogs under the context "workflow" (babel.cfg extracts them); a label an admin typed
    in the editor shows as typed.  A "%" is "%%" in the catalogs (see app/i18n_extract.py)."""
    if not label:
        return label
    return pgettext("workflow", label.replace("%", "%%")).replace("%%", "%")


def customer_label(kind: str, state: str, version: Optional[int] = None) -> str:
    try:
        wf = compiled(None, kind, version) if version else published(None, kind)
        return translated(wf.customer_label(state) or wf.label(state))
    except Exception:
        return state.replace("_", " ").capitalize()


def state_label(kind: str, state: str, version: Optional[int] = None) -> str:
    try:
        wf = compiled(None, kind, version) if version else published(None, kind)
        return translated(wf.label(state))
    except Exception:
        return state.replace("_", " ").capitalize()


def known_kinds() -> list[str]:
    return sorted(set(shipped_files()) | set(published_map(None)))


# --------------------------------------------------------------------------- editing


def _record(session, key: str) -> WorkflowRecord:
    record = session.execute(select(WorkflowRecord).where(WorkflowRecord.key == key)).scalar()
    if record is None:
        raise ValidationFailed({"key": [_("unknown workflow '%(key)s'", key=key)]})
    return record


def validation_messages(yaml_text: str) -> list[str]:
    """[] when valid, else one message per problem ("line N: element: message")."""
    try:
        parse(yaml_text)
    except DefinitionError as exc:
        return exc.messages
    return []


def save_draft(session, key: str, yaml_text: str, *, author=None, note: str | None = None) -> WorkflowVersion:
    """Store a new draft version of ``key`` after validating it (ValidationFailed naming
    each problem's line and element under ``yaml_text``)."""
    record = _record(session, key)
    messages = validation_messages(yaml_text)
    if messages:
        raise ValidationFailed({"yaml_text": messages})
    definition = parse(yaml_text)
    if definition.key != key:
        raise ValidationFailed({"yaml_text": [_("the key must stay '%(key)s'", key=key)]})
    number = (session.execute(select(func.max(WorkflowVersion.number))
                              .where(WorkflowVersion.workflow_id == record.id)).scalar() or 0) + 1
    version = WorkflowVersion(workflow=record, number=number, yaml_text=yaml_text, status="draft",
                              author_id=getattr(author, "id", None), note=note)
    session.add(version)
    session.flush()
    return version


def occupied_states(session, key: str) -> dict[str, int]:
    rows = session.execute(select(Order.state, func.count(Order.id)).where(Order.workflow_key == key)
                           .group_by(Order.state)).all()
    return {s: n for s, n in rows}


def publish_preview(session, version: WorkflowVersion) -> dict:
    """What publishing ``version`` means: removed states and how many orders sit in each."""
    current = published_version(session, version.workflow.key)
    new_def = parse(version.yaml_text)
    removed: set = set()
    if current is not None and current.id != version.id:
        removed = diff_removed_states(parse(current.yaml_text), new_def)
    occupied = occupied_states(session, version.workflow.key)
    return {"removed": {s: occupied.get(s, 0) for s in sorted(removed)},
            "needs_mapping": sorted(s for s in removed if occupied.get(s)),
            "states": list(new_def.state_names)}


def published_version(session, key: str) -> Optional[WorkflowVersion]:
    return session.execute(
        select(WorkflowVersion).join(WorkflowRecord, WorkflowVersion.workflow_id == WorkflowRecord.id)
        .where(WorkflowRecord.key == key, WorkflowVersion.status == "published")
    ).scalar()


def publish(session, version_id: int, *, mapping: dict | None = None, actor=None) -> dict:
    """Publish a draft: the previous published version is archived, every order of the
    workflow moves to the new version, orders in removed states move by ``mapping``
    (required for each occupied removed state; ValidationFailed {"mapping": [...]} otherwise).
    One transaction (the caller commits). Returns {"version", "moved", "migrated"}."""
    version = session.get(WorkflowVersion, version_id)
    if version is None:
        raise ValidationFailed({"version": [_("does not exist")]})
    if version.status != "draft":
        raise ValidationFailed({"version": [_("only a draft can be published")]})
    key = version.workflow.key
    # one publisher per workflow at a time (PostgreSQL row lock), so exactly one stays published
    session.execute(select(WorkflowRecord.id).where(WorkflowRecord.id == version.workflow_id).with_for_update())
    session.refresh(version)
    if version.status != "draft":
        raise ValidationFailed({"version": [_("only a draft can be published")]})
    mapping = {k: v for k, v in (mapping or {}).items() if v}
    new_def = parse(version.yaml_text)
    current = published_version(session, key)
    if current is not None:
        occupied = {s for s, n in occupied_states(session, key).items() if n}
        errors = check_state_mapping(parse(current.yaml_text), new_def, mapping, occupied=occupied)
        if errors:
            raise ValidationFailed({"mapping": errors})
    moved = 0
    for old_state, new_state in sorted(mapping.items()):
        orders = session.execute(select(Order).where(Order.workflow_key == key, Order.state == old_state)
                                 .with_for_update()).scalars().all()
        for order in orders:
            session.add(OrderEvent(order_id=order.id, from_state=old_state, to_state=new_state,
                                   trigger="workflow_published", actor_id=getattr(actor, "id", None),
                                   comment=str(_("Workflow %(key)s version %(n)s removed this state",
                                                 key=key, n=version.number)),
                                   decision={"mapping": {old_state: new_state}, "workflow_version": version.number}))
            order.state = new_state
            moved += 1
    session.flush()
    if current is not None:
        current.status = "archived"
        session.flush()
    version.status = "published"
    version.published_at = utcnow()
    migrated = session.execute(
        update(Order).where(Order.workflow_key == key, Order.workflow_version != version.number)
        .values(workflow_version=version.number, version=Order.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.flush()
    invalidate()
    return {"version": version.number, "moved": moved, "migrated": migrated}
