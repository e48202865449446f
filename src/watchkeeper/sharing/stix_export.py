"""One reader's view of selected entities, as STIX 2.1 objects.

Persons, organisations and companies become ``identity`` objects; FtM's links with two
ends (ownership, directorship, family, unknown links…) become ``relationship`` objects;
everything else — vessels, aircraft, sanctions, events, addresses — becomes an object of
our extension (type ``wk-`` and the schema's name), never dropped. Every object carries,
in our extension, every value the reader gets with its marking, grade, dates and source;
its ``object_marking_refs`` say the most releasable of its values' markings, and each
property or value marked otherwise has granular markings of its own (so a receiving
Watchkeeper restores each value's marking exactly). Sources are external references.

Nothing here decides who may see what: the reader does (``Store.read``), and the release
gate (``gate``) is what calls this.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import stix2
from followthemoney import model
from followthemoney.statement.util import BASE_ID
from stix2.registry import STIX2_OBJ_MAPS

from watchkeeper.model.marking import Marking, most_releasable
from watchkeeper.model.source import FACT
from watchkeeper.sharing.vocab import (
    EXTENSION,
    STIX_ID,
    confidence,
    derived_id,
    marking_refs,
    stix_timestamp,
)
from watchkeeper.store.reader import RESTRICTED_SOURCE, EntityView, Reader, StatementView

PERSON = {"Person"}
ORGANISATION = {"Organization", "Company", "PublicBody"}
IDENTITY_CLASS = {"Person": "individual", "LegalEntity": "unknown"}
OBSERVABLES = frozenset(STIX2_OBJ_MAPS["2.1"]["observables"])
# A custom object type is at most 250 characters of lower-case letters, digits, hyphens.
OWN_TYPE_PREFIX = "wk-"


# Speed (bench/sharing): an export meets the same few markings again and again; what is
# derived from them alone is computed once per process.
@lru_cache(maxsize=65536)
def _most_releasable(marks: frozenset[Marking]) -> Marking:
    return most_releasable(sorted(marks, key=lambda m: m.key))


@lru_cache(maxsize=4096)
def _marking_refs(mark: Marking) -> tuple[str, ...]:
    return tuple(marking_refs(mark))


@lru_cache(maxsize=4096)
def _parsed(text: str) -> Marking:
    return Marking.parse(text)


@lru_cache(maxsize=1024)
def stix_type(schema_name: str, has_ends: bool) -> str:
    """The STIX type an entity of ``schema_name`` is exported as."""
    schema = model.get(schema_name)
    if schema_name in PERSON or schema_name in ORGANISATION or schema_name == "LegalEntity":
        return "identity"
    if schema is not None and schema.edge and has_ends:
        return "relationship"
    return OWN_TYPE_PREFIX + _kebab(schema_name)


def _kebab(name: str) -> str:
    out = []
    for i, char in enumerate(name):
        if char.isupper() and i:
            out.append("-")
        out.append(char.lower())
    return "".join(out)


def stix_id(entity_id: str, kind: str) -> str:
    """An entity's STIX id: the id a partner gave it (imported objects keep theirs), or
    one derived from ours."""
    if STIX_ID.match(entity_id) and entity_id.split("--", 1)[0] == kind:
        return entity_id
    return derived_id(kind, entity_id)


@dataclass
class Exported:
    """The objects of one export and what the release gate records about them."""

    objects: list[dict[str, Any]] = field(default_factory=list)
    markings: set[Marking] = field(default_factory=set)
    object_markings: dict[str, list[str]] = field(default_factory=dict)
    """STIX id -> the keys of every marking on the object (for the release log)."""
    statements: int = 0


class Marks:
    """Granular markings of one object: marking -> the selectors it applies to."""

    def __init__(self) -> None:
        self.by_marking: dict[Marking, list[str]] = {}

    def add(self, mark: Marking, selector: str) -> None:
        self.by_marking.setdefault(mark, []).append(selector)

    def apply(self, obj: dict[str, Any], base: Marking) -> set[Marking]:
        obj["object_marking_refs"] = list(_marking_refs(base))
        granular: dict[str, set[str]] = {}
        used = {base}
        for mark, selectors in self.by_marking.items():
            if mark == base:
                continue
            used.add(mark)
            for ref in _marking_refs(mark):
                granular.setdefault(ref, set()).update(selectors)
        if granular:
            obj["granular_markings"] = [
                {"marking_ref": ref, "selectors": sorted(sels)}
                for ref, sels in sorted(granular.items())
            ]
        return used


def _value(sv: StatementView, reliability: dict[str, str]) -> dict[str, Any]:
    stmt = sv.statement
    out: dict[str, Any] = {"prop": stmt.prop, "value": stmt.value}
    if stmt.lang:
        out["lang"] = stmt.lang
    if stmt.original_value:
        out["original_value"] = stmt.original_value
    if sv.credibility is not None:
        out["credibility"] = sv.credibility
        found = confidence(sv.credibility)
        if found is not None:
            out["confidence"] = found
    if sv.source_id != RESTRICTED_SOURCE:
        out["source"] = sv.source_id
        if sv.source_id in reliability:
            out["reliability"] = reliability[sv.source_id]
    for key in ("first_seen", "last_seen"):
        if getattr(stmt, key):
            out[key] = getattr(stmt, key)
    if sv.ended_at:
        out["ended_at"] = sv.ended_at
    return out


class Exporter:
    """Builds objects for one reader; ``creator`` is the releasing organisation's
    identity (``created_by_ref``)."""

    def __init__(
        self,
        reader: Reader,
        creator: str,
        kept: dict[str, tuple[dict[str, Any], Marking]] | None = None,
    ) -> None:
        self.reader = reader
        self.creator = creator
        self.sources = {src["id"]: src for src in reader.sources()}
        self.reliability = {k: str(v["reliability"]) for k, v in self.sources.items()}
        self.kept = kept or {}
        """STIX id -> (properties a partner's object had that no statement holds, the
        marking they were kept under, as this reader is shown it)."""

    def export(self, views: Iterable[EntityView]) -> Exported:
        views = list(views)
        kinds = {view.id: self._kind(view) for view in views}
        built = self._build(views, kinds)
        # A partner's object this reader gets without a property its type requires (it
        # was withheld), or a cyber observable (which has no dates nor creator), goes as
        # one of ours under an id derived from ours; built again, so that relationships
        # name it by that id.
        fallen = {
            view.id: stix_type(view.schema, False)
            for view, (obj, _) in zip(views, built, strict=True)
            if not _readable(obj)
        }
        if fallen:
            kinds.update(fallen)
            built = self._build(views, kinds, forced=set(fallen))
        out = Exported()
        for view, (obj, used) in zip(views, built, strict=True):
            out.objects.append(obj)
            out.markings |= used
            out.object_markings[obj["id"]] = sorted(m.key for m in used)
            out.statements += len(view.statements)
        return out

    def _build(
        self, views: list[EntityView], kinds: dict[str, str], forced: set[str] | None = None
    ) -> list[tuple[dict[str, Any], set[Marking]]]:
        forced = forced or set()
        ids = {
            key: derived_id(kind, key) if key in forced else stix_id(key, kind)
            for key, kind in kinds.items()
        }
        return [self._object(view, kinds[view.id], ids) for view in views]

    def _kind(self, view: EntityView) -> str:
        schema = view.entity.schema
        ends = False
        if schema.edge:
            source = view.entity.get(schema.edge_source) if schema.edge_source else []
            target = view.entity.get(schema.edge_target) if schema.edge_target else []
            ends = bool(source and target)
        if STIX_ID.match(view.id):
            # a partner's object goes back as the type it came as (a relationship whose
            # ends this reader cannot see becomes one of ours)
            given = view.id.split("--", 1)[0]
            if given != "relationship" or ends:
                return given
        return stix_type(schema.name, ends)

    def _ends(self, view: EntityView, prop: str | None, ids: dict[str, str]) -> str | None:
        if prop is None:
            return None
        for value in sorted(view.entity.get(prop)):
            if value in ids:
                return ids[value]
            if STIX_ID.match(value):
                return value
            return derived_id(self._guess(value), value)
        return None

    def _guess(self, entity_id: str) -> str:
        """The type of an entity outside this export that a relationship names: its
        readable schema, or ours."""
        found = self.reader.entity(entity_id, include_ended=False)
        return stix_type(found.schema, False) if found is not None else OWN_TYPE_PREFIX + "thing"

    def _object(
        self, view: EntityView, kind: str, ids: dict[str, str]
    ) -> tuple[dict[str, Any], set[Marking]]:
        shown = [sv for sv in view.statements if sv.statement.prop != BASE_ID]
        shown.sort(key=lambda sv: (sv.statement.prop, sv.statement.value, str(sv.statement.id)))
        base = _most_releasable(frozenset(sv.marking for sv in view.statements))
        marks = Marks()
        values = [_value(sv, self.reliability) for sv in shown]
        for value, sv in zip(values, shown, strict=True):
            # exercise or simulated material says so, so that a receiver keeps it out of
            # its analytic products too
            material = self.sources.get(sv.source_id, {}).get("material") or FACT
            if material != FACT:
                value["material"] = material
        path = "values" if kind.startswith(OWN_TYPE_PREFIX) else f"extensions.{EXTENSION}.values"
        for n, sv in enumerate(shown):
            marks.add(sv.marking, f"{path}.[{n}]")
        current = [sv for sv in view.statements if sv.ended_at is None] or view.statements
        first = min((sv.statement.first_seen or "" for sv in view.statements), default="")
        last = max(
            (max(sv.statement.last_seen or "", sv.ended_at or "") for sv in view.statements),
            default="",
        )
        obj: dict[str, Any] = {
            "type": kind,
            "spec_version": "2.1",
            "id": ids[view.id],
            "created": stix_timestamp(first or None),
            "modified": stix_timestamp(max(first, last) or None),
            "created_by_ref": self.creator,
        }
        grades = [sv.credibility for sv in current if sv.credibility is not None]
        if grades and confidence(min(grades)) is not None:
            obj["confidence"] = confidence(min(grades))
        body: dict[str, Any] = {"schema": view.schema, "entity_id": view.id, "values": values}
        if kind == "identity":
            obj["name"] = self._named(view, current, marks, "name")
            obj["identity_class"] = (
                "individual"
                if view.schema in PERSON
                else "organization"
                if view.schema in ORGANISATION
                else "unknown"
            )
            self._description(current, obj, marks)
            obj["extensions"] = {EXTENSION: {"extension_type": "property-extension", **body}}
        elif kind == "relationship":
            schema = view.entity.schema
            roles = sorted(view.entity.get("role")) if "role" in schema.properties else []
            # a partner's relationship type came back as an unknown link's role
            obj["relationship_type"] = (
                roles[0] if roles and STIX_ID.match(view.id) else _kebab(schema.name)
            )
            for key, prop in (
                ("source_ref", schema.edge_source),
                ("target_ref", schema.edge_target),
            ):
                obj[key] = self._ends(view, prop, ids)
                for sv in current:
                    if sv.statement.prop == prop and ids.get(sv.statement.value) == obj[key]:
                        marks.add(sv.marking, key)
                        break
            self._description(current, obj, marks)
            obj["extensions"] = {EXTENSION: {"extension_type": "property-extension", **body}}
        elif kind.startswith(OWN_TYPE_PREFIX):
            obj["name"] = self._named(view, current, marks, "name")
            obj.update(body)
            obj["extensions"] = {EXTENSION: {"extension_type": "new-sdo"}}
        else:  # a partner's object of a type we hold as a note (indicator, malware…)
            obj["name"] = self._named(view, current, marks, "name")
            self._description(current, obj, marks)
            obj["extensions"] = {EXTENSION: {"extension_type": "property-extension", **body}}
        refs = self._references(shown, marks)
        if refs:
            obj["external_references"] = refs
        kept = self.kept.get(obj["id"])
        if kept is not None:
            self._give_back(obj, kept[0], kept[1], marks)
        used = marks.apply(obj, base)
        return obj, used

    @staticmethod
    def _give_back(obj: dict[str, Any], extra: dict[str, Any], mark: Marking, marks: Marks) -> None:
        """What a partner's object said that no statement holds, under the marking it was
        kept with (granular where that differs from the object's)."""
        for key, value in sorted(extra.items()):
            if key == "type":
                continue
            if key == "external_references" and isinstance(value, list):
                have = obj.setdefault("external_references", [])
                for ref in value:
                    marks.add(mark, f"external_references.[{len(have)}]")
                    have.append(ref)
            elif key == "extensions" and isinstance(value, dict):
                for name, body in sorted(value.items()):
                    if name not in obj["extensions"]:
                        obj["extensions"][name] = body
                        marks.add(mark, f"extensions.{name}")
                    elif isinstance(body, dict):
                        # a partner's own properties in our extension (an assessment's
                        # figures): given back beside the values, none replaced
                        held = obj["extensions"][name]
                        for prop in sorted(set(body) - set(held)):
                            held[prop] = body[prop]
                            marks.add(mark, f"extensions.{name}.{prop}")
            elif key not in obj:
                obj[key] = value
                marks.add(mark, key)

    def _named(self, view: EntityView, current: list[StatementView], marks: Marks, key: str) -> str:
        """The object's name: the entity's caption, marked as the value it comes from."""
        caption = view.caption
        names = sorted(sv.statement.value for sv in current if sv.statement.prop == "name")
        if names and caption not in names:
            caption = names[0]  # a schema (a note) whose caption is not its name
        found = [sv for sv in current if sv.statement.value == caption]
        if found:
            marks.add(_most_releasable(frozenset(sv.marking for sv in found)), key)
        return caption

    @staticmethod
    def _description(current: list[StatementView], obj: dict[str, Any], marks: Marks) -> None:
        found = sorted(
            (sv for sv in current if sv.statement.prop == "description"),
            key=lambda sv: sv.statement.value,
        )
        if found:
            obj["description"] = found[0].statement.value
            marks.add(found[0].marking, "description")

    def _references(self, shown: list[StatementView], marks: Marks) -> list[dict[str, Any]]:
        cited = sorted({sv.source_id for sv in shown if sv.source_id in self.sources})
        refs = []
        for n, source_id in enumerate(cited):
            src = self.sources[source_id]
            ref: dict[str, Any] = {"source_name": str(src["title"] or source_id)}
            if src.get("publisher"):
                ref["description"] = (
                    f"{src['publisher']} ({src['kind']}, reliability {src['reliability']})"
                )
            if src.get("url"):
                ref["url"] = src["url"]
                if src.get("checksum"):
                    ref["hashes"] = {"SHA-256": str(src["checksum"])}
            ref["external_id"] = source_id
            refs.append(ref)
            marks.add(_parsed(src["marking"]), f"external_references.[{n}]")
        return refs


def _readable(obj: dict[str, Any]) -> bool:
    """Does ``obj`` stand as its type (ours and the common ones always do)?"""
    kind = obj["type"]
    if kind.startswith(OWN_TYPE_PREFIX) or kind in ("identity", "relationship"):
        return True
    if kind in OBSERVABLES:
        return False
    try:
        stix2.parse(obj, allow_custom=True, version="2.1")
    except Exception:  # the library's many error types: any says it does not stand
        return False
    return True


def chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
