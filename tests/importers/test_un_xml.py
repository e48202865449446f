"""The real UN consolidated list (2025-04-19), checked against the file itself."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from tests.conftest import UN_XML
from watchkeeper.importers import run_import
from watchkeeper.model.marking import Viewer
from watchkeeper.store import Store

VIEWER = Viewer("analyst", "KOR")


@pytest.fixture(scope="module")
def un_records() -> list[ET.Element]:
    root = ET.parse(UN_XML).getroot()
    return [r for r in root.iter() if r.tag in ("INDIVIDUAL", "ENTITY")]


def test_one_entity_per_record_with_all_dprk_aliases(
    store: Store, un_records: list[ET.Element]
) -> None:
    summary = run_import(store, "un-xml", UN_XML)
    assert summary.added > 0
    reader = store.read(VIEWER)
    persons = reader.entity_ids("Person")
    orgs = reader.entity_ids("Organization")
    kinds = Counter(r.tag for r in un_records)
    assert len(persons) == kinds["INDIVIDUAL"] == 684
    assert len(orgs) == kinds["ENTITY"] == 193

    def ref(rec: ET.Element) -> str:
        # Some reference numbers carry trailing spaces in the file.
        return (rec.findtext("REFERENCE_NUMBER") or "").strip()

    def entity_id(rec: ET.Element) -> str:
        return "unsc-" + ref(rec).lower().replace(".", "-")

    dprk = [r for r in un_records if ref(r).startswith("KP")]
    assert Counter(ref(r)[:3] for r in dprk) == {"KPi": 80, "KPe": 75}
    views = {v.id: v for v in reader.entities([entity_id(r) for r in dprk])}
    assert len(views) == 155
    missing = []
    aliases = 0
    crossed = []
    for rec in dprk:
        view = views[entity_id(rec)]
        names = {
            n.casefold()
            for p in ("alias", "weakAlias", "previousName", "name")
            for n in view.entity.get(p)
        }
        for alias in rec.iter("ALIAS_NAME"):
            text = (alias.text or "").strip().strip('"').strip()
            aliases += bool(text)
            if re.search(r"\([A-Z]{2}[EI]\.\d{3}\)$", text, re.IGNORECASE):
                crossed.append((ref(rec), text))  # another entry's reference: a link
                assert text.casefold() not in names
            elif text and text.casefold() not in names:
                missing.append((ref(rec), text))
    assert aliases == 214
    assert missing == []
    assert crossed == [("KPe.021", "SECOND ACADEMY OF NATURAL SCIENCES (KPE.018)")]


def test_an_alias_naming_another_entry_is_a_link_to_it(store: Store) -> None:
    """The Academy of National Defence Science (KPe.021) lists "SECOND ACADEMY OF NATURAL
    SCIENCES (KPE.018)" as an a.k.a.: a pointer to the Second Academy's own entry, linked
    as such, never an alias that would make the two one entity for xref."""
    run_import(store, "un-xml", UN_XML)
    reader = store.read(VIEWER)
    academy = reader.entity("unsc-kpe-021")
    assert academy is not None
    names = {n.casefold() for p in ("name", "alias") for n in academy.entity.get(p)}
    assert not any("second academy" in n for n in names)
    links = [v for v in reader.referencing("unsc-kpe-018") if v.schema == "UnknownLink"]
    assert [(v.entity.get("subject"), v.entity.get("object")) for v in links] == [
        (["unsc-kpe-021"], ["unsc-kpe-018"])
    ]
    assert "KPe.018" in links[0].entity.get("role")[0]


def test_dprk_record_details(store: Store) -> None:
    run_import(store, "un-xml", UN_XML)
    reader = store.read(VIEWER)
    view = reader.entity("unsc-kpi-001")
    assert view is not None
    entity = view.entity
    assert entity.get("name") == ["YUN HO-JIN"]
    assert entity.get("alias") == ["Yun Ho-chin"]
    assert entity.get("birthDate") == ["1944-10-13"]
    assert entity.get("nationality") == ["kp"]
    assert entity.get("position") == ["Director of Namchongang Trading Corporation"]
    sanctions = [v for v in reader.referencing("unsc-kpi-001") if v.schema == "Sanction"]
    assert len(sanctions) == 1
    sanction = sanctions[0].entity
    assert sanction.get("unscId") == ["KPi.001"]
    assert sanction.get("listingDate") == ["2009-07-16"]
    assert sanction.get("program") == ["DPRK"]
    # Low-quality aliases are weak aliases; passports become Passport entities.
    weak = [e for e in reader.entities(reader.entity_ids("Person")) if e.entity.get("weakAlias")]
    assert weak
    passports = reader.entity_ids("Passport")
    assert passports and all(p.startswith("unsc-") for p in passports)


def test_release_date_comes_from_the_file(store: Store) -> None:
    summary = run_import(store, "un-xml", UN_XML)
    src = store.read(VIEWER).source(summary.source_id)
    assert src is not None and src["published"] == "2025-04-19T23:00:04"
    assert src["reliability"] == "A" and src["checksum"]


def test_reimporting_the_same_file_changes_nothing(sqlite_store: Store) -> None:
    run_import(sqlite_store, "un-xml", UN_XML)
    before = sqlite_store.digest()
    again = run_import(sqlite_store, "un-xml", UN_XML)
    assert not again.changed and again.entities == 0
    assert sqlite_store.digest() == before
