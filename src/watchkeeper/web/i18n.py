"""Interface languages: English (the source strings) and Korean, through gettext catalogs.

The catalogs are Babel ``.po`` files under ``locale/`` (``messages.pot`` is extracted
from the templates and the Python code by ``pybabel extract -F babel.cfg``); they are read
when the app starts, so there is no compiled ``.mo`` to keep in step. A test fails when a
string of the interface has no Korean translation.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
LOCALES = ("en", "ko")
DEFAULT = "en"
NAMES = {"en": "English", "ko": "한국어"}


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return message


# Words the templates translate from data (roles, decisions), listed for extraction.
DATA_WORDS = (
    N_("viewer"),
    N_("analyst"),
    N_("admin"),
    N_("confirmed"),
    N_("dismissed"),
)


@cache
def translations(locale: str) -> NullTranslations:
    if locale == DEFAULT:
        return NullTranslations()
    po = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def negotiate(preferred: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The user's saved choice, else the cookie's, else the browser's first known language."""
    for choice in (preferred, cookie):
        if choice in LOCALES:
            return choice
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LOCALES:
            return code
    return DEFAULT


def gettext(locale: str, message: str) -> str:
    return translations(locale).gettext(message)
