"""Property: the compiled evaluator does exactly what business_rules.engine.run_all does."""
from decimal import Decimal

from business_rules.actions import rule_action
from business_rules.engine import run_all
from business_rules.fields import FIELD_NUMERIC, FIELD_TEXT
from business_rules.operators import (BooleanType, NumericType, SelectMultipleType,
                                      SelectType, StringType)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.engine.rules import compile_rules, validate_rules
from app.engine.rules.contexts import Context, FactsVariables, RecordingActions, fact_variable

OPTIONS = ["a", "b", "C"]


class PVariables(FactsVariables):
    n1 = fact_variable(NumericType, "n1")
    n2 = fact_variable(NumericType, "n2")
    s1 = fact_variable(StringType, "s1")
    b1 = fact_variable(BooleanType, "b1")
    b2 = fact_variable(BooleanType, "b2")
    sel = fact_variable(SelectType, "sel", options=OPTIONS)
    multi = fact_variable(SelectMultipleType, "multi", options=OPTIONS)


class PActions(RecordingActions):
    @rule_action()
    def ping(self):
        self._record("ping")

    @rule_action(params={"x": FIELD_NUMERIC})
    def bump(self, x):
        self._record("bump", x=x)

    @rule_action(params={"msg": FIELD_TEXT})
    def say(self, msg):
        self._record("say", msg=msg)


CTX = Context("prop", PVariables, PActions)

small_floats = st.sampled_from([0.5, -0.5, 2.25, 3.0, 1e-7, 2.0000001, 7.999999, 0.1, -3.75])
numbers = st.one_of(st.integers(-12, 12), small_floats,
                    st.decimals(min_value=-12, max_value=12, places=7, allow_nan=False))
threshold = st.one_of(st.integers(-10, 10), small_floats)
texts = st.text(alphabet="abAB ", max_size=4)
num_ops = st.sampled_from(["equal_to", "greater_than", "greater_than_or_equal_to",
                           "less_than", "less_than_or_equal_to"])
str_ops = st.sampled_from(["equal_to", "equal_to_case_insensitive", "starts_with", "ends_with",
                           "contains"])
option = st.sampled_from(OPTIONS + ["A", "c"])

leaf = st.one_of(
    st.builds(lambda n, o, v: {"name": n, "operator": o, "value": v},
              st.sampled_from(["n1", "n2"]), num_ops, threshold),
    st.builds(lambda o, v: {"name": "s1", "operator": o, "value": v}, str_ops, texts),
    st.builds(lambda v: {"name": "s1", "operator": "matches_regex", "value": v},
              st.sampled_from(["^a", "b$", "a.?b", "[AB]+", "^$"])),
    st.just({"name": "s1", "operator": "non_empty", "value": None}),
    st.builds(lambda n, o: {"name": n, "operator": o, "value": None},
              st.sampled_from(["b1", "b2"]), st.sampled_from(["is_true", "is_false"])),
    st.builds(lambda o, v: {"name": "sel", "operator": o, "value": v},
              st.sampled_from(["contains", "does_not_contain"]), option),
    st.builds(lambda o, v: {"name": "multi", "operator": o, "value": v},
              st.sampled_from(["contains_all", "is_contained_by", "shares_at_least_one_element_with",
                               "shares_exactly_one_element_with", "shares_no_elements_with"]),
              st.lists(option, max_size=3)),
)
conditions = st.recursive(
    leaf,
    lambda children: st.one_of(st.builds(lambda c: {"all": c}, st.lists(children, min_size=1, max_size=3)),
                               st.builds(lambda c: {"any": c}, st.lists(children, min_size=1, max_size=3))),
    max_leaves=8,
)
action = st.one_of(
    st.just({"name": "ping"}),
    st.builds(lambda x: {"name": "bump", "params": {"x": x}}, st.integers(-5, 5)),
    st.builds(lambda m: {"name": "say", "params": {"msg": m}}, texts),
)
rule = st.builds(lambda c, a, i: {"name": f"r{i}", "conditions": c if "all" in c or "any" in c else {"all": [c]},
                                  "actions": a},
                 conditions, st.lists(action, min_size=1, max_size=3), st.integers(0, 99))
rule_lists = st.lists(rule, min_size=1, max_size=6)
facts = st.fixed_dictionaries({
    "n1": numbers, "n2": numbers,
    "s1": st.one_of(st.none(), texts),
    "b1": st.booleans(), "b2": st.booleans(),
    "sel": st.lists(option, max_size=3),
    "multi": st.lists(option, max_size=3),
})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules=rule_lists, fact_sets=st.lists(facts, min_size=1, max_size=4), stop=st.booleans())
def test_compiled_matches_run_all(rules, fact_sets, stop):
    assert validate_rules(CTX, rules) == []
    compiled = compile_rules(CTX, rules, key="prop", version=1)
    for f in fact_sets:  # one compiled set, many evaluations
        actions = PActions()
        triggered = run_all(rules, PVariables(f), actions, stop_on_first_trigger=stop)
        decision = compiled.evaluate(f, stop_on_first_trigger=stop)
        assert decision.calls == actions.taken
        assert decision.triggered is triggered
        # each variable read at most once, only variables named in the rules, values recorded
        assert set(decision.values) <= set(f)
        for name, value in decision.values.items():
            raw = f[name]
            if isinstance(raw, Decimal):
                assert value == str(raw)
            elif name != "s1":
                assert value == raw


@settings(max_examples=120, deadline=None)
@given(rules=rule_lists, f=facts)
def test_variables_read_lazily_at_most_once(rules, f):
    calls = {}

    class Probe(PVariables):
        pass

    for name in ("n1", "n2", "s1", "b1", "b2", "sel", "multi"):
        orig = getattr(PVariables, name)

        def make(orig=orig, name=name):
            def read(self):
                calls[name] = calls.get(name, 0) + 1
                return orig(self)
            read.__name__ = name
            read.field_type, read.is_rule_variable = orig.field_type, True
            read.label, read.options = orig.label, orig.options
            return read
        setattr(Probe, name, make())
    decision = compile_rules(Context("probe", Probe, PActions), rules).evaluate(f)
    assert all(n == 1 for n in calls.values()), calls
    assert set(calls) == set(decision.values)
    used = {c["name"] for c in _leaves([r["conditions"] for r in rules])}
    assert set(calls) <= used


def _leaves(nodes):
    for node in nodes:
        if "all" in node or "any" in node:
            yield from _leaves(node.get("all") or node.get("any"))
        else:
            yield node
