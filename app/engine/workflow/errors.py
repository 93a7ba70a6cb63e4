"""Exceptions raised by the workflow engine (no Flask, no models)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, List, Optional


@dataclass(frozen=True)
class Problem:
    """One problem found in a workflow definition.

    ``line`` is 1-based (``None`` when the element has no position, e.g. an
    empty document); ``element`` names the spot ("transition 'take'",
    "state 'done'", "guard #1 of transition 'take'"...).
    """

    line: Optional[int]
    element: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line is not None else "line ?"
        return f"{where}: {self.element}: {self.message}"


class WorkflowError(Exception):
    """Base class of every workflow engine error."""


class DefinitionError(WorkflowError):
    """A workflow definition (YAML) is invalid; ``problems`` lists every issue found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: List[Problem] = sorted(
            problems, key=lambda p: (p.line if p.line is not None else 0, p.element, p.message)
        )
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"invalid workflow definition ({len(self.problems)} problem(s)):\n{lines}")

    @property
    def messages(self) -> List[str]:
        return [str(p) for p in self.problems]


class TransitionError(WorkflowError):
    """Base class of errors raised when planning a transition."""

    #: HTTP status the API layer should answer with.
    http_status = 409

    def __init__(self, message: str, *, state: Optional[str] = None, trigger: Optional[str] = None):
        super().__init__(message)
        self.state = state
        self.trigger = trigger


class InvalidTransition(TransitionError):
    """The trigger is unknown or not allowed from the current state (HTTP 409)."""

    http_status = 409


class UnknownState(InvalidTransition):
    """The order sits in a state this workflow version does not know (HTTP 409)."""


class TriggerNotAllowed(TransitionError):
    """The state allows the trigger but none of the actor's roles may fire it (HTTP 403)."""

    http_status = 403
