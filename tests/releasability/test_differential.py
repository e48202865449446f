"""The releasability invariant, as a differential property (issue 10, design.md):

    for any store and any viewer, every answer the viewer gets from the full store
    equals the answer it gets from a store holding only the statements it may see

through every read path in ``paths.PATHS`` (library, command line, HTTP), on SQLite and
PostgreSQL, down to error texts, totals, schemata and scores (to the fourth decimal).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import create_engine, text

from tests.conftest import PG_URL
from tests.releasability.paths import LIBRARY, PATHS, SPARK, Workspace
from tests.releasability.world import World, build, filtered_copy, viewers, worlds
from watchkeeper.model.marking import Viewer
from watchkeeper.settings import load_settings
from watchkeeper.store import open_store
from watchkeeper.store import reader as reader_module

SLOW = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large]


@contextmanager
def workspaces(engine: str, root: Path, viewer: Viewer) -> Iterator[tuple[Workspace, Workspace]]:
    """Two empty workspaces (SQLite files, or two PostgreSQL databases), dropped after."""
    names = [f"wk_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    envs = []
    for n, name in enumerate(names):
        env = {"WATCHKEEPER_HOME": str(root / f"home{n}")}
        if engine == "postgresql":
            assert PG_URL
            env["WATCHKEEPER_DATABASE_URL"] = PG_URL.rsplit("/", 1)[0] + "/" + name
        envs.append(env)
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT") if engine == "postgresql" else None
    if admin is not None:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    made = []
    try:
        for n, env in enumerate(envs):
            cfg = load_settings(env)
            if engine == "sqlite":  # a migrated empty store, copied: migrating takes longer
                cfg.home.mkdir(mode=0o700)
                shutil.copyfile(_template(), cfg.home / "watchkeeper.db")
            tmp = root / f"tmp{n}"
            tmp.mkdir(parents=True)
            made.append(Workspace(open_store(cfg), cfg, viewer, tmp))
        yield made[0], made[1]
    finally:
        for ws in made:
            ws.store.close()
        if admin is not None:
            with admin.connect() as conn:
                for name in names:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


@cache
def _template() -> Path:
    path = Path(tempfile.mkdtemp()) / "template.db"
    open_store(f"sqlite:///{path}").close()
    return path


def compare(
    engine: str,
    root: Path,
    world: World,
    viewer: Viewer,
    paths: dict[str, Callable[[Workspace], Any]],
) -> None:
    with workspaces(engine, root, viewer) as (full, own):
        build(full.store, world)
        filtered_copy(full.store, own.store, viewer)
        for name, path in paths.items():
            got, expected = path(full), path(own)
            assert got == expected, f"{name} differs for {viewer}: {difference(got, expected)}"


def difference(got: Any, expected: Any, where: str = "") -> str:
    """The first place two answers differ, to read a failure without a debugger."""
    if isinstance(got, dict) and isinstance(expected, dict):
        keys = [
            k for k in sorted(set(got) | set(expected), key=str) if got.get(k) != expected.get(k)
        ]
        return "; ".join(difference(got.get(k), expected.get(k), f"{where}/{k}") for k in keys[:3])
    if isinstance(got, list) and isinstance(expected, list) and len(got) == len(expected):
        for n, (a, b) in enumerate(zip(got, expected, strict=True)):
            if a != b:
                return difference(a, b, f"{where}[{n}]")
    return f"at {where or '/'}: full store {got!r:.600} != own store {expected!r:.600}"


def _root(factory: pytest.TempPathFactory) -> Path:
    return factory.mktemp("world", numbered=True)


@settings(
    max_examples=int(os.environ.get("WK_DIFFERENTIAL_EXAMPLES", 40)),
    deadline=None,
    suppress_health_check=SLOW,
)
@given(world=worlds(), viewer=viewers)
def test_library_paths_on_sqlite(
    world: World, viewer: Viewer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    compare("sqlite", _root(tmp_path_factory), world, viewer, LIBRARY)


@settings(max_examples=8, deadline=None, suppress_health_check=SLOW)
@given(world=worlds(max_values=10, max_links=5), viewer=viewers)
def test_every_path_with_cli_and_http_on_sqlite(
    world: World, viewer: Viewer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    compare("sqlite", _root(tmp_path_factory), world, viewer, PATHS)


@pytest.mark.postgres
@settings(max_examples=12, deadline=None, suppress_health_check=SLOW)
@given(world=worlds(), viewer=viewers)
def test_library_paths_on_postgresql(
    world: World, viewer: Viewer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    if not PG_URL:
        pytest.skip("no PostgreSQL test server (run through `make test`)")
    compare("postgresql", _root(tmp_path_factory), world, viewer, LIBRARY)


@pytest.mark.postgres
@settings(max_examples=3, deadline=None, suppress_health_check=SLOW)
@given(world=worlds(max_values=10, max_links=5), viewer=viewers)
def test_every_path_with_cli_and_http_on_postgresql(
    world: World, viewer: Viewer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    if not PG_URL:
        pytest.skip("no PostgreSQL test server (run through `make test`)")
    compare("postgresql", _root(tmp_path_factory), world, viewer, PATHS)


# The same paths through a store read as a large one (``reader.WHOLE_EXISTENCE_UP_TO``):
# existence walked from the ids at hand, the dangling ids from one query, and given to SQL
# as one bound list (``reader.DANGLING_IN_SQL``), as a 1 M-entity store is read.
def _as_large_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader_module, "WHOLE_EXISTENCE_UP_TO", 0)
    monkeypatch.setattr(reader_module, "DANGLING_IN_SQL", 0)


@settings(max_examples=15, deadline=None, suppress_health_check=SLOW)
@given(world=worlds(), viewer=viewers)
def test_library_paths_on_a_large_sqlite_store(
    world: World,
    viewer: Viewer,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _as_large_store(monkeypatch)
    compare("sqlite", _root(tmp_path_factory), world, viewer, LIBRARY)


@pytest.mark.postgres
@settings(max_examples=5, deadline=None, suppress_health_check=SLOW)
@given(world=worlds(), viewer=viewers)
def test_library_paths_on_a_large_postgresql_store(
    world: World,
    viewer: Viewer,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not PG_URL:
        pytest.skip("no PostgreSQL test server (run through `make test`)")
    _as_large_store(monkeypatch)
    compare("postgresql", _root(tmp_path_factory), world, viewer, LIBRARY)


@settings(max_examples=15, deadline=None, suppress_health_check=SLOW)
@given(world=worlds(), viewer=viewers)
def test_a_store_read_as_a_large_one_answers_as_a_small_one(
    world: World,
    viewer: Viewer,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The two ways of reading existence (the whole answer in memory; walked from the ids
    at hand, with the dangling ids from one query) give every path the same answer. Two
    stores of the same world, one read each way, path after path: some paths write (an
    alert's acknowledgement), so one store read twice would not be the same store."""
    with workspaces("sqlite", _root(tmp_path_factory), viewer) as (as_small, as_large):
        build(as_small.store, world)
        # the same store, byte for byte (a second build would stamp its own import times)
        source, target = (ws.store.engine.raw_connection() for ws in (as_small, as_large))
        try:
            source.driver_connection.backup(target.driver_connection)  # type: ignore[union-attr]
        finally:
            source.close()
            target.close()
        for name, path in LIBRARY.items():
            small = path(as_small)
            with monkeypatch.context() as patched:
                _as_large_store(patched)
                as_large.store.read_cache.clear()
                large = path(as_large)
            assert large == small, f"{name}: {difference(large, small)}"


@pytest.mark.spark
@settings(max_examples=4, deadline=None, suppress_health_check=SLOW)
@given(world=worlds(max_values=10, max_links=5), viewer=viewers)
def test_spark_screening_on_sqlite(
    world: World, viewer: Viewer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    compare("sqlite", _root(tmp_path_factory), world, viewer, SPARK)
