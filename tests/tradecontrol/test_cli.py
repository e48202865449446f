"""`watchkeeper goods screen` end to end on a workspace holding the real UN list, and
on a hostile shipments corpus (issue 28)."""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.conftest import UN_XML
from watchkeeper.cli import app
from watchkeeper.exports.cells import original


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


def test_goods_parties_and_routes_are_flagged_with_their_reasons(
    run: Callable[..., Any], tmp_path: Path
) -> None:
    src = tmp_path / "shipments.csv"
    src.write_text(
        "id,description,hs_code,quantity,value,currency,origin,destination,shipper,consignee,notify_party,vessel\n"
        "s1,Микросхемы памяти,,1000,25000,USD,CN,Kazakhstan,Shenzhen Trading Ltd,Alfa LLC,,\n"
        "s2,oak dining table,9403.60,2,900,EUR,DE,France,Möbel GmbH,"
        "Ocean Maritime Management Company Limited,,\n"
        "s3,tantalum capacitors,8532.22,500,1200,USD,US,United Arab Emirates,,,,\n"
        "s4,frozen pollock,0303.89,10,5000,USD,RU,Japan,,,,\n",
        encoding="utf-8",
    )
    out = tmp_path / "flags.csv"
    result = run("goods", "screen", str(src), "-o", str(out))
    assert "4 lines screened: 3 flagged" in result.stdout
    found = {r["id"]: r for r in rows(out)}
    s1 = found["s1"]
    assert (s1["hs6"], s1["chpl_tier"], s1["basis"]) == ("854232", "1", "description")
    assert s1["matched_words"] == "микросхемы памяти" and "HS 8542.32" in s1["rule"]
    assert "FinCEN and BIS joint alert" in s1["route"] and "diversion point" in s1["flag"]
    s2 = found["s2"]
    assert s2["chpl_tier"] == "" and "listed party" in s2["flag"]
    assert "consignee 'Ocean Maritime Management Company Limited'" in s2["parties"]
    assert "UN:KPe." in s2["parties"]  # the list's own id, and the screening explanation
    s3 = found["s3"]
    assert s3["chpl_tier"] == "2" and "mismatch" in s3["flag"] and "off the list" in s3["mismatch"]
    assert found["s4"]["flag"] == ""
    assert all(r["data_version"].startswith("chpl 2024-02-23") for r in found.values())


def test_a_hostile_corpus_is_screened_row_by_row_and_nothing_is_lost(
    run: Callable[..., Any], tmp_path: Path
) -> None:
    src = tmp_path / "hostile.csv"
    lines = [
        b"id;description;hs_code;quantity;destination;shipper",
        b'h1;=HYPERLINK("http://x");8542.31;1;RU;@SUM(A1)',
        b"h2;" + "Микросхемы".encode("cp1251") + b";;1;;",  # not UTF-8
        b"h3;" + b"x" * 1_000_000 + b";8542;1;;",  # a 1 MB description
        b"h4;bearings\x00;8482.10;1;;",  # a NUL byte
        b"h5;ball bearings;8482.10;many;;",  # quantity not a number
        b"h6;too;many;cells;;;;",
        b";no id;8542;1;;",
        b"h8;;;1;;",  # neither description nor code
        b"h9;+ball bearings;;2;Kyrgyzstan;-cmd",
    ]
    src.write_bytes(codecs.BOM_UTF8 + b"\r\n".join(lines) + b"\r\n")
    out, errors = tmp_path / "flags.csv", tmp_path / "errors.csv"
    result = run(
        "goods", "screen", str(src), "-o", str(out), "--errors", str(errors), "--no-parties", "--json"
    )  # fmt: skip
    summary = json.loads(result.stdout)
    assert (summary["lines"], summary["errors"], summary["chpl"]) == (2, 7, 2)
    screened = rows(out)
    assert [r["id"] for r in screened] == ["h1", "h9"]
    h1 = screened[0]
    assert (
        h1["description"].startswith("'=")
        and original(h1["description"]) == '=HYPERLINK("http://x")'
    )
    assert screened[1]["description"] == "'+ball bearings" and screened[1]["chpl_tier"] == "3.B"
    refused = rows(errors)
    assert [(r["line"], r["id"]) for r in refused] == [
        ("3", "h2"), ("4", "h3"), ("5", "h4"), ("6", "h5"), ("7", "h6"), ("8", ""), ("9", "h8"),
    ]  # fmt: skip
    reasons = [r["reason"] for r in refused]
    assert reasons[0] == "column description is not valid UTF-8"
    assert reasons[1] == "column description is 1,000,000 characters (limit 4,000)"
    assert reasons[2] == "column description holds a NUL byte"
    assert reasons[3] == "quantity 'many' is not a number"
    assert reasons[4] == "8 cells where the header has 6"
    assert all(r["file"] == str(src) and "\n" not in r["reason"] for r in refused)
    assert len(screened) + len(refused) == len(lines) - 1  # every row accounted for


def test_utf16_with_its_mark_is_read(run: Callable[..., Any], tmp_path: Path) -> None:
    src = tmp_path / "excel.csv"
    src.write_bytes("id,description\nu1,집적회로\n".encode("utf-16"))
    out = tmp_path / "flags.csv"
    run("goods", "screen", str(src), "-o", str(out), "--no-parties")
    assert rows(out)[0]["hs6"] == "854239"


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("", "the file is empty"),
        ("id,description,colour", "unknown column(s) colour"),
        ("description,hs_code", "no id column"),
        ("id,quantity", "neither a description nor an hs_code column"),
    ],
)
def test_a_bad_header_stops_before_anything_is_written(
    run: Callable[..., Any], tmp_path: Path, header: str, message: str
) -> None:
    src = tmp_path / "bad.csv"
    src.write_text(header + ("\n" if header else ""), encoding="utf-8")
    out = tmp_path / "flags.csv"
    result = run("goods", "screen", str(src), "-o", str(out), code=2)
    assert message in result.stderr and str(src) in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2
    assert not out.exists()


def test_rules_command_lists_the_tiers_and_sources(run: Callable[..., Any]) -> None:
    result = run("goods", "rules")
    assert "tier 1: 854231, 854232, 854233, 854239" in result.stdout
    assert "FinCEN and BIS joint alert" in result.stdout


def test_decisions_are_bound_to_the_line_and_the_data_version(
    run: Callable[..., Any], tmp_path: Path
) -> None:
    src = tmp_path / "shipments.csv"
    src.write_text(
        "id,description,hs_code,destination\nd1,ball bearings,,Armenia\n", encoding="utf-8"
    )
    run(
        "goods", "decide", str(src), "d1", "clear", "--reason", "licence GB-123 seen", "--by", "kim"
    )
    out = tmp_path / "flags.csv"
    run("goods", "screen", str(src), "-o", str(out), "--no-parties")
    decision = rows(out)[0]["decision"]
    assert (
        decision.startswith("clear by kim on ")
        and "licence GB-123 seen (same line, same data)" in decision
    )
    # the same id with another description: the decision does not hold
    src.write_text(
        "id,description,hs_code,destination\nd1,tapered roller bearings,,Armenia\n",
        encoding="utf-8",
    )
    run("goods", "screen", str(src), "-o", str(out), "--no-parties")
    assert rows(out)[0]["decision"].endswith("(another line with this id)")
    # kept with the finding and the data version; another organisation sees none of it
    log = json.loads(run("goods", "decisions", "--json").stdout)
    assert [(d["line_id"], d["decision"]) for d in log] == [("d1", "clear")]
    assert "CHPL tier 3.B" in log[0]["finding"] and "Armenia" not in log[0]["finding"].split("|")[0]
    assert log[0]["data_version"].startswith("chpl 2024-02-23")
    run("org", "add", "other", "--country", "GBR")
    assert json.loads(run("goods", "decisions", "--json", "--as", "other").stdout) == []
    run("goods", "decide", str(src), "d9", "clear", "--reason", "x", "--by", "kim", code=2)
    run("goods", "decide", str(src), "d1", "maybe", "--reason", "x", "--by", "kim", code=2)


def test_a_decision_on_other_data_is_shown_as_such() -> None:
    from watchkeeper.tradecontrol.decisions import DATA_CHANGED, HOLDS, line_hash, standing
    from watchkeeper.tradecontrol.shipments import ShipmentLine

    line = ShipmentLine(2, "d1", "ball bearings")
    row = {"id": 1, "line_id": "d1", "line_hash": line_hash(line), "decision": "clear",
           "data_version": "v1", "decided_by": "kim", "decided_at": "2026-12-08T01:00:00+00:00",
           "reason": "ok"}  # fmt: skip
    assert standing([row], line, "v1").standing == HOLDS  # type: ignore[union-attr]
    assert standing([row], line, "v2").standing == DATA_CHANGED  # type: ignore[union-attr]
    moved = ShipmentLine(9, "d1", "ball bearings")  # the same line elsewhere in the file
    assert standing([row], moved, "v1").standing == HOLDS  # type: ignore[union-attr]
