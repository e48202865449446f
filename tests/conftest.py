"""Shared fixtures: real stores on SQLite and on the PostgreSQL server `make test` starts."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from watchkeeper.store import Store, open_store

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
UN_XML = SHARED / "data/sanctions/un-sc-consolidated-2025-04/consolidated.xml"
OFAC_CSV = SHARED / "data/sanctions/ofac-sdn-csv-2024-05/sdn.csv"
PG_URL = os.environ.get("WATCHKEEPER_TEST_DATABASE_URL")


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("WATCHKEEPER_REQUIRE_POSTGRES") and not PG_URL:
        raise pytest.UsageError("WATCHKEEPER_REQUIRE_POSTGRES is set but no test server is running")
    if not SHARED.is_dir():
        raise pytest.UsageError(f"the test data folder {SHARED} (../shared) is missing")


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    yield store
    store.close()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty database on the test server, dropped afterwards."""
    if not PG_URL:
        pytest.skip("no PostgreSQL test server (run through `make test`)")
    name = f"wk_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The same tests on both engines."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    store = open_store(url)
    yield store
    store.close()
