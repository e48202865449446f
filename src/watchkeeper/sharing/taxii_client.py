"""Pulling a partner's TAXII 2.1 collection (``watchkeeper share pull``), with the
``taxii2-client`` library, into the checked import (``stix_import``) under its rules.

Incremental: the newest ``date_added`` seen per collection (its URL) is remembered in the
workspace (``taxii-pull.json``, 0600) and sent as ``added_after`` next time, so a second
pull of an unchanged collection fetches and imports nothing. The manifest is read first
(its ``date_added`` is the mark), then the objects; what they refer to and did not bring
(marking definitions, the creator's identity, a relationship's ends, dated before the
mark) is fetched by id, so that the import's checks find every reference. The mark moves
only once the import has committed: a refused pull is tried again whole.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

from watchkeeper.errors import InputError, WatchkeeperError
from watchkeeper.model.grading import Reliability
from watchkeeper.model.marking import Marking, Viewer
from watchkeeper.sharing.checks import parse_bundle
from watchkeeper.sharing.stix_import import ImportResult, import_bundle
from watchkeeper.sharing.vocab import derived_id
from watchkeeper.store import Store

STATE_FILE = "taxii-pull.json"
PAGE = 1000
ID_BATCH = 100
TIMEOUT = 60


class PullError(WatchkeeperError):
    status = 502


class _Header(requests.auth.AuthBase):
    """``Authorization: <scheme> <secret>`` on every request of the session."""

    def __init__(self, scheme: str, secret: str) -> None:
        self.value = f"{scheme} {secret}"

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = self.value
        return r


@dataclass(frozen=True)
class Credentials:
    user: str | None = None
    password: str | None = None
    api_key: str | None = None
    token: str | None = None

    def kwargs(self) -> dict[str, Any]:
        if self.api_key:
            return {"auth": _Header("ApiKey", self.api_key)}
        if self.token:
            return {"auth": _Header("Bearer", self.token)}
        if self.user is not None or self.password is not None:
            return {"user": self.user or "", "password": self.password or ""}
        return {}


@dataclass
class PullResult:
    collection_url: str
    since: str | None
    mark: str | None
    fetched: int
    imported: ImportResult | None


def find_collection(url: str, collection_id: str, credentials: Credentials) -> Collection:
    """The collection ``collection_id`` under ``url``: an API root's URL, or a server's
    discovery URL (each of its API roots is asked)."""
    roots = [url if url.endswith("/") else url + "/"]
    try:
        server = Server(roots[0], **credentials.kwargs())
        roots = [root.url for root in server.api_roots] or roots
    except (requests.RequestException, ValueError, KeyError, AttributeError):
        pass  # not a discovery URL: an API root's
    refused: int | None = None
    for root_url in roots:
        root = ApiRoot(root_url, **credentials.kwargs())
        try:
            for found in root.collections:
                if found.id == collection_id:
                    return found
        except requests.HTTPError as exc:
            refused = exc.response.status_code if exc.response is not None else None
        except (requests.RequestException, ValueError, KeyError):
            continue
    if refused in (401, 403):
        raise PullError(f"{url}: the server answered {refused}: credentials refused")
    raise PullError(f"{url}: no collection {collection_id!r} that these credentials may read")


def _pages(fetch: Callable[..., Any], **filters: Any) -> Iterator[dict[str, Any]]:
    yield from as_pages(fetch, per_request=PAGE, **filters)


def _state_path(home: Path) -> Path:
    return home / STATE_FILE


def load_marks(home: Path) -> dict[str, Any]:
    path = _state_path(home)
    if not path.is_file():
        return {}
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise InputError(
            str(path), "not the JSON this command writes: remove it to pull all"
        ) from None
    return found if isinstance(found, dict) else {}


def save_mark(home: Path, key: str, mark: str) -> None:
    marks = load_marks(home)
    marks[key] = {"added_after": mark}
    path = _state_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(marks, out, indent=2, sort_keys=True)
    temporary.replace(path)


def _referenced(obj: dict[str, Any]) -> set[str]:
    """Every id ``obj`` names: its markings, its creator, its ``*_ref(s)``."""
    found = set(obj.get("object_marking_refs") or [])
    found |= {str(g.get("marking_ref")) for g in obj.get("granular_markings") or []}

    def walk(value: Any, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and (key.endswith("_ref") or key.endswith("_refs")):
            found.add(value)

    walk({k: v for k, v in obj.items() if k not in ("object_marking_refs", "granular_markings")})
    return found


def fetch(collection: Collection, since: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """The objects added after ``since`` (all: None), with what they refer to; and the
    newest ``date_added`` the manifest gave (the next mark)."""
    filters: dict[str, Any] = {"added_after": since} if since else {}
    mark = since
    for envelope in _pages(collection.get_manifest, **filters):
        for item in envelope.get("objects") or []:
            added = str(item.get("date_added") or "")
            if added and (mark is None or added > mark):
                mark = added
    objects: dict[tuple[str, str], dict[str, Any]] = {}
    for envelope in _pages(collection.get_objects, **filters):
        for obj in envelope.get("objects") or []:
            objects[(str(obj.get("id")), str(obj.get("modified") or obj.get("created")))] = obj
    have = {ref for ref, _ in objects}
    missing = sorted({r for o in objects.values() for r in _referenced(o)} - have)
    while missing:  # what the new objects refer to, dated before the mark
        batch, missing = missing[:ID_BATCH], missing[ID_BATCH:]
        for envelope in _pages(collection.get_objects, id=batch):
            for obj in envelope.get("objects") or []:
                key = (str(obj.get("id")), str(obj.get("modified") or obj.get("created")))
                if key[0] not in have:
                    objects[key] = obj
                    have.add(key[0])
    return [objects[k] for k in sorted(objects)], mark


def pull(
    store: Store,
    home: Path,
    importer: Viewer,
    url: str,
    collection_id: str,
    partner: str,
    credentials: Credentials,
    *,
    default_marking: Marking,
    reliability: Reliability,
    full: bool = False,
) -> PullResult:
    """Pull what ``partner``'s collection added since the last pull, and import it."""
    store.organisation(partner)  # an unknown partner is said before anything is fetched
    try:
        collection = find_collection(url, collection_id, credentials)
        key = collection.url
        since = None if full else (load_marks(home).get(key) or {}).get("added_after")
        objects, mark = fetch(collection, since)
    except requests.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        raise PullError(f"{url}: the server answered {status}") from None
    except requests.RequestException as exc:
        raise PullError(f"{url}: {type(exc).__name__}") from None
    result = PullResult(key, since, mark, len(objects), None)
    if objects:
        try:
            result.imported = _import(store, objects, key, partner, importer,
                                      default_marking, reliability)  # fmt: skip
        except InputError:
            if since is None:
                raise
            # An increment can name what it does not bring in ways the checks cannot
            # resolve by id (our extension's values link by the sender's entity ids): the
            # whole collection then, once; the import skips what it already holds.
            try:
                objects, mark = fetch(collection, None)
            except requests.RequestException as exc:
                raise PullError(f"{url}: {type(exc).__name__}") from None
            result = PullResult(key, None, mark, len(objects), None)
            result.imported = _import(store, objects, key, partner, importer,
                                      default_marking, reliability)  # fmt: skip
    if mark is not None:
        save_mark(home, key, mark)
    return result


def _import(
    store: Store,
    objects: list[dict[str, Any]],
    key: str,
    partner: str,
    importer: Viewer,
    default_marking: Marking,
    reliability: Reliability,
) -> ImportResult:
    body = json.dumps(objects, sort_keys=True).encode()
    bundle_id = derived_id("bundle", hashlib.sha256(body).hexdigest())
    # the limits a bundle file is read within (size, strings, nesting)
    data = b'{"type":"bundle","id":"' + bundle_id.encode() + b'","objects":' + body + b"}"
    bundle = parse_bundle(data, key)
    return import_bundle(store, bundle, key, partner, importer,
                         default_marking=default_marking, reliability=reliability)  # fmt: skip
