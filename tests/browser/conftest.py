"""Browser tests: Debian's Chromium (/usr/bin/chromium, installed by `make test`) driven by
Playwright against `watchkeeper serve` on 127.0.0.1, with the network disabled.

Disabled three ways. Where the tests run as root with iproute2 (CI, `make test`), the
server and Chromium run inside a network namespace of their own whose only interface is
loopback: there is no network to reach (Playwright drives Chromium over a pipe, which
needs none). Everywhere, Chromium resolves no host name but the loopback address, and
every request for another host is refused and recorded: a test fails if there was one.

Screenshots of every step go to tests/browser/artifacts/ (kept, git-ignored), with
metrics.json: each page's transfer size and load timings.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.web.workspace import build
from watchkeeper.web import assets

CHROMIUM = Path(os.environ.get("WATCHKEEPER_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).parent / "artifacts"
AXE = Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    # the network, disabled: no name resolves except the loopback address
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _make_namespace() -> str | None:
    """A network namespace with loopback only, or None where none can be made."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return None
    name = f"wk-browser-{os.getpid()}"
    made = subprocess.run(["ip", "netns", "add", name], capture_output=True)
    if made.returncode != 0:
        return None
    subprocess.run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"], check=True)
    return name


@pytest.fixture(scope="session")
def namespace() -> Iterator[str | None]:
    name = _make_namespace()
    yield name
    if name:
        subprocess.run(["ip", "netns", "delete", name], capture_output=True)


def _inside(namespace: str | None, command: list[str]) -> list[str]:
    return ["ip", "netns", "exec", namespace, *command] if namespace else command


def _healthy(namespace: str | None, base: str) -> bool:
    if namespace is None:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False
    probe = f"import urllib.request; urllib.request.urlopen({base + '/healthz'!r}, timeout=2)"
    return (
        subprocess.run(
            _inside(namespace, [sys.executable, "-c", probe]), capture_output=True
        ).returncode
        == 0
    )


@contextmanager
def serving(
    tmp_path_factory: pytest.TempPathFactory, namespace: str | None, label: str
) -> Iterator[str]:
    """`watchkeeper serve` on a new demo workspace of its own (a folder named ``label``),
    inside the offline namespace where there is one; its base URL while the block runs."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    if not assets.BUILT.is_file():
        assets.build()
    home = tmp_path_factory.mktemp(label) / "home"
    build(home)
    port = _free_port()
    env = {**os.environ, "WATCHKEEPER_HOME": str(home)}
    command = [str(Path(sys.executable).parent / "watchkeeper"), "serve", "--port", str(port)]
    process = subprocess.Popen(
        _inside(namespace, command), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while not _healthy(namespace, base):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            output = process.stdout.read().decode() if process.stdout else ""
            pytest.fail(f"watchkeeper serve did not start: {output[-2000:]}")
        time.sleep(0.5)
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, namespace: str | None) -> Iterator[str]:
    with serving(tmp_path_factory, namespace, "browser") as base:
        yield base


@pytest.fixture(scope="session")
def browser(namespace: str | None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = CHROMIUM
    if namespace:  # Chromium itself inside the namespace, driven over its pipe
        executable = tmp_path_factory.mktemp("chromium") / "chromium-in-namespace"
        executable.write_text(f'#!/bin/sh\nexec ip netns exec {namespace} {CHROMIUM} "$@"\n')
        executable.chmod(0o755)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(executable), headless=True, args=FLAGS
        )
        yield chromium
        chromium.close()


class Outside:
    """Requests for anything but the server under test: refused, and remembered."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.seen: list[str] = []

    def __call__(self, route: Any) -> None:
        url = route.request.url
        if url.startswith((self.base, "data:", "blob:", "about:")):
            route.continue_()
            return
        self.seen.append(url)
        route.abort("internetdisconnected")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def metrics(artifacts: Path, namespace: str | None) -> Iterator[dict[str, Any]]:
    found: dict[str, Any] = {
        "network": "own namespace, loopback only" if namespace else "host (requests refused)"
    }
    yield found
    (artifacts / "metrics.json").write_text(json.dumps(found, indent=2, sort_keys=True))
