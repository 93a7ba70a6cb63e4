"""Demo data: a login per role, the four businesses' services, staff and living orders.

Idempotent: running it again changes nothing that exists. Never runs in production.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.models import Customer, Division, Order, OrderEvent, Service, StaffProfile
from app.models.types import utcnow
from app.services.orders import create_order
from app.services.roles import ROLES, sync_roles
from app.services.workflows import state_names

ROLE_USERS = {role.lower(): role for role in ROLES}

EXTRA_STAFF = [
    # username, role, first, last, patronymic, rating, skills, capacity
    ("author.ivanova", "Author", "Anna", "Ivanova", "Sergeevna", "5", "history,law,economics", 12),
    ("author.petrov", "Author", "Pavel", "Petrov", "Ivanovich", "4", "history,physics", 8),
    ("author.sidorova", "Author", "Maria", "Sidorova", "Olegovna", "3", "economics,law", 8),
    ("author.kuznetsov", "Author", "Dmitry", "Kuznetsov", "Petrovich", "2", "physics", 6),
    ("author.smirnov", "Author", "Ilya", "Smirnov", "Andreevich", "1", "history", 4),
    ("tech.budi", "Technician", "Budi", "Santoso", None, "4", "laptops,desktops", 8),
    ("prog.sari", "Programmer", "Sari", "Wijaya", None, "5", "python,react", 3),
]

SERVICES = [
    {
        "code": "PAPER", "name": "Academic paper", "kind": "writing",
        "description": "Essays, course papers and theses written by rated authors. 50% up front.",
        "base_price": Decimal("3000"), "currency": "RUB", "default_deadline_days": 14,
        "form_schema": [
            {"name": "subject", "label": "Subject", "type": "choice", "required": True,
             "choices": ["history", "law", "economics", "physics"]},
            {"name": "work_type", "label": "Type of work", "type": "choice", "required": True,
             "choices": ["essay", "course paper", "thesis"]},
            {"name": "topic", "label": "Topic", "type": "text", "required": True, "min": 5, "max": 300},
            {"name": "pages", "label": "Pages", "type": "integer", "required": True, "min": 1, "max": 200},
            {"name": "deadline", "label": "Deadline", "type": "date",
             "help": "When you need the work; empty: in 14 days."},
            {"name": "requirements", "label": "Requirements", "type": "text", "max": 2000},
            {"name": "files", "label": "Files (guidelines, sources)", "type": "file",
             "help": "Optional; you can add more files on the order's page later."},
        ],
        "work_guide_template": "Structure, sources and formatting the client asked for.",
    },
    {
        "code": "REPAIR-PC", "name": "Computer repair", "kind": "repair_ticket",
        "description": "Diagnosis and repair of laptops and desktops; parts billed separately.",
        "base_price": Decimal("150000"), "currency": "IDR", "default_deadline_days": 5,
        "form_schema": [
            {"name": "device_type", "label": "Device", "type": "choice", "required": True,
             "choices": ["laptop", "desktop", "all-in-one"]},
            {"name": "brand", "label": "Brand", "type": "text", "required": True, "max": 60},
            {"name": "model", "label": "Model", "type": "text", "max": 80},
            {"name": "serial_number", "label": "Serial number", "type": "text", "max": 80},
            {"name": "fault", "label": "What is wrong", "type": "text", "required": True, "min": 3, "max": 1000},
            {"name": "waits", "label": "Customer waits at the shop", "type": "bool"},
        ],
    },
    {
        "code": "GMAIL-ACC", "name": "Gmail accounts", "kind": "store_order",
        "description": "Ready Gmail accounts, delivered by the technical division.",
        "base_price": Decimal("5000"), "currency": "IDR", "default_deadline_days": 2,
        "division": "Technical division",
        "form_schema": [
            {"name": "quantity", "label": "How many accounts", "type": "integer", "required": True,
             "min": 1, "max": 1000, "help": "Required: the desk cannot pass the order on without it."},
            {"name": "notes", "label": "Extra notes", "type": "text", "max": 500},
        ],
        "work_guide_template": "OLP: steps to create and verify each account.",
    },
    {
        "code": "WEB-PROJECT", "name": "Web development project", "kind": "web_project",
        "description": "Post a project, compare programmers' bids, agree online, pay a down payment.",
        "base_price": Decimal("5000000"), "currency": "IDR", "default_deadline_days": 30,
        "form_schema": [
            {"name": "brief", "label": "Brief", "type": "text", "required": True, "min": 10, "max": 4000},
            {"name": "features", "label": "Wanted features", "type": "text", "max": 4000},
            {"name": "budget", "label": "Budget", "type": "number", "required": True, "min": 0},
            {"name": "promote", "label": "Promote my project", "type": "bool"},
        ],
    },
]

DEMO_ORDERS = [
    # service code, title, details, how many states into the workflow it has moved
    ("PAPER", "The Decembrist revolt", {"subject": "history", "work_type": "essay", "topic": "The Decembrist revolt of 1825", "pages": 12}, 0),
    ("PAPER", "Contract law basics", {"subject": "law", "work_type": "course paper", "topic": "Consumer contracts in civil law", "pages": 30}, 2),
    ("PAPER", "Inflation targeting", {"subject": "economics", "work_type": "thesis", "topic": "Inflation targeting in emerging markets", "pages": 60}, 4),
    ("REPAIR-PC", "Laptop does not boot", {"device_type": "laptop", "brand": "Lenovo", "model": "ThinkPad T480", "fault": "Does not boot, fan spins"}, 1),
    ("REPAIR-PC", "Desktop overheating", {"device_type": "desktop", "brand": "HP", "fault": "Shuts down after ten minutes", "waits": True}, 3),
    ("GMAIL-ACC", "50 Gmail accounts", {"quantity": 50, "notes": "For a marketing team"}, 0),
    ("GMAIL-ACC", "10 Gmail accounts", {"quantity": 10}, 5),
    ("WEB-PROJECT", "Shop website", {"brief": "An online shop for handmade batik", "budget": "7500000", "promote": True}, 1),
    ("WEB-PROJECT", "Company profile", {"brief": "A five-page company profile site", "budget": "3000000"}, 6),
]


def load_demo(app: Flask) -> str:
    if str(app.config.get("ENV", "")).lower() == "production":
        return "Production: demo data is never loaded."
    with app.app_context():
        appbuilder = app.appbuilder
        sync_roles(appbuilder)
        password = app.config["DEMO_PASSWORD"]
        users = _ensure_users(appbuilder, password)
        divisions = _ensure_divisions(users)
        _ensure_staff(users, divisions)
        services = _ensure_services(divisions)
        customers = _ensure_customers(users)
        from app.services.workflows import load_shipped

        load_shipped(db.session)  # workflows/*.yaml -> version 1, published (idempotent)
        _ensure_rule_sets()  # before orders: their workflows evaluate published rule sets
        created = _ensure_orders(services, customers, users)
        _ensure_demo_assignments()
        db.session.commit()
        from seed.money import ensure_money_demo

        ensure_money_demo(users, customers)  # shares, templates, a deposit to pay, a due payout
        db.session.commit()
        from seed.writing_catalog import ensure_writing_catalog

        ensure_writing_catalog(app, users, customers)  # ready-made works, reviews, a forum topic
        db.session.commit()
        from seed.writing import ensure_writing_demo

        ensure_writing_demo(users, customers)  # a writing order in every status, walked through the workflow
        db.session.commit()
        from seed.repair import ensure_repair_demo

        ensure_repair_demo(users, customers)  # parts with stock, tickets in several states, a claim, a sale
        db.session.commit()
        orders = db.session.query(Order.id).count()
        return f"Demo data ready: {len(users)} logins, {len(services)} services, {orders} orders."


def _ensure_rule_sets() -> None:
    """The default rule sets (rules/*.json) as published version 1."""
    from app.services.rulesets import load_defaults

    load_defaults(db.session)


def _ensure_demo_assignments() -> None:
    """Recorded weighted choices so Offers by rating shows expected vs observed shares."""
    from app.models import AssignmentRecord, Order
    from app.services.assignment import assign

    if db.session.query(AssignmentRecord.id).filter(
            AssignmentRecord.strategy == "weighted_rating").count() >= 30:
        return
    papers = db.session.query(Order).filter(Order.workflow_key == "writing").order_by(Order.id).all()
    for order in papers:
        # Recorded choices only (apply=False): the demo orders keep their people.
        for seed in range(20):
            assign(db.session, order, strategy="weighted_rating", role="Author",
                   rule_set="writing.assignment", seed=order.id * 100 + seed, apply=False)


def _ensure_users(appbuilder, password: str) -> dict:
    sm = appbuilder.sm
    users = {}
    wanted = [(name, role, name.capitalize(), "Demo") for name, role in ROLE_USERS.items()]
    wanted += [(u, role, first, last) for u, role, first, last, *_ in EXTRA_STAFF]
    for username, role_name, first, last in wanted:
        user = sm.find_user(username=username)
        if user is None:
            user = sm.add_user(
                username=username, first_name=first, last_name=last,
                email=f"{username}@demo.orderflow.local", role=sm.find_role(role_name),
                password=password,
            )
        users[username] = user
    return users


def _ensure_divisions(users) -> dict:
    divisions = {}
    for name, lead in (("Technical division", "lead"), ("Repair bench", "lead"), ("Writing desk", "manager")):
        division = db.session.execute(select(Division).where(Division.name == name)).scalar()
        if division is None:
            division = Division(name=name, lead_id=users[lead].id)
            db.session.add(division)
        divisions[name] = division
    db.session.flush()
    return divisions


def _ensure_staff(users, divisions) -> None:
    base = [
        ("manager", "Manager", "Olga", "Managerova", "Ivanovna", "5", "", 500, "Writing desk"),  # the whole desk
        ("lead", "Lead", "Lukas", "Lead", None, "4", "accounts", 20, "Technical division"),
        ("technician", "Technician", "Tono", "Teknisi", None, "4", "laptops,accounts", 10, "Technical division"),
        ("author", "Author", "Aleksei", "Avtorov", "Nikolaevich", "4", "history,law", 10, "Writing desk"),
        ("programmer", "Programmer", "Putri", "Programmer", None, "4", "python,php", 3, None),
    ]
    extra = [(u, r, f, l, p, rt, sk, cap, _division_for(r)) for u, r, f, l, p, rt, sk, cap in EXTRA_STAFF]
    for username, _role, first, last, patronymic, rating, skills, capacity, division in base + extra:
        user = users[username]
        exists = db.session.execute(select(StaffProfile).where(StaffProfile.user_id == user.id)).scalar()
        if exists:
            continue
        db.session.add(StaffProfile(
            user_id=user.id, first_name=first, last_name=last, patronymic=patronymic,
            rating=Decimal(rating), skills=skills, capacity=capacity, on_duty=True,
            division=divisions.get(division) if division else None,
        ))
    db.session.flush()


def _division_for(role: str) -> str | None:
    return {"Author": "Writing desk", "Technician": "Repair bench"}.get(role)


def _ensure_services(divisions) -> dict:
    services = {}
    for spec in SERVICES:
        spec = dict(spec)
        division = spec.pop("division", None)
        service = db.session.execute(select(Service).where(Service.code == spec["code"])).scalar()
        if service is None:
            service = Service(**spec, division=divisions.get(division) if division else None)
            db.session.add(service)
        services[service.code] = service
    db.session.flush()
    return services


def _ensure_customers(users) -> dict:
    specs = [
        ("customer", "Citra Customer", "customer@demo.orderflow.local", "+62 812 0000 0001", None),
        (None, "PT Maju Jaya", "it@majujaya.example", "+62 21 555 0101", "PT Maju Jaya"),
    ]
    customers = {}
    for username, name, email, phone, company in specs:
        customer = db.session.execute(select(Customer).where(Customer.email == email)).scalar()
        if customer is None:
            customer = Customer(name=name, email=email, phone=phone, company=company,
                                user_id=users[username].id if username else None)
            db.session.add(customer)
        customers[username or name] = customer
    db.session.flush()
    return customers


def _ensure_orders(services, customers, users) -> int:
    created = 0
    for index, (code, title, details, steps) in enumerate(DEMO_ORDERS):
        exists = db.session.execute(select(Order.id).where(Order.title == title)).first()
        if exists:
            continue
        customer = customers["customer"] if index % 3 != 2 else customers["PT Maju Jaya"]
        order = create_order(
            db.session, service=services[code], customer=customer, details=details,
            actor=users["manager"], title=title, manager_id=users["manager"].id,
        )
        _move_demo_order(order, steps, users)
        created += 1
    return created


DEMO_WALKS = {
    # the triggers a demo order is walked through (as System), in order
    "writing": ["offer", "take", "confirm_feasible", "pay_deposit"],  # "route" happens by itself
    "repair_ticket": ["start_diagnosis", "start_repair", "finish_repair", "pay"],
    "store_order": ["start_validation", "approve", "auto_assign", "start_work", "return_to_desk", "deliver"],
    "web_project": ["open_bidding", "choose_bid", "accept_agreement", "accept_agreement", "pay_down_payment",
                    "deliver", "approve"],
}


def _move_demo_order(order: Order, steps: int, users) -> None:
    """Walk a demo order ``steps`` triggers along its workflow through services.transitions.fire
    (as System, like a timer or job would): guards hold, so the walk stops where a guard needs
    real data (a payment, an attachment, a diagnosis)."""
    from app.services import transitions

    worker = {"writing": "author", "repair_ticket": "technician", "store_order": "technician",
              "web_project": "programmer"}.get(order.workflow_key)
    if steps >= 2 and worker and order.workflow_key in ("repair_ticket", "web_project"):
        order.assignee_id = users[worker].id
    db.session.flush()
    for trigger in DEMO_WALKS.get(order.workflow_key, [])[:steps]:
        try:
            with db.session.begin_nested():
                transitions.fire(db.session, order.id, trigger, actor=None, system=True,
                                 comment="Demo history")
        except (transitions.TransitionError, LookupError, ImportError, AttributeError, TypeError,
                ValueError):
            break
    order.deadline = utcnow() + dt.timedelta(days=3 + steps)
