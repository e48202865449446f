"""Shipment screening benchmark: 1 M shipment lines (goods, parties, routes) against a
workspace holding the real UN and OFAC lists; lines per second and peak memory.

    PYTHONPATH=src python -m bench.tradecontrol.run            # 1 M lines, UN + OFAC
    PYTHONPATH=src python -m bench.tradecontrol.run --quick    # 50 k lines, UN only

The lines are made from the labelled descriptions (tests/tradecontrol/fixtures, with
their declared codes) and a pool of parties: ``PARTIES`` distinct company names, a
hundredth of them listed entities' names from the UN file, drawn with a long tail (a
few parties on many lines, as in real manifests), and ``VESSELS`` vessel names. Every
distinct name is screened once and then answered from the run's cache, so the rate
depends on the number of distinct parties as much as on the number of lines: both are
written down with the result.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SANCTIONS = ROOT.parent / "shared/data/sanctions"
UN_XML = SANCTIONS / "un-sc-consolidated-2025-04/consolidated.xml"
OFAC_CSV = SANCTIONS / "ofac-sdn-csv-2024-05/sdn.csv"
LABELLED = ROOT / "tests/tradecontrol/fixtures/labelled.csv"
PARTIES = 5_000
VESSELS = 1_000
PLACES = ["Kazakhstan", "DE", "United Arab Emirates", "JP", "Türkiye", "US", "KR", "Brazil",
          "RU", "Georgia", "Hong Kong", "CN", "FR", "Armenia", "IN", ""]  # fmt: skip
WORDS = ["Global", "Trade", "Asia", "Link", "Star", "Prime", "Nord", "Volga", "Pacific",
         "Delta", "Unity", "Bright", "Ocean", "Silk", "Road", "Eagle", "Summit", "Alpha",
         "Tech", "Logistics", "Supply", "Components", "Electro", "Machine", "Import"]  # fmt: skip
SUFFIXES = ["LLC", "Ltd", "GmbH", "Co., Ltd.", "FZE", "OOO", "JSC", "Limited", "Pte Ltd"]


def listed_names() -> list[str]:
    root = ET.parse(UN_XML).getroot()
    return sorted({e.findtext("FIRST_NAME", "").strip() for e in root.iter("ENTITY")} - {""})


def make_shipments(path: Path, lines: int, seed: int = 28) -> dict[str, int]:
    rng = random.Random(seed)
    with LABELLED.open(encoding="utf-8", newline="") as fh:
        goods = [(r["description"], r["declared_code"]) for r in csv.DictReader(fh)]
    listed = listed_names()
    made: set[str] = set()
    while len(made) < PARTIES - PARTIES // 100:
        made.add(
            f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(SUFFIXES)}"
        )
    parties = sorted(made) + [rng.choice(listed) for _ in range(PARTIES // 100)]
    rng.shuffle(parties)
    vessels = [
        f"{rng.choice(WORDS).upper()} {rng.choice(WORDS).upper()} {i}" for i in range(VESSELS)
    ]

    def pick(pool: list[str]) -> str:
        return pool[
            min(int(rng.paretovariate(1.2)) - 1, len(pool) - 1)
            if rng.random() < 0.5
            else rng.randrange(len(pool))
        ]

    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "description", "hs_code", "quantity", "value", "currency",
                         "origin", "destination", "shipper", "consignee", "notify_party",
                         "vessel"])  # fmt: skip
        for i in range(lines):
            description, code = rng.choice(goods)
            writer.writerow([
                f"L{i}", description, code, rng.randrange(1, 10_000),
                f"{rng.uniform(10, 1e6):.2f}", "USD", rng.choice(PLACES), rng.choice(PLACES),
                pick(parties), pick(parties), pick(parties) if rng.random() < 0.3 else "",
                pick(vessels) if rng.random() < 0.6 else "",
            ])  # fmt: skip
    return {"distinct_goods": len(set(goods)), "party_pool": PARTIES, "vessel_pool": VESSELS}


def workspace(home: Path, quick: bool) -> float:
    started = time.perf_counter()
    env = {
        "WATCHKEEPER_HOME": str(home),
        "WATCHKEEPER_ORG": "bench",
        "PYTHONPATH": str(ROOT / "src"),
    }
    cli = [sys.executable, "-m", "watchkeeper.cli"]
    subprocess.run(
        [*cli, "import", "un-xml", str(UN_XML)], env=env, check=True, capture_output=True
    )
    if not quick:
        subprocess.run(
            [*cli, "import", "ofac-csv", str(OFAC_CSV)], env=env, check=True, capture_output=True
        )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="50 k lines, the UN list only")
    parser.add_argument("--lines", type=int, default=0)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="make bench-smoke: 2,000 lines against the UN list; fails when nothing is"
        " flagged or a line is refused",
    )
    args = parser.parse_args()
    if args.smoke:
        args.quick, args.lines = True, 2_000
    lines = args.lines or (50_000 if args.quick else 1_000_000)
    from watchkeeper.model.marking import Viewer
    from watchkeeper.screening import Screener, load_or_build
    from watchkeeper.settings import load_settings
    from watchkeeper.store.core import open_store
    from watchkeeper.tradecontrol.screen import ShipmentScreen, screen_file

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        import_s = workspace(folder / "home", args.quick)
        shipments = folder / "shipments.csv"
        made = make_shipments(shipments, lines)
        settings = load_settings(
            {"WATCHKEEPER_HOME": str(folder / "home"), "WATCHKEEPER_ORG": "bench"}
        )
        store = open_store(settings)
        viewer = Viewer("bench", None)
        started = time.perf_counter()
        index = load_or_build(store, settings.cache_dir)
        screener = Screener.for_viewer(index, store, viewer)
        index_s = time.perf_counter() - started
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        screen = ShipmentScreen(screener)
        summary = screen_file(screen, shipments, folder / "flags.csv", folder / "errors.csv")
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        # the same file again: every party, description and place already answered, so
        # this is the rate of the line path itself (reading, classifying, writing)
        started = time.perf_counter()
        screen_file(screen, shipments, folder / "flags2.csv", folder / "errors2.csv")
        warm = time.perf_counter() - started
        load = os.getloadavg()[0]
        result = {
            "date": date.today().isoformat(),
            "machine": f"{platform.machine()}, {platform.python_version()}",
            "lists": "UN" if args.quick else "UN + OFAC",
            "lines": lines,
            **made,
            "input_mb": round(shipments.stat().st_size / 2**20, 1),
            "seconds": round(seconds, 1),
            "lines_per_s": round(lines / seconds),
            "distinct_parties_screened": len(screen._parties),
            "second_pass_lines_per_s": round(lines / warm),
            "load_average_1m": round(load, 1),
            "flagged": summary.flagged,
            "chpl": summary.chpl,
            "with_listed_party": summary.parties,
            "errors": summary.errors,
            "import_s": round(import_s, 1),
            "index_s": round(index_s, 1),
            "peak_rss_mb_before_screening": round(rss_before / 1024),
            "peak_rss_mb": round(peak / 1024),
        }
    print(json.dumps(result, indent=2))
    if args.smoke:
        # the steps ran and gave something (not how fast: the machine may be busy)
        if not result["flagged"] or not result["chpl"] or result["errors"]:
            raise SystemExit(f"tradecontrol smoke: {result}")
        return
    if not args.quick and not args.lines:
        (ROOT / "bench/results/tradecontrol.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
