"""Who may do what: the spine's permissions, the views of the live stream, and what routes may need.

Each domain grants its own permissions to roles (`Domain.grants`); the registry holds the whole table
that every HTTP route, command and live frame is checked against (Registry.allowed). A few permissions
also need assignment to the incident (confidential.reveal), which the deciding code checks.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from .roles import Role


class Permission(StrEnum):
    """The spine's own permissions; each domain declares its own in its `Domain.grants`."""

    BOARD_VIEW = "board.view"  # the board, incidents, timelines, the live stream
    USERS_VIEW = "users.view"  # the people picker
    AUDIT_STREAM = "audit.view"  # audit events (who looked at what) in the live stream
    TOKENS_MANAGE = "tokens.manage"  # list and revoke the API tokens of integrations


_ALL = frozenset(Role)

GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.BOARD_VIEW: _ALL,
    Permission.USERS_VIEW: frozenset({Role.DUTY_OFFICER, Role.LEADER, Role.ADMIN}),
    Permission.AUDIT_STREAM: frozenset({Role.REVIEWER, Role.ADMIN}),
    Permission.TOKENS_MANAGE: frozenset({Role.ADMIN}),
}


def view_of(roles: Iterable[str]) -> str:
    """The visibility view of a user: clients of one view share every frame."""
    return "staff+audit" if frozenset(roles) & GRANTS[Permission.AUDIT_STREAM] else "staff"


def visible_classes(view: str) -> frozenset[str]:
    """The event visibility classes a view may receive."""
    return frozenset({"all", "audit"}) if view == "staff+audit" else frozenset({"all"})


# What an HTTP route needs besides a permission (console.web.app.ROUTE_ACCESS lists every route):
# PUBLIC (anyone) or SIGNED_IN (any role).
PUBLIC = "public"
SIGNED_IN = "signed_in"
