"""Ready-made works: a catalog of finished works and the purchases of them."""
from flask_appbuilder import Model
from sqlalchemy import (
    Boolean, CheckConstraint, Column, DateTime, ForeignKey, Integer, String, Text,
)
from sqlalchemy.orm import relationship

from .types import Money, utcnow

PURCHASE_STATUSES = ("pending", "paid", "refunded", "cancelled")


class ReadyWork(Model):
    """A finished work on sale. The full file is stored under a generated name and is only
    ever sent to a paid purchase; the preview (a page or text) is public."""

    __tablename__ = "ready_work"
    __table_args__ = (
        CheckConstraint("pages >= 1", name="ck_ready_work_pages_positive"),
        CheckConstraint("price >= 0", name="ck_ready_work_price_positive"),
    )

    id = Column(Integer, primary_key=True)
    title = Column(String(300), nullable=False)
    subject = Column(String(80), nullable=False, index=True)
    work_type = Column(String(80), nullable=False, index=True)
    pages = Column(Integer, nullable=False, default=1)
    summary = Column(Text, nullable=False, default="")
    preview_text = Column(Text)
    price = Column(Money, nullable=False, default=0)
    currency = Column(String(3), nullable=False, default="RUB")
    # the full work (stored like attachments: generated name, the user's name only shown)
    file = Column(String(300))
    file_name = Column(String(300))
    file_type = Column(String(120))
    file_size = Column(Integer, nullable=False, default=0)
    # a public preview page (image or one-page PDF), uploaded separately from the file
    preview_file = Column(String(300))
    preview_name = Column(String(300))
    preview_type = Column(String(120))
    active = Column(Boolean, nullable=False, default=True, index=True)
    created = Column(DateTime, default=utcnow, nullable=False)
    updated = Column(DateTime, default=utcnow, onupdate=utcnow, nullable=False)

    purchases = relationship("CatalogPurchase", back_populates="work")

    @property
    def price_display(self) -> str:
        return f"{self.price:,.2f} {self.currency}" if self.price is not None else ""

    @property
    def has_file(self) -> bool:
        return bool(self.file)

    def __repr__(self) -> str:
        return self.title or f"#{self.id}"


class CatalogPurchase(Model):
    """A visitor's request for a ready-made work: paid through a Payment (purpose catalog),
    then delivered by e-mail with the file and a signed link that expires."""

    __tablename__ = "catalog_purchase"

    id = Column(Integer, primary_key=True)
    # unguessable: the visitor's own address of the purchase page (no login needed)
    reference = Column(String(40), unique=True, nullable=False)
    work_id = Column(Integer, ForeignKey("ready_work.id"), nullable=False, index=True)
    work = relationship("ReadyWork", back_populates="purchases")
    email = Column(String(254), nullable=False, index=True)
    name = Column(String(200))
    user_id = Column(Integer, ForeignKey("ab_user.id"), index=True)
    user = relationship("User", foreign_keys=[user_id])
    customer_id = Column(Integer, ForeignKey("customer.id"), index=True)
    customer = relationship("Customer")
    price = Column(Money, nullable=False)
    currency = Column(String(3), nullable=False)
    status = Column(String(20), nullable=False, default="pending", index=True)
    created = Column(DateTime, default=utcnow, nullable=False)
    paid_at = Column(DateTime)
    # the current download link: a random nonce inside a signed, timed token; a new link
    # (new nonce) makes every older one useless
    link_nonce = Column(String(40))
    link_issued_at = Column(DateTime)
    link_expires_at = Column(DateTime)
    downloads = Column(Integer, nullable=False, default=0)
    last_download_at = Column(DateTime)

    payments = relationship("Payment", back_populates="catalog_purchase", order_by="Payment.id")

    @property
    def price_display(self) -> str:
        return f"{self.price:,.2f} {self.currency}" if self.price is not None else ""

    def __repr__(self) -> str:
        return f"CP-{self.id}"
