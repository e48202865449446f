"""The workbench inside the one FastAPI app: pages, fragments and their JSON API.

``install(app)`` (called by ``create_app``) mounts the static files, puts ``auth.Guard``
in front of every route (the screening API's ``service.caller`` then answers as the
organisation of the caller it resolved), and includes one router per capability
(``CAPABILITIES``). A capability that lands later adds its router module to that tuple;
its pages register their navigation entries themselves (``pages.nav``).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, TypeAdapter

from watchkeeper.errors import WatchkeeperError
from watchkeeper.investigations.jobs import XrefJobs
from watchkeeper.investigations.resolver import ResolvedReader
from watchkeeper.maritime.dataset import AisDataset
from watchkeeper.model.marking import Viewer
from watchkeeper.screening.screener import Screener
from watchkeeper.store import Reader, Store
from watchkeeper.store.accounts import Accounts, User
from watchkeeper.web import assets
from watchkeeper.web.auth import Guard, Principal, client_address, current_user
from watchkeeper.web.pages import SECURITY_HEADERS, locale_of, render
from watchkeeper.web.service import ReadState, Service, answer
from watchkeeper.web.suggest import Suggestions

T = TypeVar("T")

# Rendered pages kept per process (``Ctx.page``): the most recently used, and none larger
# than PAGE_MAX_BYTES (a page that large is rare, and rendering is then a small part of
# its cost): at most 64 MB per worker.
PAGE_ENTRIES = 256
PAGE_MAX_BYTES = 256 * 1024


@dataclass
class Workbench:
    """What the workbench's routes share, one per process (``app.state.workbench``)."""

    service: Service
    accounts: Accounts
    suggestions: Suggestions
    cache: dict[Any, tuple[Any, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    pages: OrderedDict[Hashable, tuple[tuple[object, ...], bytes, int]] = field(
        default_factory=OrderedDict
    )

    @property
    def store(self) -> Store:
        return self.service.store

    @cached_property
    def xref_jobs(self) -> XrefJobs:
        """The workspace's background cross-reference runs (their state in a file that
        every worker of the server reads)."""
        return XrefJobs(self.service.settings.home / "jobs")

    def ais_datasets(self) -> list[AisDataset]:
        """The workspace's AIS dataset and the demo's simulated one, where they exist."""
        home = self.service.settings.home
        folders = (self.service.settings.ais_dir, home / "ais-demo")
        return [AisDataset(f) for f in folders if (f / "positions").is_dir()]

    def cached(self, key: Any, version: Any, make: Any) -> Any:
        """``make()``, remembered under ``key`` while ``version`` stays the same."""
        found = self.cache.get(key)
        if found is not None and found[0] == version:
            return found[1]
        value = make()
        with self.lock:
            if len(self.cache) > 2000:
                self.cache.clear()
            self.cache[key] = (version, value)
        return value


@dataclass
class Ctx:
    """One request of a logged-in user: who, and the read path as its organisation."""

    request: Request
    who: Principal
    user: User
    bench: Workbench

    @property
    def viewer(self) -> Viewer:
        return self.who.viewer

    @cached_property
    def state(self) -> ReadState:
        """The process's read path for this viewer (``Service.read``): the store's stamp
        is read once per request, and the reader, screener and resolution agree."""
        return self.bench.service.read(self.viewer)

    @property
    def reader(self) -> Reader:
        return self.state[1]

    @cached_property
    def resolved(self) -> ResolvedReader:
        """The read path with canonical entities: the members of a cluster this viewer's
        judgments make (list entries sharing a list id, pairs judged the same) read as
        one entity with all their statements, under its canonical id (``resolver``), as
        the screener's merged hits name them."""
        return ResolvedReader(self.reader, self.state[3])

    @cached_property
    def screener(self) -> Screener:
        return self.bench.service.screener(self.viewer, resolution=self.state[3])

    def answer(
        self, kind: str, key: Hashable, make: Callable[[], T], depends_on: object = None
    ) -> T:
        """``make()``, remembered for this viewer while its read state stays the same
        (``service.answer`` says how)."""
        return answer(self.viewer, self.state, kind, key, make, depends_on)

    def json_answer(
        self, kind: str, key: Hashable, make: Callable[[], Any], model: type[BaseModel]
    ) -> Response:
        """``answer`` for a JSON route: kept as the body FastAPI makes of ``make()`` with
        the route's response ``model`` (validated, then serialized by alias), so that
        neither step is repeated per request for a large answer (a map layer)."""
        adapter = _adapter(model)

        def body() -> bytes:
            return adapter.dump_json(adapter.validate_python(make()), by_alias=True)

        return Response(self.answer(kind, key, body), media_type="application/json")

    def page(
        self,
        template: str,
        derived_from: tuple[object, ...],
        context: Callable[[], dict[str, Any]],
        key: Hashable = (),
    ) -> HTMLResponse:
        """``render(template, **context())``, remembered while the answers the context
        was made of (``derived_from``: objects ``answer`` returned, compared by identity,
        so a new read state, viewer or screener means a new page) stay the same, for
        this exact request: the caller itself (user, role, organisation, session and its
        CSRF token: a page shows them), the language, the path and query string, whether
        htmx asked for a fragment, and ``key`` (anything else the context came from, such
        as the AIS files' fingerprints). Rendering is most of a cached page's CPU time
        (the entity page: 44 % under wrk, py-spy)."""
        kept = self.kept_page(template, derived_from, key)
        if kept is not None:
            return kept
        full = self._page_key(template, key)
        pages = self.bench.pages
        response = render(self.request, template, **context())
        body = bytes(response.body)
        if len(body) <= PAGE_MAX_BYTES:
            with self.bench.lock:
                pages[full] = (derived_from, body, response.status_code)
                pages.move_to_end(full)
                while len(pages) > PAGE_ENTRIES:
                    pages.popitem(last=False)
        return response

    def _page_key(self, template: str, key: Hashable) -> tuple[Hashable, ...]:
        request = self.request
        return (
            template,
            self.who,
            locale_of(request),
            request.url.path,
            request.url.query,
            request.headers.get("hx-request"),
            key,
        )

    def kept_page(
        self, template: str, derived_from: tuple[object, ...], key: Hashable = ()
    ) -> HTMLResponse | None:
        """The page ``page`` keeps for these, or None: nothing is rendered."""
        full = self._page_key(template, key)
        pages = self.bench.pages
        found = pages.get(full)
        if (
            found is None
            or len(found[0]) != len(derived_from)
            or not all(a is b for a, b in zip(found[0], derived_from, strict=True))
        ):
            return None
        with self.bench.lock:  # the most recently used are kept
            if full in pages:
                pages.move_to_end(full)
        return HTMLResponse(found[1], status_code=found[2], headers=SECURITY_HEADERS)

    def use_state(self, state: ReadState) -> None:
        """Answer this request from ``state`` (``Service.peek``'s) rather than reading
        the viewer's state again."""
        self.__dict__["state"] = state

    @property
    def store(self) -> Store:
        return self.bench.store

    def audit(self, action: str, target: str = "", detail: str = "") -> None:
        self.bench.accounts.audit(self.user, action, target, detail, client_address(self.request))


@cache
def _adapter(model: type[BaseModel]) -> TypeAdapter[Any]:
    return TypeAdapter(model)


async def get_bench(request: Request) -> Workbench:
    bench: Workbench = request.app.state.workbench
    return bench


async def ctx(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    bench: Annotated[Workbench, Depends(get_bench)],
) -> Ctx:
    who: Principal = request.state.principal
    return Ctx(request, who, user, bench)


def _capabilities() -> tuple[Any, ...]:
    from watchkeeper.web.routers import (
        account,
        admin,
        alerts,
        api,
        assess,
        decisions_page,
        dossier,
        entity_page,
        entry,
        goods,
        login,
        map_page,
        network,
        overview,
        reports,
        resolve,
        screen_page,
        search_page,
        sharing_page,
        sources_page,
        timeline,
    )

    return (
        login,
        overview,
        search_page,
        entity_page,
        network,
        dossier,
        timeline,
        map_page,
        screen_page,
        goods,
        decisions_page,
        alerts,
        resolve,
        assess,
        reports,
        sharing_page,
        sources_page,
        entry,
        account,
        admin,
        api,
    )


CAPABILITIES = _capabilities


async def _html_errors(request: Request, exc: Exception) -> Response:
    """Workbench errors: a page for a browser, ``{"detail"}`` JSON for everything else."""
    assert isinstance(exc, WatchkeeperError)
    accept = request.headers.get("accept", "")
    if "text/html" in accept and not request.url.path.startswith("/api/"):
        return render(
            request, "error.html", exc.status, message=exc.detail, status=exc.status, error=exc
        )
    return JSONResponse({"detail": exc.detail}, status_code=exc.status)


def install(app: FastAPI) -> None:
    service: Service = app.state.service
    accounts = Accounts(service.store)
    bench = Workbench(service, accounts, Suggestions(service.store, lambda: service.corrections))
    app.state.workbench = bench
    static = Path(assets.STATIC)
    app.mount("/static", StaticFiles(directory=static, check_dir=False), name="static")
    app.add_exception_handler(WatchkeeperError, _html_errors)
    for module in CAPABILITIES():
        app.include_router(module.router)
    keys = dict(service.settings.api_keys)
    open_viewer = Viewer(service.settings.organisation, service.settings.country)
    app.add_middleware(Guard, accounts=accounts, api_keys=keys, open_viewer=open_viewer)
    app.state.started = time.monotonic()


__all__ = ["Ctx", "HTMLResponse", "Workbench", "ctx", "install"]
