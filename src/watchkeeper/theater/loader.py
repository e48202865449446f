"""Turning the theater dataset into FtM entities, each tied to the report it cites."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from typing import Any

from followthemoney import StatementEntity

from watchkeeper.errors import InputError
from watchkeeper.importers.base import Record, add, add_clean, make_entity
from watchkeeper.model.grading import Reliability
from watchkeeper.model.marking import Marking
from watchkeeper.model.source import Source
from watchkeeper.theater.dataset import Theater, validate

DATASET = "wk_theater"
LINK_PROPS = {
    "UnknownLink": ("subject", "object"),
    "Directorship": ("director", "organization"),
    "Employment": ("employee", "employer"),
    "Ownership": ("owner", "asset"),
    "Representation": ("agent", "client"),
}
LIST_AUTHORITY = {"OFAC": "US OFAC", "UN": "UN 1718 Committee"}


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


def citation_source(cite: dict[str, Any]) -> Source:
    key = hashlib.sha1(cite["url"].encode("utf-8")).hexdigest()[:12]
    return Source(
        id=f"{DATASET}:cite:{key}",
        dataset=DATASET,
        kind="list" if cite["reliability"] == "A" else "report",
        title=cite["title"],
        publisher=cite["publisher"],
        reliability=Reliability.parse(cite["reliability"]),
        url=cite["url"],
        published=str(cite["date"]),
    )


def _cited(entity: StatementEntity, item: dict[str, Any]) -> None:
    cite = item["citation"]
    add(entity, "sourceUrl", cite["url"])
    add(entity, "publisher", cite["publisher"])
    if item.get("also_reported"):
        add(entity, "notes", f"Also reported: {item['also_reported']}")


def records(theater: Theater) -> Iterator[Record]:
    problems = validate(theater)
    if problems:
        raise InputError("theater dataset", f"{len(problems)} problem(s), first: {problems[0]}")
    for item in theater.entities:
        yield from _entity(item)
    for item in theater.events:
        yield _event(item)
    for item in theater.ports:
        yield _port(item)


def _record(entity: StatementEntity, item: dict[str, Any], credibility: int | None) -> Record:
    return Record(
        entity,
        marking=Marking.from_dict(item.get("marking")),
        credibility=credibility,
        source=citation_source(item["citation"]),
    )


def _entity(item: dict[str, Any]) -> Iterator[Record]:
    eid = entity_id(item["id"])
    entity = make_entity(item["schema"], eid, DATASET)
    add(entity, "name", item["name"])
    for alias in item.get("aliases", []):
        add(entity, "alias", alias)
    for name in item.get("previous_names", []):
        add(entity, "previousName", name)
    for prop, values in item.get("properties", {}).items():
        for value in values if isinstance(values, list) else [values]:
            add(entity, prop, str(value), fuzzy=True)
    add(entity, "summary", item.get("summary"))
    _cited(entity, item)
    links: list[tuple[StatementEntity, dict[str, Any]]] = []
    for index, link in enumerate(item.get("links", [])):
        target = entity_id(link["target"])
        if link["type"] == "operator":
            entity.add("operator", target, cleaned=True)
            continue
        rel = make_entity(link["type"], f"{eid}-link-{index}", DATASET)
        left, right = LINK_PROPS[link["type"]]
        rel.add(left, eid, cleaned=True)
        rel.add(right, target, cleaned=True)
        add(rel, "role", link.get("role"))
        links.append((rel, item))
    official = item["citation"]["reliability"] == "A"
    credibility = 1 if official else 3
    yield _record(entity, item, credibility)
    for rel, cited in links:
        yield _record(rel, cited, credibility)
    yield from _designations(item, eid, credibility)


def _designations(item: dict[str, Any], eid: str, credibility: int) -> Iterator[Record]:
    list_ids = dict(item.get("list_ids", {}))
    for index, des in enumerate(item.get("designations", [])):
        sanction = make_entity("Sanction", f"{eid}-sanction-{index}", DATASET)
        sanction.add("entity", eid, cleaned=True)
        authority = des["authority"]
        add(sanction, "authority", authority)
        program = re.search(r"\(([^)]*)\)", authority)
        if program:
            add(sanction, "program", program.group(1))
        add(sanction, "startDate", des.get("date"))
        for key, name in LIST_AUTHORITY.items():
            if (
                key in list_ids
                and authority.startswith(name.split()[0])
                and name.split()[1] in authority
            ):
                add_clean(sanction, "unscId" if key == "UN" else "authorityId", list_ids.pop(key))
        yield _record(sanction, item, credibility)
    for key, ident in list_ids.items():  # on a list, but no dated designation recorded
        sanction = make_entity("Sanction", f"{eid}-sanction-{key.lower()}", DATASET)
        sanction.add("entity", eid, cleaned=True)
        add(sanction, "authority", LIST_AUTHORITY[key])
        add_clean(sanction, "unscId" if key == "UN" else "authorityId", ident)
        yield _record(sanction, item, credibility)


def _event(item: dict[str, Any]) -> Record:
    event = make_entity("Event", entity_id(item["id"]), DATASET)
    add(event, "name", item["title"])
    add(event, "summary", item["summary"])
    add(event, "date", str(item["date"]))
    add(event, "keywords", item["sector"])
    for place in item.get("places", []):
        add(event, "location", place)
    for actor in item.get("involved", []):
        event.add("involved", entity_id(actor), cleaned=True)
    _cited(event, item)
    return _record(event, item, item["credibility"])


def _port(item: dict[str, Any]) -> Record:
    port = make_entity("Address", entity_id(item["id"]), DATASET)
    add(port, "name", item["name"])
    add(port, "full", f"Port of {item['name']}")
    for alias in item.get("aliases", []):
        add(port, "alias", alias)
    add(port, "country", item["country"])
    add(port, "latitude", str(item["latitude"]))
    add(port, "longitude", str(item["longitude"]))
    add(port, "summary", item.get("role"))
    add(port, "keywords", "watched port")
    add(port, "remarks", f"watch radius {item['radius_km']} km; coordinates approximate")
    _cited(port, item)
    return _record(port, item, 3)
