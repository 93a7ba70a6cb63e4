"""Printable receipts (PDF, fpdf2): the intake receipt of a ticket and a counter sale's.

DejaVu Sans (Debian's fonts-dejavu-core) is used when present so Indonesian and Russian
names print; without it the core Helvetica font prints what Latin-1 can hold.
"""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from flask_babel import gettext as _
from fpdf import FPDF

from ..payments import order_money
from . import lines, tickets, warranty

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"),)


class _Receipt(FPDF):
    def __init__(self, shop: str):
        super().__init__(format=(148, 210))  # A5
        self.shop = shop
        self.set_auto_page_break(True, margin=12)
        self.family = "Helvetica"
        for folder in FONT_DIRS:
            regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
            if regular.exists() and bold.exists():
                self.add_font("DejaVu", "", str(regular))
                self.add_font("DejaVu", "B", str(bold))
                self.family = "DejaVu"
                break
        self.add_page()

    def text(self, value) -> str:  # noqa: A003 - the PDF's text, made printable
        value = "" if value is None else str(value)
        if self.family == "Helvetica":
            return value.encode("latin-1", "replace").decode("latin-1")
        return value

    def heading(self, title: str, number: str) -> None:
        self.set_font(self.family, "B", 14)
        self.cell(0, 8, self.text(self.shop), new_x="LMARGIN", new_y="NEXT")
        self.set_font(self.family, "B", 12)
        self.cell(0, 7, self.text(f"{title} {number}"), new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def row(self, label: str, value) -> None:
        if value in (None, ""):
            return
        self.set_font(self.family, "B", 9)
        self.cell(38, 5, self.text(label))
        self.set_font(self.family, "", 9)
        self.multi_cell(0, 5, self.text(value), new_x="LMARGIN", new_y="NEXT")

    def table(self, header: list[str], rows: list[list], widths: list[int]) -> None:
        self.set_font(self.family, "B", 8)
        for text, width in zip(header, widths):
            self.cell(width, 5, self.text(text), border="B")
        self.ln()
        self.set_font(self.family, "", 8)
        for row in rows:
            for index, (text, width) in enumerate(zip(row, widths)):
                self.cell(width, 5, self.text(text)[:60], align="R" if index >= 2 else "L")
            self.ln()
        self.ln(1)


def _money(amount, currency) -> str:
    return f"{Decimal(amount or 0):,.2f} {currency}"


def _when(moment, tz) -> str:
    if moment is None:
        return ""
    from datetime import timezone

    return moment.replace(tzinfo=timezone.utc).astimezone(tz).strftime("%Y-%m-%d %H:%M")


def ticket_receipt(session, order, *, shop: str, tracking_url: str) -> bytes:
    tz = tickets.business_tz()
    ticket = tickets.ensure_ticket(session, order)
    customer = order.customer
    pdf = _Receipt(shop)
    pdf.heading(_("Repair ticket"), order.number)
    pdf.row(_("Opened"), _when(order.created, tz))
    pdf.row(_("Customer"), customer.name)
    pdf.row(_("Phone"), customer.phone)
    pdf.row(_("E-mail"), customer.email)
    pdf.row(_("Device"), " ".join(p for p in (ticket.device_type, ticket.brand, ticket.model) if p))
    pdf.row(_("Serial number"), ticket.serial_number)
    pdf.row(_("Accessories left"), ticket.accessories)
    pdf.row(_("Condition"), ticket.condition)
    pdf.row(_("Reported faults"), ticket.faults)
    pdf.row(_("Pick-up"), _("The customer waits") if ticket.customer_waits else _when(ticket.pickup_at, tz))
    if ticket.estimate is not None:
        pdf.row(_("Estimate"), _money(ticket.estimate, order.currency))
    if ticket.warranty_of_id:
        pdf.row(_("Back for"), ticket.warranty_of.number)
    result = lines.totals(session, order)
    if result.part_lines or result.labour_lines:
        pdf.ln(2)
        rows = [[f"{line.part.sku} {line.part.name}", f"{line.condition}/{line.billed_as}",
                 str(line.quantity), _money(line.unit_price, line.currency), _money(charged, line.currency)]
                for line, charged in result.part_lines]
        rows += [[line.description, _("labour"), str(line.hours), _money(line.rate, line.currency),
                  _money(charged, line.currency)] for line, _amount, charged in result.labour_lines]
        pdf.table([_("Item"), _("Kind"), _("Qty"), _("Price"), _("Amount")], rows, [50, 20, 12, 25, 25])
        money = order_money(session, order)
        pdf.row(_("Total"), _money(result.total, order.currency))
        pdf.row(_("Paid"), _money(money["paid"], order.currency))
        pdf.row(_("Balance"), _money(money["balance"], order.currency))
    status = warranty.status(session, order)
    if status.started:
        pdf.row(_("Warranty until"), status.until.isoformat())
    pdf.ln(3)
    pdf.set_font(pdf.family, "B", 9)
    pdf.multi_cell(0, 5, pdf.text(_("Follow your ticket online: %(url)s", url=tracking_url)),
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family, "", 9)
    pdf.multi_cell(0, 5, pdf.text(_("Ticket number %(number)s, code %(code)s. Bring this receipt to pick up "
                                    "your device.", number=order.number, code=ticket.tracking_code)),
                   new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def sale_receipt(session, sale, *, shop: str) -> bytes:
    from .sales import sale_total, sale_paid

    tz = tickets.business_tz()
    pdf = _Receipt(shop)
    pdf.heading(_("Parts sale"), sale.number)
    pdf.row(_("Date"), _when(sale.created, tz))
    if sale.customer is not None:
        pdf.row(_("Customer"), sale.customer.name)
    rows = [[f"{line.part.sku} {line.part.name}", line.condition, str(line.quantity),
             _money(line.unit_price, line.currency), _money(lines.part_line_charge(line), line.currency)]
            for line in sale.lines]
    pdf.table([_("Item"), _("Kind"), _("Qty"), _("Price"), _("Amount")], rows, [50, 20, 12, 25, 25])
    pdf.row(_("Total"), _money(sale_total(sale), sale.currency))
    pdf.row(_("Status"), _("Cancelled") if sale.cancelled else (_("Paid") if sale_paid(sale) else _("Not paid yet")))
    return bytes(pdf.output())
