"""The store and the screening index behind every route, and who is calling.

One ``Service`` per process, built by ``create_app`` and kept on ``app.state``; routes
receive it, and the caller's viewer and screener, through ``Depends(caller)``.
"""

from __future__ import annotations

import gc
import threading
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Header, Request

from watchkeeper.errors import WatchkeeperError
from watchkeeper.model.marking import Viewer
from watchkeeper.screening import index as ix
from watchkeeper.screening.screener import Screener
from watchkeeper.settings import Settings
from watchkeeper.store import Store, open_store

RECHECK_SECONDS = 10.0
FREEZE_EVERY = 1000


class Unauthorized(WatchkeeperError):
    status = 401


class Service:
    """The store and the index behind the API; the index follows the store's version."""

    def __init__(self, settings: Settings, index: ix.Index | None = None) -> None:
        self.settings = settings
        self.store: Store = open_store(settings)
        # A given index is served as is (benchmarks, embedding); else the store's own.
        self.fixed = index is not None
        self.index = index or ix.load_or_build(self.store, settings.cache_dir)
        # The index is a large, long-lived object graph: keep it out of the garbage
        # collector's full passes, which otherwise show up as 0.5 s latency spikes.
        gc.freeze()
        self._checked = time.monotonic()
        self._lock = threading.Lock()
        self.keys = dict(settings.api_keys)
        self._screeners: dict[Viewer, tuple[float, ix.Index, Screener]] = {}
        self._served = 0

    def current_index(self) -> ix.Index:
        if not self.fixed and time.monotonic() - self._checked > RECHECK_SECONDS:
            with self._lock:
                self._checked = time.monotonic()
                if self.store.version() != self.index.version:
                    self.index = ix.load_or_build(self.store, self.settings.cache_dir)
                    gc.freeze()
        return self.index

    def tick(self) -> None:
        """Every FREEZE_EVERY requests, move what has survived (mostly the name-analysis
        caches, which grow with every new name) out of the collector's reach: otherwise
        each full collection walks them all, a pause of 0.1 s or more at a million
        entities. Frozen objects are still freed when no longer referenced."""
        self._served += 1
        if self._served % FREEZE_EVERY == 0:
            gc.collect(1)
            gc.freeze()

    def screener(self, viewer: Viewer) -> Screener:
        """A viewer's screener, kept for RECHECK_SECONDS: its visible markings and its
        organisation's review decisions are read from the store at most that often."""
        index = self.current_index()
        now = time.monotonic()
        cached = self._screeners.get(viewer)
        if cached is None or cached[1] is not index or now - cached[0] > RECHECK_SECONDS:
            cached = (now, index, Screener.for_viewer(index, self.store, viewer))
            self._screeners[viewer] = cached
        return cached[2]

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


def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


async def caller(request: Request, authorization: Annotated[str | None, Header()] = None) -> Caller:
    service = get_service(request)
    service.tick()
    viewer = service.viewer(authorization)
    return Caller(service, viewer, service.screener(viewer))
