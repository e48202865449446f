"""Reading and checking the bundled theater dataset (plain YAML in ``data/``)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml
from followthemoney import model

from watchkeeper.model.grading import Reliability
from watchkeeper.model.marking import Marking
from watchkeeper.model.sectors import sectors

FILES = ("meta.yaml", "entities.yaml", "events.yaml", "ports.yaml")
DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
LINK_TYPES = (
    "UnknownLink",
    "Directorship",
    "Employment",
    "Ownership",
    "Representation",
    "operator",
)


@dataclass(frozen=True)
class Theater:
    meta: dict[str, Any]
    entities: list[dict[str, Any]]
    events: list[dict[str, Any]]
    ports: list[dict[str, Any]]
    checksum: str


def _read(name: str) -> str:
    return resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")


@cache
def load_dataset() -> Theater:
    texts = {name: _read(name) for name in FILES}
    digest = hashlib.sha256()
    for name in FILES:
        digest.update(name.encode() + b"\0" + texts[name].encode())
    return Theater(
        meta=yaml.safe_load(texts["meta.yaml"]),
        entities=yaml.safe_load(texts["entities.yaml"])["entities"],
        events=yaml.safe_load(texts["events.yaml"])["events"],
        ports=yaml.safe_load(texts["ports.yaml"])["ports"],
        checksum=digest.hexdigest(),
    )


def imo_valid(number: str) -> bool:
    """IMO ship numbers carry a check digit (weights 7..2 over the first six digits)."""
    digits = number.removeprefix("IMO")
    if not re.fullmatch(r"\d{7}", digits):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:6], range(7, 1, -1), strict=True))
    return total % 10 == int(digits[6])


def _check_citation(where: str, cite: Any, problems: list[str]) -> None:
    if not isinstance(cite, dict):
        problems.append(f"{where}: no citation")
        return
    for key in ("publisher", "title", "date", "url", "reliability"):
        if not cite.get(key):
            problems.append(f"{where}: citation lacks {key}")
    if cite.get("date") and not DATE.match(str(cite["date"])):
        problems.append(f"{where}: citation date {cite['date']!r} is not ISO")
    if cite.get("url") and not str(cite["url"]).startswith(("http://", "https://")):
        problems.append(f"{where}: citation url {cite['url']!r} is not a web address")
    if cite.get("reliability") and cite["reliability"] not in Reliability.__members__:
        problems.append(f"{where}: reliability {cite['reliability']!r} is not A-F")


def validate(theater: Theater) -> list[str]:
    """Every problem with the dataset, one line each (empty when it is sound)."""
    problems: list[str] = []
    ids: set[str] = set()
    for item in [*theater.entities, *theater.events, *theater.ports]:
        if item.get("id") in ids:
            problems.append(f"{item.get('id')}: duplicate id")
        ids.add(item.get("id", ""))
    entity_ids = {e["id"] for e in theater.entities}
    for ent in theater.entities:
        where = ent.get("id", "?")
        schema = model.get(ent.get("schema", ""))
        if schema is None:
            problems.append(f"{where}: unknown schema {ent.get('schema')!r}")
            continue
        if not ent.get("name"):
            problems.append(f"{where}: no name")
        for prop in ent.get("properties", {}):
            if prop not in schema.properties:
                problems.append(f"{where}: {schema.name} has no property {prop!r}")
        imo = ent.get("properties", {}).get("imoNumber")
        if imo and schema.name == "Vessel" and not imo_valid(str(imo)):
            problems.append(f"{where}: IMO {imo} fails its check digit")
        for link in ent.get("links", []):
            if link.get("type") not in LINK_TYPES:
                problems.append(f"{where}: unknown link type {link.get('type')!r}")
            if link.get("target") not in entity_ids:
                problems.append(f"{where}: link to unknown entity {link.get('target')!r}")
        for des in ent.get("designations", []):
            if des.get("date") and not DATE.match(str(des["date"])):
                problems.append(f"{where}: designation date {des['date']!r} is not ISO")
        _check_marking(where, ent, problems)
        _check_citation(where, ent.get("citation"), problems)
    known_sectors = sectors()
    for ev in theater.events:
        where = ev.get("id", "?")
        date = str(ev.get("date", ""))
        if not DATE.match(date) or not "2023" <= date[:4] <= "2025":
            problems.append(f"{where}: date {date!r} is not an ISO date in 2023-2025")
        if ev.get("sector") not in known_sectors:
            problems.append(f"{where}: unknown sector {ev.get('sector')!r}")
        for key in ("title", "summary"):
            if not ev.get(key):
                problems.append(f"{where}: no {key}")
        for actor in ev.get("involved", []):
            if actor not in entity_ids:
                problems.append(f"{where}: involves unknown entity {actor!r}")
        if ev.get("credibility") not in (1, 2, 3, 4, 5, 6):
            problems.append(f"{where}: credibility must be 1-6")
        _check_marking(where, ev, problems)
        _check_citation(where, ev.get("citation"), problems)
    for port in theater.ports:
        where = port.get("id", "?")
        lat, lon = port.get("latitude"), port.get("longitude")
        if not isinstance(lat, float) or not -90 <= lat <= 90:
            problems.append(f"{where}: bad latitude {lat!r}")
        if not isinstance(lon, float) or not -180 <= lon <= 180:
            problems.append(f"{where}: bad longitude {lon!r}")
        if not isinstance(port.get("radius_km"), int | float) or port["radius_km"] <= 0:
            problems.append(f"{where}: radius_km must be positive")
        _check_citation(where, port.get("citation"), problems)
    return problems


def _check_marking(where: str, item: dict[str, Any], problems: list[str]) -> None:
    if "marking" not in item:
        return
    try:
        Marking.from_dict(item["marking"])
    except Exception as exc:  # any malformed marking is a dataset problem to report
        problems.append(f"{where}: bad marking ({exc})")
