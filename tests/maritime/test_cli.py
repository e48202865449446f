"""The maritime commands as a user runs them: simulate, import everything the simulator
wrote, detect; the hints and one-line errors on the way."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.maritime.test_ingest import PYAIS
from watchkeeper.cli import app
from watchkeeper.maritime.detectors import Detection
from watchkeeper.maritime.evaluate import matches
from watchkeeper.maritime.simulator import read_truth


def _env(tmp_path: Path) -> dict[str, str]:
    return {"WATCHKEEPER_HOME": str(tmp_path / "home")}


def _detections(lines: str) -> list[Detection]:
    from datetime import datetime

    out = []
    for line in lines.splitlines():
        d = json.loads(line)
        out.append(
            Detection(
                d["kind"],
                d["mmsi"],
                datetime.fromisoformat(d["start"]),
                datetime.fromisoformat(d["end"]),
                other_mmsi=d["other_mmsi"],
                area=d["area"],
                details=d["details"],
                evidence=d["evidence"],
            )
        )
    return out


def test_the_simulators_output_imports_and_its_identity_changes_are_found(tmp_path: Path) -> None:
    env = _env(tmp_path)
    runner = CliRunner()
    sim = tmp_path / "sim"
    made = runner.invoke(
        app, ["ais", "simulate", str(sim), "--vessels", "3", "--days", "2"], env=env
    )
    assert made.exit_code == 0, made.output
    files = sorted(str(p) for p in sim.iterdir())  # what `ais import sim/*` is given
    assert [Path(f).name for f in files] == [
        "identities.parquet",
        "positions.parquet",
        "truth.json",
    ]
    result = runner.invoke(app, ["ais", "import", *files, "--json"], env=env)
    assert result.exit_code == 0, result.output
    reports = {Path(r["file"]).name: r for r in json.loads(result.stdout)}
    assert reports["positions.parquet"]["positions"] > 1000
    assert reports["identities.parquet"]["identities"] > 3
    assert reports["truth.json"]["skipped"] and not reports["truth.json"]["error"]
    events = tmp_path / "events.jsonl"
    detected = runner.invoke(app, ["ais", "detect", "--no-link", "-o", str(events)], env=env)
    assert detected.exit_code == 0, detected.output
    found = _detections(events.read_text())
    truth, _ = read_truth(sim / "truth.json")
    changes = [t for t in truth if t["kind"] == "identity_change"]
    assert len(changes) == 2
    assert all(any(matches(d, t) for d in found) for t in changes)


def test_a_file_that_cannot_be_imported_is_one_line_and_exit_2(tmp_path: Path) -> None:
    env = _env(tmp_path)
    runner = CliRunner()
    other = tmp_path / "notes.json"
    other.write_text('{"not": "ais"}')
    folder = tmp_path / "folder"
    folder.mkdir()
    result = runner.invoke(app, ["ais", "import", str(other), str(folder)], env=env)
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 2 and "Traceback" not in result.output
    assert "a JSON file, not AIS data" in lines[0] and "a folder, not a file" in lines[1]


def test_nmea_without_times_points_to_assume_time(tmp_path: Path) -> None:
    env = _env(tmp_path)
    result = CliRunner().invoke(app, ["ais", "import", str(PYAIS)], env=env)
    assert "0 positions" in result.stdout
    assert "--assume-time" in result.stdout
    dated = CliRunner().invoke(
        app, ["ais", "import", str(PYAIS), "--assume-time", "2021-01-02T00:00:00"], env=env
    )
    assert dated.exit_code == 0 and "--assume-time" not in dated.stdout
