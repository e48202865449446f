"""Turning the theater dataset into FtM statements, each tied to the source that carries it.

Every value is written with its own source: an entity's name and identifiers with the
list file or report its ``source`` names, each ``facts`` block with that block's source,
each designation with the report of the authority that made it. A statement's id
includes its source, so a value re-attributed in a later release of the dataset ends
the old attribution instead of silently keeping it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from followthemoney import Statement, StatementEntity
from followthemoney.statement.util import BASE_ID

from watchkeeper.errors import InputError
from watchkeeper.importers.base import Record, add, add_clean, make_entity
from watchkeeper.model.grading import Reliability
from watchkeeper.model.marking import CLEAR, Marking
from watchkeeper.model.source import Source
from watchkeeper.theater.dataset import Theater, publisher_line, title_line, validate

DATASET = "wk_theater"
LINK_PROPS = {
    "UnknownLink": ("subject", "object"),
    "Directorship": ("director", "organization"),
    "Employment": ("employee", "employer"),
    "Ownership": ("owner", "asset"),
    "Representation": ("agent", "client"),
}
LIST_AUTHORITY = {
    # Worded so that model.lists recognises the list (``OFAC:12345``, ``UN:KPi.038``).
    "OFAC": "US Treasury Office of Foreign Assets Control",
    "UN": "United Nations Security Council (1718 Committee)",
}
LIST_PROP = {"OFAC": "authorityId", "UN": "unscId"}


def entity_id(local_id: str) -> str:
    return f"wk-{local_id}"


def release_source(theater: Theater) -> Source:
    meta = theater.meta
    return Source(
        id=f"{DATASET}:{theater.checksum[:16]}",
        dataset=DATASET,
        kind="dataset",
        title=f"{meta['title']} v{meta['version']}",
        publisher=meta["publisher"],
        reliability=Reliability.B,
        published=str(meta["published"]),
        checksum=theater.checksum,
        marking=Marking.make("CLEAR"),
    )


def declared_source(declared: dict[str, Any]) -> Source:
    """The stored source for one record of ``sources.yaml``.

    Its id digests every detail a reader sees, so a corrected title or grade in a later
    release is a new source rather than an edit that older statements would silently share.
    """
    details = {
        "url": declared.get("url"),
        "title": title_line(declared),
        "publisher": publisher_line(declared),
        "date": str(declared["date"]),
        "reliability": declared["reliability"],
        "kind": declared.get("kind", "report"),
        "marking": declared.get("marking"),
    }
    key = hashlib.sha1(json.dumps(details, sort_keys=True).encode("utf-8")).hexdigest()[:12]
    return Source(
        id=f"{DATASET}:src:{key}",
        dataset=DATASET,
        kind=details["kind"],
        title=details["title"],
        publisher=details["publisher"],
        reliability=Reliability.parse(declared["reliability"]),
        url=declared.get("url"),
        published=details["date"],
        marking=Marking.from_dict(declared.get("marking")) or CLEAR,
    )


class _Builder:
    """Yields one record per statement, each with its source, marking and credibility."""

    def __init__(self, theater: Theater) -> None:
        self.declared = {str(s["id"]): s for s in theater.sources}
        self.sources = {ident: declared_source(s) for ident, s in self.declared.items()}

    def credibility(self, item: dict[str, Any], source_id: str) -> int:
        """An item's own credibility, else: a list's entry is confirmed (1), an authority's
        word on its own act probably true (2), anything else possibly true (3)."""
        if "credibility" in item:
            return int(item["credibility"])
        declared = self.declared[source_id]
        if declared.get("kind") == "list":
            return 1
        return 2 if declared["reliability"] == "A" else 3

    def statements(
        self,
        entity: StatementEntity,
        source_id: str,
        owner: dict[str, Any],
        credibility: int,
        base: bool = False,
    ) -> Iterator[Record]:
        source = self.sources[source_id]
        marking = Marking.from_dict(owner.get("marking"))
        stmts = list(entity._iter_stmt())
        if base:
            # The entity's existence, as the writer records it for whole entities.
            stmts.append(
                Statement(
                    entity_id=str(entity.id),
                    prop=BASE_ID,
                    schema=entity.schema.name,
                    value=str(entity.id),
                    dataset=DATASET,
                )
            )
        for stmt in stmts:
            key = stmt.id or stmt.generate_key()
            mark = marking.key if marking else ""
            stmt.id = hashlib.sha1(f"{key}|{source.id}|{mark}".encode()).hexdigest()
            yield Record(stmt, marking=marking, credibility=credibility, source=source)


def records(theater: Theater) -> Iterator[Record]:
    problems = validate(theater)
    if problems:
        raise InputError("theater dataset", f"{len(problems)} problem(s), first: {problems[0]}")
    build = _Builder(theater)
    for item in theater.entities:
        yield from _entity(build, item)
    for item in theater.events:
        yield from _event(build, item)
    for item in theater.ports:
        yield from _port(build, item)


def _also(entity: StatementEntity, build: _Builder, item: dict[str, Any]) -> None:
    names = []
    for mention in item.get("also_reported", []):
        declared = build.declared.get(str(mention))
        names.append(
            f"{publisher_line(declared)}, {declared['date']}" if declared else str(mention)
        )
    if names:
        add(entity, "notes", "Also reported by: " + "; ".join(names))


def _entity(build: _Builder, item: dict[str, Any]) -> Iterator[Record]:
    eid = entity_id(item["id"])
    primary = str(item["source"])
    entity = make_entity(item["schema"], eid, DATASET)
    add(entity, "name", item["name"])
    for alias in item.get("aliases", []):
        add(entity, "alias", alias)
    for name in item.get("previous_names", []):
        add(entity, "previousName", name)
    _properties(entity, item.get("properties", {}))
    add(entity, "summary", item.get("summary"))
    for other in item.get("distinct_from", []):
        add(
            entity,
            "notes",
            f"Not the {other['list']}-listed {other['name']} ({other['list']} {other['id']}"
            + (f", {other['why']}" if other.get("why") else "")
            + ")",
        )
    _also(entity, build, item)
    yield from build.statements(entity, primary, item, build.credibility(item, primary), True)
    for fact in item.get("facts", []):
        part = make_entity(item["schema"], eid, DATASET)
        for alias in fact.get("aliases", []):
            add(part, "alias", alias)
        _properties(part, fact.get("properties", {}))
        add(part, "summary", fact.get("summary"))
        yield from build.statements(
            part, fact["source"], item, build.credibility(fact, fact["source"])
        )
    for index, link in enumerate(item.get("links", [])):
        target = entity_id(link["target"])
        source = str(link.get("source", primary))
        credibility = build.credibility(link, source)
        if link["type"] == "operator":
            part = make_entity(item["schema"], eid, DATASET)
            part.add("operator", target, cleaned=True)
            yield from build.statements(part, source, item, credibility)
            continue
        rel = make_entity(link["type"], f"{eid}-link-{index}", DATASET)
        left, right = LINK_PROPS[link["type"]]
        rel.add(left, eid, cleaned=True)
        rel.add(right, target, cleaned=True)
        add(rel, "role", link.get("role"))
        yield from build.statements(rel, source, item, credibility, True)
    yield from _sanctions(build, item, eid)


def _properties(entity: StatementEntity, props: dict[str, Any]) -> None:
    for prop, values in props.items():
        for value in values if isinstance(values, list) else [values]:
            add(entity, prop, str(value), fuzzy=True)


LIST_SOURCE = {"OFAC": "ofac-sdn-2024-05-03", "UN": "un-consolidated-2025-04-19"}
"""The declared sources (``sources.yaml``) that are the list files themselves."""
PORT_COORDINATES = "wk-port-coordinates"
"""The maintainers' reading of public maps, source of every port's position."""


def _sanctions(build: _Builder, item: dict[str, Any], eid: str) -> Iterator[Record]:
    """One Sanction per list entry (from the list file itself) and per other designation;
    a designation that is a list entry adds its date and notes, from its own source."""
    list_ids = dict(item.get("list_ids", {}))
    for key, ident in list_ids.items():
        sanction = make_entity("Sanction", f"{eid}-sanction-{key.lower()}", DATASET)
        sanction.add("entity", eid, cleaned=True)
        add(sanction, "authority", LIST_AUTHORITY[key])
        add_clean(sanction, LIST_PROP[key], str(ident))
        for des in item.get("designations", []):
            if des.get("list") == key and des.get("program"):
                add(sanction, "program", des["program"])  # checked against the list file
        source = LIST_SOURCE[key]
        yield from build.statements(sanction, source, item, build.credibility({}, source), True)
    for index, des in enumerate(item.get("designations", [])):
        if des.get("list"):
            sanction = make_entity("Sanction", f"{eid}-sanction-{des['list'].lower()}", DATASET)
            base = False
        else:
            sanction = make_entity("Sanction", f"{eid}-sanction-{index}", DATASET)
            sanction.add("entity", eid, cleaned=True)
            add(sanction, "authority", des["authority"])
            add(sanction, "program", des.get("program"))
            base = True
        add(sanction, "startDate", des.get("date"))
        add(sanction, "summary", des.get("note"))
        source = str(des["source"])
        yield from build.statements(sanction, source, item, build.credibility(des, source), base)


def _event(build: _Builder, item: dict[str, Any]) -> Iterator[Record]:
    event = make_entity("Event", entity_id(item["id"]), DATASET)
    add(event, "name", item["title"])
    add(event, "summary", item["summary"])
    add(event, "date", str(item["date"]))
    for sector in item["sector"]:
        add(event, "keywords", sector)
    for place in item.get("places", []):
        add(event, "location", place)
    for actor in item.get("involved", []):
        event.add("involved", entity_id(actor), cleaned=True)
    _also(event, build, item)
    yield from build.statements(event, str(item["source"]), item, int(item["credibility"]), True)


def _port(build: _Builder, item: dict[str, Any]) -> Iterator[Record]:
    """A watched port: where it is, by the maintainers' reading of public maps; what it is
    watched for, by the report its ``source`` names."""
    eid = entity_id(item["id"])
    port = make_entity("Address", eid, DATASET)
    add(port, "name", item["name"])
    add(port, "full", f"Port of {item['name']}")
    for alias in item.get("aliases", []):
        add(port, "alias", alias)
    add(port, "country", item["country"])
    add(port, "latitude", str(item["latitude"]))
    add(port, "longitude", str(item["longitude"]))
    add(port, "keywords", "watched port")
    add(port, "remarks", f"watch radius {item['radius_km']} km; coordinates approximate")
    yield from build.statements(port, PORT_COORDINATES, item, 3, True)
    role = make_entity("Address", eid, DATASET)
    add(role, "summary", item.get("role"))
    yield from build.statements(role, str(item["source"]), item, 2)
