"""The web application: one FastAPI app, one router per capability.

Every answer is what the caller's viewer may see: with ``WATCHKEEPER_API_KEYS`` set, a
request must carry ``Authorization: ApiKey <key>``, which names its organisation; with
none set, the API answers as the workspace's own organisation (bind it to localhost).
Errors are one-line JSON ``{"detail": ...}`` with the status of the ``WatchkeeperError``.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from watchkeeper.errors import WatchkeeperError
from watchkeeper.screening import index as ix
from watchkeeper.settings import Settings, load_settings
from watchkeeper.web.routers import decisions, entities, health, screening
from watchkeeper.web.service import Service


async def _known(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, WatchkeeperError)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status)


async def _invalid(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
    reason = first.get("msg", "invalid request")
    return JSONResponse({"detail": f"invalid request: {where}: {reason}"}, status_code=400)


def create_app(settings: Settings | None = None, index: ix.Index | None = None) -> FastAPI:
    app = FastAPI(title="Watchkeeper", version="1")
    app.state.service = Service(settings or load_settings(), index)
    app.add_exception_handler(WatchkeeperError, _known)
    app.add_exception_handler(RequestValidationError, _invalid)
    for module in (health, screening, entities, decisions):
        app.include_router(module.router)
    # The workbench: pages, fragments and their JSON API, behind accounts (workbench.py).
    from watchkeeper.web import workbench

    workbench.install(app)
    return app
