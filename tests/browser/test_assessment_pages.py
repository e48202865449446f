"""The assessment in the workbench in a real browser (issue 24, finding 8): an analyst
reads the estimates, trackers and futures, makes a report and downloads it as HTML and
PDF, re-marks one of the organisation's estimates; axe-core on every assessment page;
a Korean partner's assessment pages, in Korean, never show what only the US may see.

The screenshots of the README (docs/screenshots/assess-*.png, 1280x800) are taken here
and written there when WATCHKEEPER_SCREENSHOTS is set; every run keeps them in
tests/browser/artifacts/."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Outside
from tests.browser.test_workbench import TIMEOUT, _axe
from tests.web.workspace import PASSWORD, SECRETS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}
PAGES = [
    "/assess",
    "/assess/estimates",
    "/assess/estimates?measure=artillery_rounds_supplied",
    "/assess/trackers",
    "/assess/futures",
    "/assess/items",
    "/reports",
]


def log_in(
    browser: Any, server: str, username: str, locale: str = "en-GB"
) -> tuple[Any, Any, Outside]:
    context = browser.new_context(locale=locale, viewport=VIEWPORT, bypass_csp=True)
    context.set_default_timeout(TIMEOUT)
    outside = Outside(server)
    context.route("**/*", outside)
    page = context.new_page()
    page.goto(server + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.locator("form[action='/login'] button").click()
    page.wait_for_url(server + "/")
    return context, page, outside


def picture(page: Any, artifacts: Path, name: str) -> None:
    """The visible window (1280x800), kept; and for the README when asked to. Taken once
    the fonts are in (Noto Sans KR comes in subsets, loaded as the text needs them)."""
    page.evaluate("() => document.fonts.ready.then(() => true)")
    page.wait_for_load_state("networkidle")
    page.evaluate("() => document.fonts.ready.then(() => true)")
    page.screenshot(path=str(artifacts / f"{name}.png"))
    if os.environ.get("WATCHKEEPER_SCREENSHOTS"):
        DOCS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS / f"{name}.png"))


@pytest.fixture
def analyst(browser: Any, server: str) -> Iterator[Any]:
    context, page, outside = log_in(browser, server, "analyst")
    yield page
    context.close()
    assert outside.seen == [], f"requests for other hosts: {outside.seen[:5]}"


def test_the_assessment_in_a_browser(
    browser: Any, server: str, artifacts: Path, analyst: Any
) -> None:
    page = analyst
    # the navigation leads there; the estimates of one quantity, side by side, charted
    page.get_by_role("link", name="Assessment", exact=True).first.click()
    page.wait_for_url(server + "/assess")
    page.get_by_role("heading", name="Assessment", exact=True).wait_for()
    page.locator("a", has_text="Artillery and rocket rounds supplied to Russia").first.click()
    page.wait_for_url("**/assess/estimates?measure=artillery_rounds_supplied")
    rows = page.locator("table.estimates tbody tr")
    assert rows.count() > 2
    chart = page.locator("#estimate-chart svg")
    assert chart.count() == 1 and chart.bounding_box()["width"] > 400  # drawn, not empty
    assert page.locator("#estimate-chart svg circle, #estimate-chart svg rect").count() > 2
    picture(page, artifacts, "assess-estimates")
    # the trackers
    page.get_by_role("link", name="Trackers", exact=True).click()
    page.locator("#sector-bars svg").wait_for()
    assert page.locator("table.capabilities tbody tr").count() >= 9
    picture(page, artifacts, "assess-trackers")
    # the futures: each step, the posterior over time, the ACH matrix
    page.get_by_role("link", name="Futures", exact=True).click()
    page.locator("#probability-chart svg polyline").first.wait_for()
    assert page.locator("table.steps tbody tr").count() > 3
    assert page.locator("table.ach tbody tr").count() > 3
    picture(page, artifacts, "assess-futures")
    page.locator("#ach-h").scroll_into_view_if_needed()
    picture(page, artifacts, "assess-ach")
    # a report of 2024 as HTML and PDF
    page.get_by_role("link", name="Reports", exact=True).first.click()
    page.fill("#r-period", "2024")
    page.get_by_role("button", name="Make the report").click()
    page.wait_for_url("**/reports?made=*")
    made = page.locator("tr.made")
    made.locator("a", has_text="PDF").wait_for(timeout=120_000)  # the page reloads itself
    picture(page, artifacts, "assess-reports")
    with page.expect_download() as download:
        made.get_by_role("link", name="HTML").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert download.value.suggested_filename == "report-local-2024.html"
    assert "<svg" in text and "References" in text
    with page.expect_download() as download:
        made.get_by_role("link", name="PDF").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    # re-mark one of the organisation's estimates, with a reason
    page.goto(server + "/assess/estimates?measure=containers_shipped")
    first = page.locator("table.estimates tbody tr").first
    row_id = first.get_attribute("id")
    first.get_by_role("link", name="Re-mark or retract").click()
    page.select_option("#it-tlp", "AMBER")
    page.fill("#it-rcp", "kr-mofa")
    page.fill("#it-reason", "the source asked for AMBER")
    picture(page, artifacts, "assess-remark")
    page.get_by_role("button", name="Re-mark", exact=True).click()
    page.wait_for_url("**/assess/items?mine=true")
    page.goto(server + "/assess/estimates?measure=containers_shipped")
    marking = page.locator(f"#{row_id} .marking").inner_text()
    assert marking.startswith("TLP:AMBER") and "ORIG local" in marking, marking


def test_the_assessment_pages_pass_axe_and_keep_the_partner_from_us_only_items(
    browser: Any, server: str, artifacts: Path
) -> None:
    context, page, outside = log_in(browser, server, "admin")
    found: dict[str, list[str]] = {}
    for path in [*PAGES, "/assess/item?ref=prior:downgrade"]:
        page.goto(server + path)
        page.wait_for_load_state("networkidle")
        found[path] = _axe(page)
    context.close()
    assert outside.seen == []
    (artifacts / "axe-assessment.json").write_text(json.dumps(found, indent=2))
    assert {p: v for p, v in found.items() if v} == {}
    # a Korean partner, in Korean: the US-only estimate and scenario never appear
    context, page, outside = log_in(browser, server, "kr-viewer", locale="ko-KR")
    for n, path in enumerate(PAGES):
        page.goto(server + path)
        page.wait_for_load_state("networkidle")
        rendered = page.inner_text("body") + page.content()
        for secret in (*SECRETS, "Pyongsecret collapse"):
            assert secret not in rendered, (path, secret)
        if path == "/assess/futures":
            page.get_by_role("heading", name="현재 확률").wait_for()
            picture(page, artifacts, "assess-futures-ko")
        page.screenshot(path=str(artifacts / f"assess-kr-{n:02d}.png"))
    assert page.locator("html").get_attribute("lang") == "ko"
    context.close()
    assert outside.seen == []
