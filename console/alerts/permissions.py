"""Who may do what with alerts."""

from __future__ import annotations

from enum import StrEnum

from ..roles import Role


class Permission(StrEnum):
    CHANNELS_SET = "alert.channels_set"  # set anyone's channels (admins; people set their own)
    ACKNOWLEDGE = "alert.acknowledge"  # acknowledge one's own page
    INTERNAL = "alert.internal"  # the console's own worker, timers and signed links
    DELIVERY_LOG = "alert.delivery_log"  # read the delivery log of incidents
    RESEND = "alert.resend"  # send a failed page again by hand (重新发送)


# Everyone who acts may set their own channels and acknowledge their own pages; the inspector only reads.
_ACTING = frozenset(Role) - {Role.INSPECTOR}
GRANTS: dict[str, frozenset[Role]] = {
    Permission.CHANNELS_SET: _ACTING,
    Permission.ACKNOWLEDGE: _ACTING,
    Permission.INTERNAL: frozenset({Role.DUTY_OFFICER}),
    Permission.DELIVERY_LOG: frozenset({Role.DUTY_OFFICER, Role.LEADER, Role.REVIEWER, Role.ADMIN}),
    # The duty officer sees the failure on the log and phones or fixes the channel; the admin fixes bots.
    Permission.RESEND: frozenset({Role.DUTY_OFFICER, Role.ADMIN}),
}
