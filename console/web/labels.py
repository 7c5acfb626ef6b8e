"""The UI's vocabulary: labels of types, channels, outcomes, places and fields, and the live client's texts.

Every string is English source text marked for extraction (`N_`); pages translate them per request with
the locale's catalog (console.i18n), so the browser gets text in the user's language and holds none.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from playbooks.model import Playbook
from responders.movement import MovementKind

from ..i18n import N_

# incident type -> (short label for the board, full label)
INCIDENT_TYPES: dict[str, tuple[str, str]] = {
    "collective_visit": (N_("Collective visit"), N_("Collective visit")),  # 集体访
    "cross_level_visit": (N_("Cross-level visit"), N_("Cross-level collective visit")),  # 越级集体访
    "sit_in": (
        N_("Sit-in / blockade"),
        N_("Sit-in, blockade, storming a gate or stopping a leader's car"),
    ),
    "violence": (N_("Violence / danger"), N_("Violence, threatened suicide or dangerous items")),
    "screening": (N_("Screening"), N_("Screening before a holiday or major event")),  # 节前排查
    "repeat_petitioner": (N_("Repeat petitioner"), N_("A repeat petitioner arrives")),  # 信访老户
    "other": (N_("Other"), N_("Other")),
}

CHANNELS: dict[str, str] = {
    "walk_in": N_("Walk-in"),  # 来访
    "phone": N_("Phone call"),  # 来电
    "letter": N_("Letter"),  # 来信
    "web": N_("Online"),  # 网络
    "assigned_from_above": N_("Assigned from above"),  # 上级交办
    "early_warning": N_("Early warning"),  # 预警信息
}

OUTCOMES: dict[str, str] = {
    "resolved": N_("Resolved"),  # 已化解
    "dispersed": N_("Persuaded to leave"),  # 已劝离
    "sent_up": N_("Reported upward"),  # 已上报
    "transferred": N_("Transferred"),  # 已移交
    "other": N_("Other"),
}

# The named places of the county seat, stored by their Chinese name whatever the UI language, each with
# the kind of place the playbooks grade by (PLACE_TYPES): picking 机关大门 makes the gate steps apply.
PLACES: list[tuple[str, str, str]] = [
    ("接待大厅", N_("Reception hall"), "reception_hall"),
    ("机关大门", N_("Main gate"), "party_gov_gate"),
    ("县委大院", N_("County Party Committee compound"), "party_gov_gate"),
    ("县政府大院", N_("County Government compound"), "party_gov_gate"),
    ("信访局接待室", N_("Petition Bureau reception room"), "reception_hall"),
    ("乡镇办公室", N_("Township office"), "township_office"),
]

# Facts an amendment may change.
FACTS: dict[str, str] = {
    "type": N_("Type"),
    "place": N_("Place"),
    "head_count": N_("Head count"),
    "summary": N_("Summary"),
    "channel": N_("Channel"),
}

# 举报人信息与举报内容 (seed §7)
CONFIDENTIAL_FIELDS: dict[str, str] = {
    "informant_name": N_("Informant's name"),
    "informant_id_number": N_("ID number"),
    "informant_phone": N_("Phone"),
    "informant_address": N_("Address"),
    "report_content": N_("Report content"),
    "real_name": N_("Real-name report"),
    "representatives": N_("Representatives"),  # 群众代表 (sealed by run.decide)
    "named_in_notes": N_("Names sealed from notes"),  # 组织者姓名 marked in timeline notes (incident.note)
}

ROLES: dict[str, str] = {
    "duty_officer": N_("Duty officer"),
    "leader": N_("Leader"),
    "responder": N_("Responder"),
    "reviewer": N_("Reviewer"),
    "inspector": N_("Inspector"),
    "admin": N_("Administrator"),
}

# What the live client shows; `{name}` parts are filled in by the browser.
CLIENT_TEXT: dict[str, str] = {
    "status_connecting": N_("Connecting…"),
    "status_live": N_("Live"),
    "status_down": N_("Connection lost, reconnecting…"),
    "status_offline": N_("Offline: actions wait here"),
    "pending": N_("{n} pending"),
    "pending_mark": N_("Waiting to be sent"),
    "not_sent": N_("Not carried out"),
    "dismiss": N_("Dismiss"),
    "queued": N_("Saved on this device; it is sent when the connection is back"),
    "registered": N_("Registered {number}"),
    "open_room": N_("Open the incident room"),
    "board_clock": N_("Now"),
    "board_new_incident": N_("New incident"),
    "board_new_overdue": N_("Overdue"),
    "on_scene_n": N_("{n} on scene"),
    "sent_n": N_("{n} sent"),
    "unacked_n": N_("{n} not acknowledged"),
    "nobody_sent": N_("nobody sent"),
    "no_match": N_("No incident matches the filters"),
    "sound_on": N_("Sound on"),
    "sound_off": N_("Sound off"),
    "night_mode": N_("Night mode"),
    "title_alarm": N_("[{text}] {title}"),
    "new_assignment": N_("New assignment"),
    "clear_confirm": N_("Tap again: I have finished and left"),
    "clear_hint": N_("Only when the work here is done: this ends the assignment."),
    "kept_offline": N_("No network: showing what was last received on this device"),
    "saved": N_("Done"),
    "open": N_("Open"),
    "closed": N_("Closed"),
    "drill": N_("Drill"),
    "just_now": N_("just now"),
    "minutes": N_("{m} min"),
    "seconds": N_("{s} s"),
    "unacked_just_sent": N_("just sent, not acknowledged yet"),
    "earlier_shift": N_("an earlier shift"),
    "dispatched": N_("Sent: {names}"),
    "rollcall_started": N_("Roll call started: everyone sent is asked to confirm"),
    "level_set": N_("Level set to {level}"),
    "closed_notice": N_("The incident is closed"),
    "close_overdue": N_("{n} steps are still overdue."),
    "close_no_final": N_("The final report has not been sent."),
    "close_confirm": N_("Close anyway"),
    "hours": N_("{h} h {m} min"),
    "days": N_("{d} d {h} h"),
    "no_open": N_("No open incidents"),
    "no_closed": N_("No closed incidents"),
    "people": N_("{n} people"),
    "ev_registered": N_("Registered: {type}, {place}, {n} people"),
    "ev_amended": N_("Facts amended: {changes}"),
    "ev_change": N_("{field}: {value}"),
    "ev_reason": N_("Reason: {reason}"),
    "ev_closed": N_("Closed: {outcome}"),
    "ev_confidential": N_("Confidential details recorded: {fields}"),
    "ev_assigned": N_("Assigned to the matter: {name}"),
    "ev_unassigned": N_("No longer assigned: {name}"),
    "ev_viewed": N_("Viewed the confidential details"),
    "ev_note": N_("Note"),
    "unknown_person": N_("Someone not listed"),
    "err_place": N_("Pick or type a place"),
    "err_head_count": N_("Enter a whole number from 0 to 100000"),
    "err_note": N_("Write the note first"),
    "err_nothing": N_("Nothing to amend"),
    "err_offline_secret": N_(
        "Confidential details are never stored on this device: send them when the connection is back"
    ),
    "err_network": N_("Cannot reach the server"),
    "err_pick_person": N_("Pick a person"),
    "yes": N_("Yes"),
    "no": N_("No"),
    "reveal": N_("Reveal"),
    "hide": N_("Hide"),
    "remove": N_("Remove"),
    "none": N_("None"),
    "earlier": N_("Earlier entries"),
    "list_separator": N_(", "),
    # playbook runs (预案执行)
    "run_done": N_("Done"),
    "run_skip": N_("Skip"),
    "run_decide": N_("Record the decision"),
    "run_note": N_("Note (optional)"),
    "run_reason": N_("Reason"),
    "run_representatives": N_("Representatives' names, separated by commas"),
    "run_due_in": N_("due in {time}"),
    "run_overdue_by": N_("overdue by {time}"),
    "run_overdue_n": N_("{n} overdue"),
    "run_due_soon_n": N_("{n} due soon"),
    "run_override": N_("Set the level"),
    "run_override_auto": N_("Back to the graded level"),
    "run_overridden": N_("set by a leader: {reason}"),
    "run_graded": N_("graded from the facts"),
    "run_file": N_("Mark as sent"),
    "run_regraded": N_("Level {from} → {to}, by {name}"),
    "run_regraded_proposed": N_("Level {from} → {to}: proposed by {proposer}, confirmed by {name}"),
    "run_proposal": N_("{name} proposes level {from} → {to}: waiting for the duty officer or a leader"),
    "run_confirm": N_("Confirm"),
    "run_decline": N_("Decline"),
    "run_dispatch": N_("Send people"),
    # Completing a step that records the higher level's instruction (log_request) or a date (plan).
    "run_given_deadline": N_("Deadline for {step} (as instructed)"),
    "run_date_event_date": N_("Date of the event"),
    "run_grade": N_("Event grade {grade}"),
    "err_date_required": N_("Enter {date}"),
    "err_reason": N_("Give the reason"),
    "err_option": N_("Pick an option"),
    "ev_step_completed": N_("Step done: {step}"),
    "ev_step_skipped": N_("Step skipped: {step} ({reason})"),
    "ev_decision": N_("Decision on {step}: {option}"),
    "ev_level": N_("Level set to {level}: {reason}"),
    "ev_facts": N_("Grading facts updated"),
    "ev_regraded": N_("Grading facts updated: level {from} → {to}"),
    "ev_proposed_by": N_("Proposed by {name}"),
    "ev_facts_proposed": N_("Grading facts proposed: level {from} → {to}, waiting for confirmation"),
    "ev_facts_declined": N_("Proposed grading facts declined"),
    "ev_report": N_("Report sent: {report}"),
    "ev_remind": N_("Reminder to {role}: {item} is overdue"),
    "ev_escalate": N_("Escalated to {role}: {item} is still overdue"),
    "ev_report_due": N_("Report due: {item}"),
    "ev_wait": N_("Time is up: {item}"),
    "drill_mark": N_("[Drill] "),
    "run_a_step": N_("a step"),
    "run_a_report": N_("a report"),
    "run_an_option": N_("an option"),
    "run_waits_for": N_("Waits for: {steps}"),
    "run_nothing_due": N_("Nothing due"),
    # A step the responders' moves completed (console.runs.follow), and 领导到位情况.
    "run_by_dispatch": N_("By the dispatch of {n} people"),
    "run_by_arrival": N_("By the arrival on scene at {time}"),
    "run_by_leader": N_("By {name}'s arrival on scene at {time}"),
    "leader_arrived": N_("{name}: on scene at {time}"),
    "leader_marked": N_("{name}: took command on site at {time}"),
    "leaders_none": N_("No leader on site yet"),
    "ev_moved": N_("{name}: {move}"),
    "ev_rollcall": N_("Roll call started"),
}

# The office's response tiers Ⅳ级响应 … Ⅰ级响应 (playbooks.facts.Level), not the event grade.
LEVELS: dict[str, str] = {
    "general": N_("Response tier IV"),
    "larger": N_("Response tier III"),
    "major": N_("Response tier II"),
    "extraordinary": N_("Response tier I"),
}
# The event's own grade 一般 Ⅳ … 特别重大 Ⅰ (playbooks.facts.EventGrade), stated in reports.
EVENT_GRADES: dict[str, str] = {
    "general": N_("General (IV)"),
    "larger": N_("Larger (III)"),
    "major": N_("Major (II)"),
    "extraordinary": N_("Extraordinary (I)"),
}

# Who owns a step on the scene (playbooks.model.ResponseRole).
RESPONSE_ROLES: dict[str, str] = {
    "field_commander": N_("Field commander"),  # 现场指挥
    "info_reporter": N_("Information reporter"),  # 信息报送
    "field_responder": N_("Field responder"),  # 现场处置
    "police_liaison": N_("Security and police liaison"),  # 安全保卫 / 公安联络
    "medical": N_("Medical"),  # 医疗救护
    "logistics": N_("Logistics"),  # 后勤保障
    "leader_in_charge": N_("Leader in charge"),  # 分管领导
    "commission_head": N_("Commission head"),  # 主要负责同志
    "duty_officer": N_("Duty officer"),  # 值班员
}

STEP_STATUSES: dict[str, str] = {
    "blocked": N_("Waiting"),
    "ready": N_("Open"),
    "due_soon": N_("Due soon"),
    "overdue": N_("Overdue"),
    "done": N_("Done"),
    "skipped": N_("Skipped"),
    "not_applicable": N_("Not applicable"),
    "waiting": N_("Waiting"),
}

# Grading facts of the register form (console.incidents.commands.GradingFacts).
PLACE_TYPES: dict[str, str] = {
    "other": N_("Other place"),
    "party_gov_gate": N_("Gate of a Party or government office"),  # 党政机关大门
    "reception_hall": N_("Reception hall"),
    "leader_car": N_("Where a leader's car is"),
    "public_place": N_("Public place"),
    "township_office": N_("Township office"),
}
GRADING_FLAGS: dict[str, str] = {
    "leader_car_involved": N_("A leader's car is stopped"),
    "dangerous_items": N_("Dangerous items or explosives"),
    "violence_or_self_harm": N_("Violence or self-harm threatened"),
    "sensitive_date": N_("Sensitive date or major event"),
    "cross_level": N_("Cross-level"),
    "to_beijing": N_("To Beijing"),  # 进京
    "requested_by_higher": N_("Requested by a higher level"),
    "repeat_petitioner": N_("Repeat petitioner"),
}
UNIT_LEVELS: dict[str, str] = {
    "county": N_("County unit"),
    "township": N_("Township unit (handles, never transfers)"),
}


def translated(gettext: Callable[[str], str]) -> dict[str, object]:
    """Everything the browser needs to speak the user's language, as one JSON-able mapping."""
    return {
        "text": {k: gettext(v) for k, v in CLIENT_TEXT.items()},
        "types": {k: [gettext(s), gettext(f)] for k, (s, f) in INCIDENT_TYPES.items()},
        "channels": {k: gettext(v) for k, v in CHANNELS.items()},
        "outcomes": {k: gettext(v) for k, v in OUTCOMES.items()},
        "facts": {k: gettext(v) for k, v in FACTS.items()},
        "confidential": {k: gettext(v) for k, v in CONFIDENTIAL_FIELDS.items()},
        "levels": {k: gettext(v) for k, v in LEVELS.items()},
        "event_grades": {k: gettext(v) for k, v in EVENT_GRADES.items()},
        "response_roles": {k: gettext(v) for k, v in RESPONSE_ROLES.items()},
        "step_statuses": {k: gettext(v) for k, v in STEP_STATUSES.items()},
    }


def playbook_titles(playbook: Playbook) -> dict[str, dict[str, dict[str, str]]]:
    """The playbook's step, report and option titles by id (zh and en), for the room's timeline."""
    steps, options = {}, {}
    for step in playbook.steps:
        steps[step.id] = {"zh": step.title.zh, "en": step.title.en}
        if step.decision is not None:
            for o in step.decision.all_options():
                options[o.id] = {"zh": o.title.zh, "en": o.title.en}
    reports = {r.id: {"zh": r.title.zh, "en": r.title.en} for r in playbook.reports}
    return {"steps": steps, "reports": reports, "options": options}


def movement_labels(locale: str | None) -> dict[str, str]:
    """What each responder move is called in the timeline (派遣, 到达现场, …)."""
    return {k.move.value: (k.label.en if locale == "en" else k.label.zh) for k in MovementKind}


def local_time(iso: str | None, timezone: str, locale: str | None, seconds: bool = False) -> str:
    """A UTC instant as the office reads it, local to the minute (12月2日 07:41 / 2 Dec 07:41), or to
    the second where events come seconds apart (the activity log)."""
    if not iso:
        return "—"
    try:
        at = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(ZoneInfo(timezone))
    except ValueError:
        return "—"
    clock = f"{at:%H:%M:%S}" if seconds else f"{at:%H:%M}"
    if locale == "en":
        return f"{at.day} {at.strftime('%b')} {clock}"
    return f"{at.month}月{at.day}日 {clock}"
