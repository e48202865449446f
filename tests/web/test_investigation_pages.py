"""The workbench's investigation pages: the network explorer, the resolution queue and the
dossier, on the real app and store, as users of different organisations see them."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from tests.helpers import entity, source, write
from tests.web.workspace import SECRETS, Browser, add_duplicates
from watchkeeper.settings import Settings
from watchkeeper.store import open_store
from watchkeeper.store.accounts import Accounts

HIDDEN = ("wk-us-nightjar", "wk-us-pyongsecret", "wk-us-covert-transfer", "wk-us-angara-nightjar")


def text(response: Any) -> str:
    assert response.status_code == 200, (response.status_code, response.text[:300])
    return str(response.text)


def node_ids(graph: dict[str, Any]) -> set[str]:
    return {n["id"] for n in graph["nodes"]}


# -- network explorer ------------------------------------------------------------------------


def test_network_page_shows_neighbours_paths_and_exports(shared: Settings) -> None:
    browser = Browser(shared, "analyst")
    page = text(browser.get("/network/wk-company-mg-flot?hops=1"))
    assert "MG-FLOT" in page.upper() and "MAIA-1" in page  # the entity and its neighbour
    data = re.search(r'id="network-data">(.*?)</script>', page, re.S)
    assert data and "wk-vessel-maia-1" in data.group(1)
    assert 'src="/static/vendor/cytoscape.min.js"' in page
    assert 'data-source="/api/network/{id}?hops=1"' in page  # a click expands one link
    # paths to sanctioned entities reach beyond the links drawn
    paths = re.search(r'<ol class="list" id="paths">(.*?)</ol>', page, re.S)
    assert paths and "/network/wk-company-transmorflot" in paths.group(1)
    assert 'href="/network/wk-company-mg-flot/graphml?hops=1"' in page
    assert 'id="network-png"' in page
    # the entity page links to it
    assert 'href="/network/wk-vessel-angara"' in text(browser.get("/entity/wk-vessel-angara"))


def test_network_api_expands_and_filters_by_type(shared: Settings) -> None:
    client = Browser(shared, "analyst").client
    one = client.get("/api/network/wk-company-mg-flot?hops=1").json()
    assert node_ids(one) == {"wk-company-mg-flot", "wk-vessel-maia-1"}
    maia = next(n for n in one["nodes"] if n["id"] == "wk-vessel-maia-1")
    assert maia["sanctioned"] and maia["list_ids"] and maia["depth"] == 1
    # expanding the neighbour (what a click does) reaches the next sanctioned entity
    expanded = client.get("/api/network/wk-vessel-maia-1?hops=1").json()
    assert "wk-company-transmorflot" in node_ids(expanded)
    two = client.get("/api/network/wk-company-mg-flot?hops=2").json()
    assert node_ids(two) == node_ids(one) | {"wk-company-transmorflot"}
    kinds = {lk["kind"] for lk in two["links"]}
    assert kinds == {"Vessel.operator", "UnknownLink"}
    operated = client.get("/api/network/wk-company-mg-flot?hops=2&type=Vessel.operator").json()
    assert node_ids(operated) == node_ids(one)
    owned = client.get("/api/network/wk-company-mg-flot?hops=2&type=Ownership").json()
    assert node_ids(owned) == {"wk-company-mg-flot"} and owned["links"] == []
    paths = client.get("/api/network/wk-company-mg-flot/paths").json()["paths"]
    assert [p["target"] for p in paths][:2] == ["wk-vessel-maia-1", "wk-company-transmorflot"]
    assert paths[1]["captions"][0].upper().startswith("MG") and paths[1]["length"] == 2


def test_network_filters_by_date(fresh: Settings) -> None:
    store = open_store(fresh)
    holding = entity("Company", "wk-test-holding", "test_net", name="Test Holding Ltd")
    stake = entity(
        "Ownership",
        "wk-test-holding-stake",
        "test_net",
        owner="wk-test-holding",
        asset="wk-company-mg-flot",
        startDate="2019-03-01",
        endDate="2020-06-30",
    )
    write(store, [holding, stake], source("test_net", "2025-01-01"), full_release=False)
    store.close()
    client = Browser(fresh, "analyst").client
    base = "/api/network/wk-company-mg-flot?hops=1"
    assert "wk-test-holding" in node_ids(client.get(base).json())
    assert "wk-test-holding" in node_ids(client.get(base + "&since=2020-01-01").json())
    assert "wk-test-holding" not in node_ids(client.get(base + "&since=2021").json())
    assert "wk-test-holding" not in node_ids(client.get(base + "&until=2018-12-31").json())
    page = text(Browser(fresh, "analyst").get("/network/wk-company-mg-flot?since=2021"))
    assert "Test Holding" not in page and 'value="2021"' in page


def test_network_refuses_bad_input_in_one_line(shared: Settings) -> None:
    browser = Browser(shared, "analyst")
    for path, word in (
        ("/api/network/wk-company-mg-flot?hops=9", "hops"),
        ("/api/network/wk-company-mg-flot?type=Friendship", "Friendship"),
        ("/api/network/wk-company-mg-flot?since=last%20week", "since"),
        ("/network/wk-company-mg-flot/graphml?hops=7", "hops"),
    ):
        response: Any = browser.client.get(path)
        assert response.status_code == 400, path
        detail = response.json()["detail"]
        assert word in detail and "\n" not in detail
    page: Any = browser.get("/network/wk-company-mg-flot?type=Friendship")
    assert page.status_code == 400 and "Friendship" in page.text
    missing: Any = browser.client.get("/api/network/wk-no-such-thing")
    assert missing.status_code == 404


def test_graphml_export_is_the_subgraph_and_is_audited(fresh: Settings) -> None:
    browser = Browser(fresh, "kr-viewer")
    response: Any = browser.client.get("/network/wk-company-mg-flot/graphml?hops=2")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/graphml+xml")
    assert "attachment" in response.headers["content-disposition"]
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    root = ET.fromstring(response.content)
    nodes = {n.get("id") for n in root.iterfind(".//g:node", ns)}
    assert nodes == {"wk-company-mg-flot", "wk-vessel-maia-1", "wk-company-transmorflot"}
    assert len(root.findall(".//g:edge", ns)) == 2
    trail = Accounts(open_store(fresh)).audit_trail("kr-mofa")
    assert trail[0]["action"] == "export" and trail[0]["target"] == "wk-company-mg-flot"
    assert "GraphML" in trail[0]["detail"]


def test_the_korean_partner_never_sees_us_items_in_the_network_of_angara(
    fresh: Settings,
) -> None:
    # (fresh: the GraphML downloads write to the audit trail)
    korean = Browser(fresh, "kr-viewer")
    american = Browser(fresh, "us-analyst")
    paths = [
        "/network/wk-vessel-angara?hops=3&implied=true",
        "/api/network/wk-vessel-angara?hops=3&implied=true",
        "/api/network/wk-vessel-angara/paths?max_hops=6",
        "/network/wk-vessel-angara/graphml?hops=3&implied=true",
    ]
    us_view = "".join(text(american.get(p)) for p in paths)
    assert "NIGHTJAR" in us_view and "wk-us-angara-nightjar" in us_view  # reachable when cleared
    us_graph = american.client.get("/api/network/wk-vessel-angara?hops=1").json()
    kr_graph = korean.client.get("/api/network/wk-vessel-angara?hops=1").json()
    assert len(kr_graph["nodes"]) == len(us_graph["nodes"]) - 1  # NIGHTJAR alone is hidden
    for path in paths:
        body = text(korean.get(path))
        for word in (*SECRETS, *HIDDEN, "lighter tender"):
            assert word not in body, (path, word)
    # expanding from the hidden vessel answers as for an id that exists nowhere
    for path in ("/api/network/{}", "/api/network/{}/paths", "/network/{}/graphml"):
        hidden: Any = korean.client.get(path.format("wk-us-nightjar"))
        unknown: Any = korean.client.get(path.format("wk-no-such-thing"))
        assert hidden.status_code == unknown.status_code == 404
        assert hidden.text.replace("wk-us-nightjar", "X") == unknown.text.replace(
            "wk-no-such-thing", "X"
        )


# -- resolution queue ------------------------------------------------------------------------


def _pairs(page: str) -> list[tuple[str, str]]:
    """(left, right) of each pair put up for review on the page."""
    return re.findall(
        r'name="left" value="([^"]+)">\s*<input type="hidden" name="right" value="([^"]+)"', page
    )


def test_the_resolution_queue_shows_pairs_side_by_side_and_records_judgments(
    fresh: Settings,
) -> None:
    add_duplicates(fresh)
    analyst = Browser(fresh, "analyst")
    assert "Nothing to review." in text(analyst.get("/resolve"))
    viewer = Browser(fresh, "viewer")
    for path in ("/resolve/xref", "/resolve/decide"):
        refused: Any = viewer.post(
            path, {"left": "wk-test-un-ryom", "right": "wk-test-ofac-ryom", "verdict": "same"}
        )
        assert refused.status_code == 403, path  # reading is not deciding
    analyst.xref("local")
    page = text(analyst.get("/resolve"))
    assert _pairs(page) == [("wk-test-ofac-ryom", "wk-test-un-ryom")]
    assert "1 pairs to review" in page
    assert "RYOM SONG IL" in page and "RYOM, Song-il" in page  # both sides' values
    assert "un_test release 2025-02-01" in page and "ofac_test release 2025-02-01" in page
    assert "wk-us-ryom" not in page  # the US entry is not the local organisation's to see
    # the viewer reads the queue, without the forms
    seen = text(viewer.get("/resolve"))
    assert "RYOM, Song-il" in seen and 'action="/resolve/decide"' not in seen
    # bad decisions: one line each, nothing recorded
    for form, word in (
        ({"verdict": "maybe", "reason": "x"}, "maybe"),
        ({"verdict": "same", "reason": " "}, "reason"),
        ({"verdict": "same", "reason": "x", "tlp": "PURPLE"}, "PURPLE"),
        ({"verdict": "same", "reason": "x", "tlp": "GREEN", "rel_to": "Korea!"}, "KOREA!"),
    ):
        bad: Any = analyst.post(
            "/resolve/decide", {"left": "wk-test-ofac-ryom", "right": "wk-test-un-ryom", **form}
        )
        assert bad.status_code == 400 and word in bad.json()["detail"]
        assert "\n" not in bad.json()["detail"]
    hidden: Any = analyst.post(
        "/resolve/decide",
        {"left": "wk-test-un-ryom", "right": "wk-us-ryom", "verdict": "same", "reason": "x"},
    )
    assert hidden.status_code == 404
    done: Any = analyst.post(
        "/resolve/decide",
        {
            "left": "wk-test-un-ryom",
            "right": "wk-test-ofac-ryom",
            "verdict": "same",
            "reason": "same name and birth date",
        },
    )
    assert done.status_code == 303
    after = text(analyst.get("/resolve"))
    assert _pairs(after) == [] and "same name and birth date" in after
    trail = Accounts(open_store(fresh)).audit_trail("local")
    assert trail[0]["action"] == "judgment"
    assert trail[0]["target"] == "wk-test-ofac-ryom ~ wk-test-un-ryom"
    assert "same" in trail[0]["detail"]
    # the judgment is the local organisation's: the partner neither sees it nor its queue
    partner = text(Browser(fresh, "kr-liaison").get("/resolve"))
    assert "same name and birth date" not in partner and _pairs(partner) == []


def test_the_korean_partner_never_pairs_with_an_entity_released_to_the_usa(
    fresh: Settings,
) -> None:
    add_duplicates(fresh)
    american, korean = Browser(fresh, "us-analyst"), Browser(fresh, "kr-liaison")
    for browser, organisation in ((american, "us-dia"), (korean, "kr-mofa")):
        browser.xref(organisation)
    us_pairs = _pairs(text(american.get("/resolve")))
    assert any("wk-us-ryom" in pair for pair in us_pairs)
    page = text(korean.get("/resolve"))
    assert _pairs(page) == [("wk-test-ofac-ryom", "wk-test-un-ryom")]
    assert "1 pairs to review" in page  # the US-only pairs are not counted
    for word in (*SECRETS, *HIDDEN, "wk-us-ryom", "us_ryom"):
        assert word not in page, word
    trail = Accounts(open_store(fresh)).audit_trail("kr-mofa")
    assert trail[0]["action"] == "xref" and "wk-us-ryom" not in str(trail)


# -- dossier -----------------------------------------------------------------------------------


def test_the_dossier_is_shown_and_downloaded_as_pdf_html_and_json(fresh: Settings) -> None:
    browser = Browser(fresh, "kr-viewer")
    page = text(browser.get("/dossier/wk-vessel-angara"))
    article = re.search(r'<article class="dossier" id="dossier">(.*?)</article>', page, re.S)
    assert article and "Designation dossier: ANGARA" in article.group(1)
    assert "OFAC:37059" in article.group(1) and "9179842" in article.group(1)
    assert "Built for kr-mofa (KOR)" in article.group(1)
    assert "<html" not in article.group(1)  # the body of the dossier, inside the page
    for kind in ("pdf", "html", "json"):
        assert f'href="/dossier/wk-vessel-angara/download?format={kind}&amp;max_hops=4"' in page
    assert 'href="/dossier/wk-vessel-angara"' in text(browser.get("/entity/wk-vessel-angara"))
    pdf: Any = browser.client.get("/dossier/wk-vessel-angara/download?format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-type"] == "application/pdf"
    assert 'filename="dossier-wk-vessel-angara.pdf"' in pdf.headers["content-disposition"]
    html = text(browser.client.get("/dossier/wk-vessel-angara/download?format=html"))
    assert html.startswith("<!doctype html>") and "Designation dossier: ANGARA" in html
    data = browser.client.get("/dossier/wk-vessel-angara/download?format=json").json()
    assert data["entity"]["id"] == "wk-vessel-angara" and data["viewer"]["country"] == "KOR"
    assert any("OFAC:37059" in e["list_ids"] for e in data["list_entries"])
    trail = Accounts(open_store(fresh)).audit_trail("kr-mofa")
    exports = [r for r in trail if r["action"] == "export"]
    assert [r["detail"].split(",")[0] for r in exports] == [
        "dossier JSON",
        "dossier HTML",
        "dossier PDF",
    ]
    # (showing the page is not an export: three downloads, three exports)
    assert {r["target"] for r in exports} == {"wk-vessel-angara"}


def test_the_dossier_refuses_bad_input_and_hides_what_the_partner_may_not_see(
    fresh: Settings,
) -> None:
    # (fresh: the downloads write to the audit trail)
    korean = Browser(fresh, "kr-viewer")
    for path, word in (
        ("/dossier/wk-vessel-angara/download?format=docx", "docx"),
        ("/dossier/wk-vessel-angara?max_hops=12", "max_hops"),
        ("/dossier/wk-vessel-angara/download?format=json&max_hops=-1", "max_hops"),
    ):
        response: Any = korean.client.get(path)
        assert response.status_code == 400, path
        assert word in response.json()["detail"] and "\n" not in response.json()["detail"]
    american = Browser(fresh, "us-analyst")
    paths = ["/dossier/wk-vessel-angara", "/dossier/wk-vessel-angara/download?format=json"]
    us_view = "".join(text(american.get(p)) for p in paths)
    assert "Covert lighter transfer" in us_view  # the US event is in the US dossier
    for path in (*paths, "/dossier/wk-vessel-angara/download?format=html"):
        body = text(korean.get(path))
        for word in (*SECRETS, *HIDDEN):
            assert word not in body, (path, word)
    for path in ("/dossier/{}", "/dossier/{}/download?format=json"):
        hidden: Any = korean.client.get(path.format("wk-us-nightjar"))
        unknown: Any = korean.client.get(path.format("wk-no-such-thing"))
        assert hidden.status_code == unknown.status_code == 404
        assert hidden.text.replace("wk-us-nightjar", "X") == unknown.text.replace(
            "wk-no-such-thing", "X"
        )


def test_a_judgment_shared_rel_to_korea_reaches_the_partner(fresh: Settings) -> None:
    add_duplicates(fresh)
    analyst = Browser(fresh, "analyst")
    analyst.xref("local")
    done: Any = analyst.post(
        "/resolve/decide",
        {
            "left": "wk-test-un-ryom",
            "right": "wk-test-ofac-ryom",
            "verdict": "different",
            "reason": "different fathers' names",
            "tlp": "GREEN",
            "rel_to": "KOR",
        },
    )
    assert done.status_code == 303
    mine = text(analyst.get("/resolve"))
    assert "different fathers' names" in mine.replace("&#39;", "'") and "REL TO KOR" in mine
    partner = text(Browser(fresh, "kr-liaison").get("/resolve"))
    assert "different fathers" in partner  # shared with Korea
    japan = Accounts(open_store(fresh))
    japan.add_user("jp-analyst", "jp-mofa", "analyst", "correct horse battery", "tests")
    assert "different fathers" not in text(Browser(fresh, "jp-analyst").get("/resolve"))
