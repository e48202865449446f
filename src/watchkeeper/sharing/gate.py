"""The release gate: the one function every outgoing bundle and package passes.

It reads the selection as the recipient would be shown it, and only what the releasing
organisation may see itself (``GateReader``: both organisations' visible markings, then
the existence rule over them, as every read path applies it), so what the recipient may
not see is withheld before anything is built. Each object's and value's effective
marking goes into the bundle (``stix_export``); the bytes are deterministic (the same
store state and selection give the same bundle: ids derived from ours, objects in id
order, keys sorted, no clock); and the release is recorded in the releasing
organisation's log: recipient, time, who, the selection, every object id with its
markings, how many values were withheld, and the SHA-256 of what left.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from watchkeeper.errors import InputError
from watchkeeper.model.marking import TLP, Marking, Viewer
from watchkeeper.sharing.stix_export import Exported, Exporter
from watchkeeper.sharing.vocab import (
    derived_id,
    extension_definition,
    restriction_definition,
    tlp_definition,
)
from watchkeeper.store import Reader, Store
from watchkeeper.store import sharing as kept_store
from watchkeeper.store.reader import EntityView


class GateReader(Reader):
    """The recipient's reading, narrowed to what the releasing organisation may see too:
    the markings both may see, and existence judged over those alone. Markings are shown
    as the recipient is shown them (a recipient list only names the recipient)."""

    def __init__(self, store: Store, recipient: Viewer, releasing: Viewer) -> None:
        super().__init__(store, recipient)
        own = set(store.visible_marking_ids(releasing, self.stamp))
        self.marking_ids = sorted(set(self.marking_ids) & own)
        self.scope = frozenset(self.marking_ids)
        self.releasing = releasing
        self._visible_sources = frozenset(src["id"] for src in self.sources())

    def sources(self) -> list[dict[str, Any]]:
        found = self._cache.get(
            self.stamp, ("gate sources", self.viewer, self.scope), self._read_sources
        )
        return [dict(src) for src in found]


@dataclass(frozen=True)
class Selection:
    """What to release: entities by id (with what links to them and what those link
    to), a dataset's entities, entities with a value seen since a date, a search; all
    visible entities when nothing is given."""

    entities: tuple[str, ...] = ()
    dataset: str | None = None
    since: str | None = None
    query: str | None = None
    history: bool = False
    """Ended values too (with their end dates), not only current ones."""
    assessment: bool = False
    """The assessment too: estimates, key judgments and a report (``stix_assessment``)."""
    as_of: str | None = None
    """The assessment as of this date (nothing reported or published after it)."""

    def __post_init__(self) -> None:
        for option, value in (("--since", self.since), ("--as-of", self.as_of)):
            if value is not None:
                try:
                    datetime.fromisoformat(value)
                except ValueError:
                    raise InputError(option, f"not an ISO date: {value!r}") from None


def selected(reader: Reader, selection: Selection) -> list[str]:
    """The ids of the entities ``selection`` names, as ``reader`` sees them, sorted."""
    history = selection.history
    chosen: set[str] | None = None
    if selection.entities:
        wanted = set(reader.existing_among(selection.entities, include_ended=history))
        around = set(wanted)
        for entity_id in sorted(wanted):
            around |= {view.id for view in reader.referencing(entity_id)}
        chosen = around
    if selection.query:
        found = reader.search(selection.query, limit=100_000)
        ids = {view.id for view in found.results}
        chosen = ids if chosen is None else chosen & ids
    if selection.dataset or selection.since:
        ids = set()
        for sv in reader.statements(include_ended=history):
            stmt = sv.statement
            if selection.dataset and stmt.dataset != selection.dataset:
                continue
            if selection.since and (stmt.last_seen or stmt.first_seen or "") < selection.since:
                continue
            ids.add(stmt.entity_id)
        chosen = ids if chosen is None else chosen & ids
    if chosen is None:
        return sorted({sv.statement.entity_id for sv in reader.statements(include_ended=history)})
    return sorted(_closed(reader, chosen, history))


def _closed(reader: Reader, chosen: set[str], history: bool) -> set[str]:
    """``chosen`` and whatever it links to, until nothing is added: a bundle names no
    entity it does not carry (an importer refuses a dangling link)."""
    found, frontier = set(chosen), set(chosen)
    while frontier:
        ends: set[str] = set()
        for view in reader.entities(sorted(frontier), include_ended=history):
            ends |= {
                sv.statement.value for sv in view.statements if sv.statement.prop_type == "entity"
            }
        frontier = reader.existing_among(ends - found, include_ended=history)
        found |= frontier
    return found


@dataclass
class Release:
    """What left (``data``, the bytes) and what the log says of it."""

    data: bytes
    sha256: str
    recipient: str
    objects: dict[str, list[str]] = field(default_factory=dict)
    withheld: int = 0
    log_id: int | None = None


def organisation_identity(name: str) -> dict[str, Any]:
    return {
        "type": "identity",
        "spec_version": "2.1",
        "id": derived_id("identity", "organisation:" + name),
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": name,
        "identity_class": "organization",
    }


def software_identity() -> dict[str, Any]:
    """Watchkeeper itself, creator of our extension and restriction markings."""
    found = organisation_identity("Watchkeeper")
    found["id"] = derived_id("identity", "software:watchkeeper")
    found["identity_class"] = "system"
    return found


def build_bundle(
    store: Store, releasing: Viewer, recipient: Viewer, selection: Selection
) -> tuple[bytes, Exported]:
    """The bundle ``recipient`` gets of ``selection``: the objects, the releasing
    organisation's identity, our extension, and every marking definition they use."""
    reader = GateReader(store, recipient, releasing)
    ids = selected(reader, selection)
    views: list[EntityView] = list(reader.entities(ids, include_ended=selection.history))
    creator = organisation_identity(releasing.organisation)
    exporter = Exporter(reader, creator["id"], _kept(store, reader, views))
    exported = exporter.export(views)
    if selection.assessment:
        from watchkeeper.sharing.stix_assessment import assessment_objects

        found = assessment_objects(reader, creator["id"], recipient, releasing, selection.as_of)
        exported.objects += found.objects
        exported.markings |= found.markings
        exported.object_markings.update(found.object_markings)
    # Our extension and the restriction markings are the same objects in every bundle,
    # whoever releases it: created by Watchkeeper (the software), not by the releaser.
    project = software_identity()
    objects = [creator, project, extension_definition(project["id"])]
    levels = {m.tlp for m in exported.markings} | {TLP.CLEAR}
    objects += [tlp_definition(level) for level in sorted(levels)]
    restrictions = {
        d["id"]: d
        for d in (restriction_definition(m, project["id"]) for m in exported.markings)
        if d is not None
    }
    objects += restrictions.values()
    # a partner's copy of these (imported from its bundle) gives way to them
    fixed = {obj["id"] for obj in objects}
    objects += [obj for obj in exported.objects if obj["id"] not in fixed]
    for ref in fixed & set(exported.object_markings):
        del exported.object_markings[ref]
    # the identities and our extension are marked as what anyone may read (TLP:CLEAR)
    for obj in objects[:3]:
        obj["object_marking_refs"] = [tlp_definition(TLP.CLEAR)["id"]]
    objects.sort(key=lambda o: str(o["id"]))
    # orjson: sorted keys, the same bytes every time, several times faster than json
    body = orjson.dumps(objects, option=orjson.OPT_SORT_KEYS)
    bundle = {
        "type": "bundle",
        "id": derived_id("bundle", hashlib.sha256(body).hexdigest()),
        "objects": objects,
    }
    data = orjson.dumps(bundle, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2) + b"\n"
    return data, exported


def _kept(
    store: Store, reader: Reader, views: list[EntityView]
) -> dict[str, tuple[dict[str, Any], Marking]]:
    """What partners' objects said beyond their values, where the reader may see it,
    with the marking it was kept under (as the reader is shown it)."""
    found = kept_store.partner_objects(None, store, [view.id for view in views])
    visible = set(reader.marking_ids)
    return {
        k: (v.extra, reader.shown_marking(v.marking_id))
        for k, v in found.items()
        if v.marking_id in visible and v.extra
    }


def withheld_count(store: Store, releasing: Viewer, selection: Selection, released: int) -> int:
    """How many values of the selection, as the releasing organisation sees it, did not
    leave: for its own log (never in the bundle)."""
    reader = store.read(releasing)
    ids = selected(reader, selection)
    total = sum(1 for _ in reader.statements(ids, include_ended=selection.history))
    return max(0, total - released)


def release(
    store: Store,
    releasing: Viewer,
    recipient_org: str,
    selection: Selection,
    *,
    by: str,
    fmt: str = "stix-2.1",
    wrap: Any = None,
) -> Release:
    """Release ``selection`` to ``recipient_org``: build, (``wrap``: package it), record.
    The one way anything leaves for a partner."""
    recipient = store.organisation(recipient_org)
    data, exported = build_bundle(store, releasing, recipient, selection)
    if wrap is not None:
        data = wrap(data)
    digest = hashlib.sha256(data).hexdigest()
    withheld = withheld_count(store, releasing, selection, exported.statements)
    out = Release(data, digest, recipient.organisation, exported.object_markings, withheld)
    out.log_id = kept_store.record_release(
        store,
        {
            "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            "organisation": releasing.organisation,
            "recipient": recipient.organisation,
            "released_by": by,
            "format": fmt,
            "selection": asdict(selection),
            "sha256": digest,
            "object_count": len(exported.objects),
            "withheld_count": withheld,
            "objects": exported.object_markings,
        },
    )
    return out
