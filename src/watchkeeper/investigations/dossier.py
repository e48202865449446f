"""The designation dossier: what a designation proposal needs about one entity, built for
one viewer from what it may see (its ``ResolvedReader``, its network, its organisation's
judgments and screening decisions) and nothing else.

Sections: identity (names in every script, identifiers, birth data, addresses); list
entries with their dates; paths to designated entities; dated events with citations and
gradings; AIS detections of the entity's vessels (the events ``maritime/link.py``
stored); screening decisions and judgments on it; the sources, with Admiralty grades.
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
from watchkeeper.store.reader import EntityView, StatementView

FORMATS = (".json", ".html", ".pdf")
AIS_DATASET = "wk_ais"
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
    entries = []
    for sanction in (e for e in referencing if e.schema == "Sanction"):
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
            }
        )
    entries.sort(key=lambda e: (e["listed"], e["id"]))
    paths = [p.to_dict() for p in network.paths_to_sanctioned(view.id, max_hops=max_hops)]
    captions = {
        n: (v.caption if (v := resolved.entity(n)) is not None else n)
        for p in paths
        for n in p["nodes"]
    }
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
        "list_entries": entries,
        "paths": [p | {"captions": [captions.get(n, n) for n in p["nodes"]]} for p in paths],
        "events": events,
        "ais": detections,
        "vessels": vessels,
        "screening_decisions": decisions,
        "judgments": judgments,
        "sources": source_rows,
    }


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
