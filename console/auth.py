"""Users, passwords (argon2), sessions and API tokens. Secrets are stored only as hashes."""

from __future__ import annotations

import hashlib
import math
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from .clock import parse_iso, utc_iso
from .commands import Actor
from .roles import parse_roles
from .settings import PASSWORD_PARALLELISM, Settings
from .tables import api_tokens, login_devices, login_failures, sessions, users


class Passwords:
    """argon2 hashing at the cost the settings name (a stored hash carries its own cost when verified)."""

    def __init__(self, *, time_cost: int, memory_kib: int) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=PASSWORD_PARALLELISM
        )
        # Verified against when the user does not exist, so a wrong name costs as long as a wrong password.
        self._dummy = self._hasher.hash("not-a-password")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """True if the password matches; with no stored hash (no such user) it costs as long, and fails."""
        try:
            return bool(self._hasher.verify(stored or self._dummy, password)) and stored is not None
        except (VerificationError, InvalidHashError):
            return False


@lru_cache(maxsize=8)
def _passwords(time_cost: int, memory_kib: int) -> Passwords:
    return Passwords(time_cost=time_cost, memory_kib=memory_kib)


def passwords(settings: Settings) -> Passwords:
    """The password hasher for these settings (one per cost, shared)."""
    return _passwords(settings.password_time_cost, settings.password_memory_kib)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class User:
    id: str
    username: str
    display_name: str
    roles: frozenset[str]

    @property
    def actor(self) -> Actor:
        return Actor(id=self.id, name=self.display_name, roles=self.roles)


def _user(row: object) -> User:
    r = row._mapping  # type: ignore[attr-defined]
    return User(r["id"], r["username"], r["display_name"], parse_roles(r["roles"]))


async def create_user(
    conn: AsyncConnection,
    *,
    username: str,
    password: str,
    display_name: str,
    roles: frozenset[str],
    now: datetime,
    passwords: Passwords,
) -> User:
    """Add a user (or fail if the name is taken)."""
    parse_roles(",".join(roles))
    user_id = uuid.uuid4().hex
    await conn.execute(
        insert(users).values(
            id=user_id,
            username=username,
            display_name=display_name,
            password_hash=passwords.hash(password),
            roles=",".join(sorted(roles)),
            active=True,
            created_at=utc_iso(now),
        )
    )
    return User(user_id, username, display_name, frozenset(roles))


async def find_user(conn: AsyncConnection, username: str) -> User | None:
    row = (await conn.execute(select(users).where(users.c.username == username))).first()
    return _user(row) if row else None


async def check_password(
    conn: AsyncConnection, username: str, password: str, passwords: Passwords
) -> User | None:
    """The user if the password is right and the account active; None otherwise."""
    row = (
        await conn.execute(select(users).where(users.c.username == username, users.c.active.is_(True)))
    ).first()
    if not passwords.verify(row.password_hash if row else None, password):
        return None
    return _user(row) if row else None


@dataclass(frozen=True)
class Session:
    token: str
    csrf: str
    user: User
    expires_at: datetime


async def open_session(conn: AsyncConnection, user: User, now: datetime, hours: float) -> Session:
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    expires = now + timedelta(hours=hours)
    await conn.execute(
        insert(sessions).values(
            token_hash=token_hash(token),
            user_id=user.id,
            csrf=csrf,
            created_at=utc_iso(now),
            expires_at=utc_iso(expires),
        )
    )
    return Session(token, csrf, user, expires)


async def find_session(conn: AsyncConnection, token: str, now: datetime) -> Session | None:
    """The live session behind a cookie value, or None if unknown, expired or the user is inactive."""
    row = (
        await conn.execute(
            select(sessions, users)
            .join(users, users.c.id == sessions.c.user_id)
            .where(sessions.c.token_hash == token_hash(token), users.c.active.is_(True))
        )
    ).first()
    if row is None:
        return None
    expires = parse_iso(row.expires_at)
    if expires <= now:
        return None
    return Session(token, row.csrf, _user(row), expires)


async def close_session(conn: AsyncConnection, token: str) -> str | None:
    """End a session; returns the user id it belonged to."""
    th = token_hash(token)
    user_id = await conn.scalar(select(sessions.c.user_id).where(sessions.c.token_hash == th))
    await conn.execute(delete(sessions).where(sessions.c.token_hash == th))
    return str(user_id) if user_id else None


async def create_token(conn: AsyncConnection, user: User, name: str, now: datetime) -> str:
    """A new API token for an integration; the plain value is shown once and never stored."""
    token = "ict_" + secrets.token_urlsafe(32)
    await conn.execute(
        insert(api_tokens).values(
            id=uuid.uuid4().hex,
            user_id=user.id,
            name=name,
            token_hash=token_hash(token),
            created_at=utc_iso(now),
        )
    )
    return token


@dataclass(frozen=True)
class TokenCaller:
    """The user behind an API token, and which token it was (sockets opened with it close on revoke)."""

    token_id: str
    user: User
    last_used_at: datetime | None


# How stale a token's "last used" may get before a request writes it again: one write a minute at most.
TOKEN_USE_RESOLUTION = timedelta(minutes=1)


async def find_token(conn: AsyncConnection, token: str) -> TokenCaller | None:
    """The live token behind a bearer value: not revoked, and its user still active."""
    row = (
        await conn.execute(
            select(users, api_tokens.c.id.label("token_id"), api_tokens.c.last_used_at)
            .join(api_tokens, api_tokens.c.user_id == users.c.id)
            .where(
                api_tokens.c.token_hash == token_hash(token),
                api_tokens.c.revoked_at.is_(None),
                users.c.active.is_(True),
            )
        )
    ).first()
    if row is None:
        return None
    used = parse_iso(row.last_used_at) if row.last_used_at else None
    return TokenCaller(row.token_id, _user(row), used)


def token_use_is_stale(found: TokenCaller, now: datetime) -> bool:
    """Whether this use should be written down (see TOKEN_USE_RESOLUTION)."""
    return found.last_used_at is None or now - found.last_used_at >= TOKEN_USE_RESOLUTION


async def record_token_use(conn: AsyncConnection, token_id: str, now: datetime) -> None:
    await conn.execute(
        update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=utc_iso(now))
    )


async def list_tokens(conn: AsyncConnection) -> list[dict[str, Any]]:
    """Every token, newest first: name, owner, created, last used, revoked (never the secret or its hash)."""
    query = (
        select(
            api_tokens.c.id,
            api_tokens.c.name,
            api_tokens.c.created_at,
            api_tokens.c.last_used_at,
            api_tokens.c.revoked_at,
            users.c.id.label("user_id"),
            users.c.username,
            users.c.display_name,
        )
        .join(users, users.c.id == api_tokens.c.user_id)
        .order_by(api_tokens.c.created_at.desc(), api_tokens.c.id)
    )
    return [
        {
            "id": r.id,
            "name": r.name,
            "owner": {"id": r.user_id, "username": r.username, "name": r.display_name},
            "created_at": r.created_at,
            "last_used_at": r.last_used_at,
            "revoked_at": r.revoked_at,
        }
        for r in (await conn.execute(query)).all()
    ]


async def revoke_token(conn: AsyncConnection, token_id: str, now: datetime) -> bool | None:
    """Revoke a token by its id: True if revoked now, False if it already was, None if there is none."""
    row = (await conn.execute(select(api_tokens.c.revoked_at).where(api_tokens.c.id == token_id))).first()
    if row is None:
        return None
    if row.revoked_at is not None:
        return False
    await conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(revoked_at=utc_iso(now)))
    return True


async def token_id_of(conn: AsyncConnection, token: str) -> str | None:
    """The id of a token given by its secret value (what `create-token` printed)."""
    found = await conn.scalar(select(api_tokens.c.id).where(api_tokens.c.token_hash == token_hash(token)))
    return str(found) if found else None


async def revoked_among(conn: AsyncConnection, token_ids: list[str]) -> set[str]:
    """Which of these tokens are revoked (or gone)."""
    if not token_ids:
        return set()
    live = await conn.scalars(
        select(api_tokens.c.id).where(api_tokens.c.id.in_(token_ids), api_tokens.c.revoked_at.is_(None))
    )
    return set(token_ids) - set(live)


# --- Login throttling (shared by every process: the failures are rows in the database) ---

DEVICE_COOKIE = "ic_device"
DEVICE_DAYS = 90


@dataclass(frozen=True)
class Limit:
    """Failures allowed in the window before any wait, then the wait, doubled with each further one."""

    free: int
    first: float
    most: float

    def wait(self, failures: int) -> float:
        if failures < self.free:
            return 0.0
        return float(min(self.first * 2 ** min(failures - self.free, 32), self.most))


@dataclass(frozen=True)
class ThrottleRules:
    """Who may try again when (docs/protocol.md, `login_throttled`). A key is counted on its own:

    - one user name from one address (`pair`): a guesser slows down fast;
    - one address whatever the names (`address`): guessing across many names from one machine;
    - one user's own device (`device`, the cookie of an earlier sign-in): only failures made *with*
      that cookie count, so nobody else, from any address, can keep its owner out.
    """

    window: float = 3600.0
    pair: Limit = Limit(free=5, first=15.0, most=900.0)
    address: Limit = Limit(free=20, first=60.0, most=900.0)
    device: Limit = Limit(free=5, first=15.0, most=900.0)

    def limit_of(self, key: str) -> Limit:
        kind = key.split(":", 1)[0]
        return {"pair": self.pair, "addr": self.address, "device": self.device}[kind]


THROTTLE = ThrottleRules()


def throttle_keys(username: str, address: str, device: str | None) -> list[str]:
    """What an attempt is counted against: its device if it comes with a known one, else name and address."""
    if device is not None:
        return [f"device:{device}"]
    return [f"pair:{username.lower()}|{address}", f"addr:{address}"]


def throttle_wait(failures: dict[str, tuple[int, float]], now: float, rules: ThrottleRules = THROTTLE) -> int:
    """Whole seconds until an attempt may be made, from each key's (failures in the window, latest)."""
    wait = 0.0
    for key, (count, latest) in failures.items():
        wait = max(wait, latest + rules.limit_of(key).wait(count) - now)
    return max(0, math.ceil(wait))


async def begin_attempt(
    conn: AsyncConnection, keys: list[str], now: float, rules: ThrottleRules = THROTTLE
) -> str:
    """Count an attempt as a failure until it succeeds (so attempts made in parallel, on any process,
    count against each other); returns its id. Failures older than the window are forgotten here."""
    attempt = uuid.uuid4().hex
    await conn.execute(delete(login_failures).where(login_failures.c.at < now - rules.window))
    await conn.execute(insert(login_failures), [{"attempt": attempt, "key": k, "at": now} for k in keys])
    return attempt


async def attempt_wait(
    conn: AsyncConnection, keys: list[str], attempt: str, now: float, rules: ThrottleRules = THROTTLE
) -> int:
    """Seconds this attempt must wait, counting every other failure in the window (its own excluded)."""
    rows = await conn.execute(
        select(login_failures.c.key, func.count(), func.max(login_failures.c.at))
        .where(
            login_failures.c.key.in_(keys),
            login_failures.c.at >= now - rules.window,
            login_failures.c.attempt != attempt,
        )
        .group_by(login_failures.c.key)
    )
    return throttle_wait({r[0]: (int(r[1]), float(r[2])) for r in rows}, now, rules)


async def forget_attempt(conn: AsyncConnection, attempt: str) -> None:
    """An attempt refused before its password was checked is no failure."""
    await conn.execute(delete(login_failures).where(login_failures.c.attempt == attempt))


async def attempt_succeeded(conn: AsyncConnection, attempt: str, keys: list[str]) -> None:
    """The right password: this name from this address (or this device) starts afresh; the address keeps
    its other failures, so one good account does not clear a guesser's record."""
    await forget_attempt(conn, attempt)
    mine = [k for k in keys if not k.startswith("addr:")]
    await conn.execute(delete(login_failures).where(login_failures.c.key.in_(mine)))


async def known_device(conn: AsyncConnection, token: str | None, username: str, now: datetime) -> str | None:
    """The hash of a device cookie this user signed in with in the last DEVICE_DAYS, else None."""
    if not token or len(token) > 100:
        return None
    th = token_hash(token)
    row = (
        await conn.execute(
            select(login_devices.c.used_at)
            .join(users, users.c.id == login_devices.c.user_id)
            .where(login_devices.c.token_hash == th, users.c.username == username)
        )
    ).first()
    if row is None or row.used_at < utc_iso(now - timedelta(days=DEVICE_DAYS)):
        return None
    return th


async def remember_device(conn: AsyncConnection, user: User, device: str | None, now: datetime) -> str | None:
    """After a sign-in: refresh the known device, or make this browser one; returns a new cookie value."""
    if device is not None:
        await conn.execute(
            update(login_devices).where(login_devices.c.token_hash == device).values(used_at=utc_iso(now))
        )
        return None
    token = secrets.token_urlsafe(32)
    await conn.execute(
        delete(login_devices).where(login_devices.c.used_at < utc_iso(now - timedelta(days=DEVICE_DAYS)))
    )
    await conn.execute(
        insert(login_devices).values(
            token_hash=token_hash(token), user_id=user.id, created_at=utc_iso(now), used_at=utc_iso(now)
        )
    )
    return token


async def active_users(conn: AsyncConnection) -> list[dict[str, Any]]:
    """Everyone who may sign in, by name: id, display name and roles (never a secret)."""
    query = select(users.c.id, users.c.display_name, users.c.roles).where(users.c.active.is_(True))
    rows = (await conn.execute(query.order_by(users.c.display_name))).all()
    return [{"id": r.id, "name": r.display_name, "roles": r.roles.split(",")} for r in rows]
