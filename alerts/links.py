"""The signed acknowledge link in a message: who, which alert, until when — and nothing to forge.

A token is `alert.person.via.expires.signature` (HMAC-SHA256 under the console's secret key). Single use
is not the token's business: the console refuses a second acknowledgement of the same page.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_PART = re.compile(r"^[A-Za-z0-9_\-]{1,100}$")


@dataclass(frozen=True)
class LinkClaim:
    """What a valid token says."""

    alert_id: str
    person_id: str
    via: str  # the channel kind the message carrying the link went through
    expires: datetime


class LinkRefused(ValueError):
    """The token is forged, malformed or expired; `code` says which."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _sign(key: str, material: str) -> str:
    mac = hmac.new(key.encode("utf-8"), material.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:18]).decode("ascii")


def _person_part(person_id: str) -> str:
    return base64.urlsafe_b64encode(person_id.encode("utf-8")).decode("ascii").rstrip("=")


def make_token(key: str, alert_id: str, person_id: str, via: str, now: datetime, valid: timedelta) -> str:
    """A token acknowledging `alert_id` for `person_id` (sent by `via`) until now + valid."""
    expires = int((now + valid).timestamp())
    material = f"{alert_id}.{_person_part(person_id)}.{via}.{expires}"
    return f"{material}.{_sign(key, material)}"


def read_token(key: str, token: str, now: datetime) -> LinkClaim:
    """The claim of a genuine, unexpired token; LinkRefused otherwise."""
    parts = token.split(".")
    if len(parts) != 5 or not all(_PART.match(p) for p in parts):
        raise LinkRefused("link_invalid")
    alert_id, person_part, via, expires_text, signature = parts
    material = f"{alert_id}.{person_part}.{via}.{expires_text}"
    if not hmac.compare_digest(_sign(key, material), signature) or not expires_text.isdigit():
        raise LinkRefused("link_invalid")
    expires = datetime.fromtimestamp(int(expires_text), UTC)
    if now >= expires:
        raise LinkRefused("link_expired")
    person_id = base64.urlsafe_b64decode(person_part + "=" * (-len(person_part) % 4)).decode("utf-8")
    return LinkClaim(alert_id=alert_id, person_id=person_id, via=via, expires=expires)
