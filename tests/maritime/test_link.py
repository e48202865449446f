"""Detections tied to the knowledge base: vessels by IMO/MMSI, events with provenance, alerts."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import entity, source, write
from watchkeeper.maritime.alerts import list_alerts
from watchkeeper.maritime.areas import theater_ports
from watchkeeper.maritime.dataset import AisDataset
from watchkeeper.maritime.detectors import detect
from watchkeeper.maritime.link import link_detections
from watchkeeper.maritime.records import identities_table, positions_table
from watchkeeper.maritime.simulator import scenario
from watchkeeper.maritime.track import track
from watchkeeper.model.marking import Marking, Viewer
from watchkeeper.store import Store
from watchkeeper.theater import load_theater

ANALYST = Viewer("analyst", "KOR")


def _dataset(tmp_path: Path, shuttle: tuple[str, str]) -> AisDataset:
    sim = scenario(theater_ports(), seed=1, background=5, days=4, shuttle=shuttle)
    dataset = AisDataset(tmp_path / "ais")
    dataset.add_positions(positions_table(sim.positions, "simulator"))
    dataset.add_identities(identities_table(sim.identities, "simulator"))
    return dataset


def test_detections_become_events_linked_to_the_sanctioned_vessel(
    store: Store, tmp_path: Path
) -> None:
    load_theater(store)
    dataset = _dataset(tmp_path, ("9179842", "ANGARA"))
    ports = theater_ports()
    found = detect(dataset, ports)
    link_detections(store, store.read(ANALYST), dataset, found, ports)
    reader = store.read(ANALYST)
    assert len([i for i in reader.entity_ids("Event") if i.startswith("ais-")]) == len(found)
    events = [
        v
        for v in reader.referencing("wk-vessel-angara")
        if v.schema == "Event" and v.id.startswith("ais-")
    ]
    kinds = sorted(k for v in events for k in v.entity.get("keywords") if k in ("gap", "port_call"))
    assert kinds == ["gap", "gap", "port_call", "port_call", "port_call"]
    for event in events:
        # What AIS says, and the vessel link the knowledge base adds (per viewer), apart.
        datasets = {s.statement.prop: s.statement.dataset for s in event.statements}
        assert datasets["involved"] == "wk_ais_links" and datasets["startDate"] == "wk_ais"
        assert "Vessel matched by MMSI 273900001: imo" in event.entity.get("notes")
    found_alerts = list_alerts(reader, vessel="wk-vessel-angara")
    assert len(found_alerts) == 5 and all(
        "sanctioned vessel" in str(a["reason"]) for a in found_alerts
    )
    # A sanctioned vessel dark near a watched port outranks every other alert.
    everything = list_alerts(reader)
    assert [a["kind"] for a in everything[:2]] == ["gap", "gap"]
    assert everything[0]["severity"] == "critical" and "within" in everything[0]["reason"]
    # Running again on the same data changes nothing.
    before = store.digest()
    again = link_detections(store, store.read(ANALYST), dataset, found, ports)
    assert not again.changed and store.digest() == before


def test_unknown_vessels_stay_unlinked_and_only_watched_ports_alert(
    sqlite_store: Store, tmp_path: Path
) -> None:
    load_theater(sqlite_store)
    dataset = _dataset(tmp_path, ("9999996", "SIM SHUTTLE"))
    ports = theater_ports()
    link_detections(
        sqlite_store, sqlite_store.read(ANALYST), dataset, detect(dataset, ports), ports
    )
    found = list_alerts(sqlite_store.read(ANALYST))
    assert found and all(a["vessels"] == [] for a in found)
    assert all("sanctioned" not in str(a["reason"]) for a in found)
    calls = [a for a in found if a["kind"] == "port_call"]
    assert calls and all("at Vostochny; a watched area" in str(a["reason"]) for a in calls)


def test_a_vessel_the_viewer_cannot_see_is_not_matched(sqlite_store: Store, tmp_path: Path) -> None:
    hidden = entity("Vessel", "v-secret", "partner", name="SECRET SHIP", imoNumber="9179842")
    write(
        sqlite_store,
        [(hidden, Marking.make("AMBER", recipients="kor-nis"))],
        source("partner", "2024-01-01"),
    )
    dataset = _dataset(tmp_path, ("9179842", "ANGARA"))
    ports = theater_ports()
    outsider = Viewer("outsider", "BRA")
    link_detections(
        sqlite_store, sqlite_store.read(outsider), dataset, detect(dataset, ports), ports
    )
    public_events = sqlite_store.read(outsider).entities(
        sqlite_store.read(outsider).entity_ids("Event")
    )
    assert all("v-secret" not in v.entity.get("involved") for v in public_events)
    assert all("SECRET" not in v.caption for v in public_events)


def test_track_by_imo_and_mmsi(tmp_path: Path) -> None:
    dataset = _dataset(tmp_path, ("9179842", "ANGARA"))
    by_imo = track(dataset, "IMO9179842", theater_ports())
    by_mmsi = track(dataset, "273900001", theater_ports())
    assert by_imo["mmsi"] == by_mmsi["mmsi"] == [273900001]
    assert by_imo["positions"] == by_mmsi["positions"] > 100
    assert [leg["kind"] for leg in by_imo["voyage"]] == [
        "port_call",
        "gap",
        "port_call",
        "gap",
        "port_call",
    ]
    assert by_imo["identities"][0]["name"] == "ANGARA"


def test_facts_from_restricted_evidence_keep_their_marking(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """An analyst cleared for a partner's vessel record links AIS to it: the link, and the
    alert it raises, carry the partner's marking; the AIS facts stay public."""
    partner = Marking.make("AMBER", rel_to="KOR", originator="kor-nis", recipients="analyst")
    ship = entity("Vessel", "v-partner", "partner", name="PARTNER-ONLY NAME", imoNumber="9179842")
    listing = entity(
        "Sanction", "s-partner", "partner", entity="v-partner", authority="Partner list"
    )
    write(sqlite_store, [(ship, partner), (listing, partner)], source("partner", "2024-01-01"))
    dataset = _dataset(tmp_path, ("9179842", "ANGARA"))
    ports = theater_ports()
    link_detections(
        sqlite_store, sqlite_store.read(ANALYST), dataset, detect(dataset, ports), ports
    )

    cleared = [
        a
        for a in list_alerts(sqlite_store.read(ANALYST))
        if "sanctioned vessel" in str(a["reason"])
    ]
    assert cleared and all(a["vessels"] == ["v-partner"] for a in cleared)

    public = sqlite_store.read(Viewer("anyone", "BRA"))
    for view in public.entities(public.entity_ids("Event")):
        text = " ".join(s.statement.value for s in view.statements)
        assert "v-partner" not in text and "PARTNER-ONLY" not in text and "sanctioned" not in text
    public_alerts = list_alerts(public)
    assert public_alerts and all("sanctioned" not in str(a["reason"]) for a in public_alerts)
    assert all(a["vessels"] == [] for a in public_alerts)
    # The same alerts, ids and order, as from a store holding only what it may see,
    # but ranked lower: the partner's sanction does not raise them for this viewer.
    ranks = {a["id"]: a["rank"] for a in list_alerts(sqlite_store.read(ANALYST))}
    assert any(ranks[a["id"]] > a["rank"] for a in public_alerts)


def test_a_vessel_is_found_by_a_variant_of_its_name(store: Store, tmp_path: Path) -> None:
    """No IMO or MMSI in the knowledge base: the AIS name, spelt without spaces, still
    finds the one vessel of that name through the screening engine's name key."""
    load_theater(store)
    dataset = _dataset(tmp_path, ("1234567", "PAEKYANGSAN-1"))
    ports = theater_ports()
    found = detect(dataset, ports)
    link_detections(store, store.read(ANALYST), dataset, found, ports)
    events = [
        v
        for v in store.read(ANALYST).referencing("wk-vessel-paek-yang-san-1")
        if v.schema == "Event" and v.id.startswith("ais-")
    ]
    assert events
    assert all("Vessel matched by MMSI 273900001: name" in v.entity.get("notes") for v in events)
