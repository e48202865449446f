"""The real OFAC SDN legacy CSV (2024-05-03): one entity per row, programs, IMO numbers."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from tests.conftest import OFAC_CSV
from watchkeeper.importers import run_import
from watchkeeper.model.marking import Viewer
from watchkeeper.store import Store

VIEWER = Viewer("analyst", "USA")


@pytest.fixture(scope="module")
def rows() -> list[list[str]]:
    with OFAC_CSV.open(encoding="latin-1", newline="") as fh:
        return [r for r in csv.reader(fh) if len(r) == 12]


@pytest.fixture(scope="module")
def ofac_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    from watchkeeper.store import open_store

    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('ofac') / 'store.db'}")
    run_import(store, "ofac-csv", OFAC_CSV)
    return store


def test_one_entity_per_sdn_row(ofac_store: Store, rows: list[list[str]]) -> None:
    reader = ofac_store.read(VIEWER)
    listed = [i for i in reader.entity_ids("Thing") if re.fullmatch(r"ofac-\d+", i)]
    assert len(listed) == len(rows) == 14965
    sanctions = reader.entity_ids("Sanction")
    assert len(sanctions) == len(rows)


def test_programs_are_kept(ofac_store: Store) -> None:
    reader = ofac_store.read(VIEWER)
    komid = reader.entity("ofac-9345")
    assert komid is not None
    assert sorted(komid.entity.get("program")) == ["DPRK2", "NPWMD"]
    assert komid.entity.get("alias") == ["KOMID"]
    sanction = reader.entity("ofac-9345-ofac")
    assert sanction is not None and sanction.entity.get("authorityId") == ["9345"]


def test_vessels_get_their_imo_numbers(ofac_store: Store, rows: list[list[str]]) -> None:
    reader = ofac_store.read(VIEWER)
    vessels = {v.id: v for v in reader.entities(reader.entity_ids("Vessel"))}
    expected = {
        f"ofac-{r[0]}": m.group(1)
        for r in rows
        if r[2] == "vessel" and (m := re.search(r"IMO (\d{7})", r[11]))
    }
    assert len(vessels) == sum(1 for r in rows if r[2] == "vessel")
    assert len(expected) > 800
    wrong = {
        k: vessels[k].entity.get("imoNumber")
        for k, imo in expected.items()
        if imo not in vessels[k].entity.get("imoNumber")
    }
    assert wrong == {}
    angara = vessels["ofac-37059"].entity
    assert angara.get("flag") == ["ru"]
    assert angara.get("grossRegisteredTonnage") == ["8811"]
    assert angara.get("type") == ["Roll-on Roll-off"]


def test_remarks_yield_aliases_dates_and_links(ofac_store: Store) -> None:
    reader = ofac_store.read(VIEWER)
    kim = reader.entity("ofac-12211")
    assert kim is not None
    assert sorted(kim.entity.get("birthDate")) == ["1946", "1947"]
    assert kim.entity.get("birthPlace") == ["Pyongan-Pukto, North Korea"]
    # "Linked To: M LEASING LLC." resolves against the same release.
    links = [v for v in reader.referencing("ofac-37059") if v.schema == "UnknownLink"]
    targets = {t for v in links for t in v.entity.get("object")}
    m_leasing = reader.search("M LEASING LLC", schema="Organization").results
    assert m_leasing and m_leasing[0].id in targets


def test_aircraft_get_tail_and_serial_numbers(ofac_store: Store) -> None:
    plane = ofac_store.read(VIEWER).entity("ofac-15431")
    assert plane is not None and plane.schema == "Airplane"
    assert plane.entity.get("registrationNumber") == ["EP-GOM"]
    assert "1023409321" in plane.entity.get("serialNumber")
    assert plane.entity.get("model") == ["IL76-TD"]


def test_sidecar_alt_and_add_files_are_used(store: Store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    sdn = tmp_path / "sdn.csv"
    sdn.write_text(
        '37059,"ANGARA","vessel","RUSSIA-EO14024",-0- ,-0- ,"Roll-on Roll-off",-0- ,"8811","Russia",-0- ,"Vessel Registration Identification IMO 9179842."\n',
        encoding="latin-1",
    )
    (tmp_path / "alt.csv").write_text('37059,1,"aka","ANGARA-1",-0- \n', encoding="latin-1")
    (tmp_path / "add.csv").write_text(
        '37059,2,-0- ,"Vladivostok","Russia",-0- \n', encoding="latin-1"
    )
    summary = run_import(
        store,
        "ofac-csv",
        sdn,
    )
    view = store.read(VIEWER).entity("ofac-37059")
    assert view is not None
    assert view.entity.get("alias") == ["ANGARA-1"]
    assert view.entity.get("address") == ["Vladivostok, Russia"]
    assert not [w for w in summary.warnings if "not found beside it" in w]


@pytest.mark.parametrize("present", [(), ("alt.csv",), ("add.csv",)])
def test_missing_sidecars_are_warned_of(
    sqlite_store: Store, tmp_path: Path, present: tuple[str, ...]
) -> None:
    """Without alt.csv or add.csv beside sdn.csv, the import says which is missing (the
    aliases and addresses they hold are otherwise lost without a word), and goes on."""
    sdn = tmp_path / "sdn.csv"
    sdn.write_text(
        '37059,"ANGARA","vessel","RUSSIA-EO14024",-0- ,-0- ,"Roll-on Roll-off",-0- ,"8811","Russia",-0- ,"Vessel Registration Identification IMO 9179842."\n',
        encoding="latin-1",
    )
    for name in present:
        (tmp_path / name).write_text("", encoding="latin-1")
    summary = run_import(sqlite_store, "ofac-csv", sdn)
    warned = [w for w in summary.warnings if "not found beside it" in w]
    missing = [n for n in ("alt.csv", "add.csv") if n not in present]
    assert len(warned) == 1 and warned[0].startswith(str(sdn))
    assert all(n in warned[0] for n in missing)
    assert all(n not in warned[0] for n in present)
    assert sqlite_store.read(VIEWER).entity("ofac-37059") is not None


def test_remarks_that_state_the_relation_type_the_link(ofac_store: Store) -> None:
    """'Tanchon Commercial Bank Representative in Syria' says what JANG Bom Su is to the
    bank: a Representation, not an untyped 'Linked To'; KIM Kwang-Il, whose entry has no
    'Linked To' at all, is linked by his title alone."""
    reader = ofac_store.read(VIEWER)
    links = reader.referencing("ofac-9346")
    agents = {
        a: link.entity.get("role")
        for link in links
        if link.schema == "Representation"
        for a in link.entity.get("agent")
    }
    assert agents["ofac-18556"] == ["Tanchon Commercial Bank Representative in Syria"]
    assert "ofac-15657" in agents  # Deputy Representative to Beijing, no "Linked To"
    assert len(agents) == 9
    untyped = {
        s for link in links if link.schema == "UnknownLink" for s in link.entity.get("subject")
    }
    assert "ofac-18556" not in untyped  # the typed link replaces the untyped one
    assert "ofac-47699" in untyped  # RI Tong Hyok: only "Linked To"; stays untyped
    directors = [
        link.entity.get("director")
        for link in reader.referencing("ofac-9347")
        if link.schema == "Directorship"
    ]
    assert ["ofac-21733"] in directors  # "Korea Ryonbong General Corporation Official"
