"""The record of one evaluation: what was read, which rules fired, which actions ran."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from enum import Enum
from collections import abc
from typing import Any, Mapping, NamedTuple


class FiredRule(NamedTuple):
    index: int  # 1-based position in the rule list
    name: str | None = None
    id: Any = None


class ActionCall(NamedTuple):
    rule: int  # 1-based index of the rule that ran it
    name: str
    params: Mapping[str, Any]  # read-only


def jsonable(value: Any) -> Any:
    """Variable values as JSON-friendly data (Decimal -> str, dates -> ISO text)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, Enum):
        return jsonable(value.value)
    if isinstance(value, abc.Mapping):  # typing.Mapping's isinstance is ~40x slower
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    return str(value)


class Decision:
    """Result of ``CompiledRuleSet.evaluate``.

    ``values`` holds every variable read (lazily, each at most once), in read order.
    ``fired`` lists the rules whose conditions held; ``actions`` the actions run, in
    order, with their parameters (resolved: ``{"variable": x}`` references replaced).
    """

    __slots__ = ("key", "version", "context", "_raw", "fired", "actions", "_values")

    def __init__(self, key, version, context, raw_values, fired, actions):
        self.key = key
        self.version = version
        self.context = context
        self._raw = raw_values
        self.fired: list[FiredRule] = fired
        self.actions: list[ActionCall] = actions
        self._values = None

    # -- convenience -------------------------------------------------------
    @property
    def values(self) -> dict[str, Any]:
        if self._values is None:
            self._values = {k: jsonable(v) for k, v in self._raw.items() if ":" not in k}
        return self._values

    @property
    def triggered(self) -> bool:
        """True when any rule fired (business-rules' run_all return value)."""
        return bool(self.fired)

    @property
    def changed(self) -> bool:
        """True when the decision asks for something (at least one action ran)."""
        return bool(self.actions)

    @property
    def calls(self) -> list[tuple[str, dict]]:
        """``[(action name, params dict), ...]`` in the order they ran."""
        return [(a.name, dict(a.params)) for a in self.actions]

    def has(self, action: str) -> bool:
        return any(a.name == action for a in self.actions)

    def params_of(self, action: str) -> list[dict]:
        return [dict(a.params) for a in self.actions if a.name == action]

    def diff(self, other: "Decision") -> dict:
        """What ``self`` does differently from ``other`` (e.g. draft vs published)."""
        mine, theirs = self.calls, other.calls
        return {
            "changed": mine != theirs,
            "added": [c for c in mine if c not in theirs],
            "removed": [c for c in theirs if c not in mine],
        }

    # -- serialisation -------------------------------------------------------
    def to_dict(self) -> dict:
        return {
            "key": self.key,
            "version": self.version,
            "context": self.context,
            "values": self.values,
            "fired": [{"index": f.index, "name": f.name, "id": f.id} for f in self.fired],
            "actions": [{"rule": a.rule, "name": a.name, "params": jsonable(a.params)}
                        for a in self.actions],
            "changed": self.changed,
        }

    def to_json(self, **kwargs) -> str:
        kwargs.setdefault("ensure_ascii", False)
        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_dict(cls, data: Mapping) -> "Decision":
        """Rebuild a stored decision (values come back as their JSON form)."""
        return cls(data.get("key"), data.get("version"), data.get("context"),
                   dict(data.get("values") or {}),
                   [FiredRule(f["index"], f.get("name"), f.get("id")) for f in data.get("fired", [])],
                   [ActionCall(a["rule"], a["name"], dict(a.get("params") or {}))
                    for a in data.get("actions", [])])

    def __repr__(self):
        return (f"<Decision {self.key} v{self.version}: fired "
                f"{[f.index for f in self.fired]}, actions {self.calls}>")
