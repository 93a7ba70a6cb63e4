"""Where a new order starts and how its states read, from the shipped workflow files.

``workflows/*.yaml`` are indexed by their ``key``; until versions are published in the
database (the workflow issue), each file is version 1 of its workflow.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

WORKFLOW_DIR = Path(__file__).resolve().parents[2] / "workflows"
FALLBACK_STATE = "new"


@lru_cache(maxsize=1)
def shipped_definitions() -> dict[str, dict]:
    definitions = {}
    for path in sorted(WORKFLOW_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if isinstance(data, dict) and data.get("key"):
            definitions[data["key"]] = data
    return definitions


def _states(kind: str) -> list[dict]:
    return [s for s in shipped_definitions().get(kind, {}).get("states") or [] if isinstance(s, dict)]


def state_names(kind: str) -> list[str]:
    return [s["name"] for s in _states(kind)]


def number_prefix(kind: str) -> str:
    prefix = shipped_definitions().get(kind, {}).get("number_prefix")
    return prefix or (kind[:2].upper() if kind else "OR")


def starting_point(session, kind: str) -> tuple[int, str]:
    for state in _states(kind):
        if state.get("initial"):
            return 1, state["name"]
    return 1, FALLBACK_STATE


def customer_label(kind: str, state: str) -> str:
    for s in _states(kind):
        if s.get("name") == state:
            return s.get("customer_label") or s.get("label") or state
    return state.replace("_", " ").capitalize()


def known_kinds() -> list[str]:
    return sorted(shipped_definitions())
