"""The designation dossier: what a designation proposal needs about one entity, built for
one viewer from what it may see (its ``ResolvedReader``, its network, its organisation's
judgments and screening decisions) and nothing else.

Sections: identity (names in every script, identifiers, birth data, addresses); a
vessel's particulars (flag, type, tonnage, call sign, MMSI, IMO) and identity history;
the records it was resolved from and those xref proposes (each with its values and their
sources); list entries with their dates; every path to a designated entity, grouped by
length and first link; dated events with citations and gradings; AIS detections of the
entity's vessels (the events ``maritime/link.py`` stored); screening decisions and
judgments on it; the sources, with Admiralty grades. What is not known is said
(``unknowns``: no designation date, no ownership data...) rather than left blank.
Written as JSON, HTML (a Jinja template) or PDF (WeasyPrint, from the same HTML).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from followthemoney import model, registry
from followthemoney.statement.util import BASE_ID
from jinja2 import Environment, PackageLoader, select_autoescape

from watchkeeper.errors import InputError, NotFound
from watchkeeper.investigations import judgments as judged
from watchkeeper.investigations.network import Network
from watchkeeper.model.grading import grade
from watchkeeper.model.lists import list_id
from watchkeeper.screening.names import script_of
from watchkeeper.store import Reader, Store
from watchkeeper.store import judgments as sql_judgments
from watchkeeper.store.reader import EntityView, StatementView

FORMATS = (".json", ".html", ".pdf")
AIS_DATASET = "wk_ais"
VESSEL = (
    ("imoNumber", "IMO number"),
    ("mmsi", "MMSI"),
    ("callSign", "call sign"),
    ("flag", "flag"),
    ("type", "vessel type"),
    ("tonnage", "tonnage"),
    ("grossRegisteredTonnage", "gross registered tonnage"),
    ("deadweightTonnage", "deadweight tonnage"),
    ("buildDate", "year of build"),
    ("registrationPort", "port of registry"),
    ("pastFlags", "former flag"),
    ("pastTypes", "former type"),
)
# What a vessel's identity is made of, read over time (its history).
VESSEL_IDENTITY = ("name", "previousName", "imoNumber", "mmsi", "callSign", "flag", "pastFlags")
# The particulars whose absence a dossier names.
VESSEL_EXPECTED = ("imoNumber", "mmsi", "callSign", "flag", "type")
OWNERSHIP = ("Ownership",)
# Rows of one path group shown in HTML (the JSON has them all); the rest are counted.
PATHS_SHOWN = 25
IDENTITY = {
    "names": ("name", "alias", "previousName", "weakAlias", "firstName", "lastName"),
    "birth": ("birthDate", "birthPlace", "birthCountry", "nationality", "citizenship", "gender"),
    "addresses": ("address", "country", "jurisdiction"),
}


def _value(sv: StatementView, sources: dict[str, dict[str, Any]]) -> dict[str, Any]:
    stmt = sv.statement
    source = sources.get(sv.source_id, {})
    return {
        "prop": stmt.prop,
        "value": stmt.value,
        "script": script_of(stmt.value) if stmt.prop_type == "name" else None,
        "entity": stmt.entity_id,
        "source": sv.source_id,
        "grade": grade(source.get("reliability"), sv.credibility),
        "marking": sv.marking.key,
        "first_seen": stmt.first_seen,
        "ended": sv.ended_at,
    }


def build(store: Store, reader: Reader, ref: str, max_hops: int = 4) -> dict[str, Any]:
    """The dossier of ``ref`` (an entity id, a member's id, or a unique name) as the
    reader's viewer may see it: facts only (no simulated or exercise material), unless
    the reader was given other kinds of material."""
    reader = reader.for_analysis()
    network = Network(reader)
    resolved = network.resolved
    view = resolved.entity(ref)
    if view is None:
        found = resolved.search(ref, limit=2)
        if found.total != 1:
            raise NotFound(
                f"no entity {ref!r}"
                if not found.total
                else f"{ref!r} matches {found.total} entities; use an id"
            )
        view = found.results[0]
    sources = {s["id"]: s for s in reader.sources()}
    used: set[str] = set()

    def values(entity: EntityView, props: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
        out = []
        for sv in sorted(entity.statements, key=lambda s: (s.statement.prop, s.statement.value)):
            stmt = sv.statement
            if stmt.prop == BASE_ID or (props is not None and stmt.prop not in props):
                continue
            used.add(sv.source_id)
            out.append(_value(sv, sources))
        return out

    identity = {section: values(view, props) for section, props in IDENTITY.items()}
    schema = model.get(view.schema)
    id_props = tuple(
        p.name
        for p in (schema.properties.values() if schema else [])
        if p.type == registry.identifier
    )
    identity["identifiers"] = values(view, id_props)
    referencing = resolved.referencing(view.id)
    releases = _releases(sources)
    entries = []
    # Ended sanctions too: a delisted entry is part of the entity's history.
    sanctions = [
        e for e in resolved.referencing(view.id, include_ended=True) if e.schema == "Sanction"
    ]
    for sanction in sanctions:
        listed = sanction.entity
        authority = " ".join(listed.get("authority"))
        ids = listed.get("unscId") or listed.get("authorityId")
        entries.append(
            {
                "id": sanction.id,
                "list_ids": sorted({lid for i in ids if (lid := list_id(authority, i))}),
                "authority": authority,
                "program": listed.get("program"),
                "listed": min(listed.get("listingDate") or listed.get("startDate") or [""]),
                "ended": min(listed.get("endDate") or [""]) or None,
                "first_seen": min(
                    (sv.statement.first_seen or "" for sv in sanction.statements), default=""
                ),
                "reason": " ".join(listed.get("reason"))[:2000],
                "values": values(sanction),
                "history": list_history(sanction, releases),
            }
        )
    entries.sort(key=lambda e: (e["listed"], e["id"]))
    # Every path, not the nearest few: an investigator counts the designated persons
    # around a bank; the HTML shows PATHS_SHOWN a group and says how many more.
    paths = [
        p.to_dict() for p in network.paths_to_sanctioned(view.id, max_hops=max_hops, limit=None)
    ]
    captions = {
        n: (v.caption if (v := resolved.entity(n)) is not None else n)
        for p in paths
        for n in p["nodes"]
    }
    paths = [p | {"captions": [captions.get(n, n) for n in p["nodes"]]} for p in paths]
    events: list[dict[str, Any]] = []
    detections: list[dict[str, Any]] = []
    vessels = _vessels(network, view)
    linked = referencing + [e for v in vessels for e in resolved.referencing(v) if v != view.id]
    for event in linked:
        if event.schema != "Event":
            continue
        props = event.entity
        item: dict[str, Any] = {
            "id": event.id,
            "date": min(props.get("date") or props.get("startDate") or [""]),
            "title": event.caption,
            "summary": " ".join(props.get("summary"))[:1500],
            "values": values(event, ("summary", "description", "date", "name", "sourceUrl")),
            "citations": _citations(event, sources),
        }
        datasets = {sv.statement.dataset for sv in event.statements}
        if AIS_DATASET in datasets:
            item["vessels"] = sorted(set(props.get("involved")) & set(vessels))
            detections.append(item)
        elif item not in events:
            events.append(item)
    events.sort(key=lambda e: (e["date"], e["id"]))
    detections.sort(key=lambda e: (e["date"], e["id"]))
    detections = list({d["id"]: d for d in detections}.values())
    members = set(network.resolution.group(view.id))
    counterparts = _counterparts(store, reader, network, view, sources, used)
    vessel = _vessel(view, sources, used) if view.schema == "Vessel" else None
    decisions = [
        d
        for d in store.decisions(reader.viewer.organisation)
        if d["entity_id"] in members | {view.id}
    ]
    judgments = [j.to_dict() for j in judged.history(reader) if set(j.pair) & members]
    source_rows: list[dict[str, Any]] = []
    for source_id in sorted(used):
        src = sources.get(source_id)
        if src is None:
            source_rows.append({"id": source_id, "title": "(restricted source)", "reliability": ""})
            continue
        source_rows.append(
            {
                "id": source_id,
                "title": src.get("title"),
                "publisher": src.get("publisher"),
                "url": src.get("url"),
                "published": src.get("published"),
                "reliability": src.get("reliability"),
                "marking": src.get("marking"),
            }
        )
    return {
        "entity": {
            "id": view.id,
            "caption": view.caption,
            "schema": view.schema,
            "members": sorted(members),
        },
        "viewer": {"organisation": reader.viewer.organisation, "country": reader.viewer.country},
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "identity": identity,
        "vessel": vessel,
        "counterparts": counterparts,
        "list_entries": entries,
        "paths": paths,
        "path_groups": _path_groups(paths),
        "events": events,
        "ais": detections,
        "vessels": vessels,
        "screening_decisions": decisions,
        "judgments": judgments,
        "sources": source_rows,
        "unknowns": _unknowns(view, entries, referencing, vessel, detections, vessels),
    }


def _releases(sources: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """Each dataset's full releases the viewer may see, by date (``published``)."""
    out: dict[str, set[str]] = {}
    for src in sources.values():
        if src.get("kind") == "list" and src.get("published"):
            out.setdefault(src["dataset"], set()).add(str(src["published"])[:10])
    return {k: sorted(v) for k, v in out.items()}


def list_history(sanction: EntityView, releases: dict[str, list[str]]) -> dict[str, Any]:
    """When the entry was first listed and when it left the list, as far as the releases
    imported tell: an entry first seen in a release was listed after the release before
    it and by that one; one first seen in the earliest release imported was listed on or
    before it (the list itself may say more: ``listingDate``). Likewise for delisting,
    from the release that no longer held it."""
    entity = [sv for sv in sanction.statements if sv.statement.prop == "entity"]
    if not entity:
        return {}
    dataset = entity[0].statement.dataset
    dates = releases.get(dataset, [])
    seen = min((sv.statement.first_seen or "")[:10] for sv in entity)
    before = [d for d in dates if d < seen]
    out: dict[str, Any] = {
        "first_listed": {"after": before[-1] if before else None, "by": seen},
        "delisted": None,
        "releases": len(dates),
    }
    ended = [sv.ended_at for sv in entity]
    if seen and all(ended):
        gone = min(str(e)[:10] for e in ended if e)
        held = [d for d in dates if d < gone]
        out["delisted"] = {"after": held[-1] if held else None, "by": gone}
    if not before:
        out["text"] = f"on the list on {seen}, the earliest release on record"
    else:
        out["text"] = f"first listed after {before[-1]}, by {seen}"
    if out["delisted"]:
        out["text"] += f"; removed after {out['delisted']['after']}, by {out['delisted']['by']}"
    return out


def _path_groups(paths: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Paths grouped by length and by the kind of their first link, each group with its
    count and the number past ``PATHS_SHOWN``."""
    groups: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for path in paths:
        first = path["links"][0]["kind"] if path["links"] else "listed itself"
        groups.setdefault((path["length"], first), []).append(path)
    return [
        {
            "length": length,
            "kind": kind,
            "count": len(found),
            "shown": found[:PATHS_SHOWN],
            "more": max(0, len(found) - PATHS_SHOWN),
        }
        for (length, kind), found in sorted(groups.items())
    ]


def _vessel(view: EntityView, sources: dict[str, dict[str, Any]], used: set[str]) -> dict[str, Any]:
    """A vessel's particulars (current and ended values, each with its source) and its
    identity over time, oldest first."""
    particulars: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    labels = dict(VESSEL)
    for sv in view.statements:
        prop = sv.statement.prop
        if prop in labels or prop in VESSEL_IDENTITY:
            used.add(sv.source_id)
        if prop in labels:
            particulars.append(_value(sv, sources) | {"label": labels[prop]})
        if prop in VESSEL_IDENTITY:
            history.append(_value(sv, sources))
    order = {p: n for n, (p, _label) in enumerate(VESSEL)}
    particulars.sort(key=lambda v: (order[v["prop"]], v["value"], v["source"]))
    history.sort(key=lambda v: (v["first_seen"] or "", v["prop"], v["value"]))
    return {"particulars": particulars, "history": history}


def _counterparts(
    store: Store,
    reader: Reader,
    network: Network,
    view: EntityView,
    sources: dict[str, dict[str, Any]],
    used: set[str],
) -> list[dict[str, Any]]:
    """The records this entity was resolved from (accepted) and those xref proposes for it
    and a reviewer has not judged (pending), each with its own values and their sources:
    only records the viewer may see."""
    members = network.resolution.group(view.id)
    out: list[dict[str, Any]] = []
    pending: set[str] = set()
    if reader.viewer.organisation:
        for row in sql_judgments.candidates(store, reader.viewer.organisation):
            pair = (row["left_id"], row["right_id"])
            inside = [e for e in pair if e in members]
            if len(inside) == 1:
                other = pair[1] if inside[0] == pair[0] else pair[0]
                if network.resolution.of(other) != view.id:
                    pending.add(other)
    entries = [(m, "accepted") for m in members if len(members) > 1]
    entries += [(p, "pending") for p in sorted(pending)]
    for entity_id, status in entries:
        record = reader.entity(entity_id)
        if record is None:
            continue
        values = []
        for sv in sorted(record.statements, key=lambda s: (s.statement.prop, s.statement.value)):
            if sv.statement.prop == BASE_ID:
                continue
            used.add(sv.source_id)
            values.append(_value(sv, sources))
        out.append(
            {
                "id": entity_id,
                "status": status,
                "caption": record.caption,
                "schema": record.schema,
                "datasets": sorted({sv.statement.dataset for sv in record.statements}),
                "values": values,
            }
        )
    return out


def _unknowns(
    view: EntityView,
    entries: list[dict[str, Any]],
    referencing: list[EntityView],
    vessel: dict[str, Any] | None,
    detections: list[dict[str, Any]],
    vessels: list[str],
) -> list[str]:
    """What the dossier does not know, said in words rather than left blank."""
    out = []
    if not entries:
        out.append("no list entry on record")
    for entry in entries:
        if not entry["listed"]:
            name = ", ".join(entry["list_ids"]) or entry["id"]
            seen = (entry["first_seen"] or "")[:10]
            out.append(
                f"no designation date on record for {name}"
                + (f" (first seen in a release of {seen})" if seen else "")
            )
    owned = view.entity.get("owner") if view.schema == "Vessel" else []
    if not owned and not any(e.schema in OWNERSHIP for e in referencing):
        out.append("no ownership data")
    if view.schema == "Person" and not view.entity.get("birthDate"):
        out.append("no birth date on record")
    if vessel is not None:
        have = {v["prop"] for v in vessel["particulars"] if not v["ended"]}
        labels = dict(VESSEL)
        out.extend(f"no {labels[p]} on record" for p in VESSEL_EXPECTED if p not in have)
    if vessels and not detections:
        out.append("no AIS detections on record")
    return out


def _citations(entity: EntityView, sources: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    out = {}
    for sv in entity.statements:
        src = sources.get(sv.source_id)
        if src is None:
            continue
        out[sv.source_id] = {
            "source": sv.source_id,
            "title": src.get("title"),
            "url": src.get("url"),
            "published": src.get("published"),
            "grade": grade(src.get("reliability"), sv.credibility),
        }
    return sorted(out.values(), key=lambda c: c["source"])


def _vessels(network: Network, view: EntityView) -> list[str]:
    """The entity itself if a vessel, else the vessels it owns or operates (one link)."""
    if view.schema == "Vessel":
        return [view.id]
    sub = network.neighbours(view.id, 1)
    return sorted(
        n for n, data in sub.nodes.items() if data.get("schema") == "Vessel" and n != view.id
    )


# -- writing -------------------------------------------------------------------------------


def render_html(data: dict[str, Any]) -> str:
    env = Environment(
        loader=PackageLoader("watchkeeper.investigations", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    return env.get_template("dossier.html.j2").render(d=data)


def write(data: dict[str, Any], output: Path) -> None:
    suffix = output.suffix.lower()
    if suffix not in FORMATS:
        raise InputError(str(output), f"the dossier is written as {', '.join(FORMATS)}")
    if suffix == ".json":
        output.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
        return
    html = render_html(data)
    if suffix == ".html":
        output.write_text(html, encoding="utf-8")
        return
    from weasyprint import HTML  # imported late: it loads Pango

    HTML(string=html).write_pdf(output)
