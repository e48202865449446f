"""The TAXII 2.1 server's answers (the routes are ``web/routers/taxii.py``).

What a collection is: the workspace's organisation (``WATCHKEEPER_ORG``, the one
``serve`` runs as) publishes one collection per partner audience, that is per
organisation registered in the workspace: the collection addressed to organisation A
holds exactly the bundle ``share export --for A`` would give of everything (the release
gate's ``build_bundle`` over ``Selection()``: what A may see and the publisher may see,
with every marking). A caller acts as its credential's organisation and reads only the
collection addressed to it (none when it is the publisher itself); any other collection
id, existing or not, is the same 404. Collections are read-only.

Every object of a collection has one version (its ``modified``, or ``created`` for the
fixed objects that have none); its ``date_added`` is that version's date (the epoch for
the fixed objects every bundle carries: ``FIXED_ADDED``), so ``added_after`` asks for
what changed after a date and a client polling with the last ``date_added`` it saw gets
each new version once. (The store keeps no time of writing per value: a value written
today with an older date is not "added" today; see the README.)

Prepared answers: the bundle is built once per (publisher, audience, store state) and
kept as objects in (``date_added``, id) order, each already serialised, with indexes by
id and type; a page is a bisection and a join of bytes, not an export. ``next`` is the
last (``date_added``, id) a page gave, encoded: derived from what the caller was shown
only, so it says nothing of what it was not (the differential rule), and it stays valid
across store changes (keyset paging).

Every page that carries objects (objects, an object, manifest, versions) is recorded in
the publisher's release log as the gate records a release: recipient, time, who, the
request, every object id with its markings, and the SHA-256 of the bytes that left.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

from watchkeeper.model.marking import Viewer
from watchkeeper.sharing.gate import Selection, build_bundle, withheld_count
from watchkeeper.sharing.vocab import EPOCH, NAMESPACE
from watchkeeper.store import Store
from watchkeeper.store import sharing as kept_store

TAXII_TYPE = "application/taxii+json;version=2.1"
STIX_TYPE = "application/stix+json;version=2.1"
API_ROOT = "watchkeeper"
MAX_PAGE = 1000
"""The most objects one page carries (a larger ``limit`` is lowered to it)."""
PREPARED_KEPT = 4
FORMAT = "taxii-2.1"
FIXED_ADDED = EPOCH
"""The ``date_added`` of what every bundle carries whatever the data (the organisations'
identities, our extension's definition, the marking definitions): the epoch, so that
their fixed dates (2026 for ours) do not move a polling client's mark past the data's
own dates; clients fetch them by id when an object refers to them."""


class TaxiiError(Exception):
    """An answer that is a TAXII error object (``title``, ``http_status``...)."""

    def __init__(self, status: int, title: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.title = title
        self.description = description

    def body(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "http_status": str(self.status),
            "description": self.description,
        }


def not_found(what: str = "collection") -> TaxiiError:
    # the same words whether it does not exist or the caller may not read it
    return TaxiiError(404, "Not Found", f"no such {what}")


def collection_id(publisher: str, audience: str) -> str:
    """The collection ``publisher`` publishes for ``audience``: a stable UUID."""
    return str(uuid.uuid5(NAMESPACE, f"taxii-collection:{publisher}\x00{audience}"))


def collection_resource(publisher: str, audience: str) -> dict[str, Any]:
    return {
        "id": collection_id(publisher, audience),
        "title": f"{publisher} for {audience}",
        "description": (
            f"What {publisher} releases to {audience}: every object both may see, "
            "with its markings (TLP 2.0, REL TO, ORIG, TO), through the release gate."
        ),
        "can_read": True,
        "can_write": False,
        "media_types": [STIX_TYPE],
    }


# -- prepared collections ------------------------------------------------------------------


@dataclass
class Entry:
    """One object of a collection, ready to be sent."""

    id: str
    type: str
    version: str
    date_added: str
    body: bytes
    manifest: bytes
    markings: list[str]

    @property
    def key(self) -> tuple[str, str]:
        return (self.date_added, self.id)


@dataclass
class Prepared:
    """A collection as of one store state: entries in (date_added, id) order."""

    entries: list[Entry]
    keys: list[tuple[str, str]] = field(default_factory=list)
    by_id: dict[str, int] = field(default_factory=dict)
    by_type: dict[str, list[int]] = field(default_factory=dict)
    withheld: int = 0

    def __post_init__(self) -> None:
        self.keys = [e.key for e in self.entries]
        for n, entry in enumerate(self.entries):
            self.by_id[entry.id] = n
            self.by_type.setdefault(entry.type, []).append(n)


def _version(obj: dict[str, Any]) -> str:
    return str(obj.get("modified") or obj.get("created") or "")


def prepare(store: Store, publisher: Viewer, audience: Viewer) -> Prepared:
    """The collection ``publisher`` releases to ``audience``, as of now (see module)."""
    data, exported = build_bundle(store, publisher, audience, Selection())
    objects = orjson.loads(data)["objects"]
    entries = []
    for obj in objects:
        version = _version(obj)
        added = version if obj["id"] in exported.object_markings else FIXED_ADDED
        manifest = {
            "id": obj["id"],
            "date_added": added,
            "version": version,
            "media_type": STIX_TYPE,
        }
        refs = [r for m in obj.get("granular_markings") or [] for r in [m["marking_ref"]]]
        entries.append(
            Entry(
                obj["id"],
                obj["type"],
                version,
                added,
                orjson.dumps(obj, option=orjson.OPT_SORT_KEYS),
                orjson.dumps(manifest, option=orjson.OPT_SORT_KEYS),
                exported.object_markings.get(obj["id"])
                or sorted(set(obj.get("object_marking_refs") or []) | set(refs)),
            )
        )
    entries.sort(key=lambda e: e.key)
    withheld = withheld_count(store, publisher, Selection(), exported.statements)
    return Prepared(entries, withheld=withheld)


class Collections:
    """The prepared collections of one process, by (publisher, audience, store state):
    built once (other requests for the same wait for it); the last few audiences of the
    newest state kept (a collection of 100,000 objects is some hundreds of MB)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._kept: OrderedDict[tuple[Any, ...], Prepared] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[tuple[Any, ...], threading.Lock] = {}

    def get(self, publisher: Viewer, audience: Viewer) -> Prepared:
        key = (publisher, audience, self.store.read_cache.stamp())
        found = self._kept.get(key)
        if found is not None:
            return found
        with self._lock:
            lock = self._building.setdefault(key, threading.Lock())
        with lock:
            found = self._kept.get(key)
            if found is None:
                found = prepare(self.store, publisher, audience)
                with self._lock:
                    # an older store state's collections are not answered again
                    for old in [k for k in self._kept if k[2] != key[2]]:
                        del self._kept[old]
                    self._kept[key] = found
                    while len(self._kept) > PREPARED_KEPT:
                        self._kept.popitem(last=False)
                    self._building.pop(key, None)
        return found


# -- requests ------------------------------------------------------------------------------


def parse_timestamp(text: str, name: str) -> str:
    """A TAXII timestamp as our dates are written (``...T..:..:...mmmZ``)."""
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise TaxiiError(400, "Bad Request", f"{name}: not a timestamp: {text[:60]!r}") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _later(a: str, b: str) -> bool:
    """Is timestamp ``a`` after ``b`` (both as ``parse_timestamp`` writes them)?"""
    return a > b


def encode_cursor(entry: Entry) -> str:
    raw = orjson.dumps([entry.date_added, entry.id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[str, str]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        found = orjson.loads(raw)
        if isinstance(found, list) and len(found) == 2 and all(isinstance(x, str) for x in found):
            return (found[0], found[1])
    except (ValueError, orjson.JSONDecodeError):
        pass
    raise TaxiiError(400, "Bad Request", "next: not a cursor this server gave")


@dataclass(frozen=True)
class Query:
    """A request's filters, checked."""

    added_after: str | None = None
    ids: frozenset[str] | None = None
    types: frozenset[str] | None = None
    versions: frozenset[str] | None = None
    """Timestamps asked for; None: first/last/all (each object has one version)."""
    spec_versions: frozenset[str] | None = None
    limit: int = MAX_PAGE
    after: tuple[str, str] | None = None

    @classmethod
    def parse(cls, params: dict[str, str]) -> Query:
        known = {
            "added_after",
            "limit",
            "next",
            "match[id]",
            "match[type]",
            "match[version]",
            "match[spec_version]",
        }
        for key in params:
            if key not in known:
                raise TaxiiError(400, "Bad Request", f"unknown parameter {key[:60]!r}")

        def listed(name: str) -> frozenset[str] | None:
            text = params.get(name)
            if text is None:
                return None
            return frozenset(v.strip() for v in text.split(",") if v.strip())

        added = params.get("added_after")
        limit = MAX_PAGE
        if "limit" in params:
            try:
                limit = int(params["limit"])
            except ValueError:
                raise TaxiiError(400, "Bad Request", "limit: not a number") from None
            if limit <= 0:
                raise TaxiiError(400, "Bad Request", "limit: must be positive")
        versions = listed("match[version]")
        if versions is not None:
            words = {"first", "last", "all"}
            dates = {parse_timestamp(v, "match[version]") for v in versions if v not in words}
            versions = frozenset(dates) if not versions & words else None
        return cls(
            added_after=parse_timestamp(added, "added_after") if added else None,
            ids=listed("match[id]"),
            types=listed("match[type]"),
            versions=versions,
            spec_versions=listed("match[spec_version]"),
            limit=min(limit, MAX_PAGE),
            after=decode_cursor(params["next"]) if params.get("next") else None,
        )


@dataclass
class Page:
    entries: list[Entry]
    more: bool


def select(prepared: Prepared, query: Query, only: str | None = None) -> Page:
    """One page of ``prepared`` under ``query`` (``only``: one object's id)."""
    if only is not None:
        positions: list[int] | range = [prepared.by_id[only]] if only in prepared.by_id else []
    elif query.ids is not None:
        positions = sorted(prepared.by_id[i] for i in query.ids if i in prepared.by_id)
    elif query.types is not None:
        positions = sorted(n for t in query.types for n in prepared.by_type.get(t, []))
    else:
        start = 0
        if query.added_after is not None:
            start = bisect.bisect_right(prepared.keys, (query.added_after, "\uffff"))
        if query.after is not None:
            start = max(start, bisect.bisect_right(prepared.keys, query.after))
        positions = range(start, len(prepared.entries))
    out: list[Entry] = []
    more = False
    for n in positions:
        entry = prepared.entries[n]
        if query.after is not None and entry.key <= query.after:
            continue
        if query.added_after is not None and not _later(entry.date_added, query.added_after):
            continue
        if query.ids is not None and entry.id not in query.ids:
            continue
        if query.types is not None and entry.type not in query.types:
            continue
        if query.versions is not None and entry.version not in query.versions:
            continue
        if query.spec_versions is not None and "2.1" not in query.spec_versions:
            continue
        if len(out) == query.limit:
            more = True
            break
        out.append(entry)
    return Page(out, more)


def envelope(page: Page, part: str) -> bytes:
    """The page as a TAXII envelope (``objects``) or manifest (``manifest``): the
    prepared bytes joined. An empty page is an empty resource, as the standard allows."""
    if not page.entries:
        return b"{}"
    items = b",".join(e.body if part == "objects" else e.manifest for e in page.entries)
    head = b'{"more":' + (b"true" if page.more else b"false")
    if page.more:
        head += b',"next":"' + encode_cursor(page.entries[-1]).encode() + b'"'
    return head + b',"objects":[' + items + b"]}"


def versions(page: Page) -> bytes:
    if not page.entries:
        return b"{}"
    found = sorted({e.version for e in page.entries}, reverse=True)
    more = b"true" if page.more else b"false"
    return b'{"more":' + more + b',"versions":' + orjson.dumps(found) + b"}"


def date_headers(page: Page) -> dict[str, str]:
    if not page.entries:
        return {}
    return {
        "X-TAXII-Date-Added-First": page.entries[0].date_added,
        "X-TAXII-Date-Added-Last": page.entries[-1].date_added,
    }


def record(
    store: Store,
    publisher: Viewer,
    audience: Viewer,
    prepared: Prepared,
    page: Page,
    body: bytes,
    *,
    by: str,
    request: dict[str, Any],
) -> None:
    """The page in the publisher's release log, as the gate records a release."""
    kept_store.record_release(
        store,
        {
            "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            "organisation": publisher.organisation,
            "recipient": audience.organisation,
            "released_by": by,
            "format": FORMAT,
            "selection": request,
            "sha256": hashlib.sha256(body).hexdigest(),
            "object_count": len(page.entries),
            "withheld_count": prepared.withheld,
            "objects": {e.id: e.markings for e in page.entries},
        },
    )
