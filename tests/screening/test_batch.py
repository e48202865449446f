"""`watchkeeper screen` end to end on a workspace holding the real UN list."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.conftest import OFAC_CSV, UN_XML
from watchkeeper.cli import app

HEADER = "id,name,schema,country,birth_date,imo,identifiers\n"


@pytest.fixture
def run(tmp_path: Path) -> Callable[..., Any]:
    runner = CliRunner()
    env = {"WATCHKEEPER_HOME": str(tmp_path / "home"), "WATCHKEEPER_ORG": "analyst"}

    def invoke(*args: str, code: int = 0) -> Any:
        result = runner.invoke(app, list(args), env=env)
        assert result.exit_code == code, result.output + result.stderr
        return result

    invoke("import", "un-xml", str(UN_XML))
    return invoke


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_screen_writes_hits_with_list_ids_and_explanations(
    run: Callable[..., Any], tmp_path: Path
) -> None:
    src = tmp_path / "in.csv"
    src.write_text(
        HEADER
        + "c1,리병철,Person,,,,\n"
        + "c2,Korea Ryonbong General Corporation,Company,,,,\n"
        + "c3,Jane Smith,Person,,,,\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    result = run("screen", str(src), "-o", str(out))
    assert "3 queries screened" in result.stdout
    found = rows(out)
    assert list(found[0]) == [
        "query_id", "entity_id", "caption", "score", "match", "datasets", "list_ids", "explanation",
    ]  # fmt: skip
    by_query: dict[str, list[dict[str, str]]] = {}
    for row in found:
        by_query.setdefault(row["query_id"], []).append(row)
    top = by_query["c1"][0]
    assert top["match"] == "true" and top["list_ids"] == "UN:KPi.076"
    assert "Korean syllables" in top["explanation"]
    assert by_query["c2"][0]["list_ids"] == "UN:KPe.002"
    assert by_query["c3"] == [
        {"query_id": "c3", "entity_id": "", "caption": "", "score": "", "match": "false",
         "datasets": "", "list_ids": "", "explanation": "no candidate"}
    ]  # fmt: skip


def test_bad_rows_go_to_the_errors_file_and_the_batch_goes_on(
    run: Callable[..., Any], tmp_path: Path
) -> None:
    src = tmp_path / "in.csv"
    big = "A" * (10 * 1024 * 1024)
    with src.open("wb") as fh:
        fh.write(HEADER.encode())
        fh.write(b"ok1,RI PYONG CHUL,Person,,,,\n")
        fh.write(b"bad1,Someone,Spaceship,,,,\n")
        fh.write(b"bad2,,Person,,,,\n")
        fh.write(f"bad3,{big},Person,,,,\n".encode())
        fh.write(b"bad4,\xff\xfe broken,Person,,,,\n")
        fh.write(b"bad5,too,few\n")
        fh.write(b"bad6,too,many,,,,,,extra\n")
        fh.write(b'bad7,"!!! ???",Person,,,,\n')
        fh.write(b"ok2,,Vessel,,,,imo:8660313\n")
    out, errors = tmp_path / "out.csv", tmp_path / "errors.csv"
    result = run("screen", str(src), "-o", str(out), "--errors", str(errors), "--json")
    summary = json.loads(result.stdout)
    assert (summary["queries"], summary["errors"]) == (2, 7)
    refused = {r["query_id"]: r["reason"] for r in rows(errors)}
    assert set(refused) == {"bad1", "bad2", "bad3", "bad4", "bad5", "bad6", "bad7"}
    assert refused["bad7"] == "the name has no letters or digits to match on"
    assert "unknown schema 'Spaceship'" in refused["bad1"]
    assert refused["bad2"] == "empty name and no identifiers"
    assert "characters (limit 2,000)" in refused["bad3"]
    assert refused["bad4"] == "column name is not valid UTF-8"
    assert refused["bad5"] == "3 cells where the header has 7"
    assert {r["query_id"] for r in rows(out)} == {"ok1", "ok2"}
    assert all(len(v) < 200 for v in refused.values())


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("id,name\n", "missing column(s) schema"),
        ("id,name,schema,nickname\n", "unknown column(s) nickname"),
        ("", "the file is empty"),
    ],
)
def test_a_bad_header_stops_before_writing(
    run: Callable[..., Any], tmp_path: Path, header: str, reason: str
) -> None:
    src = tmp_path / "in.csv"
    src.write_text(header + "a,b,Person\n" if header else "", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = run("screen", str(src), "-o", str(out), code=2)
    assert reason in result.stderr and str(src) in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2  # one line, maybe soft-wrapped
    assert not out.exists()


def test_parallel_workers_give_the_same_rows(run: Callable[..., Any], tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    root = ET.parse(UN_XML).getroot()
    names = [
        " ".join(filter(None, (i.findtext("FIRST_NAME"), i.findtext("SECOND_NAME"))))
        for i in root.iter("INDIVIDUAL")
    ][:300]
    src = tmp_path / "in.csv"
    src.write_text(
        HEADER + "".join(f"q{i},{n},Person,,,,\n" for i, n in enumerate(names)), encoding="utf-8"
    )
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    run("screen", str(src), "-o", str(one))
    run("screen", str(src), "-o", str(two), "--workers", "2")
    assert one.read_text(encoding="utf-8") == two.read_text(encoding="utf-8")
    assert sum(r["match"] == "true" for r in rows(one)) >= 290


def test_review_commands(run: Callable[..., Any], tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text(HEADER + "cust-1,RI PYONG CHUL,Person,,,,\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    run("screen", str(src), "-o", str(out))
    hit = rows(out)[0]["entity_id"]
    run(
        "review",
        "dismiss",
        "cust-1",
        hit,
        "--reason",
        "different person, DOB 1990",
        "--by",
        "alice",
        "--name",
        "RI PYONG CHUL",
    )
    assert "dismissed" in run("review", "list").stdout
    run("screen", str(src), "-o", str(out))
    # still raised, with the decision, which holds for this record of the file
    (again,) = [r for r in rows(out) if r["entity_id"] == hit]
    assert "review: dismissed by alice" in again["explanation"]
    assert "(same record, candidate unchanged)" in again["explanation"]
    # the same id with another birth date is another record
    src.write_text(HEADER + "cust-1,RI PYONG CHUL,Person,,1990,,\n", encoding="utf-8")
    run("screen", str(src), "-o", str(out))
    other = [r for r in rows(out) if r["entity_id"] == hit]
    assert not other or "another record with this id" in other[0]["explanation"]
    run("review", "confirm", "cust-1", "nope", "--reason", "x", "--by", "alice", code=2)
    # the decision replays: on the same release, the same score and explanation
    replayed = json.loads(run("review", "replay", "1", "--json").stdout)
    assert replayed["same_score"] and replayed["same_explanation"] and replayed["same_release"]
    assert replayed["same_config"]


def test_an_import_updates_the_index_rather_than_rebuilding_it(
    run: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second import changes one entity of ~900: the saved index is updated for it."""
    from watchkeeper.screening import index as index_module

    def no_rebuild(store: Any) -> Any:
        raise AssertionError("the index was rebuilt in full")

    monkeypatch.setattr(index_module, "build", no_rebuild)
    watchlist = tmp_path / "watchlist.json"
    entity = {"id": "wl_1", "schema": "Vessel", "properties": {"name": ["SONG HAE 7"]}}
    watchlist.write_text(json.dumps(entity) + "\n", encoding="utf-8")
    result = run("import", "ftm", str(watchlist), "--dataset", "watchlist", "--partial")
    assert "screening index" in result.stderr
    src = tmp_path / "in.csv"
    src.write_text(HEADER + "q1,Songhae 7,Vessel,,,,\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    run("screen", str(src), "-o", str(out))
    assert rows(out)[0]["entity_id"] == "wl_1"


def test_detections_stored_as_events_update_the_index(
    run: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`ais detect --link` writes events (no matchable entity): the saved index follows
    the store's version without a rebuild, so the next screening does not rebuild it."""
    from watchkeeper.screening import index as index_module
    from watchkeeper.store import open_store

    run("ais", "simulate", str(tmp_path / "sim"), "--vessels", "2", "--days", "2")
    run("ais", "import", str(tmp_path / "sim" / "positions.parquet"))

    def no_rebuild(store: Any) -> Any:
        raise AssertionError("the index was rebuilt in full")

    monkeypatch.setattr(index_module, "build", no_rebuild)
    result = run("ais", "detect", "--link")
    assert "stored as events" in result.stderr
    store = open_store(f"sqlite:///{tmp_path / 'home' / 'watchkeeper.db'}")
    try:
        saved = index_module.Index.load(index_module.index_path(tmp_path / "home" / "cache"))
        assert saved is not None and saved.version == store.version()
    finally:
        store.close()


def test_the_index_count_after_an_import_is_what_the_workspace_may_see(
    run: Callable[..., Any], tmp_path: Path
) -> None:
    import re

    from tests.helpers import entity, source, write
    from watchkeeper.model.marking import TLP, Marking
    from watchkeeper.store import open_store

    def imported(name: str, entity_id: str) -> int:
        path = tmp_path / f"{entity_id}.json"
        body = {"id": entity_id, "schema": "Vessel", "properties": {"name": [name]}}
        path.write_text(json.dumps(body) + "\n", encoding="utf-8")
        result = run("import", "ftm", str(path), "--dataset", entity_id, "--partial")
        found = re.search(r"screening index: ([\d,]+) screenable entities", result.stderr)
        assert found, result.stderr
        return int(found.group(1).replace(",", ""))

    first = imported("SONG HAE 7", "wl_1")
    # an entity only another organisation may see, written straight into the store
    store = open_store(f"sqlite:///{tmp_path / 'home' / 'watchkeeper.db'}")
    secret = Marking(tlp=TLP.AMBER, originator="kr-nis")
    write(store, [(entity("Vessel", "hidden", "notes", name="GHOST"), secret)], source("notes"))
    store.close()
    assert imported("SONG HAE 8", "wl_2") == first + 1


def test_the_demo_updates_a_saved_index_rather_than_rebuilding_it(
    run: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo writes the theater dataset and its detections: a saved index (made by
    the imports of the UN and OFAC lists) follows them, and the next screening finds a
    theater vessel without a rebuild."""
    from watchkeeper.screening import index as index_module

    run("import", "ofac-csv", str(OFAC_CSV), "--release-date", "2024-05-03")

    def no_rebuild(store: Any) -> Any:
        raise AssertionError("the index was rebuilt in full")

    monkeypatch.setattr(index_module, "build", no_rebuild)
    run("demo")
    src = tmp_path / "in.csv"
    src.write_text(HEADER + "q1,Angara,Vessel,,,,\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    run("screen", str(src), "-o", str(out))
    # the theater's ANGARA (the demo's shuttle): one entity with OFAC's own listing of
    # the ship, which carries the same list id (the demo links them; issue 25)
    found = {r["entity_id"]: r for r in rows(out)}
    angara = [r for r in found.values() if "wk-vessel-angara" in r["explanation"]]
    assert angara and "wk_theater" in angara[0]["datasets"], found


def test_a_csv_saved_by_excel_with_a_byte_order_mark_is_read(
    run: Callable[..., Any], tmp_path: Path
) -> None:
    """Excel's "CSV UTF-8" starts the file with a byte-order mark; it is no part of the
    first column's name."""
    src = tmp_path / "excel.csv"
    src.write_bytes("\ufeffid,name,schema\r\nc1,리병철,Person\r\n".encode())
    out = tmp_path / "out.csv"
    result = run("screen", str(src), "-o", str(out))
    assert "1 queries screened" in result.stdout
    assert rows(out)[0]["list_ids"] == "UN:KPi.076"


def test_off_a_terminal_progress_is_a_periodic_line_on_stderr(
    run: Callable[..., Any], tmp_path: Path
) -> None:
    src = tmp_path / "in.csv"
    src.write_text(
        HEADER + "".join(f"c{i},Kim Yong Chol {i},Person,,,,\n" for i in range(6)),
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    result = run("screen", str(src), "-o", str(out), "--progress-every", "0.000001")
    lines = [line for line in result.stderr.splitlines() if line.startswith("screen in.csv:")]
    assert lines, result.stderr
    assert re.fullmatch(
        r"screen in\.csv: [\d,]+ queries, \d+% of the file, [\d,]+ queries/s, about "
        r"\d+:\d\d:\d\d left",
        lines[-1],
    ), lines[-1]
    assert lines[-1].startswith("screen in.csv: 6 queries, 100% of the file")
    # and none when asked for none
    quiet = run("screen", str(src), "-o", str(out), "--progress-every", "0")
    assert "queries/s" not in quiet.stderr


def test_the_user_chooses_how_han_characters_are_read(
    run: Callable[..., Any], tmp_path: Path
) -> None:
    """李炳哲 is RI Pyong Chol read in Korean, LI Bingzhe in Chinese: by the row's country,
    or for every row by --han."""
    src = tmp_path / "in.csv"
    src.write_text(HEADER + "c1,李炳哲,Person,,,,\nc2,李炳哲,Person,kp,,,\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    run("screen", str(src), "-o", str(out))
    found = {r["query_id"]: r for r in rows(out) if r["match"] == "true"}
    assert set(found) == {"c2"} and found["c2"]["list_ids"] == "UN:KPi.076"
    run("screen", str(src), "-o", str(out), "--han", "korean")
    assert {r["query_id"] for r in rows(out) if r["match"] == "true"} == {"c1", "c2"}
    run("screen", str(src), "-o", str(out), "--han", "chinese")
    assert not [r for r in rows(out) if r["match"] == "true"]
    assert "unknown reading" in run("screen", str(src), "-o", str(out), "--han", "x", code=2).stderr
