"""Benchmark: time to build and render the monitoring report (HTML and PDF).

1. The demo workspace (the theater dataset and the bundled assessment data), the report
   of 2024 for a partner, three runs each.
2. A workspace of 1 M entities: the demo data plus 1 M generated Person/Company entities
   (name, country: as a list import writes them) and 50,000 generated Event entities over
   2023-2025 (one in twenty with a sector, the rest like AIS detections, each involving
   one to three of the entities), written through the store's one write path; then the
   same report.

The issue names no reference implementation; the target (< 30 s on 2 cores) is the
yardstick. Results: bench/assessment/results/assessment.json; see bench/assessment/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from watchkeeper.assessment import report  # noqa: E402
from watchkeeper.assessment.loader import load_assessment  # noqa: E402
from watchkeeper.assessment.periods import parse_period  # noqa: E402
from watchkeeper.importers.base import make_entity  # noqa: E402
from watchkeeper.model.grading import Reliability  # noqa: E402
from watchkeeper.model.marking import Viewer  # noqa: E402
from watchkeeper.model.sectors import sectors  # noqa: E402
from watchkeeper.model.source import Source  # noqa: E402
from watchkeeper.store import Store, open_store  # noqa: E402
from watchkeeper.theater import load_theater  # noqa: E402

PARTNER = Viewer("bench-partner", "JPN")
PERIOD = "2024"


def timed_report(store: Store, runs: int) -> dict[str, Any]:
    build, html_s, pdf_s, cpu, pages, size = [], [], [], [], 0, 0
    for _ in range(runs):
        c0 = time.process_time()
        t0 = time.perf_counter()
        built = report.build(store.read(PARTNER), parse_period(PERIOD))
        t1 = time.perf_counter()
        html = report.render_html(built)
        t2 = time.perf_counter()
        pdf = report.render_pdf(html)
        t3 = time.perf_counter()
        cpu.append(time.process_time() - c0)
        build.append(t1 - t0)
        html_s.append(t2 - t1)
        pdf_s.append(t3 - t2)
        size = len(pdf)
        pages = len(pdfium.PdfDocument(pdf))
    total = [a + b + c for a, b, c in zip(build, html_s, pdf_s, strict=True)]
    return {
        "runs": runs,
        "build_s": round(statistics.median(build), 2),
        "html_s": round(statistics.median(html_s), 2),
        "pdf_s": round(statistics.median(pdf_s), 2),
        "total_s": round(statistics.median(total), 2),
        "total_max_s": round(max(total), 2),
        "cpu_s": round(statistics.median(cpu), 2),
        "load_average_1m": round(os.getloadavg()[0], 1),
        "pdf_bytes": size,
        "pdf_pages": pages,
        "events": built.data["events_total"],
        "events_other": built.data["events_other"],
        "references": len(built.references),
    }


def demo_store(path: Path) -> Store:
    store = open_store(f"sqlite:///{path}")
    load_theater(store)
    load_assessment(store)
    return store


def grow(store: Store, entities: int, events: int, seed: int = 1) -> dict[str, float]:
    rng = random.Random(seed)
    codes = list(sectors())
    countries = ["ru", "kp", "cn", "ir", "ae", "hk", "sg", "tr", "by", "kz"]
    started = time.perf_counter()
    src = Source(
        "bench_list:1",
        "bench_list",
        "list",
        "Generated list",
        "bench",
        Reliability.A,
        published="2024-01-01",
    )
    with store.write(src, full_release=True) as writer:
        for i in range(entities):
            schema = "Person" if i % 3 else "Company"
            ent = make_entity(schema, f"bl-{i}", "bench_list")
            ent.add(
                "name", f"{'Name' if schema == 'Person' else 'Trading Co'} {i:07d}", cleaned=True
            )
            ent.add("country", countries[i % len(countries)], cleaned=True)
            writer.add_entity(ent)
    entities_s = time.perf_counter() - started
    started = time.perf_counter()
    reports = [
        Source(f"bench_events:src{k}", "bench_events", "report", f"Generated report {k}", "bench",
               Reliability.B, url=f"https://example.org/bench/{k}", published="2024-01-01")
        for k in range(20)
    ]  # fmt: skip
    start = date(2023, 1, 1)
    with store.write(reports[0], full_release=True) as writer:
        for i in range(events):
            ent = make_entity("Event", f"be-{i}", "bench_events")
            when = start + timedelta(days=rng.randrange(3 * 365))
            ent.add("name", f"Generated event {i}", cleaned=True)
            ent.add("date", when.isoformat(), cleaned=True)
            ent.add("summary", f"Generated event {i} for the benchmark.", cleaned=True)
            ent.add("keywords", rng.choice(codes) if i % 20 == 0 else "port_call", cleaned=True)
            for _ in range(rng.randint(1, 3)):
                ent.add("involved", f"bl-{rng.randrange(entities)}", cleaned=True)
            writer.add_entity(
                ent, credibility=rng.choice([2, 3, 4]), source=reports[i % len(reports)]
            )
    return {"entities_s": round(entities_s, 1), "events_s": round(time.perf_counter() - started, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="the demo workspace only")
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--workspace",
        type=Path,
        help="keep the large workspace in this SQLite file, and reuse it when it exists",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="make bench-smoke: one run, 2,000 entities, results in a temporary folder",
    )
    args = parser.parse_args()
    if args.smoke:
        args.runs, args.entities, args.events = 1, 2000, 200
    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, Python {platform.python_version()}",
        "period": PERIOD,
    }
    with tempfile.TemporaryDirectory() as tmp:
        store = demo_store(Path(tmp) / "demo.db")
        results["demo"] = timed_report(store, args.runs)
        print("demo workspace:", results["demo"], flush=True)
        store.close()
        if not args.quick:
            path = args.workspace or Path(tmp) / "big.db"
            reuse = path.exists()
            store = demo_store(path)
            if reuse:
                results["build_workspace"] = {"reused": str(path)}
            else:
                results["build_workspace"] = grow(store, args.entities, args.events)
            results["workspace"] = {"entities": args.entities, "events": args.events} | store.read(
                PARTNER
            ).stats()["schemata"]
            print("built:", results["build_workspace"], flush=True)
            results["large"] = timed_report(store, args.runs)
            print(f"{args.entities:,}-entity workspace:", results["large"], flush=True)
            store.close()
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    out = (
        Path(__file__).parent
        / "results"
        / ("assessment-quick.json" if args.quick else "assessment.json")
    )
    if args.smoke:
        out = Path(tempfile.gettempdir()) / "watchkeeper-bench-smoke" / "assessment.json"
        out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
