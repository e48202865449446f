"""Reading and checking the bundled theater dataset (plain YAML in ``data/``).

``sources.yaml`` declares every source the dataset cites, once: one URL is one source
with one title, publisher, date and grade. Entities, events and ports name their
sources by id, value by value: an entity's name and identifiers may come from a list
file, its role in the munitions shuttle from a think tank's voyage count, each of its
designations from the report of the authority that made it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml
from followthemoney import model

from watchkeeper.model.grading import Reliability
from watchkeeper.model.marking import Marking
from watchkeeper.model.sectors import sector_problems

FILES = ("meta.yaml", "sources.yaml", "entities.yaml", "events.yaml", "ports.yaml")
DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
LINK_TYPES = (
    "UnknownLink",
    "Directorship",
    "Employment",
    "Ownership",
    "Representation",
    "operator",
)
LISTS = ("OFAC", "UN")
SOURCE_KINDS = ("list", "report", "analyst")
REQUIRED_SOURCES = ("ofac-sdn-2024-05-03", "un-consolidated-2025-04-19", "wk-port-coordinates")
"""Sources the loader names itself: the two list files and the ports' positions."""
BASES = ("reference", "team")
TITLE_FROM = ("reference", "url", "page")
EARLIEST = "1945"
"""Events before this are out of the dataset's scope (the partnership's history starts here)."""
PLACEHOLDER = re.compile(r"(\.\.\.|…)\s*$|^\s*$")


@dataclass(frozen=True)
class Theater:
    meta: dict[str, Any]
    sources: list[dict[str, Any]]
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
        sources=yaml.safe_load(texts["sources.yaml"])["sources"],
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


def publisher_line(source: dict[str, Any]) -> str:
    """Who speaks in a source: the originator, relayed by an outlet, or the publisher."""
    if source.get("originator"):
        return f"{source['originator']} (relayed by {source['relayed_by']})"
    return str(source.get("publisher", ""))


def title_line(source: dict[str, Any]) -> str:
    """A source's title; where its headline was never recorded, a label that says so."""
    if source.get("title"):
        return str(source["title"])
    return f"[headline not recorded] {publisher_line(source)}, {source.get('date')}"


def url_slug(url: str) -> str:
    """A URL's headline slug (its longest hyphenated path segment, ids trimmed), as the
    letters and digits a title made from it must spell; empty when the URL has none."""
    path = re.sub(r"[?#].*$", "", url).rstrip("/")
    segments = [s for s in path.split("/")[3:] if re.search(r"[a-zA-Z]{2,}[-+][a-zA-Z]", s)]
    if not segments:
        return ""
    slug = max(segments, key=len)
    slug = re.sub(r"\.(html?|php|cms)$", "", slug)
    slug = re.sub(r"^(article-)?\d{4,}-", "", slug)  # a leading article number
    slug = re.sub(r"[-+][a-z]?\d{5,}$", "", slug)  # a trailing article number
    return spelled(slug)


def spelled(text: str) -> str:
    """Only the letters and digits of ``text``, lower-cased and without accents (punctuation
    is not compared: a slug drops it)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", plain.lower())


def earlier(cited: str, event: str) -> bool:
    """Is a source dated ``cited`` known to come before ``event`` (ISO dates, any precision)?"""
    common = min(len(cited), len(event))
    return cited[:common] < event[:common]


# -- the schema check ----------------------------------------------------------------------


class _Check:
    def __init__(self, theater: Theater) -> None:
        self.theater = theater
        self.problems: list[str] = []
        self.sources = {str(s.get("id")): s for s in theater.sources}
        self.cited_by: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.entity_ids = {str(e.get("id")) for e in theater.entities}

    def add(self, where: str, text: str) -> None:
        self.problems.append(f"{where}: {text}")

    # sources ---------------------------------------------------------------------------

    def check_sources(self) -> None:
        counts = Counter(str(s.get("id")) for s in self.theater.sources)
        by_url: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for src in self.theater.sources:
            where = f"source {src.get('id')}"
            if counts[str(src.get("id"))] > 1:
                self.add(where, "duplicate source id")
            if src.get("url"):
                by_url[str(src["url"])].append(src)
            self._check_source(where, src)
        for url, same in by_url.items():
            if len(same) > 1:
                ids = ", ".join(str(s.get("id")) for s in same)
                details = {(title_line(s), publisher_line(s), str(s.get("date"))) for s in same}
                what = "with conflicting details" if len(details) > 1 else "twice"
                self.add(f"url {url}", f"declared {what} by sources {ids}: one URL is one source")

    def _check_source(self, where: str, src: dict[str, Any]) -> None:
        if src.get("kind", "report") not in SOURCE_KINDS:
            self.add(where, f"kind must be one of {SOURCE_KINDS}, got {src.get('kind')!r}")
        if src.get("originator"):
            if not src.get("relayed_by"):
                self.add(where, "an originator's text needs relayed_by (the outlet at the URL)")
            if src.get("publisher"):
                self.add(where, "give publisher or originator + relayed_by, not both")
        elif not src.get("publisher"):
            self.add(where, "no publisher")
        if not src.get("date") or not DATE.match(str(src["date"])):
            self.add(where, f"date {src.get('date')!r} is not an ISO date")
        url = src.get("url")
        if url is not None and not str(url).startswith(("http://", "https://")):
            self.add(where, f"url {url!r} is not a web address")
        if not url and src.get("basis") != "reference" and src.get("kind") != "analyst":
            self.add(where, "no url (only analysts' own work or a URL-less reference source)")
        if src.get("reliability") not in Reliability.__members__:
            self.add(where, f"reliability {src.get('reliability')!r} is not A-F")
        if src.get("basis") not in BASES:
            self.add(where, f"basis must be one of {BASES} (what supports this citation)")
        if src.get("basis") == "team" and not str(src.get("support", "")).strip():
            self.add(where, "a team-documented source must say what supports it (support:)")
        title = src.get("title")
        if title is not None:
            self._check_title(where, src, str(title))
        elif src.get("title_from"):
            self.add(where, "title_from without a title")
        if "marking" in src:
            self._check_marking(where, src)

    def _check_title(self, where: str, src: dict[str, Any], title: str) -> None:
        if PLACEHOLDER.search(title):
            self.add(where, f"title {title!r} is cut off or empty")
        lowered = title.lower()
        for name in (src.get("publisher"), src.get("relayed_by"), src.get("originator")):
            if name and lowered in (f"{name} report".lower(), str(name).lower()):
                self.add(where, f"title {title!r} is a placeholder, not a headline")
        how = src.get("title_from", "reference")
        if how not in TITLE_FROM:
            self.add(where, f"title_from must be one of {TITLE_FROM}")
        if how == "url" and spelled(title) != url_slug(str(src.get("url", ""))):
            self.add(where, f"title {title!r} does not read as its URL's headline slug")
        if how == "page" and not str(src.get("support", "")).strip():
            self.add(where, "a title read from a stored copy of the page must say so (support:)")

    def source(self, where: str, item: dict[str, Any], key: str = "source") -> str | None:
        ident = item.get(key)
        if not ident:
            self.add(where, f"no {key}")
            return None
        if str(ident) not in self.sources:
            self.add(where, f"cites unknown source {ident!r}")
            return None
        return str(ident)

    def cite(self, where: str, item: dict[str, Any], owner: dict[str, Any], date: str) -> None:
        """``item`` cites a source for a fact dated ``date`` (may be empty)."""
        ident = self.source(where, item)
        if ident is None:
            return
        self.cited_by[ident].append(owner)
        cited = str(self.sources[ident].get("date", ""))
        if date and cited and earlier(cited, date):
            self.add(
                where,
                f"source {ident} ({cited}) predates the fact it supports ({date}): "
                "cite a later report, or date and word the item as the plan the source reports",
            )

    def check_unused_and_markings(self) -> None:
        for ident in REQUIRED_SOURCES:
            if ident not in self.sources:
                self.add(f"source {ident}", "is not declared (the loader cites it)")
            else:
                self.cited_by[ident].append({})
        for ident, src in self.sources.items():
            owners = self.cited_by.get(ident, [])
            if not owners:
                self.add(f"source {ident}", "declared but cited by nothing")
            elif all("marking" in o for o in owners) and "marking" not in src:
                self.add(
                    f"source {ident}",
                    "cited only by marked items: give the source a marking of its own",
                )

    # items -----------------------------------------------------------------------------

    def check_ids(self) -> None:
        seen: set[str] = set()
        for item in [*self.theater.entities, *self.theater.events, *self.theater.ports]:
            ident = str(item.get("id"))
            if ident in seen:
                self.add(ident, "duplicate id")
            seen.add(ident)

    def check_entity(self, ent: dict[str, Any]) -> None:
        where = str(ent.get("id", "?"))
        schema = model.get(ent.get("schema", ""))
        if schema is None:
            self.add(where, f"unknown schema {ent.get('schema')!r}")
            return
        if not ent.get("name"):
            self.add(where, "no name")
        self.cite(where, ent, ent, "")
        self._check_credibility(where, ent, required=False)
        self._check_properties(where, schema, ent.get("properties", {}))
        for index, fact in enumerate(ent.get("facts", [])):
            fwhere = f"{where}: facts[{index}]"
            self.cite(fwhere, fact, ent, str(fact.get("date", "")))
            self._check_credibility(fwhere, fact, required=False)
            self._check_properties(fwhere, schema, fact.get("properties", {}))
            if not (fact.get("summary") or fact.get("properties") or fact.get("aliases")):
                self.add(fwhere, "states nothing")
        for link in ent.get("links", []):
            if link.get("type") not in LINK_TYPES:
                self.add(where, f"unknown link type {link.get('type')!r}")
            if link.get("target") not in self.entity_ids:
                self.add(where, f"link to unknown entity {link.get('target')!r}")
            if "source" in link:
                self.cite(where, link, ent, "")
        list_ids = ent.get("list_ids", {})
        for key in list_ids:
            if key not in LISTS:
                self.add(where, f"unknown list {key!r} (one of {LISTS})")
        for index, des in enumerate(ent.get("designations", [])):
            dwhere = f"{where}: designations[{index}]"
            if not des.get("authority"):
                self.add(dwhere, "no authority")
            date = str(des.get("date") or "")
            if date and not DATE.match(date):
                self.add(dwhere, f"date {des['date']!r} is not ISO")
            if des.get("list") and des["list"] not in list_ids:
                self.add(dwhere, f"list {des['list']!r} has no id in list_ids")
            self.cite(dwhere, des, ent, date)
        for other in ent.get("distinct_from", []):
            if other.get("list") not in LISTS or not other.get("id") or not other.get("name"):
                self.add(where, "distinct_from needs list, id and name")
        self._check_also(where, ent)
        self._check_marking(where, ent)

    def _check_properties(self, where: str, schema: Any, props: dict[str, Any]) -> None:
        for prop in props:
            if prop not in schema.properties:
                self.add(where, f"{schema.name} has no property {prop!r}")
        imo = props.get("imoNumber")
        if imo and schema.name == "Vessel" and not imo_valid(str(imo)):
            self.add(where, f"IMO {imo} fails its check digit")

    def _check_credibility(self, where: str, item: dict[str, Any], required: bool) -> None:
        if "credibility" not in item and not required:
            return
        if item.get("credibility") not in (1, 2, 3, 4, 5, 6):
            self.add(where, "credibility must be 1-6")

    def _check_also(self, where: str, item: dict[str, Any]) -> None:
        also = item.get("also_reported", [])
        if not isinstance(also, list):
            self.add(where, "also_reported must be a list of source ids or 'Publisher, date'")
            return
        for mention in also:
            text = str(mention)
            if text in self.sources:
                self.cited_by[text].append(item)
            elif not re.fullmatch(r"[^,;]+, \d{4}(-\d{2}(-\d{2})?)?", text):
                self.add(
                    where, f"also_reported {text!r} is neither a source id nor 'Publisher, date'"
                )

    def check_event(self, ev: dict[str, Any]) -> None:
        where = str(ev.get("id", "?"))
        date = str(ev.get("date", ""))
        published = str(self.theater.meta.get("published", "9999"))
        if not DATE.match(date) or not date[:4] >= EARLIEST or date > published:
            self.add(where, f"date {date!r} is not an ISO date from {EARLIEST} to {published}")
        for problem in sector_problems(ev.get("sector")):
            self.add(where, problem)
        for key in ("title", "summary"):
            if not ev.get(key):
                self.add(where, f"no {key}")
        for actor in ev.get("involved", []):
            if actor not in self.entity_ids:
                self.add(where, f"involves unknown entity {actor!r}")
        self._check_credibility(where, ev, required=True)
        self.cite(where, ev, ev, date)
        self._check_also(where, ev)
        self._check_marking(where, ev)

    def check_port(self, port: dict[str, Any]) -> None:
        where = str(port.get("id", "?"))
        lat, lon = port.get("latitude"), port.get("longitude")
        if not isinstance(lat, float) or not -90 <= lat <= 90:
            self.add(where, f"bad latitude {lat!r}")
        if not isinstance(lon, float) or not -180 <= lon <= 180:
            self.add(where, f"bad longitude {lon!r}")
        if not isinstance(port.get("radius_km"), int | float) or port["radius_km"] <= 0:
            self.add(where, "radius_km must be positive")
        self.cite(where, port, port, "")

    def _check_marking(self, where: str, item: dict[str, Any]) -> None:
        if "marking" not in item:
            return
        try:
            Marking.from_dict(item["marking"])
        except Exception as exc:  # any malformed marking is a dataset problem to report
            self.add(where, f"bad marking ({exc})")


def validate(theater: Theater) -> list[str]:
    """Every problem with the dataset, one line each (empty when it is sound)."""
    check = _Check(theater)
    check.check_sources()
    check.check_ids()
    for ent in theater.entities:
        check.check_entity(ent)
    for ev in theater.events:
        check.check_event(ev)
    for port in theater.ports:
        check.check_port(port)
    check.check_unused_and_markings()
    return check.problems
