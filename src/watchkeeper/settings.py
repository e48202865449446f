"""One immutable settings object, read from ``WATCHKEEPER_*`` variables once.

Nothing in the package keeps mutable module-level configuration: callers pass a
``Settings`` (or let :func:`load_settings` read the environment) to what needs it.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from watchkeeper.errors import ConfigError, WatchkeeperError
from watchkeeper.model.marking import Viewer, check_country

DEFAULT_HOME = ".watchkeeper"


@dataclass(frozen=True)
class Settings:
    home: Path
    """Workspace directory: the embedded SQLite store and the download cache live here."""
    database_url: str | None
    """A server database (PostgreSQL); when unset the embedded SQLite file is used."""
    organisation: str
    """The organisation this workspace acts as by default (the default viewer)."""
    country: str | None
    """ISO 3166 alpha-3 code of that organisation's country, used for REL TO checks."""
    sources_file: Path | None
    """Optional YAML overriding the official list download URLs."""
    spark_master: str = "local[2]"
    """Where Spark runs (maritime detectors, batch screening): local mode, or a cluster URL."""
    write_wait: float = 600.0
    """Seconds a writer (an import) waits for another to finish before it gives up."""
    api_keys: tuple[tuple[str, str], ...] = ()
    """API keys of the screening API and the organisation each acts as. When none are
    set, ``serve`` answers as the workspace's own organisation (a local, single-user API)."""
    cors_origins: tuple[str, ...] = ()
    """Web origins whose pages may call the API from a browser (CORS); ``*`` for any."""
    trusted_proxies: tuple[str, ...] = ()
    """Addresses (or networks) of the reverse proxies in front of ``serve``: only a request
    from one of them has its ``X-Forwarded-For``/``X-Forwarded-Proto`` believed (the client
    address that is rate-limited and audited, and https). None by default: the headers are
    ignored, even from this machine."""
    api_docs: bool = False
    """Serve the interactive API pages ``/docs`` (Swagger UI) and ``/redoc``. Off by
    default: they load their scripts from a CDN into the logged-in origin. The description
    itself, ``/openapi.json``, is always served (behind the login once there are accounts)."""

    @property
    def viewer(self) -> Viewer:
        """The workspace's own organisation, the default viewer."""
        return Viewer(self.organisation, self.country)

    @property
    def store_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'watchkeeper.db'}"

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

    @property
    def ais_dir(self) -> Path:
        """The maritime AIS dataset (Parquet, partitioned by day)."""
        return self.home / "ais"


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the ``WATCHKEEPER_*`` variables."""
    env = os.environ if env is None else env
    country = env.get("WATCHKEEPER_COUNTRY") or None
    if country is not None:
        try:
            country = check_country(country)
        except WatchkeeperError:
            raise ConfigError(
                f"WATCHKEEPER_COUNTRY must be an ISO 3166 alpha-3 code, got {country!r}"
            ) from None
    url = env.get("WATCHKEEPER_DATABASE_URL") or None
    if url is not None and url.startswith("postgresql://"):
        # The psycopg 3 driver is the one installed; make the bare scheme use it.
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    sources = env.get("WATCHKEEPER_SOURCES") or None
    keys = []
    for item in (env.get("WATCHKEEPER_API_KEYS") or "").split(","):
        if not item.strip():
            continue
        key, sep, org = item.partition("=")
        if not sep or not key.strip() or not org.strip():
            raise ConfigError(
                "WATCHKEEPER_API_KEYS must be KEY=ORGANISATION pairs separated by commas"
            )
        keys.append((key.strip(), org.strip()))
    wait_text = env.get("WATCHKEEPER_WRITE_WAIT") or "600"
    try:
        write_wait = float(wait_text)
    except ValueError:
        raise ConfigError(f"WATCHKEEPER_WRITE_WAIT must be seconds, got {wait_text!r}") from None
    if not 0 < write_wait <= 86400:
        raise ConfigError(f"WATCHKEEPER_WRITE_WAIT must be between 0 and 86400, got {wait_text}")
    return Settings(
        trusted_proxies=_proxies(env.get("WATCHKEEPER_TRUSTED_PROXIES") or ""),
        api_docs=_flag("WATCHKEEPER_API_DOCS", env.get("WATCHKEEPER_API_DOCS") or ""),
        home=Path(env.get("WATCHKEEPER_HOME") or DEFAULT_HOME),
        database_url=url,
        organisation=(env.get("WATCHKEEPER_ORG") or "local").strip(),
        country=country,
        sources_file=Path(sources) if sources else None,
        spark_master=env.get("WATCHKEEPER_SPARK_MASTER") or "local[2]",
        api_keys=tuple(keys),
        write_wait=write_wait,
        cors_origins=tuple(
            o.strip() for o in (env.get("WATCHKEEPER_CORS_ORIGINS") or "").split(",") if o.strip()
        ),
    )


def _proxies(text: str) -> tuple[str, ...]:
    found = []
    for item in text.split(","):
        if not item.strip():
            continue
        try:
            found.append(str(ipaddress.ip_network(item.strip(), strict=False)))
        except ValueError:
            raise ConfigError(
                "WATCHKEEPER_TRUSTED_PROXIES must be IP addresses or networks separated by "
                f"commas, got {item.strip()!r}"
            ) from None
    return tuple(found)


def _flag(name: str, text: str) -> bool:
    value = text.strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name} must be 1 or 0, got {text!r}")
