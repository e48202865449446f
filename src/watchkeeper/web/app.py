"""The web application: one FastAPI app, one router per capability.

Every answer is what the caller's viewer may see: with ``WATCHKEEPER_API_KEYS`` set, a
request must carry ``Authorization: ApiKey <key>``, which names its organisation; with
none set, the API answers as the workspace's own organisation (bind it to localhost).
Errors are JSON ``{"detail": ...}`` with the status of the ``WatchkeeperError``; invalid
parameters are 422 in FastAPI's (and yente's) list shape, without echoing the input.
Answers are gzipped when the client accepts it; CORS follows
``WATCHKEEPER_CORS_ORIGINS``; a body without a Content-Type is read as JSON, as yente
reads it.

Security headers are added to every answer (``middleware.SecurityHeaders``); the
client's address is the connection's unless ``WATCHKEEPER_TRUSTED_PROXIES`` names the
proxy it came through. The interactive API pages (``/docs``, ``/redoc``) load scripts
from a CDN, so they are served only with ``WATCHKEEPER_API_DOCS=1``: a third party's
script would run in the origin of the logged-in workbench. (Serving them from locked npm
packages instead, swagger-ui-dist and redoc, would add two packages and pages of our own
to start them, for what any OpenAPI viewer shows from ``/openapi.json``.)

TAXII 2.1 for partners is served at ``/taxii2/`` (``routers/taxii.py``), always behind
credentials (``auth.Guard``), answering TAXII's own media type and error objects.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from watchkeeper.errors import WatchkeeperError
from watchkeeper.screening import index as ix
from watchkeeper.settings import Settings, load_settings
from watchkeeper.web.middleware import Bounded, ErrorsAsJson, SecurityHeaders
from watchkeeper.web.routers import (
    catalog,
    decisions,
    entities,
    health,
    screening,
    search,
    taxii,
)
from watchkeeper.web.service import Service


async def _known(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, WatchkeeperError)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status)


async def _invalid(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "invalid")), "type": e.get("type")}
        for e in exc.errors()[:20]
    ]
    return JSONResponse({"detail": errors}, status_code=422)


def create_app(settings: Settings | None = None, index: ix.Index | None = None) -> FastAPI:
    settings = settings or load_settings()
    app = FastAPI(
        title="Watchkeeper",
        version="1",
        description="Screening (yente-compatible), entities and review decisions.",
        strict_content_type=False,
        docs_url="/docs" if settings.api_docs else None,
        redoc_url="/redoc" if settings.api_docs else None,
    )
    app.state.service = Service(settings, index)
    app.add_exception_handler(WatchkeeperError, _known)
    app.add_exception_handler(RequestValidationError, _invalid)
    for module in (health, screening, search, entities, decisions, catalog, taxii):
        app.include_router(module.router)
    # The workbench: pages, fragments and their JSON API, behind accounts (workbench.py).
    from watchkeeper.web import workbench

    workbench.install(app)
    # Added last, so outermost: bounds before anything reads the request, errors as JSON.
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(GZipMiddleware, minimum_size=500)
    app.add_middleware(Bounded)
    app.add_middleware(ErrorsAsJson)
    app.add_middleware(SecurityHeaders)
    if settings.trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))
    return app
