"""What the workbench's pages show, read through one viewer's ``Reader``.

Events, sectors over time, sanctioned vessels and where they were last reported, watched
ports: each built from the entities the viewer may see, never from a count or a table
that could include the rest.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from followthemoney import registry

from watchkeeper.maritime import tracks
from watchkeeper.maritime.alerts import is_alert
from watchkeeper.maritime.dataset import AisDataset
from watchkeeper.maritime.link import LABELS
from watchkeeper.model.sectors import sectors
from watchkeeper.store import EntityView, Reader

AIS_KINDS = frozenset(LABELS)


@dataclass
class Event:
    id: str
    title: str
    date: str
    end: str | None
    sectors: list[str]
    kind: str | None
    involved: list[tuple[str, str]] = field(default_factory=list)
    summary: str = ""
    location: str = ""
    alert: bool = False
    source_url: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "date": self.date,
            "end": self.end,
            "sectors": self.sectors,
            "kind": self.kind,
            "involved": [{"id": i, "caption": c} for i, c in self.involved],
            "summary": self.summary,
            "location": self.location,
            "alert": self.alert,
        }


def _event(view: EntityView, captions: dict[str, str]) -> Event:
    entity = view.entity
    dates = sorted(entity.get("startDate") + entity.get("date"))
    ends = sorted(entity.get("endDate"))
    keywords = entity.get("keywords")
    known = sectors()
    return Event(
        id=view.id,
        title=view.caption,
        date=dates[0] if dates else "",
        end=ends[-1] if ends else None,
        sectors=sorted(k for k in keywords if k in known),
        kind=next((k for k in keywords if k in AIS_KINDS), None),
        involved=[(i, captions.get(i, i)) for i in entity.get("involved") if i in captions],
        summary=" ".join(entity.get("summary"))[:600],
        location=", ".join(entity.get("location")),
        alert=is_alert(view),
        source_url=next(iter(entity.get("sourceUrl")), ""),
    )


def events(
    reader: Reader,
    sector: str | None = None,
    actor: str | None = None,
    start: str | None = None,
    end: str | None = None,
    cooperation_only: bool = True,
) -> list[Event]:
    """Events the viewer may see, oldest first; ``cooperation_only`` keeps those with a
    sector (the theater's and analysts' events, not AIS detections)."""
    views = list(reader.entities(reader.entity_ids("Event")))
    involved = sorted({i for v in views for i in v.entity.get("involved")})
    captions = {v.id: v.caption for v in reader.entities(involved)} if involved else {}
    out = [_event(view, captions) for view in views]
    if cooperation_only:
        out = [event for event in out if event.sectors]
    out.sort(key=lambda e: (e.date, e.id))
    return select_events(out, sector, actor, start, end)


def select_events(
    items: list[Event],
    sector: str | None = None,
    actor: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> list[Event]:
    """The events of ``items`` in ``sector``, involving ``actor`` and dated within
    ``start``–``end`` (each a date prefix), in the order given."""
    out = []
    for event in items:
        if sector and sector not in event.sectors:
            continue
        if actor and actor not in {i for i, _ in event.involved}:
            continue
        if start and event.date[: len(start)] < start:
            continue
        if end and event.date[: len(end)] > end:
            continue
        out.append(event)
    return out


def quarter(date: str) -> str | None:
    if len(date) < 4 or not date[:4].isdigit():
        return None
    month = int(date[5:7]) if len(date) >= 7 and date[5:7].isdigit() else 1
    return f"{date[:4]}-Q{(month - 1) // 3 + 1}"


def sector_series(items: list[Event]) -> dict[str, Any]:
    """Events per sector and quarter, for a stacked bar chart (and its table)."""
    counts: Counter[tuple[str, str]] = Counter()
    for event in items:
        period = quarter(event.date)
        if period is None:
            continue
        for code in event.sectors:
            counts[(code, period)] += 1
    periods = sorted({p for _, p in counts})
    if periods:  # every quarter between the first and the last, empty ones included
        first, last = periods[0], periods[-1]
        periods = []
        year, q = int(first[:4]), int(first[-1])
        while f"{year}-Q{q}" <= last:
            periods.append(f"{year}-Q{q}")
            year, q = (year + 1, 1) if q == 4 else (year, q + 1)
    known = sectors()
    codes = sorted({c for c, _ in counts}, key=lambda c: -sum(counts[(c, p)] for p in periods))
    return {
        "periods": periods,
        "series": [
            {
                "code": code,
                "label": known[code].label if code in known else code,
                "data": [counts[(code, p)] for p in periods],
            }
            for code in codes
        ],
    }


def sanctioned_ids(reader: Reader) -> set[str]:
    """Entities that a sanction the viewer may see names: the sanctions' ``entity``
    values alone, in one query (reading every sanction whole took 1.8 s on the demo with
    the real UN and OFAC lists, 16,000 sanctions)."""
    return {value for _id, _prop, value in reader.values_of("Sanction", ("entity",))}


def vessel_identifiers(view: EntityView) -> tuple[list[str], list[str]]:
    """The IMO numbers and MMSIs the viewer may see on a vessel (current values)."""
    imos = [v.removeprefix("IMO") for v in view.entity.get("imoNumber")]
    return imos, list(view.entity.get("mmsi"))


def sanctioned_vessels(reader: Reader) -> list[EntityView]:
    listed = sanctioned_ids(reader)
    ids = [v for v in reader.entity_ids("Vessel") if v in listed]
    return list(reader.entities(ids)) if ids else []


def last_known_positions(
    datasets: list[AisDataset], vessels: list[EntityView]
) -> list[dict[str, Any]]:
    """Each vessel's last AIS position, found by the IMO and MMSI the viewer may see."""
    out = []
    for view in vessels:
        imos, mmsis = vessel_identifiers(view)
        best: tracks.Fix | None = None
        for dataset in datasets:
            found = tracks.last_positions(dataset, tracks.vessel_mmsis(dataset, imos, mmsis))
            for fix in found.values():
                if best is None or fix.ts > best.ts:
                    best = fix
        if best is not None:
            out.append(
                {
                    "id": view.id,
                    "name": view.caption,
                    "imo": ", ".join(imos),
                    "ts": best.ts,
                    "lat": best.lat,
                    "lon": best.lon,
                }
            )
    return out


def watched_ports(reader: Reader) -> list[dict[str, Any]]:
    """Places with coordinates the viewer may see (the theater's watched ports)."""
    out = []
    for view in reader.entities(reader.entity_ids("Address")):
        entity = view.entity
        lat, lon = entity.get("latitude"), entity.get("longitude")
        if not lat or not lon:
            continue
        try:
            point = (float(lat[0]), float(lon[0]))
        except ValueError:
            continue
        out.append(
            {
                "id": view.id,
                "name": view.caption,
                "lat": point[0],
                "lon": point[1],
                "watched": "watched port" in entity.get("keywords"),
                "note": " ".join(entity.get("remarks")),
                "country": ", ".join(entity.get_type_values(registry.country)),
            }
        )
    return out
