"""Who may do what with alerts."""

from __future__ import annotations

from enum import StrEnum

from ..roles import Role


class Permission(StrEnum):
    CHANNELS_SET = "alert.channels_set"  # set anyone's channels (admins; people set their own)
    ACKNOWLEDGE = "alert.acknowledge"  # acknowledge one's own page
    INTERNAL = "alert.internal"  # the console's own worker, timers and signed links
    DELIVERY_LOG = "alert.delivery_log"  # read the delivery log of incidents


_ALL = frozenset(Role)
GRANTS: dict[str, frozenset[Role]] = {
    Permission.CHANNELS_SET: _ALL,
    Permission.ACKNOWLEDGE: _ALL,
    Permission.INTERNAL: frozenset({Role.DUTY_OFFICER}),
    Permission.DELIVERY_LOG: frozenset({Role.DUTY_OFFICER, Role.LEADER, Role.REVIEWER, Role.ADMIN}),
}
