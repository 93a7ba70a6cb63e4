"""Ready-made works: the catalog, purchases, delivery by e-mail and expiring download links.

A visitor requests a work with an e-mail address: a CatalogPurchase and its Payment
(purpose ``catalog``, no order) are created. When the payment becomes paid
(services.payments calls ``purchase_paid`` in the same transaction) the purchase gets a
download link: a random nonce signed with itsdangerous and a timestamp, checked with
``max_age`` = CATALOG_LINK_HOURS. The e-mail carries the file and the link. The full
file is served only by ``check_download``: paid purchase, valid signature, this
purchase's current nonce, not expired. A new link (new nonce) voids every older one;
a refund voids the link.
"""
from __future__ import annotations

import calendar
import datetime as dt
import secrets
import time
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _
from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from ..models import CatalogPurchase, Customer, Payment, ReadyWork
from ..models.types import utcnow
from .attachments import display_name, save_upload, stored_path
from .errors import ValidationFailed

TOKEN_SALT = "orderflow.catalog-download"
DOWNLOAD_ENDPOINT = "CatalogShopView.download"
PREVIEW_EXTENSIONS = {"pdf", "png", "jpg", "jpeg", "gif", "txt"}
SORTS = {
    "newest": (ReadyWork.id.desc(),),
    "price": (ReadyWork.price.asc(), ReadyWork.id),
    "price_desc": (ReadyWork.price.desc(), ReadyWork.id),
    "pages": (ReadyWork.pages.asc(), ReadyWork.id),
    "title": (ReadyWork.title.asc(), ReadyWork.id),
}


class DownloadRefused(Exception):
    """No file: ``reason`` is ``invalid`` (tampered, another purchase's, replaced),
    ``expired`` or ``unpaid``."""

    def __init__(self, reason: str, purchase: CatalogPurchase | None = None):
        super().__init__(reason)
        self.reason = reason
        self.purchase = purchase


# -- the catalog -------------------------------------------------------------------


def _whole(raw, field, errors) -> int | None:
    if raw in (None, ""):
        return None
    try:
        value = int(str(raw).strip())
    except ValueError:
        errors[field] = [_("is not a whole number")]
        return None
    if value < 0:
        errors[field] = [_("must not be negative")]
    return value


def _amount(raw, field, errors) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
    except InvalidOperation:
        errors[field] = [_("is not a number")]
        return None
    if not value.is_finite() or value < 0:
        errors[field] = [_("must not be negative")]
        return None
    return value


def parse_filters(args: Mapping[str, Any]) -> dict:
    """Catalog filters from query arguments; ValidationFailed names each bad one."""
    errors: dict[str, list] = {}
    filters = {
        "q": (args.get("q") or "").strip()[:200],
        "subject": (args.get("subject") or "").strip(),
        "work_type": (args.get("work_type") or "").strip(),
        "pages_min": _whole(args.get("pages_min"), "pages_min", errors),
        "pages_max": _whole(args.get("pages_max"), "pages_max", errors),
        "price_min": _amount(args.get("price_min"), "price_min", errors),
        "price_max": _amount(args.get("price_max"), "price_max", errors),
        "sort": (args.get("sort") or "newest").strip(),
    }
    if filters["sort"] not in SORTS:
        errors["sort"] = [_("must be one of: %(choices)s", choices=", ".join(SORTS))]
    for low, high in (("pages_min", "pages_max"), ("price_min", "price_max")):
        if filters[low] is not None and filters[high] is not None and filters[low] > filters[high]:
            errors[high] = [_("must not be less than %(field)s", field=low)]
    if errors:
        raise ValidationFailed(errors)
    return filters


def search_works(session: Session, filters: Mapping[str, Any], *, page: int = 0, page_size: int = 12,
                 include_inactive: bool = False) -> tuple[list[ReadyWork], int]:
    """(works on ``page``, total matching) for parsed ``filters``."""
    query = select(ReadyWork)
    if not include_inactive:  # what a visitor can buy: on sale, with its file uploaded
        query = query.where(ReadyWork.active.is_(True), ReadyWork.file.is_not(None))
    if filters.get("subject"):
        query = query.where(func.lower(ReadyWork.subject) == filters["subject"].lower())
    if filters.get("work_type"):
        query = query.where(func.lower(ReadyWork.work_type) == filters["work_type"].lower())
    if filters.get("pages_min") is not None:
        query = query.where(ReadyWork.pages >= filters["pages_min"])
    if filters.get("pages_max") is not None:
        query = query.where(ReadyWork.pages <= filters["pages_max"])
    if filters.get("price_min") is not None:
        query = query.where(ReadyWork.price >= filters["price_min"])
    if filters.get("price_max") is not None:
        query = query.where(ReadyWork.price <= filters["price_max"])
    for word in (filters.get("q") or "").split()[:8]:
        like = f"%{word.lower()}%"
        query = query.where(or_(func.lower(ReadyWork.title).like(like), func.lower(ReadyWork.summary).like(like),
                                func.lower(ReadyWork.subject).like(like)))
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar() or 0
    page_size = max(1, min(int(page_size), 100))
    rows = session.execute(query.order_by(*SORTS.get(filters.get("sort") or "newest", SORTS["newest"]))
                           .offset(max(0, int(page)) * page_size).limit(page_size)).scalars().all()
    return list(rows), total


def filter_options(session: Session) -> dict:
    """What the filter form offers: subjects and types in the catalog, page and price ranges."""
    active = ReadyWork.active.is_(True) & ReadyWork.file.is_not(None)
    subjects = session.execute(select(ReadyWork.subject).where(active).distinct().order_by(ReadyWork.subject)).scalars()
    types = session.execute(select(ReadyWork.work_type).where(active).distinct().order_by(ReadyWork.work_type)).scalars()
    low, high, pmin, pmax = session.execute(
        select(func.min(ReadyWork.pages), func.max(ReadyWork.pages), func.min(ReadyWork.price),
               func.max(ReadyWork.price)).where(active)).one()
    return {"subjects": list(subjects), "work_types": list(types), "pages": [low, high],
            "price": [str(pmin) if pmin is not None else None, str(pmax) if pmax is not None else None]}


def check_work(work: ReadyWork, currencies=None) -> None:
    """ValidationFailed naming each wrong field of a work being saved."""
    errors: dict[str, list] = {}
    for field in ("title", "subject", "work_type", "summary"):
        value = (getattr(work, field) or "").strip()
        if not value:
            errors[field] = [_("is required")]
        setattr(work, field, value)
    if work.pages is None or not isinstance(work.pages, int) or work.pages < 1:
        errors["pages"] = [_("must be a whole number of at least 1")]
    try:
        price = Decimal(str(work.price)) if work.price is not None else None
    except InvalidOperation:
        price = None
    if price is None or not price.is_finite() or price <= 0:
        errors["price"] = [_("must be more than zero")]
    if currencies and work.currency not in currencies:
        errors["currency"] = [_("must be one of: %(choices)s", choices=", ".join(currencies))]
    if errors:
        raise ValidationFailed(errors)


def store_work_file(work: ReadyWork, *, stream, filename: str, content_type: str | None, upload_folder: str,
                    allowed: set[str], max_bytes: int) -> ReadyWork:
    """The full work, under a generated name (the visitor only ever sees ``file_name``)."""
    stored, size = save_upload(stream, filename, folder="catalog/works", upload_folder=upload_folder,
                               allowed=allowed, max_bytes=max_bytes)
    work.file, work.file_size = stored, size
    work.file_name = display_name(filename)
    work.file_type = (content_type or "application/octet-stream")[:120]
    return work


def store_preview(work: ReadyWork, *, stream, filename: str, content_type: str | None, upload_folder: str,
                  allowed: set[str], max_bytes: int) -> ReadyWork:
    """The public preview page: an image, a one-page PDF or a text excerpt file."""
    kinds = set(allowed) & PREVIEW_EXTENSIONS
    stored, _size = save_upload(stream, filename, folder="catalog/previews", upload_folder=upload_folder,
                                allowed=kinds, max_bytes=max_bytes, field="preview")
    work.preview_file = stored
    work.preview_name = display_name(filename)
    work.preview_type = (content_type or "application/octet-stream")[:120]
    return work


def preview_path(upload_folder: str, work: ReadyWork):
    if not work.preview_file:
        raise FileNotFoundError("no preview")
    return stored_path(upload_folder, work.preview_file)


# -- purchases ------------------------------------------------------------------------


def _clean_email(raw: str) -> str:
    try:
        return validate_email((raw or "").strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValidationFailed({"email": [_("is not a valid e-mail address: %(reason)s", reason=str(exc))]}) from None


def create_purchase(session: Session, work: ReadyWork | None, *, email: str, name: str | None = None,
                    user=None) -> CatalogPurchase:
    """A visitor's request for ``work``: the purchase with its pending payment. A pending
    purchase of the same work by the same address is reused, so a double click buys once."""
    errors: dict[str, list] = {}
    if work is None or not work.active:
        errors["work"] = [_("this work is not on sale")]
    elif not work.file:
        errors["work"] = [_("this work has no file yet and cannot be bought")]
    try:
        address = _clean_email(email)
    except ValidationFailed as exc:
        errors.update(exc.errors)
        address = None
    name = (name or "").strip()[:200] or None
    if errors:
        raise ValidationFailed(errors)
    purchase = session.execute(
        select(CatalogPurchase).where(CatalogPurchase.work_id == work.id, CatalogPurchase.status == "pending",
                                      func.lower(CatalogPurchase.email) == address.lower())
        .order_by(CatalogPurchase.id.desc())).scalars().first()
    if purchase is None:
        purchase = CatalogPurchase(reference=secrets.token_urlsafe(18), work=work, email=address, name=name,
                                   user_id=getattr(user, "id", None), price=work.price, currency=work.currency,
                                   status="pending")
        session.add(purchase)
        session.flush()
    from .payments import request_catalog_payment

    request_catalog_payment(session, purchase)
    return purchase


def by_reference(session: Session, reference: str) -> CatalogPurchase | None:
    if not reference or len(reference) > 40:
        return None
    return session.execute(select(CatalogPurchase).where(CatalogPurchase.reference == reference)).scalars().first()


def open_payment(session: Session, purchase: CatalogPurchase) -> Payment | None:
    """The payment waiting to be paid (a new one after a failed attempt)."""
    if purchase.status != "pending":
        return None
    from .payments import request_catalog_payment

    return request_catalog_payment(session, purchase)


def _customer_for(session: Session, purchase: CatalogPurchase) -> Customer:
    """The CRM record of the buyer: by login, else by e-mail, else a new one."""
    customer = None
    if purchase.user_id:
        customer = session.execute(select(Customer).where(Customer.user_id == purchase.user_id)).scalars().first()
    if customer is None:
        customer = session.execute(select(Customer).where(func.lower(Customer.email) == purchase.email.lower())
                                   .order_by(Customer.id)).scalars().first()
    if customer is None:
        customer = Customer(name=purchase.name or purchase.email, email=purchase.email,
                            notes=str(_("Bought a ready-made work from the catalog.")))
        session.add(customer)
        session.flush()
    return customer


def purchase_paid(session: Session, payment: Payment) -> CatalogPurchase | None:
    """Called by services.payments when a catalog payment is paid (same transaction): the
    purchase becomes paid once (conditional update), gets its link and its e-mail."""
    purchase = session.get(CatalogPurchase, payment.catalog_purchase_id)
    if purchase is None:
        return None
    moved = session.execute(
        update(CatalogPurchase).where(CatalogPurchase.id == purchase.id, CatalogPurchase.status == "pending")
        .values(status="paid", paid_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    if moved != 1:
        return purchase  # paid twice (two methods at once): the file went out already
    session.refresh(purchase)
    purchase.customer = _customer_for(session, purchase)
    deliver(session, purchase, template="catalog_work_delivered", attach=True)
    return purchase


def purchase_refunded(session: Session, payment: Payment) -> None:
    purchase = session.get(CatalogPurchase, payment.catalog_purchase_id)
    if purchase is not None and purchase.status == "paid":
        purchase.status, purchase.link_nonce = "refunded", None
        session.flush()


def _config() -> Mapping[str, Any]:
    from flask import current_app

    return current_app.config


def link_hours(config: Mapping[str, Any]) -> int:
    return max(1, int(config.get("CATALOG_LINK_HOURS") or 48))


class _IssuedAtSigner(TimestampSigner):
    """A TimestampSigner whose clock can be given (issue a link as of ``issued_at``)."""

    def __init__(self, *args, issued_at: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.issued_at = issued_at

    def get_timestamp(self) -> int:
        return self.issued_at if self.issued_at is not None else int(time.time())


def _epoch(moment: dt.datetime) -> int:
    return calendar.timegm(moment.utctimetuple())


def _serializer(config: Mapping[str, Any], at: dt.datetime | None = None) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(config["SECRET_KEY"], salt=TOKEN_SALT, signer=_IssuedAtSigner,
                                  signer_kwargs={"issued_at": _epoch(at) if at is not None else None})


def _token(purchase: CatalogPurchase, config: Mapping[str, Any]) -> str:
    return _serializer(config, purchase.link_issued_at).dumps({"p": purchase.id, "n": purchase.link_nonce})


def issue_link(session: Session, purchase: CatalogPurchase, *, config: Mapping[str, Any] | None = None,
               now: dt.datetime | None = None) -> str:
    """A new download link for a paid purchase (older links stop working). Returns the token."""
    if purchase.status != "paid":
        raise ValidationFailed({"status": [_("only a paid purchase gets a download link")]})
    config = config if config is not None else _config()
    now = (now or utcnow()).replace(microsecond=0)
    purchase.link_nonce = secrets.token_urlsafe(18)
    purchase.link_issued_at = now
    purchase.link_expires_at = now + dt.timedelta(hours=link_hours(config))
    session.flush()
    return _token(purchase, config)


def current_token(purchase: CatalogPurchase, *, config: Mapping[str, Any] | None = None,
                  now: dt.datetime | None = None) -> str | None:
    """The token of the link already sent, while it still works (None after expiry), so the
    thank-you page never extends a link's life."""
    config = config if config is not None else _config()
    if purchase.status != "paid" or not purchase.link_nonce or purchase.link_issued_at is None:
        return None
    if (now or utcnow()) >= purchase.link_issued_at + dt.timedelta(hours=link_hours(config)):
        return None
    return _token(purchase, config)


def check_download(session: Session, purchase_id: int, token: str, *, config: Mapping[str, Any] | None = None,
                   now: dt.datetime | None = None) -> CatalogPurchase:
    """The purchase whose file ``token`` opens, or DownloadRefused."""
    config = config if config is not None else _config()
    try:
        data = _serializer(config, now).loads(token or "", max_age=link_hours(config) * 3600)
    except SignatureExpired as exc:
        purchase = session.get(CatalogPurchase, purchase_id)
        payload = exc.payload
        try:
            payload = _serializer(config).load_payload(payload) if payload is not None else None
        except BadData:
            payload = None
        if purchase is not None and isinstance(payload, dict) and payload.get("p") == purchase.id \
                and payload.get("n") == purchase.link_nonce:
            raise DownloadRefused("expired", purchase) from None
        raise DownloadRefused("invalid") from None
    except BadData:
        raise DownloadRefused("invalid") from None
    purchase = session.get(CatalogPurchase, purchase_id)
    if purchase is None or not isinstance(data, dict) or data.get("p") != purchase.id:
        raise DownloadRefused("invalid")
    if purchase.status != "paid":
        raise DownloadRefused("unpaid", purchase)
    if not purchase.link_nonce or not secrets.compare_digest(str(data.get("n") or ""), purchase.link_nonce):
        raise DownloadRefused("invalid", purchase)
    if purchase.work is None or not purchase.work.file:
        raise DownloadRefused("invalid", purchase)
    return purchase


def record_download(session: Session, purchase: CatalogPurchase) -> None:
    session.execute(update(CatalogPurchase).where(CatalogPurchase.id == purchase.id)
                    .values(downloads=CatalogPurchase.downloads + 1, last_download_at=utcnow())
                    .execution_options(synchronize_session=False))


def work_path(upload_folder: str, work: ReadyWork):
    return stored_path(upload_folder, work.file)


def external_url(endpoint: str, **values) -> str:
    """An absolute address for e-mails: PUBLIC_URL when set, else the current request's host,
    else HOST:PORT."""
    from flask import current_app, has_request_context, url_for

    base = (current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    if base:
        return base + current_app.url_map.bind("localhost").build(endpoint, values)
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    host = f"{current_app.config.get('HOST') or '127.0.0.1'}:{current_app.config.get('PORT') or 8080}"
    return current_app.url_map.bind(host, url_scheme="http").build(endpoint, values, force_external=True)


def download_url(purchase: CatalogPurchase, token: str) -> str:
    return external_url(DOWNLOAD_ENDPOINT, purchase_id=purchase.id, token=token)


def deliver(session: Session, purchase: CatalogPurchase, *, template: str, attach: bool) -> str:
    """Issue a fresh link and e-mail it (with the file when ``attach``). Returns the token."""
    from .notifications import notify

    token = issue_link(session, purchase)
    work = purchase.work
    notify(session, to=[purchase.email], template=template, channels=("email",),
           attachments=[work] if attach else None,
           context={"work": work.title, "name": purchase.name or purchase.email, "link": download_url(purchase, token),
                    "expires": purchase.link_expires_at.strftime("%Y-%m-%d %H:%M"), "purchase": f"CP-{purchase.id}",
                    "amount": str(purchase.price), "currency": purchase.currency})
    return token


def send_new_link(session: Session, purchase: CatalogPurchase | None, email: str) -> bool:
    """A buyer whose link expired asks for a new one. It goes to the purchase's own address
    only; the caller answers the same either way, so nobody learns who bought what."""
    address = _clean_email(email)
    if purchase is None or purchase.status != "paid" or address.lower() != (purchase.email or "").lower():
        return False
    deliver(session, purchase, template="catalog_new_link", attach=False)
    return True


def purchase_json(purchase: CatalogPurchase, *, token: str | None = None) -> dict:
    """What the buyer may know of a purchase (the API's and the pages' view of it)."""
    return {"reference": purchase.reference, "status": purchase.status, "work_id": purchase.work_id,
            "work": purchase.work.title if purchase.work else None, "email": purchase.email,
            "price": str(purchase.price), "currency": purchase.currency,
            "paid_at": purchase.paid_at.isoformat() if purchase.paid_at else None,
            "link_expires_at": purchase.link_expires_at.isoformat() if purchase.link_expires_at and token else None,
            "download_url": download_url(purchase, token) if token else None}


def work_json(work: ReadyWork, *, preview_url: str | None = None, detail: bool = False) -> dict:
    data = {"id": work.id, "title": work.title, "subject": work.subject, "work_type": work.work_type,
            "pages": work.pages, "price": str(work.price), "currency": work.currency,
            "summary": work.summary if detail else (work.summary or "")[:300]}
    if detail:
        data.update(preview_text=work.preview_text, preview_url=preview_url, file_name=work.file_name,
                    file_size=work.file_size)
    return data
