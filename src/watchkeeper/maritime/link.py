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
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import duckdb
from followthemoney import StatementEntity

from watchkeeper.importers.base import add, add_clean, make_entity
from watchkeeper.maritime.alerts import DETAILS_PREFIX, ais_facts, facts_of
from watchkeeper.maritime.areas import Area
from watchkeeper.maritime.dataset import AisDataset, identities_sql
from watchkeeper.maritime.detectors import Detection
from watchkeeper.model.grading import Reliability
from watchkeeper.model.marking import TLP, Marking, Viewer, may_see
from watchkeeper.model.source import Source
from watchkeeper.screening.names import name_key
from watchkeeper.store import ImportSummary, Reader, Store

DATASET = "wk_ais"
LINKS = "wk_ais_links"
"""What the knowledge base adds to an event (its vessels, "sanctioned"), for one viewer."""
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
    holders: dict[str, dict[str, set[str]]] = {"imo": {}, "mmsi": {}}
    keys = {"imoNumber": "imo", "mmsi": "mmsi"}
    for view in reader.entities(reader.entity_ids("Vessel")):
        for sv in view.statements:
            stmt = sv.statement
            if sv.ended_at is not None:
                continue
            if stmt.prop in keys:
                how = keys[stmt.prop]
                holders[how].setdefault(stmt.value.removeprefix("IMO"), set()).add(view.id)
                index.evidence.setdefault((view.id, how), set()).add(sv.governing)
            elif stmt.prop in ("name", "alias", "previousName"):
                index.by_name.setdefault(name_key(stmt.value), set()).add(view.id)
                index.evidence.setdefault((view.id, "name"), set()).add(sv.governing)
    for sanction in reader.entities(reader.entity_ids("Sanction")):
        for sv in sanction.statements:
            if sv.statement.prop == "entity" and sv.ended_at is None:
                index.sanctioned.setdefault(sv.statement.value, set()).add(sv.governing)
    # Several records may carry one IMO (the OFAC entry and a report's record of the same
    # ship): a detection goes to a sanctioned one, else to the first by id, so that
    # which record came first never hides that the ship is listed.
    for how, table in (("imo", index.by_imo), ("mmsi", index.by_mmsi)):
        for value, found in holders[how].items():
            table[value] = min(found, key=lambda v: (v not in index.sanctioned, v))
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
    complete: bool = True,
) -> ImportSummary:
    """Write detections as Events linked to their vessels; returns the write summary.

    An episode keeps its event id from run to run while it grows (episode_ids), so an
    alert's acknowledgements stay with it. ``complete``: the detections cover the whole
    dataset (no ``--since``), so what AIS said in earlier runs and no longer says ends: an
    episode's old end and evidence, and events no longer detected. The links to vessels
    (dataset ``wk_ais_links``) depend on what each viewer may see and are never ended by
    another viewer's run.

    ``simulated``: every detection is of simulated traffic (the demo). Otherwise a
    detection is simulated when one of its vessels has simulated rows in the dataset
    (the simulator's files, imported). Simulated events are written under a source whose
    material is ``simulated`` and labelled "[SIMULATED]": analytic products leave them
    out (``Reader.for_analysis``)."""
    index = vessel_index(reader)
    identities = reported_identities(dataset)
    area_names = {a.id: a for a in areas}
    digest = hashlib.sha256(
        dataset.digest().encode() + repr([d.key for d in detections]).encode()
    ).hexdigest()
    # Microseconds: a second run within the same second still supersedes the first.
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    source = Source(
        id=f"{DATASET}:{digest[:16]}",
        dataset=DATASET,
        kind="feed",
        title="AIS detections",
        publisher="Watchkeeper maritime detectors",
        reliability=Reliability.C,
        retrieved=now,
        checksum=digest,
    )
    links = Source(
        id=f"{LINKS}:{digest[:16]}",
        dataset=LINKS,
        kind="feed",
        title="AIS detections matched to known vessels",
        publisher="Watchkeeper maritime detectors",
        reliability=Reliability.C,
        retrieved=now,
        checksum=digest,
    )
    simulated_mmsis = set() if simulated else dataset.simulated_mmsis()
    if simulated:
        source = replace(source, title="Simulated AIS (demo scenario)", material="simulated")
    # Simulated detections among real ones: their own sources, of simulated material (the
    # same dataset, so a complete run still ends what earlier runs said).
    fake = replace(source, id=f"{source.id}:simulated", material="simulated",
                   title="Simulated AIS detections")  # fmt: skip
    fake_links = replace(links, id=f"{links.id}:simulated", material="simulated")
    if simulated:
        links = fake_links
    if store.has_source(source.id):
        return ImportSummary(source.id, DATASET)
    ids = episode_ids(reader, detections)
    with store.write(source, full_release=complete) as writer:
        for det, event_id in zip(detections, ids, strict=True):
            sim = simulated or bool({det.mmsi, det.other_mmsi} & simulated_mmsis)
            base, derived, marking = _event(
                det, event_id, index, identities, area_names, sim, reader.viewer.organisation
            )
            writer.add_entity(base, credibility=3, source=fake if sim and not simulated else None)
            if derived is not None:
                writer.add_entity(
                    derived, marking, credibility=3, source=fake_links if sim else links
                )
    return writer.summary


def _new_id(det: Detection) -> str:
    key = "|".join(map(str, (det.kind, det.mmsi, det.other_mmsi or 0, det.start)))
    return "ais-" + hashlib.sha1(key.encode()).hexdigest()[:20]


def episode_ids(reader: Reader, detections: list[Detection]) -> list[str]:
    """The event id of each detection: that of the stored event of the same kind and
    vessels whose time span overlaps it (the earliest, each stored event given once), or a
    new one keyed on its kind, vessels and start. An episode that grows with new data (a
    later end, an earlier start when a late file fills in its beginning, a stop whose
    learned anchorage moved) keeps its id, and with it the alert's acknowledgements."""
    stored: dict[tuple[Any, ...], list[tuple[str, str, str]]] = {}
    for view in reader.entities(reader.entity_ids("Event")):
        facts = facts_of(view)
        if facts is None:
            continue
        starts, ends = view.entity.get("startDate"), view.entity.get("endDate")
        if not starts:
            continue
        vessels = (facts["kind"], facts["mmsi"], facts["other_mmsi"] or 0)
        stored.setdefault(vessels, []).append((min(starts), max(ends or starts), view.id))
    taken: set[str] = set()
    ids: list[str | None] = [None] * len(detections)
    order = sorted(range(len(detections)), key=lambda i: detections[i].start)
    # Events found again as they were first, then episodes that grew or moved.
    for i in order:
        new = _new_id(detections[i])
        det = detections[i]
        if any(e[2] == new for e in stored.get((det.kind, det.mmsi, det.other_mmsi or 0), [])):
            ids[i] = new
            taken.add(new)
    for i in order:
        det = detections[i]
        if ids[i] is not None:
            continue
        # As the store keeps dates (FtM's form: UTC, to the second, no zone).
        start, end = (at.strftime("%Y-%m-%dT%H:%M:%S") for at in (det.start, det.end))
        overlapping = sorted(
            e
            for e in stored.get((det.kind, det.mmsi, det.other_mmsi or 0), [])
            if e[0] <= end and start <= e[1] and e[2] not in taken
        )
        ids[i] = overlapping[0][2] if overlapping else _new_id(det)
        taken.add(ids[i])  # type: ignore[arg-type]
    return [i for i in ids if i is not None]


def _event(
    det: Detection,
    event_id: str,
    index: VesselIndex,
    identities: dict[int, tuple[str | None, str | None]],
    areas: dict[str, Area],
    simulated: bool,
    organisation: str,
) -> tuple[StatementEntity, StatementEntity | None, Marking | None]:
    """The event in two parts: what AIS alone says (the AIS source's marking), and what
    the knowledge base adds (the vessel link, the alert), marked as its evidence is."""
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

    derived = make_entity("Event", event_id, LINKS)
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


__all__ = ["episode_ids", "link_detections", "reported_identities", "resolve", "vessel_index"]
