"""Validation of workflow YAML definitions: every error kind names its line."""
import pytest

from app.engine.workflow import (DefinitionError, STANDARD_ROLES, check_state_mapping, diff_removed_states,
                                 parse_definition, validate_definition)

ROLES = set(STANDARD_ROLES)
FIELDS = {"id", "number", "service", "customer", "workflow_key", "workflow_version", "state", "manager",
          "assignee", "division", "title", "description", "details", "quantity", "price", "currency",
          "deadline", "created", "updated", "version"}

BASE = """\
key: demo
label: Demo workflow
number_prefix: DM
states:
  - {name: new, label: New, initial: true, customer_label: Received}
  - {name: offered, label: Offered}
  - {name: in_progress, label: In progress, time_limit_hours: 48}
  - {name: done, label: Done, final: true, customer_label: Delivered}
  - {name: cancelled, label: Cancelled, final: true}
transitions:
  - trigger: offer
    from: new
    to: offered
    roles: [Manager]
    effects:
      - {kind: assign, strategy: weighted_rating, role: Author, rule_set: writing.assignment}
      - {kind: start_timer, name: offer_expiry, hours: 24, trigger: expire}
  - trigger: take
    from: offered
    to: in_progress
    label: I take it
    roles: [Author]
    guards:
      - {kind: actor_is_assignee}
      - {kind: attachment, attachment_kind: work_guide}
    effects:
      - {kind: cancel_timer, name: offer_expiry}
      - {kind: request_payment, purpose: deposit, percent: 50}
  - {trigger: expire, from: offered, to: new}
  - trigger: finish
    from: in_progress
    to: done
    roles: [Author]
    guards: [{kind: rule_set, key: intake.validation}, {kind: payment_paid, purpose: deposit}, {kind: field_set, field: assignee}]
    effects: [{kind: notify, to: manager, template: done}, {kind: run_rules, key: payout.threshold}, {kind: set_field, field: details.finished, value: true}]
  - {trigger: cancel, from: "*", to: cancelled, roles: [Manager, Customer]}
"""


def parse(text):
    return parse_definition(text, known_roles=ROLES, order_fields=FIELDS)


def line_of(text, needle, nth=0):
    hits = [i + 1 for i, ln in enumerate(text.splitlines()) if needle in ln]
    return hits[nth]


def problems(text):
    with pytest.raises(DefinitionError) as info:
        parse(text)
    return info.value.problems


def assert_problem(text, fragment, line):
    found = problems(text)
    matching = [p for p in found if fragment in p.message]
    assert matching, f"no problem with {fragment!r} in {[str(p) for p in found]}"
    assert any(p.line == line for p in matching), [str(p) for p in matching]
    assert f"line {line}" in str(matching[0]) or any(f"line {line}" in str(p) for p in matching)
    return matching


def test_base_parses():
    d = parse(BASE)
    assert d.key == "demo" and d.number_prefix == "DM"
    assert d.initial_state == "new"
    assert d.final_states == {"done", "cancelled"}
    assert d.state("in_progress").time_limit_hours == 48
    assert d.state("new").customer_label == "Received"
    assert d.state("offered").customer_label == "Offered"  # defaults to label
    take = next(t for t in d.transitions if t.trigger == "take")
    assert take.label == "I take it" and take.roles == {"Author"}
    assert [g.kind for g in take.guards] == ["actor_is_assignee", "attachment"]
    assert take.guards[1]["attachment_kind"] == "work_guide"
    assert take.effects[1].get("percent") == 50
    cancel = next(t for t in d.transitions if t.trigger == "cancel")
    assert cancel.from_any and set(cancel.sources) == {"new", "offered", "in_progress"}
    assert validate_definition(BASE, known_roles=ROLES, order_fields=FIELDS) == []


def test_malformed_yaml_names_line():
    text = BASE.replace("  - {name: offered, label: Offered}", "  - {name: offered, label: [Offered}")
    found = problems(text)
    assert len(found) == 1 and "malformed YAML" in found[0].message
    assert found[0].line in (line_of(text, "[Offered"), line_of(text, "[Offered") + 1)
    assert "line " in str(found[0])


def test_empty_and_non_mapping_documents():
    assert "empty" in problems("")[0].message
    assert "top level must be a mapping" in problems("- a\n- b\n")[0].message


def test_missing_keys():
    text = BASE.replace("number_prefix: DM\n", "")
    assert_problem(text, "missing key 'number_prefix'", 1)
    text = BASE.replace("  - {trigger: expire, from: offered, to: new}", "  - {trigger: expire, from: offered}")
    assert_problem(text, "missing key 'to'", line_of(text, "{trigger: expire"))
    text = BASE.replace("{name: offered, label: Offered}", "{label: Offered}")
    assert_problem(text, "missing key 'name'", line_of(text, "{label: Offered}"))


def test_unknown_top_level_and_state_keys():
    text = BASE.replace("label: Demo workflow", "label: Demo workflow\ncolour: red")
    assert_problem(text, "unknown key 'colour'", line_of(text, "colour"))
    text = BASE.replace("{name: offered, label: Offered}", "{name: offered, label: Offered, colour: red}")
    assert_problem(text, "unknown key 'colour'", line_of(text, "colour"))


def test_unknown_state_in_transition():
    text = BASE.replace("    to: in_progress\n", "    to: in_prgress\n")
    assert_problem(text, "unknown state 'in_prgress' in 'to'", line_of(text, "to: in_prgress"))
    text = BASE.replace("  - {trigger: expire, from: offered, to: new}", "  - {trigger: expire, from: [offered, nowhere], to: new}")
    assert_problem(text, "unknown state 'nowhere' in 'from'", line_of(text, "nowhere"))


def test_no_initial_and_several_initial_states():
    text = BASE.replace("{name: new, label: New, initial: true,", "{name: new, label: New,")
    assert_problem(text, "no initial state", line_of(text, "states:"))
    text = BASE.replace("{name: offered, label: Offered}", "{name: offered, label: Offered, initial: true}")
    assert_problem(text, "several initial states", line_of(text, "name: offered"))


def test_unreachable_state():
    text = BASE.replace("  - {name: done,", "  - {name: limbo, label: Limbo}\n  - {name: done,")
    text = text.replace("  - {trigger: cancel,", "  - {trigger: leave_limbo, from: limbo, to: done, roles: [Manager]}\n  - {trigger: cancel,")
    found = assert_problem(text, "unreachable", line_of(text, "name: limbo"))
    assert "limbo" in found[0].element


def test_dead_end_state():
    text = BASE.replace("  - {name: done,", "  - {name: limbo, label: Limbo}\n  - {name: done,")
    text = text.replace("  - {trigger: expire, from: offered, to: new}", "  - {trigger: expire, from: offered, to: limbo}")
    text = text.replace('from: "*"', "from: [new, offered, in_progress]")
    assert_problem(text, "not final but has no outgoing transition", line_of(text, "name: limbo"))


def test_final_state_with_outgoing_transition():
    text = BASE.replace("  - {trigger: expire, from: offered, to: new}",
                        "  - {trigger: expire, from: offered, to: new}\n  - {trigger: reopen, from: done, to: new, roles: [Manager]}")
    assert_problem(text, "final state 'done' cannot have outgoing transitions", line_of(text, "trigger: reopen"))


def test_unknown_role():
    text = BASE.replace("roles: [Author]\n    guards:\n      - {kind: actor", "roles: [Autor]\n    guards:\n      - {kind: actor")
    found = assert_problem(text, "unknown role 'Autor'", line_of(text, "[Autor]"))
    assert "take" in found[0].element


def test_unknown_guard_and_effect_kind():
    text = BASE.replace("{kind: actor_is_assignee}", "{kind: moon_is_full}")
    assert_problem(text, "unknown guard kind 'moon_is_full'", line_of(text, "moon_is_full"))
    text = BASE.replace("{kind: cancel_timer, name: offer_expiry}", "{kind: launch_rocket}")
    assert_problem(text, "unknown effect kind 'launch_rocket'", line_of(text, "launch_rocket"))


def test_unknown_and_missing_parameters():
    text = BASE.replace("{kind: attachment, attachment_kind: work_guide}",
                        "{kind: attachment, attachment_kind: work_guide, colour: red}")
    found = assert_problem(text, "unknown parameter 'colour'", line_of(text, "colour: red"))
    assert "guard #2 (attachment)" in found[0].element
    text = BASE.replace("{kind: attachment, attachment_kind: work_guide}", "{kind: attachment}")
    assert_problem(text, "missing parameter 'attachment_kind'", line_of(text, "{kind: attachment}"))
    text = BASE.replace("{kind: request_payment, purpose: deposit, percent: 50}",
                        "{kind: request_payment, purpose: deposit, percent: 150}")
    assert_problem(text, "between 0 and 100", line_of(text, "percent: 150"))
    text = BASE.replace("strategy: weighted_rating", "strategy: coin_toss")
    assert_problem(text, "unknown strategy 'coin_toss'", line_of(text, "coin_toss"))
    text = BASE.replace("{kind: field_set, field: assignee}", "{kind: field_set, field: colour}")
    assert_problem(text, "unknown order field 'colour'", line_of(text, "field: colour"))
    text = BASE.replace("{kind: notify, to: manager,", "{kind: notify, to: martians,")
    assert_problem(text, "unknown recipient", line_of(text, "martians"))


def test_step_semantics():
    text = BASE.replace("hours: 24, trigger: expire", "trigger: expire")
    assert_problem(text, "exactly one of 'hours' or 'at_field'", line_of(text, "kind: start_timer"))
    text = BASE.replace("trigger: expire}", "trigger: explode}")
    assert_problem(text, "timer trigger 'explode' is not a trigger", line_of(text, "explode"))
    text = BASE.replace("{kind: cancel_timer, name: offer_expiry}", "{kind: cancel_timer, name: ghost}")
    assert_problem(text, "no start_timer effect starts a timer named 'ghost'", line_of(text, "ghost"))


def test_trigger_named_like_order_field_or_reserved():
    text = BASE.replace("  - {trigger: expire, from: offered, to: new}",
                        "  - {trigger: expire, from: offered, to: new}\n  - {trigger: price, from: offered, to: new, roles: [Manager]}")
    assert_problem(text, "named like an order field", line_of(text, "trigger: price"))
    for name in ("trigger", "may_take", "to_done", "is_new", "state"):
        text = BASE.replace("  - {trigger: expire, from: offered, to: new}",
                            "  - {trigger: expire, from: offered, to: new}\n"
                            f"  - {{trigger: {name}, from: offered, to: new, roles: [Manager]}}")
        found = problems(text)
        assert any(("reserved" in p.message or "order field" in p.message)
                   and p.line == line_of(text, f"trigger: {name},") for p in found), (name, found)


def test_duplicate_state_names_and_keys():
    text = BASE.replace("  - {name: done,", "  - {name: offered, label: Again}\n  - {name: done,")
    found = assert_problem(text, "duplicate state name 'offered'", line_of(text, "label: Again"))
    assert f"first declared at line {line_of(text, 'name: offered')}" in found[0].message
    text = BASE.replace("label: Demo workflow", "label: Demo workflow\nlabel: Again")
    assert_problem(text, "duplicate key 'label'", line_of(text, "label: Again"))


def test_ambiguous_trigger_same_roles():
    text = BASE.replace("  - {trigger: expire, from: offered, to: new}",
                        "  - {trigger: expire, from: offered, to: new}\n  - {trigger: take, from: offered, to: done, roles: [Author]}")
    assert_problem(text, "already defined", line_of(text, "trigger: take, from: offered, to: done"))


def test_all_problems_reported_at_once():
    text = BASE.replace("roles: [Manager]\n    effects:", "roles: [Boss]\n    effects:").replace(
        "{kind: actor_is_assignee}", "{kind: nope}")
    found = problems(text)
    assert len(found) >= 2
    msg = str(DefinitionError(found))
    assert "unknown role 'Boss'" in msg and "unknown guard kind 'nope'" in msg


NEW = """\
key: demo
label: Demo workflow v2
number_prefix: DM
states:
  - {name: new, label: New, initial: true}
  - {name: in_progress, label: In progress}
  - {name: done, label: Done, final: true}
transitions:
  - {trigger: take, from: new, to: in_progress, roles: [Author]}
  - {trigger: finish, from: in_progress, to: done, roles: [Author]}
"""


def test_diff_removed_states_and_mapping():
    old = parse(BASE)
    new = parse(NEW)
    assert diff_removed_states(old, new) == {"offered", "cancelled"}
    assert diff_removed_states(old, old) == set()
    assert diff_removed_states(new, old) == set()
    assert check_state_mapping(old, new, {}, occupied=[]) == []
    errors = check_state_mapping(old, new, {}, occupied=["offered", "new"])
    assert len(errors) == 1 and "offered" in errors[0]
    assert check_state_mapping(old, new, {"offered": "new"}, occupied=["offered"]) == []
    assert any("nowhere" in e for e in check_state_mapping(old, new, {"offered": "nowhere"}))
