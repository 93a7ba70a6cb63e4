"""Orderflow rules engine: business-rules contexts, validation, compiled evaluation.

Pure Python: no Flask, no models.  Everything comes in as plain data.
"""
from .compiler import (CompiledRuleSet, RuleEvaluationError, compile_rules,
                       reference_run)
from .contexts import (CONTEXTS, Context, get_context, intake_context)
from .decision import ActionCall, Decision, FiredRule, jsonable
from .files import (DEFAULT_RULES_DIR, RuleSetFile, default_rule_sets, load_rule_set,
                    validate_rule_file)
from .messages import MESSAGES
from .validation import RuleError, RuleValidationError, validate_rules

__all__ = [
    "CONTEXTS", "Context", "get_context", "intake_context",
    "validate_rules", "RuleError", "RuleValidationError", "MESSAGES",
    "compile_rules", "CompiledRuleSet", "RuleEvaluationError", "reference_run",
    "Decision", "FiredRule", "ActionCall", "jsonable",
    "RuleSetFile", "load_rule_set", "default_rule_sets", "validate_rule_file",
    "DEFAULT_RULES_DIR",
]
