"""What an entity page shows, assembled from one viewer's read path (used by CLI and web)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from followthemoney import model, registry
from followthemoney.statement.util import BASE_ID
from rich.console import Console
from rich.table import Table

from watchkeeper.errors import NotFound
from watchkeeper.model.grading import grade
from watchkeeper.model.lists import list_id
from watchkeeper.model.source import material_label
from watchkeeper.store.reader import EntityView, Reader, StatementView

LINK_ROLES = {"Sanction": "sanctions", "Event": "events"}


def summary(view: EntityView) -> dict[str, Any]:
    entity = view.entity
    return {
        "id": view.id,
        "schema": view.schema,
        "caption": view.caption,
        "countries": sorted(entity.get_type_values(registry.country)),
        "datasets": sorted({s.statement.dataset for s in view.statements}),
    }


def members(view: EntityView) -> list[str]:
    """The stored entities a view is made of: itself, or a canonical entity's members
    (each statement keeps its own entity id)."""
    return sorted({s.statement.entity_id for s in view.statements} or {view.id})


def list_ids(view: EntityView, sanctions: list[EntityView]) -> list[str]:
    """The lists' own identifiers, ``UN:KPi.038`` / ``OFAC:12345``, from the sanctions."""
    out = []
    for sanction in sanctions:
        authority = " ".join(sanction.entity.get("authority"))
        for ident in sanction.entity.get("unscId") or sanction.entity.get("authorityId"):
            listed = list_id(authority, ident)
            if listed:
                out.append(listed)
    return sorted(set(out))


# Given a name rather than an id, an entity is taken as meant when it alone scores this.
SURE = 0.9
Finder = Callable[[str], Any]


def resolve(reader: Reader, ref: str, finder: Finder | None = None) -> EntityView:
    """The entity ``ref`` names: its id, or else a name or identifier that finds exactly
    one entity surely (``finder``: the screening engine's search; else text search)."""
    view = reader.entity(ref)
    if view is not None:
        return view
    if finder is not None:
        found = finder(ref)
        sure = [e for e in found.results if _score(found.how.get(e.id, "")) >= SURE]
        if len(sure) == 1:
            return reader.entity(sure[0].id) or sure[0]
        if len(sure) > 1:
            raise NotFound(
                f"{ref!r} matches {len(sure)} entities; use an id (see `watchkeeper search`)"
            )
        raise NotFound(f"no entity {ref!r}")
    result = reader.search(ref, limit=2)
    if result.total == 1:
        return result.results[0]
    if result.total > 1:
        raise NotFound(
            f"{ref!r} matches {result.total} entities; use an id (see `watchkeeper search`)"
        )
    raise NotFound(f"no entity {ref!r}")


def _score(how: str) -> float:
    """How sure a search hit is: an identifier is sure; a name by its score."""
    kind, _, value = how.partition(" ")
    if kind == "name":
        return float(value)
    return 1.0 if kind not in ("text", "") else 0.0


def detail(reader: Reader, ref: str | EntityView, finder: Finder | None = None) -> dict[str, Any]:
    """An entity with every value's source, grade and marking, and what links to it;
    ``ref`` names it (see ``resolve``) or is the entity as this reader already read it."""
    view = ref if isinstance(ref, EntityView) else resolve(reader, ref, finder)
    sources = {s["id"]: s for s in reader.sources()}
    props = []
    for sv in sorted(view.statements, key=lambda s: (s.statement.prop, s.statement.value)):
        stmt = sv.statement
        if stmt.prop == BASE_ID:
            continue
        props.append(
            {
                "prop": stmt.prop,
                "value": stmt.value,
                "dataset": stmt.dataset,
                **provenance(sv, sources),
                "owner": sv.marking.originator,
                "first_seen": stmt.first_seen,
                "last_seen": stmt.last_seen,
                "ended": sv.ended_at,
                "statement_id": stmt.id,
            }
        )
    linked: dict[str, list[dict[str, Any]]] = {"sanctions": [], "links": [], "events": []}
    sanction_views = []
    for other in reader.referencing(view.id):
        section = LINK_ROLES.get(other.schema, "links")
        if other.schema == "Sanction":
            sanction_views.append(other)
        entry = summary(other) | {
            "properties": other.entity.to_dict()["properties"],
            "label": other.entity.schema.label,
            **_link_provenance(other, view.id, sources),
        }
        if other.schema == "Sanction":
            entry["list_ids"] = _sanction_ids(other)
        linked[section].append(entry)
    linked["events"].sort(key=lambda e: min(e["properties"].get("date", ["9999"])))
    # The name of every entity a link here names, so that a link reads as more than an id.
    mentioned = {sv.statement.value for sv in view.statements if sv.statement.prop_type == "entity"}
    for entries in linked.values():
        for linked_entry in entries:
            schema = model.get(linked_entry["schema"])
            for prop, values in linked_entry["properties"].items():
                known = schema.get(prop) if schema is not None else None
                if known is not None and known.type == registry.entity:
                    mentioned.update(values)
    mentioned.discard(view.id)
    found = list(reader.entities(sorted(mentioned))) if mentioned else []
    names = {e.id: e.caption for e in found}
    schemata = {e.id: e.entity.schema.label for e in found}
    for item in props:
        if item["value"] in names:
            item["caption"] = names[item["value"]]
    for entries in linked.values():
        for linked_entry in entries:
            linked_entry["parties"] = _parties(linked_entry, view.id, names, schemata)
    return summary(view) | {
        "list_ids": list_ids(view, sanction_views),
        # The kinds of material other than fact among the values (simulated, exercise).
        "materials": sorted({str(p["material"]) for p in props} - {"fact"}),
        "properties": props,
        "names": names,
        **linked,
    }


def provenance(sv: StatementView, sources: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Where a statement comes from, how it is graded and how it is marked (for this
    viewer: ``sv`` is the viewer's own reading of it)."""
    src = sources.get(sv.source_id, {})
    return {
        "source": sv.source_id,
        "source_title": src.get("title"),
        # fact, simulated or exercise: the last two are labelled wherever shown
        "material": src.get("material") or "fact",
        "grade": grade(src.get("reliability"), sv.credibility),
        "marking": sv.marking.key,
    }


def _link_provenance(
    other: EntityView, entity_id: str, sources: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """What a relationship, sanction or event says of the entity, and who says it: the
    properties by which it names the entity (its roles: ``object``, ``entity``,
    ``involved``) and the provenance of those statements (one row per distinct source,
    grade and marking), all from the statements the viewer's reader returned."""
    naming = [
        sv
        for sv in other.statements
        if sv.statement.prop_type == "entity" and sv.statement.value == entity_id
    ]
    schema = other.entity.schema
    roles = []
    for prop in dict.fromkeys(sv.statement.prop for sv in naming):
        known = schema.get(prop)
        roles.append(known.label if known is not None else prop)
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for sv in naming or [s for s in other.statements if s.statement.prop != BASE_ID]:
        row = provenance(sv, sources)
        rows.setdefault((row["source"], row["grade"], row["marking"]), row)
    return {"roles": roles, "provenance": sorted(rows.values(), key=lambda r: r["marking"])}


def _sanction_ids(sanction: EntityView) -> list[str]:
    """A sanction's list identifiers in the lists' own form (``OFAC:37059``), or as the
    list wrote it where the authority names no known list."""
    authority = " ".join(sanction.entity.get("authority"))
    idents = sanction.entity.get("unscId") + sanction.entity.get("authorityId")
    return [list_id(authority, ident) or ident for ident in idents]


def _parties(
    entry: dict[str, Any], entity_id: str, names: dict[str, str], schemata: dict[str, str]
) -> list[dict[str, str]]:
    """The other entities a relationship or event names, by name, with their type and
    the role the link gives them: only those the viewer may see (``names``)."""
    schema = model.get(entry["schema"])
    out = []
    for prop, values in entry["properties"].items():
        known = schema.get(prop) if schema is not None else None
        if known is None or known.type != registry.entity:
            continue
        for value in values:
            if value != entity_id and value in names:
                out.append(
                    {
                        "id": value,
                        "caption": names[value],
                        "schema": schemata[value],
                        "role": known.label,
                    }
                )
    return out


def print_detail(console: Console, data: dict[str, Any]) -> None:
    console.print(f"[bold]{data['caption']}[/bold]  ({data['schema']}, {data['id']})")
    if data.get("materials"):
        kinds = " and ".join(data["materials"])
        console.print(f"[bold red]{kinds.upper()} MATERIAL[/bold red]: not fact; kept out of "
                      "reports, dossiers and trackers")  # fmt: skip
    if data["list_ids"]:
        console.print("list ids: " + ", ".join(data["list_ids"]))
    table = Table("property", "value", "source", "grade", "marking", "seen", box=None)
    names = data.get("names", {})
    for p in data["properties"]:
        seen = f"{(p['first_seen'] or '')[:10]}…{(p['last_seen'] or '')[:10]}"
        if p["ended"]:
            seen += f" ended {p['ended'][:10]}"
        value = f"{p['caption']} ({p['value']})" if "caption" in p else p["value"]
        label = material_label(p.get("material"))
        source = f"{label} {p['source']}" if label else p["source"]
        table.add_row(p["prop"], value[:120], source, p["grade"], p["marking"], seen)
    console.print(table)
    for section in ("sanctions", "links", "events"):
        if not data[section]:
            continue
        console.print(f"[bold]{section}[/bold]")
        for item in data[section]:
            props = item["properties"]
            when = ", ".join(props.get("date", props.get("startDate", [])))
            what = "; ".join(
                props.get("program", []) + props.get("role", []) + props.get("summary", [])[:1]
            )
            others = [names[v] for vs in props.values() for v in vs if v in names]
            if others:
                what = (what + "; " if what else "") + "with " + ", ".join(sorted(set(others)))
            console.print(
                f"  {when} {item['caption']} ({item['id']}) {what}"[:300], highlight=False
            )
