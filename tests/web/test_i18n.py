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


def test_every_interface_string_is_translated_into_korean() -> None:
    messages = extracted()
    assert len(messages) > 150
    with (WEB / "locale/ko/LC_MESSAGES/messages.po").open("rb") as fh:
        catalog = read_po(fh, locale="ko")
    untranslated = sorted(
        m
        for m in messages
        if not catalog.get(m) or not catalog.get(m).string or catalog.get(m).fuzzy
    )
    assert untranslated == [], f"{len(untranslated)} untranslated: {untranslated[:10]}"


def test_a_string_missing_from_the_catalog_is_found(tmp_path: Path) -> None:
    """The check above can fail: a new string in a template is caught."""
    catalog_text = (WEB / "locale/ko/LC_MESSAGES/messages.po").read_text()
    assert 'msgid "Overview"' in catalog_text
    trimmed = catalog_text.replace('msgid "Overview"\nmsgstr "개요"', 'msgid "Overview"\nmsgstr ""')
    assert trimmed != catalog_text
    catalog = read_po(iter(trimmed.encode().splitlines(keepends=True)), locale="ko")  # type: ignore[arg-type]
    assert not catalog.get("Overview").string  # type: ignore[union-attr]
    assert "Overview" in extracted()


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
