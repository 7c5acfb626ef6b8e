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
    STAFF_PERSONAL = "staff.personal"  # staff's personal data (phone numbers) wherever it travels
    TOKENS_MANAGE = "tokens.manage"  # list and revoke the API tokens of integrations


_ALL = frozenset(Role)

GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.BOARD_VIEW: _ALL,
    Permission.USERS_VIEW: frozenset({Role.DUTY_OFFICER, Role.LEADER, Role.ADMIN}),
    Permission.AUDIT_STREAM: frozenset({Role.REVIEWER, Role.ADMIN}),
    # The desk that manages the organisation (and may export its people) reaches staff by phone;
    # responders, reviewers and inspectors see names and posts only.
    Permission.STAFF_PERSONAL: frozenset({Role.DUTY_OFFICER, Role.LEADER, Role.ADMIN}),
    Permission.TOKENS_MANAGE: frozenset({Role.ADMIN}),
}

# Visibility classes beyond "all" (console.events): whole events ("audit") or parts of payloads
# ("personal": EventPayload.public_data leaves them out for views without the class).
_CLASS_OF_PERMISSION = ((Permission.STAFF_PERSONAL, "personal"), (Permission.AUDIT_STREAM, "audit"))


def view_of(roles: Iterable[str]) -> str:
    """The visibility view of a user: clients of one view share every frame."""
    held = frozenset(roles)
    return "+".join(["staff", *(cls for p, cls in _CLASS_OF_PERMISSION if held & GRANTS[p])])


def visible_classes(view: str, declared: Iterable[str] = ()) -> frozenset[str]:
    """The visibility classes a view may receive (whole events, or the parts of payloads): the spine's,
    and those the domains declare (`declared`; console.registry.Registry.view_of builds such views)."""
    _staff, *extra = view.split("+")
    known = {cls for _p, cls in _CLASS_OF_PERMISSION} | set(declared)
    return frozenset({"all", *(cls for cls in extra if cls in known)})


def may_see(visibility: str, classes: frozenset[str]) -> bool:
    """Whether an event of this visibility ("audit", or "audit+recusal": every part) reaches these classes."""
    return all(part in classes for part in visibility.split("+"))


# What an HTTP route needs besides a permission (console.web.app.ROUTE_ACCESS lists every route):
# PUBLIC (anyone) or SIGNED_IN (any role).
PUBLIC = "public"
SIGNED_IN = "signed_in"
