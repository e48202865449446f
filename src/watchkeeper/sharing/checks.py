"""A partner's bundle read and checked whole, before anything of it is written.

Limits first (size, string length, nesting: walked without recursion), then every
object: a bundle of objects with ids of their type; spec_version 2.1; each as the
``stix2`` library reads it (required properties, timestamps); no id given twice for one
version; every reference (``*_ref``, ``*_refs``, marking references) resolving within
the bundle or among the entities that exist for the importing organisation (asked
through its reader: a refusal reveals nothing it may not see); every marking definition
one this workspace can enforce (TLP 2.0's and TLP 1.0's official ones, ours, and
statements, which restrict no one); our values well formed. The first fault is refused
with one line naming the object and the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import stix2
from followthemoney import model

from watchkeeper.errors import InputError
from watchkeeper.model.marking import TLP, MarkingError, Viewer
from watchkeeper.model.source import MATERIALS
from watchkeeper.sharing.vocab import (
    EXTENSION,
    STIX_ID,
    TLP1_IDS,
    TLP2_EXTENSION,
    TLP_BY_ID,
)
from watchkeeper.store import Store

MAX_BYTES = 256 * 1024 * 1024
MAX_STRING = 1_000_000
MAX_DEPTH = 32


def read_bundle(path: Path) -> dict[str, Any]:
    """Read a bundle file within the limits; a one-line ``InputError`` otherwise."""
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(name, f"cannot read: {exc.strerror}") from None
    if size > MAX_BYTES:
        raise InputError(name, f"{size:,} bytes: more than a bundle may be ({MAX_BYTES:,})")
    return parse_bundle(path.read_bytes(), name)


def parse_bundle(data: bytes, name: str) -> dict[str, Any]:
    if len(data) > MAX_BYTES:
        raise InputError(name, f"{len(data):,} bytes: more than a bundle may be ({MAX_BYTES:,})")
    try:
        bundle = json.loads(data)
    except RecursionError:
        raise InputError(name, f"nested too deeply to read (at most {MAX_DEPTH} levels)") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(name, f"not JSON: {exc}") from None
    if not isinstance(bundle, dict) or bundle.get("type") != "bundle":
        raise InputError(name, 'not a STIX bundle (no "type": "bundle")')
    if not isinstance(bundle.get("id"), str) or not STIX_ID.match(bundle["id"]):
        raise InputError(name, "the bundle has no valid id", "bundle")
    objects = bundle.get("objects", [])
    if not isinstance(objects, list):
        raise InputError(name, "field 'objects' is not a list", bundle["id"])
    _limits(bundle, name, bundle["id"], "", 0)
    return bundle


def _limits(value: Any, name: str, record: str, where: str, depth: int) -> None:
    """Nesting and string length, walked without recursion into Python's limits."""
    stack: list[tuple[Any, str, str, int]] = [(value, record, where, depth)]
    while stack:
        item, rec, path, level = stack.pop()
        if level > MAX_DEPTH:
            raise InputError(
                name, f"field {path[:80]!r}… is nested deeper than {MAX_DEPTH} levels", rec
            )
        if isinstance(item, str):
            if len(item) > MAX_STRING:
                raise InputError(
                    name,
                    f"field {path!r} is a string of {len(item):,} characters "
                    f"(at most {MAX_STRING:,})",
                    rec,
                )
        elif isinstance(item, dict):
            for key, sub in item.items():
                if len(key) > 250:
                    raise InputError(name, f"a property name of {len(key):,} characters", rec)
                stack.append((sub, rec, f"{path}.{key}" if path else key, level + 1))
        elif isinstance(item, list):
            for n, sub in enumerate(item):
                sub_rec = rec
                if path == "objects" and isinstance(sub, dict) and isinstance(sub.get("id"), str):
                    sub_rec, sub_path = sub["id"][:120], ""
                else:
                    sub_path = f"{path}[{n}]"
                stack.append((sub, sub_rec, sub_path, level + 1))


@dataclass
class Definitions:
    """The marking definitions a bundle may refer to: id -> what it says."""

    tlp: dict[str, TLP] = field(default_factory=dict)
    restriction: dict[str, dict[str, Any]] = field(default_factory=dict)
    statements: set[str] = field(default_factory=set)

    def known(self, ref: str) -> bool:
        return (
            ref in self.tlp
            or ref in self.restriction
            or ref in self.statements
            or ref in TLP_BY_ID
            or ref in TLP1_IDS
        )


def _definitions(objects: list[dict[str, Any]], name: str) -> Definitions:
    found = Definitions()
    for obj in objects:
        if obj.get("type") != "marking-definition":
            continue
        ref = obj["id"]
        extensions = obj.get("extensions") or {}
        if ref in TLP_BY_ID or ref in TLP1_IDS:
            continue
        if TLP2_EXTENSION in extensions:
            level = str(extensions[TLP2_EXTENSION].get("tlp_2_0", ""))
            try:
                found.tlp[ref] = TLP.parse(level)
            except MarkingError:
                raise InputError(name, f"unknown TLP 2.0 level {level!r}", ref) from None
        elif EXTENSION in extensions:
            found.restriction[ref] = extensions[EXTENSION]
        elif obj.get("definition_type") == "tlp":
            level = str((obj.get("definition") or {}).get("tlp", ""))
            try:
                found.tlp[ref] = TLP.parse(level)
            except MarkingError:
                raise InputError(name, f"unknown TLP level {level!r}", ref) from None
        elif obj.get("definition_type") == "statement":
            found.statements.add(ref)
        else:
            raise InputError(
                name,
                "a marking definition this workspace cannot enforce (neither TLP, "
                "Watchkeeper's restriction, nor a statement): refused rather than widened",
                ref,
            )
    return found


def _refs(obj: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(field, referenced id) of every ``*_ref``/``*_refs`` property, nested included, in
    document order. (A walk with a stack of its own rather than nested generators: this
    runs over every value of a bundle, and the generators' hand-offs were most of it.)"""
    stack: list[tuple[bool, Any, str]] = [(False, obj, path)]  # (a reference?, value, where)
    while stack:
        is_ref, value, here = stack.pop()
        if is_ref:
            for ref in value if isinstance(value, list) else [value]:
                if isinstance(ref, str):
                    yield here, ref
        elif isinstance(value, dict):
            later: list[tuple[bool, Any, str]] = []
            for key, item in value.items():
                if key.endswith(("_ref", "_refs")) and key != "marking_ref":
                    later.append((True, item, f"{here}.{key}" if here else key))
                elif key != "granular_markings" and isinstance(item, dict | list):
                    later.append((False, item, f"{here}.{key}" if here else key))
            stack.extend(reversed(later))
        elif isinstance(value, list):
            stack.extend(
                reversed([(False, item, here) for item in value if isinstance(item, dict | list)])
            )


# -- the common objects, checked without building them --------------------------------------
# Building each object with ``stix2`` was two thirds of an import's time (bench/sharing).
# Identities and relationships made only of the properties below (as Watchkeeper and most
# tools write them) are checked here against the same rules; anything else, or anything
# in doubt, goes to ``stix2.parse`` (whose message is the refusal): this never refuses.

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")
COMMON = {"type", "spec_version", "id", "created", "modified", "created_by_ref",
          "confidence", "revoked", "labels", "lang", "description", "extensions",
          "external_references", "object_marking_refs", "granular_markings"}  # fmt: skip
PLAIN = {
    "identity": COMMON | {"name", "identity_class"},
    "relationship": COMMON | {"relationship_type", "source_ref", "target_ref"},
}
NOT_ENDS = frozenset(
    {"bundle", "language-content", "marking-definition", "relationship", "sighting"}
)
REFERENCE_KEYS = {"source_name", "description", "url", "external_id", "hashes"}


def _timestamp(value: Any) -> bool:
    if not isinstance(value, str) or not TIMESTAMP.match(value):
        return False
    try:
        datetime.fromisoformat(value[:19])
    except ValueError:
        return False
    return True


def _id_of(
    value: Any, kinds: set[str] | None = None, not_kinds: frozenset[str] = frozenset()
) -> bool:
    if not isinstance(value, str) or not STIX_ID.match(value):
        return False
    kind = value.split("--", 1)[0]
    return (kinds is None or kind in kinds) and kind not in not_kinds


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _selected(obj: Any, selector: str) -> bool:
    """Does ``selector`` (``a.b.[0].c``) name something ``obj`` has, as ``stix2`` finds
    it: a value that is not empty, and an item of a list by the index of its first equal
    item (the library's walk names items so)."""
    here = obj
    for part in selector.split("."):
        if part.startswith("[") and part.endswith("]") and part[1:-1].isdigit():
            index = int(part[1:-1])
            if not isinstance(here, list) or index >= len(here):
                return False
            if here.index(here[index]) != index:
                return False
            here = here[index]
        elif isinstance(here, dict) and part in here:
            here = here[part]
        else:
            return False
    return bool(here)


def _reference(ref: Any) -> bool:
    if not isinstance(ref, dict) or not set(ref) <= REFERENCE_KEYS:
        return False
    if not _text(ref.get("source_name")) or not any(
        k in ref for k in ("description", "url", "external_id")
    ):
        return False
    if any(not isinstance(ref[k], str) for k in ("description", "url", "external_id") if k in ref):
        return False
    hashes = ref.get("hashes")
    return hashes is None or (
        isinstance(hashes, dict)
        and set(hashes) == {"SHA-256"}
        and isinstance(hashes["SHA-256"], str)
        and re.fullmatch(r"[0-9a-fA-F]{64}", hashes["SHA-256"]) is not None
    )


def _plainly_valid(obj: dict[str, Any]) -> bool:
    """Is ``obj`` a common object that ``stix2.parse`` would certainly accept?"""
    allowed = PLAIN.get(obj["type"])
    if allowed is None or not set(obj) <= allowed:
        return False
    if not (_timestamp(obj.get("created")) and _timestamp(obj.get("modified"))):
        return False
    if "created_by_ref" in obj and not _id_of(obj["created_by_ref"], {"identity"}):
        return False
    confidence = obj.get("confidence")
    if confidence is not None and (type(confidence) is not int or not 0 <= confidence <= 100):
        return False
    if "revoked" in obj and not isinstance(obj["revoked"], bool):
        return False
    if "labels" in obj and not (
        isinstance(obj["labels"], list) and all(_text(x) for x in obj["labels"])
    ):
        return False
    for key in ("lang", "description", "identity_class"):
        if key in obj and not isinstance(obj[key], str):
            return False
    if obj["type"] == "identity" and not _text(obj.get("name")):
        return False
    if obj["type"] == "relationship" and not (
        _text(obj.get("relationship_type"))
        and _id_of(obj.get("source_ref"), not_kinds=NOT_ENDS)
        and _id_of(obj.get("target_ref"), not_kinds=NOT_ENDS)
    ):
        return False
    extensions = obj.get("extensions", {})
    if not isinstance(extensions, dict) or not all(
        _id_of(k, {"extension-definition"})
        and isinstance(v, dict)
        and v.get("extension_type") == "property-extension"
        for k, v in extensions.items()
    ):
        return False
    references = obj.get("external_references", [])
    if not isinstance(references, list) or not all(_reference(r) for r in references):
        return False
    marks = obj.get("object_marking_refs", [])
    if not isinstance(marks, list) or not all(_id_of(m, {"marking-definition"}) for m in marks):
        return False
    granular = obj.get("granular_markings", [])
    if not isinstance(granular, list):
        return False
    for entry in granular:
        if not isinstance(entry, dict) or set(entry) != {"marking_ref", "selectors"}:
            return False
        selectors = entry["selectors"]
        if not _id_of(entry["marking_ref"], {"marking-definition"}) or not (
            isinstance(selectors, list) and selectors
        ):
            return False
        if not all(isinstance(x, str) and _selected(obj, x) for x in selectors):
            return False
    return True


def check(bundle: dict[str, Any], name: str, store: Store, importer: Viewer) -> Definitions:
    """Check every object; the marking definitions found. Raises on the first fault."""
    objects = bundle["objects"]
    seen: set[tuple[str, str]] = set()
    ids: set[str] = set()
    for n, obj in enumerate(objects):
        if not isinstance(obj, dict):
            raise InputError(name, f"objects[{n}] is not an object", bundle["id"])
        kind, ref = obj.get("type"), obj.get("id")
        if not isinstance(kind, str) or not isinstance(ref, str):
            raise InputError(name, f"objects[{n}] has no type or no id", bundle["id"])
        if not STIX_ID.match(ref) or ref.split("--", 1)[0] != kind:
            raise InputError(name, f"field 'id' does not start with its type {kind!r}", ref[:120])
        if obj.get("spec_version", "2.1") != "2.1":
            raise InputError(
                name, f"field 'spec_version' is {obj.get('spec_version')!r}; only 2.1 is read", ref
            )
        version = (ref, str(obj.get("modified", obj.get("created", ""))))
        if version in seen:
            raise InputError(name, "field 'id': the same object and version given twice", ref)
        seen.add(version)
        ids.add(ref)
        if _plainly_valid(obj):
            continue
        try:
            stix2.parse(obj, allow_custom=True, version="2.1")
        except Exception as exc:  # the library's many error types: each says the field
            raise InputError(name, " ".join(str(exc).split())[:300], ref) from None
    definitions = _definitions(objects, name)
    known_entities = _known(store, importer, ids, objects)
    for obj in objects:
        ref = obj["id"]
        marks = [("object_marking_refs", m) for m in obj.get("object_marking_refs") or []]
        marks += [
            (
                f"granular_markings[{n}].marking_ref",
                g.get("marking_ref") if isinstance(g, dict) else g,
            )
            for n, g in enumerate(obj.get("granular_markings") or [])
        ]
        for where, mark in marks:
            if not isinstance(mark, str) or not definitions.known(mark):
                raise InputError(name, f"field {where!r}: unknown marking {mark!r}", ref)
        for where, target in _refs(obj):
            if target not in ids and target not in known_entities and not definitions.known(target):
                raise InputError(
                    name,
                    f"field {where!r}: {target!r} is neither in the bundle nor known here",
                    ref,
                )
        _check_values(obj, name, ref)
    return definitions


def _known(
    store: Store, importer: Viewer, ids: set[str], objects: list[dict[str, Any]]
) -> set[str]:
    """Ids outside the bundle that references name and that exist for the importing
    organisation (its read path: an entity it may not see is one that does not exist)."""
    wanted = {target for obj in objects for _, target in _refs(obj)} - ids
    if not wanted:
        return set()
    return store.read(importer).existing_among(wanted, include_ended=True)


def body_of(obj: dict[str, Any]) -> dict[str, Any] | None:
    """Our extension's part of an object: its schema and values, or None."""
    if isinstance(obj.get("values"), list) and EXTENSION in (obj.get("extensions") or {}):
        return obj
    body = (obj.get("extensions") or {}).get(EXTENSION)
    if isinstance(body, dict) and isinstance(body.get("values"), list):
        return body
    return None


def _check_values(obj: dict[str, Any], name: str, ref: str) -> None:
    body = body_of(obj)
    if body is None:
        return
    schema = model.get(str(body.get("schema")))
    if schema is None:
        raise InputError(name, f"field 'schema': unknown schema {body.get('schema')!r}", ref)
    for n, value in enumerate(body["values"]):
        where = f"values[{n}]"
        if not isinstance(value, dict) or not isinstance(value.get("value"), str):
            raise InputError(name, f"field {where!r} has no text 'value'", ref)
        if schema.get(str(value.get("prop"))) is None:
            raise InputError(
                name, f"field {where}.prop: {schema.name} has no {value.get('prop')!r}", ref
            )
        if value.get("material", "fact") not in MATERIALS:
            raise InputError(
                name,
                f"field {where}.material: {value.get('material')!r} is not one of "
                f"{', '.join(MATERIALS)}",
                ref,
            )
        grade = value.get("credibility")
        if grade is not None and grade not in range(1, 7):
            raise InputError(name, f"field {where}.credibility: {grade!r} is not 1-6", ref)
