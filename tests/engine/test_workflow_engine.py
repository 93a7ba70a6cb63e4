"""CompiledWorkflow / MachineCache: plan, permissions, Admin override, sharing, diagram."""
import gc

import pytest

from app.engine.workflow import (CompiledWorkflow, EffectRunner, GuardChecker, InvalidTransition, KindDispatcher,
                                 MachineCache, STANDARD_ROLES, SYSTEM_ROLE, TriggerNotAllowed, UnknownState,
                                 parse_definition, run_effects, run_guards)
from app.engine.workflow.machine import _StateHolder


def _sibling():
    import importlib.util
    import pathlib
    path = pathlib.Path(__file__).with_name("test_workflow_definition.py")
    spec = importlib.util.spec_from_file_location("_wf_definition_fixtures", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


_defs = _sibling()
BASE, FIELDS, ROLES = _defs.BASE, _defs.FIELDS, _defs.ROLES


@pytest.fixture(scope="module")
def wf():
    return MachineCache().get("demo", 1, parse_definition(BASE, known_roles=ROLES, order_fields=FIELDS))


def test_description(wf):
    assert wf.states == ("new", "offered", "in_progress", "done", "cancelled")
    assert wf.initial_state == "new"
    assert wf.final_states == {"done", "cancelled"}
    assert wf.label("in_progress") == "In progress"
    assert wf.customer_label("done") == "Delivered"
    assert wf.time_limits == {"in_progress": 48}
    assert wf.is_final("done") and not wf.is_final("new")
    with pytest.raises(UnknownState):
        wf.label("nowhere")


def test_plan_allowed(wf):
    plan = wf.plan("offered", "take", {"Author"})
    assert (plan.source, plan.dest, plan.trigger) == ("offered", "in_progress", "take")
    assert [g.kind for g in plan.guards] == ["actor_is_assignee", "attachment"]
    assert [e.kind for e in plan.effects] == ["cancel_timer", "request_payment"]
    assert plan.workflow_key == "demo" and plan.workflow_version == 1
    assert plan.label == "I take it"


def test_plan_denied_by_role_is_403(wf):
    with pytest.raises(TriggerNotAllowed) as info:
        wf.plan("offered", "take", {"Manager"})
    assert info.value.http_status == 403 and "Author" in str(info.value)
    with pytest.raises(TriggerNotAllowed):
        wf.plan("offered", "take", set())
    with pytest.raises(TriggerNotAllowed):  # timer-only trigger
        wf.plan("offered", "expire", {"Manager", "Author"})


def test_plan_invalid_is_409(wf):
    with pytest.raises(InvalidTransition) as info:
        wf.plan("new", "take", {"Author"})
    assert info.value.http_status == 409
    with pytest.raises(InvalidTransition):
        wf.plan("new", "no_such_trigger", {"Admin"})
    with pytest.raises(InvalidTransition):  # final state has no way out
        wf.plan("done", "cancel", {"Admin"})
    with pytest.raises(UnknownState):
        wf.plan("vanished", "take", {"Admin"})
    assert issubclass(UnknownState, InvalidTransition)


def test_admin_and_system_override(wf):
    assert wf.plan("offered", "take", {"Admin"}).dest == "in_progress"
    assert wf.plan("offered", "expire", {"Admin"}).dest == "new"
    assert wf.plan("offered", "expire", {SYSTEM_ROLE}).dest == "new"
    assert wf.can_fire("offered", "take", {"Admin"})
    assert not wf.can_fire("offered", "take", {"Customer"})


def test_available_triggers_per_role(wf):
    names = lambda state, roles: [t.name for t in wf.available_triggers(state, roles)]  # noqa: E731
    assert names("offered", {"Author"}) == ["take"]
    assert names("offered", {"Manager"}) == ["cancel"]
    assert names("offered", {"Customer"}) == ["cancel"]
    assert names("offered", {"Accountant"}) == []
    assert names("offered", {"Admin"}) == ["take", "expire", "cancel"]
    assert names("done", {"Admin"}) == []
    info = wf.available_triggers("offered", {"Author"})[0]
    assert (info.label, info.to) == ("I take it", "in_progress")
    assert info.guards[1]["attachment_kind"] == "work_guide"


def test_same_trigger_different_roles_dispatch():
    text = BASE.replace("  - {trigger: expire, from: offered, to: new}",
                        "  - {trigger: expire, from: offered, to: new}\n"
                        "  - {trigger: take, from: offered, to: done, roles: [Programmer]}")
    wf = CompiledWorkflow(parse_definition(text, known_roles=ROLES, order_fields=FIELDS), 3)
    assert wf.plan("offered", "take", {"Author"}).dest == "in_progress"
    assert wf.plan("offered", "take", {"Programmer"}).dest == "done"
    assert [(t.name, t.to) for t in wf.available_triggers("offered", {"Programmer"})] == [("take", "done")]
    assert wf.plan("offered", "take", {"Admin"}).dest == "in_progress"  # first matching definition wins


def test_cache_returns_same_object_and_builds_once():
    cache = MachineCache()
    calls = []

    def loader():
        calls.append(1)
        return parse_definition(BASE, known_roles=ROLES, order_fields=FIELDS)

    a = cache.get("demo", 1, loader)
    b = cache.get("demo", 1, loader)
    assert a is b and a.machine is b.machine and len(calls) == 1 and cache.builds == 1
    c = cache.get("demo", 2, loader)
    assert c is not a and len(cache) == 2 and ("demo", 2) in cache
    cache.invalidate("demo", 2)
    assert cache.peek("demo", 2) is None and cache.peek("demo", 1) is a
    with pytest.raises(ValueError):
        cache.get("other", 1, loader)


def test_no_per_order_objects_retained(wf):
    machine = wf.machine
    assert machine.models == []
    before_events = len(machine.events)
    gc.collect()
    holders_before = sum(1 for o in gc.get_objects() if isinstance(o, _StateHolder))
    roles = frozenset({"Author"})
    for i in range(50_000):
        wf.plan("offered", "take", roles)
        wf.plan("in_progress", "finish", roles)
    assert machine.models == []
    assert len(machine.events) == before_events
    assert not machine._transition_queue
    gc.collect()
    assert sum(1 for o in gc.get_objects() if isinstance(o, _StateHolder)) == holders_before


def test_mermaid(wf):
    text = wf.mermaid("offered")
    assert text.startswith("---") and "stateDiagram-v2" in text
    for state in wf.states:
        assert f" as {state}" in text
    assert "classDef s_active" in text
    assert "class offered s_active" in text
    assert "class new s_default" in text
    assert "offered --> in_progress: take" in text
    assert "[*] --> new" in text and "done --> [*]" in text
    plain = wf.mermaid()
    assert "s_active\n" not in plain.replace("classDef s_active", "")
    assert "class offered s_default" in plain
    with pytest.raises(UnknownState):
        wf.mermaid("nowhere")
    assert wf.machine.models == []


class Checker:
    def __init__(self, failing):
        self.failing = failing
        self.seen = []

    def check_guard(self, guard, plan):
        self.seen.append(guard.kind)
        if guard.kind in self.failing:
            return self.failing[guard.kind]
        return None


class Runner(KindDispatcher):
    def __init__(self):
        self.ran = []

    def effect_cancel_timer(self, plan, name):
        self.ran.append(("cancel_timer", name))
        return name

    def effect_request_payment(self, plan, purpose, percent):
        self.ran.append(("request_payment", purpose, percent))
        return percent


def test_run_guards_and_effects(wf):
    plan = wf.plan("offered", "take", {"Author"})
    ok = Checker({})
    assert isinstance(ok, GuardChecker)
    assert run_guards(plan, ok) == [] and ok.seen == ["actor_is_assignee", "attachment"]
    failures = run_guards(plan, Checker({"actor_is_assignee": False, "attachment": "upload the guide"}))
    assert [(f.kind, f.message) for f in failures] == [
        ("actor_is_assignee", "only the assignee may do this"), ("attachment", "upload the guide")]
    runner = Runner()
    assert isinstance(runner, EffectRunner)
    assert run_effects(plan, runner) == ["offer_expiry", 50]
    assert runner.ran == [("cancel_timer", "offer_expiry"), ("request_payment", "deposit", 50)]


def test_engine_does_not_import_flask():
    import subprocess
    import sys
    code = ("import sys; import app.engine.workflow as w; "
            "bad=[m for m in sys.modules if m.split('.')[0] in ('flask','flask_appbuilder','sqlalchemy') "
            "or m.startswith('app.models')]; print(bad); assert not bad")
    # app/__init__.py (owned by the app engineer) may import flask; load the package without it.
    code = ("import sys, types, pathlib; pkg=types.ModuleType('app'); pkg.__path__=[str(pathlib.Path('app').resolve())]; "
            "sys.modules['app']=pkg; " + code)
    subprocess.run([sys.executable, "-c", code], check=True)
