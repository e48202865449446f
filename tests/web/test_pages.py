"""The workbench's pages and their JSON API, as users of different organisations see them."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import parse_qs, quote, quote_plus, urlsplit

from fastapi.testclient import TestClient

from tests.web.workspace import SECRETS, Browser
from watchkeeper.settings import Settings
from watchkeeper.store import open_store
from watchkeeper.store.accounts import Accounts


def text(response: Any) -> str:
    assert response.status_code == 200, (response.status_code, response.text[:300])
    return str(response.text)


def test_overview_shows_alerts_events_sectors_and_vessel_positions(shared: Settings) -> None:
    page = text(Browser(shared, "analyst").get("/"))
    assert "New alerts" in page and "[SIMULATED]" in page
    assert "Latest events" in page
    data = re.search(r'<script type="application/json" id="sector-data">(.*?)</script>', page, re.S)
    assert data and '"periods"' in data.group(1) and '"Munitions"' in data.group(1)
    positions = re.search(r'id="positions-data">(.*?)</script>', page, re.S)
    assert positions and "wk-vessel-angara" in positions.group(1)


def test_search_in_hangul_finds_the_romanised_entity(shared: Settings) -> None:
    browser = Browser(shared, "kr-liaison")
    page = text(browser.get("/search?q=김정은"))
    assert '<a href="/entity/wk-person-kim-jong-un">Kim Jong Un</a>' in page
    suggest = text(browser.get("/suggest?q=김정은"))
    assert "Kim Jong Un" in suggest
    prefix = text(browser.get("/suggest?q=ang"))
    assert "ANGARA" in prefix


def test_search_facets_count_and_filter(shared: Settings) -> None:
    browser = Browser(shared, "analyst")
    answer = browser.client.get("/api/search?q=angara").json()
    assert answer["total"] >= 2
    facets = {k: {b["value"]: b["count"] for b in v} for k, v in answer["facets"].items()}
    assert facets["schema"]["Vessel"] >= 1 and "Event" in facets["schema"]
    assert "OFAC" in facets["list"]
    vessels = browser.client.get("/api/search?q=angara&schema=Vessel").json()
    assert vessels["total"] == facets["schema"]["Vessel"]
    assert {r["schema"] for r in vessels["results"]} == {"Vessel"}
    page = text(browser.get("/search?q=angara&schema=Vessel"))
    assert "remove" in page and f'<span id="total">{vessels["total"]}</span>' in page


def test_entity_page_has_values_sanctions_events_and_the_vessel_track(shared: Settings) -> None:
    browser = Browser(shared, "analyst")
    page = text(browser.get("/entity/wk-vessel-angara"))
    assert "9179842" in page and "OFAC:37059" in page
    assert "TLP:CLEAR" in page and "A1" in page  # marking and grade of each value
    assert "Sanctions" in page and "RUSSIA-EO14024" in page
    assert 'id="track-map"' in page and "Identity history" in page and "UBSIM" in page
    track = browser.client.get("/api/entities/wk-vessel-angara/track").json()
    kinds = {f["properties"]["kind"] for f in track["features"]}
    assert {"track", "port_call", "gap"} <= kinds
    line = next(f for f in track["features"] if f["geometry"]["type"] == "LineString")
    assert len(line["geometry"]["coordinates"]) > 100
    missing = browser.get("/entity/no-such-entity")
    assert missing.status_code == 404  # type: ignore[attr-defined]


def test_timeline_filters_by_sector_and_actor(shared: Settings) -> None:
    browser = Browser(shared, "analyst")
    everything = browser.client.get("/api/events").json()["total"]
    shipping = browser.client.get("/api/events?sector=shipping").json()
    assert 0 < shipping["total"] < everything
    assert all("shipping" in e["sectors"] for e in shipping["events"])
    angara = browser.client.get("/api/events?actor=wk-vessel-angara&from=2024").json()
    assert angara["total"] >= 1
    assert all(e["date"] >= "2024" for e in angara["events"])
    page = text(browser.get("/timeline?sector=shipping"))
    assert f'<span id="event-count">{shipping["total"]}</span>' in page


def test_map_layers(shared: Settings) -> None:
    browser = Browser(shared, "analyst")
    assert 'id="layers-map"' in text(browser.get("/map"))
    ports = browser.client.get("/api/map/ports").json()["features"]
    assert {"Port of Rajin", "Port of Vostochny"} <= {f["properties"]["name"] for f in ports}
    alerts = browser.client.get("/api/map/alerts").json()["features"]
    assert alerts and all(f["properties"]["alert"] for f in alerts)
    assert browser.client.get("/api/map/nothing").status_code in (400, 422)


def test_screening_a_csv_and_dismissing_a_hit(fresh: Settings) -> None:
    browser = Browser(fresh, "kr-liaison")
    csv_text = "id,name,schema\nc1,Angara,Vessel\nc2,Kim Jong-un,Person\nc3,,Person\n"
    response = browser.client.post(
        "/screening",
        data={"csrf_token": browser.csrf, "names": "", "schema": "Person"},
        files={"upload": ("names.csv", csv_text.encode(), "text/csv")},
    )
    page = text(response)
    assert "wk-vessel-angara" in page and "wk-person-kim-jong-un" in page
    assert "Rows refused" in page and "empty name" in page
    decided = browser.client.post(
        "/screening/decide",
        data={
            "csrf_token": browser.csrf,
            "query_id": "c1",
            "entity_id": "wk-vessel-angara",
            "decision": "dismissed",
            "reason": "another ship",
            # the record as the page sent it: the decision is bound to it
            "record": html.unescape(re.findall(r'name="record" value="([^"]*)"', page)[0]),
        },
    )
    assert "another ship" in text(decided) and "dismissed" in decided.text
    again = text(
        browser.client.post(
            "/screening",
            data={"csrf_token": browser.csrf, "names": "", "schema": "Person"},
            files={"upload": ("names.csv", csv_text.encode(), "text/csv")},
        )
    )
    # shown again with the decision: c1 from the file, the same record, the ship unchanged
    assert 'value="wk-vessel-angara"' not in again  # no form to decide again: it holds
    assert "same record, candidate unchanged" in again and "/screening/reopen" in again
    trail = Accounts(open_store(fresh)).audit_trail("kr-mofa")
    assert any(r["action"] == "decision" and "another ship" in r["detail"] for r in trail)
    export = browser.client.post(
        "/screening",
        data={"csrf_token": browser.csrf, "names": "Angara", "schema": "Vessel", "output": "csv"},
    )
    assert export.headers["content-type"].startswith("text/csv")
    assert "wk-vessel-angara" in export.text
    trail = Accounts(open_store(fresh)).audit_trail("kr-mofa")
    assert trail[0]["action"] == "export"


def test_analyst_adds_an_event_that_the_timeline_shows(fresh: Settings) -> None:
    browser = Browser(fresh, "analyst")
    response: Any = browser.post(
        "/entry/event",
        {
            "title": "Tanker seen loading at Vostochny",
            "date": "2025-06-02",
            "sector": "energy",
            "involved": "wk-vessel-angara",
            "summary": "Seen on imagery.",
            "credibility": "3",
            "tlp": "GREEN",
        },
    )
    assert response.status_code == 303
    event_id = response.headers["location"].removeprefix("/entity/")
    page = text(browser.get("/timeline?sector=energy"))
    assert "Tanker seen loading at Vostochny" in page
    entity = text(browser.get(f"/entity/{event_id}"))
    assert "TLP:GREEN | ORIG local" in entity and "F3" in entity
    trail = Accounts(open_store(fresh)).audit_trail("local")
    assert trail[0]["action"] == "entry_created"
    # a partner sees it only once it is releasable to it: GREEN with no REL TO is
    assert "Tanker seen loading" in text(Browser(fresh, "kr-viewer").get("/timeline"))


def test_entries_are_validated_and_bad_ones_change_nothing(fresh: Settings) -> None:
    browser = Browser(fresh, "analyst")
    store = open_store(fresh)
    before = store.version()
    cases = [
        ("/entry/event", {"title": "x", "date": "June 2025", "sector": "energy"}, "YYYY"),
        ("/entry/event", {"title": "x", "date": "2025-06-01", "sector": "gardening"}, "sector"),
        (
            "/entry/event",
            {"title": "x", "date": "2025-06-01", "sector": "energy", "involved": "no-such-id"},
            "no entity",
        ),
        (
            "/entry/event",
            {"title": "x", "date": "2025-06-01", "sector": "energy", "rel_to": "KOREA"},
            "alpha-3",
        ),
        (
            "/entry/event",
            {"title": "x", "date": "2025-06-01", "sector": "energy", "credibility": "9"},
            "1-6",
        ),
        (
            "/entry/entity",
            {"schema": "Person", "name": "A", "prop0": "birthDate", "value0": "yesterday"},
            "birthDate",
        ),
        (
            "/entry/entity",
            {"schema": "Person", "name": "A", "prop0": "imoNumber", "value0": "1"},
            "no property",
        ),
        (
            "/entry/relationship",
            {"kind": "Ownership", "left": "wk-vessel-angara", "right": "wk-us-nightjar"},
            "no entity",
        ),
        ("/entry/source", {"title": "t", "publisher": "p", "url": "ftp://x"}, "http"),
    ]
    for path, data, reason in cases:
        response: Any = browser.post(path, data, headers={"accept": "text/html"})
        assert response.status_code == 400, (path, data, response.status_code)
        assert reason in response.text, (path, reason, response.text[-500:])
    assert store.version() == before


def test_editing_keeps_history(fresh: Settings) -> None:
    browser = Browser(fresh, "analyst")
    browser.post(
        "/entry/entity/wk-vessel-angara",
        {"prop0": "notes", "value0": "Renamed in 2025?", "tlp": "CLEAR"},
    )
    page = text(browser.get("/entry/entity/wk-vessel-angara"))
    statement = re.search(
        r'name="end" value="([^"]+)"> <label for="end-1">notes: Renamed in 2025\?', page
    )
    assert statement, page
    browser.post(
        "/entry/entity/wk-vessel-angara",
        {"end": statement.group(1), "prop0": "notes", "value0": "Renamed in 2025", "tlp": "CLEAR"},
    )
    entity = text(browser.get("/entity/wk-vessel-angara"))
    history = entity.split("History: values no longer current")[1]
    assert "Renamed in 2025?" in history
    current = entity.split("History: values no longer current")[0]
    assert "Renamed in 2025<" in current and "Renamed in 2025?" not in current
    # values from the lists cannot be ended by an analyst's edit
    response: Any = browser.post(
        "/entry/entity/wk-vessel-angara", {"end": "not-one-of-ours", "tlp": "CLEAR"}
    )
    assert response.status_code == 400


def _statement_link(browser: Browser, entity_id: str, value: str) -> str:
    """The re-mark/retract link of the row showing ``value`` on the entity page."""
    page = text(browser.get(f"/entity/{entity_id}"))
    for row in page.split("<tr"):
        link = re.search(r'href="(/entry/statement/[^"?]+)', row)
        if link and f">{value}<" in row:
            return link.group(1)
    raise AssertionError(f"no statement link for {value!r} on {entity_id}")


def test_an_analyst_retracts_a_value_of_its_organisation(fresh: Settings) -> None:
    browser = Browser(fresh, "analyst")
    link = _statement_link(browser, "wk-vessel-angara", "ANGARA")
    statement_id = link.rsplit("/", 1)[1]
    form = text(browser.get(f"{link}?entity=wk-vessel-angara"))
    assert "Re-mark" in form and "Retract" in form
    refused: Any = browser.post(link, {"action": "retract", "entity": "wk-vessel-angara"})
    assert refused.status_code == 400 and "reason" in refused.text  # no reason: nothing done
    assert statement_id in text(browser.get("/entity/wk-vessel-angara"))
    done: Any = browser.post(
        link, {"action": "retract", "reason": "misread", "entity": "wk-vessel-angara"}
    )
    assert done.status_code == 303 and done.headers["location"] == "/entity/wk-vessel-angara"
    # gone from every view, not kept as history
    assert statement_id not in text(browser.get("/entity/wk-vessel-angara"))
    partner = Browser(fresh, "kr-liaison")
    assert statement_id not in text(partner.get("/entity/wk-vessel-angara"))
    trail = Accounts(open_store(fresh)).audit_trail("local")
    assert trail[0]["action"] == "statement_retract" and "misread" in trail[0]["detail"]


def test_a_remarked_value_leaves_a_partner_that_may_no_longer_see_it(fresh: Settings) -> None:
    analyst = Browser(fresh, "analyst")
    partner = Browser(fresh, "kr-liaison")
    link = _statement_link(analyst, "wk-vessel-angara", "ANGARA")
    statement_id = link.rsplit("/", 1)[1]
    assert statement_id in text(partner.get("/entity/wk-vessel-angara"))
    done: Any = analyst.post(
        link,
        {
            "action": "remark",
            "reason": "source asked",
            "entity": "wk-vessel-angara",
            "tlp": "GREEN",
            "rel_to": "USA",
        },
    )
    assert done.status_code == 303
    page = text(analyst.get("/entity/wk-vessel-angara"))
    assert statement_id in page and "REL TO USA" in page
    assert statement_id not in text(partner.get("/entity/wk-vessel-angara"))


def test_a_partner_cannot_retract_what_it_does_not_own(fresh: Settings) -> None:
    owner = Browser(fresh, "analyst")
    link = _statement_link(owner, "wk-vessel-angara", "ANGARA")
    partner = Browser(fresh, "kr-liaison")
    refused: Any = partner.post(
        link, {"action": "retract", "reason": "mine now", "entity": "wk-vessel-angara"}
    )
    assert refused.status_code in (403, 404)
    assert link.rsplit("/", 1)[1] in text(owner.get("/entity/wk-vessel-angara"))


def test_sources_page_lists_releases_with_grades_and_markings(shared: Settings) -> None:
    page = text(Browser(shared, "analyst").get("/sources"))
    assert "wk_theater" in page and "wk_ais" in page and "TLP:CLEAR" in page


def test_an_entity_export_is_audited(fresh: Settings) -> None:
    browser = Browser(fresh, "kr-viewer")
    body = browser.client.get("/api/entities/wk-person-kim-jong-un/export").json()
    assert body["id"] == "wk-person-kim-jong-un"
    assert all(s not in str(body) for s in SECRETS)
    trail = Accounts(open_store(fresh)).audit_trail("kr-mofa")
    assert trail[0]["action"] == "export" and trail[0]["target"] == "wk-person-kim-jong-un"


def test_the_korean_partner_never_sees_values_released_to_the_usa_alone(shared: Settings) -> None:
    korean = Browser(shared, "kr-viewer")
    american = Browser(shared, "us-analyst")
    pages = [
        "/",
        "/search?q=Pyongsecret",
        "/search?q=kim",
        "/search?q=NIGHTJAR",
        "/search?q=9999991",
        "/suggest?q=nigh",
        "/suggest?q=ri%20pyong",
        "/entity/wk-person-kim-jong-un",
        "/entity/wk-vessel-angara",
        "/timeline",
        "/timeline?actor=wk-vessel-angara",
        "/alerts",
        "/sources",
        "/api/search?q=kim",
        "/api/events",
        "/api/map/tracks",
        "/api/map/detections",
        "/api/map/alerts",
        "/api/entities/wk-vessel-angara",
        "/api/entities/wk-vessel-angara/track",
    ]
    seen_by_us = "".join(text(american.get(p)) for p in pages)
    for secret in ("SECRETALIAS", "Pyongsecret", "Covert lighter transfer", "NIGHTJAR"):
        assert secret in seen_by_us  # the test's data is reachable by those cleared for it
    for path in pages:
        body = text(korean.get(path))
        # what the user typed comes back to it (the search box, the links): not a leak
        typed = parse_qs(urlsplit(path).query).get("q", [])
        for value in typed:
            body = body.replace(value, "").replace(quote(value), "").replace(quote_plus(value), "")
        for secret in SECRETS:
            assert secret not in body, (path, secret)
    for hidden in ("wk-us-pyongsecret", "wk-us-nightjar", "wk-us-covert-transfer"):
        for path in (
            f"/entity/{hidden}",
            f"/api/entities/{hidden}",
            f"/api/entities/{hidden}/track",
        ):
            response: Any = korean.get(path)
            assert response.status_code == 404
            # the same answer as for an id that exists nowhere
            unknown: Any = korean.get(path.replace(hidden, "wk-no-such-thing"))
            assert response.text.replace(hidden, "X") == unknown.text.replace(
                "wk-no-such-thing", "X"
            )
    shared_event = text(korean.get("/timeline"))
    assert "Shared assessment of Vostochny traffic" in shared_event  # REL TO KOR, USA


def _alert_rows(page: str) -> list[tuple[str, str]]:
    """(severity, alert id) of each row of the alerts table, in order."""
    return re.findall(r'<tr class="severity-(\w+)">.*?<a href="/entity/([^"]+)">', page, re.S)


def test_alerts_are_ranked_with_reasons_and_filtered(shared: Settings) -> None:
    browser = Browser(shared, "analyst")
    page = text(browser.get("/alerts"))
    rows = _alert_rows(page)
    levels = ["low", "medium", "high", "critical"]
    ranks = [levels.index(severity) for severity, _ in rows]
    assert len(rows) >= 5 and ranks == sorted(ranks, reverse=True)  # most severe first
    assert "sanctioned vessel" in page and "AIS silent for" in page  # the rules' reasons
    high = _alert_rows(text(browser.get("/alerts?severity=high")))
    assert high and {s for s, _ in high} <= {"high", "critical"}
    assert len(high) < len(rows)
    gaps = text(browser.get("/alerts?kind=gap"))
    assert _alert_rows(gaps) and "Encounter:" not in gaps and "AIS gap:" in gaps
    bad: Any = browser.get("/alerts?severity=urgent", headers={"accept": "application/json"})
    assert bad.status_code == 400 and "severity" in bad.json()["detail"]
    assert "\n" not in bad.json()["detail"]  # one line, naming the parameter
    odd: Any = browser.get("/alerts?vessel=²&until=2024-03-05")
    assert odd.status_code == 200  # not a digit anyone types, and not a crash
    # a bare date "until" means the whole day, as the CLI's --until does
    starts = re.findall(r'<time datetime="([^"]+)"', text(browser.get("/alerts?until=2024-03-05")))
    assert any(start.startswith("2024-03-05T") for start in starts)
    assert not any(start > "2024-03-06" for start in starts)
    korean = text(Browser(shared, "kr-liaison").get("/alerts", headers={"accept-language": "ko"}))
    assert "심각도" in korean


def test_an_acknowledged_alert_leaves_the_open_list_of_that_organisation_only(
    fresh: Settings,
) -> None:
    analyst = Browser(fresh, "analyst")
    open_before = _alert_rows(text(analyst.get("/alerts?open=true")))
    _severity, alert_id = open_before[0]
    viewer: Any = Browser(fresh, "viewer").post(
        "/alerts/acknowledge", {"alert_id": alert_id, "note": "x"}
    )
    assert viewer.status_code == 403  # reading is not triaging
    missing: Any = analyst.post("/alerts/acknowledge", {"alert_id": "no-such-alert"})
    assert missing.status_code == 404
    done: Any = analyst.post(
        "/alerts/acknowledge", {"alert_id": alert_id, "note": "tasked imagery"}
    )
    assert done.status_code == 303
    open_after = _alert_rows(text(analyst.get("/alerts?open=true")))
    assert alert_id not in {a for _, a in open_after} and len(open_after) == len(open_before) - 1
    everything = text(analyst.get("/alerts"))
    assert "tasked imagery" in everything  # shown with who, when and the note
    # the partner has not read it: still open there, and the note is not theirs to see
    partner = text(Browser(fresh, "kr-liaison").get("/alerts?open=true"))
    assert alert_id in {a for _, a in _alert_rows(partner)} and "tasked imagery" not in partner
    trail = Accounts(open_store(fresh)).audit_trail("local")
    assert trail[0]["action"] == "acknowledge" and trail[0]["target"] == alert_id


def test_what_an_analyst_remarks_leaves_the_partners_search_and_matches_at_once(
    fresh: Settings,
) -> None:
    """Re-marking every value of an entity REL TO USA: the Korean partner's screening (hits
    and their count), not only its entity page, stops finding it — the index follows the
    write in the request, not at its next check."""
    analyst = Browser(fresh, "analyst")
    partner = Browser(fresh)  # the same server process as the analyst's (one worker)
    partner.client = TestClient(analyst.client.app, base_url="https://testserver")
    partner.login("kr-liaison")
    body = {"queries": {"q": {"schema": "Person", "properties": {"name": ["Sergei Shoigu"]}}}}

    def matches() -> dict[str, Any]:
        answer = partner.client.post(
            "/match/default", json=body, headers={"x-csrf-token": partner.csrf}
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["responses"]["q"]  # type: ignore[no-any-return]

    assert matches()["total"]["value"] == 1
    page = text(analyst.get("/entity/wk-person-shoigu"))
    links = sorted(set(re.findall(r'href="(/entry/statement/[^"?]+)', page)))
    assert len(links) >= 3
    for link in links:
        done: Any = analyst.post(
            link,
            {"action": "remark", "reason": "US only", "tlp": "GREEN", "rel_to": "USA"},
        )
        assert done.status_code == 303, done.text
    found = matches()
    assert found["total"]["value"] == 0 and found["results"] == []
    assert "wk-person-shoigu" not in text(partner.get("/search?q=Shoigu"))
    assert partner.get("/entity/wk-person-shoigu").status_code == 404  # type: ignore[attr-defined]


def test_search_finds_a_sanction_by_its_list_id(shared: Settings) -> None:
    """A Sanction (no keywords, unlike an Event) among the results is no server error
    (found by schemathesis)."""
    answer = Browser(shared, "analyst").client.get("/api/search?q=37059")
    assert answer.status_code == 200, answer.text
    assert "Sanction" in {r["schema"] for r in answer.json()["results"]}


def test_the_tracks_layer_looks_up_only_the_vessels_the_ais_data_knows(shared: Settings) -> None:
    """The map's tracks come from the vessels whose MMSI reported a position or whose IMO
    number was reported: exactly those of all visible vessels that have a track (a store
    of 1 M entities holds 100,000 vessels, each looked up in the AIS files before)."""
    from watchkeeper.web import data, geo

    browser = Browser(shared, "analyst")
    bench = browser.client.app.state.workbench
    reader = bench.service.reader(bench.accounts.user("analyst").viewer)
    every = list(reader.entities(reader.entity_ids("Vessel")))
    with_track = sorted(v.id for v in every if geo.fixes(bench, *data.vessel_identifiers(v)))
    assert with_track and len(every) > len(with_track)
    assert geo.vessels_with_tracks(bench, reader) == with_track


def test_overview_sector_counts_leave_simulated_detections_out(shared: Settings) -> None:
    """Issue 24: the demo's simulated AIS detections (keyword "shipping") were counted in
    the Shipping sector; they are shown, labelled, among the alerts, not counted."""
    import html
    import json

    from watchkeeper.model.marking import Viewer
    from watchkeeper.web import data

    page = text(Browser(shared, "analyst").get("/"))
    found = re.search(r'id="sector-data">(.*?)</script>', page, re.S)
    assert found is not None
    series = json.loads(html.unescape(found.group(1)))
    shipping = next(s for s in series["series"] if s["code"] == "shipping")
    store = open_store(shared)
    reader = store.read(Viewer("local"))
    everything = [e for e in data.events(reader) if "shipping" in e.sectors]
    facts = [e for e in data.events(reader.for_analysis()) if "shipping" in e.sectors]
    store.close()
    assert any(e.title.startswith("[SIMULATED]") for e in everything)
    assert sum(shipping["data"]) == len(facts) < len(everything)
