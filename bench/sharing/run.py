"""Sharing benchmark (issue 23), one command: `make bench-sharing` or
`python bench/sharing/run.py [--quick]`.

1. Export: a generated workspace of ``--objects`` entities (bench/sharing/world.py), the
   bundle for the partner through the release gate (``gate.build_bundle``), in a process
   of its own so that its peak RSS is the export's: objects/s (wall and CPU) and peak RSS.
2. Import: that bundle into an empty workspace (``parse_bundle`` + ``import_bundle``, the
   checks included), in a process of its own: objects/s.
3. TAXII paging: `watchkeeper serve` on a workspace of ``--taxii-objects`` entities, and
   medallion 3.0.0 (memory backend) holding the same bundle (less the extension
   definition, which medallion cannot serve: tests/sharing/test_taxii.py); one client
   walks the whole collection in pages of ``--page`` objects (following ``next``) on each,
   again and again for ``--seconds``: pages/s. Our server is also walked on the large
   workspace of step 1 (the first request builds the prepared collection: timed apart).

Targets (the issue): export >= 20,000 objects/s, import >= 5,000 objects/s, TAXII >= 5x
medallion's pages/s. Results: bench/sharing/results/sharing[-quick].json; the README
beside this file records them with machine, date and load.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.sharing.taxii_servers import MEDALLION_ROOT, medallion, serving  # noqa: E402

from bench.sharing.world import PARTNER, PUBLISHER, build  # noqa: E402
from watchkeeper.model.marking import Marking  # noqa: E402
from watchkeeper.sharing.taxii_server import (  # noqa: E402
    TAXII_TYPE,
    collection_id,
    collection_resource,
)

RESULTS = ROOT / "bench" / "sharing" / "results"
KEY = "bench-partner-key"


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def child_export(db: str, out: str) -> dict[str, Any]:
    from watchkeeper.sharing.gate import Selection, build_bundle
    from watchkeeper.store import open_store

    store = open_store(f"sqlite:///{db}")
    store.read(PARTNER)  # the store opened and migrated before the clock starts
    before = _rss_mb()
    wall, cpu = time.perf_counter(), time.process_time()
    data, exported = build_bundle(store, PUBLISHER, PARTNER, Selection())
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    Path(out).write_bytes(data)
    return {"objects": len(exported.objects), "statements": exported.statements,
            "seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
            "objects_per_s": round(len(exported.objects) / wall),
            "objects_per_cpu_s": round(len(exported.objects) / cpu),
            "bundle_mb": round(len(data) / 2**20, 1),
            "rss_before_mb": before, "peak_rss_mb": _rss_mb()}  # fmt: skip


def child_import(bundle_path: str, db: str) -> dict[str, Any]:
    from watchkeeper.sharing.checks import parse_bundle
    from watchkeeper.sharing.stix_import import import_bundle
    from watchkeeper.store import open_store

    store = open_store(f"sqlite:///{db}")
    store.add_organisation(PUBLISHER.organisation, PUBLISHER.country)
    store.add_organisation(PARTNER.organisation, PARTNER.country)
    data = Path(bundle_path).read_bytes()
    wall, cpu = time.perf_counter(), time.process_time()
    bundle = parse_bundle(data, bundle_path)
    result = import_bundle(store, bundle, bundle_path, PUBLISHER.organisation, PARTNER,
                           default_marking=Marking.parse("TLP:AMBER"))  # fmt: skip
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"objects": result.objects, "statements": result.statements,
            "seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
            "objects_per_s": round(result.objects / wall),
            "objects_per_cpu_s": round(result.objects / cpu), "peak_rss_mb": _rss_mb()}  # fmt: skip


def _child(*args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                          check=False)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def walk(url: str, headers: dict[str, str], page: int, seconds: float) -> dict[str, Any]:
    """Walk the collection in pages again and again for ``seconds`` (at least once)."""
    pages = objects = walks = 0
    started = time.perf_counter()
    with httpx.Client(timeout=600) as http:
        while True:
            query: dict[str, str] = {"limit": str(page)}
            while True:
                answer = http.get(url, params=query, headers=headers)
                answer.raise_for_status()
                body = answer.json()
                pages += 1
                objects += len(body.get("objects", []))
                if not body.get("more"):
                    break
                query = {"limit": str(page), "next": body["next"]}
            walks += 1
            if time.perf_counter() - started >= seconds:
                break
    elapsed = time.perf_counter() - started
    return {"walks": walks, "pages": pages, "objects": objects, "seconds": round(elapsed, 2),
            "pages_per_s": round(pages / elapsed, 2)}  # fmt: skip


def _home(folder: Path, n: int) -> Path:
    home = folder / "home"
    home.mkdir(parents=True, mode=0o700)
    build(home / "watchkeeper.db", n).close()
    return home


def _env(home: Path) -> dict[str, str]:
    return {"WATCHKEEPER_HOME": str(home), "WATCHKEEPER_ORG": PUBLISHER.organisation,
            "WATCHKEEPER_COUNTRY": PUBLISHER.country or "",
            "WATCHKEEPER_API_KEYS": f"{KEY}={PARTNER.organisation}"}  # fmt: skip


def taxii(folder: Path, home: Path, page: int, seconds: float) -> dict[str, Any]:
    """Our server and medallion on the same bundle (see module)."""
    cid = collection_id(PUBLISHER.organisation, PARTNER.organisation)
    auth = ("bench", KEY)
    headers = {"Accept": TAXII_TYPE}
    out: dict[str, Any] = {}
    with serving(_env(home)) as base:
        url = f"{base}/taxii2/watchkeeper/collections/{cid}/objects/"
        started = time.perf_counter()
        first = httpx.get(url, params={"limit": "1"}, headers=headers, auth=auth, timeout=600)
        first.raise_for_status()
        out["prepare_first_request_s"] = round(time.perf_counter() - started, 2)
        # the collection as our server gives it: the bundle medallion is given
        with httpx.Client(auth=auth, timeout=600) as http:
            objects: list[dict[str, Any]] = []
            query: dict[str, str] = {}
            while True:
                body = http.get(url, params=query, headers=headers).json()
                objects += body.get("objects", [])
                if not body.get("more"):
                    break
                query = {"next": body["next"]}
        out["objects"] = len(objects)
        out["watchkeeper"] = walk(url, {**headers, "Authorization": _basic(KEY)}, page, seconds)
    servable = [o for o in objects if o["type"] != "extension-definition"]
    resource_ = collection_resource(PUBLISHER.organisation, PARTNER.organisation)
    with medallion(folder, servable, resource_, {"bench": KEY}, page=page) as other:
        url = f"{other}/{MEDALLION_ROOT}/collections/{cid}/objects/"
        out["medallion"] = walk(url, {**headers, "Authorization": _basic(KEY)}, page, seconds)
    out["ratio"] = round(out["watchkeeper"]["pages_per_s"] / out["medallion"]["pages_per_s"], 1)
    return out


def _basic(password: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"bench:{password}".encode()).decode()


def large_taxii(home: Path, page: int, seconds: float) -> dict[str, Any]:
    """Our server alone on the large workspace (medallion cannot page it: its filters are
    quadratic in the collection's size)."""
    cid = collection_id(PUBLISHER.organisation, PARTNER.organisation)
    headers = {"Accept": TAXII_TYPE, "Authorization": _basic(KEY)}
    with serving(_env(home)) as base:
        url = f"{base}/taxii2/watchkeeper/collections/{cid}/objects/"
        started = time.perf_counter()
        httpx.get(url, params={"limit": "1"}, headers=headers, timeout=3600).raise_for_status()
        prepared = round(time.perf_counter() - started, 2)
        return {"prepare_first_request_s": prepared} | walk(url, headers, page, seconds)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="small sizes: under a minute")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="make bench-smoke: a few hundred objects, 1 s of paging; results in"
        " $TMPDIR/watchkeeper-bench-smoke; fails when a step gives nothing",
    )
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--taxii-objects", type=int, default=2_000)
    parser.add_argument("--page", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--child-export", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--child-import", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_export:
        print(json.dumps(child_export(*args.child_export)))
        return
    if args.child_import:
        print(json.dumps(child_import(*args.child_import)))
        return
    if args.quick:
        args.objects, args.taxii_objects, args.seconds = 2_000, 300, 4.0
    if args.smoke:
        args.objects, args.taxii_objects, args.seconds = 300, 100, 1.0
    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"CPython {platform.python_version()}",
        "load_average_at_start": [round(x, 1) for x in os.getloadavg()],
        "objects_asked": args.objects,
    }
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        home = _home(folder / "large", args.objects)
        results["build_workspace_s"] = round(time.perf_counter() - started, 1)
        print("built:", results["build_workspace_s"], "s", flush=True)
        bundle = folder / "bundle.json"
        results["export"] = _child("--child-export", str(home / "watchkeeper.db"), str(bundle))
        print("export:", results["export"], flush=True)
        results["import"] = _child("--child-import", str(bundle), str(folder / "import.db"))
        print("import:", results["import"], flush=True)
        results["taxii_large"] = large_taxii(home, args.page, args.seconds)
        print("taxii, large workspace:", results["taxii_large"], flush=True)
        small = _home(folder / "small", args.taxii_objects)
        results["taxii_beside_medallion"] = taxii(folder / "small", small, args.page, args.seconds)
        print("taxii beside medallion:", results["taxii_beside_medallion"], flush=True)
    results["load_average_at_end"] = [round(x, 1) for x in os.getloadavg()]
    results["targets"] = {
        "export_20000_per_s": results["export"]["objects_per_s"] >= 20_000,
        "import_5000_per_s": results["import"]["objects_per_s"] >= 5_000,
        "taxii_5x_medallion": results["taxii_beside_medallion"]["ratio"] >= 5,
    }
    folder = RESULTS
    if args.smoke:
        folder = Path(tempfile.gettempdir()) / "watchkeeper-bench-smoke"
    folder.mkdir(parents=True, exist_ok=True)
    name = "sharing-quick.json" if args.quick else "sharing.json"
    (folder / name).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results["targets"]))
    if args.smoke:
        # every step gave something (not how fast: the machine may be busy)
        steps = (results["export"], results["import"])
        if not all(step.get("objects") for step in steps):
            raise SystemExit(f"sharing smoke: a step gave no objects: {steps}")


if __name__ == "__main__":
    main()
