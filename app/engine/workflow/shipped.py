"""The default workflows shipped as YAML files in ``<repo>/workflows``."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, Iterable, Tuple

from .definition import WorkflowDefinition, parse_definition
from .errors import DefinitionError, Problem

WORKFLOWS_DIR = Path(__file__).resolve().parents[3] / "workflows"


def load_workflow_file(path, *, known_roles: Iterable[str], order_fields: Iterable[str]) -> WorkflowDefinition:
    text = Path(path).read_text(encoding="utf-8")
    return parse_definition(text, known_roles=known_roles, order_fields=order_fields)


def load_shipped_workflows(*, known_roles: Iterable[str], order_fields: Iterable[str],
                           directory=None) -> Dict[str, Tuple[str, WorkflowDefinition]]:
    """{workflow key: (yaml text, definition)} for every ``*.yaml`` in ``directory``.

    Raises DefinitionError (naming the file) on the first invalid file.
    """
    out = {}
    for path in sorted(Path(directory or WORKFLOWS_DIR).glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        try:
            definition = parse_definition(text, known_roles=known_roles, order_fields=order_fields)
        except DefinitionError as exc:
            raise DefinitionError([Problem(p.line, f"{path.name}: {p.element}", p.message)
                                   for p in exc.problems]) from None
        if definition.key in out:
            raise ValueError(f"{path.name}: workflow key {definition.key!r} is used twice")
        out[definition.key] = (text, definition)
    return out
