"""Guard and effect kinds: their parameters and how each parameter is checked.

Each kind declares required and optional parameters.  A parameter spec is a
short type tag:

``str``       non-empty string
``number``    int or float (not bool), ``> 0`` unless noted by ``number0`` (``>= 0``)
``percent``   number with 0 < x <= 100
``bool``      true / false
``any``       any YAML value (including null)
``role``      a known role name
``field``     an order field (``order_fields``) or ``details.<key>``
``trigger``   a trigger declared in the same workflow
``recipient`` a recipient keyword (see ``RECIPIENTS``) or a known role, or a list of them
``strategy``  an assignment strategy (see ``ASSIGN_STRATEGIES``)
``str_list``  a list of non-empty strings
``service_number`` / ``service_bool`` / ``service_strategy``
              ``service.<setting>``: a per-service setting (see ``SERVICE_SETTINGS``) of that type,
              read on each order's service; the step's plain parameter is the fallback
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, FrozenSet, Mapping

RECIPIENTS: FrozenSet[str] = frozenset(
    {"customer", "manager", "assignee", "lead", "actor", "desk", "accountant", "previous_assignee"}
)
ASSIGN_STRATEGIES: FrozenSet[str] = frozenset(
    {"weighted_rating", "round_robin", "least_loaded", "on_duty", "manual"}
)
ASSIGN_TARGET_FIELDS: FrozenSet[str] = frozenset({"assignee", "manager"})
#: Settings a service carries for its workflow (columns of Service); ``<name>: <type>``.
SERVICE_SETTINGS: Mapping[str, str] = {
    "offer_hours": "number",        # how long an author has to answer an offer
    "auto_offer": "bool",           # offer to an author by rating as soon as the order is routed
    "routing_strategy": "strategy",  # how the on-duty manager is chosen
}


@dataclass(frozen=True)
class KindSpec:
    kind: str
    required: Mapping[str, str]
    optional: Mapping[str, str]
    doc: str = ""

    @property
    def params(self) -> Dict[str, str]:
        out = dict(self.required)
        out.update(self.optional)
        return out


GUARD_KINDS: Dict[str, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec("rule_set", {"key": "str"}, {"message": "str"},
                 "the published rule set `key` must accept the order (no rejecting decision)"),
        KindSpec("attachment", {"attachment_kind": "str"}, {"min_count": "number", "message": "str"},
                 "the order must carry at least `min_count` (default 1) attachments of `attachment_kind`"),
        KindSpec("payment_paid", {"purpose": "str"}, {"message": "str"},
                 "the order's payment with `purpose` (deposit, balance, full, ...) must be paid"),
        KindSpec("field_set", {"field": "field"}, {"message": "str"},
                 "the order field must be set (not null / empty)"),
        KindSpec("actor_is_assignee", {}, {"message": "str"},
                 "the acting user must be the order's assignee (Admin bypasses)"),
        KindSpec("service_setting", {"setting": "service_bool"}, {"message": "str"},
                 "the order's service has the yes/no setting switched on (e.g. service.auto_offer)"),
    )
}

EFFECT_KINDS: Dict[str, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec("notify", {"to": "recipient", "template": "str"}, {"channel": "str", "attach": "str"},
                 "send template `template` to the recipient(s)"),
        KindSpec("run_rules", {"key": "str"}, {},
                 "evaluate the published rule set `key` on the order and apply its actions"),
        KindSpec("assign", {"strategy": "strategy", "role": "role"},
                 {"rule_set": "str", "field": "str", "exclude_declined": "bool", "notify_template": "str",
                  "offer": "bool", "strategy_from": "service_strategy", "match_skill": "bool",
                  "required": "bool", "escalate_to": "recipient"},
                 "pick a user with `role` by `strategy` (or the service's `strategy_from` setting; weights "
                 "from `rule_set`) into `field` (default assignee); `match_skill: false` ignores the order's "
                 "subject; `required: true` refuses the transition when nobody is available (the order "
                 "waits, flagged, and `escalate_to` is told)"),
        KindSpec("request_payment", {"purpose": "str"},
                 {"percent": "percent", "remaining": "bool", "methods": "str_list", "due_hours": "number"},
                 "open a payment request for `percent` of the price, or the `remaining` balance"),
        KindSpec("set_field", {"field": "field", "value": "any"}, {},
                 "set an order field (or details.<key>) to a constant; null clears it"),
        KindSpec("start_timer", {"name": "str", "trigger": "trigger"},
                 {"hours": "number", "at_field": "field", "hours_from": "service_number"},
                 "fire `trigger` after `hours` (or the service's `hours_from` setting, `hours` being the "
                 "fallback) or at the datetime held in `at_field` (exactly one of hours / at_field)"),
        KindSpec("cancel_timer", {"name": "str"}, {},
                 "cancel the pending timer `name` of the order"),
        KindSpec("answer_offer", {"accept": "bool"}, {"expired": "bool", "withdrawn": "bool"},
                 "answer the open offer of the order: the actor takes it (accept) or declines it "
                 "(the comment is the reason); `expired` marks an unanswered offer as expired, `withdrawn` "
                 "takes back an open offer (the order goes elsewhere)"),
        KindSpec("share_attachments", {"attachment_kind": "str"}, {},
                 "show the order's files of `attachment_kind` to the customer (their order page, My orders)"),
        KindSpec("cancel_payments", {}, {},
                 "cancel the order's payment requests that are still open (nobody can pay a closed order)"),
        KindSpec("refund", {"rule_set": "str"}, {},
                 "ask the rule set (withdrawal context) how much of what was paid goes back, and refund it"),
        KindSpec("record_earnings", {}, {},
                 "book the worker's share of a completed, fully paid order in the earnings ledger"),
    )
}
