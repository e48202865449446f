"""The export-controls page and its JSON API (issue 28): pasted and uploaded shipment
lines screened for CHPL goods, listed parties and route alerts, in English and Korean."""

from __future__ import annotations

import csv
import html
import io
import re
from typing import Any

from tests.web.workspace import Browser
from watchkeeper.exports.cells import original
from watchkeeper.settings import Settings

LINES = "\n".join(
    [
        "Микросхемы памяти; ; Kazakhstan; Alfa Trading LLC",
        "集成电路; 8542.39",
        "tantalum capacitors; 8532.22; AE",
        "oak dining table; 9403.60; France; ; Transmorflot LLC",
        "=HYPERLINK(1); 8482.10; RU",
    ]
)


def test_pasted_lines_are_flagged_with_words_rules_routes_and_parties(shared: Settings) -> None:
    browser = Browser(shared, "analyst")
    page: Any = browser.get("/goods")
    assert page.status_code == 200 and "Export controls" in page.text
    answer: Any = browser.post("/goods", {"text": LINES})
    assert answer.status_code == 200, answer.text[:300]
    text = answer.text
    assert "<mark>микросхемы памяти</mark>" in text and "HS 8542.32" in text
    assert "<mark>集成电路</mark>" in text
    assert "HS code and description disagree" in text and "off the list" in text
    assert "FinCEN and BIS joint alert" in text and "restricted destination" in text
    assert "consignee: Transmorflot LLC ~" in text and "TRANSMORFLOT" in text
    assert "&lt;" not in text.split("=HYPERLINK")[0][-5:]  # shown as text, escaped by Jinja
    download: Any = browser.post("/goods", {"text": LINES, "output": "csv"})
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert [r["chpl_tier"] for r in rows] == ["1", "1", "2", "", "3.B"]
    assert (
        rows[4]["description"] == "'=HYPERLINK(1)"
        and original(rows[4]["description"]) == "=HYPERLINK(1)"
    )


def test_the_page_speaks_korean(shared: Settings) -> None:
    browser = Browser(shared, "analyst")
    answer: Any = browser.post("/goods", {"text": LINES}, headers={"accept-language": "ko"})
    text = answer.text
    assert "수출통제" in text and "일치한 단어" in text and "CHPL 1등급" in text


def test_bad_rows_are_listed_and_the_rest_screened(shared: Settings) -> None:
    browser = Browser(shared, "analyst")
    upload = b"id;description;hs_code\nu1;ball bearings;8482.10\nu2;x;y;z\n;no id;8542\n"
    answer: Any = browser.client.post(
        "/goods",
        data={"csrf_token": browser.csrf},
        files={"upload": ("lines.csv", upload, "text/csv")},
        headers={"accept": "text/html"},
    )
    assert answer.status_code == 200
    assert "lines.csv, line 3 (u2): 4 cells where the header has 3" in answer.text
    assert "lines.csv, line 4 (): empty id" in answer.text
    assert 'data-line-id="u1"' in answer.text


def test_the_api_answers_as_json(shared: Settings) -> None:
    browser = Browser(shared, "analyst")
    body = {
        "lines": [
            {"id": "a1", "description": "집적회로", "destination": "UAE"},
            {"id": "a2", "description": "fish", "hs_code": "0303.89", "vessel": "ANGARA"},
        ]
    }
    answer: Any = browser.client.post(
        "/api/goods/screen", json=body, headers={"x-csrf-token": browser.csrf}
    )
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["data_version"].startswith("chpl 2024-02-23")
    first, second = data["results"]
    assert first["goods"]["hs6"] == "854239" and first["goods"]["matched_words"] == ["집적회로"]
    assert first["routes"][0]["alert"] == "fincen-bis-2022-06"
    assert second["goods"]["chpl_tier"] is None
    assert any("OFAC:" in i for p in second["parties"] for i in p["list_ids"])
    too_many = {"lines": [{"id": str(i), "description": "x"} for i in range(2001)]}
    refused: Any = browser.client.post(
        "/api/goods/screen", json=too_many, headers={"x-csrf-token": browser.csrf}
    )
    assert refused.status_code == 422


def test_an_analyst_clears_a_line_and_the_next_screening_shows_it(fresh: Settings) -> None:
    browser = Browser(fresh, "analyst")
    page: Any = browser.post("/goods", {"text": "tantalum capacitors; 8532.22; AE"})
    record = html.unescape(re.search(r'name="line" value="([^"]+)"', page.text).group(1))  # type: ignore[union-attr]
    done: Any = browser.post(
        "/goods/decide", {"line": record, "decision": "clear", "reason": "licence GB-1"}
    )
    assert (
        done.status_code == 200 and "licence GB-1" in done.text and "chpl 2024-02-23" in done.text
    )
    again: Any = browser.post("/goods", {"text": "tantalum capacitors; 8532.22; AE"})
    assert "licence GB-1 (same line, same data)" in again.text
    other: Any = browser.post("/goods", {"text": "tantalum capacitors; 8532.21; AE"})
    assert "licence GB-1 (another line with this id)" in other.text
    refused: Any = browser.post(
        "/goods/decide", {"line": record, "decision": "clear", "reason": ""}
    )
    assert refused.status_code == 400
    viewer = Browser(fresh, "viewer")
    assert (
        viewer.post(
            "/goods/decide", {"line": record, "decision": "clear", "reason": "x"}
        ).status_code
        == 403
    )  # type: ignore[attr-defined]
