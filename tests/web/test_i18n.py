"""Interface languages: every string of the interface has its Korean translation, and a
user can switch the interface to Korean."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from tests.web.workspace import Browser
from watchkeeper.settings import Settings
from watchkeeper.web import i18n

WEB = Path(i18n.__file__).parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def extracted() -> set[str]:
    with (WEB / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(WEB), method_map, options_map, keywords=KEYWORDS
    ):
        found.update([message] if isinstance(message, str) else [m for m in message if m])
    return found


def untranslated(messages: set[str], catalog: Any) -> list[str]:
    def done(message: str) -> bool:
        entry = catalog.get(message)
        return bool(entry is not None and entry.string and not entry.fuzzy)

    return sorted(m for m in messages if not done(m))


def korean() -> Any:
    with (WEB / "locale/ko/LC_MESSAGES/messages.po").open("rb") as fh:
        return read_po(fh, locale="ko")


def test_every_interface_string_is_translated_into_korean() -> None:
    messages = extracted()
    assert len(messages) > 150
    missing = untranslated(messages, korean())
    assert missing == [], f"{len(missing)} untranslated: {missing[:10]}"


def test_a_string_without_translation_is_caught() -> None:
    """The check above can fail: a new string, or one whose translation was emptied."""
    catalog = korean()
    new = untranslated({"Overview", "A string added to a template"}, catalog)
    assert new == ["A string added to a template"]
    catalog.get("Overview").string = ""
    assert untranslated({"Overview"}, catalog) == ["Overview"]


def test_switching_the_interface_to_korean(fresh: Settings) -> None:
    browser = Browser(fresh, "kr-liaison")
    english: Any = browser.get("/")
    assert '<html lang="en">' in english.text and ">Overview<" in english.text
    response: Any = browser.post("/language", {"lang": "ko", "next": "/timeline"})
    assert response.status_code == 303 and response.headers["location"] == "/timeline"
    korean: Any = browser.get("/")
    assert '<html lang="ko">' in korean.text
    assert ">개요<" in korean.text and "새 경보" in korean.text and "로그아웃" in korean.text
    # kept on the account: a new session comes back in Korean
    again: Any = Browser(fresh, "kr-liaison").get("/search")
    assert "검색" in again.text and '<html lang="ko">' in again.text
    # the browser's language decides before the user chooses
    first: Any = Browser(fresh, "viewer").get("/", headers={"accept-language": "ko-KR,ko;q=0.9"})
    assert ">개요<" in first.text
