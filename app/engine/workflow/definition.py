"""Workflow definitions: the YAML format, its parser and validator.

``parse_definition(yaml_text, known_roles=..., order_fields=...)`` returns a
frozen :class:`WorkflowDefinition` or raises :class:`DefinitionError` listing
every problem found, each with the YAML line number and the element it is
about.  Pure Python: no Flask, no database.
"""
from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Dict, FrozenSet, Iterable, List, Mapping, Optional, Set, Tuple

import yaml

from .errors import DefinitionError, Problem
from .kinds import (ASSIGN_STRATEGIES, ASSIGN_TARGET_FIELDS, EFFECT_KINDS, GUARD_KINDS, RECIPIENTS,
                    SERVICE_SETTINGS, KindSpec)

#: Roles that may fire any trigger, whatever the transition's ``roles`` say.
ADMIN_ROLE = "Admin"
#: Pseudo role used by timers/jobs: like Admin, may fire anything.  Not allowed in YAML.
SYSTEM_ROLE = "System"
OVERRIDE_ROLES: FrozenSet[str] = frozenset({ADMIN_ROLE, SYSTEM_ROLE})

#: The nine roles of DESIGN.md (convenience for callers and tests).
STANDARD_ROLES: FrozenSet[str] = frozenset(
    {"Admin", "Owner", "Manager", "Lead", "Technician", "Author", "Programmer", "Accountant", "Customer"}
)

#: Names a trigger may not take: they clash with attributes ``transitions`` binds
#: on models (trigger/may_trigger/get_graph, the model attribute) or machine API.
RESERVED_TRIGGER_NAMES: FrozenSet[str] = frozenset({
    "trigger", "may_trigger", "get_graph", "state", "initial", "machine", "models", "model", "events",
    "states", "set_state", "get_state", "get_triggers", "get_transitions", "add_model", "remove_model",
    "dispatch", "callbacks", "callback", "to", "self",
})
#: ``may_<x>`` are bound by transitions for every trigger; ``is_<state>``/``to_<state>`` for states.
RESERVED_TRIGGER_PREFIXES: Tuple[str, ...] = ("may_", "on_enter_", "on_exit_")

TOP_KEYS_REQUIRED = ("key", "label", "number_prefix", "states", "transitions")
TOP_KEYS_OPTIONAL = ("description",)
STATE_KEYS_REQUIRED = ("name",)
STATE_KEYS_OPTIONAL = ("label", "initial", "final", "customer_label", "time_limit_hours", "description")
TRANSITION_KEYS_REQUIRED = ("trigger", "from", "to")
TRANSITION_KEYS_OPTIONAL = ("label", "roles", "guards", "effects", "description", "auto")

_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_KEY_RE = re.compile(r"^[a-z][a-z0-9_.\-]*$")
_PREFIX_RE = re.compile(r"^[A-Z][A-Z0-9]{0,5}$")


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Step:
    """A guard or an effect: ``kind`` plus its parameters (read-only mapping)."""

    kind: str
    params: Mapping[str, Any]
    line: Optional[int] = None

    def get(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)

    def __getitem__(self, name: str) -> Any:
        return self.params[name]

    def as_dict(self) -> Dict[str, Any]:
        return {"kind": self.kind, **dict(self.params)}

    __hash__ = None  # type: ignore[assignment]


class Guard(Step):
    """A condition the service layer must check before a transition."""


class Effect(Step):
    """A side effect the service layer must run after a transition."""


@dataclass(frozen=True)
class StateDef:
    name: str
    label: str
    initial: bool = False
    final: bool = False
    customer_label: str = ""
    time_limit_hours: Optional[float] = None
    description: str = ""
    line: Optional[int] = None


@dataclass(frozen=True)
class TransitionDef:
    trigger: str
    sources: Tuple[str, ...]
    dest: str
    label: str
    roles: FrozenSet[str]
    guards: Tuple[Guard, ...] = ()
    effects: Tuple[Effect, ...] = ()
    description: str = ""
    from_any: bool = False
    line: Optional[int] = None
    #: System fires it by itself as soon as the order sits in a source state and its guards pass.
    auto: bool = False

    def allows(self, roles: Iterable[str]) -> bool:
        """True if an actor holding ``roles`` may fire this transition."""
        roles = set(roles)
        return bool(roles & OVERRIDE_ROLES) or bool(roles & self.roles)


@dataclass(frozen=True)
class WorkflowDefinition:
    key: str
    label: str
    number_prefix: str
    states: Tuple[StateDef, ...]
    transitions: Tuple[TransitionDef, ...]
    description: str = ""
    source_text: Optional[str] = field(default=None, compare=False, repr=False)

    __hash__ = None  # type: ignore[assignment]

    @property
    def state_names(self) -> Tuple[str, ...]:
        return tuple(s.name for s in self.states)

    @property
    def initial_state(self) -> str:
        return next(s.name for s in self.states if s.initial)

    @property
    def final_states(self) -> FrozenSet[str]:
        return frozenset(s.name for s in self.states if s.final)

    @property
    def triggers(self) -> Tuple[str, ...]:
        seen: Dict[str, None] = {}
        for t in self.transitions:
            seen.setdefault(t.trigger, None)
        return tuple(seen)

    @property
    def detail_fields(self) -> FrozenSet[str]:
        """``details`` keys the workflow itself reads or writes (``field: details.diagnosis``):
        they live beside the service's form fields without being part of its form."""
        names = set()
        for t in self.transitions:
            for step in (*t.guards, *t.effects):
                field_name = step.get("field")
                if isinstance(field_name, str) and field_name.startswith("details."):
                    names.add(field_name.split(".", 1)[1])
        return frozenset(names)

    def state(self, name: str) -> StateDef:
        for s in self.states:
            if s.name == name:
                return s
        raise KeyError(name)


# --------------------------------------------------------------------------- YAML positions


class _Lines:
    """Maps a path inside the YAML document (tuple of keys / indexes) to a 1-based line."""

    def __init__(self) -> None:
        self._map: Dict[Tuple[Any, ...], int] = {}
        self.duplicate_keys: List[Tuple[Tuple[Any, ...], int]] = []

    def walk(self, node: yaml.Node, path: Tuple[Any, ...] = ()) -> None:
        self._map.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            seen: Set[Any] = set()
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else repr(key_node)
                sub = path + (key,)
                if key in seen:
                    self.duplicate_keys.append((sub, key_node.start_mark.line + 1))
                    continue
                seen.add(key)
                self._map[sub] = key_node.start_mark.line + 1
                self.walk(value_node, sub)
                self._map[sub] = key_node.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self.walk(item, path + (i,))

    def __call__(self, path: Tuple[Any, ...]) -> Optional[int]:
        while path not in self._map and path:
            path = path[:-1]
        return self._map.get(path)


def _load_yaml(text: str) -> Tuple[Any, _Lines, List[Problem]]:
    lines = _Lines()
    if not isinstance(text, str):
        return None, lines, [Problem(None, "document", "workflow definition must be YAML text")]
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, lines, [Problem(1, "document", "empty document")]
        lines.walk(node)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        msg = " ".join(x for x in (exc.context, exc.problem) if x) or str(exc)
        return None, lines, [Problem(line, "document", f"malformed YAML: {msg}")]
    except yaml.YAMLError as exc:
        return None, lines, [Problem(None, "document", f"malformed YAML: {exc}")]
    finally:
        loader.dispose()
    problems = [Problem(line, "document", f"duplicate key {path[-1]!r} in the same mapping")
                for path, line in lines.duplicate_keys]
    return data, lines, problems


# --------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, text: str, known_roles: Iterable[str], order_fields: Iterable[str]):
        self.text = text
        self.known_roles = frozenset(known_roles)
        self.order_fields = frozenset(order_fields)
        self.problems: List[Problem] = []
        self.lines = _Lines()

    def err(self, path: Tuple[Any, ...], element: str, message: str) -> None:
        self.problems.append(Problem(self.lines(path), element, message))

    # -- helpers
    def _check_keys(self, data: Mapping, path, element, required, optional) -> None:
        for k in required:
            if k not in data:
                self.err(path, element, f"missing key {k!r}")
        allowed = set(required) | set(optional)
        for k in data:
            if k not in allowed:
                self.err(path + (k,), element,
                         f"unknown key {k!r} (allowed: {', '.join(sorted(allowed))})")

    def _str(self, data: Mapping, key: str, path, element, *, default: Optional[str] = None,
             regex: Optional[re.Pattern] = None, what: str = "") -> Optional[str]:
        if key not in data:
            return default
        value = data[key]
        if not isinstance(value, str) or not value.strip():
            self.err(path + (key,), element, f"{key!r} must be a non-empty string, got {value!r}")
            return default
        if regex is not None and not regex.match(value):
            self.err(path + (key,), element, f"{key!r} value {value!r} is not a valid {what or key}")
            return default
        return value

    def _bool(self, data: Mapping, key: str, path, element) -> bool:
        value = data.get(key, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.err(path + (key,), element, f"{key!r} must be true or false, got {value!r}")
            return False
        return value

    # -- main
    def parse(self) -> WorkflowDefinition:
        data, self.lines, problems = _load_yaml(self.text)
        self.problems.extend(problems)
        if data is None and problems:
            raise DefinitionError(self.problems)
        if not isinstance(data, dict):
            self.err((), "document", "the top level must be a mapping (key, label, number_prefix, states, "
                                     "transitions)")
            raise DefinitionError(self.problems)

        self._check_keys(data, (), "workflow", TOP_KEYS_REQUIRED, TOP_KEYS_OPTIONAL)
        key = self._str(data, "key", (), "workflow", regex=_KEY_RE, what="workflow key") or ""
        label = self._str(data, "label", (), "workflow") or key
        prefix = self._str(data, "number_prefix", (), "workflow", regex=_PREFIX_RE,
                           what="number prefix (1-6 upper-case letters/digits)") or ""
        description = self._str(data, "description", (), "workflow", default="") or ""

        states = self._parse_states(data.get("states"))
        state_map = {s.name: s for s in states}
        transitions = self._parse_transitions(data.get("transitions"), state_map)
        if states and transitions is not None:
            self._check_graph(states, transitions)
            self._check_cross_refs(transitions)
        if self.problems:
            raise DefinitionError(self.problems)
        return WorkflowDefinition(key=key, label=label, number_prefix=prefix, states=tuple(states),
                                  transitions=tuple(transitions or ()), description=description,
                                  source_text=self.text)

    # -- states
    def _parse_states(self, raw: Any) -> List[StateDef]:
        path = ("states",)
        if raw is None:
            return []
        if not isinstance(raw, list) or not raw:
            self.err(path, "states", "'states' must be a non-empty list")
            return []
        out: List[StateDef] = []
        seen: Dict[str, int] = {}
        for i, item in enumerate(raw):
            p = path + (i,)
            element = f"states[{i}]"
            if not isinstance(item, dict):
                self.err(p, element, f"a state must be a mapping, got {item!r}")
                continue
            name = self._str(item, "name", p, element, regex=_NAME_RE,
                             what="state name (lower-case letters, digits, _)")
            if isinstance(item.get("name"), str):
                element = f"state {item['name']!r}"
            self._check_keys(item, p, element, STATE_KEYS_REQUIRED, STATE_KEYS_OPTIONAL)
            if name is None:
                continue
            if name in seen:
                self.err(p + ("name",), element,
                         f"duplicate state name {name!r} (first declared at line {seen[name]})")
                continue
            seen[name] = self.lines(p + ("name",)) or 0
            label = self._str(item, "label", p, element) or name.replace("_", " ").capitalize()
            customer_label = self._str(item, "customer_label", p, element) or label
            initial = self._bool(item, "initial", p, element)
            final = self._bool(item, "final", p, element)
            if initial and final:
                self.err(p, element, "a state cannot be both initial and final")
            limit = item.get("time_limit_hours")
            if limit is not None and (isinstance(limit, bool) or not isinstance(limit, (int, float))
                                      or limit <= 0):
                self.err(p + ("time_limit_hours",), element,
                         f"'time_limit_hours' must be a positive number or null, got {limit!r}")
                limit = None
            out.append(StateDef(name=name, label=label, initial=initial, final=final,
                                customer_label=customer_label, time_limit_hours=limit,
                                description=self._str(item, "description", p, element, default="") or "",
                                line=self.lines(p)))
        initials = [s for s in out if s.initial]
        if out and not initials:
            self.err(path, "states", "no initial state (mark exactly one state with 'initial: true')")
        elif len(initials) > 1:
            for s in initials[1:]:
                self.problems.append(Problem(s.line, f"state {s.name!r}",
                                             f"several initial states ({', '.join(x.name for x in initials)});"
                                             " exactly one is allowed"))
        if out and not any(s.final for s in out):
            self.err(path, "states", "no final state (mark at least one state with 'final: true')")
        return out

    # -- transitions
    def _parse_transitions(self, raw: Any, state_map: Dict[str, StateDef]) -> Optional[List[TransitionDef]]:
        path = ("transitions",)
        if raw is None:
            return None
        if not isinstance(raw, list) or not raw:
            self.err(path, "transitions", "'transitions' must be a non-empty list")
            return None
        non_final = tuple(name for name, s in state_map.items() if not s.final)
        out: List[TransitionDef] = []
        for i, item in enumerate(raw):
            p = path + (i,)
            element = f"transitions[{i}]"
            if not isinstance(item, dict):
                self.err(p, element, f"a transition must be a mapping, got {item!r}")
                continue
            trigger = self._str(item, "trigger", p, element, regex=_NAME_RE,
                                what="trigger name (lower-case letters, digits, _)")
            if isinstance(item.get("trigger"), str):
                element = f"transition {item['trigger']!r} (transitions[{i}])"
            self._check_keys(item, p, element, TRANSITION_KEYS_REQUIRED, TRANSITION_KEYS_OPTIONAL)
            ok = trigger is not None
            if trigger is not None:
                ok = self._check_trigger_name(trigger, p + ("trigger",), element, state_map)

            # from
            sources: Tuple[str, ...] = ()
            from_any = False
            raw_from = item.get("from")
            if "from" in item:
                if raw_from == "*":
                    from_any = True
                    sources = non_final
                else:
                    items = raw_from if isinstance(raw_from, list) else [raw_from]
                    if not items:
                        self.err(p + ("from",), element, "'from' must not be empty")
                        ok = False
                    srcs: List[str] = []
                    for j, src in enumerate(items):
                        sp = p + ("from",) + ((j,) if isinstance(raw_from, list) else ())
                        if not isinstance(src, str):
                            self.err(sp, element, f"'from' entries must be state names, got {src!r}")
                            ok = False
                        elif src not in state_map:
                            self.err(sp, element, f"unknown state {src!r} in 'from'")
                            ok = False
                        elif src in srcs:
                            self.err(sp, element, f"state {src!r} listed twice in 'from'")
                        else:
                            srcs.append(src)
                    sources = tuple(srcs)
            # to
            dest = item.get("to")
            if "to" in item:
                if not isinstance(dest, str) or dest not in state_map:
                    self.err(p + ("to",), element, f"unknown state {dest!r} in 'to'")
                    ok = False
            # roles
            roles: Set[str] = set()
            raw_roles = item.get("roles", [])
            if raw_roles is None:
                raw_roles = []
            if not isinstance(raw_roles, list):
                self.err(p + ("roles",), element, "'roles' must be a list of role names")
                raw_roles = []
            for j, role in enumerate(raw_roles):
                if not isinstance(role, str) or role not in self.known_roles:
                    self.err(p + ("roles", j), element,
                             f"unknown role {role!r} (known: {', '.join(sorted(self.known_roles))})")
                else:
                    roles.add(role)
            label = self._str(item, "label", p, element) or (trigger or "").replace("_", " ").capitalize()
            guards = self._parse_steps(item, "guards", GUARD_KINDS, Guard, p, element)
            effects = self._parse_steps(item, "effects", EFFECT_KINDS, Effect, p, element)
            auto = self._bool(item, "auto", p, element)
            if auto and ok and dest in sources:
                self.err(p + ("auto",), element,
                         f"an automatic transition must leave its state: {dest!r} -> {dest!r} would fire forever")
                ok = False
            if not ok:
                continue
            out.append(TransitionDef(trigger=trigger, sources=sources, dest=dest, label=label,
                                     roles=frozenset(roles), guards=tuple(guards), effects=tuple(effects),
                                     description=self._str(item, "description", p, element, default="") or "",
                                     from_any=from_any, line=self.lines(p), auto=auto))
        return out

    def _check_trigger_name(self, trigger: str, path, element, state_map) -> bool:
        if trigger in self.order_fields:
            self.err(path, element, f"trigger {trigger!r} is named like an order field; choose another name")
            return False
        if trigger in RESERVED_TRIGGER_NAMES or trigger.startswith(RESERVED_TRIGGER_PREFIXES):
            self.err(path, element, f"trigger {trigger!r} is a reserved name of the transitions library")
            return False
        for sname in state_map:
            if trigger in (f"to_{sname}", f"is_{sname}"):
                self.err(path, element,
                         f"trigger {trigger!r} is reserved by the transitions library (state {sname!r})")
                return False
        return True

    def _parse_steps(self, item: Mapping, key: str, kinds: Mapping[str, KindSpec], cls, p, element) -> List[Step]:
        raw = item.get(key)
        if raw is None:
            return []
        noun = key[:-1]
        if not isinstance(raw, list):
            self.err(p + (key,), element, f"{key!r} must be a list of {{kind: ...}} mappings")
            return []
        out = []
        for j, step in enumerate(raw):
            sp = p + (key, j)
            if not isinstance(step, dict) or "kind" not in step:
                self.err(sp, element, f"{noun} #{j + 1} must be a mapping with a 'kind'")
                continue
            kind = step["kind"]
            el = f"{noun} #{j + 1} ({kind}) of {element}"
            spec = kinds.get(kind) if isinstance(kind, str) else None
            if spec is None:
                self.err(sp + ("kind",), el,
                         f"unknown {noun} kind {kind!r} (known: {', '.join(sorted(kinds))})")
                continue
            params = {k: v for k, v in step.items() if k != "kind"}
            good = True
            for name in spec.required:
                if name not in params:
                    self.err(sp, el, f"missing parameter {name!r}")
                    good = False
            for name, value in params.items():
                tag = spec.params.get(name)
                if tag is None:
                    allowed = ", ".join(sorted(spec.params)) or "none"
                    self.err(sp + (name,), el, f"unknown parameter {name!r} (allowed: {allowed})")
                    good = False
                    continue
                msg = self._check_value(tag, value)
                if msg:
                    self.err(sp + (name,), el, f"parameter {name!r}: {msg}")
                    good = False
            if good:
                good = self._check_step_semantics(kind, params, sp, el)
            if good:
                out.append(cls(kind=kind, params=MappingProxyType(dict(params)), line=self.lines(sp)))
        return out

    def _check_value(self, tag: str, value: Any) -> Optional[str]:
        if tag == "any":
            return None
        if tag == "str":
            return None if isinstance(value, str) and value.strip() else f"must be a non-empty string, got {value!r}"
        if tag == "bool":
            return None if isinstance(value, bool) else f"must be true or false, got {value!r}"
        if tag in ("number", "percent"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return f"must be a number, got {value!r}"
            if value <= 0 or (tag == "percent" and value > 100):
                return f"must be {'between 0 and 100' if tag == 'percent' else 'positive'}, got {value!r}"
            return None
        if tag == "role":
            return None if isinstance(value, str) and value in self.known_roles else f"unknown role {value!r}"
        if tag == "field":
            if isinstance(value, str) and (value in self.order_fields
                                           or (value.startswith("details.") and len(value) > 8)):
                return None
            return f"unknown order field {value!r} (use an order field or details.<key>)"
        if tag == "trigger":
            return None if isinstance(value, str) and _NAME_RE.match(value) else f"invalid trigger {value!r}"
        if tag == "strategy":
            return None if value in ASSIGN_STRATEGIES else \
                f"unknown strategy {value!r} (known: {', '.join(sorted(ASSIGN_STRATEGIES))})"
        if tag.startswith("service_"):
            wanted = tag[len("service_"):]
            names = sorted(n for n, t in SERVICE_SETTINGS.items() if t == wanted)
            setting = value[len("service."):] if isinstance(value, str) and value.startswith("service.") else None
            if setting is None or SERVICE_SETTINGS.get(setting) != wanted:
                return (f"must name a {wanted} setting of the service: "
                        f"{', '.join('service.' + n for n in names)}; got {value!r}")
            return None
        if tag == "str_list":
            ok = isinstance(value, list) and value and all(isinstance(v, str) and v for v in value)
            return None if ok else f"must be a non-empty list of strings, got {value!r}"
        if tag == "recipient":
            values = value if isinstance(value, list) else [value]
            bad = [v for v in values if not (isinstance(v, str) and (v in RECIPIENTS or v in self.known_roles))]
            if not values or bad:
                return (f"unknown recipient(s) {bad or value!r} (use "
                        f"{', '.join(sorted(RECIPIENTS))} or a role name)")
            return None
        raise AssertionError(f"unknown parameter tag {tag}")  # pragma: no cover

    def _check_step_semantics(self, kind: str, params: Mapping, sp, el) -> bool:
        if kind == "start_timer" and "hours_from" in params and "hours" not in params:
            self.err(sp + ("hours_from",), el, "'hours_from' needs 'hours' as the fallback for services "
                                               "that leave the setting empty")
            return False
        if kind == "start_timer" and ("hours" in params) == ("at_field" in params):
            self.err(sp, el, "start_timer needs exactly one of 'hours' or 'at_field'")
            return False
        if kind == "request_payment":
            has_pct = "percent" in params
            remaining = bool(params.get("remaining"))
            if has_pct == remaining:
                self.err(sp, el, "request_payment needs exactly one of 'percent' or 'remaining: true'")
                return False
        if kind == "assign" and params.get("field", "assignee") not in ASSIGN_TARGET_FIELDS:
            self.err(sp + ("field",), el,
                     f"parameter 'field' must be one of {', '.join(sorted(ASSIGN_TARGET_FIELDS))}")
            return False
        return True

    # -- whole-graph checks
    def _check_graph(self, states: List[StateDef], transitions: List[TransitionDef]) -> None:
        by_name = {s.name: s for s in states}
        outgoing: Dict[str, List[TransitionDef]] = {s.name: [] for s in states}
        for t in transitions:
            for src in t.sources:
                outgoing[src].append(t)
        # final states have no outgoing transitions
        for t in transitions:
            for src in t.sources:
                if by_name[src].final:
                    self.problems.append(Problem(t.line, f"transition {t.trigger!r}",
                                                 f"final state {src!r} cannot have outgoing transitions"))
        # same trigger twice from one state for overlapping roles: ambiguous
        seen: Dict[Tuple[str, str], List[TransitionDef]] = {}
        for t in transitions:
            for src in t.sources:
                for other in seen.get((t.trigger, src), []):
                    if (not t.roles and not other.roles) or (t.roles & other.roles):
                        self.problems.append(Problem(
                            t.line, f"transition {t.trigger!r}",
                            f"trigger {t.trigger!r} from state {src!r} is already defined at line {other.line} "
                            "for the same role(s)"))
                seen.setdefault((t.trigger, src), []).append(t)
        # reachability
        initials = [s.name for s in states if s.initial]
        if len(initials) == 1:
            reached = {initials[0]}
            queue = deque(reached)
            while queue:
                cur = queue.popleft()
                for t in outgoing.get(cur, []):
                    if t.dest not in reached:
                        reached.add(t.dest)
                        queue.append(t.dest)
            for s in states:
                if s.name not in reached:
                    self.problems.append(Problem(s.line, f"state {s.name!r}",
                                                 f"state {s.name!r} is unreachable from the initial state "
                                                 f"{initials[0]!r}"))
        # dead ends
        for s in states:
            if not s.final and not outgoing[s.name]:
                self.problems.append(Problem(s.line, f"state {s.name!r}",
                                             f"state {s.name!r} is not final but has no outgoing transition"))

    def _check_cross_refs(self, transitions: List[TransitionDef]) -> None:
        triggers = {t.trigger for t in transitions}
        started: Set[str] = set()
        for t in transitions:
            for e in t.effects:
                if e.kind == "start_timer":
                    started.add(e["name"])
                    if e["trigger"] not in triggers:
                        self.problems.append(Problem(e.line, f"effect start_timer of transition {t.trigger!r}",
                                                     f"timer trigger {e['trigger']!r} is not a trigger of this "
                                                     "workflow"))
        for t in transitions:
            for e in t.effects:
                if e.kind == "cancel_timer" and e["name"] not in started:
                    self.problems.append(Problem(e.line, f"effect cancel_timer of transition {t.trigger!r}",
                                                 f"no start_timer effect starts a timer named {e['name']!r}"))


def parse_definition(yaml_text: str, *, known_roles: Iterable[str],
                     order_fields: Iterable[str]) -> WorkflowDefinition:
    """Parse and validate a workflow YAML text.

    Raises :class:`DefinitionError` whose ``problems`` name the line and element of every issue.
    """
    return _Parser(yaml_text, known_roles, order_fields).parse()


def validate_definition(yaml_text: str, *, known_roles: Iterable[str],
                        order_fields: Iterable[str]) -> List[Problem]:
    """Like :func:`parse_definition` but returns the problems (empty list when valid)."""
    try:
        parse_definition(yaml_text, known_roles=known_roles, order_fields=order_fields)
    except DefinitionError as exc:
        return list(exc.problems)
    return []


# --------------------------------------------------------------------------- versions


def diff_removed_states(old_def: WorkflowDefinition, new_def: WorkflowDefinition) -> Set[str]:
    """States of ``old_def`` that ``new_def`` no longer has (orders in them need a mapping)."""
    return set(old_def.state_names) - set(new_def.state_names)


def check_state_mapping(old_def: WorkflowDefinition, new_def: WorkflowDefinition,
                        mapping: Mapping[str, str], occupied: Optional[Iterable[str]] = None) -> List[str]:
    """Check a mapping {removed old state: new state} used when publishing ``new_def``.

    ``occupied``: old states where orders still sit (the service layer counts them); when
    given, only those removed states need a mapping.  Returns a list of error messages.
    """
    removed = diff_removed_states(old_def, new_def)
    need = removed if occupied is None else removed & set(occupied)
    errors = []
    for state in sorted(need):
        if state not in mapping:
            errors.append(f"state {state!r} is removed but orders sit in it: map it to a state of the new version")
    new_states = set(new_def.state_names)
    for src, dst in sorted(mapping.items()):
        if src not in removed:
            errors.append(f"mapping source {src!r} is not a removed state")
        if dst not in new_states:
            errors.append(f"mapping target {dst!r} (for {src!r}) is not a state of the new version")
    return errors
