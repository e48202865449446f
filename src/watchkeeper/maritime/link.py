"""Tying detections to the knowledge base: vessels by IMO and MMSI, events with provenance.

Detections are written through the store's one write path as FtM Events (dataset
``wk_ais``), each linked to the Vessel entities it involves, its source being the AIS
run that produced it. What AIS says (kind, place, details, evidence) is one JSON note
under the AIS source's marking; what the knowledge base adds (the vessel, "sanctioned")
is marked as the facts it rests on. alerts.py ranks the events a viewer may see.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import duckdb
from followthemoney import StatementEntity

from watchkeeper.importers.base import add, add_clean, make_entity
from watchkeeper.maritime.alerts import DETAILS_PREFIX, ais_facts
from watchkeeper.maritime.areas import Area
from watchkeeper.maritime.dataset import AisDataset, identities_sql
from watchkeeper.maritime.detectors import Detection
from watchkeeper.model.grading import Reliability
from watchkeeper.model.marking import TLP, Marking, Viewer, may_see
from watchkeeper.model.source import Source
from watchkeeper.screening.names import name_key
from watchkeeper.store import ImportSummary, Reader, Store

DATASET = "wk_ais"
LABELS = {
    "port_call": "Port call",
    "gap": "AIS gap",
    "loitering": "Loitering",
    "encounter": "Encounter",
    "spoofing": "Spoofed positions",
    "shared_mmsi": "Shared MMSI",
    "identity_change": "Identity change",
}


@dataclass
class VesselIndex:
    by_imo: dict[str, str] = field(default_factory=dict)
    by_mmsi: dict[str, str] = field(default_factory=dict)
    by_name: dict[str, set[str]] = field(default_factory=dict)
    sanctioned: dict[str, set[Marking]] = field(default_factory=dict)
    """Sanctioned vessel -> the markings of the sanctions that say so."""
    evidence: dict[tuple[str, str], set[Marking]] = field(default_factory=dict)
    """(vessel, how matched) -> the markings of the statements the match rests on."""


def vessel_index(reader: Reader) -> VesselIndex:
    """Vessels the viewer may see, by IMO, MMSI and name; and which of them are sanctioned."""
    index = VesselIndex()
    keys = {"imoNumber": ("imo", index.by_imo), "mmsi": ("mmsi", index.by_mmsi)}
    for view in reader.entities(reader.entity_ids("Vessel")):
        for sv in view.statements:
            stmt = sv.statement
            if sv.ended_at is not None:
                continue
            if stmt.prop in keys:
                how, table = keys[stmt.prop]
                table.setdefault(stmt.value.removeprefix("IMO"), view.id)
                index.evidence.setdefault((view.id, how), set()).add(sv.governing)
            elif stmt.prop in ("name", "alias", "previousName"):
                index.by_name.setdefault(name_key(stmt.value), set()).add(view.id)
                index.evidence.setdefault((view.id, "name"), set()).add(sv.governing)
    for sanction in reader.entities(reader.entity_ids("Sanction")):
        for sv in sanction.statements:
            if sv.statement.prop == "entity" and sv.ended_at is None:
                index.sanctioned.setdefault(sv.statement.value, set()).add(sv.governing)
    return index


PUBLIC = Viewer("", None)


def derived_marking(evidence: set[Marking], organisation: str) -> Marking | None:
    """The marking for a statement derived from knowledge-base facts.

    Public evidence keeps the AIS source's own marking (None). One restrictive marking is
    passed on as it is. Several different ones cannot be combined safely in general, so
    the result goes to TLP:RED for the organisation that linked it.
    """
    restricted = {m for m in evidence if not may_see(PUBLIC, m)}
    if not restricted:
        return None
    if len(restricted) == 1:
        return next(iter(restricted))
    return Marking(TLP.RED, originator=organisation)


def reported_identities(dataset: AisDataset) -> dict[int, tuple[str | None, str | None]]:
    """The latest IMO and name each MMSI reported about itself."""
    files = sorted(dataset.identities_dir.glob("day=*/*.parquet"))
    if not files:
        return {}
    con = duckdb.connect()
    rows = con.execute(
        f"""SELECT mmsi, arg_max(imo, last_ts) FILTER (WHERE imo IS NOT NULL),
                   arg_max(name, last_ts) FILTER (WHERE name IS NOT NULL)
            FROM ({identities_sql(con, files)}) GROUP BY mmsi"""
    ).fetchall()
    con.close()
    return {int(m): (imo, name) for m, imo, name in rows}


def resolve(
    mmsi: int, index: VesselIndex, identities: dict[int, tuple[str | None, str | None]]
) -> tuple[str | None, str]:
    """The Vessel entity for an MMSI, and how it was found (imo, mmsi, name, or none)."""
    imo, name = identities.get(mmsi, (None, None))
    if imo and imo in index.by_imo:
        return index.by_imo[imo], "imo"
    if str(mmsi) in index.by_mmsi:
        return index.by_mmsi[str(mmsi)], "mmsi"
    # Names compared through the screening engine's key: spacing, hyphens, case and
    # romanisation variants do not matter (PAEKYANGSAN 1 is PAEK YANG SAN 1).
    candidates = index.by_name.get(name_key(name or ""), set()) if name else set()
    if len(candidates) == 1:  # a name alone is weak evidence; only when it is unambiguous
        return next(iter(candidates)), "name"
    return None, "none"


def link_detections(
    store: Store,
    reader: Reader,
    dataset: AisDataset,
    detections: list[Detection],
    areas: list[Area],
    simulated: bool = False,
) -> ImportSummary:
    """Write detections as Events linked to their vessels; returns the write summary."""
    index = vessel_index(reader)
    identities = reported_identities(dataset)
    area_names = {a.id: a for a in areas}
    digest = hashlib.sha256(
        dataset.digest().encode() + repr([d.key for d in detections]).encode()
    ).hexdigest()
    source = Source(
        id=f"{DATASET}:{digest[:16]}",
        dataset=DATASET,
        kind="feed",
        title="Simulated AIS (demo scenario)" if simulated else "AIS detections",
        publisher="Watchkeeper maritime detectors",
        reliability=Reliability.C,
        checksum=digest,
    )
    if store.has_source(source.id):
        return ImportSummary(source.id, DATASET)
    with store.write(source, full_release=False) as writer:
        for det in detections:
            base, derived, marking = _event(
                det, index, identities, area_names, simulated, reader.viewer.organisation
            )
            writer.add_entity(base, credibility=3)
            if derived is not None:
                writer.add_entity(derived, marking, credibility=3)
    return writer.summary


def _event(
    det: Detection,
    index: VesselIndex,
    identities: dict[int, tuple[str | None, str | None]],
    areas: dict[str, Area],
    simulated: bool,
    organisation: str,
) -> tuple[StatementEntity, StatementEntity | None, Marking | None]:
    """The event in two parts: what AIS alone says (the AIS source's marking), and what
    the knowledge base adds (the vessel link, the alert), marked as its evidence is."""
    key = "|".join(map(str, det.key))
    event_id = "ais-" + hashlib.sha1(key.encode()).hexdigest()[:20]
    event = make_entity("Event", event_id, DATASET)
    area = areas.get(det.area or "")
    place = det.details.get("place") or (area.name if area else None)
    title = LABELS.get(det.kind, det.kind)
    mmsis = [m for m in (det.mmsi, det.other_mmsi) if m]
    # Names as the ships themselves broadcast them: AIS, not the knowledge base.
    who = ", ".join(identities.get(m, (None, None))[1] or f"MMSI {m}" for m in mmsis)
    prefix = "[SIMULATED] " if simulated else ""
    add(event, "name", f"{prefix}{title}: {who}" + (f" at {place}" if place else ""))
    add(event, "startDate", det.start.isoformat(timespec="seconds"))
    add(event, "endDate", det.end.isoformat(timespec="seconds"))
    add(event, "date", det.start.date().isoformat())
    if place:
        add(event, "location", place)
    add_clean(event, "keywords", det.kind)
    add_clean(event, "keywords", "shipping")
    counted = ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in det.evidence.items())
    add(
        event,
        "summary",
        f"{title} detected in AIS; MMSI {', '.join(map(str, mmsis))}"
        + (f"; evidence: {counted}" if counted else ""),
    )
    if ais_facts(det, area)["watched"]:
        add_clean(event, "keywords", "watched-area")
    facts = ais_facts(det, area)
    add(event, "notes", DETAILS_PREFIX + json.dumps(facts, sort_keys=True, default=str))

    derived = make_entity("Event", event_id, DATASET)
    evidence: set[Marking] = set()
    matched_by = []
    sanctioned = False
    for mmsi in mmsis:
        entity_id, how = resolve(mmsi, index, identities)
        matched_by.append(f"MMSI {mmsi}: {how}")
        if entity_id is None:
            continue
        derived.add("involved", entity_id, cleaned=True)
        evidence |= index.evidence.get((entity_id, how), set())
        if entity_id in index.sanctioned:
            sanctioned = True
            evidence |= index.sanctioned[entity_id]
    if not matched_by or all(m.endswith(": none") for m in matched_by):
        return event, None, None
    add(derived, "notes", "Vessel matched by " + "; ".join(matched_by))
    if sanctioned:
        add_clean(derived, "keywords", "sanctioned")
        add_clean(derived, "important", "true")
        add(derived, "description", "Involves a sanctioned vessel")
    return event, derived, derived_marking(evidence, organisation)


__all__ = ["link_detections", "reported_identities", "resolve", "vessel_index"]
