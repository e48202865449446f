"""Serving the API: one listening socket, shared by the worker processes forked from it.

The socket is bound once, here, before any fork, without SO_REUSEPORT: the workers of
this server share it (each accepts from the one queue), and another server on the same
port fails to bind it — a one-line error for its user — instead of joining it and
answering half of the requests from another workspace. uvicorn's own multi-worker mode
binds its socket without naming the TCP protocol, so asyncio does not set TCP_NODELAY
and every response waited ~40 ms; this socket names it. Workers are forked after the
index is loaded and the service warmed up (``Service.warm_up``), so they share that
memory copy-on-write; each then asks every screening route once (``warm_routes``)
before it accepts a connection.

SIGTERM (or SIGINT) stops promptly: each worker finishes the requests in flight for at
most ``GRACE_SECONDS`` (a request's work is bounded, ``web.limits``), and a worker still
running after that is killed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, MutableMapping
from typing import Any

import uvicorn
from fastapi import FastAPI

log = logging.getLogger(__name__)

GRACE_SECONDS = 5
BACKLOG = 2048
# Requests each worker runs at once (its routes are synchronous: SQL and rendering, on one
# GIL); the others wait in anyio's queue. anyio's default of 40 exceeded the store's
# connection pool (SQLAlchemy's 5 + 10 overflow; a request may hold two), so a burst
# could wait on the pool, up to its 30 s timeout, instead of in the queue. Measured with
# wrk (bench/web/README.md): the same server CPU per request with 4 or 40.
THREADS = 6


def bind(host: str, port: int) -> socket.socket:
    """The listening socket; an OSError when the port is taken (by anyone)."""
    # proto must say TCP: asyncio sets TCP_NODELAY on accepted connections only then, and
    # without it Nagle's algorithm meets delayed ACKs and every response waits ~40 ms.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    # SO_REUSEADDR lets a restarted server bind past connections in TIME_WAIT; on Linux
    # it does not let a second socket bind a port another socket listens on.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _exit_quietly(_signum: int, _frame: object) -> None:
    sys.exit(0)


def _serve(app: FastAPI, host: str, port: int, sock: socket.socket, threads: int) -> None:
    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then raises the signal again for
    # the handler it found: this one, so that a stopped server exits with status 0.
    signal.signal(signal.SIGTERM, _exit_quietly)
    signal.signal(signal.SIGINT, _exit_quietly)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        lifespan="off",
        backlog=BACKLOG,
        timeout_graceful_shutdown=GRACE_SECONDS,
        # Clients keep connections open between requests; closing an idle one after 5 s
        # (uvicorn's default) races with a client reusing it ("server disconnected").
        timeout_keep_alive=30,
        # X-Forwarded-For/-Proto are believed only from WATCHKEEPER_TRUSTED_PROXIES, by the
        # app (app.create_app); uvicorn's own handling would believe any local client.
        proxy_headers=False,
    )
    server = uvicorn.Server(config)

    async def serve() -> None:
        import anyio.to_thread

        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        await warm_routes(app)
        await server.serve(sockets=[sock])

    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(serve())


# What a worker asks itself before it serves: the screening API's routes, each once.
WARM_UP_REQUESTS = (
    ("GET", "/readyz", b"", b""),
    (
        "POST",
        "/match/default",
        b"",
        b'{"queries": {"q": {"schema": "Person", "properties": {"name": ["Kim Chol"]}}}}',
    ),
    ("GET", "/search/default", b"q=kim", b""),
    ("GET", "/entities/{entity}", b"nested=false", b""),
)


async def warm_routes(app: FastAPI) -> list[int]:
    """Ask each route of the screening API once, in process, before serving: FastAPI
    builds a route's state, and the routes import and read what they need, at a
    route's first request (~0.2 s in all), which the requests arriving meanwhile would
    wait for. Threads started here live in this process: this runs in each worker,
    after the fork. The answers are not looked at; a refused one (API keys) warms less."""
    service = getattr(app.state, "service", None)
    entity = getattr(service, "warm_entity", None) or "none"
    return [
        await _ask(app, method, path.format(entity=entity), query, body)
        for method, path, query, body in WARM_UP_REQUESTS
    ]


async def _ask(app: FastAPI, method: str, path: str, query: bytes, body: bytes) -> int:
    """The status of one request to ``app`` (0 when it raised)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [
            (b"host", b"localhost"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 0),
        "server": ("127.0.0.1", 0),
        "state": {},
    }
    received = False

    async def receive() -> dict[str, object]:
        nonlocal received
        if received:
            return {"type": "http.disconnect"}
        received = True
        return {"type": "http.request", "body": body, "more_body": False}

    status = 0

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(str(message["status"]))

    try:
        await app(scope, receive, send)
    except Exception:  # a warm-up that fails warms less; the request itself will tell
        log.debug("warming %s failed", path, exc_info=True)
    return status


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop where it is installed (a dependency, except on Windows), else
    asyncio's. With it, and with httptools (uvicorn's ``http="auto"`` picks it when
    installed) parsing HTTP instead of the pure-Python h11, the server's own share of a
    request's CPU time shrinks; the app's code runs the same on either."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency where it builds
        return None
    return uvloop.new_event_loop


def run(app: FastAPI, sock: socket.socket, workers: int = 1, threads: int = THREADS) -> None:
    """Serve on ``sock`` (from ``bind``, before any fork: a port in use is the caller's
    one-line error, not a dead worker) until SIGTERM or SIGINT."""
    host, port = sock.getsockname()[:2]
    if workers <= 1:
        _serve(app, host, port, sock, threads)
        return
    # Connections opened so far (migrations, the index build) must not be shared by the
    # workers: two processes on one PostgreSQL connection corrupt its protocol ("portal
    # does not exist"), and SQLite's must not cross a fork either. Each worker opens its own.
    service = getattr(app.state, "service", None)
    if service is not None:
        service.before_fork()
    children: list[int] = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            try:
                _serve(app, host, port, sock, threads)
            finally:
                os._exit(0)
        children.append(pid)
    sock.close()  # the workers hold it

    stopping = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    running = set(children)
    deadline: float | None = None
    while running:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid:
            running.discard(pid)
            if not stopping:  # a worker died on its own: stop the others too
                stop(signal.SIGTERM, None)
            continue
        if stopping and deadline is None:
            deadline = time.monotonic() + GRACE_SECONDS + 2
        if deadline is not None and time.monotonic() > deadline:
            for child in running:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGKILL)
        time.sleep(0.05)
    sys.exit(0)
