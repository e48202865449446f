"""Maritime benchmark, one command: `make bench-maritime` (BENCH_ARGS=--full adds the
100 M runs; --quick stops after quality and ingest). Results go to results/maritime.json
and are summarised in README.md.

- Quality, before and after (quality.py; "before" is the code of BASELINE, taken with
  `git archive` and run on PYTHONPATH): anomaly alerts per 1,000 vessel-days on the real
  samples and on the simulator's background traffic (50 ships, 10 days).
- Ingest: raw files (CSV in NOAA's columns, and Parquet; one file per day) into an empty
  dataset, positions per second at 10 M (beside the code before) and 100 M; with --full,
  100 M positions from raw CSV files to events.
- Detectors: each DuckDB step timed on one in-memory table at 1 M and 10 M (or
  `--positions N,...`), MovingPandas on the same 1 M positions (in its own virtualenv,
  mpd.py), its gaps and stops matched against our gaps, port calls and loitering
  (``compare_outputs``), and `detect` end to end at 10 M and 100 M.
- `--smoke` (make bench-smoke): every section on SMOKE_POSITIONS positions, quality
  without the "before" code, results in a temporary folder.

The positions are generated with numpy and written straight into the day-partitioned
dataset (the simulator in the package writes Python objects and is for scenarios, not
volume): vessels steam at 8-14 kn reporting every 3 minutes, a fifth of them drift at
anchor-like speeds for hours, one in twenty lies at a watched port, a tenth go dark
for 13-30 hours once, and 19 % of vessel-days carry one damaged position far off the
track (the Solent sample's rate), so the jump and track-splitting steps do real work.
"""

from __future__ import annotations

import json
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from watchkeeper.maritime import detectors as det
from watchkeeper.maritime.areas import theater_ports
from watchkeeper.maritime.dataset import AisDataset
from watchkeeper.maritime.engines import DuckDBEngine
from watchkeeper.maritime.ingest import ingest_file
from watchkeeper.maritime.records import POSITION_SCHEMA
from watchkeeper.maritime.thresholds import Thresholds

START = datetime(2024, 3, 1, tzinfo=UTC)
# `--smoke` (make bench-smoke): every section on this many positions, results in a
# temporary folder.
SMOKE_POSITIONS = 12_000
# The Solent sample (../shared/data/ais) holds one damaged position among 91 vessels in
# 84 minutes: about 0.19 per vessel-day.
NOISY_SHARE = 0.19
EVERY_S = 180
DAYS = 5


def generate(total: int, folder: Path, seed: int = 7) -> None:
    """``total`` positions over DAYS days, written one day at a time (bounded memory)."""
    for day, table in daily_tables(total, seed):
        part = folder / "positions" / f"day={day}"
        part.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, part / "part-bench.parquet")


def daily_tables(total: int, seed: int = 7) -> Iterator[tuple[str, pa.Table]]:
    """The generated positions, one table per day."""
    rng = np.random.default_rng(seed)
    per_day = 86400 // EVERY_S
    vessels = max(1, total // (per_day * DAYS))
    lat0 = rng.uniform(36, 44, vessels)
    lon0 = rng.uniform(129.5, 139, vessels)
    heading = rng.uniform(0, 2 * np.pi, vessels)
    knots = rng.uniform(8, 14, vessels)
    slow = rng.random(vessels) < 0.2
    ports = theater_ports()
    in_port = rng.random(vessels) < 0.05  # lie at a watched port the whole time
    which = rng.integers(0, len(ports), vessels)
    dark_day = np.where(rng.random(vessels) < 0.1, rng.integers(1, DAYS - 1, vessels), -1)
    mmsi = 440_000_000 + np.arange(vessels)
    travelled = np.zeros(vessels)  # carried from day to day so tracks stay continuous
    for day in range(DAYS):
        steps = np.arange(day * per_day, (day + 1) * per_day)
        t = START.timestamp() + steps[None, :] * EVERY_S + rng.integers(0, 30, (vessels, per_day))
        speed = np.where(slow[:, None] & (steps[None, :] % 400 < 120), 0.15, knots[:, None])
        speed = np.where(in_port[:, None], 0.05, speed)
        km = speed * 1.852 * EVERY_S / 3600
        dist = np.cumsum(km, axis=1) + travelled[:, None]
        travelled = dist[:, -1]
        # A triangle wave keeps tracks inside the sea area without teleporting at the edge.
        lat = lat0[:, None] + np.abs((np.cos(heading)[:, None] * dist / 111.0) % 8 - 4) - 2
        lon = lon0[:, None] + np.abs((np.sin(heading)[:, None] * dist / 90.0) % 9 - 4.5) - 2.25
        port_lat = np.array([ports[i].lat for i in which])[:, None] + dist * 0
        port_lon = np.array([ports[i].lon for i in which])[:, None] + dist * 0
        lat = np.where(in_port[:, None], port_lat + (dist % 0.5) / 111, lat)
        lon = np.where(in_port[:, None], port_lon, lon)
        # Damaged messages, as real feeds carry them: one position 3 degrees off its track
        # on NOISY_SHARE of vessel-days (lat or lon digits garbled), which the detectors
        # must see as jumps and turn into (low-ranked) spoofing episodes.
        damaged = np.flatnonzero(rng.random(vessels) < NOISY_SHARE)
        at = rng.integers(0, per_day, damaged.size)
        lat[damaged, at] = np.clip(lat[damaged, at] + 3.0, -89.0, 89.0)
        keep = ~((dark_day[:, None] == day) & (steps[None, :] % per_day > per_day // 3))
        table = pa.table(
            {
                "mmsi": np.repeat(mmsi, per_day)[keep.ravel()],
                "ts": pa.array(
                    (t.ravel()[keep.ravel()] * 1000).astype("int64"), pa.timestamp("ms", tz="UTC")
                ),
                "lat": lat.ravel()[keep.ravel()],
                "lon": lon.ravel()[keep.ravel()],
                "sog": speed.ravel()[keep.ravel()].astype("float32"),
                "cog": np.zeros(keep.sum(), "float32"),
                "heading": pa.nulls(int(keep.sum()), pa.float32()),
                "source": pa.array(["bench"] * int(keep.sum())),
                "reports": pa.array(np.ones(int(keep.sum()), "int64")),
            },
            schema=POSITION_SCHEMA,
        )
        yield START.date().fromordinal(START.date().toordinal() + day).isoformat(), table


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class ThreadClock:
    """CPU seconds of each thread of this process (DuckDB's workers and the main thread),
    sampled from /proc every 0.1 s while running. On a machine other jobs keep busy, wall
    time says little about what 2 free cores would do; the busiest thread's CPU time does:
    the work cannot finish on any number of cores before that thread has run, and two
    cores need at least half the total. ``free_wall_s`` is the larger of the two (a
    lower bound: waits on the disk are not counted)."""

    def __init__(self) -> None:
        import threading

        self.seen: dict[str, float] = {}
        self.start: dict[str, float] = {}
        self.tick = os.sysconf("SC_CLK_TCK")
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> dict[str, float]:
        out = {}
        for task in Path("/proc/self/task").iterdir():
            try:
                fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the thread ended between listing and reading
            out[task.name] = (int(fields[11]) + int(fields[12])) / self.tick
        return out

    def _run(self) -> None:
        while not self.stop.wait(0.1):
            self.seen.update(self._sample())

    def __enter__(self) -> ThreadClock:
        self.start = self._sample()
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join()
        self.seen.update(self._sample())

    def busiest_s(self) -> float:
        return max((cpu - self.start.get(tid, 0.0) for tid, cpu in self.seen.items()), default=0.0)


def rss_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def time_detectors(
    dataset: AisDataset, rows: int, keep: dict[str, list[Any]] | None = None
) -> dict[str, object]:
    """Each DuckDB step timed on one in-memory table; ``keep`` receives each step's
    detections (for the comparison with MovingPandas)."""
    from watchkeeper.maritime.places import gazetteer, place_cells

    engine = DuckDBEngine()
    areas = theater_ports()
    thresholds = Thresholds()
    out: dict[str, object] = {}
    started = time.perf_counter()
    engine.load_areas(areas)
    engine.load_positions(dataset, None)
    engine.load_table("place_cells", place_cells(gazetteer(), (35.0, 45.0, 128.0, 141.0)))
    engine.select_vessels(1, 0)
    engine.table("p", det.prepare_sql(areas))
    prepare = time.perf_counter() - started
    out["prepare (nearest port, speeds)"] = {
        "seconds": round(prepare, 2),
        "positions_per_s": round(rows / prepare),
    }

    def encounters(engine: DuckDBEngine, t: Thresholds, _: object) -> list[det.Detection]:
        engine.table("slow_cells", det._slow_cells_sql(t))
        return det._encounters(engine, t)

    def jumps(engine: DuckDBEngine, t: Thresholds, _: object) -> list[object]:
        return list(det._jumps(engine, t))

    def gaps(engine: DuckDBEngine, t: Thresholds, names: Any) -> list[det.Detection]:
        return det._gaps(engine, t, names, areas)

    steps: list[tuple[str, Any]] = [
        ("gaps", gaps), ("port calls", det._port_calls), ("loitering", det._loitering),
        ("encounters", encounters), ("jumps", jumps),
    ]  # fmt: skip
    for name, step in steps:
        started = time.perf_counter()
        found = step(engine, thresholds, {})
        seconds = time.perf_counter() - started
        if keep is not None:
            keep[name] = list(found)
        out[name] = {
            "seconds": round(seconds, 2),
            "positions_per_s": round(rows / seconds),
            "events": len(found),
        }
    engine.close()
    return out


MPD_PYTHON = Path(__file__).parent / ".venv" / "bin" / "python"


def movingpandas(path: Path) -> dict[str, Any]:
    """MovingPandas (in its own virtualenv, ``mpd.py``) on the positions of ``path``:
    its timings, gaps and stops."""
    out = path.with_suffix(".mpd.json")
    done = subprocess.run(
        [str(MPD_PYTHON), str(Path(__file__).with_name("mpd.py")), str(path), str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"MovingPandas failed: {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(out.read_text())
    return result


Span = tuple[int, float, float]  # mmsi, start, end (Unix seconds)


def _spans(found: list[Any]) -> list[Span]:
    return [(int(d.mmsi), d.start.timestamp(), d.end.timestamp()) for d in found]


def agreement(ours: list[Span], theirs: list[Span]) -> dict[str, Any]:
    """Each side's events found by the other: an event is found when the other side has
    one for the same vessel whose time span overlaps it. Precision is the share of ours
    that MovingPandas also has; recall the share of MovingPandas' that we have (its
    output taken as the reference, which it is not: the two differ by definition where
    noted in the README)."""
    by_vessel: dict[int, list[Span]] = {}
    for span in theirs:
        by_vessel.setdefault(span[0], []).append(span)
    ours_by_vessel: dict[int, list[Span]] = {}
    for span in ours:
        ours_by_vessel.setdefault(span[0], []).append(span)

    def found(span: Span, among: dict[int, list[Span]]) -> bool:
        return any(o[1] <= span[2] and span[1] <= o[2] for o in among.get(span[0], []))

    ours_found = sum(found(span, by_vessel) for span in ours)
    theirs_found = sum(found(span, ours_by_vessel) for span in theirs)
    exact = len(
        {(m, round(a), round(b)) for m, a, b in ours}
        & {(m, round(a), round(b)) for m, a, b in theirs}
    )
    return {
        "ours": len(ours),
        "movingpandas": len(theirs),
        "ours_also_in_movingpandas": ours_found,
        "movingpandas_also_in_ours": theirs_found,
        "same_vessel_same_times": exact,
        "precision": round(ours_found / len(ours), 3) if ours else None,
        "recall": round(theirs_found / len(theirs), 3) if theirs else None,
    }


def compare_outputs(ours: dict[str, list[Any]], theirs: dict[str, Any]) -> dict[str, Any]:
    """Our gaps against MovingPandas' gap cuts; our port calls and loitering against its
    stops (together, and each kind alone)."""
    stops: list[Span] = [(int(m), a, b) for m, a, b, _, _ in theirs["stops"]]
    calls, loitering = _spans(ours["port calls"]), _spans(ours["loitering"])
    return {
        "gaps": agreement(_spans(ours["gaps"]), [(int(m), a, b) for m, a, b in theirs["gaps"]]),
        "stops vs port calls + loitering": agreement(calls + loitering, stops),
        "stops vs port calls": agreement(calls, stops),
        "stops vs loitering": agreement(loitering, stops),
    }


def mpd_speed(theirs: dict[str, Any], ours: dict[str, Any], rows: int) -> dict[str, Any]:
    """MovingPandas' times beside ours on the same positions, as issue 4's table puts
    them: its build + split against our shared prepare step (+ gaps), its stop detection
    against our prepare step + loitering."""
    prepare = float(ours["prepare (nearest port, speeds)"]["seconds"])
    gaps = float(ours["gaps"]["seconds"])
    loiter = float(ours["loitering"]["seconds"])
    split = theirs["trajectories_build_s"] + theirs["gap_splitting_s"]
    return {
        "trajectories build": {"seconds": theirs["trajectories_build_s"]},
        "gap splitting": {
            "seconds": theirs["gap_splitting_s"],
            "positions_per_s": round(rows / max(theirs["gap_splitting_s"], 1e-9)),
            "pieces": theirs["pieces"],
        },
        "stop detection": {
            "seconds": theirs["stop_detection_s"],
            "positions_per_s": round(rows / max(theirs["stop_detection_s"], 1e-9)),
            "stops": len(theirs["stops"]),
        },
        "factor, build + split vs prepare + gaps": round(split / max(prepare + gaps, 1e-9), 1),
        "factor, stops vs prepare + loitering": round(
            theirs["stop_detection_s"] / max(prepare + loiter, 1e-9), 1
        ),
    }


RAW_COLUMNS = ("mmsi", "ts", "lat", "lon", "sog", "cog", "heading")
CSV_HEADER = ("MMSI", "BaseDateTime", "LAT", "LON", "SOG", "COG", "Heading")  # NOAA's names


def raw_files(total: int, folder: Path, kind: str) -> list[Path]:
    """The generated positions as a provider delivers them: one file per day, CSV with
    NOAA MarineCadastre's columns (ISO times) or Parquet."""
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for day, table in daily_tables(total):
        raw = table.select(list(RAW_COLUMNS))
        # Written as providers write them: 5 decimals of a degree, speeds to 0.1 kn.
        for index, digits in ((2, 5), (3, 5), (4, 1), (5, 1)):
            raw = raw.set_column(
                index, raw.schema.names[index], pc.round(raw.column(index), digits)
            )
        if kind == "csv":
            raw = raw.rename_columns(list(CSV_HEADER)).set_column(
                1, "BaseDateTime", pc.strftime(raw.column(1), "%Y-%m-%dT%H:%M:%S")
            )
            path = folder / f"ais-{day}.csv"
            pacsv.write_csv(raw, path, pacsv.WriteOptions(quoting_style="none"))
        else:
            path = folder / f"ais-{day}.parquet"
            pq.write_table(raw, path)
        files.append(path)
    return files


def ingest_run(raw: Path, kind: str, then_detect: bool = False) -> dict[str, object]:
    """The raw files in ``raw`` (written by raw_files) ingested into an empty dataset (and,
    with ``then_detect``, every detector run on it, as `ais import` then `ais detect`);
    in a process of its own, so its peak RSS is this run's. Runs on whichever
    Watchkeeper is importable (the code before too)."""
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        files = sorted(raw.glob(f"ais-*.{kind}"))
        size = sum(f.stat().st_size for f in files)
        dataset = AisDataset(Path(tmp) / "ais")
        load = os.getloadavg()[0]
        cpu = cpu_s()
        started = time.perf_counter()
        positions = 0
        with ThreadClock() as clock:
            for path in files:
                report = ingest_file(dataset, path)
                assert report.error is None, report.error
                positions += report.positions
        seconds = time.perf_counter() - started
        cpu = cpu_s() - cpu
        busiest = clock.busiest_s()
        free_wall = max(cpu / 2, busiest)
        out: dict[str, object] = {
            "format": kind,
            "files": len(files),
            "megabytes": round(size / 1e6),
            "positions": positions,
            "ingest_s": round(seconds, 1),
            "positions_per_s": round(positions / seconds),
            # CPU seconds of this process (DuckDB's threads included): on a machine the
            # other jobs leave alone, 2 cores do this work in about cpu_s / 2.
            "cpu_s": round(cpu, 1),
            "positions_per_cpu_s": round(positions / cpu),
            # The busiest thread's CPU seconds, and the wall time 2 free cores would need
            # at least (ThreadClock): the estimate of the rate on a machine of its own.
            "busiest_thread_cpu_s": round(busiest, 1),
            "positions_per_s_on_2_free_cores": round(positions / free_wall),
            "load_average": [round(load, 1), round(os.getloadavg()[0], 1)],
            "peak_rss_mb_ingest": rss_mb(),
        }
        if then_detect:
            from watchkeeper.maritime.places import known_places

            started = time.perf_counter()
            places, _ = known_places(dataset)
            found = det.detect(dataset, theater_ports(), places=places)
            detect_s = time.perf_counter() - started
            out.update(
                {
                    "detect_s": round(detect_s, 1),
                    "raw_files_to_events_s": round(seconds + detect_s, 1),
                    "events": len(found),
                    "peak_rss_mb": rss_mb(),
                }
            )
        return out


def baseline_src(commit: str, into: Path) -> Path:
    """The code before this change, for the "before" columns: `git archive` of it."""
    archive = subprocess.run(
        ["git", "archive", commit, "src"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    into.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "src"


def in_process(args: list[str], pythonpath: Path | None = None) -> dict[str, Any]:
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    run = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, env=env, check=False
    )
    if run.returncode:
        raise RuntimeError(run.stderr[-2000:])
    result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


ROOT = Path(__file__).resolve().parents[2]
BASELINE = "31acaef"  # the code before issue 13
INGEST_BEFORE = "7b01a14"  # the ingest before the hash-split de-duplication (2026-12-06)
QUALITY = Path(__file__).parent / "quality.py"


def quality(before: Path | None, smoke: bool = False) -> dict[str, object]:
    """Anomaly alerts per 1,000 vessel-days before and after: the real samples and the
    simulator's background ships (50 ships trading for 10 days, as the issue's held-out
    scenario). ``smoke``: after only (``before`` None), 5 ships for 2 days."""
    from watchkeeper.maritime.simulator import scenario

    out: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        sim = Path(tmp) / "sim"
        scenario(
            theater_ports(), seed=7, background=5 if smoke else 50, days=2 if smoke else 10
        ).write(sim)
        runs = [("after", None)] if before is None else [("before", before), ("after", None)]
        for label, path in runs:
            env = dict(os.environ)
            if path is not None:
                env["PYTHONPATH"] = str(path)
            for what, extra in (("samples", []), ("simulation", ["--sim", str(sim)])):
                target = Path(tmp) / f"{label}-{what}.json"
                subprocess.run(
                    [sys.executable, str(QUALITY), what, str(target), *extra],
                    env=env, check=True, capture_output=True,
                )  # fmt: skip
                out[f"{what} {label}"] = json.loads(target.read_text())
    return out


def end_to_end(rows: int) -> dict[str, object]:
    """``rows`` positions, generated, then every detector through ``detect`` as `ais
    detect` runs them (groups of vessels per pass on DuckDB); in its own process, so the
    peak RSS is this run's."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "ais"
        started = time.perf_counter()
        generate(rows, folder)
        dataset = AisDataset(folder)
        actual = dataset.count()
        generated = time.perf_counter() - started
        started = time.perf_counter()
        steps: dict[str, float] = {}
        found = det.detect(dataset, theater_ports(), timings=steps)
        seconds = time.perf_counter() - started
        kinds: dict[str, int] = {}
        for d in found:
            kinds[d.kind] = kinds.get(d.kind, 0) + 1
        return {
            "positions": actual,
            "generate_s": round(generated, 1),
            "detect_s": round(seconds, 1),
            "positions_per_s": round(actual / seconds),
            "passes": math.ceil(actual / (DuckDBEngine.rows_per_pass or actual)),
            "events": kinds,
            "steps": {
                k: {"seconds": round(v, 1), "positions_per_s": round(actual / v) if v else None}
                for k, v in steps.items()
            },
            "peak_rss_mb": rss_mb(),
        }


def main() -> None:
    if "--end-to-end" in sys.argv:
        print(json.dumps(end_to_end(int(sys.argv[sys.argv.index("--end-to-end") + 1]))))
        return
    if "--raw" in sys.argv:
        at = sys.argv.index("--raw")
        raw_files(int(sys.argv[at + 1]), Path(sys.argv[at + 3]), sys.argv[at + 2])
        print(json.dumps({}))
        return
    if "--ingest" in sys.argv:
        at = sys.argv.index("--ingest")
        raw, kind = Path(sys.argv[at + 1]), sys.argv[at + 2]
        print(json.dumps(ingest_run(raw, kind, then_detect="--detect" in sys.argv)))
        return
    full = "--full" in sys.argv
    smoke = "--smoke" in sys.argv
    sections = (
        sys.argv[sys.argv.index("--sections") + 1].split(",")
        if "--sections" in sys.argv
        else ["quality", "ingest", "raw-to-events", "detectors", "end-to-end"]
    )
    results: dict[str, object] = {
        "date": datetime.now(UTC).date().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_average_at_start": os.getloadavg(),
    }
    out = Path(__file__).parent / "results" / "maritime.json"
    if smoke:
        out = Path(tempfile.gettempdir()) / "watchkeeper-bench-smoke" / "maritime.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.exists() and "--sections" in sys.argv
    # A partial run updates the last one; the date and load at the top stay those of the
    # run that wrote the rest, and each entry of this run carries its own.
    this_run = {k: results[k] for k in ("date", "load_average_at_start")}
    if partial:
        results = json.loads(out.read_text())

    def record(key: str, value: object) -> None:
        results[key] = this_run | value if partial and isinstance(value, dict) else value
        print(json.dumps({key: value}, indent=1), flush=True)
        out.write_text(json.dumps(results, indent=2) + "\n")

    with tempfile.TemporaryDirectory() as tmp:
        before = None if smoke else baseline_src(BASELINE, Path(tmp) / "baseline")
        if "quality" in sections:
            record("quality", quality(before, smoke))
        # Ingest, raw files -> dataset, each run in a process of its own, on raw files
        # written once per size and format; at 10 M beside the ingest before this
        # change (INGEST_BEFORE), on the same files.
        ingest_before = None if smoke else baseline_src(INGEST_BEFORE, Path(tmp) / "ingest-before")
        sizes = [SMOKE_POSITIONS if smoke else 10_000_000] * ("ingest" in sections)
        sizes += [100_000_000] * (full and bool({"ingest", "raw-to-events"} & set(sections)))
        for rows in sizes:
            for kind in ("csv", "parquet"):
                if rows == 100_000_000 and "ingest" not in sections and kind != "csv":
                    continue  # raw files to events alone: CSV only
                raw = Path(os.environ.get("BENCH_TMP", tmp)) / f"raw-{rows}-{kind}"
                in_process(["--raw", str(rows), kind, str(raw)])
                if "ingest" in sections:
                    record(f"ingest {kind} {rows:,}", in_process(["--ingest", str(raw), kind]))
                if rows == 10_000_000 and "ingest" in sections and ingest_before:
                    record(
                        f"ingest {kind} {rows:,} before",
                        in_process(["--ingest", str(raw), kind], pythonpath=ingest_before),
                    )
                if rows == 100_000_000 and kind == "csv" and "raw-to-events" in sections:
                    record(
                        "raw CSV files to events 100,000,000",
                        in_process(["--ingest", str(raw), kind, "--detect"]),
                    )
                shutil.rmtree(raw)
    if "--quick" in sys.argv:
        return
    with tempfile.TemporaryDirectory() as tmp:
        sizes = [SMOKE_POSITIONS] if smoke else [1_000_000, 10_000_000]
        if "--positions" in sys.argv:  # e.g. --sections detectors --positions 250000
            sizes = [int(v) for v in sys.argv[sys.argv.index("--positions") + 1].split(",")]
        for rows in sizes * ("detectors" in sections):
            folder = Path(tmp) / f"ais-{rows}"
            started = time.perf_counter()
            generate(rows, folder)
            dataset = AisDataset(folder)
            actual = dataset.count()
            entry: dict[str, object] = {
                "positions": actual,
                "generate_s": round(time.perf_counter() - started, 1),
            }
            kept: dict[str, list[Any]] = {}
            entry["detectors (duckdb)"] = time_detectors(dataset, actual, kept)
            entry["peak_rss_mb"] = rss_mb()
            if rows == sizes[0]:
                one_file = Path(tmp) / "positions.parquet"
                files = sorted(str(f) for f in folder.glob("positions/day=*/*.parquet"))
                pq.write_table(pa.concat_tables([pq.read_table(f) for f in files]), one_file)
                theirs = movingpandas(one_file)
                entry["movingpandas"] = mpd_speed(theirs, entry["detectors (duckdb)"], actual)  # type: ignore[arg-type]
                entry["agreement with movingpandas"] = compare_outputs(kept, theirs)
            record(f"{rows:,}", entry)
            shutil.rmtree(folder)
    # End to end through `detect`, each scale in its own process (peak RSS its own).
    ends = [SMOKE_POSITIONS] if smoke else [10_000_000] + ([100_000_000] if full else [])
    for rows in ends * ("end-to-end" in sections):
        record(f"end to end {rows:,}", in_process(["--end-to-end", str(rows)]))


if __name__ == "__main__":
    main()
