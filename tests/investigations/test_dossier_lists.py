"""Dossiers on the real OFAC list (2024-05-03 legacy CSV): every path to a designated
entity (Tanchon Commercial Bank has more than five), the records xref joined or proposes
with their values and sources, a shuttle vessel's particulars found by IMO, and what is
not known said in words. The second dataset is constructed for the test (its source says
so); AIS is the simulator's, which a dossier (facts only) must leave out."""

from __future__ import annotations

import pytest

from tests.conftest import OFAC_CSV
from tests.helpers import entity, write
from watchkeeper.importers import run_import
from watchkeeper.importers.base import Options
from watchkeeper.investigations import dossier, judgments
from watchkeeper.investigations.queue import pending
from watchkeeper.investigations.xref import RULE_IMO, xref
from watchkeeper.maritime.alerts import list_alerts
from watchkeeper.maritime.areas import theater_ports
from watchkeeper.maritime.dataset import AisDataset
from watchkeeper.maritime.detectors import detect
from watchkeeper.maritime.link import link_detections
from watchkeeper.maritime.records import identities_table, positions_table
from watchkeeper.maritime.simulator import SIMULATOR, scenario
from watchkeeper.model.marking import Viewer
from watchkeeper.model.source import Source
from watchkeeper.screening import build
from watchkeeper.store import Store, open_store
from watchkeeper.store import judgments as sql

ME = Viewer("org-a", "USA")
TANCHON = "ofac-9346"
AN_SAN = "ofac-23730"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("lists")
    store = open_store(f"sqlite:///{folder / 'store.db'}")
    run_import(store, "ofac-csv", OFAC_CSV, Options(release_date="2024-05-03"))
    constructed = Source(
        id="constructed:1",
        dataset="constructed",
        kind="report",
        title="Constructed for the tests (not a real report)",
        publisher="tests",
        published="2024-06-01",
    )
    write(
        store,
        [
            entity(
                "Vessel",
                "c-ansan",
                "constructed",
                name="ANSAN 1",
                imoNumber="7303803",
                mmsi="445000001",
            ),
            entity(
                "Organization",
                "c-tanchon",
                "constructed",
                name="TANCHON COMMERCIAL BANK",
                country="kp",
            ),
        ],
        constructed,
    )
    index = build(store)
    reader = store.read(ME)
    found = xref(index, frozenset(reader.marking_ids), only=["c-ansan", "c-tanchon"])
    judgments.accept_automatically(store, reader, found)
    queued = pending(store.read(ME), found)
    sql.replace_candidates(
        store,
        ME.organisation,
        [
            {
                "left_id": s.left,
                "right_id": s.right,
                "score": s.score,
                "created_at": judgments.now(),
            }
            for s in queued
        ],
    )
    # Simulated AIS of a shuttle reporting AN SAN 1's IMO: linked by IMO, never in a dossier.
    sim = scenario(theater_ports(), seed=1, background=3, days=3, shuttle=("7303803", "AN SAN 1"))
    dataset = AisDataset(folder / "ais")
    dataset.add_positions(positions_table(sim.positions, SIMULATOR))
    dataset.add_identities(identities_table(sim.identities, SIMULATOR))
    link_detections(
        store, store.read(ME), dataset, detect(dataset, theater_ports()), theater_ports()
    )
    return store


def test_every_path_to_a_designated_entity_grouped_with_counts(store: Store) -> None:
    data = dossier.build(store, store.read(ME), TANCHON, max_hops=1)
    reader = store.read(ME)
    linked = {
        end
        for link in reader.referencing(TANCHON)
        if link.schema in ("Representation", "UnknownLink", "Directorship")
        for prop in ("agent", "subject", "director")
        for end in link.entity.get(prop, quiet=True)
        if end != TANCHON
    }
    targets = {p["target"] for p in data["paths"]}
    assert len(linked) > 5 and linked <= targets  # not cut at five
    groups = {(g["length"], g["kind"]): g["count"] for g in data["path_groups"]}
    assert groups[(1, "Representation")] == 9
    assert sum(groups.values()) == len(data["paths"])
    html = dossier.render_html(data)
    assert "first through Representation: 9" in html


def test_unknowns_are_named(store: Store) -> None:
    data = dossier.build(store, store.read(ME), TANCHON, max_hops=1)
    assert (
        "no designation date on record for OFAC:9346 (first seen in a release of 2024-05-03)"
        in data["unknowns"]
    )
    assert "no ownership data" in data["unknowns"]
    assert "Not on record:" in dossier.render_html(data)


def test_counterparts_pending_with_their_values_and_sources(store: Store) -> None:
    data = dossier.build(store, store.read(ME), TANCHON, max_hops=0)
    found = {c["id"]: c for c in data["counterparts"]}
    assert found["c-tanchon"]["status"] == "pending"
    values = {(v["prop"], v["value"], v["source"]) for v in found["c-tanchon"]["values"]}
    assert ("country", "kp", "constructed:1") in values
    assert "proposed by xref, not yet reviewed" in dossier.render_html(data)


def test_vessel_by_imo_end_to_end(store: Store) -> None:
    reader = store.read(ME)
    data = dossier.build(store, reader, AN_SAN, max_hops=1)
    # xref's rule joined the constructed record to the list's vessel by IMO
    assert {j["rule"] for j in data["judgments"]} == {RULE_IMO}
    found = {c["id"]: c for c in data["counterparts"]}
    assert found[AN_SAN]["status"] == found["c-ansan"]["status"] == "accepted"
    particulars = {
        (v["prop"], v["value"], v["source"].split(":")[0]) for v in data["vessel"]["particulars"]
    }
    assert ("flag", "kp", "us_ofac_sdn") in particulars
    assert ("imoNumber", "7303803", "us_ofac_sdn") in particulars
    assert ("mmsi", "445000001", "constructed") in particulars
    history = [(v["prop"], v["value"]) for v in data["vessel"]["history"]]
    assert ("name", "AN SAN 1") in history and ("name", "ANSAN 1") in history
    assert "no call sign on record" in data["unknowns"]
    assert "no vessel type on record" in data["unknowns"]
    # The simulated shuttle's detections are linked to the list's vessel by IMO...
    events = [
        e
        for member in (AN_SAN, "c-ansan")
        for e in reader.referencing(member)
        if e.schema == "Event"
    ]
    assert events and all(e.caption.startswith("[SIMULATED]") for e in events)
    # A constructed record ("c-ansan") sorts before the list's entry and carries the same
    # IMO: the detections still go to the listed ship, and say it is sanctioned.
    assert {i for e in events for i in e.entity.get("involved")} == {AN_SAN}
    alerts = list_alerts(reader.with_materials(None), vessel=AN_SAN)
    assert alerts and all("sanctioned vessel" in str(a["reason"]) for a in alerts)
    # (a dossier asked for simulated material too shows them, under the canonical vessel)
    asked = dossier.build(store, reader.with_materials({"fact", "simulated"}), AN_SAN, 0)
    assert {e["id"] for e in asked["ais"]} == {e.id for e in events}
    # ...and a dossier, facts only, leaves them out and says so.
    assert data["ais"] == []
    assert "no AIS detections on record" in data["unknowns"]
    assert "Vessel particulars" in dossier.render_html(data)
