"""The review domain as the spine sees it: findings and follow-up actions tracked until done.

Compliance, replay and the bundle are pure cores (`review`) over the log; this domain adds what the
reviewer writes. Nothing here follows alerts (issue 13) or reports (issue 14) yet: their rows join the
compliance table through `review.compliance` when those domains land.
"""

from __future__ import annotations

from ..commands import CommandSpec
from ..events import EventPayload
from ..i18n import N_
from ..registry import Domain, Projector
from . import config, decide, figures_decide, figures_store, involvement_store, live_scope, store
from .commands import AddAction, AddFinding, CompleteAction, SetInspectorUnits
from .events import EVENTS
from .figures_commands import ImportTargets, SetTargets
from .figures_events import EVENTS as FIGURE_EVENTS
from .figures_tables import review_fig_incidents, review_fig_responses, review_targets
from .permissions import GRANTS, Permission
from .tables import (
    review_actions,
    review_findings,
    review_inspector_units,
    review_involvement,
    review_log_index,
)

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
    CommandSpec(
        "review.set_targets",
        SetTargets,
        Permission.REVIEW_TARGETS,
        figures_store.load_targets,
        figures_decide.decide_set_targets,
        "设定年度目标 Set a unit's targets for a year (§25 目标管理)",
    ),
    CommandSpec(
        "review.import_targets",
        ImportTargets,
        Permission.REVIEW_TARGETS,
        figures_store.load_targets,
        figures_decide.decide_import_targets,
        "导入年度目标 Import a sheet of targets (CSV), all rows or none",
    ),
)

MESSAGES = {
    "finding_not_found": N_("Finding not found"),
    "action_not_found": N_("Follow-up action not found"),
    "action_already_done": N_("This follow-up action is already done"),
    "not_an_inspector": N_("This user is not an inspector"),
    "target_value_invalid": N_("This target does not fit its figure: {detail}"),
    "target_not_settable": N_("This figure takes no target: {detail}"),
    "invalid_period": N_("Not a period: a year is 2026, a quarter 2026-Q4, a month 2026-11"),
    "invalid_figure": N_("No such figure: {detail}"),
}


def _joined(
    *parts: dict[type[EventPayload], tuple[Projector, ...]],
) -> dict[type[EventPayload], tuple[Projector, ...]]:
    """The projectors of the review's parts: an event the figures and the involvement both follow
    runs both, in this order."""
    out: dict[type[EventPayload], tuple[Projector, ...]] = {}
    for part in parts:
        for cls, projectors in part.items():
            out[cls] = out.get(cls, ()) + projectors
    return out


DOMAIN = Domain(
    name="review",
    commands=COMMANDS,
    events=(*EVENTS, *FIGURE_EVENTS),
    projectors=_joined(store.PROJECTORS, figures_store.PROJECTORS, involvement_store.PROJECTORS),
    tables=(
        review_findings,
        review_actions,
        review_inspector_units,
        review_fig_incidents,
        review_fig_responses,
        review_targets,
        review_involvement,
        review_log_index,
    ),
    messages=MESSAGES,
    grants=GRANTS,
    # 督查范围 on the live stream: an inspector's screens hold the incidents of their units only.
    unit_of=live_scope.unit_of,
    narrow_snapshot=live_scope.narrow_snapshot,
    rescopes=live_scope.rescopes,
    rescoped_after=live_scope.rescoped_after,
    check_settings=config.check_settings,
    # Who the batch's events name, written once for the batch (console.review.involvement_store).
    batch_started=involvement_store.batch_started,
    batch_sealed=involvement_store.batch_sealed,
)
