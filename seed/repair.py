"""Demo data of the repair shop: a parts catalog with stock, a ticket ready with lines, one
picked up under warranty (a used part billed as new: a refund is due) with a warranty claim on
it, and a counter sale (the shipped demo orders add repair tickets being diagnosed). Walked through the real services
(intake, lines, fire(), payments), so stock movements and history are what a user would make.

Idempotent: nothing is added once the catalog has parts."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from app.extensions import db
from app.models import Customer, Part, Payment
from app.services import payments, transitions
from app.services.repair import lines, sales, tickets, warranty

PARTS = [
    # sku, name, compatible devices, price new, price used, stock new, stock used
    ("SSD-512", "SSD 512 GB SATA", "laptops and desktops with 2.5\" bays", "650000", "400000", 12, 3),
    ("RAM-8-DDR4", "RAM 8 GB DDR4 SO-DIMM", "laptops (DDR4)", "350000", "200000", 20, 6),
    ("KB-T480", "Keyboard ThinkPad T480", "Lenovo ThinkPad T480, T470", "450000", "250000", 4, 2),
    ("FAN-HP-PAV", "CPU fan HP Pavilion", "HP Pavilion 14/15", "180000", None, 6, 0),
    ("PSU-500W", "Power supply 500 W", "desktops (ATX)", "550000", "300000", 5, 1),
    ("BAT-T480", "Battery ThinkPad T480 (24 Wh)", "Lenovo ThinkPad T480", "700000", None, 3, 0),
    ("PASTE-MX4", "Thermal paste MX-4", "any", "75000", None, 40, 0),
    ("LCD-156-FHD", "LCD panel 15.6\" FHD", "15.6\" laptops (30-pin eDP)", "1200000", "750000", 2, 1),
]


def _parts() -> dict[str, Part]:
    out = {}
    for sku, name, fits, new, used, stock_new, stock_used in PARTS:
        part = Part(sku=sku, name=name, compatible_devices=fits, price_new=Decimal(new),
                    price_used=Decimal(used) if used else None, currency="IDR", stock_new=stock_new,
                    stock_used=stock_used, active=True)
        db.session.add(part)
        db.session.flush()
        lines.record_opening_stock(db.session, part)
        out[sku] = part
    return out


def _ticket(manager, technician, customer, **data):
    values = {"customer_waits": False, "pickup_at": None, "assignee": technician.id, **data}
    if not values["pickup_at"]:
        values["customer_waits"] = True
    return tickets.open_ticket(db.session, data=values, actor=manager, customer_id=customer.id)


def _walk_to_ready(order, manager, technician, diagnosis, parts=(), labour=()):
    transitions.fire(db.session, order.id, "start_diagnosis", actor=manager, comment="Demo")
    tickets.set_diagnosis(db.session, order.id, diagnosis, actor=technician)
    transitions.fire(db.session, order.id, "start_repair", actor=technician)
    for part in parts:
        lines.add_part_line(db.session, order.id, actor=technician, **part)
    for description, hours, rate in labour:
        lines.add_labour_line(db.session, order.id, description=description, hours=hours, rate=rate,
                              actor=technician)
    transitions.fire(db.session, order.id, "finish_repair", actor=technician)


def _pay_cash_and_pick_up(order, manager):
    payment = db.session.execute(select(Payment).where(Payment.order_id == order.id, Payment.status == "pending")
                                 ).scalars().first()
    payments.mark_paid(db.session, payment, actor=manager, method="cash")  # moves the ticket to paid
    transitions.fire(db.session, order.id, "pick_up", actor=manager, comment="Demo")


def ensure_repair_demo(users: dict, customers: dict) -> str:
    if db.session.execute(select(func.count(Part.id))).scalar():
        return "repair demo present"
    manager, technician = users["manager"], users["technician"]
    parts = _parts()
    citra = customers["customer"]
    company = customers["PT Maju Jaya"]
    walk_in = db.session.execute(select(Customer).where(Customer.phone == "+62 813 5555 0199")).scalar() or Customer(
        name="Budi Hartono", phone="+62 813 5555 0199", email="budi.hartono@example.com")
    db.session.add(walk_in)
    db.session.flush()

    # 1. Ready with lines: the customer was told the amount due.
    ready = _ticket(manager, technician, citra, device_type="laptop", brand="Lenovo", model="ThinkPad T480",
                    serial_number="PF-1A2B3C", accessories="charger, bag", condition="worn keyboard",
                    faults="Keys stopped working; battery drains fast", estimate="1200000")
    _walk_to_ready(ready, manager, technician, "Keyboard ribbon torn; battery at 41% of design capacity.",
                   parts=[{"part_id": parts["KB-T480"].id, "condition": "new", "quantity": 1},
                          {"part_id": parts["BAT-T480"].id, "condition": "new", "quantity": 1}],
                   labour=[("Replace keyboard and battery", "1.5", "100000")])

    # 2. Picked up under warranty, with a used SSD billed at the new price (the refund rules owe
    #    the difference) and a used RAM module billed as used; the customer is back: a warranty claim.
    done = _ticket(manager, technician, company, device_type="desktop", brand="HP", model="Pavilion 590",
                   serial_number="HP590-00917", condition="dusty", faults="Random restarts, very slow disk")
    _walk_to_ready(done, manager, technician, "Failing HDD and one faulty RAM module (memtest errors).",
                   parts=[{"part_id": parts["SSD-512"].id, "condition": "used", "billed_as": "new", "quantity": 1},
                          {"part_id": parts["RAM-8-DDR4"].id, "condition": "used", "quantity": 1},
                          {"part_id": parts["PASTE-MX4"].id, "condition": "new", "quantity": 1}],
                   labour=[("Clone the system, clean and re-paste the CPU cooler", "2", "80000")])
    _pay_cash_and_pick_up(done, manager)
    warranty.open_claim(db.session, done.id, faults="Restarts again after a week", actor=manager)

    # 3. Parts sold over the counter.
    sales.sell(db.session, items=[{"part_id": parts["PASTE-MX4"].id, "condition": "new", "quantity": 2},
                                  {"part_id": parts["RAM-8-DDR4"].id, "condition": "new", "quantity": 1}],
               actor=manager, customer_id=walk_in.id, method="cash")
    db.session.flush()
    return "repair demo loaded"
