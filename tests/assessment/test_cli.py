"""The assessment commands end to end on a real workspace."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from typer.testing import CliRunner

from tests.assessment.helpers import estimate, write_file
from watchkeeper.cli import app
from watchkeeper.store import open_store
from watchkeeper.theater import load_theater

Run = Callable[..., Any]


@pytest.fixture
def run(tmp_path: Path) -> Run:
    runner = CliRunner()
    env = {
        "WATCHKEEPER_HOME": str(tmp_path / "home"),
        "WATCHKEEPER_ORG": "analyst",
        "WATCHKEEPER_COUNTRY": "KOR",
    }

    def invoke(*args: str, code: int = 0) -> Any:
        result = runner.invoke(app, list(args), env=env)
        assert result.exit_code == code, result.output + result.stderr
        return result

    return invoke


def test_load_estimates_futures_and_report(run: Run, tmp_path: Path) -> None:
    run("init")
    store = open_store(f"sqlite:///{tmp_path / 'home' / 'watchkeeper.db'}")
    load_theater(store)  # the theater alone (the demo also simulates AIS traffic)
    store.close()
    loaded = run("assess", "load")
    assert "70 estimates" in loaded.stdout
    assert "already loaded" in run("assess", "load").stdout
    data = json.loads(
        run("assess", "estimates", "--json", "--measure", "artillery_rounds_supplied").stdout
    )
    assert len(data["estimates"]) == 13 and data["conflicts"]
    chart = tmp_path / "shells.svg"
    run("assess", "estimates", "--chart", str(chart))
    assert ElementTree.fromstring(chart.read_text()).tag.endswith("svg")
    # The priors were made on the essay of March 2025: none before (issue 24).
    assert not json.loads(run("assess", "futures", "--json", "--date", "2024-12-31").stdout)[
        "probabilities"
    ]
    futures = json.loads(run("assess", "futures", "--json", "--date", "2025-12-31").stdout)
    assert {p["scenario"] for p in futures["probabilities"]} == {
        "downgrade",
        "persistence",
        "deepening",
    }
    assert all(s["date"] <= "2025-12-31" for s in futures["steps"])
    sectors = json.loads(run("assess", "sectors", "--json", "--period", "2024").stdout)
    assert sectors[0]["events"] >= sectors[-1]["events"] > 0
    caps = json.loads(run("assess", "capabilities", "--json").stdout)
    assert [c["domain"] for c in caps][:3] == ["ground", "air", "air_defence"]
    matrix = json.loads(run("assess", "ach", "--json").stdout)
    assert set(matrix["hypotheses"]) == {"downgrade", "persistence", "deepening"}
    assert "score" not in matrix and sum(len(group) for group in matrix["ranks"]) == 3
    assert all(k["confidence"] in ("low", "moderate", "high") for k in futures["key_judgments"])
    # Models: a conflict with the best-graded estimate, and impossible draws, are said.
    shells = json.loads(
        run("assess", "model", "shells_from_containers", "--draws", "2000", "--json").stdout
    )
    conflicts = [c["estimate"] for c in shells["checks"] if c["conflict"]]
    assert "est-2025-05-29-msmt-rounds-2024" in conflicts
    text = run("assess", "model", "nk_share_of_russian_fire", "--draws", "2000").stdout
    assert "impossible draws" in text and "inconsistent" in " ".join(text.split())
    run("org", "add", "jp-mofa", "--country", "JPN")
    out = tmp_path / "reports"
    result = run("report", "--as", "jp-mofa", "--period", "2024-Q1", "-o", str(out), "--no-pdf")
    html = (out / "report-jp-mofa-2024-Q1.html").read_text()
    assert "jp-mofa (JPN)" in html and "basis" in result.stderr
    assert not (out / "report-jp-mofa-2024-Q1.pdf").exists()


def test_an_analyst_file_and_its_errors(run: Run, tmp_path: Path) -> None:
    run("init")
    path = write_file(tmp_path / "mine.yaml", estimates=[estimate("e1")])
    assert "1 estimates" in run("assess", "import", str(path)).stdout
    assert "already imported" in run("assess", "import", str(path)).stdout
    bad = write_file(tmp_path / "bad.yaml", estimates=[estimate("e2", bound="range", best=None)])
    result = run("assess", "import", str(bad), code=2)
    assert "bad.yaml: estimates[0] e2: a range needs 'low' and 'high'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "is not a date" in run("report", "--period", "2024-13", code=2).stderr
    assert "ends before it starts" in run("report", "--period", "2025..2024", code=2).stderr
    assert (
        "unknown organisation" in run("report", "--period", "2024", "--as", "nobody", code=2).stderr
    )


def test_models_from_the_command_line(run: Run, tmp_path: Path) -> None:
    first = json.loads(
        run(
            "assess", "model", "shells_from_containers", "--draws", "2000", "--seed", "5", "--json"
        ).stdout
    )
    again = json.loads(
        run(
            "assess", "model", "shells_from_containers", "--draws", "2000", "--seed", "5", "--json"
        ).stdout
    )
    assert first == again and first["closed_form"]["mean"] > 0
    assert all(a["reason"] for a in first["assumptions"])
    chart = tmp_path / "troops.svg"
    text = run("assess", "model", "troop_rotations", "--draws", "500", "--chart", str(chart)).stdout
    assert "Assumptions" in text and ElementTree.fromstring(chart.read_text()) is not None
    override = tmp_path / "a.yaml"
    override.write_text(
        "models:\n  troop_rotations:\n    assumptions:\n      killed_share: {distribution: uniform, low: 0.5, high: 0.2}\n"
    )
    result = run("assess", "model", "troop_rotations", "--assumptions", str(override), code=2)
    assert "low must not exceed high" in result.stderr
    assert "unknown model" in run("assess", "model", "bananas", code=2).stderr


def test_remark_and_retract_estimates_and_judgments(run: Run, tmp_path: Path) -> None:
    run("init")
    path = write_file(
        tmp_path / "mine.yaml",
        estimates=[estimate("e1"), estimate("e2")],
        questions=[{"id": "q1", "text": "Is it so?"}],
    )
    run("assess", "import", str(path))

    def shown() -> dict[str, str]:
        data = json.loads(run("assess", "estimates", "--json").stdout)
        return {e["key"]: e["marking"] for e in data["estimates"]}

    assert shown() == {"e1": "TLP:CLEAR", "e2": "TLP:CLEAR"}
    row_id = json.loads(run("assess", "estimates", "--json").stdout)["estimates"][0]["id"]
    text = run("assess", "remark", row_id, "--marking", "TLP:RED", "--reason", "asked").stdout
    assert "re-marked 1 estimate or judgment row(s)" in text
    assert shown()["e1"] == "TLP:RED | ORIG analyst"
    text = run("assess", "retract", "e2", "question:q1", "--reason", "wrong", "--by", "Ana").stdout
    assert "retracted 2 estimate or judgment row(s)" in text
    assert set(shown()) == {"e1"}
    audit = json.loads(run("audit", "--json").stdout)
    assert [(a["action"], a["entity_id"], a["reason"]) for a in audit] == [
        ("remark", "estimate:e1", "asked"),
        ("retract", "estimate:e2", "wrong"),
        ("retract", "judgment:question:q1", "wrong"),
    ]
    # Bad input: one line on stderr, nothing changed.
    for args, message in [
        (("assess", "retract", "e1"), "a reason is required"),
        (("assess", "remark", "e1", "--reason", "r"), "the new marking is required"),
        (("assess", "retract", "e2", "--reason", "r"), "no estimate or judgment 'e2'"),
        (("assess", "remark", "e1", "--marking", "TLP:PINK", "--reason", "r"), "unknown TLP"),
    ]:
        result = run(*args, code=2)
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert len(json.loads(run("audit", "--json").stdout)) == 3
