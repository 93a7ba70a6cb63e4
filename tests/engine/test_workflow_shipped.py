"""The four shipped workflows parse cleanly and their paths walk through ``plan``."""
import pytest

from app.engine.workflow import (InvalidTransition, MachineCache, STANDARD_ROLES, SYSTEM_ROLE, TriggerNotAllowed,
                                 WORKFLOWS_DIR, load_shipped_workflows)

ROLES = {"Admin", "Owner", "Manager", "Lead", "Technician", "Author", "Programmer", "Accountant", "Customer"}
FIELDS = {"id", "number", "service", "customer", "workflow_key", "workflow_version", "state", "manager",
          "assignee", "division", "title", "description", "details", "quantity", "price", "currency",
          "deadline", "created", "updated", "version"}
CACHE = MachineCache()


@pytest.fixture(scope="module")
def shipped():
    return load_shipped_workflows(known_roles=ROLES, order_fields=FIELDS)


def compiled(shipped, key):
    return CACHE.get(key, 1, shipped[key][1])


def walk(wf, steps, start=None):
    """steps: (trigger, role, expected dest); returns the list of plans."""
    state = start or wf.initial_state
    plans = []
    for trigger, role, dest in steps:
        plan = wf.plan(state, trigger, {role})
        assert plan.dest == dest, (state, trigger, plan.dest, dest)
        plans.append(plan)
        state = plan.dest
    return state, plans


def kinds(plan, attr="effects"):
    return [(s.kind, dict(s.params)) for s in getattr(plan, attr)]


def test_all_four_parse(shipped):
    assert STANDARD_ROLES == ROLES
    assert set(shipped) == {"web_project", "repair_ticket", "store_order", "writing"}
    prefixes = {k: d.number_prefix for k, (_, d) in shipped.items()}
    assert prefixes == {"web_project": "WP", "repair_ticket": "RP", "store_order": "ST", "writing": "WR"}
    assert sorted(p.name for p in WORKFLOWS_DIR.glob("*.yaml")) == [
        "repair_ticket.yaml", "store_order.yaml", "web_project.yaml", "writing.yaml"]
    for key in shipped:
        wf = compiled(shipped, key)
        assert wf.mermaid(wf.initial_state).count("s_active") >= 2


# --------------------------------------------------------------------------- web project
WP_HAPPY = [
    ("open_bidding", "Customer", "bidding"),
    ("choose_bid", "Customer", "agreement"),
    ("accept_agreement", "Customer", "accepted_by_customer"),
    ("accept_agreement", "Programmer", "awaiting_down_payment"),
    ("pay_down_payment", "Customer", "in_progress"),
    ("deliver", "Programmer", "delivered"),
    ("request_fixes", "Customer", "in_progress"),
    ("deliver", "Programmer", "delivered"),
    ("approve", "Customer", "awaiting_balance"),
    ("submit_payment_proof", "Customer", "verifying_payment"),
    ("reject_payment_proof", "Accountant", "awaiting_balance"),
    ("submit_payment_proof", "Customer", "verifying_payment"),
    ("confirm_payment", "Accountant", "done"),
]


def test_web_project_happy_path(shipped):
    wf = compiled(shipped, "web_project")
    state, plans = walk(wf, WP_HAPPY)
    assert state == "done" and state in wf.final_states
    by = {p.trigger: p for p in plans}
    assert ("start_timer", {"name": "deadline", "at_field": "deadline", "trigger": "expire_deadline"}) in kinds(
        by["pay_down_payment"])
    assert kinds(by["pay_down_payment"], "guards") == [("payment_paid", {"purpose": "down_payment"})]
    assert ("cancel_timer", {"name": "deadline"}) in kinds(by["approve"])
    assert [g.kind for g in by["deliver"].guards] == ["actor_is_assignee", "attachment"]
    # both sides accept, in either order
    state, _ = walk(wf, [("accept_agreement", "Programmer", "accepted_by_programmer"),
                         ("accept_agreement", "Customer", "awaiting_down_payment")], start="agreement")
    with pytest.raises(TriggerNotAllowed):  # the same side cannot accept twice
        wf.plan("accepted_by_customer", "accept_agreement", {"Customer"})


def test_web_project_failure_paths(shipped):
    wf = compiled(shipped, "web_project")
    # deadline passes while in progress: the timer (System) fails the project
    assert wf.plan("in_progress", "expire_deadline", {SYSTEM_ROLE}).dest == "failed"
    with pytest.raises(TriggerNotAllowed):
        wf.plan("in_progress", "expire_deadline", {"Customer"})
    with pytest.raises(InvalidTransition):  # once delivered the deadline timer no longer fails it
        wf.plan("delivered", "expire_deadline", {SYSTEM_ROLE})
    walk(wf, [("reject_agreement", "Programmer", "bidding"), ("cancel", "Customer", "cancelled")], start="agreement")
    with pytest.raises(InvalidTransition):
        wf.plan("in_progress", "cancel", {"Customer"})
    with pytest.raises(TriggerNotAllowed):
        wf.plan("delivered", "approve", {"Programmer"})


# --------------------------------------------------------------------------- repair
def test_repair_happy_path(shipped):
    wf = compiled(shipped, "repair_ticket")
    state, plans = walk(wf, [
        ("start_diagnosis", "Technician", "diagnosing"),
        ("start_repair", "Technician", "repairing"),
        ("back_to_diagnosis", "Technician", "diagnosing"),
        ("start_repair", "Technician", "repairing"),
        ("finish_repair", "Technician", "ready"),
        ("pay", "Customer", "paid"),
        ("pick_up", "Manager", "picked_up"),
    ])
    assert state in wf.final_states
    finish = plans[4]
    assert ("notify", {"to": "customer", "template": "repair_ready"}) in kinds(finish)
    assert any(k == "request_payment" and p["purpose"] == "full" and "gopay" in p["methods"]
               for k, p in kinds(finish))
    assert wf.customer_label("picked_up").startswith("Picked up")


def test_repair_warranty_and_failure_paths(shipped):
    wf = compiled(shipped, "repair_ticket")
    state, plans = walk(wf, [
        ("start_warranty_check", "Manager", "warranty_check"),
        ("warranty_repair", "Technician", "repairing"),
        ("finish_repair", "Technician", "ready"),
        ("pay", "Customer", "paid"),
        ("pick_up", "Technician", "picked_up"),
    ])
    assert kinds(plans[0], "guards")[0][1]["field"] == "details.warranty_of"
    walk(wf, [("start_warranty_check", "Manager", "warranty_check"), ("no_fault_found", "Technician", "ready")])
    walk(wf, [("start_warranty_check", "Manager", "warranty_check"), ("warranty_void", "Manager", "diagnosing"),
              ("cancel", "Customer", "cancelled")])
    with pytest.raises(TriggerNotAllowed):
        wf.plan("warranty_check", "warranty_void", {"Technician"})
    with pytest.raises(InvalidTransition):
        wf.plan("ready", "cancel", {"Manager"})
    with pytest.raises(InvalidTransition):
        wf.plan("picked_up", "start_diagnosis", {"Admin"})


# --------------------------------------------------------------------------- store
def test_store_happy_path_digital_and_physical(shipped):
    wf = compiled(shipped, "store_order")
    state, plans = walk(wf, [
        ("start_validation", "Manager", "validating"),
        ("request_fix", "Manager", "needs_fix"),
        ("resubmit", "Customer", "validating"),
        ("approve", "Manager", "sent_to_division"),
        ("assign_member", "Lead", "assigned"),
        ("start_work", "Technician", "in_work"),
        ("return_to_desk", "Technician", "returned_to_desk"),
        ("send_back", "Manager", "in_work"),
        ("return_to_desk", "Technician", "returned_to_desk"),
        ("deliver", "Manager", "delivered"),
    ])
    assert state in wf.final_states
    by = {p.trigger: p for p in plans}
    assert kinds(by["approve"], "guards")[0] == (
        "rule_set", {"key": "intake.validation", "message": "The order misses required data"})
    assert ("attachment", "work_guide") in [(g.kind, g.get("attachment_kind")) for g in by["start_work"].guards]
    assert ("attachment", "proof_of_completion") in [(g.kind, g.get("attachment_kind"))
                                                     for g in by["return_to_desk"].guards]
    state, _ = walk(wf, [
        ("start_picking", "Manager", "picking"),
        ("pack", "Technician", "packing"),
        ("ship", "Manager", "shipped"),
        ("confirm_delivery", "Customer", "delivery_confirmed"),
    ], start="returned_to_desk")
    assert state in wf.final_states
    assert [t.name for t in wf.available_triggers("sent_to_division", {"Lead"})] == ["assign_member", "auto_assign"]
    assert [t.name for t in wf.available_triggers("sent_to_division", {"Technician"})] == []


def test_store_failure_paths(shipped):
    wf = compiled(shipped, "store_order")
    walk(wf, [("start_validation", "Manager", "validating"), ("reject", "Manager", "rejected")])
    walk(wf, [("request_fix", "Manager", "needs_fix"), ("fix_timeout", SYSTEM_ROLE, "rejected")],
         start="validating")
    walk(wf, [("reassign", "Lead", "sent_to_division"), ("cancel", "Customer", "cancelled")], start="in_work")
    with pytest.raises(TriggerNotAllowed):
        wf.plan("validating", "approve", {"Customer"})
    with pytest.raises(TriggerNotAllowed):
        wf.plan("needs_fix", "fix_timeout", {"Manager"})
    with pytest.raises(InvalidTransition):  # must be validated before going to the division
        wf.plan("submitted", "approve", {"Manager"})
    with pytest.raises(InvalidTransition):
        wf.plan("in_work", "cancel", {"Customer"})


# --------------------------------------------------------------------------- writing
def test_writing_happy_path(shipped):
    wf = compiled(shipped, "writing")
    state, plans = walk(wf, [
        ("route", SYSTEM_ROLE, "routed"),
        ("offer", "Manager", "offered"),
        ("decline", "Author", "offered"),
        ("offer_expired", SYSTEM_ROLE, "offered"),
        ("take", "Author", "taken"),
        ("confirm_feasible", "Manager", "awaiting_deposit"),
        ("pay_deposit", "Customer", "started"),
        ("upload_half", "Author", "half_ready"),
        ("request_rework", "Manager", "rework"),
        ("resubmit", "Author", "half_ready"),
        ("release_preview", "Manager", "awaiting_confirmation"),
        ("request_rework", "Customer", "rework"),
        ("resubmit", "Author", "half_ready"),
        ("release_preview", "Manager", "awaiting_confirmation"),
        ("confirm", "Customer", "awaiting_balance"),
        ("pay_balance", "Accountant", "finishing"),
        ("upload_final", "Author", "final_check"),
        ("reject_final", "Manager", "finishing"),
        ("upload_final", "Author", "final_check"),
        ("send_to_client", "Manager", "ready"),
    ])
    assert state == "ready" and state in wf.final_states
    by = {p.trigger: p for p in plans}
    route = by["route"].effects[0]
    assert (route["strategy"], route["strategy_from"], route["field"], route["required"], route["escalate_to"]) == (
        "least_loaded", "service.routing_strategy", "manager", True, "Owner")
    assert route["match_skill"] is False
    # routing needs no click: System fires it when the order is created; the manager may too
    assert wf.automatic_triggers("new") == ["route"]
    assert wf.automatic_triggers("routed") == ["offer_automatically"]
    assign = by["offer"].effects[0]
    assert (assign.kind, assign["strategy"], assign["role"], assign["rule_set"]) == (
        "assign", "weighted_rating", "Author", "writing.assignment")
    assert ("start_timer", {"name": "offer_expiry", "hours": 24, "hours_from": "service.offer_hours",
                            "trigger": "offer_expired"}) in kinds(by["offer"])
    # the timer marks the unanswered offer expired, then re-offers like "offer"
    assert kinds(by["offer_expired"]) == [("answer_offer", {"accept": False, "expired": True})] + kinds(by["offer"])
    # taking is not yet a deposit: the manager first confirms the work can be done
    assert not any(k == "request_payment" for k, _ in kinds(by["take"]))
    assert ("cancel_timer", {"name": "offer_expiry"}) in kinds(by["take"])
    assert ("request_payment", {"purpose": "deposit", "percent": 50}) in kinds(by["confirm_feasible"])
    assert ("request_payment", {"purpose": "balance", "remaining": True}) in kinds(by["confirm"])
    assert [g.get("attachment_kind") for g in by["upload_half"].guards] == [None, "partial_preview"]
    assert ("share_attachments", {"attachment_kind": "partial_preview"}) in kinds(by["release_preview"])
    effects = kinds(by["send_to_client"])
    assert ("notify", {"to": "customer", "template": "work_ready", "channel": "email", "attach": "final_work"}) in effects
    assert ("share_attachments", {"attachment_kind": "final_work"}) in effects and ("record_earnings", {}) in effects
    author = [t.name for t in wf.available_triggers("offered", {"Author"})]
    assert author == ["take", "decline"]
    assert wf.label("half_ready") == "50% ready"
    # the automatic offer is System's alone and asks the service first
    assert [g.kind for g in wf.plan("routed", "offer_automatically", {SYSTEM_ROLE}).guards] == ["service_setting"]
    with pytest.raises(TriggerNotAllowed):
        wf.plan("routed", "offer_automatically", {"Manager"})


def test_writing_failure_paths(shipped):
    wf = compiled(shipped, "writing")
    assert wf.plan("awaiting_deposit", "payment_timeout", {SYSTEM_ROLE}).dest == "failed"
    assert wf.plan("awaiting_balance", "payment_timeout", {SYSTEM_ROLE}).dest == "failed"
    for state in ("new", "offered", "taken", "started", "rework", "awaiting_confirmation"):
        assert wf.plan(state, "withdraw", {"Customer"}).dest == "failed"
        assert ("refund", {"rule_set": "writing.refund"}) in kinds(wf.plan(state, "withdraw", {"Customer"}))
    assert ("refund", {"rule_set": "writing.refund"}) in kinds(wf.plan("awaiting_balance", "payment_timeout",
                                                                       {SYSTEM_ROLE}))
    assert wf.plan("taken", "not_feasible", {"Manager"}).dest == "failed"
    with pytest.raises(TriggerNotAllowed):  # the author does not confirm their own order
        wf.plan("taken", "confirm_feasible", {"Author"})
    with pytest.raises(InvalidTransition):  # fully paid work is not withdrawn
        wf.plan("final_check", "withdraw", {"Customer"})
    with pytest.raises(TriggerNotAllowed):
        wf.plan("offered", "take", {"Customer"})
    with pytest.raises(TriggerNotAllowed):
        wf.plan("awaiting_deposit", "payment_timeout", {"Manager"})
    with pytest.raises(InvalidTransition):
        wf.plan("ready", "request_rework", {"Admin"})
    assert wf.time_limits["offered"] == 24
