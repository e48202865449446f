"""The store and the screening index behind every route, and who is calling.

One ``Service`` per process, built by ``create_app`` and kept on ``app.state``; routes
receive it, and the caller's viewer and screener, through ``Depends(caller)``.

The index and its filterable facts (``screening.filters.Facts``) are swapped as one,
never half-built: when the store's version moves (an import committed), a background
thread loads the index and the facts the import saved (or builds them), while requests
go on being answered from the last committed state. Before serving, ``warm_up`` loads
what the first requests would otherwise wait for.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any, TypeVar

from fastapi import Header, Request

from watchkeeper.errors import WatchkeeperError
from watchkeeper.investigations.resolver import Resolution, merge_matches, resolve
from watchkeeper.model.marking import Viewer
from watchkeeper.screening import index as ix
from watchkeeper.screening.filters import Facts, FactsView, facts_path, load_or_build_facts
from watchkeeper.screening.score import analyse_listed
from watchkeeper.screening.score import warm_up as score_warm_up
from watchkeeper.screening.screener import Screener
from watchkeeper.settings import Settings
from watchkeeper.store import Reader, Store, open_store
from watchkeeper.web.render import Renderer

RECHECK_SECONDS = 10.0
FREEZE_EVERY = 1000
# After an import commits, the importing process saves the updated index: wait this
# long for it before building one here.
SAVED_INDEX_WAIT = 60.0

log = logging.getLogger(__name__)

# A viewer's read path as of one store state: when it was made, the reader, its dataset
# titles, its resolution (``Service.read``).
ReadState = tuple[float, Reader, dict[str, str], Resolution]

T = TypeVar("T")
# Entities (views and their yente JSON) kept per viewer's read state (``Caller.renderer``):
# a view holds its statements, a few kB each, so a memo is at most some tens of MB.
RENDERED_ENTITIES = 5_000


def _same_screening(
    cached: tuple[float, ix.Index, Screener, Resolution],
    index: ix.Index,
    resolution: Resolution,
    markings: frozenset[int],
    decisions: list[dict[str, Any]],
) -> bool:
    """Whether a screener of these would read what the cached one reads: the same index
    and resolution, visible markings and review decisions."""
    old = cached[2]
    return (
        cached[1] is index
        and cached[3] is resolution
        and old.marking_ids == markings
        and old.read_decisions == Screener.decisions_key(decisions)
    )


def _answer_key(
    viewer: Viewer, state: ReadState, kind: str, key: Hashable, depends_on: object
) -> tuple[Any, ...]:
    made, reader = state[0], state[1]
    return ("answer", kind, viewer, reader.scope, made, id(depends_on), key)


def answer(
    viewer: Viewer,
    state: ReadState,
    kind: str,
    key: Hashable,
    make: Callable[[], T],
    depends_on: object = None,
) -> T:
    """``make()``, remembered for ``viewer`` while its read state stays the same.

    The key holds the store's stamp (any write moves it: ``readcache``), the viewer
    and its exact set of visible markings (two viewers never share an answer unless
    both are the same), and the moment ``Service.read`` made this viewer's reader
    (a new one comes with every stamp, and with a recheck that finds other judgments).
    ``depends_on``: an object the answer was derived from that may be replaced while
    the stamp stays (the screener or the index, which follow the store in the
    background): an answer is reused only with that same object. ``make()`` must derive
    from the store only — never from the user, the session or its CSRF token, or the
    language: cache data, and render it per request."""
    reader = state[1]
    full = _answer_key(viewer, state, kind, key, depends_on)

    def made_with() -> tuple[object, T]:
        return depends_on, make()

    found = reader.store.read_cache.get(reader.stamp, full, made_with, pool="answer")
    if found[0] is not depends_on:  # an id reused by a newer object: not this answer
        return make()
    return found[1]


def kept_answer(
    viewer: Viewer, state: ReadState, kind: str, key: Hashable, depends_on: object = None
) -> tuple[bool, Any]:
    """(True, the answer) when ``answer`` keeps one for these, else (False, None):
    nothing is made."""
    reader = state[1]
    full = _answer_key(viewer, state, kind, key, depends_on)
    found = reader.store.read_cache.peek(reader.stamp, full, pool="answer")
    if found is None or found[0] is not depends_on:
        return False, None
    return True, found[1]


@contextmanager
def _frozen_after() -> Iterator[None]:
    """No collection while a saved index or facts load (a million objects at once, which
    every collection would otherwise walk, in the loading thread, with the lock requests
    need), and frozen out of the collector's reach once loaded."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if collecting:
            gc.enable()


def _at(index: ix.Index | None, version: str) -> bool:
    return index is not None and index.version == version


class Unauthorized(WatchkeeperError):
    status = 401


class Service:
    """The store and the index behind the API; the index follows the store's version."""

    def __init__(self, settings: Settings, index: ix.Index | None = None) -> None:
        self.settings = settings
        self.store: Store = open_store(settings)
        # A given index is served as is (benchmarks, embedding; neither imports nor
        # corrections reach it); else the store's own.
        self.fixed = index is not None
        # read before the index: a correction made while it loads is followed again
        self.corrections = self.store.correction_mark()
        self._following = threading.Lock()
        if index is None:
            index = ix.load_or_build(self.store, settings.cache_dir)
            facts = load_or_build_facts(self.store, index, settings.cache_dir)
        else:
            facts = Facts.build(self.store, index)
        self.state: tuple[ix.Index, Facts] = (index, facts)
        # The index is a large, long-lived object graph: keep it out of the garbage
        # collector's full passes, which otherwise show up as 0.5 s latency spikes.
        gc.freeze()
        self._checked = time.monotonic()
        self._refreshing = threading.Lock()
        self.keys = dict(settings.api_keys)
        self._screeners: dict[Viewer, tuple[float, ix.Index, Screener, Resolution]] = {}
        self._readers: dict[Viewer, ReadState] = {}
        self._reader_checked: dict[Viewer, float] = {}
        self._served = 0
        # an entity the first open viewer may see, for the workers' warm-up requests
        self.warm_entity: str | None = None

    @property
    def index(self) -> ix.Index:
        return self.state[0]

    @property
    def facts(self) -> Facts:
        return self.state[1]

    def current(self) -> tuple[ix.Index, Facts]:
        """The index and facts to answer from; starts a refresh in the background when
        the store may have moved on."""
        if not self.fixed and time.monotonic() - self._checked > RECHECK_SECONDS:
            self._checked = time.monotonic()
            if self._refreshing.acquire(blocking=False):
                threading.Thread(target=self._refresh, daemon=True).start()
        return self.state

    def current_index(self) -> ix.Index:
        return self.current()[0]

    def _refresh(self) -> None:
        try:
            version = self.store.version()
            if version == self.state[0].version:
                return
            found = self._saved(version)
            if found is None:
                return  # moved on again: the next check starts over
            self.state = found
            gc.freeze()
        except Exception:  # the old state keeps serving; the next check tries again
            log.exception("refreshing the screening index failed")
        finally:
            self._checked = time.monotonic()
            self._refreshing.release()

    def _saved(self, version: str) -> tuple[ix.Index, Facts] | None:
        """The index and facts of ``version`` as the importing process saves them (loading
        arrays; building the facts here took seconds of the CPU and of the lock this
        process's requests run under), waiting up to SAVED_INDEX_WAIT for them, then
        built here; None when the store moves on meanwhile."""
        index_file = ix.index_path(self.settings.cache_dir)
        facts_file = facts_path(self.settings.cache_dir)
        deadline = time.monotonic() + SAVED_INDEX_WAIT
        index: ix.Index | None = None
        while True:
            # each file is read whole only once its version is the one waited for (or
            # it tells none: a file of an earlier format)
            waited = (version, None)
            if not _at(index, version) and ix.saved_version(index_file) in waited:
                with _frozen_after():
                    index = ix.Index.load(index_file) if index_file.exists() else None
            if _at(index, version) and ix.saved_version(facts_file) in waited:
                assert index is not None
                with _frozen_after():
                    facts = Facts.load(facts_file, index) if facts_file.exists() else None
                if facts is not None:
                    return index, facts
            if time.monotonic() > deadline:
                if index is None or not _at(index, version):
                    index = ix.build(self.store)
                return index, Facts.build(self.store, index)
            time.sleep(1.0)
            if self.store.version() != version:
                return None

    def after_write(self, before: str, changed: set[str]) -> None:
        """A write made through this process (a re-marking, a retraction): the saved index
        and this process's state follow it now rather than at the next check, so that no
        search, match or facet still finds what a viewer may no longer see; the cached
        readers and screeners go too. (Other processes follow at their next request:
        ``follow_corrections``.)"""
        mark = self.store.correction_mark()  # this write's included
        with self._following:
            if not self.fixed:
                index = ix.refresh(self.store, self.settings.cache_dir, before, changed)
                if index is not None:
                    # saved for the other workers, which follow this correction next
                    facts = load_or_build_facts(self.store, index, self.settings.cache_dir)
                    self.state = (index, facts)
            self._screeners.clear()
            self._readers.clear()
            self.corrections = max(self.corrections, mark)

    def follow_corrections(self) -> None:
        """Corrections (re-markings, retractions) made by another process — the command
        line, or another worker of this server — are followed before this process
        answers from a new store state: the index is updated for the entities corrected
        (or the one the correcting process saved is loaded), and the cached readers and
        screeners go. Until then the old index still held the corrected values with their
        old markings: matches, scores, search counts and facets from what a viewer may no
        longer see. Imports are followed in the background instead (``current``): they
        add and end values, and take nothing away from what a viewer may see.

        ``corrections`` is the mark followed so far (``Store.correction_mark``)."""
        mark = self.store.correction_mark()
        if mark <= self.corrections:
            return
        with self._following:
            if mark <= self.corrections:
                return  # another request followed it meanwhile
            changed = self.store.corrected_since(self.corrections)
            if not self.fixed:
                before = self.index.version
                index = ix.refresh(self.store, self.settings.cache_dir, before, changed, save=False)
                if index is not None:
                    # the correcting process's facts when it has saved them already
                    cache_dir = self.settings.cache_dir
                    facts = load_or_build_facts(self.store, index, cache_dir, save=False)
                    self.state = (index, facts)
            self._screeners.clear()
            self._readers.clear()
            self.corrections = mark

    def warm_up(self) -> None:
        """Before serving (and before forking workers, which then share it): the name
        analysis tables, the readings of the listed names (``analyse_listed``), and the
        read state and screener of each viewer the API answers
        without a login (the workspace's own, or each API key's organisation). Without
        it, a worker's first requests each waited for a table or a viewer's state, and
        the requests queued behind them on its event loop (p99 0.6-0.9 s in the first
        10 s of ``bench/api``)."""
        score_warm_up()
        analyse_listed(self.current_index())
        viewers = [] if self.keys else [self.viewer(None)]
        for org in sorted(set(self.keys.values())):
            try:
                viewers.append(self.store.organisation(org))
            except WatchkeeperError:
                continue  # a key of an unknown organisation: refused per request

        index = self.current_index()
        for viewer in viewers:
            state = self.read(viewer)
            state[1].small  # noqa: B018 - how the existence rule is read, once per state
            screener = self.screener(viewer, index, state[3])
            if self.warm_entity is None:
                marks = screener.marking_ids
                self.warm_entity = next(
                    (e.id for e in index.entities[:1000] if ix.visible(e, marks) is not None),
                    None,
                )
        gc.freeze()

    def before_fork(self) -> None:
        """Close pooled connections: a forked worker opens its own."""
        self.store.engine.dispose()

    def tick(self) -> None:
        """Every FREEZE_EVERY requests, move what has survived (mostly the name-analysis
        caches, which grow with every new name) out of the collector's reach: otherwise
        each full collection walks them all, a pause of 0.1 s or more at a million
        entities. Frozen objects are still freed when no longer referenced."""
        self._served += 1
        if self._served % FREEZE_EVERY == 0:
            gc.collect(1)
            gc.freeze()

    def screener(
        self,
        viewer: Viewer,
        index: ix.Index | None = None,
        resolution: Resolution | None = None,
    ) -> Screener:
        """A viewer's screener, kept for RECHECK_SECONDS: its visible markings and its
        organisation's review decisions are read from the store at most that often.
        ``resolution``: the viewer's current one, when the caller already has it
        (``read(viewer)``), which saves reading the store's stamp again."""
        index = index or self.current_index()
        now = time.monotonic()
        cached = self._screeners.get(viewer)
        if resolution is None:
            resolution = self.resolution(viewer)
        if (
            cached is None
            or cached[1] is not index
            or cached[3] is not resolution
            or now - cached[0] > RECHECK_SECONDS
        ):
            markings = frozenset(self.store.visible_marking_ids(viewer))
            decisions = self.store.decisions(viewer.organisation)
            if cached is not None and _same_screening(
                cached, index, resolution, markings, decisions
            ):
                # nothing it reads has changed: the same object, so that the answers
                # derived from it (``answer``'s ``depends_on``) stay valid (and no new
                # view of the index is made: a second's work at 1 M entities)
                screener = cached[2]
            else:
                screener = Screener(index, markings, decisions)
                if resolution.members:  # hits on members of one cluster become one hit
                    screener.merge = partial(merge_matches, resolution=resolution)
            cached = (now, index, screener, resolution)
            self._screeners[viewer] = cached
        return cached[2]

    def peek_screener(self, viewer: Viewer, state: ReadState) -> Screener | None:
        """The viewer's screener when ``screener`` would answer it as it is for ``state``
        (``peek``'s), else None: nothing is read or made."""
        cached = self._screeners.get(viewer)
        if (
            cached is None
            or cached[1] is not self.state[0]
            or cached[3] is not state[3]
            or time.monotonic() - cached[0] > RECHECK_SECONDS
        ):
            return None
        return cached[2]

    def resolution_of(self, viewer: Viewer, screener: Screener) -> Resolution:
        """The resolution ``screener`` merges hits with (what renders its results must
        read entities the same way), else the viewer's current one."""
        cached = self._screeners.get(viewer)
        if cached is not None and cached[2] is screener:
            return cached[3]
        return self.resolution(viewer)

    def read(self, viewer: Viewer) -> ReadState:
        """The viewer's reader (with its dataset titles and resolution), kept while the store's state (``Store.read_cache``) stays
        the same — a re-marking or retraction made anywhere is read by the next request —
        and for at most RECHECK_SECONDS (judgments, which the resolution reads, do not
        always move the state)."""
        now = time.monotonic()
        stamp = self.store.read_cache.stamp()
        cached = self._readers.get(viewer)
        if cached is not None and cached[1].stamp == stamp:
            if now - self._reader_checked.get(viewer, 0.0) <= RECHECK_SECONDS:
                return cached
            # The same store state: only the judgments may have changed. When they have
            # not, the state is kept as it is, and every answer derived from it too
            # (``answer`` keys on when it was made); else they were all made again every
            # RECHECK_SECONDS (seconds of work per search at 1 M entities).
            self._reader_checked[viewer] = now
            if resolve(cached[1]) == cached[3]:
                return cached
        self.follow_corrections()
        reader = self.store.read(viewer)
        titles = {src["dataset"]: src["title"] for src in reader.sources()}
        resolution = resolve(reader)
        if cached is not None and cached[3] == resolution:
            # the same clusters: the same object, so that the viewer's screener (made
            # with it) is kept through an import, not made again with a new view of the
            # index on the request that first reads the new state
            resolution = cached[3]
        cached = self._readers[viewer] = (now, reader, titles, resolution)
        self._reader_checked[viewer] = now
        return cached

    def peek(self, viewer: Viewer) -> ReadState | None:
        """The viewer's read state when ``read`` would answer it as it is, without any
        other work than reading the store's stamp; else None."""
        cached = self._readers.get(viewer)
        if cached is None:
            return None
        if time.monotonic() - self._reader_checked.get(viewer, 0.0) > RECHECK_SECONDS:
            return None
        return cached if cached[1].stamp == self.store.read_cache.stamp() else None

    def resolution(self, viewer: Viewer) -> Resolution:
        """The viewer's canonical entities (the judgments it may see join list entries into
        one), kept as the reader is."""
        return self.read(viewer)[3]

    def reader(self, viewer: Viewer) -> Reader:
        """A viewer's read path, kept as ``read`` says."""
        return self.read(viewer)[1]

    def dataset_titles(self, viewer: Viewer) -> dict[str, str]:
        """The titles of the datasets of the sources ``viewer`` may see (the latest
        release's), kept as the reader is."""
        return self.read(viewer)[2]

    def viewer(self, authorization: str | None) -> Viewer:
        if not self.keys:
            return Viewer(self.settings.organisation, self.settings.country)
        scheme, _, key = (authorization or "").partition(" ")
        org = self.keys.get(key.strip()) if scheme.lower() == "apikey" else None
        if org is None:
            raise Unauthorized("an API key is required: Authorization: ApiKey <key>")
        return self.store.organisation(org)


@dataclass
class Caller:
    service: Service
    viewer: Viewer
    screener: Screener
    facts: Facts
    state: ReadState | None = None
    """The viewer's read state as of this request (``Service.read``)."""

    @property
    def index(self) -> ix.Index:
        return self.screener.index

    def view(self) -> FactsView:
        return self.facts.view(self.screener.marking_ids)

    def reader(self) -> Reader:
        if self.state is not None:
            return self.state[1]
        return self.service.reader(self.viewer)

    def resolution(self) -> Resolution:
        return self.service.resolution_of(self.viewer, self.screener)

    def answer(
        self, kind: str, key: Hashable, make: Callable[[], T], depends_on: object = None
    ) -> T:
        """``make()``, remembered for this caller's viewer while its read state stays the
        same (``answer``)."""
        state = self.state if self.state is not None else self.service.read(self.viewer)
        return answer(self.viewer, state, kind, key, make, depends_on)

    def kept_answer(self, kind: str, key: Hashable, depends_on: object = None) -> tuple[bool, Any]:
        """(True, the answer) when ``answer`` keeps one for this caller, else (False,
        None): nothing is made."""
        state = self.state if self.state is not None else self.service.read(self.viewer)
        return kept_answer(self.viewer, state, kind, key, depends_on)

    def renderer(self, resolved: bool = True) -> Renderer:
        """Entities in yente's shape as this caller may see them (with its resolution
        unless ``resolved`` is false), each read and shaped once per read state: the
        entities a match, a search or a lookup shows are kept (``answer``) for the next
        request that shows them."""
        kept: dict[Hashable, Any] = self.answer(
            "rendered entities", resolved, dict, depends_on=self.index
        )
        if len(kept) > RENDERED_ENTITIES:
            kept.clear()
        resolution = self.resolution() if resolved else None
        return Renderer(self.reader(), self.index, resolution, kept=kept)


async def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


async def caller(request: Request, authorization: Annotated[str | None, Header()] = None) -> Caller:
    """The caller as its organisation: a logged-in user's or token's (``auth.Guard`` put
    it on the request), else the API key's, else the workspace's own (no keys set).

    This is one dependency, not an override of it: FastAPI re-derives every route's
    dependency tree on every request while ``app.dependency_overrides`` is non-empty
    (signature inspection, ~1 ms of CPU per request)."""
    service: Service = request.app.state.service
    service.tick()
    who = getattr(request.state, "principal", None)
    if who is not None and who.via != "open":
        viewer: Viewer = who.viewer
    else:
        viewer = service.viewer(authorization)
    index, facts = service.current()  # one pair: the facts describe this index
    state = service.read(viewer)  # the store's stamp, read once for this request
    return Caller(service, viewer, service.screener(viewer, index, state[3]), facts, state)
