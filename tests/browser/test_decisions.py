"""Screening decisions in a real browser (issue 25): screen pasted records with a birth
date and an IMO number, decide, re-screen the same name with another birth date (the hit
is raised), re-screen the same record (the earlier decision is shown), find the decision
on the decisions page and export it. axe-core checks the pages on the way."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from tests.browser.conftest import Outside
from tests.browser.test_workbench import TIMEOUT, _axe, shot
from tests.web.workspace import PASSWORD

KIM = "a[href='/entity/wk-person-kim-jong-un']"
ANGARA = "a[href='/entity/wk-vessel-angara']"


def screen(page: Any, server: str, names: str) -> None:
    page.goto(server + "/screening")
    page.fill("#names", names)
    page.get_by_role("button", name="Screen", exact=True).click()
    page.get_by_role("heading", name="Results").wait_for()


def test_decide_rescreen_and_export(browser: Any, server: str, artifacts: Path) -> None:
    # an organisation of its own (the US partner's analyst): no other test decides for it
    context = browser.new_context(
        bypass_csp=True, locale="en-GB", viewport={"width": 1360, "height": 900}
    )
    context.set_default_timeout(TIMEOUT)
    outside = Outside(server)
    context.route("**/*", outside)
    page = context.new_page()
    page.goto(server + "/login")
    page.fill("#username", "us-analyst")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(server + "/")
    violations: dict[str, list[str]] = {}

    # screen: a person with a birth date and a country, and a vessel by its IMO number
    screen(page, server, "Kim Jong Un; 1984-01-08; kp; ; CUST-77\nIMO 9179842")
    kim = page.locator(".hit", has=page.locator(KIM)).first
    kim.wait_for()
    card = kim.inner_text()
    assert "1984-01-08" in card and "DPRK3" in card and "OFAC:20157" in card
    assert "same birth date" in card
    angara = page.locator(".hit", has=page.locator(ANGARA)).first
    assert "same IMO 9179842" in angara.inner_text()
    shot(page, artifacts, "d1-screened-records")

    # decide
    kim.locator("input[name=reason]").fill("namesake: another passport")
    kim.get_by_role("button", name="Dismiss").click()
    kim.locator(".decision").wait_for()
    assert "namesake" in kim.locator(".decision").inner_text()
    violations["/screening (records)"] = _axe(page)

    # the same customer id with another birth date: another record, the hit raised
    screen(page, server, "Kim Jong Un; 1991-03-02; kp; ; CUST-77")
    raised = page.locator(".hit", has=page.locator(KIM)).first
    raised.wait_for()
    assert raised.get_by_role("button", name="Dismiss").count() == 1
    assert "another record with this id" in raised.inner_text()
    shot(page, artifacts, "d2-another-record-raised")

    # the same record again: the earlier decision is shown, with the option to reopen
    screen(page, server, "Kim Jong Un; 1984-01-08; kp; ; CUST-77")
    shown = page.locator(".hit", has=page.locator(KIM)).first
    note = shown.locator(".review").inner_text()
    assert "dismissed by us-analyst on" in note and "namesake: another passport" in note
    assert "(same record, candidate unchanged)" in note
    assert shown.get_by_role("button", name="Reopen").count() == 1
    assert shown.get_by_role("button", name="Dismiss").count() == 0
    shot(page, artifacts, "d3-decision-shown")

    # find it on the decisions page (from the navigation), filtered by the query text
    page.get_by_role("link", name="Decisions", exact=True).first.click()
    page.get_by_role("heading", name="Decisions", exact=True).wait_for()
    page.fill("#f-query", "CUST-77")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/screening/decisions?*query=CUST-77*")
    rows = page.locator("#decisions tbody tr")
    assert rows.count() == 1
    row = rows.first.inner_text()
    assert "CUST-77" in row and "Kim Jong Un" in row and "namesake" in row and "1984-01-08" in row
    violations["/screening/decisions"] = _axe(page)
    shot(page, artifacts, "d4-decisions-page")

    # export it, as CSV and as JSON
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    exported = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert [(r["query_id"], r["entity_id"], r["decision"]) for r in exported] == [
        ("CUST-77", "wk-person-kim-jong-un", "dismissed")
    ]
    assert exported[0]["release"] and exported[0]["record_hash"] and exported[0]["score"]
    with page.expect_download() as download:
        page.get_by_role("link", name="Export JSON").click()
    data = json.loads(Path(download.value.path()).read_text())["decisions"]
    assert data[0]["reason"] == "namesake: another passport"

    context.close()
    assert outside.seen == [], f"requests for other hosts: {outside.seen[:5]}"
    assert {p: v for p, v in violations.items() if v} == {}
