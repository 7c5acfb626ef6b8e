"""The review domain as the spine sees it: findings and follow-up actions tracked until done.

Compliance, replay and the bundle are pure cores (`review`) over the log; this domain adds what the
reviewer writes. Nothing here follows alerts (issue 13) or reports (issue 14) yet: their rows join the
compliance table through `review.compliance` when those domains land.
"""

from __future__ import annotations

from ..commands import CommandSpec
from ..i18n import N_
from ..registry import Domain
from . import decide, store
from .commands import AddAction, AddFinding, CompleteAction, SetInspectorUnits
from .events import EVENTS
from .permissions import GRANTS, Permission
from .tables import review_actions, review_findings, review_inspector_units

COMMANDS = (
    CommandSpec(
        "review.add_finding",
        AddFinding,
        Permission.REVIEW_WRITE,
        store.load_review,
        decide.decide_add_finding,
        "登记发现问题 Record a finding of the review",
    ),
    CommandSpec(
        "review.add_action",
        AddAction,
        Permission.REVIEW_WRITE,
        store.load_review,
        decide.decide_add_action,
        "登记整改措施 Add a follow-up action with its owner and deadline",
    ),
    CommandSpec(
        "review.complete_action",
        CompleteAction,
        Permission.REVIEW_WRITE,
        store.load_review,
        decide.decide_complete_action,
        "整改完成 Mark a follow-up action done",
    ),
    CommandSpec(
        "review.set_inspector_units",
        SetInspectorUnits,
        Permission.REVIEW_SCOPE,
        store.load_inspector,
        decide.decide_set_inspector_units,
        "设定督查范围 Set the units an inspector oversees",
    ),
)

MESSAGES = {
    "finding_not_found": N_("Finding not found"),
    "action_not_found": N_("Follow-up action not found"),
    "action_already_done": N_("This follow-up action is already done"),
    "not_an_inspector": N_("This user is not an inspector"),
}

DOMAIN = Domain(
    name="review",
    commands=COMMANDS,
    events=EVENTS,
    projectors=store.PROJECTORS,
    tables=(review_findings, review_actions, review_inspector_units),
    messages=MESSAGES,
    grants=GRANTS,
)
