"""A partner's STIX 2.1 bundle, checked whole (``checks``: nothing written until all of
it passes), then written as statements through the one write path.

Then every object becomes an entity (its STIX id is its entity id) with statements:
- from a Watchkeeper bundle (our extension): each value with its own marking (granular,
  or the object's), credibility, dates, and its source (the external reference) as a
  source of ours with the reliability the value came with;
- from any other tool: identities as persons or organisations, relationships as
  unknown links, everything else as notes; the object's markings combined so that none
  is widened (the strictest TLP, the narrowest REL TO), its ``confidence`` as the
  Admiralty credibility, ``created``/``modified`` as first and last seen.
The partner is the originator of every marking that names none; unmarked objects take
the import's default marking (TLP:AMBER to the importing organisation unless the user
gives another; never TLP:CLEAR unless the user says so). What an object says that no
statement holds (unknown properties and extensions) is kept and given back on export.

A newer version (``modified``) ends the values it no longer states; ``revoked`` ends all
of them; history stays. An object already held at that version is left as it is, so
importing the same bundle twice changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from followthemoney import Statement, model
from followthemoney.statement.util import BASE_ID

from watchkeeper.errors import InputError
from watchkeeper.model.grading import Reliability
from watchkeeper.model.marking import TLP, Marking, MarkingError, Viewer
from watchkeeper.model.source import FACT, MATERIALS, Source
from watchkeeper.sharing.checks import Definitions, body_of, check
from watchkeeper.sharing.vocab import (
    EXTENSION,
    TLP1_IDS,
    TLP_BY_ID,
    credibility,
    store_date,
)
from watchkeeper.store import Store
from watchkeeper.store import sharing as kept_store

BOOKKEEPING = {
    "type",
    "id",
    "spec_version",
    "created",
    "modified",
    "object_marking_refs",
    "granular_markings",
    "created_by_ref",
    "confidence",
    "revoked",
}
MAPPED = {
    "identity": {"name", "description", "identity_class"},
    "relationship": {"relationship_type", "source_ref", "target_ref", "description"},
}
OUR_TOP = {
    "name",
    "description",
    "identity_class",
    "relationship_type",
    "source_ref",
    "target_ref",
    "external_references",
    "schema",
    "entity_id",
    "values",
}


@dataclass
class ImportResult:
    bundle_id: str
    partner: str
    objects: int = 0
    new: int = 0
    updated: int = 0
    revoked: int = 0
    unchanged: int = 0
    statements: int = 0
    ended: int = 0
    changed_entities: set[str] = field(default_factory=set)


# -- markings ---------------------------------------------------------------------------------


class MarkingReader:
    """Markings of a partner's objects, as they were set: never widened."""

    def __init__(
        self, definitions: Definitions, partner: str, importer: Viewer, default: Marking
    ) -> None:
        self.definitions = definitions
        self.partner = partner
        self.importer = importer
        self.default = default

    def tlp(self, ref: str) -> TLP | None:
        for table in (TLP_BY_ID, TLP1_IDS, self.definitions.tlp):
            if ref in table:
                return table[ref]
        return None

    def exact(self, refs: list[str]) -> Marking | None:
        """The marking a Watchkeeper wrote as ``refs`` (a TLP and our restriction)."""
        levels = [lvl for lvl in (self.tlp(r) for r in refs) if lvl is not None]
        restrictions = [
            self.definitions.restriction[r] for r in refs if r in self.definitions.restriction
        ]
        if not levels and not restrictions:
            return None
        return self._marking(levels, restrictions)

    def combined(self, refs: list[str]) -> Marking:
        """Several markings a foreign tool set on one thing: the strictest of each part."""
        found = self.exact(refs)
        return found if found is not None else self.fill(self.default)

    def _marking(self, levels: list[TLP], restrictions: list[dict[str, Any]]) -> Marking:
        tlp = max(levels, default=self.default.tlp)
        rel_to: frozenset[str] | None = None
        originator: str | None = None
        recipients: frozenset[str] = frozenset()
        for body in restrictions:
            if body.get("rel_to") is not None:
                codes = frozenset(str(c) for c in body["rel_to"])
                rel_to = codes if rel_to is None else rel_to & codes
            originator = originator or (str(body["originator"]) if body.get("originator") else None)
            given = frozenset(str(r) for r in body.get("recipients") or [])
            recipients = given if not recipients else (recipients & given or recipients)
        try:
            mark = Marking.make(
                tlp, ",".join(sorted(rel_to)) if rel_to else None, originator, recipients
            )
        except MarkingError as exc:
            raise InputError("marking", exc.detail) from None
        if rel_to is not None and not rel_to:
            mark = Marking(TLP.RED, None, originator or self.partner)
        return self.fill(mark)

    def fill(self, mark: Marking) -> Marking:
        """The partner as originator where none is named; from AMBER up, the importing
        organisation as the recipient where none is named (it was given to us)."""
        if mark.originator is None:
            mark = replace(mark, originator=self.partner)
        if mark.tlp >= TLP.AMBER and not mark.recipients:
            mark = replace(mark, recipients=frozenset({self.importer.organisation}))
        return mark


def _selected(obj: dict[str, Any]) -> dict[str, list[str]]:
    """selector -> the marking refs granular markings give it."""
    out: dict[str, list[str]] = {}
    for entry in obj.get("granular_markings") or []:
        for selector in entry.get("selectors") or []:
            out.setdefault(str(selector), []).append(str(entry["marking_ref"]))
    return out


# -- writing ----------------------------------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "partner"


def import_bundle(
    store: Store,
    bundle: dict[str, Any],
    name: str,
    partner: str,
    importer: Viewer,
    *,
    default_marking: Marking,
    reliability: Reliability = Reliability.F,
) -> ImportResult:
    """Check ``bundle`` whole, then write it as ``partner``'s information (see module)."""
    partner_org = store.organisation(partner).organisation
    definitions = check(bundle, name, store, importer)
    marks = MarkingReader(definitions, partner_org, importer, default_marking)
    objects = [
        o
        for o in bundle["objects"]
        if o["type"] not in ("marking-definition", "extension-definition", "bundle")
    ]
    # newest version of each object only (a bundle may carry several)
    newest: dict[str, dict[str, Any]] = {}
    for obj in objects:
        held = newest.get(obj["id"])
        if held is None or str(obj.get("modified", "")) > str(held.get("modified", "")):
            newest[obj["id"]] = obj
    result = ImportResult(bundle["id"], partner_org, objects=len(newest))
    held = kept_store.partner_objects(None, store, list(newest))
    for ref, stored in held.items():
        if stored.partner != partner_org:
            raise InputError(
                name, f"this object was received from {stored.partner}, not {partner_org}", ref
            )
    todo = {
        ref: obj
        for ref, obj in newest.items()
        if ref not in held
        or _version(obj) > held[ref].modified
        or (bool(obj.get("revoked")) and not held[ref].revoked)
    }
    result.unchanged = len(newest) - len(todo)
    if not todo:
        return result
    dataset = "share_" + _slug(partner_org)
    # ids the bundle's Watchkeeper values link by (the sender's entity ids) -> STIX ids
    local = {
        str(b["entity_id"]): ref
        for ref, obj in newest.items()
        if (b := body_of(obj)) and b.get("entity_id")
    }
    source = Source(
        id=f"share:{partner_org}:{bundle['id']}",
        dataset=dataset,
        kind="feed",
        title=f"STIX bundle {bundle['id']} from {partner_org}",
        publisher=partner_org,
        reliability=reliability,
        marking=marks.fill(default_marking),
    )
    with store.write(source, full_release=False) as writer:
        ended: list[tuple[str, str]] = []
        kept: list[tuple[kept_store.PartnerObject, bool]] = []
        for ref in sorted(todo):
            obj = todo[ref]
            existed = ref in held
            written, ended_now, object_mark, extra = _write_object(
                writer, obj, marks, dataset, local, source, name
            )
            result.statements += len(written)
            ended += ended_now
            if existed or obj.get("revoked"):
                # written first (a value seen again is reopened), then what this
                # version no longer says is ended
                writer.flush()
                keep = [] if obj.get("revoked") else written
                at = store_date(_version(obj))
                result.ended += kept_store.end_values(writer.conn, ref, dataset, keep, at)
            mark_id = store.marking_id(writer.conn, object_mark)
            version = _version(obj)
            found = kept_store.PartnerObject(
                ref, partner_org, version, bool(obj.get("revoked")), mark_id, extra
            )
            kept.append((found, existed))
            result.changed_entities.add(ref)
            if obj.get("revoked"):
                result.revoked += 1
            elif existed:
                result.updated += 1
            else:
                result.new += 1
        writer.flush()
        # values that arrived ended (the partner's history), once all are written
        kept_store.end_statements(writer.conn, ended)
        kept_store.save_partner_objects(writer.conn, kept)
    return result


def _version(obj: dict[str, Any]) -> str:
    return str(obj.get("modified") or obj.get("created") or "")


def _write_object(
    writer: Any,
    obj: dict[str, Any],
    marks: MarkingReader,
    dataset: str,
    local: dict[str, str],
    source: Source,
    name: str,
) -> tuple[list[str], list[tuple[str, str]], Marking, dict[str, Any]]:
    """Write one object's values; (statement ids, (id, end) of values that arrived
    ended, the object's marking, what no statement holds)."""
    ref = obj["id"]
    body = body_of(obj)
    granular = _selected(obj)
    object_refs = list(obj.get("object_marking_refs") or [])
    written: list[str] = []
    ended: list[tuple[str, str]] = []
    first = store_date(str(obj.get("created"))) if obj.get("created") else None
    last = store_date(_version(obj)) if _version(obj) else first
    if body is not None:
        base = marks.exact(object_refs)
        base = marks.fill(base) if base is not None else marks.fill(marks.default)
        schema = str(body["schema"])
        path = "values" if body is obj else f"extensions.{EXTENSION}.values"
        sources = _sources(obj, marks, base, dataset, source)
        for n, value in enumerate(body["values"]):
            own = granular.get(f"{path}.[{n}]")
            mark = marks.fill(marks.exact(own) or base) if own else base
            prop = str(value["prop"])
            text = str(value["value"])
            if model.get(schema).get(prop).type.name == "entity":  # type: ignore[union-attr]
                if text not in local:
                    raise InputError(
                        name, f"field {path}[{n}]: links to {text!r}, not in the bundle", ref
                    )
                text = local[text]
            stmt = Statement(
                entity_id=ref,
                prop=prop,
                schema=schema,
                value=text,
                dataset=dataset,
                lang=value.get("lang"),
                original_value=value.get("original_value"),
                first_seen=value.get("first_seen") or first,
                last_seen=value.get("last_seen") or last,
            )
            cited = sources.get(str(value.get("source")))
            if cited is not None and value.get("reliability"):
                cited = replace(cited, reliability=Reliability.parse(str(value["reliability"])))
                sources[str(value.get("source"))] = cited
            material = value.get("material")
            if material in MATERIALS and material != FACT:
                # the sender's exercise or simulated material stays what it is here: out
                # of analytic products, labelled
                given = cited or source
                cited = replace(given, id=f"{given.id}:{material}", material=str(material))
            stmt_id = writer.add_statement(stmt, mark, value.get("credibility"), cited)
            if stmt_id is not None:
                written.append(stmt_id)
                if value.get("ended_at"):
                    ended.append((stmt_id, str(value["ended_at"])))
        extra = {
            k: v for k, v in obj.items() if k not in BOOKKEEPING | OUR_TOP and k != "extensions"
        }
        others = {k: v for k, v in (obj.get("extensions") or {}).items() if k != EXTENSION}
        if others:
            extra["extensions"] = others
    else:
        base = marks.combined(object_refs)
        strictest = base
        for refs in granular.values():
            strictest = _stricter(strictest, marks.combined(object_refs + refs))
        schema, values = _foreign(obj)
        grade = credibility(obj.get("confidence")) if obj.get("confidence") is not None else None
        for prop, text in values:
            refs = granular.get(prop, [])
            mark = marks.combined(object_refs + refs) if refs else base
            stmt = Statement(
                entity_id=ref,
                prop=prop,
                schema=schema,
                value=text,
                dataset=dataset,
                first_seen=first,
                last_seen=last,
            )
            stmt_id = writer.add_statement(stmt, mark, grade, None)
            if stmt_id is not None:
                written.append(stmt_id)
        used = {p for p, _ in values} | {"name", "description"}
        extra = {
            k: v
            for k, v in obj.items()
            if k not in BOOKKEEPING and k not in used and k not in MAPPED.get(obj["type"], set())
        }
        extra["type"] = obj["type"]
        base = strictest
    idstmt = Statement(
        entity_id=ref,
        prop=BASE_ID,
        schema=schema,
        value=ref,
        dataset=dataset,
        first_seen=first,
        last_seen=last,
    )
    found = writer.add_statement(idstmt, base, None, None)
    if found is not None:
        written.append(found)
    return written, ended, base, extra


def _stricter(a: Marking, b: Marking) -> Marking:
    """Of two markings of one object, the one fewer may see (TLP first, then REL TO)."""
    if b.tlp != a.tlp:
        return b if b.tlp > a.tlp else a
    if a.rel_to is None:
        return b
    if b.rel_to is None:
        return a
    return a if len(a.rel_to) <= len(b.rel_to) else b


def _sources(
    obj: dict[str, Any], marks: MarkingReader, base: Marking, dataset: str, bundle_source: Source
) -> dict[str, Source]:
    """A Watchkeeper object's external references as sources of ours, by their id."""
    granular = _selected(obj)
    out: dict[str, Source] = {}
    for n, ref in enumerate(obj.get("external_references") or []):
        key = ref.get("external_id")
        if not key:
            continue
        own = granular.get(f"external_references.[{n}]")
        mark = marks.fill(marks.exact(own) or base) if own else base
        out[str(key)] = Source(
            id=f"share:{bundle_source.publisher}:{key}",
            dataset=dataset,
            kind="report",
            title=str(ref.get("source_name") or key),
            publisher=str(ref.get("description") or bundle_source.publisher),
            url=ref.get("url"),
            retrieved=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            marking=mark,
        )
    return out


def _foreign(obj: dict[str, Any]) -> tuple[str, list[tuple[str, str]]]:
    """A foreign object as (FtM schema, [(property, value)])."""
    kind = obj["type"]
    values: list[tuple[str, str]] = []
    if kind == "identity":
        cls = obj.get("identity_class")
        schema = (
            "Person"
            if cls == "individual"
            else "Organization"
            if cls == "organization"
            else "LegalEntity"
        )
        values.append(("name", str(obj["name"])))
        if obj.get("description"):
            values.append(("description", str(obj["description"])))
        return schema, values
    if kind == "relationship":
        values += [("subject", str(obj["source_ref"])), ("object", str(obj["target_ref"]))]
        values.append(("role", str(obj["relationship_type"])))
        if obj.get("description"):
            values.append(("description", str(obj["description"])))
        return "UnknownLink", values
    label = obj.get("name") or obj.get("value") or obj.get("x_misp_value") or obj["id"]
    values.append(("name", str(label)))
    values.append(("keywords", kind))
    if obj.get("description"):
        values.append(("description", str(obj["description"])))
    return "Note", values
