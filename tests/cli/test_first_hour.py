"""What a new user meets in the first hour (issue 11): one-line errors with exit status
2, never a traceback; counts that agree; search as users type."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from tests.conftest import OFAC_CSV, UN_XML
from watchkeeper.cli import app


@pytest.fixture
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    env = {"WATCHKEEPER_HOME": str(tmp_path / "home"), "WATCHKEEPER_ORG": "analyst"}

    def invoke(*args: str, code: int = 0) -> Result:
        result = runner.invoke(app, list(args), env=env)
        assert result.exit_code == code, result.output + result.stderr
        if code == 2:
            assert "Traceback" not in result.stderr
            assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        return result

    return invoke


def test_a_missing_output_folder_is_one_line(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    queries = tmp_path / "q.csv"
    queries.write_text("id,name,schema\nq1,KIM JONG UN,Person\n", encoding="utf-8")
    result = run("screen", str(queries), "-o", str(tmp_path / "nodir" / "h.csv"), code=2)
    assert "no such folder" in result.stderr
    result = run("export", "ftm", "-o", "/nonexistent/x.json", code=2)
    assert "no such folder '/nonexistent'" in result.stderr
    run("ais", "detect", "-o", str(tmp_path / "nodir" / "e.jsonl"), code=2)


def test_organisations_take_real_country_codes_and_change_on_the_record(run) -> None:  # type: ignore[no-untyped-def]
    assert "not an ISO 3166 alpha-3" in run("org", "add", "x", "--country", "ZZZ", code=2).stderr
    assert "JPN, not JP" in run("org", "add", "x", "--country", "jp", code=2).stderr
    run("org", "add", "jp-mofa", "--country", "jpn")
    again = run("org", "add", "jp-mofa", "--country", "KOR", code=2)
    assert "exists (country JPN)" in again.stderr and "org update" in again.stderr
    run("org", "update", "jp-mofa", "--country", "KOR", code=2)  # no reason
    run("org", "update", "jp-mofa", "--country", "KOR", "--reason", "typo", "--by", "admin")
    listed = json.loads(run("org", "list", "--json").stdout)
    assert listed == [{"name": "jp-mofa", "country": "KOR"}]
    (change,) = json.loads(run("org", "history", "--json").stdout)
    assert change["old_country"] == "JPN" and change["new_country"] == "KOR"
    assert change["decided_by"] == "admin" and change["reason"] == "typo"
    run("import", "un-xml", str(UN_XML), "--marking", "TLP:GREEN | REL TO ZZZ", code=2)


def test_search_as_users_type(run) -> None:  # type: ignore[no-untyped-def]
    run("demo")
    run("import", "un-xml", str(UN_XML))

    def found(text: str) -> list[list[str]]:
        """Each result's records: a list entry and the bundled dataset's record of it
        (the same list id) are one canonical entity (issue 25)."""
        results = json.loads(run("search", text, "--json").stdout)["results"]
        return [r["members"] for r in results]

    for typed in ("kim jong un", "Kim Jong-un", "김정은", "KIM, Jong Un"):
        assert any("wk-person-kim-jong-un" in r for r in found(typed)[:2]), typed
    for typed in ("IMO 9179842", "9179842", "imo9179842"):
        assert "wk-vessel-angara" in found(typed)[0], typed
    assert any("unsc-kpe-001" in r for r in found("KOMID"))
    run("search", "", code=2)
    run("search", "   ", code=2)
    # show takes a name as users type it, and a link reads with its name
    shown = json.loads(run("show", "kim jong un", "--json").stdout)
    assert shown["id"] == "wk-person-kim-jong-un"


def test_counts_printed_agree_with_stats(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    imported = json.loads(run("import", "un-xml", str(UN_XML), "--json").stdout)[0]
    ofac = tmp_path / "sdn.csv"
    shutil.copyfile(OFAC_CSV, ofac)
    imported_ofac = json.loads(
        run("import", "ofac-csv", str(ofac), "--release-date", "2024-05-03", "--json").stdout
    )[0]
    stats = json.loads(run("stats", "--json").stdout)
    assert stats["datasets"] == {
        "un_sc_sanctions": imported["entities"],
        "us_ofac_sdn": imported_ofac["entities"],
    }
    statements = tmp_path / "notes.csv"
    statements.write_text(
        "entity_id,prop,schema,value,dataset\nn1,name,Person,A NOTE,notes\n", encoding="utf-8"
    )
    assert (
        json.loads(run("import", "statements", str(statements), "--json").stdout)[0]["entities"]
        == 1
    )
    text = run("import", "un-xml", str(UN_XML)).stdout
    assert "already imported" in text


def test_an_assumed_release_date_is_said_and_can_be_corrected(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ofac = tmp_path / "sdn.csv"
    shutil.copyfile(OFAC_CSV, ofac)
    os.utime(ofac, (1_767_225_600, 1_767_225_600))  # modified 2026-01-01
    result = run("import", "ofac-csv", str(ofac))
    assert "carries no release date; assumed 2026-01-01" in " ".join(result.stderr.split())
    (source,) = json.loads(run("sources", "list", "--json").stdout)["stored"]
    assert source["date_assumed"] is True
    # a genuinely newer list, dated, is refused as older than the assumed date, with the way out
    newer = tmp_path / "new" / "sdn.csv"
    newer.parent.mkdir()
    newer.write_bytes(ofac.read_bytes().replace(b"ANGARA", b"ANGARA II"))
    refused = run("import", "ofac-csv", str(newer), "--release-date", "2024-06-01", code=2)
    assert "sources redate" in refused.stderr and "assumed" in refused.stderr
    run("sources", "redate", source["id"], "2024-05-03", "--reason", "OFAC publication date")
    run("import", "ofac-csv", str(newer), "--release-date", "2024-06-01")
    stored = json.loads(run("sources", "list", "--json").stdout)["stored"]
    assert [(s["published"], s["date_assumed"]) for s in stored] == [
        ("2024-05-03", False),
        ("2024-06-01", False),
    ]
    run("sources", "redate", source["id"], "2024-05-04", "--reason", "x", code=2)  # not latest
