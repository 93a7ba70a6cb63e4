"""Compile a validated rule list once into closures; evaluate many fact sets fast.

The closures call business-rules' own operator types (``business_rules.operators``):
comparison values are cast once with the type's ``_assert_valid_value_and_cast`` and
the undecorated operator function is called on a typed variable value, so the
semantics are business-rules' (checked against ``run_all`` by a property test).
Three hot cases skip the typed wrapper object with provably identical results:
numeric operators on ``int`` values (integer thresholds derived exactly from the
``EPSILON`` comparisons), string operators on ``str`` values and boolean operators
on ``bool`` values.  Everything else goes through the operator type itself.

Unlike ``run_all``, a variable is read lazily and at most once per evaluation.
"""
from __future__ import annotations

import math
import re
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Mapping

from business_rules.engine import run_all
from business_rules.fields import FIELD_NO_INPUT
from business_rules.operators import BooleanType, NumericType, StringType

from .contexts import Context
from .decision import ActionCall, Decision, FiredRule
from .validation import PARAM_REFERENCE_KEY, RuleValidationError, parse_rules, validate_rules

_MISSING = object()


class RuleEvaluationError(ValueError):
    """A fact has a value its variable's type refuses (e.g. None for a numeric)."""


def _unwrap_operator(ftype, op):
    """(function(typed, *args), whether args must be cast) for operator ``op``."""
    method = getattr(ftype, op)
    raw = getattr(method, "__wrapped__", None)
    if raw is not None and method.__closure__:
        cells = dict(zip(method.__code__.co_freevars, method.__closure__))
        if "assert_type_for_arguments" in cells:
            return raw, bool(cells["assert_type_for_arguments"].cell_contents)
    return method, False  # fall back to the decorated method: it casts by itself


def _cast_with(ftype, value):
    proto = object.__new__(ftype)
    return proto._assert_valid_value_and_cast(value)


# -- numeric: exact integer thresholds ----------------------------------------
# For an int value v and a Decimal c whose exponent is >= -20, Decimal(v) - c is
# either exact (|v - c| <= 1e8 fits in 28 digits) or far from +/-EPSILON, so
# business-rules' comparisons equal these exact rational ones:
#   greater_than  v - c > e          <=> v > floor(c + e)
#   less_than     c - v > e          <=> v < ceil(c - e)
#   equal_to      |v - c| <= e       <=> ceil(c - e) <= v <= floor(c + e)
#   gte           gt or equal        <=> v >= ceil(c - e)
#   lte           lt or equal        <=> v <= floor(c + e)
def _int_thresholds(cval):
    if not cval.is_finite() or cval.as_tuple().exponent < -20:
        return None
    c, e = Fraction(cval), Fraction(NumericType.EPSILON)
    return math.floor(c + e), math.ceil(c - e)


class _LeafBuilder:
    def __init__(self, context: Context):
        self.ctx = context

    def build(self, cond):
        name, op = cond["name"], cond["operator"]
        spec = self.ctx.variables[name]
        ftype, reader = spec.field_type, _reader(self.ctx, spec)
        fact_key = getattr(spec.reader, "fact_key", None)
        fn, cast_args = _unwrap_operator(ftype, op)
        no_input = getattr(getattr(ftype, op), "input_type", None) == FIELD_NO_INPUT
        value = cond.get("value")
        if not no_input and cast_args:
            value = _cast_with(ftype, value)
        tkey = name + ":t"

        # generic path: typed value cached per evaluation, business-rules operator
        if no_input:
            def generic(x, vals):
                t = vals.get(tkey)
                if t is None:
                    t = vals[tkey] = _typed(ftype, x, name)
                return fn(t)
        else:
            def generic(x, vals):
                t = vals.get(tkey)
                if t is None:
                    t = vals[tkey] = _typed(ftype, x, name)
                return fn(t, value)

        fast = self._fast(ftype, op, value)
        if fast is None:
            def leaf(facts, vals):
                x = vals.get(name, _MISSING)
                if x is _MISSING:
                    x = vals[name] = reader(facts)
                return generic(x, vals)
        else:
            leaf = fast(name, reader, generic, fact_key)
        if getattr(spec.reader, "missing_is_false", False):
            return _false_when_missing(name, reader, leaf)
        return leaf

    @staticmethod
    def _fast(ftype, op, value):
        if ftype is NumericType:
            return _numeric_fast(op, value)
        if ftype is StringType and op in _STRING_EXPR:
            extra = None
            if op == "equal_to_case_insensitive":
                extra = value.lower()
            elif op == "matches_regex":
                extra = re.compile(value).search  # what re.search(value, x) does
            return _typed_fast("str", _STRING_EXPR[op], value, extra)
        if ftype is BooleanType and op in _BOOL_EXPR:
            return _typed_fast("bool", _BOOL_EXPR[op], value, None)
        return None


_EPS = NumericType.EPSILON

# Decimal values: NumericType's own arithmetic, inlined (no wrapper object, no re-cast):
# the same expressions as NumericType.greater_than & co, on the same operands.
_DECIMAL_EXPR = {
    "greater_than": "(x - c) > EPS",
    "less_than": "(c - x) > EPS",
    "equal_to": "abs(x - c) <= EPS",
    "greater_than_or_equal_to": "(x - c) > EPS or abs(x - c) <= EPS",
    "less_than_or_equal_to": "(c - x) > EPS or abs(x - c) <= EPS",
}
# int values: exact integer thresholds (see _int_thresholds)
_INT_EXPR = {
    "greater_than": "x > hi",
    "less_than": "x < lo",
    "greater_than_or_equal_to": "x >= lo",
    "less_than_or_equal_to": "x <= hi",
    "equal_to": "lo <= x <= hi",
}
_NUMERIC_LEAF = """
def make(name, reader, fk, generic, c, hi, lo, EPS, MISSING, Decimal):
    def leaf(facts, vals):
        x = vals.get(name, MISSING)
        if x is MISSING:
            x = vals[name] = {read}
        t = type(x)
        if t is int:
            return {int_expr}
        if t is Decimal:
            return {dec_expr}
        return generic(x, vals)
    return leaf
"""
_NUMERIC_MAKERS: dict = {}
# how a leaf reads its variable: the Variables method, or (for a plain fact reader
# declared with contexts.fact_variable) the same ``facts.get(key)`` without the call
_READ = {False: "reader(facts)", True: "facts.get(fk)"}


def _reader(context, spec):
    """reader(facts) -> value, through the context's Variables class."""
    method, vcls = spec.reader, context.variables_cls

    def read(facts):
        return method(vcls(facts))
    return read


def _numeric_maker(op, with_int, direct):
    key = (op, with_int, direct)
    if key not in _NUMERIC_MAKERS:
        src = _NUMERIC_LEAF.format(read=_READ[direct], int_expr=_INT_EXPR[op] if with_int else "generic(x, vals)",
                                   dec_expr=_DECIMAL_EXPR[op])
        namespace: dict = {}
        exec(compile(src, f"<rules leaf {op}>", "exec"), namespace)  # fixed templates only
        _NUMERIC_MAKERS[key] = namespace["make"]
    return _NUMERIC_MAKERS[key]


def _numeric_fast(op, cval):
    if op not in _DECIMAL_EXPR:
        return None
    bounds = _int_thresholds(cval)
    hi, lo = bounds if bounds is not None else (None, None)

    def make(name, reader, generic, fact_key):
        maker = _numeric_maker(op, bounds is not None, fact_key is not None)
        return maker(name, reader, fact_key, generic, cval, hi, lo, _EPS, _MISSING, Decimal)
    return make


_STRING_EXPR = {  # StringType's operator bodies, for a str value (its cast is identity)
    "equal_to": "x == c",
    "equal_to_case_insensitive": "x.lower() == extra",
    "starts_with": "x.startswith(c)",
    "ends_with": "x.endswith(c)",
    "contains": "c in x",
    "matches_regex": "extra(x)",
    "non_empty": "bool(x)",
}
_BOOL_EXPR = {"is_true": "x", "is_false": "not x"}  # BooleanType's, for a bool value
_TYPED_LEAF = """
def make(name, reader, fk, generic, c, extra, MISSING):
    def leaf(facts, vals):
        x = vals.get(name, MISSING)
        if x is MISSING:
            x = vals[name] = {read}
        if type(x) is {pytype}:
            return {expr}
        return generic(x, vals)
    return leaf
"""
_TYPED_MAKERS: dict = {}


def _typed_fast(pytype, expr, cval, extra):
    def make(name, reader, generic, fact_key):
        key = (pytype, expr, fact_key is not None)
        if key not in _TYPED_MAKERS:
            namespace: dict = {}
            src = _TYPED_LEAF.format(pytype=pytype, expr=expr, read=_READ[key[2]])
            exec(compile(src, f"<rules leaf {pytype}: {expr}>", "exec"), namespace)  # fixed templates
            _TYPED_MAKERS[key] = namespace["make"]
        return _TYPED_MAKERS[key](name, reader, fact_key, generic, cval, extra, _MISSING)
    return make


def _false_when_missing(name, reader, leaf):
    """A form field the order's service does not have (or left empty) reads None: its
    conditions are simply false, where business-rules would fail the whole evaluation."""
    def guarded(facts, vals):
        x = vals.get(name, _MISSING)
        if x is _MISSING:
            x = vals[name] = reader(facts)
        return False if x is None else leaf(facts, vals)
    return guarded


def _typed(ftype, x, name):
    try:
        return ftype(x)
    except AssertionError as exc:
        raise RuleEvaluationError(f"variable {name!r}: {exc}") from None


def _all(children):
    if len(children) == 1:
        return children[0]
    if len(children) == 2:
        a, b = children
        return lambda facts, vals: a(facts, vals) and b(facts, vals)
    children = tuple(children)

    def all_(facts, vals):
        for child in children:
            if not child(facts, vals):
                return False
        return True
    return all_


def _any(children):
    if len(children) == 1:
        return children[0]
    if len(children) == 2:
        a, b = children
        return lambda facts, vals: a(facts, vals) or b(facts, vals)
    children = tuple(children)

    def any_(facts, vals):
        for child in children:
            if child(facts, vals):
                return True
        return False
    return any_


class CompiledRuleSet:
    """A rule list compiled for one context; build once per rule-set version."""

    def __init__(self, context: Context, rules: list, key=None, version=None):
        self.context = context
        self.key = key
        self.version = version
        self.rules = rules
        leaves = _LeafBuilder(context)
        compiled = []
        for i, rule in enumerate(rules, start=1):
            cond = self._node(rule["conditions"], leaves)
            fired = FiredRule(i, rule.get("name"), rule.get("id"))
            static, dynamic = [], False
            for action in rule["actions"]:
                params = dict(action.get("params") or {})
                if any(isinstance(v, dict) for v in params.values()):
                    dynamic = True
                static.append((action["name"], params))
            if dynamic:
                compiled.append((cond, fired, None, self._resolver(i, static)))
            else:
                calls = tuple(ActionCall(i, n, MappingProxyType(p)) for n, p in static)
                compiled.append((cond, fired, calls, None))
        self._compiled = tuple(compiled)
        self._vcls = context.variables_cls

    def _node(self, node, leaves):
        if "all" in node:
            return _all([self._node(c, leaves) for c in node["all"]])
        if "any" in node:
            return _any([self._node(c, leaves) for c in node["any"]])
        return leaves.build(node)

    def _resolver(self, index, static):
        readers = {n: _reader(self.context, s) for n, s in self.context.variables.items()}

        def resolve(facts, vals):
            out = []
            for name, params in static:
                resolved = {}
                for pname, pvalue in params.items():
                    if isinstance(pvalue, dict):
                        ref = pvalue[PARAM_REFERENCE_KEY]
                        x = vals.get(ref, _MISSING)
                        if x is _MISSING:
                            x = vals[ref] = readers[ref](facts)
                        _typed(NumericType, x, ref)  # same type check as a condition
                        pvalue = x
                    resolved[pname] = pvalue
                out.append(ActionCall(index, name, MappingProxyType(resolved)))
            return out
        return resolve

    def __len__(self):
        return len(self._compiled)

    def evaluate(self, facts: Mapping[str, Any], *, stop_on_first_trigger: bool = False) -> Decision:
        vals: dict = {}
        fired = []
        actions = []
        try:
            for cond, rule, calls, resolve in self._compiled:
                if cond(facts, vals):
                    fired.append(rule)
                    actions.extend(calls if resolve is None else resolve(facts, vals))
                    if stop_on_first_trigger:
                        break
        except AssertionError as exc:  # raised by a business-rules operator type
            raise RuleEvaluationError(str(exc)) from None
        return Decision(self.key, self.version, self.context.name, vals, fired, actions)

    def __repr__(self):
        return f"<CompiledRuleSet {self.key} v{self.version} ({self.context.name}, {len(self)} rules)>"


def compile_rules(context: Context, rules, *, key=None, version=None) -> CompiledRuleSet:
    """Validate then compile ``rules`` (JSON text or list); raises RuleValidationError."""
    data, errors = parse_rules(rules)
    errors = errors or validate_rules(context, data)
    if errors:
        raise RuleValidationError(errors)
    return CompiledRuleSet(context, data, key=key, version=version)


def reference_run(context: Context, rules, facts: Mapping[str, Any], *,
                  stop_on_first_trigger: bool = False) -> tuple[bool, list[tuple[str, dict]]]:
    """Run ``rules`` with business_rules.engine.run_all (slow reference implementation).

    Returns (triggered, [(action, params), ...]).  Rules must be valid; a condition
    with a no-input operator gets ``"value": None`` since run_all reads the key.
    """
    data, errors = parse_rules(rules)
    if errors:
        raise RuleValidationError(errors)

    def fill(node):
        if "all" in node:
            return {"all": [fill(c) for c in node["all"]]}
        if "any" in node:
            return {"any": [fill(c) for c in node["any"]]}
        return {"value": None, **node}

    data = [{**r, "conditions": fill(r["conditions"])} for r in data]
    actions = context.make_actions()
    triggered = run_all(data, context.make_variables(facts), actions,
                        stop_on_first_trigger=stop_on_first_trigger)
    return triggered, actions.taken
