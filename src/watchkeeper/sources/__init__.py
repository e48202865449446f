"""Downloading the official lists: configurable URLs, a cache, checksums, resumption.

Works with any HTTP(S) server; on an air-gapped machine point the configuration at a
mirror or use ``watchkeeper import`` with local files instead.
"""

from __future__ import annotations

import http.client
import json
import shutil
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from watchkeeper.errors import ConfigError, WatchkeeperError
from watchkeeper.model.source import file_checksum
from watchkeeper.settings import Settings

CHUNK = 1 << 16
TIMEOUT = 60


class DownloadError(WatchkeeperError):
    status = 502


@dataclass(frozen=True)
class RemoteSource:
    name: str
    format: str
    url: str
    sha256: str | None = None


def configured_sources(settings: Settings) -> list[RemoteSource]:
    if settings.sources_file is not None:
        try:
            text = settings.sources_file.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{settings.sources_file}: {exc.strerror}") from None
        origin = str(settings.sources_file)
    else:
        text = resources.files(__package__).joinpath("defaults.yaml").read_text()
        origin = "defaults.yaml"
    try:
        data = yaml.safe_load(text) or {}
        return [RemoteSource(**item) for item in data.get("sources", [])]
    except (yaml.YAMLError, TypeError) as exc:
        raise ConfigError(f"{origin}: not a valid sources file ({exc})") from None


def download(src: RemoteSource, cache: Path, log: Callable[[str], Any] = print) -> Path:
    """Fetch ``src`` into ``cache/<name>/``; resume a partial download; skip if unchanged.

    Returns the path of the complete, checksummed file.
    """
    folder = cache / src.name
    folder.mkdir(parents=True, exist_ok=True)
    part = folder / "download.part"
    meta_path = folder / "meta.json"
    meta: dict[str, Any] = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    headers = {"User-Agent": "watchkeeper"}
    offset = part.stat().st_size if part.exists() else 0
    if offset:
        headers["Range"] = f"bytes={offset}-"
        if meta.get("part_etag"):
            headers["If-Range"] = meta["part_etag"]
    elif meta.get("etag") and Path(meta.get("path", "")).exists():
        headers["If-None-Match"] = meta["etag"]
    request = urllib.request.Request(src.url, headers=headers)
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT)
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            log(f"{src.name}: unchanged since last download")
            return Path(meta["path"])
        raise DownloadError(f"{src.name}: {src.url} answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DownloadError(f"{src.name}: cannot reach {src.url} ({reason})") from None
    with response:
        resumed = response.status == 206
        if not resumed:
            offset = 0
        meta["part_etag"] = response.headers.get("ETag")
        meta_path.write_text(json.dumps(meta))
        expected = response.headers.get("Content-Length")
        received = 0
        failure: str | None = None
        with part.open("ab" if resumed else "wb") as fh:
            try:
                while chunk := response.read(CHUNK):
                    fh.write(chunk)
                    received += len(chunk)
            except (http.client.IncompleteRead, OSError) as exc:
                failure = type(exc).__name__
        # http.client returns short reads silently when a connection drops mid-body.
        if failure is None and expected is not None and received < int(expected):
            failure = f"{received:,} of {int(expected):,} bytes"
        if failure is not None:
            raise DownloadError(
                f"{src.name}: download interrupted after {part.stat().st_size:,} bytes "
                f"({failure}); run again to resume"
            )
        log(f"{src.name}: {'resumed at byte ' + str(offset) if resumed else 'downloaded'}")
        etag = response.headers.get("ETag")
    digest = file_checksum(part)
    if src.sha256 and digest != src.sha256.lower():
        part.unlink()
        raise DownloadError(
            f"{src.name}: checksum {digest} does not match the configured {src.sha256}"
        )
    name = src.url.rstrip("/").rsplit("/", 1)[-1] or "download"
    final = folder / f"{digest[:16]}-{name}"
    shutil.move(part, final)
    meta = {"etag": etag, "path": str(final), "sha256": digest, "url": src.url}
    meta_path.write_text(json.dumps(meta))
    return final
