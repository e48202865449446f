"""`make bench-smoke`: every benchmark section on tiny inputs, to show that each still runs.

The convention (bench/README.md, "Smoke runs"): a section is a folder ``bench/<name>/``
with a ``run.py``, plus the import benchmark ``bench/run.py`` (section ``import``). Each
entry point accepts ``--smoke``: the same steps as a real run on a few items, finishing in
well under a minute on a quiet machine, its results written under
``$TMPDIR/watchkeeper-bench-smoke/`` (never over the recorded ones in the tree), exit status
0 when every step ran. Sections are found by listing ``bench/``; a new one is run as
soon as its folder has a ``run.py``. One whose ``run.py`` does not take ``--smoke`` fails
the smoke run, unless it is named in ``WIRED_LATER`` (said on every run, as a failure
to come).

A section runs with the project's interpreter, unless ``INTERPRETERS`` names another
(the screening benchmark runs inside its own virtualenv, beside nomenklatura).

    python bench/smoke.py [SECTION ...]

Prints one line per section (passed or failed, seconds) and exits 1 if any failed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# Sections whose run.py needs an interpreter other than the project's.
INTERPRETERS = {"screening": BENCH / "screening" / ".venv" / "bin" / "python"}
# Sections other branches are writing as this is written (issue 27): their --smoke is to
# be added when they are merged. Empty this as they are.
WIRED_LATER: set[str] = set()
# The longest one section may take before it is stopped and failed (a hung server).
TIMEOUT_S = 600


def sections() -> dict[str, Path]:
    found = {"import": BENCH / "run.py"}
    for folder in sorted(BENCH.iterdir()):
        if (folder / "run.py").is_file():
            found[folder.name] = folder / "run.py"
    return found


def takes_smoke(script: Path) -> bool:
    return "--smoke" in script.read_text(encoding="utf-8")


def run(name: str, script: Path) -> tuple[bool, float, str]:
    python = INTERPRETERS.get(name, Path(sys.executable))
    if not python.exists():
        return False, 0.0, f"{python} is missing (the section's make target builds it)"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [str(python), str(script), "--smoke"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT_S, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return False, time.perf_counter() - started, f"no end after {TIMEOUT_S} s"
    seconds = time.perf_counter() - started
    if done.returncode:
        return False, seconds, (done.stderr or done.stdout)[-3000:]
    return True, seconds, ""


def main() -> int:
    wanted = sys.argv[1:]
    found = sections()
    unknown = [w for w in wanted if w not in found]
    if unknown:
        print(f"no bench section {', '.join(unknown)}; there are {', '.join(found)}")
        return 2
    failed = []
    started = time.perf_counter()
    for name, script in found.items():
        if wanted and name not in wanted:
            continue
        if not takes_smoke(script):
            if name in WIRED_LATER:
                print(
                    f"SKIPPED {name}: its run.py takes no --smoke yet (bench/smoke.py WIRED_LATER)"
                )
                continue
            failed.append(name)
            print(f"FAILED  {name}: {script.relative_to(ROOT)} takes no --smoke")
            continue
        ok, seconds, why = run(name, script)
        print(f"{'passed' if ok else 'FAILED'}  {name} ({seconds:.0f} s)", flush=True)
        if not ok:
            failed.append(name)
            print("   " + why.replace("\n", "\n   "))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{time.perf_counter() - started:.0f} s in all; load average at the end {load}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
