"""The bundled theater dataset: its schema check, its loader, and its sources, list
identifiers and wording checked against the reference set and the real lists."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from watchkeeper.errors import InputError
from watchkeeper.importers import write_record
from watchkeeper.importers.base import Record, make_entity
from watchkeeper.model.marking import Viewer
from watchkeeper.model.sectors import sectors
from watchkeeper.model.source import Source
from watchkeeper.store import Store
from watchkeeper.theater import load_dataset, load_theater, validate
from watchkeeper.theater.dataset import Theater, imo_valid, spelled, url_slug
from watchkeeper.theater.loader import declared_source
from watchkeeper.theater.overview import EARLIER, build_overview

WATCHED_PORTS = {"Rajin", "Chongjin", "Nampho", "Vostochny", "Nakhodka", "Vladivostok", "Dunai"}
ANYONE = Viewer("anyone", None)


def _replace(theater: Theater, **changes: Any) -> Theater:
    return dataclasses.replace(theater, checksum="z" * 64, **changes)


def _problems(theater: Theater) -> str:
    return "\n".join(validate(theater))


def test_dataset_passes_its_schema_check() -> None:
    assert validate(load_dataset()) == []


def test_dataset_size_and_coverage() -> None:
    theater = load_dataset()
    war = [e for e in theater.events if "2023" <= str(e["date"])[:4] <= "2025"]
    assert len(war) >= 80 and len(theater.events) >= 95
    assert len(theater.entities) >= 80
    assert {p["name"] for p in theater.ports} >= WATCHED_PORTS
    shuttle = {
        e["name"]
        for e in theater.entities
        if e["schema"] == "Vessel" and e.get("properties", {}).get("imoNumber")
    }
    assert {"ANGARA", "MARIA", "MAIA-1", "LADY R"} <= shuttle
    assert {s for e in theater.events for s in e["sector"]} <= set(sectors())
    assert {"Vessel", "Company", "Organization", "Person", "PublicBody"} <= {
        e["schema"] for e in theater.entities
    }


def test_the_essays_themes_have_evidence() -> None:
    """Issue 16: the Iran leg, naval and undersea, labour, aircraft and air defence, and the
    history the essay leans on each have events, and Iran has entities of its own."""
    theater = load_dataset()
    by_sector = {code: [e for e in theater.events if code in e["sector"]] for code in sectors()}
    for code in ("naval", "undersea", "labor", "aviation", "air_defense", "uav", "industry", "ew"):
        assert len(by_sector[code]) >= 2, code
    iranian = {
        e["id"] for e in theater.entities if "ir" in str(e.get("properties", {}).get("country", ""))
    }
    assert len(iranian) >= 3
    iran_events = [e for e in theater.events if set(e.get("involved", [])) & iranian]
    assert len(iran_events) >= 4
    assert {"uav", "missiles", "space"} <= {s for e in iran_events for s in e["sector"]}
    assert [e for e in theater.events if str(e["date"]) == "1990-09-30"]  # the 1990 precedent
    assert len([e for e in theater.events if str(e["date"])[:4] < "2000"]) >= 3


def test_events_may_concern_several_sectors() -> None:
    theater = load_dataset()
    kn23 = next(e for e in theater.events if e["id"].startswith("ev-2024-06-24-eu-adopts"))
    assert kn23["sector"] == ["sanctions", "shipping"]
    submarine = next(e for e in theater.events if e["id"].startswith("ev-2025-09-report-"))
    assert set(submarine["sector"]) == {"nuclear", "undersea"}
    one_string = {**kn23, "sector": "missiles"}
    assert "sector must be a non-empty list" in _problems(
        _replace(theater, events=[one_string, *theater.events[1:]])
    )
    repeated = {**kn23, "sector": ["uav", "uav"]}
    assert "repeats a code" in _problems(_replace(theater, events=[repeated]))


def test_schema_check_catches_problems() -> None:
    theater = load_dataset()
    broken_event = {
        **theater.events[0],
        "sector": ["knitting"],
        "involved": ["nobody"],
        "source": "no-such-source",
    }
    broken_entity = {**theater.entities[0], "properties": {"imoNumber": "9179843"}}
    broken = _replace(
        theater, events=[broken_event], entities=[broken_entity, *theater.entities[1:]]
    )
    problems = _problems(broken)
    assert "unknown sector 'knitting'" in problems
    assert "involves unknown entity 'nobody'" in problems
    assert "cites unknown source 'no-such-source'" in problems
    assert "IMO 9179843 fails its check digit" in problems


def test_one_url_is_one_source() -> None:
    """The loader keys a source by its record: two records for one URL, with other titles or
    publishers, would give one document two descriptions. The schema check refuses it."""
    theater = load_dataset()
    first = theater.sources[5]
    twin = {**first, "id": "twin", "title": "Another title", "title_from": "page", "support": "x"}
    problems = _problems(_replace(theater, sources=[*theater.sources, twin]))
    assert (
        f"url {first['url']}: declared with conflicting details by sources {first['id']}, twin"
        in (problems)
    )


@pytest.mark.parametrize(
    ("title", "problem"),
    [
        ("AP via The Independent report", "is a placeholder"),
        ("UN experts confirm...", "is cut off"),
        ("Russia vetoes UN resolution…", "is cut off"),
    ],
)
def test_placeholder_and_cut_off_titles_are_refused(title: str, problem: str) -> None:
    theater = load_dataset()
    source = next(s for s in theater.sources if s["id"] == "independent-2024-11-29")
    changed = [{**s, "title": title} if s is source else s for s in theater.sources]
    assert problem in _problems(_replace(theater, sources=changed))


def test_a_title_said_to_come_from_the_url_must_spell_its_slug() -> None:
    theater = load_dataset()
    source = next(s for s in theater.sources if s["id"] == "localnews8-2024-03-28")
    assert spelled(source["title"]) == url_slug(source["url"])
    changed = [
        {**s, "title": "Russia vetoes UN resolution on monitors"} if s is source else s
        for s in theater.sources
    ]
    assert "does not read as its URL's headline slug" in _problems(
        _replace(theater, sources=changed)
    )


def test_a_source_must_not_predate_the_fact_it_supports() -> None:
    """A report of 21 June cannot show that something happened on 24 June: it supports the
    plan. The event must be dated and worded as what the source reports."""
    theater = load_dataset()
    event = next(e for e in theater.events if e["id"].startswith("ev-2024-06-19-eu-states-agree"))
    assert event["source"] == "tass-2024-06-21" and "were to adopt it" in event["summary"]
    as_fact = {**event, "date": "2024-06-24"}
    problems = _problems(_replace(theater, events=[as_fact, *theater.events]))
    assert "source tass-2024-06-21 (2024-06-21) predates the fact it supports (2024-06-24)" in (
        problems
    )
    angara = next(e for e in theater.entities if e["id"] == "vessel-angara")
    early = {
        **angara,
        "designations": [{"authority": "x", "date": "2024-06-24", "source": "tass-2024-06-21"}],
    }
    assert "predates the fact it supports" in _problems(
        _replace(theater, entities=[early, *theater.entities[1:]])
    )


def test_team_sources_say_what_supports_them() -> None:
    theater = load_dataset()
    team = [s for s in theater.sources if s["basis"] == "team"]
    assert team and all(len(str(s.get("support", ""))) > 40 for s in team)
    bare = {**team[0], "support": ""}
    changed = [bare if s is team[0] else s for s in theater.sources]
    assert "must say what supports it" in _problems(_replace(theater, sources=changed))


def test_a_source_cited_only_by_marked_items_needs_a_marking() -> None:
    """Otherwise its title would be readable by viewers who may see none of the items."""
    theater = load_dataset()
    secret: dict[str, Any] = {
        "id": "secret-report",
        "publisher": "Partner briefing",
        "date": "2025-01",
        "url": "https://example.org/secret",
        "reliability": "B",
        "basis": "team",
        "support": "an analyst's note of a partner briefing, kept at AMBER by the originator",
    }
    marked = {
        **theater.events[0],
        "id": "ev-secret",
        "source": "secret-report",
        "also_reported": [],
        "marking": {"tlp": "AMBER", "originator": "kor-nis"},
    }
    changed = _replace(
        theater, sources=[*theater.sources, secret], events=[*theater.events, marked]
    )
    assert "cited only by marked items" in _problems(changed)
    secret["marking"] = {"tlp": "AMBER", "originator": "kor-nis"}
    assert validate(changed) == []


def test_imo_check_digit() -> None:
    assert imo_valid("9179842") and imo_valid("IMO8517839")
    assert not imo_valid("9179841") and not imo_valid("917984")


def test_relayed_statements_are_graded_on_their_originator() -> None:
    """Issue 10: White House statements relayed by news agencies were graded on the agency
    (C); the treaty's signing on a media report. Both are graded on who speaks."""
    theater = load_dataset()
    sources = {s["id"]: s for s in theater.sources}
    white_house = [s for s in theater.sources if "White House" in str(s.get("originator", ""))]
    assert len(white_house) >= 5
    assert all(s["reliability"] == "B" and s["relayed_by"] for s in white_house)
    assert sources["menafn-2024-01-04"]["relayed_by"] == "KUNA via MENAFN"
    treaty = next(e for e in theater.events if e["id"].startswith("ev-2024-06-19-putin-and-kim"))
    signed = sources[treaty["source"]]
    assert signed["reliability"] == "A" and "signatories" in signed["originator"]
    assert treaty["credibility"] == 1
    stored = declared_source(sources["kbs-2023-10-13"])
    assert (
        stored.publisher.startswith("The White House") and "relayed by Yonhap" in stored.publisher
    )
    assert stored.url == sources["kbs-2023-10-13"]["url"]


def test_values_are_attributed_to_the_source_that_carries_them() -> None:
    """Only what the OFAC file says is attributed to it: a name, identifiers and OFAC's own
    listing. EU, Japanese, South Korean and UN designations and think-tank findings cite
    their own sources."""
    theater = load_dataset()
    lists = {"ofac-sdn-2024-05-03": "OFAC", "un-consolidated-2025-04-19": "UN"}
    for ent in theater.entities:
        cited = [ent["source"], *(f["source"] for f in ent.get("facts", []))]
        for source in cited:
            if source in lists:
                assert lists[source] in ent.get("list_ids", {}), (ent["id"], source)
        for des in ent.get("designations", []):
            if des["source"] in lists:
                assert des.get("list") == lists[des["source"]], (ent["id"], des)
            if not des["authority"].startswith("US"):
                assert des["source"] not in ("ofac-sdn-2024-05-03", "ofac-sdn-archive"), ent["id"]
        if ent["source"] in lists:
            assert not any(
                word in ent.get("summary", "").lower()
                for word in ("voyage", "rusi", "osc", "trips", "delivered", "according to")
            ), ent["id"]
    angara = next(e for e in theater.entities if e["id"] == "vessel-angara")
    by_authority = {d["authority"]: d["source"] for d in angara["designations"]}
    assert by_authority["South Korean Ministry of Foreign Affairs"] == "joongang-2024-04-02"
    # The adoption on 24 June 2024, not the agreement of 19 June (issue 24).
    assert by_authority["Council of the EU"] == "tass-2024-06-24"
    eu = next(d for d in angara["designations"] if d["authority"] == "Council of the EU")
    assert eu["date"] == "2024-06-24"
    assert {f["source"] for f in angara["facts"]} == {
        "rusi-2023-10-17",
        "maritimeexecutive-2024-04-25",
    }


def test_the_kn23_event_cites_what_supports_it() -> None:
    """Issue 10: the 2025-06-09 KN-23 event carried a URL whose slug is another story, with a
    title and an exact date the reference does not give. Issue 24: the reference's page is
    a live blog headed by a cathedral in Kyiv; the event now cites a report whose headline
    says what it states, and the drone claim is an event of its own with its own source."""
    theater = load_dataset()
    event = next(e for e in theater.events if e["id"].startswith("ev-2025-06-09-hur-kn-23"))
    source = next(s for s in theater.sources if s["id"] == event["source"])
    assert "North Korean missiles becoming more precise" in source["title"]
    assert source["basis"] == "team" and "stored copy of the page" in source["support"]
    assert "tunisiatimes-2025-06" in event["also_reported"]
    assert "Shahed" not in event["summary"] and event["sector"] == ["missiles"]
    drones = next(e for e in theater.events if e["id"].endswith("make-shahed-drones"))
    cited = next(s for s in theater.sources if s["id"] == drones["source"])
    assert "Cooperation with North Korea" in cited["title"] and "Budanov" in cited["originator"]
    relay = next(s for s in theater.sources if s["id"] == "tunisiatimes-2025-06")
    assert relay["date"] == "2025-06" and "digest" in relay["note"]


def test_the_dia_debris_event_cites_a_report_about_it() -> None:
    """Issue 24: the DIA's debris analysis was cited to a piece headed by North Korea's
    rocket salvo; it now cites one whose headline is the DIA's finding."""
    theater = load_dataset()
    event = next(
        e for e in theater.events if e["id"] == "ev-2024-05-dia-publishes-missile-debris-analysis"
    )
    source = next(s for s in theater.sources if s["id"] == event["source"])
    assert "Russia has used North Korean missiles" in source["title"]
    assert "Kharkiv" in event["summary"]


def test_the_eu_adoption_of_the_port_ban_is_recorded() -> None:
    """Issue 24: only the agreement of 19 June 2024 was recorded, not the adoption."""
    theater = load_dataset()
    adopted = [e for e in theater.events if e["date"] == "2024-06-24" and "EU" in e["title"]]
    assert len(adopted) == 1
    assert set(adopted[0]["involved"]) == {
        "vessel-angara", "vessel-lady-r", "vessel-maia-1", "vessel-maria"
    }  # fmt: skip
    source = next(s for s in theater.sources if s["id"] == adopted[0]["source"])
    assert source["date"] == "2024-06-24" and "Council" in source["originator"]


def test_loading_ties_each_value_to_its_own_source(store: Store) -> None:
    summary = load_theater(store)
    assert summary.added > 2000 and summary.entities > 180
    reader = store.read(ANYONE)
    sources = {s["id"]: s for s in reader.sources()}
    angara = reader.entity("wk-vessel-angara")
    assert angara is not None and angara.entity.get("imoNumber") == ["9179842"]
    by_prop: dict[str, set[str]] = {}
    for sv in angara.statements:
        by_prop.setdefault(sv.statement.prop, set()).add(sources[sv.source_id]["publisher"])
    assert by_prop["imoNumber"] == {"US Treasury Office of Foreign Assets Control"}
    assert any("RUSI" in p for p in by_prop["summary"])
    imo = next(sv for sv in angara.statements if sv.statement.prop == "imoNumber")
    assert sources[imo.source_id]["kind"] == "list" and imo.credibility == 1
    sanctions = [v for v in reader.referencing("wk-vessel-angara") if v.schema == "Sanction"]
    authorities: dict[str, set[str]] = {}
    for view in sanctions:
        for sv in view.statements:
            if sv.statement.prop in ("authority", "startDate"):
                authorities.setdefault(sv.statement.value, set()).add(
                    sources[sv.source_id]["publisher"]
                )
    assert authorities["South Korean Ministry of Foreign Affairs"] == {
        "South Korean Ministry of Foreign Affairs (designations of 2024-04-02) "
        "(relayed by Korea JoongAng Daily)"
    }
    assert authorities["US Treasury Office of Foreign Assets Control"] == {
        "US Treasury Office of Foreign Assets Control"
    }
    list_ids = {i for v in sanctions for i in v.entity.get("authorityId")}
    assert list_ids == {"37059"}
    events = [v for v in reader.referencing("wk-vessel-angara") if v.schema == "Event"]
    assert len(events) >= 5
    for event in events:
        assert all(sources[sv.source_id]["url"].startswith("http") for sv in event.statements)
    ports = {v.entity.first("name"): v for v in reader.entities(reader.entity_ids("Address"))}
    rajin = ports["Rajin"]
    assert float(rajin.entity.get("latitude")[0]) == pytest.approx(42.245)
    position = next(sv for sv in rajin.statements if sv.statement.prop == "latitude")
    assert sources[position.source_id]["kind"] == "analyst"


def test_each_declared_source_is_stored_once_with_its_details(sqlite_store: Store) -> None:
    theater = load_dataset()
    load_theater(sqlite_store)
    stored = [
        s for s in sqlite_store.read(ANYONE).sources() if s["id"].startswith("wk_theater:src:")
    ]
    declared = {declared_source(s).id for s in theater.sources}
    assert {s["id"] for s in stored} <= declared and len(stored) >= 100
    by_url = {s["url"]: s for s in stored if s["url"]}
    assert len(by_url) == len([s for s in stored if s["url"]])
    interfax = by_url["https://interfax.com/newsroom/top-stories/108291/"]
    assert interfax["title"].startswith("Russia-N. Korea Treaty of Comprehensive")
    assert interfax["reliability"] == "A"
    untitled = by_url["http://world.kbs.co.kr/service/news_view.htm?lang=e&Seq_Code=181077"]
    assert untitled["title"].startswith("[headline not recorded]")


def test_a_reattributed_value_ends_its_old_attribution(sqlite_store: Store) -> None:
    """Statement ids include the source: a release that attributes an unchanged value to
    another source ends the old attribution instead of silently keeping it."""
    theater = load_dataset()
    load_theater(sqlite_store)
    pamfilov = next(e for e in theater.entities if e["id"] == "person-pamfilov")
    moved = {**pamfilov, "source": "unn-2024-05-24"}
    entities = [moved if e is pamfilov else e for e in theater.entities]
    later = {**theater.meta, "published": "2099-01-01"}
    summary = load_theater(sqlite_store, _replace(theater, entities=entities, meta=later))
    assert summary.ended > 0
    view = sqlite_store.read(ANYONE).entity("wk-person-pamfilov")
    assert view is not None
    publishers = {s["id"]: s["publisher"] for s in sqlite_store.read(ANYONE).sources()}
    names = [sv for sv in view.statements if sv.statement.prop == "name" and not sv.ended_at]
    assert [publishers[sv.source_id] for sv in names] == [
        "South Korean Ministry of Foreign Affairs (designations of 2024-05-24) "
        "(relayed by Yonhap via UNN)"
    ]


def test_loading_twice_changes_nothing(sqlite_store: Store) -> None:
    load_theater(sqlite_store)
    before = sqlite_store.digest()
    again = load_theater(sqlite_store)
    assert not again.changed and sqlite_store.digest() == before


def test_item_markings_are_enforced(sqlite_store: Store) -> None:
    theater = load_dataset()
    shared = next(e for e in theater.events if e["source"] == "i24news-2023-07-27")
    restricted = {
        **shared,
        "marking": {
            "tlp": "AMBER",
            "rel_to": "MSMT",
            "originator": "kor-nis",
            "recipients": ["us-state"],
        },
    }
    others = [e for e in theater.events if e is not shared]
    load_theater(sqlite_store, _replace(theater, events=[restricted, *others]))
    event_id = "wk-" + restricted["id"]
    assert sqlite_store.read(Viewer("anyone", "BRA")).entity(event_id) is None
    assert sqlite_store.read(Viewer("us-state", "USA")).entity(event_id) is not None
    assert sqlite_store.read(Viewer("us-state", "BRA")).entity(event_id) is None


def test_a_broken_dataset_is_refused_and_nothing_is_written(sqlite_store: Store) -> None:
    theater = load_dataset()
    broken = _replace(theater, events=[{**theater.events[0], "sector": ["knitting"]}])
    before = sqlite_store.digest()
    with pytest.raises(InputError, match="unknown sector"):
        load_theater(sqlite_store, broken)
    assert sqlite_store.digest() == before


def test_overview_counts_each_event_in_each_of_its_sectors(sqlite_store: Store) -> None:
    """Events by sector and year: an event of two sectors counts in both, history before
    the war years is one column, and other datasets' events (maritime detections, whose
    keywords include a sector word) are not theater events."""
    theater = load_dataset()
    load_theater(sqlite_store)
    detection = make_entity("Event", "ais-test-detection", "wk_ais")
    detection.add("name", "Port call: TEST")
    detection.add("date", "2025-01-05")
    detection.add("keywords", ["port_call", "shipping", "alert"])
    source = Source(id="wk_ais:test", dataset="wk_ais", kind="feed", title="AIS", publisher="x")
    with sqlite_store.write(source, full_release=False) as writer:
        write_record(writer, Record(detection))
    data = build_overview(sqlite_store.read(ANYONE))
    counts = data.events_by_sector_year
    assert sum(counts.values()) == sum(len(e["sector"]) for e in theater.events)
    naval_2024 = [
        e for e in theater.events if "naval" in e["sector"] and str(e["date"]).startswith("2024")
    ]
    assert counts[("naval", "2024")] == len(naval_2024) >= 1
    assert counts[("troops", "2024")] >= counts[("naval", "2024")]
    assert counts[("industry", EARLIER)] >= 2 and counts[("diplomacy", EARLIER)] >= 1
    shipping_2025 = [
        e for e in theater.events if "shipping" in e["sector"] and str(e["date"]).startswith("2025")
    ]
    assert counts[("shipping", "2025")] == len(shipping_2025)
    assert not [key for key in counts if key[0] in ("port_call", "alert")]
