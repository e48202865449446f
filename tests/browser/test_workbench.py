"""The workbench in a real browser, step by step, each step checked on the rendered page
and kept as a screenshot; axe-core on every page; a Korean partner's pages never show a
value released to the USA alone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import AXE, Outside
from tests.web.workspace import PASSWORD, SECRETS

# One browser and one server (session fixtures): the whole check is one test, so that
# pytest-xdist never splits it over two workers, each starting its own.
TIMEOUT = 30_000
CSV = b"id,name,schema\nb1,Angara,Vessel\nb2,Kim Jong-un,Person\n"


@pytest.fixture
def analyst(browser: Any, server: str, artifacts: Path) -> Iterator[tuple[Any, Outside]]:
    context = browser.new_context(locale="en-GB", viewport={"width": 1360, "height": 900})
    context.set_default_timeout(TIMEOUT)
    outside = Outside(server)
    context.route("**/*", outside)
    page = context.new_page()
    yield page, outside
    context.close()
    assert outside.seen == [], f"requests for other hosts: {outside.seen[:5]}"


def shot(page: Any, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def measure(page: Any, metrics: dict[str, Any], name: str) -> None:
    """Bytes transferred for the page and what it loaded, and its load timings (ms)."""
    metrics[name] = page.evaluate(
        """() => {
            const nav = performance.getEntriesByType('navigation')[0];
            const res = performance.getEntriesByType('resource');
            const bytes = res.reduce((n, r) => n + (r.transferSize || r.encodedBodySize || 0), 0)
                + (nav ? (nav.transferSize || nav.encodedBodySize || 0) : 0);
            return {
                transfer_bytes: bytes,
                resources: res.length + 1,
                dom_content_loaded_ms: nav ? Math.round(nav.domContentLoadedEventEnd) : null,
                load_ms: nav ? Math.round(nav.loadEventEnd) : null,
            };
        }"""
    )


def step_1_log_in(
    analyst: tuple[Any, Outside], server: str, artifacts: Path, metrics: dict[str, Any]
) -> None:
    page, _ = analyst
    page.goto(server + "/")
    assert page.url.startswith(server + "/login")
    shot(page, artifacts, "01-login")
    page.fill("#username", "analyst")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(server + "/")
    page.get_by_role("heading", name="Overview", exact=True).wait_for()
    page.locator("#sector-chart[data-loaded=true]").wait_for()
    page.locator("#overview-map[data-loaded=true]").wait_for()
    assert page.locator("#sector-chart svg").count() >= 1  # ECharts drew the chart
    assert page.locator("path.marker-positions").count() >= 1  # ANGARA's last position
    page.wait_for_load_state("networkidle")
    measure(page, metrics, "overview")
    shot(page, artifacts, "02-overview")


def step_2_search_in_hangul_finds_the_romanised_entity(
    analyst: tuple[Any, Outside], server: str, artifacts: Path, metrics: dict[str, Any]
) -> None:
    page, _ = analyst
    page.goto(server + "/search")
    page.fill("#q", "김정은")
    page.locator("#suggestions a", has_text="Kim Jong Un").wait_for()
    shot(page, artifacts, "03-suggest-hangul")
    page.press("#q", "Enter")
    page.wait_for_url("**/search?q=*")
    result = page.locator("li.result a", has_text="Kim Jong Un")
    result.wait_for()
    measure(page, metrics, "search")
    shot(page, artifacts, "04-search-hangul")


def step_3_open_an_entity(
    analyst: tuple[Any, Outside], server: str, artifacts: Path, metrics: dict[str, Any]
) -> None:
    page, _ = analyst
    page.locator("li.result a", has_text="Kim Jong Un").first.click()
    page.wait_for_url("**/entity/wk-person-kim-jong-un")
    page.get_by_role("heading", name="Kim Jong Un").wait_for()
    assert page.locator("table >> text=TLP:CLEAR").count() >= 1
    page.locator("#timeline[data-loaded=true]").wait_for()
    shot(page, artifacts, "05-entity-person")
    page.goto(server + "/entity/wk-vessel-angara")
    page.locator("#track-map[data-loaded=true]").wait_for()
    assert page.locator("path.line-track").count() >= 1
    assert page.locator("path.marker-alert").count() >= 1  # its alerts, on its track
    assert page.locator("text=OFAC:37059").count() >= 1
    page.wait_for_load_state("networkidle")
    measure(page, metrics, "entity-vessel")
    shot(page, artifacts, "06-entity-vessel-track")


def step_3b_expand_the_network_to_a_sanctioned_entity(
    analyst: tuple[Any, Outside], server: str, artifacts: Path, metrics: dict[str, Any]
) -> None:
    page, _ = analyst
    page.goto(server + "/entity/wk-company-mg-flot")
    page.get_by_role("link", name="Network", exact=True).first.click()
    page.wait_for_url("**/network/wk-company-mg-flot")
    graph = page.locator("#network-graph[data-loaded=true]")
    graph.wait_for()
    assert graph.get_attribute("data-nodes") == "2"  # the company and the ship it operates
    # a click on the ship (drawn by cytoscape) adds its neighbours: its sanctioned manager
    position = page.evaluate(
        "() => window.watchkeeperNetwork.getElementById('wk-vessel-maia-1').renderedPosition()"
    )
    box = graph.bounding_box()
    page.mouse.click(box["x"] + position["x"], box["y"] + position["y"])
    page.locator("#network-graph[data-expanded~='wk-vessel-maia-1']").wait_for()
    added = page.evaluate(
        """() => {
            const node = window.watchkeeperNetwork.getElementById('wk-company-transmorflot');
            return {present: node.nonempty(), sanctioned: node.hasClass('sanctioned')};
        }"""
    )
    assert added == {"present": True, "sanctioned": True}, added
    assert page.locator("#node-count").inner_text() == "3"
    assert page.locator("#nodes-table a", has_text="TRANSMORFLOT").count() == 1  # listed too
    assert page.locator("#paths a[href='/network/wk-company-transmorflot']").count() >= 1
    measure(page, metrics, "network")
    shot(page, artifacts, "06b-network-expanded")
    # PNG from cytoscape's own export, made in the browser
    with page.expect_download() as download:
        page.get_by_role("button", name="Download PNG").click()
    image = Path(download.value.path()).read_bytes()
    assert image.startswith(b"\x89PNG") and len(image) > 2000
    assert download.value.suggested_filename == "network-wk-company-mg-flot.png"
    (artifacts / "06c-network.png").write_bytes(image)
    # GraphML, from the server
    with page.expect_download() as download:
        page.get_by_role("link", name="Download GraphML").click()
    graphml = Path(download.value.path()).read_text()
    assert "<graphml" in graphml and "wk-vessel-maia-1" in graphml


def step_4_screen_a_csv_and_dismiss_a_hit(
    analyst: tuple[Any, Outside], server: str, artifacts: Path, metrics: dict[str, Any]
) -> None:
    page, _ = analyst
    page.goto(server + "/screening")
    page.set_input_files(
        "#upload", files=[{"name": "names.csv", "mimeType": "text/csv", "buffer": CSV}]
    )
    page.get_by_role("button", name="Screen", exact=True).click()
    hit = page.locator(".hit", has=page.locator("a[href='/entity/wk-vessel-angara']")).first
    hit.wait_for()
    measure(page, metrics, "screening-results")
    shot(page, artifacts, "07-screening-results")
    hit.locator("input[name=reason]").fill("another ship of that name")
    hit.get_by_role("button", name="Dismiss").click()
    decision = hit.locator(".decision")
    decision.wait_for()
    assert "dismissed" in decision.inner_text() and "another ship" in decision.inner_text()
    shot(page, artifacts, "08-screening-dismissed")


def step_5_see_a_maritime_alert_on_the_map(
    analyst: tuple[Any, Outside], server: str, artifacts: Path, metrics: dict[str, Any]
) -> None:
    page, _ = analyst
    page.goto(server + "/map")
    page.locator("#layers-map[data-loaded=true]").wait_for()
    alerts = page.locator("path.marker-alert")
    assert alerts.count() >= 1
    assert page.locator("path.marker-ports").count() >= 5
    alerts.first.click(force=True)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "SIMULATED" in popup.inner_text() or ":" in popup.inner_text()
    page.wait_for_load_state("networkidle")
    measure(page, metrics, "map")
    shot(page, artifacts, "09-map-alert")


def step_6_add_an_event_as_an_analyst_and_see_it_on_the_timeline(
    analyst: tuple[Any, Outside], server: str, artifacts: Path, metrics: dict[str, Any]
) -> None:
    page, _ = analyst
    page.goto(server + "/entry")
    form = page.locator("#event-form")
    form.locator("#ev-title").fill("Second shuttle ship joins the Rajin run")
    form.locator("#ev-date").fill("2025-07-14")
    form.locator("#ev-sector").select_option("shipping")
    form.locator("#ev-involved").fill("wk-vessel-angara")
    form.locator("#ev-summary").fill("Seen on commercial imagery by an analyst.")
    form.locator("#ev-tlp").select_option("GREEN")
    shot(page, artifacts, "10-entry-form")
    form.get_by_role("button", name="Add the event").click()
    page.get_by_role("heading", name="Second shuttle ship joins the Rajin run").wait_for()
    page.goto(server + "/timeline?sector=shipping")
    page.locator("#timeline[data-loaded=true]").wait_for()
    page.locator("table.events a", has_text="Second shuttle ship joins the Rajin run").wait_for()
    page.locator(".vis-item-content", has_text="Second shuttle ship").first.wait_for()
    measure(page, metrics, "timeline")
    shot(page, artifacts, "11-timeline-new-event")


def step_7_switch_the_interface_to_korean(
    analyst: tuple[Any, Outside], server: str, artifacts: Path
) -> None:
    page, _ = analyst
    page.goto(server + "/")
    page.select_option("#lang-select", "ko")
    page.get_by_role("button", name="Change language").click()
    page.get_by_role("heading", name="개요", exact=True).wait_for()
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.get_by_role("link", name="연대표").count() >= 1
    shot(page, artifacts, "12-korean")
    page.select_option("#lang-select", "en")
    page.get_by_role("button", name="언어 변경").click()
    page.get_by_role("heading", name="Overview", exact=True).wait_for()


def analyst_steps(
    analyst: tuple[Any, Outside], server: str, artifacts: Path, metrics: dict[str, Any]
) -> None:
    """The acceptance steps in order, on one page of one browser."""
    step_1_log_in(analyst, server, artifacts, metrics)
    step_2_search_in_hangul_finds_the_romanised_entity(analyst, server, artifacts, metrics)
    step_3_open_an_entity(analyst, server, artifacts, metrics)
    step_3b_expand_the_network_to_a_sanctioned_entity(analyst, server, artifacts, metrics)
    step_4_screen_a_csv_and_dismiss_a_hit(analyst, server, artifacts, metrics)
    step_5_see_a_maritime_alert_on_the_map(analyst, server, artifacts, metrics)
    step_6_add_an_event_as_an_analyst_and_see_it_on_the_timeline(
        analyst, server, artifacts, metrics
    )
    step_7_switch_the_interface_to_korean(analyst, server, artifacts)


PAGES = [
    "/",
    "/search?q=angara",
    "/entity/wk-vessel-angara",
    "/entity/wk-person-kim-jong-un",
    "/network/wk-company-mg-flot",
    "/resolve",
    "/dossier/wk-vessel-angara",
    "/timeline",
    "/map",
    "/screening",
    "/alerts",
    "/sources",
    "/entry",
    "/entry/entity/wk-vessel-angara",
    "/account",
    "/admin/users",
    "/admin/audit",
    "/sharing",
    "/sharing?to=us-dia&entity=wk-vessel-angara",
]


def check_accessibility(browser: Any, server: str, artifacts: Path) -> None:
    context = browser.new_context(bypass_csp=True, locale="en-GB")  # to inject axe-core
    context.set_default_timeout(TIMEOUT)
    outside = Outside(server)
    context.route("**/*", outside)
    page = context.new_page()
    page.goto(server + "/login")
    found: dict[str, list[str]] = {}
    found["/login"] = _axe(page)
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(server + "/")
    for path in PAGES:
        page.goto(server + path)
        page.wait_for_load_state("networkidle")
        found[path] = _axe(page)
    page.goto(server + "/screening")
    page.fill("#names", "Angara\nKim Jong Un")
    page.get_by_role("button", name="Screen", exact=True).click()
    page.locator(".hit").first.wait_for()
    found["/screening (results)"] = _axe(page)
    # the check can fail: a page with an unlabelled image and field is caught
    page.set_content('<html><body><img src="/static/favicon.svg"><input id="x"></body></html>')
    planted = _axe(page)
    context.close()
    assert any(v.startswith("image-alt") for v in planted), planted
    (artifacts / "axe.json").write_text(json.dumps(found, indent=2, ensure_ascii=False))
    assert outside.seen == []
    assert {p: v for p, v in found.items() if v} == {}


def _axe(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes'][0]['target']}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


KOREAN_PAGES = [
    "/",
    "/search?q=kim",
    "/search?q=NIGHTJAR",
    "/entity/wk-person-kim-jong-un",
    "/entity/wk-vessel-angara",
    "/network/wk-vessel-angara?hops=3&implied=true",
    "/dossier/wk-vessel-angara",
    "/resolve",
    "/timeline",
    "/map",
    "/alerts",
    "/sources",
    "/sharing",
    "/sharing?to=us-dia",
    "/sharing?to=jp-mofa&entity=wk-us-nightjar",
]


def check_korean_partner(browser: Any, server: str, artifacts: Path) -> None:
    context = browser.new_context(locale="ko-KR")
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    page.goto(server + "/login")
    page.fill("#username", "kr-viewer")
    page.fill("#password", PASSWORD)
    page.locator("form[action='/login'] button").click()
    page.wait_for_url(server + "/")
    for n, path in enumerate(KOREAN_PAGES):
        page.goto(server + path)
        page.wait_for_load_state("networkidle")
        shot(page, artifacts, f"kr-{n:02d}")
        rendered = page.inner_text("body") + page.content()
        typed = path.split("q=")[1] if "q=" in path else None
        if typed:
            rendered = rendered.replace(typed, "")
        for secret in SECRETS:
            assert secret not in rendered, (path, secret)
    page.goto(server + "/entity/wk-us-nightjar")
    assert "wk-us-nightjar" in page.inner_text("body")  # only the id it asked for
    assert "NIGHTJAR" not in page.inner_text("body")
    context.close()


def test_the_workbench_in_a_browser(
    analyst: tuple[Any, Outside],
    browser: Any,
    server: str,
    artifacts: Path,
    metrics: dict[str, Any],
) -> None:
    """The acceptance steps in order on one page; then axe-core on every page; then the
    Korean partner's rendered pages."""
    analyst_steps(analyst, server, artifacts, metrics)
    check_accessibility(browser, server, artifacts)
    check_korean_partner(browser, server, artifacts)
