"""The bundled theater dataset: its schema check, and its identifiers against the real lists."""

from __future__ import annotations

import csv
import dataclasses
import re
import xml.etree.ElementTree as ET

import pytest

from tests.conftest import OFAC_CSV, UN_XML
from watchkeeper.errors import InputError
from watchkeeper.model.marking import Viewer
from watchkeeper.model.sectors import sectors
from watchkeeper.store import Store
from watchkeeper.theater import load_dataset, load_theater, validate
from watchkeeper.theater.dataset import imo_valid

WATCHED_PORTS = {"Rajin", "Chongjin", "Nampho", "Vostochny", "Nakhodka", "Vladivostok", "Dunai"}


def test_dataset_passes_its_schema_check() -> None:
    assert validate(load_dataset()) == []


def test_dataset_size_and_coverage() -> None:
    theater = load_dataset()
    events = [e for e in theater.events if "2023" <= str(e["date"])[:4] <= "2025"]
    assert len(events) >= 80
    assert len(theater.entities) >= 60
    assert {p["name"] for p in theater.ports} >= WATCHED_PORTS
    shuttle = {
        e["name"]
        for e in theater.entities
        if e["schema"] == "Vessel" and e["properties"].get("imoNumber")
    }
    assert {"ANGARA", "MARIA", "MAIA-1", "LADY R"} <= shuttle
    assert {e["sector"] for e in theater.events} <= set(sectors())
    kinds = {e["schema"] for e in theater.entities}
    assert {"Vessel", "Company", "Organization", "Person"} <= kinds


def test_schema_check_catches_problems() -> None:
    theater = load_dataset()
    broken_event = {
        **theater.events[0],
        "sector": "knitting",
        "involved": ["nobody"],
        "citation": {"publisher": "x"},
    }
    broken_entity = {**theater.entities[0], "properties": {"imoNumber": "9179843"}}
    broken = dataclasses.replace(
        theater, events=[broken_event], entities=[broken_entity, *theater.entities[1:]]
    )
    problems = "\n".join(validate(broken))
    assert "unknown sector 'knitting'" in problems
    assert "involves unknown entity 'nobody'" in problems
    assert "citation lacks url" in problems
    assert "IMO 9179843 fails its check digit" in problems


def test_imo_check_digit() -> None:
    assert imo_valid("9179842") and imo_valid("IMO8517839")
    assert not imo_valid("9179841") and not imo_valid("917984")


def test_list_identifiers_match_the_real_lists() -> None:
    with OFAC_CSV.open(encoding="latin-1", newline="") as fh:
        ofac = {r[0]: r for r in csv.reader(fh) if len(r) == 12}
    un: dict[str, set[str]] = {}
    for rec in ET.parse(UN_XML).getroot().iter():
        if rec.tag in ("INDIVIDUAL", "ENTITY"):
            parts = [
                (rec.findtext(t) or "").strip() for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME")
            ]
            names = {" ".join(p for p in parts if p).upper()}
            names |= {(a.text or "").strip('" ').upper() for a in rec.iter("ALIAS_NAME")}
            un[(rec.findtext("REFERENCE_NUMBER") or "").strip()] = names
    checked = 0
    for ent in load_dataset().entities:
        names = {ent["name"].upper(), *(a.upper() for a in ent.get("aliases", []))}
        ids = ent.get("list_ids", {})
        if "OFAC" in ids:
            row = ofac[ids["OFAC"]]
            assert row[1].upper() in names or names & {
                a.upper() for a in re.findall(r"a\.k\.a\. '([^']+)'", row[11])
            }, ent["id"]
            imo = ent["properties"].get("imoNumber")
            if imo and ent["schema"] == "Vessel":
                assert f"IMO {imo}" in row[11], ent["id"]
            checked += 1
        if "UN" in ids:
            assert names & un[ids["UN"]], ent["id"]
            checked += 1
    assert checked >= 30


def test_loading_ties_each_value_to_its_cited_report(store: Store) -> None:
    summary = load_theater(store)
    assert summary.added > 1500
    reader = store.read(Viewer("anyone", None))
    angara = reader.entity("wk-vessel-angara")
    assert angara is not None and angara.entity.get("imoNumber") == ["9179842"]
    sources = {s["id"]: s for s in reader.sources()}
    for sv in angara.statements:
        src = sources[sv.source_id]
        assert src["kind"] == "list" and src["reliability"] == "A"
        assert sv.credibility == 1
    events = [v for v in reader.referencing("wk-vessel-angara") if v.schema == "Event"]
    assert len(events) >= 5
    for event in events:
        stmt = event.statements[0]
        assert sources[stmt.source_id]["url"].startswith("http")
        assert stmt.credibility in (1, 2, 3, 4)
    list_ids = {
        i
        for v in reader.referencing("wk-vessel-angara")
        if v.schema == "Sanction"
        for i in v.entity.get("authorityId")
    }
    assert list_ids == {"37059"}
    ports = {v.entity.first("name"): v for v in reader.entities(reader.entity_ids("Address"))}
    assert float(ports["Rajin"].entity.get("latitude")[0]) == pytest.approx(42.245)


def test_loading_twice_changes_nothing(sqlite_store: Store) -> None:
    load_theater(sqlite_store)
    before = sqlite_store.digest()
    again = load_theater(sqlite_store)
    assert not again.changed and sqlite_store.digest() == before


def test_item_markings_are_enforced(sqlite_store: Store) -> None:
    theater = load_dataset()
    restricted = {
        **theater.events[0],
        "marking": {
            "tlp": "AMBER",
            "rel_to": "MSMT",
            "originator": "kor-nis",
            "recipients": ["us-state"],
        },
    }
    changed = dataclasses.replace(
        theater, events=[restricted, *theater.events[1:]], checksum="x" * 64
    )
    load_theater(sqlite_store, changed)
    event_id = "wk-" + restricted["id"]
    assert sqlite_store.read(Viewer("anyone", "BRA")).entity(event_id) is None
    assert sqlite_store.read(Viewer("us-state", "USA")).entity(event_id) is not None
    assert sqlite_store.read(Viewer("us-state", "BRA")).entity(event_id) is None


def test_a_broken_dataset_is_refused_and_nothing_is_written(sqlite_store: Store) -> None:
    theater = load_dataset()
    broken = dataclasses.replace(
        theater, events=[{**theater.events[0], "sector": "knitting"}], checksum="y" * 64
    )
    before = sqlite_store.digest()
    with pytest.raises(InputError, match="unknown sector"):
        load_theater(sqlite_store, broken)
    assert sqlite_store.digest() == before
