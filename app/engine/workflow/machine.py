"""Compiled workflows: one shared ``transitions`` Machine per published workflow version.

The machine is built once with ``model=None`` (no registered models at all) and is
shared by every order on that version.  To plan a transition we dispatch the event
explicitly on a throwaway :class:`_StateHolder` (``Event.trigger(holder, ...)`` in
transitions 0.9.3 accepts any object carrying the model attribute; the model does not
need to be registered with ``add_model``), so the machine never keeps per-order objects
and no global registry of orders exists.

Guards and effects are *not* executed here: :meth:`CompiledWorkflow.plan` returns a
:class:`TransitionPlan` that the service layer executes (see ``protocols``).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, Optional, Tuple, Union

from transitions import Machine, Transition

from .definition import Effect, Guard, OVERRIDE_ROLES, TransitionDef, WorkflowDefinition
from .errors import InvalidTransition, TriggerNotAllowed, UnknownState


@dataclass(frozen=True)
class TriggerInfo:
    """A trigger an actor may fire from a state (for buttons / API listings)."""

    name: str
    label: str
    to: str
    guards: Tuple[Guard, ...]
    effects: Tuple[Effect, ...]
    roles: FrozenSet[str] = frozenset()


@dataclass(frozen=True)
class TransitionPlan:
    """What firing ``trigger`` from ``source`` means; executed by the service layer."""

    source: str
    dest: str
    trigger: str
    guards: Tuple[Guard, ...]
    effects: Tuple[Effect, ...]
    label: str = ""
    workflow_key: str = ""
    workflow_version: Optional[int] = None


class _StateHolder:
    """Throwaway stand-in for an order during one dispatch; never registered with the machine."""

    __slots__ = ("state", "spec")

    def __init__(self, state: str):
        self.state = state
        self.spec: Optional[TransitionDef] = None


class _SpecTransition(Transition):
    """A transitions Transition that carries our :class:`TransitionDef`."""

    def __init__(self, source, dest, conditions=None, unless=None, before=None, after=None, prepare=None,
                 spec: Optional[TransitionDef] = None):
        super().__init__(source, dest, conditions, unless, before, after, prepare)
        self.spec = spec


def _roles_allow(event_data) -> bool:
    """Condition of every transition: the actor's roles (event kwarg ``roles``) may fire it."""
    return event_data.transition.spec.allows(event_data.kwargs.get("roles", ()))


def _record(event_data) -> None:
    """After-callback: remember which transition ran on the throwaway holder."""
    event_data.model.spec = event_data.transition.spec


class _WorkflowMachine(Machine):
    transition_cls = _SpecTransition


class CompiledWorkflow:
    """A workflow version compiled into one shared ``transitions`` machine."""

    def __init__(self, definition: WorkflowDefinition, version: Optional[int] = None):
        self.definition = definition
        self.key = definition.key
        self.version = version
        self._states = {s.name: s for s in definition.states}
        self.machine = _WorkflowMachine(
            model=None,  # no models: dispatch is explicit, on throwaway holders
            states=list(definition.state_names),
            initial=definition.initial_state,
            auto_transitions=False,
            send_event=True,
            ignore_invalid_triggers=False,
            name=f"{definition.key}@{version}",
        )
        for t in definition.transitions:
            for src in t.sources:
                self.machine.add_transition(t.trigger, src, t.dest, conditions=[_roles_allow],
                                            after=[_record], spec=t)
        self._graph_machine = None
        self._graph_lock = threading.Lock()

    # ------------------------------------------------------------------ description
    @property
    def states(self) -> Tuple[str, ...]:
        return self.definition.state_names

    @property
    def initial_state(self) -> str:
        return self.definition.initial_state

    @property
    def final_states(self) -> FrozenSet[str]:
        return self.definition.final_states

    @property
    def triggers(self) -> Tuple[str, ...]:
        return tuple(self.machine.events)

    @property
    def time_limits(self) -> Dict[str, float]:
        """{state: time_limit_hours} for states that declare a limit."""
        return {s.name: s.time_limit_hours for s in self.definition.states if s.time_limit_hours is not None}

    def is_final(self, state: str) -> bool:
        return self._state(state).final

    def label(self, state: str) -> str:
        return self._state(state).label

    def customer_label(self, state: str) -> str:
        return self._state(state).customer_label

    def _state(self, state: str):
        try:
            return self._states[state]
        except KeyError:
            raise UnknownState(f"state {state!r} is not part of workflow {self.key!r} version {self.version}",
                               state=state) from None

    # ------------------------------------------------------------------ dispatch
    def _specs_from(self, state: str) -> List[TransitionDef]:
        out = []
        for trigger in self.machine.get_triggers(state):
            for tr in self.machine.events[trigger].transitions[state]:
                out.append(tr.spec)
        return out

    def available_triggers(self, state: str, roles: Iterable[str]) -> List[TriggerInfo]:
        """Triggers the actor (holding ``roles``) may fire from ``state``, in definition order.

        Guards are not evaluated (the service layer may do so to grey out buttons).
        """
        self._state(state)
        roles = frozenset(roles)
        seen = set()
        out = []
        for spec in sorted(self._specs_from(state), key=lambda s: s.line or 0):
            if spec.trigger in seen or not spec.allows(roles):
                continue
            seen.add(spec.trigger)
            out.append(TriggerInfo(spec.trigger, spec.label, spec.dest, spec.guards, spec.effects, spec.roles))
        return out

    def automatic_triggers(self, state: str) -> List[str]:
        """Triggers marked ``auto: true`` from ``state``, in definition order (System fires them)."""
        self._state(state)
        names: List[str] = []
        for spec in sorted(self._specs_from(state), key=lambda s: s.line or 0):
            if spec.auto and spec.trigger not in names:
                names.append(spec.trigger)
        return names

    def plan(self, state: str, trigger: str, roles: Iterable[str]) -> TransitionPlan:
        """Plan firing ``trigger`` from ``state`` by an actor holding ``roles``.

        Raises :class:`InvalidTransition` (409) if the trigger is unknown or not valid
        from ``state`` (including :class:`UnknownState`), :class:`TriggerNotAllowed` (403)
        if the state allows it but none of the roles may fire it.
        """
        self._state(state)
        event = self.machine.events.get(trigger)
        if event is None:
            raise InvalidTransition(f"unknown trigger {trigger!r} in workflow {self.key!r}",
                                    state=state, trigger=trigger)
        if state not in event.transitions:
            raise InvalidTransition(f"trigger {trigger!r} is not allowed in state {state!r}",
                                    state=state, trigger=trigger)
        holder = _StateHolder(state)
        if not event.trigger(holder, roles=frozenset(roles)):
            allowed = sorted(set().union(*(t.spec.roles for t in event.transitions[state])))
            raise TriggerNotAllowed(
                f"trigger {trigger!r} from state {state!r} needs one of the roles: "
                f"{', '.join(allowed) or 'Admin'}", state=state, trigger=trigger)
        spec = holder.spec
        return TransitionPlan(source=state, dest=holder.state, trigger=trigger, guards=spec.guards,
                              effects=spec.effects, label=spec.label, workflow_key=self.key,
                              workflow_version=self.version)

    def can_fire(self, state: str, trigger: str, roles: Iterable[str]) -> bool:
        try:
            self.plan(state, trigger, roles)
        except (InvalidTransition, TriggerNotAllowed):
            return False
        return True

    # ------------------------------------------------------------------ diagram
    def mermaid(self, current_state: Optional[str] = None, *, title: Optional[str] = None) -> str:
        """Mermaid ``stateDiagram-v2`` text; ``current_state`` is highlighted (classDef ``s_active``)."""
        from .diagram import render_mermaid
        if current_state is not None:
            self._state(current_state)
        return render_mermaid(self, current_state, title=title)

    def __repr__(self) -> str:
        return f"<CompiledWorkflow {self.key!r} v{self.version} states={len(self.states)}>"


DefinitionSource = Union[WorkflowDefinition, Callable[[], WorkflowDefinition]]


class MachineCache:
    """Thread-safe cache ``(workflow key, version) -> CompiledWorkflow``.

    Published versions are immutable, so entries never go stale; :meth:`invalidate`
    exists for drafts / tests.
    """

    def __init__(self) -> None:
        self._items: Dict[Tuple[str, Any], CompiledWorkflow] = {}
        self._lock = threading.RLock()
        self.builds = 0

    def get(self, key: str, version: Any, source: DefinitionSource) -> CompiledWorkflow:
        """Return the compiled workflow, building it from ``source`` on first use.

        ``source`` is a :class:`WorkflowDefinition` or a zero-argument callable returning one
        (called only on a miss, e.g. to load and parse the YAML from the database).
        """
        cache_key = (key, version)
        found = self._items.get(cache_key)
        if found is not None:
            return found
        with self._lock:
            found = self._items.get(cache_key)
            if found is None:
                definition = source() if callable(source) else source
                if definition.key != key:
                    raise ValueError(f"definition key {definition.key!r} does not match cache key {key!r}")
                found = CompiledWorkflow(definition, version)
                self._items[cache_key] = found
                self.builds += 1
            return found

    def peek(self, key: str, version: Any) -> Optional[CompiledWorkflow]:
        return self._items.get((key, version))

    def invalidate(self, key: Optional[str] = None, version: Any = None) -> None:
        with self._lock:
            if key is None:
                self._items.clear()
            elif version is None:
                for k in [k for k in self._items if k[0] == key]:
                    del self._items[k]
            else:
                self._items.pop((key, version), None)

    def __contains__(self, item: Tuple[str, Any]) -> bool:
        return item in self._items

    def __len__(self) -> int:
        return len(self._items)


def is_override(roles: Iterable[str]) -> bool:
    """True if the roles include Admin or the System pseudo role (may fire anything)."""
    return bool(set(roles) & OVERRIDE_ROLES)
