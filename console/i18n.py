"""Translated user-facing text: Babel catalogs under console/locale/, zh-CN first, English second.

Source strings (msgids) are English and marked with `N_` or `_` so `pybabel extract` finds them
(babel.cfg, scripts/i18n); console/locale/zh_CN/LC_MESSAGES/messages.po translates them. Catalogs are
read from the .po files at first use and compiled in memory, so nothing generated is committed.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
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


# code -> English source text. Messages never carry confidential values; params are field names and
# numbers. A new code needs its zh_CN translation in messages.po (tests/browser/test_catalogs.py checks).
MESSAGES: dict[str, str] = {
    "invalid_frame": N_("Malformed message: {detail}"),
    "invalid_command": N_("Invalid command arguments: {detail}"),
    "unknown_command": N_("Unknown command: {name}"),
    "unauthenticated": N_("Please log in first"),
    "session_expired": N_("Your session has expired; please log in again"),
    "forbidden": N_("You are not allowed to do this"),
    "csrf_failed": N_("The page has expired; reload it and try again"),
    "not_found": N_("Not found"),
    "incident_not_found": N_("Incident not found"),
    "incident_closed": N_("This incident is closed and can no longer be changed"),
    "nothing_to_amend": N_("Nothing to amend"),
    "command_id_conflict": N_("This command id was already used by another user"),
    "occurred_in_future": N_("The time it happened cannot be in the future"),
    "login_failed": N_("Wrong user name or password"),
    "login_throttled": N_("Too many failed logins; try again in {seconds} seconds"),
    "hello_expected": N_("The first message must be hello"),
    "internal": N_("The server could not handle this; please try again"),
    "rate_limited": N_("Too many requests"),
    "user_not_found": N_("User not found"),
    "cannot_be_assigned": N_("Only duty officers, leaders and responders can be assigned to a matter"),
    "already_assigned": N_("This person is already assigned"),
    "not_assigned": N_("This person is not assigned"),
    "confidential_forbidden": N_(
        "Informant details and report content are for the people assigned to the matter only"
    ),
    # responders and dispatch (console.dispatch)
    "import_rejected": N_("Nothing was imported: {detail} row(s) have errors"),
    "nothing_to_import": N_("The file holds no rows"),
    "unit_not_found": N_("Unit not found"),
    "person_not_found": N_("Person not found"),
    "place_not_found": N_("Place not found"),
    "place_exists": N_("A place with this name already exists"),
    "roster_refused": N_("This roster change is not possible: {detail}"),
    "illegal_move": N_("This status change is not allowed: {detail}"),
    "not_a_responder": N_("Your account is not linked to a person in the organisation"),
    "on_behalf_forbidden": N_("Only the duty officer can record this for someone else"),
    "rollcall_not_found": N_("Roll call not found"),
    "rollcall_refused": N_("Roll call: {detail}"),
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


def translate(code: str, locale: str | None = None, **params: object) -> str:
    """The message for an error code in the given locale."""
    text = gettext_for(locale)(MESSAGES.get(code, MESSAGES["internal"]))
    try:
        return text.format(**params)
    except (KeyError, IndexError):
        return text
