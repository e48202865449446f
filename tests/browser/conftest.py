"""Browser tests: Debian's Chromium (/usr/bin/chromium, installed by `make test`) driven by
Playwright against `watchkeeper serve` on 127.0.0.1, with the network disabled: Chromium
resolves no host name but the loopback address, and every request for another host is
refused and recorded (a test fails if there was one).

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


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    if not assets.BUILT.is_file():
        assets.build()
    home = tmp_path_factory.mktemp("browser") / "home"
    build(home)
    port = _free_port()
    env = {**os.environ, "WATCHKEEPER_HOME": str(home)}
    command = [str(Path(sys.executable).parent / "watchkeeper"), "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"watchkeeper serve did not start: {output[-2000:]}")
            time.sleep(0.3)
    yield base
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=FLAGS
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
def metrics(artifacts: Path) -> Iterator[dict[str, Any]]:
    found: dict[str, Any] = {}
    yield found
    (artifacts / "metrics.json").write_text(json.dumps(found, indent=2, sort_keys=True))
