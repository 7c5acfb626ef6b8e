"""Translated user-facing text: Babel catalogs under console/locale/, zh-CN first, English second.

Source strings (msgids) are English and marked with `N_` or `_` so `pybabel extract` finds them
(babel.cfg, scripts/i18n); console/locale/zh_CN/LC_MESSAGES/messages.po translates them. Catalogs are
read from the .po files at first use and compiled in memory, so nothing generated is committed.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable, Mapping
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

DEFAULT_LOCALE = "zh_CN"
LOCALES = ("zh_CN", "en")
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet (it is translated where it is shown)."""
    return message


# The spine's codes -> English source text; each domain declares its own in its `Domain.messages` and the
# registry merges them (Registry.messages). Messages never carry confidential values; params are field
# names and numbers. A new code needs its zh_CN translation in messages.po (tests/browser/test_catalogs.py).
MESSAGES: dict[str, str] = {
    "invalid_frame": N_("Malformed message: {detail}"),
    "invalid_command": N_("Invalid command arguments: {detail}"),
    "unknown_command": N_("Unknown command: {name}"),
    "unauthenticated": N_("Please log in first"),
    "session_expired": N_("Your session has expired; please log in again"),
    "forbidden": N_("You are not allowed to do this"),
    "csrf_failed": N_("The page has expired; reload it and try again"),
    "not_found": N_("Not found"),
    "command_id_conflict": N_("This command id was already used by another user"),
    "occurred_in_future": N_("The time it happened cannot be in the future"),
    "login_failed": N_("Wrong user name or password"),
    "login_throttled": N_("Too many failed logins; try again in {seconds} seconds"),
    "hello_expected": N_("The first message must be hello"),
    "internal": N_("The server could not handle this; please try again"),
    "server_busy": N_("The server could not reach its database just now; please try again shortly"),
    "rate_limited": N_("Too many requests"),
    "too_large": N_("The request is too large"),
    "unsupported_media_type": N_("Send the request as JSON (Content-Type: application/json)"),
    "method_not_allowed": N_("This address does not accept this method"),
    "token_not_found": N_("No such API token"),
    "too_many_connections": N_("Too many live connections for this user; close another window first"),
}


def normalise_locale(locale: str | None) -> str:
    """Map a requested locale (e.g. 'en-US', 'zh') to one the console has."""
    if not locale:
        return DEFAULT_LOCALE
    low = locale.replace("-", "_").lower()
    if low.startswith("en"):
        return "en"
    return DEFAULT_LOCALE


@cache
def catalog(locale: str) -> gettext.NullTranslations:
    """The translations of a locale, compiled in memory from its .po file (English needs none)."""
    path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as f:
        parsed = read_po(f, locale=locale, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, parsed)  # fuzzy entries are left out, as msgfmt would
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def gettext_for(locale: str | None) -> Callable[[str], str]:
    """The `_` of a locale: English source text in, the locale's text out."""
    return catalog(normalise_locale(locale)).gettext


def translate(code: str, locale: str | None, messages: Mapping[str, str], **params: object) -> str:
    """The message for an error code in the given locale, from the console's table of codes."""
    text = gettext_for(locale)(messages.get(code, MESSAGES["internal"]))
    try:
        return text.format(**params)
    except (KeyError, IndexError):
        return text
