"""Notifications outbox: notify() writes rows in the caller's transaction; send_pending()
delivers e-mail over SMTP later with backoff retry; in-app messages are read in the app.

Public contract:
- notify(session, *, to, template, context, order=None, attachments=None, channels=("email", "inapp")) -> list[Notification]
- send_pending(now=None, *, session=None, config=None) -> dict(sent, failed, retried)
"""
from __future__ import annotations

import logging
import mimetypes
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Iterable, Mapping

from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..models import Attachment, Customer, Notification, NotificationTemplate, User
from ..models.types import utcnow
from .notification_defaults import DEFAULT_TEMPLATES, GENERIC

log = logging.getLogger(__name__)
LANGUAGES = ("en", "id", "ru")
_jinja = SandboxedEnvironment(autoescape=False)


def _config() -> Mapping[str, Any]:
    try:
        from flask import current_app

        return current_app.config
    except RuntimeError:
        return {}


def _default_language() -> str:
    lang = str(_config().get("DEFAULT_LOCALE") or "en")
    return lang if lang in LANGUAGES else "en"


def template_source(session: Session, key: str, language: str) -> tuple[str, str]:
    for lang in (language, "en"):
        row = session.execute(
            select(NotificationTemplate).where(NotificationTemplate.key == key, NotificationTemplate.language == lang)
        ).scalars().first()
        if row is not None:
            return row.subject, row.body
        if key in DEFAULT_TEMPLATES and lang in DEFAULT_TEMPLATES[key]:
            return DEFAULT_TEMPLATES[key][lang]
    return GENERIC.get(language, GENERIC["en"])


def render(session: Session, key: str, language: str, context: Mapping[str, Any]) -> tuple[str, str]:
    subject_src, body_src = template_source(session, key, language)
    ctx = {"template": key, "event": key.replace("_", " "), "order": "", "title": "", **dict(context)}
    try:
        subject = _jinja.from_string(subject_src).render(ctx)
        body = _jinja.from_string(body_src).render(ctx)
    except TemplateError as exc:  # a broken edited template must not lose the message
        log.warning("notification template %s/%s failed: %s", key, language, exc)
        subject, body = key.replace("_", " ").capitalize(), "\n".join(f"{k}: {v}" for k, v in ctx.items())
    return " ".join(subject.split())[:300], body


def check_template(subject: str, body: str) -> dict[str, list[str]]:
    """Errors of an edited template, per field (empty when it compiles)."""
    errors = {}
    for field, source in (("subject", subject), ("body", body)):
        try:
            _jinja.from_string(source or "")
        except TemplateError as exc:
            errors[field] = [str(exc)]
    return errors


def _recipient(session: Session, item) -> tuple[User | None, str | None, str]:
    language = getattr(item, "language", None) or _default_language()
    if isinstance(item, str):
        return None, item, language
    if isinstance(item, Customer):
        if item.user is not None:
            return item.user, item.email or item.user.email, language
        return None, item.email, language
    return item, getattr(item, "email", None), language


def _with_order(session: Session, context: dict, order) -> dict:
    """Every template may use order, title, due, paid, balance, pending and currency."""
    if order is not None:
        context.setdefault("order", order.number)
        context.setdefault("title", order.title)
        try:
            from .payments import order_money

            money = order_money(session, order)
            for key in ("due", "paid", "balance", "pending", "currency"):
                context.setdefault(key, str(money[key]))
        except Exception:  # noqa: BLE001 - a message never fails for want of figures
            log.exception("order money for a notification failed")
    context.setdefault("order", context.get("order_number", ""))
    context.setdefault("title", context.get("order_title", ""))
    if order is not None:
        for provider in CONTEXT_PROVIDERS:
            try:
                provider(session, order, context)
            except Exception:  # noqa: BLE001 - a message never fails for want of figures
                log.exception("notification context provider %s failed", provider)
    return context


#: ``provider(session, order, context)`` adds what a domain's templates may use (setdefault);
#: e.g. the repair shop adds warranty_until and the tracking code.
CONTEXT_PROVIDERS: list = []


def notify(session: Session, *, to: list, template: str, context: dict, order=None,
           attachments: list | None = None, channels: tuple = ("email", "inapp")) -> list[Notification]:
    """Write the messages as outbox rows in the caller's transaction (nothing is sent here)."""
    rows: list[Notification] = []
    context = _with_order(session, dict(context or {}), order)
    attachment_ids = [_attachment_ref(a) for a in (attachments or [])]
    seen = set()
    for item in to or []:
        if item is None:
            continue
        user, email, language = _recipient(session, item)
        subject, body = render(session, template, language, context)
        for channel in channels:
            sender = CHANNELS.get(channel)
            if sender is None:
                log.warning("notification channel %r is not registered; message %s not written", channel, template)
                continue
            address = sender.address(item, user, email)
            if not address:
                continue
            key = (channel, user.id if user is not None else address)
            if key in seen:
                continue
            seen.add(key)
            row = Notification(user=user, email=email if channel == "email" else None, channel=channel,
                               template=template, language=language, subject=subject, body=body,
                               order=order, attachments=attachment_ids if sender.attachments else [],
                               status="pending" if sender.queued else "sent",
                               next_attempt_at=utcnow(), sent_at=None if sender.queued else utcnow())
            session.add(row)
            rows.append(row)
    return rows


# -- delivery ------------------------------------------------------------------------

def _message(session: Session, row: Notification, config: Mapping[str, Any]) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = row.subject
    msg["From"] = config.get("MAIL_DEFAULT_SENDER") or "orderflow@localhost"
    msg["To"] = row.email
    msg["Message-ID"] = f"<notification-{row.id}@orderflow>"
    body = row.body
    budget = int(config.get("MAIL_MAX_ATTACHMENT_BYTES") or 10 * 1024 * 1024)
    skipped = []
    files = []
    for ref in row.attachments or []:
        found = _mail_file(session, ref)
        if found is None:
            continue
        name, content_type, size, stored = found
        path = Path(config.get("UPLOAD_FOLDER") or ".") / stored
        if size > budget or not path.exists():
            skipped.append(name)
            continue
        budget -= size
        files.append((name, content_type, path))
    if skipped:
        body += "\n\n" + "Too large to attach (download them in Orderflow): " + ", ".join(skipped)
    msg.set_content(body)
    for name, content_type, path in files:
        ctype = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        maintype, _, subtype = ctype.partition("/")
        msg.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype or "octet-stream",
                           filename=name)
    return msg


def _attachment_ref(item):
    """What an outbox row keeps of a file to send: an Attachment id, or a ready-made work's
    file as ``{"ready_work": id}`` (catalog purchases)."""
    if isinstance(item, (int, dict)):
        return item
    if type(item).__name__ == "ReadyWork":
        return {"ready_work": item.id}
    return item.id


def _mail_file(session: Session, ref) -> tuple[str, str | None, int, str] | None:
    """(file name, content type, size, stored path) of an outbox row's file reference."""
    if isinstance(ref, dict) and ref.get("ready_work"):
        from ..models import ReadyWork

        work = session.get(ReadyWork, ref["ready_work"])
        if work is None or not work.file:
            return None
        return work.file_name or "work", work.file_type, work.file_size or 0, work.file
    attachment = session.get(Attachment, ref) if isinstance(ref, int) else None
    if attachment is None:
        return None
    return attachment.original_name, attachment.content_type, attachment.size, attachment.file


def _smtp_send(msg: EmailMessage, config: Mapping[str, Any]) -> None:
    host, port = config.get("MAIL_SERVER") or "127.0.0.1", int(config.get("MAIL_PORT") or 25)
    timeout = int(config.get("MAIL_TIMEOUT") or 10)
    cls = smtplib.SMTP_SSL if config.get("MAIL_USE_SSL") else smtplib.SMTP
    with cls(host, port, timeout=timeout) as smtp:
        if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(msg)


# -- channels ------------------------------------------------------------------------
# Pluggable: a channel says where a recipient is reached and how a queued row is delivered.
# E-mail (SMTP) and in-app ship here; an SMS or WhatsApp gateway registers its own Channel
# (``register_channel``) and is then usable in notify(channels=...) and workflow notify effects.

class ChannelError(Exception):
    """A channel could not deliver now (the row is retried with backoff)."""


class Channel:
    name = ""
    queued = True  # False: delivered when written (in-app messages are read in the app)
    attachments = False

    def address(self, item, user, email) -> str | None:
        """Where ``item`` (a User, Customer or address text) is reached on this channel, or None."""
        raise NotImplementedError

    def deliver(self, session: Session, row: Notification, config: Mapping[str, Any]) -> None:
        raise NotImplementedError


class EmailChannel(Channel):
    name = "email"
    attachments = True

    def address(self, item, user, email):
        return email

    def deliver(self, session, row, config):
        _smtp_send(_message(session, row, config), config)


class InAppChannel(Channel):
    name = "inapp"
    queued = False

    def address(self, item, user, email):
        return str(user.id) if user is not None else None


CHANNELS: dict[str, Channel] = {}


def register_channel(channel: Channel) -> Channel:
    CHANNELS[channel.name] = channel
    return channel


register_channel(EmailChannel())
register_channel(InAppChannel())


def send_pending(now: datetime | None = None, *, session: Session | None = None,
                 config: Mapping[str, Any] | None = None, limit: int = 200) -> dict:
    """Deliver due e-mails. Each row is claimed (attempt counted) and committed on its own,
    so a crash or SMTP outage loses nothing: it is retried with exponential backoff and
    marked failed (visible to staff) after NOTIFICATION_MAX_ATTEMPTS tries."""
    if session is None:
        from ..extensions import db

        session = db.session
    config = config if config is not None else _config()
    now = now or utcnow()
    max_attempts = int(config.get("NOTIFICATION_MAX_ATTEMPTS") or 6)
    backoff = int(config.get("NOTIFICATION_BACKOFF_SECONDS") or 60)
    queued = [name for name, channel in CHANNELS.items() if channel.queued]
    query = (select(Notification.id).where(Notification.channel.in_(queued), Notification.status == "pending",
                                           Notification.next_attempt_at <= now)
             .order_by(Notification.id).limit(limit))
    ids = list(session.execute(query).scalars())
    session.commit()
    result = {"sent": 0, "failed": 0, "retried": 0}
    for notification_id in ids:
        row = session.get(Notification, notification_id)
        # Claim it: a parallel sender that claimed it first wins.
        claimed = session.execute(
            update(Notification).where(Notification.id == notification_id, Notification.status == "pending",
                                       Notification.attempts == row.attempts)
            .values(attempts=row.attempts + 1, next_attempt_at=now + timedelta(seconds=backoff))
            .execution_options(synchronize_session=False)
        ).rowcount
        session.commit()
        if claimed != 1:
            continue
        session.refresh(row)
        try:
            CHANNELS[row.channel].deliver(session, row, config)
        except (OSError, smtplib.SMTPException, ChannelError) as exc:
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if row.attempts >= max_attempts:
                row.status = "failed"
                result["failed"] += 1
            else:
                row.next_attempt_at = now + timedelta(seconds=backoff * 2 ** (row.attempts - 1))
                result["retried"] += 1
            log.warning("notification %s not sent (attempt %s): %s", row.id, row.attempts, exc)
        else:
            row.status, row.sent_at, row.last_error = "sent", utcnow(), None
            result["sent"] += 1
        session.commit()
    return result


def retry(session: Session, notification: Notification) -> Notification:
    """Staff put a failed message back in the queue."""
    notification.status, notification.next_attempt_at = "pending", utcnow()
    notification.attempts = 0
    return notification


# -- in-app ---------------------------------------------------------------------------

def unread_count(session: Session, user) -> int:
    if user is None or not getattr(user, "id", None):
        return 0
    return session.execute(
        select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.channel == "inapp",
                                                  Notification.read_at.is_(None))
    ).scalar() or 0


def inbox(session: Session, user, limit: int = 100) -> list[Notification]:
    return list(session.execute(
        select(Notification).where(Notification.user_id == user.id, Notification.channel == "inapp")
        .order_by(Notification.id.desc()).limit(limit)).scalars())


def mark_read(session: Session, user, ids: Iterable[int] | None = None) -> int:
    query = update(Notification).where(Notification.user_id == user.id, Notification.channel == "inapp",
                                       Notification.read_at.is_(None))
    if ids is not None:
        query = query.where(Notification.id.in_(list(ids)))
    return session.execute(query.values(read_at=utcnow()).execution_options(synchronize_session=False)).rowcount


def seed_templates(session: Session) -> int:
    """Insert the default templates that are missing (idempotent)."""
    have = {(k, l) for k, l in session.execute(select(NotificationTemplate.key, NotificationTemplate.language))}
    added = 0
    for key, languages in DEFAULT_TEMPLATES.items():
        for language, (subject, body) in languages.items():
            if (key, language) not in have:
                session.add(NotificationTemplate(key=key, language=language, subject=subject, body=body))
                added += 1
    return added


def start_background_loop(app, interval: float = 60.0, payouts_every: float = 3600.0):
    """Daemon thread for ``python run.py``: sends due e-mails every ``interval`` seconds and
    runs the payout job every ``payouts_every`` seconds (not used in tests)."""
    import threading
    import time

    stop = threading.Event()

    def loop():
        last_payouts = 0.0
        while not stop.wait(interval):
            with app.app_context():
                from ..extensions import db

                try:
                    result = send_pending()
                    if result["sent"] or result["retried"] or result["failed"]:
                        log.info("notifications: %s", result)
                    if payouts_every and time.monotonic() - last_payouts >= payouts_every:
                        from .ledger import run_payouts

                        last_payouts = time.monotonic()
                        run_payouts(db.session)
                except Exception:  # keep the loop alive
                    log.exception("money loop failed")
                    db.session.rollback()
                finally:
                    db.session.remove()

    threading.Thread(target=loop, name="orderflow-money", daemon=True).start()
    return stop
