"""Real TAXII 2.1 servers for the tests and the benchmark: `watchkeeper serve` (uvicorn),
and medallion (the OASIS TC's reference server, Flask) holding a given bundle in its
memory backend, each on a free port of the loopback, stopped when the block ends."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

STARTUP_SECONDS = 120
MEDALLION_ROOT = "api1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(process: subprocess.Popen[bytes], url: str, what: str, **kwargs: Any) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        try:
            if httpx.get(url, timeout=2, **kwargs).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            output = process.stdout.read().decode() if process.stdout else ""
            raise RuntimeError(f"{what} did not start: {output[-2000:]}")
        time.sleep(0.3)


@contextmanager
def _running(command: list[str], env: dict[str, str], url: str, what: str,
             **kwargs: Any) -> Iterator[None]:  # fmt: skip
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _wait(process, url, what, **kwargs)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def serving(env: dict[str, str], workers: int = 1) -> Iterator[str]:
    """`watchkeeper serve` on the workspace ``env`` names; its base URL."""
    port = free_port()
    full = {**os.environ, **env}
    command = [sys.executable, "-m", "watchkeeper.cli", "serve", "--port", str(port),
               "--workers", str(workers)]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    with _running(command, full, base + "/healthz", "watchkeeper serve"):
        yield base


def medallion_data(
    objects: list[dict[str, Any]], collection: dict[str, Any], base: str
) -> dict[str, Any]:
    """medallion's memory backend holding ``objects`` in one collection, each object's
    ``date_added`` as our server dates them (its version; the epoch for the objects every
    bundle carries), listed in (date_added, id) order so that both servers order pages
    alike."""

    def version(obj: dict[str, Any]) -> str:
        return str(obj.get("modified") or obj.get("created"))

    def added(obj: dict[str, Any]) -> str:
        # what every bundle of ours carries is dated the epoch (taxii_server.FIXED_ADDED)
        fixed = obj["type"] in ("marking-definition", "extension-definition") or (
            obj["type"] == "identity" and "extensions" not in obj
        )
        return "1970-01-01T00:00:00.000Z" if fixed else version(obj)

    ordered = sorted(objects, key=lambda o: (added(o), o["id"]))
    manifest = [
        {
            "id": o["id"],
            "date_added": added(o),
            "version": version(o),
            "media_type": "application/stix+json;version=2.1",
        }
        for o in ordered
    ]
    root = f"{base}/{MEDALLION_ROOT}/"
    return {
        "/discovery": {
            "title": "medallion",
            "description": "the reference TAXII 2.1 server",
            "default": root,
            "api_roots": [root],
        },
        MEDALLION_ROOT: {
            "information": {
                "title": "medallion",
                "description": "one collection",
                "versions": ["application/taxii+json;version=2.1"],
                "max_content_length": 100_000_000,
            },
            "status": [],
            "collections": [{**collection, "objects": ordered, "manifest": manifest}],
        },
    }


@contextmanager
def medallion(
    folder: Path,
    objects: list[dict[str, Any]],
    collection: dict[str, Any],
    users: dict[str, str],
    page: int = 1000,
) -> Iterator[str]:
    """medallion serving ``objects`` in ``collection``; its base URL (the API root is
    ``{base}/api1/``)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data = folder / "medallion-data.json"
    data.write_text(json.dumps(medallion_data(objects, collection, base)), encoding="utf-8")
    config = folder / "medallion.json"
    config.write_text(
        json.dumps(
            {
                "backend": {
                    "module": "medallion.backends.memory_backend",
                    "module_class": "MemoryBackend",
                    "filename": str(data),
                },
                "users": users,
                "taxii": {"max_page_size": page},
            }
        ),
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "medallion.scripts.run", "--port", str(port), str(config)]
    user, password = next(iter(users.items()))
    with _running(command, dict(os.environ), base + "/taxii2/", "medallion",
                  auth=(user, password), headers={"Accept": "application/taxii+json;version=2.1"}):  # fmt: skip
        yield base
