"""Mermaid rendering through transitions' GraphMachine (mermaid backend, no graphviz needed).

A diagram-only GraphMachine (``model=None``) is built lazily once per compiled workflow;
each call renders a fresh, throwaway mermaid ``Graph`` object with the current state
styled ``s_active`` (a ``classDef`` emitted by transitions), so nothing per order is kept.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:  # pragma: no cover
    from .machine import CompiledWorkflow

ACTIVE_CLASS = "s_active"


def _clean(text: str) -> str:
    return text.replace('"', "'").replace("\n", " ")


def _graph_machine(wf: "CompiledWorkflow"):
    with wf._graph_lock:
        if wf._graph_machine is None:
            from transitions.extensions.diagrams import GraphMachine

            class _LabelState(GraphMachine.state_cls):
                def __init__(self, *args, label=None, **kwargs):
                    super().__init__(*args, **kwargs)
                    if label:
                        self.label = label

            class _DiagramMachine(GraphMachine):
                state_cls = _LabelState

            d = wf.definition
            states = [{"name": s.name, "label": _clean(s.label)} for s in d.states]
            transitions = [{"trigger": t.trigger, "source": src, "dest": t.dest}
                           for t in d.transitions for src in t.sources]
            wf._graph_machine = _DiagramMachine(
                model=None, states=states, transitions=transitions, initial=d.initial_state,
                auto_transitions=False, graph_engine="mermaid", show_conditions=False,
                title=_clean(d.label))
        return wf._graph_machine


def render_mermaid(wf: "CompiledWorkflow", current_state: Optional[str] = None,
                   title: Optional[str] = None) -> str:
    gm = _graph_machine(wf)
    graph = gm.graph_cls(gm)  # throwaway per call
    if current_state is not None:
        graph.set_node_style(current_state, "active")
    text = graph.get_graph(title=_clean(title) if title else None).draw(None)
    # transitions writes "Class x s_y"; mermaid's keyword is lower-case "class".
    lines = [("  class " + ln.strip()[6:]) if ln.strip().startswith("Class ") else ln
             for ln in text.splitlines()]
    for state in wf.definition.states:
        if state.final:
            lines.append(f"  {state.name} --> [*]")
    return "\n".join(lines) + "\n"
