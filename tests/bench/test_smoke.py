"""`make bench-smoke` (every benchmark section on tiny inputs) runs through, so that no
benchmark stops working unseen; and the pieces the benchmarks' fairness rests on."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bench.maritime.run import agreement
from bench.screening.split import HELD_OUT, TUNING, checks, names_of, part

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.bench
def test_every_bench_section_runs_on_tiny_inputs() -> None:
    if shutil.which("make") is None:
        pytest.fail("make is missing: the smoke run is `make bench-smoke`")
    venv = Path(sys.executable).parent.parent
    # -o: the project's virtualenv is the one running this test; never reinstall it here.
    done = subprocess.run(
        ["make", "-o", str(venv / ".installed-stamp"), "bench-smoke", f"VENV={venv}"],
        cwd=ROOT, capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    for section in ("import", "api", "assessment", "maritime", "screening", "web"):
        assert f"passed  {section} " in done.stdout, done.stdout


def test_the_held_out_split_is_fixed() -> None:
    # The split decides what a rule may be tuned on: it must never move. These are the
    # parts every later run must give (SHA-256 of the folded group key).
    assert part("Angela Merkel") == part("  ANGELA   merkel ") == HELD_OUT
    keys = ("Olaf Scholz", "Xi Jinping", "Siemens AG", "KPi.001", "Vladimir Putin")
    assert [part(k) for k in keys] == [TUNING, TUNING, HELD_OUT, HELD_OUT, TUNING]
    rows = checks()
    assert len(rows) == 228
    held_out = [r for r in rows if r["part"] == HELD_OUT]
    tuning = [r for r in rows if r["part"] == TUNING]
    assert (len(tuning), len(held_out)) == (127, 101)
    # every variant of one candidate name lands in one part
    by_candidate: dict[str, set[str]] = {}
    for r in rows:
        by_candidate.setdefault(names_of(r["candidate"])[0].casefold(), set()).add(r["part"])
    assert all(len(parts) == 1 for parts in by_candidate.values())


def test_maritime_outputs_are_matched_by_vessel_and_overlapping_time() -> None:
    ours = [(1, 0.0, 100.0), (1, 500.0, 600.0), (2, 0.0, 50.0)]
    theirs = [(1, 90.0, 200.0), (2, 60.0, 70.0), (3, 0.0, 10.0)]
    found = agreement(ours, theirs)
    assert found["ours_also_in_movingpandas"] == 1  # vessel 1's first span only
    assert found["movingpandas_also_in_ours"] == 1
    assert (found["precision"], found["recall"]) == (round(1 / 3, 3), round(1 / 3, 3))
    assert found["same_vessel_same_times"] == 0
    assert agreement(ours, ours)["same_vessel_same_times"] == 3
