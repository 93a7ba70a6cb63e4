"""Storing uploaded files: size and type limited; the user's file name never becomes a path."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

from flask_babel import lazy_gettext as _
from sqlalchemy.orm import Session

from ..models import Attachment, Order
from ..models.orders import ATTACHMENT_KINDS
from .errors import ValidationFailed


def _extension(filename: str) -> str:
    name = os.path.basename((filename or "").replace("\\", "/"))
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def display_name(filename: str) -> str:
    """A harmless label for the UI: no directories, no control characters."""
    name = os.path.basename((filename or "").replace("\\", "/"))
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*')
    return name[:200] or "file"


def human_size(size: int) -> str:
    if size >= 1048576:
        return f"{size / 1048576:.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size} B"


def check_upload(filename: str, size: int, *, allowed: set[str], max_bytes: int) -> None:
    ext = _extension(filename)
    if not filename:
        raise ValidationFailed({"file": [_("is required")]})
    if ext not in allowed:
        raise ValidationFailed(
            {"file": [_("type '.%(ext)s' is not allowed; allowed: %(allowed)s",
                        ext=ext or "?", allowed=", ".join(sorted(allowed)))]}
        )
    if size <= 0:
        raise ValidationFailed({"file": [_("is empty")]})
    if size > max_bytes:
        raise ValidationFailed(
            {"file": [_("is larger than the limit of %(limit)s", limit=human_size(max_bytes))]}
        )


def save_upload(stream, filename: str, *, folder: str, upload_folder: str, allowed: set[str],
                max_bytes: int, field: str = "file") -> tuple[str, int]:
    """Check and write an upload under ``folder`` with a generated name; returns (stored
    path relative to the upload folder, size). Problems are reported on ``field``."""
    data = stream.read(max_bytes + 1)
    try:
        check_upload(filename, len(data), allowed=allowed, max_bytes=max_bytes)
    except ValidationFailed as exc:
        if field == "file":
            raise
        raise ValidationFailed({field: exc.errors["file"]}) from None
    stored = f"{folder}/{uuid.uuid4().hex}.{_extension(filename)}"
    target = Path(upload_folder) / stored
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return stored, len(data)


def stored_path(upload_folder: str, stored: str) -> Path:
    """The absolute path of a stored file; refuses anything outside the upload folder."""
    root = Path(upload_folder).resolve()
    path = (root / stored).resolve()
    if root not in path.parents:
        raise FileNotFoundError(stored)
    return path


def store_attachment(
    session: Session,
    *,
    order: Order,
    stream,
    filename: str,
    content_type: str | None,
    kind: str,
    uploaded_by,
    visible_to_customer: bool,
    upload_folder: str,
    allowed: set[str],
    max_bytes: int,
) -> Attachment:
    if kind not in ATTACHMENT_KINDS:
        raise ValidationFailed({"kind": [_("must be one of: %(choices)s", choices=", ".join(ATTACHMENT_KINDS))]})
    stored, size = save_upload(stream, filename, folder=str(order.id), upload_folder=upload_folder,
                               allowed=allowed, max_bytes=max_bytes)
    attachment = Attachment(
        order=order,
        kind=kind,
        file=stored,
        original_name=display_name(filename),
        content_type=(content_type or "application/octet-stream")[:120],
        size=size,
        uploaded_by_id=getattr(uploaded_by, "id", None),
        visible_to_customer=visible_to_customer,
    )
    session.add(attachment)
    session.flush()
    return attachment


def attachment_path(upload_folder: str, attachment: Attachment) -> Path:
    return stored_path(upload_folder, attachment.file)


def upload_limits(config) -> dict:
    """The storage keyword arguments of store_attachment, from the app's settings."""
    return {
        "upload_folder": config["UPLOAD_FOLDER"],
        "allowed": set(config["ALLOWED_UPLOAD_EXTENSIONS"]),
        "max_bytes": int(config["MAX_UPLOAD_BYTES"]),
    }
