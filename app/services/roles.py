"""The role matrix: which permission each role holds on each resource.

Roles are stored in the database (visible and editable in FAB's Roles UI) and created
idempotently by ``flask orderflow roles`` and by run.py. Syncing adds what the matrix
grants and never removes what an admin granted by hand.
"""
from __future__ import annotations

READ = ("read",)
READ_ADD = ("read", "add")
READ_ADD_EDIT = ("read", "add", "edit")
ALL = ("read", "add", "edit", "delete")

ROLES = ["Admin", "Owner", "Manager", "Lead", "Technician", "Author", "Programmer", "Accountant", "Customer"]

WORKER = {
    "Order": READ,
    "OrderEvent": READ,
    "Attachment": READ_ADD,
    "Service": READ,
}

MATRIX: dict[str, dict[str, tuple]] = {
    "Owner": {
        "Order": READ_ADD_EDIT,
        "OrderEvent": READ,
        "Attachment": ALL,
        "Customer": ALL,
        "Service": ALL,
        "StaffProfile": ALL,
        "Division": ALL,
    },
    "Manager": {
        "Order": READ_ADD_EDIT,
        "OrderEvent": READ,
        "Attachment": READ_ADD_EDIT,
        "Customer": READ_ADD_EDIT,
        "Service": READ,
        "StaffProfile": READ,
        "Division": READ,
    },
    "Lead": {
        "Order": ("read", "edit"),
        "OrderEvent": READ,
        "Attachment": READ_ADD,
        "Service": READ,
        "StaffProfile": READ,
        "Division": READ,
    },
    "Technician": WORKER,
    "Author": WORKER,
    "Programmer": WORKER,
    "Accountant": {
        "Order": READ,
        "OrderEvent": READ,
        "Attachment": READ,
        "Customer": READ,
        "Service": READ,
        "StaffProfile": READ,
    },
    "Customer": {
        "Order": READ_ADD,
        "Attachment": READ_ADD,
        "Service": READ,
        "Customer": ("read", "edit"),
    },
}

# Rules: Owner (and Admin) edit rule sets; staff read decisions through the orders they
# see (row level); Owner and Manager see the assignment dashboard.
MATRIX["Owner"].update({"RuleSet": ALL, "Decision": READ, "AssignmentDashboard": READ})
# Business owners change how orders move too (the workflow editor: draft, check, publish).
MATRIX["Owner"]["Workflow"] = ("read", "edit")
MATRIX["Manager"].update({"Decision": READ, "AssignmentDashboard": READ})
for _role in ("Lead", "Accountant"):
    MATRIX[_role]["Decision"] = READ
WORKER["Decision"] = READ

# Workflow triggers: every role that sees orders holds "fire" on Order; which trigger it may
# fire is the workflow's business (its transitions' roles), checked by services.transitions.
for _grants in MATRIX.values():
    if "Order" in _grants and "fire" not in _grants["Order"]:
        _grants["Order"] = tuple(_grants["Order"]) + ("fire",)

# Money and messages: payments (customers pay their own; Accountant and Manager verify),
# payouts (the Accountant pays them), the earnings ledger (workers see their own rows),
# the outbox (staff see failed sends). Message templates are Admin's.
_WORKER_MONEY = {"Ledger": READ, "Payout": READ}
MONEY_GRANTS: dict[str, dict[str, tuple]] = {
    "Owner": {"Payment": ("read", "edit"), "Payout": READ, "Ledger": READ_ADD, "Notification": ("read", "edit")},
    "Manager": {"Payment": ("read", "edit"), "Ledger": READ, "Notification": READ},
    "Accountant": {"Payment": ("read", "edit"), "Payout": ("read", "edit"), "Ledger": READ_ADD},
    "Lead": _WORKER_MONEY,
    "Technician": _WORKER_MONEY,
    "Author": _WORKER_MONEY,
    "Programmer": _WORKER_MONEY,
    "Customer": {"Payment": ("read", "pay")},
}
for _role, _money in MONEY_GRANTS.items():
    MATRIX[_role] = {**MATRIX.get(_role, {}), **_money}

# Menu entries each role needs to reach its pages.
MENUS = {
    "Owner": ["Orders", "Order history", "Attachments", "Customers", "Setup", "Services", "Staff", "Divisions"],
    "Manager": ["Orders", "Order history", "Attachments", "Customers", "Setup", "Services", "Staff", "Divisions"],
    "Lead": ["Orders", "Order history", "Attachments", "Setup", "Services", "Staff", "Divisions"],
    "Technician": ["Orders", "Order history", "Attachments"],
    "Author": ["Orders", "Order history", "Attachments"],
    "Programmer": ["Orders", "Order history", "Attachments"],
    "Accountant": ["Orders", "Order history", "Attachments", "Customers", "Setup", "Staff", "Services"],
    "Customer": ["My orders"],
}

_WORKER_MONEY_MENUS = ["Money", "My earnings", "Payouts"]
MONEY_MENUS = {
    "Owner": ["Money", "Payments", "Payouts", "Due payouts", "Earnings ledger", "My earnings", "Messages",
              "Payment methods", "Worker shares"],
    "Manager": ["Money", "Payments", "Earnings ledger", "Messages"],
    "Accountant": ["Money", "Payments", "Payouts", "Due payouts", "Earnings ledger"],
    "Lead": _WORKER_MONEY_MENUS,
    "Technician": _WORKER_MONEY_MENUS,
    "Author": _WORKER_MONEY_MENUS,
    "Programmer": _WORKER_MONEY_MENUS,
    "Customer": ["Money", "Payments"],
}
for _role, _menus in MONEY_MENUS.items():
    MENUS[_role] = MENUS.get(_role, []) + [m for m in _menus if m not in MENUS.get(_role, [])]

MENUS["Owner"] += ["Rule sets", "Workflows", "Decisions", "Offers by rating"]
MENUS["Manager"] += ["Decisions", "Offers by rating"]
for _role in ("Lead", "Technician", "Author", "Programmer", "Accountant"):
    MENUS[_role] = MENUS[_role] + ["Decisions"]

# Writing service: the ready-made works catalog (Owner and Manager keep it, the Accountant
# sees the purchases), reviews (clients write, staff moderate), the forum (everyone reads
# and writes; Owner and Manager moderate: "edit").
CATALOG_GRANTS: dict[str, dict[str, tuple]] = {
    "Owner": {"ReadyWork": ALL, "CatalogPurchase": ("read", "edit"), "AuthorReview": ("read", "delete"),
              "CompanyReview": ("read", "edit", "delete"), "Forum": READ_ADD_EDIT},
    "Manager": {"ReadyWork": ALL, "CatalogPurchase": ("read", "edit"), "AuthorReview": READ,
                "CompanyReview": ("read", "edit"), "Forum": READ_ADD_EDIT},
    "Accountant": {"CatalogPurchase": READ, "AuthorReview": READ, "Forum": READ_ADD},
    "Lead": {"Forum": READ_ADD},
    "Technician": {"Forum": READ_ADD},
    "Author": {"AuthorReview": READ, "Forum": READ_ADD},
    "Programmer": {"Forum": READ_ADD},
    "Customer": {"AuthorReview": READ_ADD, "CompanyReview": READ_ADD, "Forum": READ_ADD},
}
for _role, _grants in CATALOG_GRANTS.items():
    MATRIX[_role] = {**MATRIX.get(_role, {}), **_grants}
_STAFF_CATALOG_MENUS = ["Catalog", "Ready-made works", "Catalog purchases", "Ready-made works shop", "Reviews",
                        "Company reviews", "Author reviews", "Forum", "Reviews page"]
CATALOG_MENUS = {
    "Owner": _STAFF_CATALOG_MENUS,
    "Manager": _STAFF_CATALOG_MENUS,
    "Accountant": ["Catalog", "Catalog purchases", "Ready-made works shop", "Reviews", "Forum", "Reviews page"],
    "Author": ["Reviews", "Author reviews", "Forum", "Reviews page"],
    "Lead": ["Reviews", "Forum", "Reviews page"],
    "Technician": ["Reviews", "Forum", "Reviews page"],
    "Programmer": ["Reviews", "Forum", "Reviews page"],
    "Customer": ["Catalog", "Ready-made works shop", "Reviews", "Forum", "Reviews page"],
}
for _role, _menus in CATALOG_MENUS.items():
    MENUS[_role] = MENUS.get(_role, []) + [m for m in _menus if m not in MENUS.get(_role, [])]

# The academic-writing desk: managers (and the owner) read and reassign on the Writing desk;
# workers answer their offers on My offers.
for _role in ("Owner", "Manager"):
    MATRIX[_role]["WritingDesk"] = ("read", "edit")
    MENUS[_role] = MENUS[_role] + ["Writing desk"]
for _role in ("Author", "Technician", "Programmer"):
    MATRIX[_role] = {**MATRIX[_role], "MyOffers": READ}
    MENUS[_role] = MENUS[_role] + ["My offers"]

# The repair shop: the parts catalog (stock moves only through restock, lines and sales) and
# the ticket actions (intake and claims: add; lines and diagnosis: edit; refunds; counter sales).
# Customers read their own tickets (row level) and receipts.
REPAIR_GRANTS: dict[str, dict[str, tuple]] = {
    "Owner": {"Part": ALL, "Repair": ("read", "add", "edit", "refund", "sell")},
    "Manager": {"Part": ALL, "Repair": ("read", "add", "edit", "refund", "sell")},
    "Technician": {"Part": READ, "Repair": ("read", "add", "edit", "sell")},
    "Accountant": {"Part": READ, "Repair": ("read", "refund")},
    "Customer": {"Repair": READ},
}
REPAIR_MENUS = {
    "Owner": ["Repair", "Counter intake", "Parts catalog", "Stock movements", "Counter sale", "Counter sales",
              "Bulk intake"],
    "Manager": ["Repair", "Counter intake", "Parts catalog", "Stock movements", "Counter sale", "Counter sales",
                "Bulk intake"],
    "Technician": ["Repair", "Counter intake", "Parts catalog", "Stock movements", "Counter sale", "Counter sales",
                   "Bulk intake"],
    "Accountant": ["Repair", "Parts catalog", "Stock movements", "Counter sales"],
}
for _role, _grants in REPAIR_GRANTS.items():
    MATRIX[_role] = {**MATRIX.get(_role, {}), **_grants}
for _role, _menus in REPAIR_MENUS.items():
    MENUS[_role] = MENUS.get(_role, []) + [m for m in _menus if m not in MENUS.get(_role, [])]

# Every logged-in person may see and edit their own profile and password.
SELF_SERVICE = [
    ("can_userinfo", "UserDBModelView"),
    ("resetmypassword", "UserDBModelView"),
    ("userinfoedit", "UserDBModelView"),
    ("can_get", "MenuApi"),
    ("can_this_form_get", "ResetMyPasswordView"),
    ("can_this_form_post", "ResetMyPasswordView"),
    ("can_this_form_get", "UserInfoEditView"),
    ("can_this_form_post", "UserInfoEditView"),
    ("can_read", "Inbox"),  # their own in-app messages (/api/v1/inbox/)
]


# Staff script against the REST API, so they may read its description and Swagger UI.
API_DOCS = [("can_get", "OpenApi"), ("can_show", "SwaggerView")]


def wanted_permissions(role: str) -> list[tuple[str, str]]:
    pairs = list(API_DOCS) if role != "Customer" else []
    pairs += [(f"can_{perm}", resource) for resource, perms in MATRIX.get(role, {}).items() for perm in perms]
    pairs += [("menu_access", menu) for menu in MENUS.get(role, [])]
    pairs += SELF_SERVICE
    return pairs


def sync_roles(appbuilder) -> dict[str, int]:
    """Create the roles and grant the matrix. Returns how many grants each role gained.

    Admin is created first: FAB grants every permission it registers to the Admin role.
    """
    sm = appbuilder.sm
    sm.find_role("Admin") or sm.add_role("Admin")
    sm.find_role("Public") or sm.add_role("Public")
    appbuilder.add_permissions(update_perms=True)
    gained: dict[str, int] = {}
    for role_name in ROLES[1:]:
        role = sm.find_role(role_name) or sm.add_role(role_name)
        have = {(pv.permission.name, pv.view_menu.name) for pv in role.permissions}
        count = 0
        for permission, resource in wanted_permissions(role_name):
            if (permission, resource) in have:
                continue
            pv = sm.add_permission_view_menu(permission, resource)
            sm.add_permission_role(role, pv)
            count += 1
        gained[role_name] = count
    return gained
