"""ASGI middleware every request goes through, outermost first (``app.create_app``):

- uvicorn's ``ProxyHeadersMiddleware``, only when ``WATCHKEEPER_TRUSTED_PROXIES`` names
  proxies: the client address and scheme a trusted proxy forwards (nobody's otherwise,
  the server's own handling of those headers is off: ``server._serve``);
- ``SecurityHeaders``: headers every answer carries, errors and static files included;
- ``ErrorsAsJson``: an error the routes did not answer is a one-line JSON 500, and a
  store too busy to answer (a writer holding it past the busy timeout) a 503 with
  ``Retry-After``, never a plain-text traceback;
- ``Bounded``: a URL over ``limits.MAX_URL`` is a 414 (yente's), a body over
  ``limits.MAX_BODY`` a 413, refused before the body is read (by its declared length) or
  as soon as it grows past the bound.
"""

from __future__ import annotations

import logging

from fastapi import HTTPException
from sqlalchemy.exc import OperationalError
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from watchkeeper.web import limits

log = logging.getLogger(__name__)

HSTS = b"max-age=31536000"
FRAME_ANCESTORS = b"frame-ancestors 'none'"


class SecurityHeaders:
    """Every answer: ``X-Content-Type-Options: nosniff`` (a browser never runs an
    answer as another type than it says), no framing by any page (``frame-ancestors
    'none'`` added to the answer's own Content-Security-Policy, and ``X-Frame-Options``
    for browsers without CSP 3), ``Cache-Control: no-store`` on JSON that does not set
    its own caching (the catalog's ETag answer does, ``private``), and
    ``Strict-Transport-Security`` when the request came over TLS."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        secure = scope.get("scheme") == "https"

        async def add(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = secured(list(message.get("headers", [])), secure)
            await send(message)

        await self.app(scope, receive, add)


def secured(headers: list[tuple[bytes, bytes]], secure: bool) -> list[tuple[bytes, bytes]]:
    names = {name.lower(): value for name, value in headers}
    out = [(n, v) for n, v in headers if n.lower() != b"content-security-policy"]
    policy = names.get(b"content-security-policy")
    if policy is None:
        policy = FRAME_ANCESTORS
    elif b"frame-ancestors" not in policy:
        policy = policy.rstrip(b"; ") + b"; " + FRAME_ANCESTORS
    out.append((b"content-security-policy", policy))
    if b"x-content-type-options" not in names:
        out.append((b"x-content-type-options", b"nosniff"))
    if b"x-frame-options" not in names:
        out.append((b"x-frame-options", b"DENY"))
    media = names.get(b"content-type", b"").split(b";")[0].strip().lower()
    is_json = media == b"application/json" or media.endswith(b"+json")
    if is_json and b"cache-control" not in names:
        out.append((b"cache-control", b"no-store"))
    if secure and b"strict-transport-security" not in names:
        out.append((b"strict-transport-security", HSTS))
    return out


def _too_large() -> HTTPException:
    return HTTPException(413, f"request body over {limits.MAX_BODY:,} bytes")


def _too_large_response() -> JSONResponse:
    return JSONResponse({"detail": _too_large().detail}, status_code=413)


class ErrorsAsJson:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            if started:
                raise
            if isinstance(exc, OperationalError):
                log.warning("store busy: %s", exc.orig)
                response = JSONResponse(
                    {"detail": "the store is busy (a writer holds it); retry"},
                    status_code=503,
                    headers={"Retry-After": "1"},
                )
            else:
                log.exception("error answering %s", scope.get("path"))
                response = JSONResponse({"detail": "internal error"}, status_code=500)
            await response(scope, receive, send)


class Bounded:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_path = scope.get("raw_path") or scope["path"].encode()
        query = scope.get("query_string", b"")
        if len(raw_path) + len(query) + (1 if query else 0) > limits.MAX_URL:
            await JSONResponse({"detail": "Request URI too long"}, status_code=414)(
                scope, receive, send
            )
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > limits.MAX_BODY:
                    await _too_large_response()(scope, receive, send)
                    return
        received = 0

        async def bounded_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limits.MAX_BODY:
                    # FastAPI passes an HTTPException raised while reading a body on
                    # as it is (any other error there becomes a 400)
                    raise _too_large()
            return message

        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, bounded_receive, watch)
        except HTTPException as exc:
            if started or exc.status_code != 413:
                raise
            await _too_large_response()(scope, receive, send)
