"""The UI's vocabulary: labels of types, channels, outcomes, places and fields, and the live client's texts.

Every string is English source text marked for extraction (`N_`); pages translate them per request with
the locale's catalog (console.i18n), so the browser gets text in the user's language and holds none.
"""

from __future__ import annotations

from collections.abc import Callable

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

# The named places of the county seat, stored by their Chinese name whatever the UI language.
PLACES: list[tuple[str, str]] = [
    ("接待大厅", N_("Reception hall")),
    ("机关大门", N_("Main gate")),
    ("县委大院", N_("County Party Committee compound")),
    ("县政府大院", N_("County Government compound")),
    ("信访局接待室", N_("Petition Bureau reception room")),
    ("乡镇办公室", N_("Township office")),
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
    "saved": N_("Done"),
    "open": N_("Open"),
    "closed": N_("Closed"),
    "drill": N_("Drill"),
    "just_now": N_("just now"),
    "minutes": N_("{m} min"),
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
    "list_separator": N_(", "),
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
    }
