"""Every human-readable reason the rules engine produces, in one place.

Each entry maps a stable error *code* to an English template using
``str.format`` named placeholders.  Callers that translate (the Flask layer,
with flask-babel) can look up ``MESSAGES[code]`` through ``gettext`` and then
format it with the error's ``params``; nothing here imports Flask.
"""
from __future__ import annotations

MESSAGES: dict[str, str] = {
    # document level
    "invalid_json": "Malformed JSON at line {line}, column {column}: {detail}.",
    "not_a_list": "The rules must be a JSON list of rules, not {got}.",
    # rule level
    "rule_not_object": "A rule must be a JSON object, not {got}.",
    "unknown_rule_key": "Unknown key '{key}' in a rule (allowed: {allowed}).",
    "missing_conditions": "The rule has no 'conditions'.",
    "missing_actions": "The rule has no 'actions'.",
    "bad_rule_name": "The rule's '{key}' must be a string or a number.",
    # conditions
    "conditions_not_object": "A condition must be a JSON object, not {got}.",
    "group_not_list": "'{group}' must be a list of conditions, not {got}.",
    "empty_group": "'{group}' must contain at least one condition.",
    "mixed_group": "'{group}' must be the only key of its object (found {keys}).",
    "missing_variable": "The condition names no variable ('name').",
    "unknown_variable": "Unknown variable '{name}' (available: {available}).",
    "missing_operator": "The condition has no 'operator'.",
    "unknown_operator": "Operator '{operator}' does not exist for {type} variable '{name}' "
    "(available: {available}).",
    "missing_value": "Operator '{operator}' needs a 'value'.",
    "unknown_condition_key": "Unknown key '{key}' in a condition (allowed: name, operator, value).",
    "wrong_value_type": "Variable '{name}' is {type}: the value must be {expected}, not {got}.",
    "value_not_in_options": "'{value}' is not an option of variable '{name}' (options: {options}).",
    "invalid_regex": "Invalid regular expression '{value}': {detail}.",
    # actions
    "actions_not_list": "'actions' must be a list of actions, not {got}.",
    "empty_actions": "'actions' must contain at least one action.",
    "action_not_object": "An action must be a JSON object, not {got}.",
    "missing_action_name": "The action names no action ('name').",
    "unknown_action": "Unknown action '{name}' (available: {available}).",
    "unknown_action_key": "Unknown key '{key}' in an action (allowed: name, params).",
    "params_not_object": "The action's 'params' must be a JSON object, not {got}.",
    "unknown_param": "Action '{action}' has no parameter '{param}' (parameters: {available}).",
    "missing_param": "Action '{action}' needs parameter '{param}'.",
    "wrong_param_type": "Parameter '{param}' of action '{action}' must be {expected}, not {got}.",
    "param_not_in_options": "'{value}' is not allowed for parameter '{param}' of action "
    "'{action}' (allowed: {options}).",
    "bad_param_reference": "Parameter '{param}' of action '{action}' refers to '{name}', "
    "which is not a numeric variable.",
    # rule-set file level
    "file_not_object": "A rule-set file must be a JSON object with key, context and rules.",
    "file_missing_key": "The rule-set file has no '{key}'.",
    "file_unknown_context": "Unknown context '{context}' (available: {available}).",
}


def render(code: str, params: dict, translate=None) -> str:
    """Format the template for ``code``; ``translate`` (e.g. gettext) is applied first."""
    template = MESSAGES[code]
    if translate is not None:
        template = translate(template)
    return template.format(**params)
