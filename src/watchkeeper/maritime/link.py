"""Tying detections to the knowledge base: vessels by IMO and MMSI, events with provenance, alerts.

Detections are written through the store's one write path as FtM Events (dataset
``wk_ais``), each linked to the Vessel entities it involves, its source being the AIS
run that produced it. A detection involving a sanctioned vessel or a watched port is an
alert (``important``), which ``watchkeeper alerts`` lists.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import duckdb
from followthemoney import StatementEntity

from watchkeeper.importers.base import add, add_clean, make_entity
from watchkeeper.maritime.areas import Area
from watchkeeper.maritime.dataset import AisDataset
from watchkeeper.maritime.detectors import Detection
from watchkeeper.model.grading import Reliability
from watchkeeper.model.source import Source
from watchkeeper.store import ImportSummary, Reader, Store

DATASET = "wk_ais"
LABELS = {
    "port_call": "Port call",
    "gap": "AIS gap",
    "loitering": "Loitering",
    "encounter": "Encounter",
    "jump": "Impossible jump",
    "identity_change": "Identity change",
}


@dataclass
class VesselIndex:
    by_imo: dict[str, str] = field(default_factory=dict)
    by_mmsi: dict[str, str] = field(default_factory=dict)
    by_name: dict[str, set[str]] = field(default_factory=dict)
    sanctioned: set[str] = field(default_factory=set)
    names: dict[str, str] = field(default_factory=dict)


def vessel_index(reader: Reader) -> VesselIndex:
    """Vessels the viewer may see, by IMO, MMSI and name; and which of them are sanctioned."""
    index = VesselIndex()
    for view in reader.entities(reader.entity_ids("Vessel")):
        index.names[view.id] = view.caption
        for imo in view.entity.get("imoNumber"):
            index.by_imo.setdefault(imo.removeprefix("IMO"), view.id)
        for mmsi in view.entity.get("mmsi"):
            index.by_mmsi.setdefault(mmsi, view.id)
        for name in (
            view.entity.get("name") + view.entity.get("alias") + view.entity.get("previousName")
        ):
            index.by_name.setdefault(name.upper(), set()).add(view.id)
    for sanction in reader.entities(reader.entity_ids("Sanction")):
        index.sanctioned.update(sanction.entity.get("entity"))
    return index


def reported_identities(dataset: AisDataset) -> dict[int, tuple[str | None, str | None]]:
    """The latest IMO and name each MMSI reported about itself."""
    files = sorted(dataset.identities_dir.glob("day=*/*.parquet"))
    if not files:
        return {}
    con = duckdb.connect()
    listed = ", ".join(f"'{f}'" for f in files)
    rows = con.execute(
        f"""SELECT mmsi, arg_max(imo, ts) FILTER (WHERE imo IS NOT NULL),
                   arg_max(name, ts) FILTER (WHERE name IS NOT NULL)
            FROM read_parquet([{listed}]) GROUP BY mmsi"""
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
    candidates = index.by_name.get((name or "").upper(), set())
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
            writer.add_entity(_event(det, index, identities, area_names, simulated), credibility=3)
    return writer.summary


def _event(
    det: Detection,
    index: VesselIndex,
    identities: dict[int, tuple[str | None, str | None]],
    areas: dict[str, Area],
    simulated: bool,
) -> StatementEntity:
    key = "|".join(map(str, det.key))
    event = make_entity("Event", "ais-" + hashlib.sha1(key.encode()).hexdigest()[:20], DATASET)
    vessels = []
    matched_by = []
    for mmsi in filter(None, (det.mmsi, det.other_mmsi)):
        entity_id, how = resolve(mmsi, index, identities)
        matched_by.append(f"MMSI {mmsi}: {how}")
        if entity_id:
            vessels.append(entity_id)
            event.add("involved", entity_id, cleaned=True)
    area = areas.get(det.area or "")
    title = LABELS[det.kind]
    who = ", ".join(index.names.get(v, v) for v in vessels) or f"MMSI {det.mmsi}"
    prefix = "[SIMULATED] " if simulated else ""
    add(event, "name", f"{prefix}{title}: {who}" + (f" at {area.name}" if area else ""))
    add(event, "startDate", det.start.isoformat(timespec="seconds"))
    add(event, "endDate", det.end.isoformat(timespec="seconds"))
    add(event, "date", det.start.date().isoformat())
    if area:
        add(event, "location", area.name)
    add_clean(event, "keywords", det.kind)
    add_clean(event, "keywords", "shipping")
    details = ", ".join(
        f"{k}={v}"
        for k, v in det.details.items()
        if v is not None and not str(k).endswith(("lat", "lon"))
    )
    add(
        event,
        "summary",
        f"{title} detected in AIS; MMSI {det.mmsi}"
        + (f" with {det.other_mmsi}" if det.other_mmsi else "")
        + (f"; {details}" if details else ""),
    )
    add(event, "notes", "Vessel matched by " + "; ".join(matched_by))
    sanctioned = any(v in index.sanctioned for v in vessels)
    watched = area is not None and area.watched
    if sanctioned or watched:
        add_clean(event, "important", "true")
        add_clean(event, "keywords", "alert")
        reasons = (["sanctioned vessel"] if sanctioned else []) + (
            [f"watched port {area.name}"] if watched and area else []
        )
        add(event, "description", "Alert: " + " and ".join(reasons))
    return event


def alerts(reader: Reader) -> list[dict[str, object]]:
    """Alert events the viewer may see, newest first."""
    out: list[dict[str, object]] = []
    for view in reader.entities(reader.entity_ids("Event")):
        entity = view.entity
        if "alert" not in entity.get("keywords"):
            continue
        out.append(
            {
                "id": view.id,
                "start": min(entity.get("startDate") or entity.get("date") or [""]),
                "title": entity.caption,
                "why": "; ".join(entity.get("description")),
                "vessels": entity.get("involved"),
                "kind": next((k for k in entity.get("keywords") if k in LABELS), ""),
            }
        )
    return sorted(out, key=lambda a: str(a["start"]), reverse=True)


__all__ = ["alerts", "link_detections", "reported_identities", "resolve", "vessel_index"]
