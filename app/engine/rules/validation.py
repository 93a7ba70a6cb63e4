"""Validation of rule JSON against a context, reporting every problem with its spot.

``business_rules.engine.run_all`` answers bad input with a bare ``AssertionError``
(or a ``KeyError``/``TypeError``) in the middle of an evaluation; rule sets are
validated here before they are saved, published or compiled instead.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from business_rules.fields import (FIELD_NO_INPUT, FIELD_NUMERIC, FIELD_SELECT,
                                   FIELD_SELECT_MULTIPLE, FIELD_TEXT)
from business_rules.operators import SelectMultipleType, SelectType

from .contexts import Context
from .messages import render

RULE_KEYS = ("conditions", "actions", "name", "id", "description")
CONDITION_KEYS = ("name", "operator", "value")
ACTION_KEYS = ("name", "params")
# an action parameter may refer to a numeric variable instead of a constant:
# {"amount": {"variable": "used_part_price_difference"}}
PARAM_REFERENCE_KEY = "variable"


@dataclass(frozen=True)
class RuleError:
    """One problem: ``rule`` is 1-based (None for document-level problems);
    ``path`` is a 0-based JSON path such as ``rules[1].conditions.all[0].operator``."""

    rule: int | None
    path: str
    code: str
    params: dict = field(default_factory=dict)

    @property
    def reason(self) -> str:
        return render(self.code, self.params)

    def render(self, translate=None) -> str:
        return render(self.code, self.params, translate)

    def to_dict(self) -> dict:
        return {"rule": self.rule, "path": self.path, "code": self.code,
                "reason": self.reason, "params": self.params}

    def __str__(self) -> str:
        where = f"rule {self.rule}, {self.path}" if self.rule else (self.path or "document")
        return f"{where}: {self.reason}"


class RuleValidationError(ValueError):
    def __init__(self, errors: list[RuleError]):
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors[:5])
                         + (f" (+{len(self.errors) - 5} more)" if len(self.errors) > 5 else ""))


def json_type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float, Decimal)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _is_number(value) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _short(value) -> str:
    if isinstance(value, str) and len(value) <= 60:
        return value
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def parse_rules(rules) -> tuple[Any, list[RuleError]]:
    """Decode JSON text (str/bytes) or pass Python data through."""
    if isinstance(rules, (bytes, bytearray)):
        rules = rules.decode("utf-8")
    if isinstance(rules, str):
        try:
            return json.loads(rules), []
        except json.JSONDecodeError as exc:
            return None, [RuleError(None, "", "invalid_json",
                                    {"line": exc.lineno, "column": exc.colno, "detail": exc.msg})]
    return rules, []


class _Validator:
    def __init__(self, context: Context):
        self.ctx = context
        self.errors: list[RuleError] = []
        self.rule = None

    def err(self, path, code, **params):
        self.errors.append(RuleError(self.rule, path, code, params))

    # -- document ---------------------------------------------------------
    def document(self, rules):
        if not isinstance(rules, list):
            self.err("", "not_a_list", got=json_type_name(rules))
            return
        for i, rule in enumerate(rules):
            self.rule = i + 1
            self.rule_(rule, f"rules[{i}]")

    def rule_(self, rule, path):
        if not isinstance(rule, dict):
            self.err(path, "rule_not_object", got=json_type_name(rule))
            return
        for key in rule:
            if key not in RULE_KEYS:
                self.err(f"{path}.{key}", "unknown_rule_key", key=key, allowed=", ".join(RULE_KEYS))
        for key in ("name", "id"):
            if key in rule and not (isinstance(rule[key], str) or _is_number(rule[key])):
                self.err(f"{path}.{key}", "bad_rule_name", key=key)
        if "conditions" not in rule:
            self.err(path, "missing_conditions")
        else:
            self.conditions(rule["conditions"], f"{path}.conditions")
        if "actions" not in rule:
            self.err(path, "missing_actions")
        else:
            self.actions(rule["actions"], f"{path}.actions")

    # -- conditions -------------------------------------------------------
    def conditions(self, node, path):
        if not isinstance(node, dict):
            self.err(path, "conditions_not_object", got=json_type_name(node))
            return
        for group in ("all", "any"):
            if group in node:
                if list(node) != [group]:
                    self.err(path, "mixed_group", group=group,
                             keys=", ".join(sorted(map(str, node))))
                    return
                items = node[group]
                gpath = f"{path}.{group}"
                if not isinstance(items, list):
                    self.err(gpath, "group_not_list", group=group, got=json_type_name(items))
                elif not items:
                    self.err(gpath, "empty_group", group=group)
                else:
                    for j, child in enumerate(items):
                        self.conditions(child, f"{gpath}[{j}]")
                return
        self.condition(node, path)

    def condition(self, cond, path):
        for key in cond:
            if key not in CONDITION_KEYS:
                self.err(f"{path}.{key}", "unknown_condition_key", key=key)
        name = cond.get("name")
        if name is None:
            self.err(path, "missing_variable")
            return
        spec = self.ctx.variables.get(name) if isinstance(name, str) else None
        if spec is None:
            self.err(f"{path}.name", "unknown_variable", name=_short(name),
                     available=", ".join(self.ctx.variables))
            return
        ftype = spec.field_type
        if "operator" not in cond:
            self.err(path, "missing_operator")
            return
        op = cond["operator"]
        ops = {o["name"]: o["input_type"] for o in ftype.get_all_operators()}
        if not isinstance(op, str) or op not in ops:
            self.err(f"{path}.operator", "unknown_operator", operator=_short(op), name=name,
                     type=ftype.name, available=", ".join(sorted(ops)))
            return
        input_type = ops[op]
        if input_type == FIELD_NO_INPUT:
            return  # value ignored (business-rules still reads the key: compile adds it)
        if "value" not in cond:
            self.err(path, "missing_value", operator=op)
            return
        self.value(cond["value"], input_type, spec, op, f"{path}.value")

    def value(self, value, input_type, spec, op, path):
        def wrong(expected):
            self.err(path, "wrong_value_type", name=spec.name, type=spec.field_type.name,
                     expected=expected, got=json_type_name(value))

        if input_type == FIELD_NUMERIC:
            if not _is_number(value):
                wrong("a number")
            elif isinstance(value, float) and value != value or value in (float("inf"), float("-inf")):
                wrong("a finite number")
        elif input_type == FIELD_TEXT:
            if not isinstance(value, str):
                wrong("a string")
            elif op == "matches_regex":
                try:
                    re.compile(value)
                except re.error as exc:
                    self.err(path, "invalid_regex", value=value, detail=str(exc))
        elif input_type == FIELD_SELECT:
            if isinstance(value, (list, dict)):
                wrong("a single option")
            else:
                self.options([value], spec, path)
        elif input_type == FIELD_SELECT_MULTIPLE:
            if not isinstance(value, list):
                wrong("a list of options")
            else:
                bad = [v for v in value if isinstance(v, (list, dict))]
                if bad:
                    wrong("a list of options")
                else:
                    self.options(value, spec, path)

    def options(self, values, spec, path):
        if not spec.options:
            return
        # SelectType compares strings case-insensitively, so do options
        known = {o.lower() if isinstance(o, str) else o for o in spec.options}
        for v in values:
            if (v.lower() if isinstance(v, str) else v) not in known:
                self.err(path, "value_not_in_options", name=spec.name, value=_short(v),
                         options=", ".join(map(str, spec.options)))

    # -- actions ----------------------------------------------------------
    def actions(self, actions, path):
        if not isinstance(actions, list):
            self.err(path, "actions_not_list", got=json_type_name(actions))
            return
        if not actions:
            self.err(path, "empty_actions")
        for k, action in enumerate(actions):
            self.action(action, f"{path}[{k}]")

    def action(self, action, path):
        if not isinstance(action, dict):
            self.err(path, "action_not_object", got=json_type_name(action))
            return
        for key in action:
            if key not in ACTION_KEYS:
                self.err(f"{path}.{key}", "unknown_action_key", key=key)
        name = action.get("name")
        if name is None:
            self.err(path, "missing_action_name")
            return
        spec = self.ctx.actions.get(name) if isinstance(name, str) else None
        if spec is None:
            self.err(f"{path}.name", "unknown_action", name=_short(name),
                     available=", ".join(self.ctx.actions))
            return
        params = action.get("params")
        if params is None:
            params = {}  # business-rules: `action.get('params') or {}`
        if not isinstance(params, dict):
            self.err(f"{path}.params", "params_not_object", got=json_type_name(params))
            return
        available = ", ".join(spec.params) or "none"
        for pname, pvalue in params.items():
            ppath = f"{path}.params.{pname}"
            if pname not in spec.params:
                self.err(ppath, "unknown_param", action=name, param=pname, available=available)
                continue
            self.param(name, spec, pname, pvalue, ppath)
        for pname in spec.params:
            if pname not in params:
                self.err(f"{path}.params", "missing_param", action=name, param=pname)

    def param(self, action, spec, pname, value, path):
        ftype = spec.params[pname]
        if ftype == FIELD_NUMERIC:
            if isinstance(value, dict) and list(value) == [PARAM_REFERENCE_KEY]:
                ref = value[PARAM_REFERENCE_KEY]
                vspec = self.ctx.variables.get(ref) if isinstance(ref, str) else None
                if vspec is None or vspec.field_type.name != "numeric":
                    self.err(path, "bad_param_reference", action=action, param=pname,
                             name=_short(ref))
                return
            if not _is_number(value):
                self.err(path, "wrong_param_type", action=action, param=pname,
                         expected="a number", got=json_type_name(value))
                return
        elif ftype in (FIELD_TEXT, FIELD_SELECT):
            if not isinstance(value, str):
                self.err(path, "wrong_param_type", action=action, param=pname,
                         expected="a string", got=json_type_name(value))
                return
        allowed = spec.param_options.get(pname)
        if allowed and value not in allowed:
            self.err(path, "param_not_in_options", action=action, param=pname,
                     value=_short(value), options=", ".join(map(str, allowed)))


def validate_rules(context: Context, rules) -> list[RuleError]:
    """All problems of ``rules`` (JSON text or decoded list) for ``context``; [] when valid."""
    data, errors = parse_rules(rules)
    if errors:
        return errors
    v = _Validator(context)
    v.document(data)
    return v.errors
