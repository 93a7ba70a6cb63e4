"""Bulk intake: a company brings very many devices at once.

Rows come from a CSV or XLSX file (one row a device) or a JSON batch. Each row is checked
like a counter ticket (device, faults, pick-up terms; the service's form schema) and by the
published ``intake.validation`` rule set through the compiled evaluator; rejected rows are
kept with their reasons, valid ones become tickets. Work goes in chunks: per chunk one block
of ticket numbers is reserved (numbering.reserve_numbers) and every table is written with one
Core ``insert()`` executemany (orders, their create events, repair records, diagnosis labour
lines, the intake decisions that changed something). An ImportBatch row carries the progress
(total, processed, created, rejected, every rejected row's reasons) that the browser polls and
the CLI prints. A chunk and the batch's counters commit together, so a crash loses no ticket
and counts none twice; two workers cannot take the same chunk (conditional UPDATE on
``processed``).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import secrets
import threading
from decimal import Decimal
from functools import lru_cache

from flask_babel import lazy_gettext as _
from sqlalchemy import func, insert, select, update

from ...models import Customer, Decision, ImportBatch, LabourLine, Order, OrderEvent, RepairTicket
from ...models.types import utcnow
from ..errors import ValidationFailed
from ..form_schema import validate_details
from ..numbering import reserve_numbers
from ..orders import intake_calls
from . import tickets
from .lines import REPAIR_KIND

log = logging.getLogger(__name__)

COLUMNS = ["customer_name", "customer_email", "customer_phone", "device_type", "brand", "model", "serial_number",
           "accessories", "condition", "faults", "pickup_at", "customer_waits", "estimate"]
REQUIRED_COLUMNS = ("device_type", "brand", "faults")
ALIASES = {"fault": "faults", "faults_reported": "faults", "waits": "customer_waits", "serial": "serial_number",
           "type": "device_type", "device": "device_type", "email": "customer_email", "phone": "customer_phone",
           "customer": "customer_name", "pickup": "pickup_at", "pick_up": "pickup_at"}
CHUNK = 1000
MAX_ROWS = 200_000
INTAKE_RULE_SET = "intake.validation"
WAIT_HOURS = tickets.WAIT_HOURS


# --------------------------------------------------------------------------- reading rows


@lru_cache(maxsize=1024)
def _header(name) -> str:
    key = str(name or "").strip().lower().replace(" ", "_").replace("-", "_")
    return ALIASES.get(key, key)


def _check_columns(headers: list[str]) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in headers]
    if missing:
        raise ValidationFailed({"file": [_("missing columns: %(columns)s (the first row names the columns: "
                                           "%(expected)s)", columns=", ".join(missing),
                                           expected=", ".join(COLUMNS))]})


def _cell(value):
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_csv(content: bytes) -> list[dict]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed({"file": [_("is not UTF-8 text; save the CSV as UTF-8")]}) from None
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    headers = [_header(h) for h in next(reader, [])]
    _check_columns(headers)
    return [{h: (v.strip() if v else None) for h, v in zip(headers, row)} for row in reader if any(c.strip() for c in row)]


def read_xlsx(content: bytes) -> list[dict]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValidationFailed({"file": [_("is not an Excel workbook (.xlsx)")]}) from None
    try:
        rows = book.active.iter_rows(values_only=True)
        headers = [_header(h) for h in next(rows, ())]
        _check_columns(headers)
        return [{h: _cell(v) for h, v in zip(headers, row)} for row in rows
                if any(v not in (None, "") for v in row)]
    finally:
        book.close()


def read_file(content: bytes, filename: str) -> tuple[str, list[dict]]:
    name = (filename or "").lower()
    if name.endswith(".csv"):
        source, rows = "csv", read_csv(content)
    elif name.endswith(".xlsx"):
        source, rows = "xlsx", read_xlsx(content)
    else:
        raise ValidationFailed({"file": [_("must be a .csv or .xlsx file")]})
    if not rows:
        raise ValidationFailed({"file": [_("has no rows under its header")]})
    if len(rows) > MAX_ROWS:
        raise ValidationFailed({"file": [_("has %(n)s rows; at most %(max)s at once", n=len(rows), max=MAX_ROWS)]})
    return source, rows


# --------------------------------------------------------------------------- batches


def create_batch(session, *, source: str, total: int, service=None, customer_id=None, actor=None,
                 filename: str | None = None) -> ImportBatch:
    service = tickets.repair_service(session, service)
    customer = None
    if customer_id not in (None, ""):
        try:
            customer = session.get(Customer, int(customer_id))
        except (TypeError, ValueError):
            customer = None
        if customer is None:
            raise ValidationFailed({"customer": [_("unknown customer")]})
    batch = ImportBatch(source=source, filename=filename, service_id=service.id,
                        customer_id=customer.id if customer else None, status="queued", total=total, processed=0,
                        created_count=0, rejected_count=0, errors=[], created_by_id=getattr(actor, "id", None))
    session.add(batch)
    session.flush()
    return batch


def create_batch_from_file(session, content: bytes, filename: str, *, service=None, customer_id=None,
                           actor=None) -> ImportBatch:
    source, rows = read_file(content, filename)
    batch = create_batch(session, source=source, total=len(rows), service=service, customer_id=customer_id,
                         actor=actor, filename=filename)
    batch.rows = rows  # stored with the batch: a restart goes on where the import stopped
    return batch


def start_background(app, batch_id: int) -> threading.Thread:
    """Work a batch made by create_batch_from_file in a thread; the page polls its progress."""

    def work():
        with app.app_context():
            from ...extensions import db

            try:
                run(db.session, batch_id, stored_rows(db.session, batch_id))
            except Exception as exc:  # keep the reason on the batch for the page
                log.exception("bulk intake %s failed", batch_id)
                db.session.rollback()
                db.session.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(
                    status="failed", message=str(exc)[:2000], finished=utcnow()))
                db.session.commit()
            finally:
                db.session.remove()

    thread = threading.Thread(target=work, name=f"bulk-intake-{batch_id}", daemon=True)
    thread.start()
    return thread


def run(session, batch_id: int, rows: list[dict], *, chunk: int = CHUNK, progress=None) -> ImportBatch:
    """Work through ``rows`` chunk by chunk, committing each; ``progress(batch)`` after each."""
    batch = session.get(ImportBatch, batch_id)
    work = _Work(session, batch)
    while True:
        batch = session.get(ImportBatch, batch_id)
        start = batch.processed
        if start >= len(rows):
            break
        if not work.chunk(start, rows[start:start + chunk]):
            session.rollback()
            break  # another worker took this chunk
        session.commit()
        if progress is not None:
            progress(session.get(ImportBatch, batch_id))
    batch = session.get(ImportBatch, batch_id)
    if batch.status != "done":
        batch.status, batch.finished, batch.rows = "done", utcnow(), None
        session.commit()
        if progress is not None:
            progress(batch)
    return batch


def interrupted_batches(session) -> list[int]:
    """File imports that stopped before the end (the process serving them went away); only
    they keep their rows (create_batch_from_file), until done."""
    return list(session.execute(select(ImportBatch.id).where(
        ImportBatch.source.in_(("csv", "xlsx")), ImportBatch.status.in_(("queued", "running")),
        ImportBatch.processed < ImportBatch.total)).scalars())


def stored_rows(session, batch_id: int) -> list[dict]:
    # a column query: the (large) rows never sit on the batch object that each chunk refreshes
    return list(session.execute(select(ImportBatch.rows).where(ImportBatch.id == batch_id)).scalar() or [])


def resume_interrupted(app) -> list[threading.Thread]:
    """Go on with every interrupted file import, each in its thread (run.py at start-up, ``flask
    repair resume``). Each chunk is claimed by a conditional UPDATE, so an import that is in
    fact still running elsewhere is shared out, never written twice."""
    from ...extensions import db

    with app.app_context():
        batch_ids = interrupted_batches(db.session)
        db.session.remove()
    return [start_background(app, batch_id) for batch_id in batch_ids]


def import_rows(session, rows: list[dict], *, source="json", service=None, customer_id=None, actor=None,
                filename=None, progress=None, chunk: int = CHUNK) -> ImportBatch:
    """Create a batch for ``rows`` and work it through now (REST API, CLI, benchmark)."""
    if not isinstance(rows, list) or not rows:
        raise ValidationFailed({"rows": [_("give a list of rows, one a device")]})
    if len(rows) > MAX_ROWS:
        raise ValidationFailed({"rows": [_("at most %(max)s rows at once", max=MAX_ROWS)]})
    rows = [r if isinstance(r, dict) else {"_not_an_object": r} for r in rows]
    batch = create_batch(session, source=source, total=len(rows), service=service, customer_id=customer_id,
                         actor=actor, filename=filename)
    session.commit()
    return run(session, batch.id, [{_header(k): v for k, v in r.items()} for r in rows], chunk=chunk,
               progress=progress)


def progress(batch: ImportBatch, *, errors_limit: int = 1000) -> dict:
    errors = batch.errors or []
    return {"id": batch.id, "status": batch.status, "total": batch.total, "processed": batch.processed,
            "created": batch.created_count, "rejected": batch.rejected_count,
            "percent": round(100 * batch.processed / batch.total, 1) if batch.total else 100.0,
            "first_number": batch.first_number, "last_number": batch.last_number, "message": batch.message,
            "errors": errors[:errors_limit], "errors_truncated": len(errors) > errors_limit}


def created_numbers(session, batch: ImportBatch) -> list[str]:
    if not batch.first_number:
        return []
    return list(session.execute(select(Order.number).where(Order.number >= batch.first_number,
                                                           Order.number <= batch.last_number,
                                                           Order.workflow_key == REPAIR_KIND)
                                .order_by(Order.number)).scalars())


# --------------------------------------------------------------------------- the work


class _Work:
    """What every chunk of one batch shares: service, schema, compiled rules, caches."""

    def __init__(self, session, batch: ImportBatch):
        from .. import rule_facts, rulesets, workflows

        self.session = session
        self.batch_id = batch.id
        self.service = batch.service
        self.schema = self.service.form_schema or []
        self.form_names = {f["name"] for f in self.schema}
        self.tz = tickets.business_tz()
        self.default_customer_id = batch.customer_id
        self.actor_id = batch.created_by_id
        try:
            self.rules = rulesets.current(session, INTAKE_RULE_SET, rule_facts.catalog_form_schema(session))
        except LookupError:
            self.rules = None
        self.workflow_version, self.state = workflows.starting_point(session, REPAIR_KIND)
        self.customers: dict[str, int] = {}
        self.past: dict[int, int] = {}

    # -- one row -------------------------------------------------------------
    def _customer(self, row: dict, errors: dict) -> int | None:
        name, email, phone = (row.get("customer_name"), row.get("customer_email"), row.get("customer_phone"))
        if not any((name, email, phone)):
            if self.default_customer_id is None:
                errors["customer_name"] = [_("is required (or choose the company for the whole batch)")]
            return self.default_customer_id
        key = f"{(email or '').lower()}|{phone or ''}|{name or ''}"
        if key not in self.customers:
            try:
                found = tickets.find_or_create_customer(self.session, customer={"name": name, "email": email,
                                                                                "phone": phone})
            except ValidationFailed as exc:
                errors.update({k.replace("customer.", "customer_"): v for k, v in exc.errors.items()})
                return None
            self.customers[key] = found.id
        return self.customers[key]

    def _past_orders(self, customer_id: int) -> int:
        if customer_id not in self.past:
            self.past[customer_id] = self.session.execute(
                select(func.count(Order.id)).where(Order.customer_id == customer_id)).scalar() or 0
        return self.past[customer_id]

    def check(self, row: dict, now: dt.datetime):
        """(ticket values, decision, {}) for a valid row; (None, None, errors) for a rejected one."""
        unknown = sorted(k for k in row if k not in COLUMNS)
        clean, errors = tickets.clean_intake(row, self.service, tz=self.tz, now=now)
        for name in unknown:
            errors[name] = [_("is not a column of the bulk intake")]
        customer_id = self._customer(row, errors)
        details = tickets.form_details(self.service, clean, self.form_names)
        if not errors:
            try:
                details = validate_details(self.schema, details)
            except ValidationFailed as exc:
                errors.update({f"details.{k}": v for k, v in exc.errors.items()})
        if errors:
            return None, None, errors
        price = Decimal(self.service.base_price or 0)
        deadline = clean["pickup_at"] or now + dt.timedelta(hours=WAIT_HOURS)
        priority, decision = "normal", None
        if self.rules is not None:
            decision = self.rules.evaluate({
                "service_code": self.service.code, "quantity": 1, "price": price,
                "days_to_deadline": (deadline - now).days, "customer_past_orders": self._past_orders(customer_id),
                "form": details})
            errors, changes = intake_calls(decision.calls, now=now)
            if errors:
                return None, None, errors
            priority = changes.get("priority", priority)
            deadline = changes.get("deadline", deadline)
            price = changes.get("price", price)
        self.past[customer_id] += 1
        return {"clean": clean, "details": details, "customer_id": customer_id, "price": price,
                "deadline": deadline, "priority": priority}, decision, {}

    # -- one chunk -----------------------------------------------------------
    def chunk(self, offset: int, rows: list[dict]) -> bool:
        session, now = self.session, utcnow()
        claimed = session.execute(update(ImportBatch).where(ImportBatch.id == self.batch_id,
                                                            ImportBatch.processed == offset)
                                  .values(processed=offset + len(rows), status="running")).rowcount
        if claimed != 1:
            return False
        valid, decisions, rejected = [], [], []
        for index, row in enumerate(rows, start=offset + 1):
            values, decision, errors = self.check(row, now)
            if errors:
                rejected.append({"row": index, "errors": {k: [str(m) for m in v] for k, v in errors.items()}})
                continue
            valid.append(values)
            # to_dict once: the event and the stored decision carry the same record
            decisions.append(decision.to_dict() if decision is not None and decision.changed else None)
        numbers = reserve_numbers(session, REPAIR_KIND, len(valid))
        if valid:
            self._write(valid, decisions, numbers, now)
        batch = session.get(ImportBatch, self.batch_id)
        session.refresh(batch)
        batch.created_count = (batch.created_count or 0) + len(valid)
        batch.rejected_count = (batch.rejected_count or 0) + len(rejected)
        if rejected:
            batch.errors = list(batch.errors or []) + rejected
        if numbers:
            batch.first_number = batch.first_number or numbers[0]
            batch.last_number = numbers[-1]
        session.flush()
        return True

    def _write(self, valid: list[dict], decisions: list, numbers: list[str], now: dt.datetime) -> None:
        session, service = self.session, self.service
        conn = session.connection()
        order_rows = [{
            "number": number, "service_id": service.id, "customer_id": v["customer_id"],
            "workflow_key": REPAIR_KIND, "workflow_version": self.workflow_version, "state": self.state,
            "manager_id": None, "assignee_id": None, "division_id": service.division_id,
            "title": tickets.ticket_title(v["clean"]), "description": v["clean"]["faults"], "details": v["details"],
            "quantity": 1, "price": v["price"], "currency": service.currency, "deadline": v["deadline"],
            "priority": v["priority"], "created": now, "updated": now, "version": 1,
        } for v, number in zip(valid, numbers)]
        order_table = Order.__table__
        conn.execute(insert(order_table), order_rows)
        # The numbers are ours alone (a reserved block): they find the new ids in one query,
        # cheaper than RETURNING, which SQLite can only do one row at a time in order.
        found = dict(conn.execute(select(order_table.c.number, order_table.c.id)
                                  .where(order_table.c.number.in_(numbers))).all())
        ids = [found[number] for number in numbers]
        write_related(conn, ids, valid, decisions, now=now, actor_id=self.actor_id, currency=service.currency,
                      base_price=Decimal(service.base_price or 0), state=self.state)


def event_decision(decision: dict | None) -> dict | None:
    return {"decisions": [decision]} if decision is not None else None


def write_related(conn, ids, valid, decisions, *, now, actor_id, currency, base_price, state) -> None:
    """The rows that go with each new ticket: its create event, repair record, diagnosis line
    and the intake decision that changed it (``decisions``: Decision.to_dict() or None), one
    executemany per table."""
    conn.execute(insert(OrderEvent.__table__), [{
        "order_id": oid, "from_state": None, "to_state": state, "trigger": "create", "actor_id": actor_id, "at": now,
        "comment": None, "decision": event_decision(d)} for oid, d in zip(ids, decisions)])
    conn.execute(insert(RepairTicket.__table__), [{
        "order_id": oid, "customer_id": v["customer_id"], "device_type": v["clean"]["device_type"],
        "brand": v["clean"]["brand"], "model": v["clean"]["model"], "serial_number": v["clean"]["serial_number"],
        "accessories": v["clean"]["accessories"], "condition": v["clean"]["condition"],
        "faults": v["clean"]["faults"], "customer_waits": v["clean"]["customer_waits"],
        "pickup_at": v["clean"]["pickup_at"], "estimate": v["clean"]["estimate"],
        "tracking_code": secrets.token_hex(4), "picked_up_at": None, "warranty_days": None, "warranty_until": None,
        "warranty_of_id": None} for oid, v in zip(ids, valid)])
    if base_price:
        conn.execute(insert(LabourLine.__table__), [{
            "order_id": oid, "description": tickets.DIAGNOSIS_LINE, "hours": Decimal("1.00"), "rate": base_price,
            "currency": currency, "created_by_id": actor_id, "created": now} for oid in ids])
    changed = [(oid, d) for oid, d in zip(ids, decisions) if d is not None]
    if changed:
        rows = []
        for oid, data in changed:
            rows.append({"rule_set_key": data["key"], "version": data["version"], "context": data["context"],
                         "values": data["values"], "fired": data["fired"], "actions": data["actions"],
                         "subject_type": "Order", "subject_id": oid, "order_id": oid, "created": now,
                         "changed": True})
        conn.execute(insert(Decision.__table__), rows)
