"""The export-controls page in a real browser (issue 28): paste shipment lines, read
the matched words, the rule, the mismatch, the route alert and the listed party; upload
a CSV with a bad row; download the flags. axe-core checks the page; then in Korean."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from tests.browser.conftest import Outside
from tests.browser.test_workbench import TIMEOUT, _axe, shot
from tests.web.workspace import PASSWORD

LINES = """Микросхемы памяти; ; Kazakhstan
集成电路; 8542.39
tantalum capacitors; 8532.22; AE
oak dining table; 9403.60; France; ; Transmorflot LLC
=HYPERLINK(1); 8482.10; RU"""


def test_screen_shipment_lines_in_the_browser(
    browser: Any, server: str, artifacts: Path, tmp_path: Path
) -> None:
    context = browser.new_context(
        bypass_csp=True, locale="en-GB", viewport={"width": 1360, "height": 900}
    )
    context.set_default_timeout(TIMEOUT)
    outside = Outside(server)
    context.route("**/*", outside)
    page = context.new_page()
    page.goto(server + "/login")
    page.fill("#username", "analyst")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(server + "/")
    violations: dict[str, list[str]] = {}

    page.get_by_role("link", name="Export controls", exact=True).first.click()
    page.get_by_role("heading", name="Export controls", exact=True).wait_for()
    page.fill("#goods-text", LINES)
    page.get_by_role("button", name="Screen", exact=True).click()
    page.get_by_role("heading", name="Results: 5 lines, 5 flagged").wait_for()
    rows = page.locator("tr.goods-line")
    assert rows.count() == 5
    first = rows.nth(0).inner_text()
    assert "микросхемы памяти" in first and "tier 1" in first and "8542.32" in first
    assert "diversion" in first
    assert page.locator("tr.goods-line mark").first.inner_text() == "микросхемы памяти"
    third = rows.nth(2).inner_text()
    assert "HS code and description disagree" in third and "tier 2" in third
    fourth = rows.nth(3).inner_text()
    assert "consignee: Transmorflot LLC" in fourth and "listed party" in fourth
    assert "=HYPERLINK(1)" in rows.nth(4).inner_text()
    violations["/goods"] = _axe(page)
    shot(page, artifacts, "g1-goods-screened")

    # clear the mismatched capacitors with a reason: the decision shows in place
    capacitors = rows.nth(2)
    capacitors.locator("input[name=reason]").fill("licence GB-2024-17 seen")
    capacitors.get_by_role("button", name="Clear").click()
    capacitors.locator(".decision").wait_for()
    assert "licence GB-2024-17 seen" in capacitors.locator(".decision").inner_text()

    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    flags = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert [r["chpl_tier"] for r in flags] == ["1", "1", "2", "", "3.B"]
    assert flags[4]["description"] == "'=HYPERLINK(1)"

    upload = tmp_path / "lines.csv"
    upload.write_bytes("\ufeffid;description;hs_code\nu1;볼 베어링;\nu2;a;b;c\n".encode())
    page.fill("#goods-text", "")
    page.set_input_files("#goods-upload", str(upload))
    page.get_by_role("button", name="Screen", exact=True).click()
    page.get_by_role("heading", name="Rows refused").wait_for()
    assert "line 3 (u2): 4 cells where the header has 3" in page.locator("main").inner_text()
    assert "볼베어링" in page.locator("tr.goods-line").first.inner_text()

    # the same page in Korean
    context.add_cookies([{"name": "wk_lang", "value": "ko", "url": server}])
    page.goto(server + "/goods")
    page.get_by_role("heading", name="수출통제", exact=True).wait_for()
    page.fill("#goods-text", LINES)
    page.get_by_role("button", name="검색 대조", exact=True).click()
    page.locator("tr.goods-line").first.wait_for()
    assert "일치한 단어" in page.locator("main").inner_text()
    violations["/goods (ko)"] = _axe(page)
    shot(page, artifacts, "g2-goods-korean")

    context.close()
    assert outside.seen == [], f"requests for other hosts: {outside.seen[:5]}"
    assert {p: v for p, v in violations.items() if v} == {}
