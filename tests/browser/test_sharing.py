"""The Sharing page in a real browser (issue 23, item 7): the partners' matrix, a preview
of what would go to Japan's ministry of the exercise's notes (and what stays home, and
why), the release after a confirmation (downloaded, the same SHA-256 as the log says),
the log, "Share with…" from an entity page, and a partner's analyst who does not see the
releasing organisation's log. axe-core checks each page."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from tests.browser.conftest import Outside
from tests.browser.test_workbench import TIMEOUT, _axe, shot
from tests.web.workspace import PASSWORD


def log_in(browser: Any, server: str, username: str) -> tuple[Any, Any, Outside]:
    context = browser.new_context(
        bypass_csp=True, locale="en-GB", viewport={"width": 1360, "height": 900}
    )
    context.set_default_timeout(TIMEOUT)
    outside = Outside(server)
    context.route("**/*", outside)
    page = context.new_page()
    page.goto(server + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(server + "/")
    return context, page, outside


def test_preview_confirm_release_and_log(browser: Any, server: str, artifacts: Path) -> None:
    context, page, outside = log_in(browser, server, "analyst")
    violations: dict[str, list[str]] = {}

    # the page, from the navigation: partners, and which markings reach them
    page.get_by_role("link", name="Sharing", exact=True).first.click()
    page.get_by_role("heading", name="Partners and their audiences").wait_for()
    matrix = page.locator("#audiences").inner_text()
    for org in ("au-dfat", "de-aa", "jp-mofa", "kr-mofa", "nato", "us-dos"):
        assert org in matrix, org
    violations["/sharing"] = _axe(page)
    shot(page, artifacts, "s1-sharing-partners")

    # a preview: what of the exercise would go to jp-mofa
    page.select_option("#s-to", "jp-mofa")
    page.fill("#s-dataset", "wk_sharing_exercise")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_url("**/sharing?*to=jp-mofa*")
    said = " ".join(page.locator("#preview-summary").inner_text().split())
    assert said.startswith("3 objects (15 values) would go to jp-mofa (JPN); 10 values stay home.")
    withheld = page.locator("#withheld").inner_text()
    assert "TLP:RED" in withheld and "REL TO KOR,USA" in withheld
    assert "the partner's country is not among the countries named" in withheld
    released = page.locator("#released").inner_text()
    assert "AMBER+STRICT" in released and "TLP:CLEAR" in released
    violations["/sharing (preview)"] = _axe(page)
    shot(page, artifacts, "s2-sharing-preview-jp")

    # the release: confirmed, downloaded, logged
    page.get_by_role("link", name="Release…").click()
    page.get_by_role("heading", name="Confirm the release").wait_for()
    violations["/sharing/confirm"] = _axe(page)
    shot(page, artifacts, "s3-sharing-confirm")
    page.check("#f-confirm")
    with page.expect_download() as download:
        page.get_by_role("button", name="Release and download").click()
    data = Path(download.value.path()).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    bundle = json.loads(data)
    assert bundle["type"] == "bundle"
    names = " ".join(str(o.get("name", "")) for o in bundle["objects"])
    assert "freight forwarder" not in names and "fuel off Nampo" not in names
    page.goto(server + "/sharing")
    log = page.locator("#release-log").inner_text()
    assert "jp-mofa" in log and "analyst" in log and digest[:16] in log
    shot(page, artifacts, "s4-sharing-log")

    # "Share with…" from an entity page leads to the preview for that entity
    page.goto(server + "/entity/wk-vessel-angara")
    page.get_by_role("link", name="Share with…").click()
    page.wait_for_url("**/sharing?entity=wk-vessel-angara*")
    assert page.input_value("#s-entity") == "wk-vessel-angara"
    page.select_option("#s-to", "kr-mofa")
    page.get_by_role("button", name="Preview").click()
    page.locator("#preview-summary").wait_for()
    assert "ANGARA" in page.locator("#released").inner_text()
    violations["/sharing (entity preview)"] = _axe(page)
    context.close()
    assert outside.seen == [], f"requests for other hosts: {outside.seen[:5]}"

    # the partner's analyst: its own (empty) log, nothing of ours
    context, page, outside = log_in(browser, server, "kr-liaison")
    page.goto(server + "/sharing")
    assert digest[:16] not in page.content()
    assert "Nothing released yet." in page.locator("#release-log").inner_text()
    matrix = page.locator("#audiences").inner_text()
    assert "NIGHTJAR" not in page.content() and "REL TO USA" not in matrix
    violations["/sharing (partner)"] = _axe(page)
    shot(page, artifacts, "s5-sharing-partner")
    context.close()
    assert outside.seen == [], f"requests for other hosts: {outside.seen[:5]}"
    assert {p: v for p, v in violations.items() if v} == {}
