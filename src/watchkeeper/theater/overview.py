"""The demo's overview of the theater, computed on what the viewer may see."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table

from watchkeeper.model.sectors import known_sectors, sectors
from watchkeeper.store.reader import Reader
from watchkeeper.theater.loader import DATASET

EARLIER = "earlier"
"""The column for the history before the war years (events before ``FIRST_YEAR``)."""
FIRST_YEAR = "2023"


@dataclass
class Overview:
    events_by_sector_year: Counter[tuple[str, str]] = field(default_factory=Counter)
    most_connected: list[tuple[str, str, str, int]] = field(default_factory=list)
    sanctioned_vessels: list[dict[str, str]] = field(default_factory=list)


def build_overview(reader: Reader, top: int = 10) -> Overview:
    """Events by sector and year count an event once in each sector it concerns, and only
    the theater's events (a maritime detection's keywords are not sectors); facts only
    (no simulated or exercise material)."""
    reader = reader.for_analysis()
    result = Overview()
    events = list(reader.entities(reader.entity_ids("Event")))
    last_event: dict[str, tuple[str, str]] = {}
    for view in events:
        dates = sorted(view.entity.get("date"))
        year = dates[0][:4] if dates else "undated"
        if year < FIRST_YEAR:
            year = EARLIER
        if any(s.statement.dataset == DATASET for s in view.statements):
            for sector in known_sectors(view.entity.get("keywords")) or ["unclassified"]:
                result.events_by_sector_year[(sector, year)] += 1
        for involved in view.entity.get("involved"):
            when = dates[-1] if dates else ""
            if involved not in last_event or last_event[involved][0] < when:
                last_event[involved] = (when, view.caption)
    ranked = reader.most_referenced(top)
    found = {v.id: v for v in reader.entities([i for i, _ in ranked])}
    for entity_id, degree in ranked:
        if entity_id in found:
            view = found[entity_id]
            result.most_connected.append((entity_id, view.caption, view.schema, degree))
    sanctioned = set()
    for sanction in reader.entities(reader.entity_ids("Sanction")):
        sanctioned.update(sanction.entity.get("entity"))
    vessel_ids = [v for v in reader.entity_ids("Vessel") if v in sanctioned]
    for vessel in reader.entities(vessel_ids):
        when, what = last_event.get(vessel.id, ("", ""))
        result.sanctioned_vessels.append(
            {
                "id": vessel.id,
                "name": vessel.caption,
                "imo": ", ".join(vessel.entity.get("imoNumber")),
                "flag": ", ".join(vessel.entity.get("flag")),
                "last_activity": when,
                "activity": what,
            }
        )
    result.sanctioned_vessels.sort(key=lambda v: (v["last_activity"], v["name"]), reverse=True)
    return result


def print_overview(console: Console, reader: Reader) -> Overview:
    data = build_overview(reader)
    years = sorted(
        {year for _, year in data.events_by_sector_year}, key=lambda y: (y != EARLIER, y)
    )
    labels = sectors()
    table = Table(
        "sector",
        *years,
        "total",
        title="Events by sector and year (an event counts in each of its sectors)",
    )
    codes = sorted(
        {s for s, _ in data.events_by_sector_year},
        key=lambda c: -sum(n for (s, _), n in data.events_by_sector_year.items() if s == c),
    )
    for code in codes:
        counts = [data.events_by_sector_year.get((code, y), 0) for y in years]
        name = labels[code].label if code in labels else code
        table.add_row(name, *[str(c or "") for c in counts], str(sum(counts)))
    console.print(table)
    table = Table("entity", "schema", "linked from", title="Most connected entities")
    for entity_id, caption, schema, degree in data.most_connected:
        table.add_row(f"{caption} [dim]{entity_id}[/dim]", schema, str(degree))
    console.print(table)
    table = Table("vessel", "IMO", "flag", "last reported activity", title="Sanctioned vessels")
    for v in data.sanctioned_vessels:
        activity = f"{v['last_activity']} {v['activity']}".strip() or "none reported"
        table.add_row(f"{v['name']} [dim]{v['id']}[/dim]", v["imo"], v["flag"], activity)
    console.print(table)
    return data
