"""Every role against every entity, through the browser views and the REST API.

EXPECTED is the permission matrix documented in the README, written out independently
of app/services/roles.py so that a change to either shows up here.
"""
import pytest

from helpers import login

R, A, E, D = "read", "add", "edit", "delete"
F = "fire"  # workflow triggers (issue 4): every role that sees orders
ALL = {R, A, E, D}
WORKER = {"Order": {R, F}, "OrderEvent": {R}, "Attachment": {R, A}, "Service": {R}, "Decision": {R}}
EXPECTED = {
    "owner": {"Order": {R, A, E, F}, "OrderEvent": {R}, "Attachment": ALL, "Customer": ALL,
              "Service": ALL, "StaffProfile": ALL, "Division": ALL, "RuleSet": ALL, "Decision": {R}},
    "manager": {"Order": {R, A, E, F}, "OrderEvent": {R}, "Attachment": {R, A, E},
                "Customer": {R, A, E}, "Service": {R}, "StaffProfile": {R}, "Division": {R},
                "Decision": {R}},
    "lead": {"Order": {R, E, F}, "OrderEvent": {R}, "Attachment": {R, A}, "Service": {R},
             "StaffProfile": {R}, "Division": {R}, "Decision": {R}},
    "technician": WORKER,
    "author": WORKER,
    "programmer": WORKER,
    "accountant": {"Order": {R, F}, "OrderEvent": {R}, "Attachment": {R}, "Customer": {R},
                   "Service": {R}, "StaffProfile": {R}, "Decision": {R}},
    "customer": {"Order": {R, A, F}, "Attachment": {R, A}, "Service": {R}, "Customer": {R, E}},
}
# Money and messages (issue 5): Accountant and Manager verify payments, the Accountant pays
# payouts, customers see and pay their own payments, workers see their own ledger.
P = "pay"
WORKER_MONEY = {"Ledger": {R}, "Payout": {R}}
MONEY_EXPECTED = {
    "owner": {"Payment": {R, E}, "Payout": {R}, "Ledger": {R, A}, "Notification": {R, E}},
    "manager": {"Payment": {R, E}, "Ledger": {R}, "Notification": {R}},
    "accountant": {"Payment": {R, E}, "Payout": {R, E}, "Ledger": {R, A}},
    "lead": WORKER_MONEY,
    "technician": WORKER_MONEY,
    "author": WORKER_MONEY,
    "programmer": WORKER_MONEY,
    "customer": {"Payment": {R, P}},
}
for _role, _grants in MONEY_EXPECTED.items():
    EXPECTED[_role] = {**EXPECTED[_role], **_grants}
ADMIN_MONEY = {"Payment": {R, E, D, P}, "Payout": {R, E, D}, "Notification": {R, E, D}}

RESOURCES = {
    # resource: (view route base, api resource name)
    "Order": ("orderview", "order"),
    "OrderEvent": ("ordereventview", "order_event"),
    "Attachment": ("attachmentview", "attachment"),
    "Customer": ("customerview", "customer"),
    "Service": ("serviceview", "service"),
    "StaffProfile": ("staffprofileview", "staff_profile"),
    "Division": ("divisionview", "division"),
    "RuleSet": ("rulesetview", "ruleset"),
    "Decision": ("decisionview", "decision"),
    "Payment": ("paymentview", "payment"),
    "Payout": ("payoutview", "payout"),
    "Ledger": ("ledgerentryview", "ledger_entry"),
    "Notification": ("notificationview", "notification"),
    "NotificationTemplate": ("notificationtemplateview", "notification_template"),
}
ROLES = list(EXPECTED) + ["admin"]
READ_ONLY = ("OrderEvent", "Decision")  # written by the system only
MISSING_ID = 987654321


def expected(role, resource):
    if role == "admin" and resource in ADMIN_MONEY:
        return ADMIN_MONEY[resource]
    if role == "admin":
        return {R} if resource in READ_ONLY else (ALL | {F} if resource == "Order" else ALL)
    return EXPECTED[role].get(resource, set())


@pytest.fixture(scope="module")
def clients(app):
    return {role: login(app.test_client(), role) for role in ROLES}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("resource", list(RESOURCES))
def test_view_list_and_add_form(clients, role, resource):
    client, (view, _api) = clients[role], RESOURCES[resource]
    perms = expected(role, resource)
    listing = client.get(f"/{view}/list/")
    assert listing.status_code == (200 if R in perms else 403), listing.status_code
    if resource in READ_ONLY + ("Attachment",):
        return  # no generic add form: events are written by the system, files are uploaded
    add_form = client.get(f"/{view}/add")
    assert add_form.status_code == (200 if A in perms else 403)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("resource", list(RESOURCES))
def test_api_permissions(clients, role, resource):
    client, (_view, api) = clients[role], RESOURCES[resource]
    perms = expected(role, resource)
    listing = client.get(f"/api/v1/{api}/")
    assert listing.status_code == (200 if R in perms else 403)
    if R in perms:
        info = client.get(f"/api/v1/{api}/_info?q=(keys:!(permissions))").get_json()
        assert set(info["permissions"]) == {f"can_{p}" for p in perms}
    update = client.put(f"/api/v1/{api}/{MISSING_ID}", json={})
    delete = client.delete(f"/api/v1/{api}/{MISSING_ID}")
    if resource in READ_ONLY:
        # The history is append-only: no role can change or remove an event.
        assert update.status_code in (404, 405) and delete.status_code in (404, 405)
        return
    assert update.status_code == (404 if E in perms else 403)
    assert delete.status_code == (404 if D in perms else 403)
    if resource != "Attachment":  # files arrive through the upload endpoint
        created = client.post(f"/api/v1/{api}/", json={})
        assert created.status_code == (422 if A in perms else 403) or (
            A in perms and created.status_code == 400
        )


@pytest.mark.parametrize("role", ROLES)
def test_security_pages_are_admin_only(clients, role):
    client = clients[role]
    for url in ("/users/list/", "/roles/list/"):
        assert client.get(url).status_code == (200 if role == "admin" else 403)


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reaches_own_profile(clients, role):
    assert clients[role].get("/users/userinfo/").status_code == 200


def test_anonymous_is_sent_to_login_and_refused_by_api(client):
    assert client.get("/orderview/list/").status_code == 302
    assert client.get("/api/v1/order/").status_code == 401


def test_roles_are_stored_in_database_and_visible_in_roles_ui(clients):
    html = clients["admin"].get("/roles/list/").get_data(as_text=True)
    for role in ["Owner", "Manager", "Lead", "Technician", "Author", "Programmer", "Accountant", "Customer"]:
        assert role in html


def test_openapi_lists_every_entity(clients):
    spec = clients["manager"].get("/api/v1/_openapi").get_json()
    paths = set(spec["paths"])
    for _view, api in RESOURCES.values():
        assert f"/api/v1/{api}/" in paths, api
    assert clients["admin"].get("/swagger/v1").status_code == 200
