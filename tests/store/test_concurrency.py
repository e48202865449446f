"""Writers wait their turn and readers never wait: real processes on one workspace, on
SQLite (WAL) and PostgreSQL (issue 11, item 4)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import OFAC_CSV, UN_XML
from watchkeeper.settings import load_settings
from watchkeeper.store import Store, open_store


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def workspace(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "WATCHKEEPER_HOME": str(tmp_path / "home")}
    env.pop("WATCHKEEPER_DATABASE_URL", None)
    if request.param == "postgresql":
        env["WATCHKEEPER_DATABASE_URL"] = request.getfixturevalue("pg_url")
    return env


def cli(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "watchkeeper.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=900)
    return proc.returncode, out, err


def store_of(env: dict[str, str]) -> Store:
    return open_store(load_settings(env))


def test_two_imports_at_once_both_land(workspace: dict[str, str]) -> None:
    store_of(workspace).close()  # created (and migrated) before the race
    first = cli(workspace, "import", "un-xml", str(UN_XML))
    second = cli(workspace, "import", "ofac-csv", str(OFAC_CSV))
    for proc in (first, second):
        code, _, err = finish(proc)
        assert code == 0 and "Traceback" not in err, err
    store = store_of(workspace)
    datasets = {s["dataset"] for s in store.read(load_settings(workspace).viewer).sources()}
    assert datasets == {"un_sc_sanctions", "us_ofac_sdn"}
    store.close()


def test_the_same_release_twice_at_once_lands_once(workspace: dict[str, str]) -> None:
    store_of(workspace).close()
    procs = [cli(workspace, "import", "un-xml", str(UN_XML), "--json") for _ in range(2)]
    results = [finish(p) for p in procs]
    assert all(code == 0 and "Traceback" not in err for code, _, err in results), results
    added = sorted(json.loads(out)[0]["added"] for _, out, _ in results)
    assert added[0] == 0 and added[1] > 20000
    store = store_of(workspace)
    assert store.counts()["source"] == 1
    store.close()


def test_readers_are_answered_while_an_import_runs(workspace: dict[str, str]) -> None:
    store_of(workspace).close()
    importing = cli(workspace, "import", "ofac-csv", str(OFAC_CSV))
    answers = []
    while importing.poll() is None:
        code, out, err = finish(cli(workspace, "stats", "--json"))
        assert code == 0 and "Traceback" not in err, err
        answers.append(json.loads(out)["entities"])
    assert finish(importing)[0] == 0
    # every answer is a committed state: nothing, or the whole release
    assert answers and set(answers) <= {0, max(answers)}


def test_a_writer_that_cannot_wait_longer_says_so_in_one_line(workspace: dict[str, str]) -> None:
    env = {**workspace, "WATCHKEEPER_WRITE_WAIT": "1"}
    store = store_of(env)
    with store.engine.connect() as conn, conn.begin():
        store._take_write_lock(conn)  # another writer, holding the store
        started = time.monotonic()
        code, out, err = finish(cli(env, "import", "un-xml", str(UN_XML)))
        assert time.monotonic() - started < 60
    assert code == 2 and out == ""
    assert err.strip().startswith("error: another import is writing to this workspace")
    assert len(err.strip().splitlines()) == 1
    assert store.counts()["statement"] == 0
    store.close()
