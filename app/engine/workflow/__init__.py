"""Workflow engine: YAML definitions -> one shared ``transitions`` machine per version.

Pure Python (no Flask, no models).  The service layer:

* parses/validates with :func:`parse_definition` (raises :class:`DefinitionError`),
* gets the compiled machine with ``MachineCache.get(key, version, definition_or_loader)``,
* asks :meth:`CompiledWorkflow.available_triggers` / :meth:`CompiledWorkflow.plan`,
* executes the plan's guards/effects itself (:func:`run_guards`, :func:`run_effects`).
"""
from .definition import (ADMIN_ROLE, OVERRIDE_ROLES, STANDARD_ROLES, SYSTEM_ROLE, Effect, Guard, StateDef,
                         Step, TransitionDef, WorkflowDefinition, check_state_mapping, diff_removed_states,
                         parse_definition, validate_definition)
from .errors import (DefinitionError, InvalidTransition, Problem, TransitionError, TriggerNotAllowed,
                     UnknownState, WorkflowError)
from .kinds import EFFECT_KINDS, GUARD_KINDS
from .machine import CompiledWorkflow, MachineCache, TransitionPlan, TriggerInfo
from .protocols import EffectRunner, GuardChecker, GuardFailure, KindDispatcher, run_effects, run_guards
from .shipped import WORKFLOWS_DIR, load_shipped_workflows, load_workflow_file

__all__ = [
    "ADMIN_ROLE", "SYSTEM_ROLE", "OVERRIDE_ROLES", "STANDARD_ROLES",
    "Step", "Guard", "Effect", "StateDef", "TransitionDef", "WorkflowDefinition",
    "parse_definition", "validate_definition", "diff_removed_states", "check_state_mapping",
    "WorkflowError", "DefinitionError", "Problem", "TransitionError", "InvalidTransition", "UnknownState",
    "TriggerNotAllowed", "GUARD_KINDS", "EFFECT_KINDS",
    "CompiledWorkflow", "MachineCache", "TransitionPlan", "TriggerInfo",
    "GuardChecker", "EffectRunner", "GuardFailure", "KindDispatcher", "run_guards", "run_effects",
    "WORKFLOWS_DIR", "load_shipped_workflows", "load_workflow_file",
]
