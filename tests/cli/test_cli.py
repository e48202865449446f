"""The command line, end to end on a real workspace."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import UN_XML
from watchkeeper.cli import app


@pytest.fixture
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    env = {
        "WATCHKEEPER_HOME": str(tmp_path / "home"),
        "WATCHKEEPER_ORG": "analyst",
        "WATCHKEEPER_COUNTRY": "KOR",
    }

    def invoke(*args: str, code: int = 0):  # type: ignore[no-untyped-def]
        result = runner.invoke(app, list(args), env=env)
        assert result.exit_code == code, result.output + result.stderr
        return result

    return invoke


def test_import_stats_search_show_export(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run("init")
    imported = json.loads(run("import", "un-xml", str(UN_XML), "--json").stdout)
    assert imported[0]["added"] > 20000
    again = run("import", "un-xml", str(UN_XML))
    assert "already imported, nothing changed" in again.stdout
    stats = json.loads(run("stats", "--json").stdout)
    assert stats["schemata"]["Person"] == 684 and stats["schemata"]["Organization"] == 193
    found = json.loads(run("search", "KOMID", "--json").stdout)
    assert found["total"] == 1 and found["results"][0]["id"] == "unsc-kpe-001"
    shown = json.loads(run("show", "unsc-kpe-001", "--json").stdout)
    assert shown["list_ids"] == ["UN:KPe.001"]
    names = [p for p in shown["properties"] if p["prop"] == "name"]
    assert names[0]["grade"] == "A1" and names[0]["marking"] == "TLP:CLEAR"
    assert names[0]["source"].startswith("un_sc_sanctions:")
    assert shown["sanctions"][0]["properties"]["unscId"] == ["KPe.001"]
    text = run("show", "KOREA MINING DEVELOPMENT TRADING CORPORATION").stdout
    assert "UN:KPe.001" in text
    out = tmp_path / "export.ftm.json"
    run("export", "ftm", "-o", str(out))
    assert len(out.read_text().splitlines()) == stats["entities"]
    out = tmp_path / "statements.csv"
    run("export", "statements", "-o", str(out))
    with out.open(newline="") as fh:
        assert sum(1 for _ in csv.DictReader(fh)) == stats["statements"]


def test_acting_as_a_partner_hides_what_it_may_not_see(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    statements = tmp_path / "notes.csv"
    statements.write_text(
        "entity_id,prop,schema,value,dataset,tlp,rel_to,originator,recipients\n"
        "wk-note-1,name,Person,Restricted Broker,analyst_notes,AMBER,KOR,kor-nis,analyst\n"
        "wk-ship-1,name,Vessel,OPEN SHIP,analyst_notes,CLEAR,,,\n"
    )
    run("import", "statements", str(statements))
    run("org", "add", "jp-partner", "--country", "JPN")
    assert json.loads(run("search", "Broker", "--json").stdout)["total"] == 1
    assert json.loads(run("search", "Broker", "--as", "jp-partner", "--json").stdout)["total"] == 0
    assert json.loads(run("stats", "--as", "jp-partner", "--json").stdout)["entities"] == 1
    hidden = run("show", "wk-note-1", "--as", "jp-partner", code=2)
    missing = run("show", "wk-nothing-here", "--as", "jp-partner", code=2)
    # A hidden entity and a missing one give the same answer, so existence does not leak.
    assert hidden.stderr.replace("wk-note-1", "X") == missing.stderr.replace("wk-nothing-here", "X")
    run("show", "wk-note-1", "--as", "nobody", code=2)


def test_bad_input_is_one_line_and_exit_code_2(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "broken.xml"
    bad.write_text("<CONSOLIDATED_LIST dateGenerated='2025-01-01'><INDIVIDUALS><INDIVIDUAL>")
    result = run("import", "un-xml", str(bad), code=2)
    assert result.stderr.count("\n") == 1
    assert str(bad) in result.stderr and "malformed XML" in result.stderr
    assert "unknown format" in run("import", "csv", str(bad), code=2).stderr


def test_ftm_import_reports_an_unknown_property_and_strict_refuses(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Issue 12: a property the installed FtM does not know is reported for its record and
    the import goes on; with --strict the file is refused, one line, nothing stored."""
    odd = {
        "id": "p1",
        "schema": "Person",
        "properties": {"name": ["Ivan Petrov"], "shoeSize": ["44"]},
    }
    fine = {"id": "p2", "schema": "Person", "properties": {"name": ["Olga Ivanova"]}}
    path = tmp_path / "odd.ftm.json"
    path.write_text(json.dumps(odd) + "\n" + json.dumps(fine) + "\n")
    run("init")
    refused = run("import", "ftm", str(path), "--strict", code=2)
    assert refused.stderr.count("\n") == 1 and "shoeSize" in refused.stderr
    assert json.loads(run("stats", "--json").stdout)["entities"] == 0
    imported = run("import", "ftm", str(path))
    said = " ".join(imported.output.split())  # the console wraps long lines
    assert "shoeSize" in said and "line 1 (p1)" in said
    assert json.loads(run("stats", "--json").stdout)["entities"] == 2


def test_sources_list_shows_configured_downloads(run) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(run("sources", "list", "--json").stdout)
    assert {s["name"] for s in data["configured"]} == {"un_sc_sanctions", "us_ofac_sdn"}


def test_demo_as_a_real_process(tmp_path: Path) -> None:
    env = {
        "WATCHKEEPER_HOME": str(tmp_path / "demo"),
        "PATH": str(Path(sys.executable).parent),
        "COLUMNS": "120",
        # the code under test, where the caller points at it (a worktree)
        **{k: v for k, v in os.environ.items() if k == "PYTHONPATH"},
    }
    result = subprocess.run(
        [str(Path(sys.executable).parent / "watchkeeper"), "demo"],
        env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    for heading in ("Events by sector and year", "Most connected entities", "Sanctioned vessels"):
        assert heading in result.stdout
    assert "ANGARA" in result.stdout and "9179842" in result.stdout
    # the workbench logins too (issue 25, item 13), and how to use them
    said = " ".join(result.stdout.split())
    assert "workbench logins (admin, analyst, viewer, kr-liaison)" in said
    assert "password 'watchkeeper-demo'" in said
    listed = subprocess.run(
        [str(Path(sys.executable).parent / "watchkeeper"), "user", "list", "--json"],
        env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    users = {u["username"]: u for u in json.loads(listed.stdout)}
    assert set(users) == {"admin", "analyst", "viewer", "kr-liaison"}
    assert users["kr-liaison"]["country"] == "KOR"
    again = subprocess.run(
        [str(Path(sys.executable).parent / "watchkeeper"), "demo"],
        env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert "already loaded, nothing changed" in again.stdout
    assert "watchkeeper-demo" in again.stdout  # the logins kept, said again
    # the sharing exercise (issue 23, item 8): the MSMT states and NATO as partners, and
    # exercise notes whose releasability differs between them
    assert "0 partner organisations registered, 0 exercise statements" in " ".join(
        again.stdout.split()
    )

    def cli(*args: str) -> str:
        return subprocess.run(
            [str(Path(sys.executable).parent / "watchkeeper"), *args],
            env=env, capture_output=True, text=True, timeout=120, check=True,
        ).stdout  # fmt: skip

    orgs = {o["name"]: o["country"] for o in json.loads(cli("org", "list", "--json"))}
    msmt = {"AUS", "CAN", "FRA", "DEU", "ITA", "JPN", "NLD", "NZL", "KOR", "GBR", "USA"}
    assert msmt <= set(orgs.values()) and orgs["nato"] is None
    received = {}
    for partner in ("jp-mofa", "kr-mofa", "us-dos", "de-aa", "nato"):
        target = tmp_path / f"{partner}.json"
        cli("share", "export", "--for", partner, "--dataset", "wk_sharing_exercise",
            "-o", str(target))  # fmt: skip
        objects = json.loads(target.read_text())["objects"]
        received[partner] = {o["id"] for o in objects if o["type"] == "wk-note"}
    counts = {k: len(v) for k, v in received.items()}
    assert counts == {"jp-mofa": 3, "kr-mofa": 4, "us-dos": 4, "de-aa": 2, "nato": 1}
    assert received["kr-mofa"] != received["us-dos"]  # RED to one, STRICT to the other


@pytest.mark.postgres
@pytest.mark.parametrize("nice", [True, False])
def test_an_import_on_a_local_postgresql_lowers_its_backends_too(
    pg_url: str, tmp_path: Path, nice: bool
) -> None:
    """The backend (server process) of every connection a niced import opens to a
    PostgreSQL server of this machine runs at the import's niceness: it does the import's
    writes, which otherwise take the CPU the niced importer leaves to a server."""
    import os

    from watchkeeper.cli.common import IMPORT_NICENESS

    code = (
        "import os, sys\n"
        "from sqlalchemy import text\n"
        "from watchkeeper.cli.common import Context, lower_priority\n"
        "nice = sys.argv[1] == 'nice'\n"
        "lower_priority(nice)\n"
        "ctx = Context()\n"
        "ctx.lowered = nice\n"
        "with ctx.store.engine.connect() as conn:\n"
        "    pid = conn.execute(text('SELECT pg_backend_pid()')).scalar_one()\n"
        "    print(os.getpriority(os.PRIO_PROCESS, pid), os.stat(f'/proc/{pid}').st_uid)\n"
    )
    env = {
        **os.environ,
        "WATCHKEEPER_HOME": str(tmp_path / "home"),
        "WATCHKEEPER_DATABASE_URL": pg_url,
    }
    done = subprocess.run(
        [sys.executable, "-c", code, "nice" if nice else "not"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    niceness, owner = (int(n) for n in done.stdout.split())
    if nice and os.geteuid() not in (0, owner):
        pytest.skip("another user's PostgreSQL: its processes are not ours to renice")
    assert niceness == (IMPORT_NICENESS if nice else 0)


@pytest.mark.parametrize("flag, lowered", [((), True), (("--no-nice",), False)])
def test_an_import_runs_at_a_lower_cpu_priority(
    tmp_path: Path, flag: tuple[str, ...], lowered: bool
) -> None:
    """An import yields the CPU to a server on the same machine (niceness 10) unless told
    not to; the priority is that of the importing process, read when it is done."""
    from watchkeeper.cli.common import IMPORT_NICENESS

    entity = {"id": "p1", "schema": "Person", "properties": {"name": ["Ri Chol"]}}
    data = tmp_path / "one.json"
    data.write_text(json.dumps(entity) + "\n")
    code = (
        "import os, sys\n"
        "from typer.testing import CliRunner\n"
        "from watchkeeper.cli import app\n"
        "before = os.nice(0)\n"
        "result = CliRunner().invoke(app, sys.argv[1:])\n"
        "assert result.exit_code == 0, result.output\n"
        "print(before, os.nice(0))\n"
    )
    env = {**__import__("os").environ, "WATCHKEEPER_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [sys.executable, "-c", code, "import", "ftm", str(data), *flag],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    before, after = (int(n) for n in done.stdout.split()[-2:])
    if lowered:
        assert after == max(before, IMPORT_NICENESS)
    else:
        assert after == before
