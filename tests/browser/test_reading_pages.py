"""Reading the pages in a real browser (issue 25, items 9-12 and 17): the maps tell port
calls, dark periods and alerts apart, with a legend, popups naming the event and a time
slider; a name is text in a map tooltip, never markup; the widgets speak the user's
language; every page fits a 1366 px laptop and a 390 px phone; the focus stays where the
user was after a decision; the entity page reads as names, with provenance.

These tests run their own server on their own copy of the workspace (they write: an
entity with a hostile name, screening decisions), so the acceptance walk in
test_workbench.py sees the workspace it expects. Screenshots go to tests/browser/artifacts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Outside, serving
from tests.web.workspace import PASSWORD

TIMEOUT = 30_000
HOSTILE = '<img src="/static/favicon.svg" class="planted">MV HOSTILE'
PAGES = [
    "/",
    "/search?q=angara",
    "/entity/wk-vessel-angara",
    "/entity/wk-person-kim-jong-un",
    "/entity/wk-company-m-leasing",
    "/network/wk-company-mg-flot",
    "/resolve",
    "/dossier/wk-vessel-angara",
    "/timeline",
    "/map",
    "/screening",
    "/alerts",
    "/alerts?severity=low&open=true",
    "/sources",
    "/entry",
    "/entry/entity/wk-vessel-angara",
    "/account",
    "/admin/users",
    "/admin/audit",
]


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory, namespace: str | None) -> Iterator[str]:
    """`watchkeeper serve` on a workspace of this module's own (as conftest's ``server``)."""
    with serving(tmp_path_factory, namespace, "reading") as base:
        yield base


def log_in(
    browser: Any, base: str, user: str, locale: str = "en-GB", width: int = 1366
) -> tuple[Any, Any, Outside]:
    context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
    context.set_default_timeout(TIMEOUT)
    outside = Outside(base)
    context.route("**/*", outside)
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.locator("form[action='/login'] button").click()
    page.wait_for_url(base + "/")
    return context, page, outside


def close(context: Any, outside: Outside) -> None:
    context.close()
    assert outside.seen == [], f"requests for other hosts: {outside.seen[:5]}"


def shot(page: Any, artifacts: Path, name: str, selector: str | None = None) -> None:
    page.wait_for_load_state("networkidle")  # the coastlines, fetched after the layers
    if selector:
        page.locator(selector).screenshot(path=str(artifacts / f"{name}.png"))
    else:
        page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def click_on(path: Any) -> None:
    """Click an SVG feature where it is drawn (halfway along its outline), so that Leaflet
    opens the popup there: a plain click lands on the middle of its bounding box, which
    for a line is often beside it."""
    path.evaluate(
        """el => {
            const p = el.getPointAtLength(el.getTotalLength() / 2), m = el.getScreenCTM();
            const x = p.x * m.a + p.y * m.c + m.e, y = p.x * m.b + p.y * m.d + m.f;
            el.dispatchEvent(new MouseEvent('click', {bubbles: true, clientX: x, clientY: y, view: window}));
        }"""
    )


def slide_to(page: Any, slider: str, value: int) -> None:
    page.eval_on_selector(
        slider,
        "(el, v) => { el.value = String(v); el.dispatchEvent(new Event('input')); }",
        value,
    )


# -- item 10: the maps --------------------------------------------------------------------


def test_the_map_tells_kinds_apart_with_a_legend_popups_and_a_time_slider(
    browser: Any, own_server: str, artifacts: Path
) -> None:
    context, page, outside = log_in(browser, own_server, "analyst")
    page.goto(own_server + "/map")
    page.locator("#layers-map[data-loaded=true]").wait_for()
    assert page.locator("path.marker-ports").count() >= 5
    assert page.locator("path.line-track").count() >= 1
    calls = page.locator("path.marker-port_call")
    assert calls.count() >= 1
    gaps = page.locator("path.line-gap")  # a dark period is the segment it was dark over
    assert gaps.count() >= 1
    assert page.locator("path.marker-alert").count() >= 1  # alerts still stand out
    # port calls and gaps are drawn differently, and not in the alerts' outline alone
    call_fill = calls.first.get_attribute("fill")
    gap_dash = gaps.first.get_attribute("stroke-dasharray")
    assert (
        call_fill
        and gap_dash
        and call_fill != page.locator("path.marker-ports").first.get_attribute("fill")
    )
    legend = page.locator(".map-legend")
    for kind in ("port", "track", "port_call", "gap", "alert"):
        assert legend.locator(f"li[data-kind='{kind}']").count() == 1, kind
    assert "Port call" in legend.inner_text() and "AIS gap" in legend.inner_text()
    click_on(calls.first)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "Port call" in popup.inner_text()
    assert popup.locator("a", has_text="[SIMULATED] Port call: ANGARA").count() == 1
    shot(page, artifacts, "reading-01-map")
    # the time slider: back to the start, the events after it are hidden and the track
    # is cut; all the way, everything is back
    slider = "#layers-map-time"
    page.locator(slider).wait_for()
    assert page.get_by_label("Show what happened up to").count() == 1
    everything = int(page.locator("#layers-map").get_attribute("data-shown") or 0)
    slide_to(page, slider, 0)
    early = int(page.locator("#layers-map").get_attribute("data-shown") or 0)
    assert early < everything
    hidden = page.eval_on_selector_all(
        "path.marker-port_call", "els => els.filter(e => e.style.display === 'none').length"
    )
    assert hidden >= 1
    shot(page, artifacts, "reading-02-map-early")
    slide_to(page, slider, 1000)
    assert int(page.locator("#layers-map").get_attribute("data-shown") or 0) == everything
    # the vessel's own page: its track, its events by kind, the legend and the slider
    page.goto(own_server + "/entity/wk-vessel-angara")
    page.locator("#track-map[data-loaded=true]").wait_for()
    assert page.locator("#track-map path.line-gap").count() >= 1
    assert page.locator("#track-map path.marker-port_call").count() >= 1
    assert page.locator("#track-map .map-legend li[data-kind='gap']").count() == 1
    assert page.locator("#track-map-time").count() == 1
    click_on(page.locator("#track-map path.line-gap").first)
    assert "[SIMULATED] AIS gap: ANGARA" in page.locator(".leaflet-popup-content").inner_text()
    shot(page, artifacts, "reading-03-vessel-track", "#track-map")
    close(context, outside)


def test_a_name_in_a_map_tooltip_is_text_not_markup(
    browser: Any, own_server: str, artifacts: Path
) -> None:
    """Item 17: a vessel entered with markup in its name (and ANGARA's IMO, so that it
    has a track on the map): its tooltip shows the name as written."""
    context, page, outside = log_in(browser, own_server, "analyst")
    page.goto(own_server + "/entry")
    form = page.locator("#entity-form")
    form.locator("#en-schema").select_option("Vessel")
    form.locator("#en-name").fill(HOSTILE)
    form.locator("#en-prop0").fill("imoNumber")
    form.locator("#en-value0").fill("9179842")
    form.locator("#en-tlp").select_option("GREEN")
    form.get_by_role("button", name="Add the entity").click()
    page.wait_for_url(re.compile(r".*/entity/wk-vessel-.*"))
    page.goto(own_server + "/map")
    page.locator("#layers-map[data-loaded=true]").wait_for()
    page.eval_on_selector_all(
        "path.line-tracks",
        "els => els.forEach(e => e.dispatchEvent(new MouseEvent('mouseover', {bubbles: true})))",
    )
    tooltip = page.locator(".leaflet-tooltip", has_text="MV HOSTILE")
    tooltip.wait_for()
    assert '<img src="/static/favicon.svg" class="planted">MV HOSTILE' in tooltip.inner_text()
    assert page.locator(".leaflet-tooltip img, img.planted").count() == 0
    shot(page, artifacts, "reading-04-tooltip")
    close(context, outside)


# -- item 11: the widgets in the user's language ------------------------------------------

CYRILLIC = re.compile("[\u0400-\u04ff]")
HANGUL = re.compile("[\uac00-\ud7a3]")


def test_the_widgets_speak_korean_to_a_korean_browser(
    browser: Any, own_server: str, artifacts: Path
) -> None:
    context, page, outside = log_in(browser, own_server, "kr-viewer", locale="ko-KR")
    page.goto(own_server + "/timeline")
    page.locator("#timeline[data-loaded=true]").wait_for()
    shown = ".vis-time-axis .vis-text:not(.vis-measure)"
    page.locator(shown).first.wait_for()
    labels = page.locator(shown).all_inner_texts()
    assert labels and not any(CYRILLIC.search(t) for t in labels), labels
    assert any(HANGUL.search(t) for t in labels), labels  # 4월, 2024년, 5일 (금) …
    shot(page, artifacts, "reading-05-timeline-ko", "#timeline")
    page.goto(own_server + "/")
    page.locator("#sector-chart[data-loaded=true]").wait_for()
    described = page.locator("#sector-chart").get_attribute("aria-label")  # set by ECharts
    assert described and HANGUL.search(described) and "This is a chart" not in described
    assert page.locator("#overview-map a.leaflet-control-zoom-in").get_attribute("title") == "확대"
    page.goto(own_server + "/alerts")
    assert "AIS 신호" in page.locator("main table").inner_text()
    page.goto(own_server + "/entity/wk-no-such-thing")
    assert page.get_by_role("heading", name="찾을 수 없습니다").count() == 1
    assert "개체 wk-no-such-thing이(가) 없습니다" in page.locator("[role=alert]").inner_text()
    page.goto(own_server + "/map")
    page.locator("#layers-map[data-loaded=true]").wait_for()
    assert "범례" in page.locator(".map-legend").inner_text()
    assert page.get_by_label("다음 시점까지 일어난 일 표시").count() == 1
    close(context, outside)


# -- item 12: what the user may do, and pages that fit -------------------------------------


@pytest.mark.parametrize("width", [1366, 390])
def test_every_page_fits_the_screen(
    browser: Any, own_server: str, artifacts: Path, width: int
) -> None:
    context, page, outside = log_in(browser, own_server, "admin", width=width)
    wider: dict[str, int] = {}
    for path in PAGES:
        page.goto(own_server + path)
        page.wait_for_load_state("networkidle")
        scroll, view = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        if scroll > view:
            wider[path] = scroll
    shot(page, artifacts, f"reading-06-admin-audit-{width}")
    page.goto(own_server + "/entity/wk-vessel-angara")
    page.locator("#track-map[data-loaded=true]").wait_for()
    shot(page, artifacts, f"reading-07-entity-{width}")
    close(context, outside)
    assert wider == {}, f"wider than {width} px: {wider}"


def test_the_liaison_is_offered_only_what_it_may_do(
    browser: Any, own_server: str, artifacts: Path
) -> None:
    context, page, outside = log_in(browser, own_server, "kr-liaison")
    page.goto(own_server + "/entity/wk-vessel-angara")
    page.get_by_role("heading", name="Values").wait_for()
    assert page.get_by_role("link", name=re.compile("Re-mark or retract")).count() == 0
    assert page.locator("text=owned by local").count() >= 1
    # the entity page reads as names with their provenance
    links = page.locator("table.links")
    assert links.get_by_role("link", name="M LEASING LLC").count() == 1
    assert "wk-company-m-leasing" not in links.inner_text()
    shot(page, artifacts, "reading-08-entity-liaison")
    # a marking from AMBER up asks for its recipients before it is sent
    page.goto(own_server + "/entry")
    form = page.locator("#entity-form")
    form.locator("#en-tlp").select_option("AMBER")
    assert form.locator("#en-rcp").evaluate("el => el.required") is True
    form.locator("#en-tlp").select_option("GREEN")
    assert form.locator("#en-rcp").evaluate("el => el.required") is False
    form.locator("#en-tlp").select_option("RED")
    form.locator("#en-name").fill("Unnamed recipient test")
    form.get_by_role("button", name="Add the entity").click()
    assert page.url.endswith("/entry")  # not sent: the browser asks for the recipients
    assert form.locator("#en-rcp").evaluate("el => !el.validity.valid") is True
    close(context, outside)


def test_acknowledging_an_alert_keeps_the_filter(
    browser: Any, own_server: str, artifacts: Path
) -> None:
    context, page, outside = log_in(browser, own_server, "analyst")
    page.goto(own_server + "/alerts?kind=gap&open=true")
    rows = page.locator("main table tbody tr")
    before = rows.count()
    assert before >= 1
    rows.first.get_by_role("button", name="Acknowledge").click()
    page.wait_for_url(re.compile(r".*/alerts\?kind=gap&open=true#alerts-table$"))
    assert page.locator("#a-kind").input_value() == "gap"
    assert page.locator("input[name=open]").is_checked()
    assert rows.count() == before - 1 or page.locator("text=No alerts.").count() == 1
    close(context, outside)


def test_confirming_a_hit_from_the_keyboard_keeps_the_focus(
    browser: Any, own_server: str, artifacts: Path
) -> None:
    """A decision on a screening hit, made from the keyboard: the focus goes to the
    answer that replaced the form, not back to the top of the page."""
    context, page, outside = log_in(browser, own_server, "analyst")
    page.goto(own_server + "/screening")
    page.fill("#names", "Angara")
    page.select_option("#schema", "Vessel")
    page.get_by_role("button", name="Screen", exact=True).click()
    hit = page.locator(".hit").first
    hit.wait_for()
    page.wait_for_load_state("load")  # htmx (deferred) has taken the forms over
    hit.locator("input[name=reason]").fill("same ship, same IMO")
    hit.get_by_role("button", name="Confirm").focus()
    page.keyboard.press("Enter")
    hit.locator(".decision").wait_for()
    # htmx settles the new content a moment after swapping it in: wait for the focus there
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.classList.contains('decision')"
    )
    focused = page.evaluate(
        "() => ({tag: document.activeElement.tagName, cls: document.activeElement.className})"
    )
    assert focused["tag"] != "BODY" and "decision" in focused["cls"], focused
    shot(page, artifacts, "reading-09-confirmed")
    close(context, outside)
