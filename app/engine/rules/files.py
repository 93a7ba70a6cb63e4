"""Rule-set JSON files (the defaults shipped in ``rules/``).

Format: ``{"key": "payout.threshold", "context": "payout", "description": "...",
"rules": [{"name": "...", "conditions": {...}, "actions": [...]}, ...]}``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .contexts import CONTEXTS, get_context
from .validation import RuleError, RuleValidationError, parse_rules, validate_rules

DEFAULT_RULES_DIR = Path(__file__).resolve().parents[3] / "rules"


@dataclass(frozen=True)
class RuleSetFile:
    key: str
    context: str
    description: str
    rules: list
    path: str | None = None

    def compile(self, version=None, form_schema=None):
        from .compiler import compile_rules
        return compile_rules(get_context(self.context, form_schema), self.rules,
                             key=self.key, version=version)


def validate_rule_file(doc, form_schema=None) -> list[RuleError]:
    """Problems of a whole rule-set document (JSON text or dict)."""
    data, errors = parse_rules(doc)
    if errors:
        return errors
    if not isinstance(data, dict):
        return [RuleError(None, "", "file_not_object")]
    for key in ("key", "context", "rules"):
        if key not in data:
            errors.append(RuleError(None, key, "file_missing_key", {"key": key}))
    if errors:
        return errors
    if data["context"] not in CONTEXTS:
        return [RuleError(None, "context", "file_unknown_context",
                          {"context": str(data["context"]), "available": ", ".join(CONTEXTS)})]
    return validate_rules(get_context(data["context"], form_schema), data["rules"])


def load_rule_set(path_or_key, directory: Path | str | None = None) -> RuleSetFile:
    """Load and validate ``rules/<key>.json`` (or an explicit path)."""
    path = Path(path_or_key)
    if path.suffix != ".json":
        path = Path(directory or DEFAULT_RULES_DIR) / f"{path_or_key}.json"
    text = path.read_text(encoding="utf-8")
    errors = validate_rule_file(text)
    if errors:
        raise RuleValidationError(errors)
    data = json.loads(text)
    return RuleSetFile(data["key"], data["context"], data.get("description", ""),
                       data["rules"], str(path))


def default_rule_sets(directory: Path | str | None = None) -> dict[str, RuleSetFile]:
    """All ``*.json`` rule sets of the defaults directory, by key."""
    out = {}
    for path in sorted(Path(directory or DEFAULT_RULES_DIR).glob("*.json")):
        rs = load_rule_set(path)
        out[rs.key] = rs
    return out
