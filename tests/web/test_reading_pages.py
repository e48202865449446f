"""Reading the pages (issue 25, items 9-12), on the server: relationships, sanctions and
events with names, roles and provenance; the maps' features; errors and alert reasons in
the user's language; corrections offered only where the user may make them; markings
that need recipients; the alerts' filter kept after acknowledging."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from string import Formatter
from typing import Any

import lxml.html

import watchkeeper
from tests.web.workspace import SECRETS, Browser
from watchkeeper.maritime.alerts import default_rules, list_alerts, rule_templates
from watchkeeper.maritime.tracks import Fix
from watchkeeper.model.marking import Viewer
from watchkeeper.settings import Settings
from watchkeeper.store import open_store
from watchkeeper.web import data, geo
from watchkeeper.web.i18n import translations
from watchkeeper.web.routers.alerts import filtered_list

KO = {"accept-language": "ko-KR,ko;q=0.9"}


def page(response: Any) -> Any:
    assert response.status_code == 200, (response.status_code, response.text[:300])
    return lxml.html.fromstring(response.text)


def cells(row: Any) -> list[str]:
    return [" ".join(td.text_content().split()) for td in row.xpath("./td")]


# -- item 9: relationships, sanctions and events ------------------------------------------


def test_a_relationship_names_its_parties_with_their_roles_and_provenance(
    shared: Settings,
) -> None:
    tree = page(Browser(shared, "analyst").get("/entity/wk-vessel-angara"))
    rows = tree.xpath("//table[contains(@class, 'links')]/tbody/tr")
    assert rows, "the relationships are a table"
    leasing = next(r for r in rows if "M LEASING LLC" in r.text_content())
    relationship, role, party, details, source, grade, marking = cells(leasing)
    assert relationship == "Other link"  # the schema's name, not its id
    assert role == "Subject"  # what ANGARA is in it
    assert party.startswith("M LEASING LLC") and "Company" in party and "(Object)" in party
    assert "wk-company-m-leasing" not in leasing.text_content()  # a name, not an id
    assert leasing.xpath(".//a[@href='/entity/wk-company-m-leasing']")
    assert "Linked To" in details
    assert source.startswith("Specially Designated Nationals List")
    assert grade == "A1" and marking == "TLP:CLEAR"
    # the same in the JSON API
    api = Browser(shared, "analyst").client.get("/api/entities/wk-vessel-angara").json()
    link = next(x for x in api["links"] if x["parties"])
    assert link["label"] == "Other link" and link["roles"] == ["Subject"]
    assert link["parties"][0] == {
        "id": "wk-company-m-leasing",
        "caption": "M LEASING LLC",
        "schema": "Company",
        "role": "Object",
    }
    assert link["provenance"][0]["grade"] == "A1"


def test_the_sanctions_list_ids_are_the_lists_own_and_each_sanction_and_event_has_its_provenance(
    shared: Settings,
) -> None:
    tree = page(Browser(shared, "analyst").get("/entity/wk-vessel-angara"))
    sanctions = [cells(r) for r in tree.xpath("//table[contains(@class, 'sanctions')]/tbody/tr")]
    ofac = next(r for r in sanctions if r[0].startswith("US Treasury"))
    assert ofac[2] == "OFAC:37059"  # not the list's bare number
    assert ofac[4].startswith("Specially Designated Nationals List") and ofac[5] == "A1"
    assert all(r[6].startswith("TLP:") for r in sanctions)
    events = [cells(r) for r in tree.xpath("//table[contains(@class, 'events')]/tbody/tr")]
    gap = next(r for r in events if "AIS gap" in r[1])
    assert gap[2] == "Involved" and gap[4] == "AIS detections matched to known vessels"
    assert gap[5] == "C3" and gap[6] == "TLP:CLEAR"
    imagery = next(r for r in events if r[1].startswith("UK imagery"))
    assert "MARIA" in imagery[3]  # the others involved, by name
    company = page(Browser(shared, "analyst").get("/entity/wk-company-m-leasing"))
    assert company.xpath("//table[contains(@class, 'links')]//a[text()='ANGARA']")
    # a value naming an entity (the sanction's ``entity``) shows its name, linked
    link = tree.xpath("//table[contains(@class, 'sanctions')]//a/@href")[0]
    sanction = page(Browser(shared, "analyst").get(link))
    named = sanction.xpath(
        "//section[@aria-labelledby='values-h']//a[@href='/entity/wk-vessel-angara']"
    )
    assert [a.text_content() for a in named] == ["ANGARA"]


def test_the_provenance_shown_is_the_partners_own_reading(shared: Settings) -> None:
    """The Korean partner sees the shared event with its marking and none of the US-only
    event, relationship or names, in the new columns as anywhere else."""
    response: Any = Browser(shared, "kr-viewer").get("/entity/wk-vessel-angara")
    tree = page(response)
    events = [cells(r) for r in tree.xpath("//table[contains(@class, 'events')]/tbody/tr")]
    shared_row = next(r for r in events if r[1].startswith("Shared assessment"))
    assert shared_row[6] == "TLP:GREEN | REL TO KOR,USA | ORIG us-dia"
    for secret in SECRETS:
        assert secret not in response.text
    assert "lighter tender" not in response.text


# -- item 10: the maps' features -----------------------------------------------------------


def fix(ts: str, lon: float, lat: float = 50.0, mmsi: int = 273000001) -> Fix:
    return Fix(mmsi=mmsi, ts=ts, lat=lat, lon=lon)


def test_a_track_across_the_anti_meridian_goes_on_rather_than_back_across_the_map() -> None:
    track = [
        fix("2024-01-01T00:00:00", 179.6),
        fix("2024-01-01T01:00:00", 179.9),
        fix("2024-01-01T02:00:00", -179.8),
        fix("2024-01-01T03:00:00", -179.5),
        fix("2024-01-01T00:30:00", 10.0, mmsi=1),  # another MMSI: a line of its own
    ]
    features = geo.line(geo.unwrapped(track), "SHIP", "/entity/ship")
    lons = [c[0] for c in features[-1]["geometry"]["coordinates"]]
    assert lons == [179.6, 179.9, 180.2, 180.5]
    assert features[-1]["properties"]["times"][2] == "2024-01-01T02:00:00"
    assert features[0]["geometry"]["coordinates"][0][0] == 10.0
    # and back west: from 180.5 to 170 is not a turn of the world
    back = geo.unwrapped([fix("2024-01-02T00:00:00", -179.5), fix("2024-01-02T01:00:00", 170.0)])
    assert [f.lon for f in back] == [-179.5, -190.0]


def test_a_dark_period_is_the_segment_between_the_positions_around_it() -> None:
    track = [fix(f"2024-03-0{d}T00:00:00", 130.0 + d) for d in range(1, 8)]
    gap = data.Event(
        id="g",
        title="[SIMULATED] AIS gap: SHIP",
        date="2024-03-02T12:00:00",
        end="2024-03-05T06:00:00",
        sectors=[],
        kind="gap",
        alert=True,
    )
    call = data.Event(
        id="p", title="Port call: SHIP", date="2024-03-06T01:00:00", end=None, sectors=[],
        kind="port_call",
    )  # fmt: skip
    segment, point = geo.event_features(track, [gap, call])
    assert segment["geometry"] == {
        "type": "LineString",
        "coordinates": [[132.0, 50.0], [136.0, 50.0]],
    }
    assert segment["properties"]["name"] == "[SIMULATED] AIS gap: SHIP"  # the event, named
    assert segment["properties"]["start"] == gap.date and segment["properties"]["alert"]
    assert point["geometry"]["type"] == "Point" and point["properties"]["kind"] == "port_call"
    assert point["properties"]["note"].startswith("Port call: 2024-03-06 01:00")


def test_the_map_layers_name_each_event_and_give_its_period(shared: Settings) -> None:
    browser = Browser(shared, "analyst")
    found = browser.client.get("/api/map/detections").json()["features"]
    kinds = {f["properties"]["kind"]: f for f in found}
    assert kinds["gap"]["geometry"]["type"] == "LineString"
    assert kinds["port_call"]["geometry"]["type"] == "Point"
    assert all(f["properties"]["name"].startswith("[SIMULATED]") for f in found)
    assert all(f["properties"]["start"] for f in found)
    tracks = browser.client.get("/api/map/tracks").json()["features"]
    assert all(len(t["properties"]["times"]) == len(t["geometry"]["coordinates"]) for t in tracks)


# -- item 11: errors and alert reasons in the user's language -----------------------------


def fields(template: str) -> set[str]:
    return {name for _t, name, _s, _c in Formatter().parse(template) if name}


def error_templates() -> set[str]:
    """Every ``template=`` an error is raised with in the package (message ids)."""
    found = set()
    for path in Path(watchkeeper.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    value = keyword.value
                    if keyword.arg == "template" and isinstance(value, ast.Constant):
                        found.add(str(value.value))
    return found


def test_every_alert_reason_and_error_message_id_has_a_korean_translation() -> None:
    korean = translations("ko")
    templates = rule_templates(default_rules())
    errors = error_templates()
    assert len(templates) >= 15 and len(errors) >= 8
    for template in [*templates, *errors]:
        translated = korean.gettext(template)
        assert translated != template, f"no Korean for {template!r}"
        assert fields(translated) == fields(template), template


def test_alert_reasons_are_shown_in_korean_and_stay_english_for_the_cli(shared: Settings) -> None:
    korean: Any = Browser(shared, "kr-liaison").get("/alerts", headers=KO)
    assert korean.status_code == 200
    assert "AIS 신호" in korean.text and "시간 끊김" in korean.text
    assert "AIS silent for" not in korean.text
    english: Any = Browser(shared, "kr-liaison").get("/alerts")
    assert "AIS silent for" in english.text
    store = open_store(shared)
    try:
        alerts = list_alerts(store.read(Viewer("kr-mofa", "KOR")))
    finally:
        store.close()
    assert any(a["reason"].startswith("AIS silent for") for a in alerts)


def test_errors_are_shown_in_korean(shared: Settings) -> None:
    browser = Browser(shared, "kr-liaison")
    missing: Any = browser.get("/entity/wk-no-such-thing", headers=KO)
    assert missing.status_code == 404
    assert (
        "찾을 수 없습니다" in missing.text
        and "개체 wk-no-such-thing이(가) 없습니다" in missing.text
    )
    bad: Any = browser.get("/alerts?since=yesterday", headers=KO)
    assert bad.status_code == 400
    assert (
        "요청이 거부되었습니다" in bad.text and "ISO 날짜나 시간이 아닙니다: yesterday" in bad.text
    )
    wrong: Any = browser.post(
        "/entry/entity",
        {"schema": "Person", "name": "Pak", "tlp": "GREEN", "rel_to": "KRX"},
        headers={**KO, "accept": "text/html"},
    )
    assert wrong.status_code == 400
    assert "KRX은(는) ISO 3166 알파-3 국가 코드가 아닙니다" in wrong.text
    # the API keeps its English detail
    api: Any = browser.client.get("/api/entities/wk-no-such-thing", headers=KO)
    assert api.json() == {"detail": "no entity 'wk-no-such-thing'"}


# -- item 12: what the user may do ---------------------------------------------------------


def correction_links(response: Any) -> list[str]:
    return re.findall(r'href="(/entry/statement/[^"]+)"', response.text)


def test_a_partner_is_offered_corrections_only_on_its_own_organisations_values(
    fresh: Settings,
) -> None:
    analyst: Any = Browser(fresh, "analyst").get("/entity/wk-vessel-angara")
    offered = correction_links(analyst)
    assert offered  # the workspace's own organisation owns the imported lists' values
    liaison = Browser(fresh, "kr-liaison")
    response: Any = liaison.get("/entity/wk-vessel-angara")
    assert correction_links(response) == []
    assert "owned by local" in response.text
    form: Any = liaison.get(offered[0].replace("&amp;", "&"))
    assert form.status_code == 403  # nor reached by its address
    # a value the partner entered itself is offered to it
    made: Any = liaison.post(
        "/entry/entity/wk-vessel-angara",
        {"prop0": "notes", "value0": "seen at Rajin by our liaison", "tlp": "GREEN"},
    )
    assert made.status_code == 303
    again: Any = liaison.get("/entity/wk-vessel-angara")
    own = correction_links(again)
    assert len(own) == 1
    assert page(liaison.get(own[0].replace("&amp;", "&"))).xpath("//form")


def test_a_marking_from_amber_up_without_recipients_is_refused_and_nothing_written(
    fresh: Settings,
) -> None:
    browser = Browser(fresh, "analyst")

    def people() -> list[str]:
        store = open_store(fresh)
        try:
            return sorted(store.read(Viewer("local")).entity_ids("Person"))
        finally:
            store.close()

    before = people()
    for tlp in ("AMBER", "AMBER+STRICT", "RED"):
        refused: Any = browser.post(
            "/entry/entity", {"schema": "Person", "name": "Pak Amber", "tlp": tlp}
        )
        assert refused.status_code == 400, tlp
        assert "needs its recipients" in refused.text
    assert people() == before
    accepted: Any = browser.post(
        "/entry/entity",
        {"schema": "Person", "name": "Pak Amber", "tlp": "AMBER", "recipients": "kr-mofa"},
    )
    assert accepted.status_code == 303
    assert len(people()) == len(before) + 1


def test_acknowledging_an_alert_returns_to_the_list_as_it_was_filtered(fresh: Settings) -> None:
    browser = Browser(fresh, "analyst")
    query = "severity=low&kind=gap&open=true"
    listed = page(browser.get(f"/alerts?{query}"))
    form = listed.xpath("//form[@action='/alerts/acknowledge']")[0]
    values = {i.get("name"): i.get("value") or "" for i in form.xpath(".//input")}
    assert values["filters"] == query
    done: Any = browser.post("/alerts/acknowledge", {**values, "note": "read"})
    assert done.status_code == 303
    assert done.headers["location"] == f"/alerts?{query}#alerts-table"
    # the way back goes to the alerts list and nowhere else
    assert filtered_list("next=https://evil.example&kind=gap") == "/alerts?kind=gap"
    assert filtered_list("") == "/alerts"
