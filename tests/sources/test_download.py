"""`sources update` against a real HTTP server on 127.0.0.1 (Range, ETag, interruptions)."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import UN_XML
from watchkeeper.importers import run_import
from watchkeeper.settings import load_settings
from watchkeeper.sources import DownloadError, RemoteSource, configured_sources, download
from watchkeeper.store import Store


@dataclass
class Served:
    body: bytes
    etag: str = '"v1"'
    cut_after: int | None = None  # close the connection after this many bytes, once
    requests: list[dict[str, str]] = field(default_factory=list)


@pytest.fixture
def server() -> Iterator[tuple[str, Served]]:
    served = Served(UN_XML.read_bytes())

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            served.requests.append(dict(self.headers))
            if self.headers.get("If-None-Match") == served.etag:
                self.send_response(304)
                self.end_headers()
                return
            start = 0
            rng = self.headers.get("Range")
            if rng and self.headers.get("If-Range", served.etag) == served.etag:
                start = int(rng.removeprefix("bytes=").split("-")[0])
                self.send_response(206)
                self.send_header(
                    "Content-Range", f"bytes {start}-{len(served.body) - 1}/{len(served.body)}"
                )
            else:
                self.send_response(200)
            self.send_header("ETag", served.etag)
            self.send_header("Content-Length", str(len(served.body) - start))
            self.end_headers()
            payload = served.body[start:]
            if served.cut_after is not None:
                payload, served.cut_after = payload[: served.cut_after], None
                self.wfile.write(payload)
                self.close_connection = True
                return
            self.wfile.write(payload)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/consolidated.xml", served
    httpd.shutdown()


def test_download_checksum_and_import(
    server: tuple[str, Served], tmp_path: Path, sqlite_store: Store
) -> None:
    url, served = server
    path = download(RemoteSource("un", "un-xml", url), tmp_path, log=lambda _m: None)
    assert path.read_bytes() == served.body
    assert path.name.startswith(hashlib.sha256(served.body).hexdigest()[:16])
    assert run_import(sqlite_store, "un-xml", path).added > 0


def test_unchanged_list_is_not_downloaded_again(server: tuple[str, Served], tmp_path: Path) -> None:
    url, served = server
    first = download(RemoteSource("un", "un-xml", url), tmp_path, log=lambda _m: None)
    second = download(RemoteSource("un", "un-xml", url), tmp_path, log=lambda _m: None)
    assert first == second
    assert served.requests[-1].get("If-None-Match") == '"v1"'


def test_interrupted_download_resumes(server: tuple[str, Served], tmp_path: Path) -> None:
    url, served = server
    served.cut_after = 100_000
    with pytest.raises(DownloadError, match="interrupted after 100,000 bytes"):
        download(RemoteSource("un", "un-xml", url), tmp_path, log=lambda _m: None)
    path = download(RemoteSource("un", "un-xml", url), tmp_path, log=lambda _m: None)
    assert served.requests[-1]["Range"] == "bytes=100000-"
    assert path.read_bytes() == served.body


def test_checksum_mismatch_is_refused(server: tuple[str, Served], tmp_path: Path) -> None:
    url, _ = server
    with pytest.raises(DownloadError, match="does not match"):
        download(RemoteSource("un", "un-xml", url, sha256="0" * 64), tmp_path, log=lambda _m: None)


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="cannot reach"):
        download(
            RemoteSource("un", "un-xml", "http://127.0.0.1:9/x.xml"), tmp_path, log=lambda _m: None
        )


def test_sources_file_overrides_the_defaults(tmp_path: Path) -> None:
    config = tmp_path / "sources.yaml"
    config.write_text(
        "sources:\n  - {name: mirror, format: un-xml, url: 'http://mirror.local/un.xml'}\n"
    )
    settings = load_settings({"WATCHKEEPER_SOURCES": str(config)})
    assert [s.name for s in configured_sources(settings)] == ["mirror"]


def test_cli_sources_update_downloads_and_imports(
    server: tuple[str, Served], tmp_path: Path
) -> None:
    import json

    from typer.testing import CliRunner

    from watchkeeper.cli import app

    url, _ = server
    config = tmp_path / "sources.yaml"
    config.write_text(f"sources:\n  - {{name: un_sc_sanctions, format: un-xml, url: '{url}'}}\n")
    env = {"WATCHKEEPER_HOME": str(tmp_path / "home"), "WATCHKEEPER_SOURCES": str(config)}
    runner = CliRunner()
    result = runner.invoke(app, ["sources", "update"], env=env)
    assert result.exit_code == 0, result.output
    assert "un_sc_sanctions:" in result.stdout and "statements added" in result.stdout
    stats = json.loads(runner.invoke(app, ["stats", "--json"], env=env).stdout)
    assert stats["schemata"]["Person"] == 684
    again = runner.invoke(app, ["sources", "update"], env=env)
    assert "unchanged since last download" in again.stderr and "0 statements added" in again.stdout
