"""Investigations benchmark: xref, paths to sanctioned entities and the 50 % rule on a
generated store (1 M entities, ~5 M statements by default) on SQLite and PostgreSQL, and
xref beside nomenklatura's on the real UN/OFAC lists and a generated slice.

One command: `make bench-investigations` (BENCH_ARGS="--entities 100000" for a smaller
run; BENCH_ARGS=--sample-only for the labelled UN↔OFAC sample beside nomenklatura alone,
results in bench/results/investigations-sample.json). nomenklatura runs in bench/screening/.venv (installed by `make bench-screening`),
through bench/investigations/nk_xref.py; results go to bench/results/investigations.json.

The generated store: things (persons, companies, vessels) with names made of syllables
(Korean, Russian and English stock, so blocking meets common tokens), countries, birth
dates and passports or IMO numbers; a tenth of them listed again in a second dataset with
a name variant (the pairs xref should find); ownerships (with percentages, some as
ranges), directorships and unknown links between them; and sanctions on about 4 % of the things.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from watchkeeper.importers.base import make_entity
from watchkeeper.investigations.network import Network
from watchkeeper.investigations.xref import xref
from watchkeeper.model.marking import Viewer
from watchkeeper.model.source import Source
from watchkeeper.screening import build
from watchkeeper.store import Store, open_store

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results" / "investigations.json"
SAMPLE_RESULTS = ROOT / "bench" / "results" / "investigations-sample.json"
SAMPLE_CSV = ROOT / "tests" / "investigations" / "data" / "un_ofac_sample.csv"
NK_PYTHON = ROOT / "bench" / "screening" / ".venv" / "bin" / "python"
OFAC = "US Treasury Office of Foreign Assets Control"
KOREAN = [
    "kim",
    "ri",
    "pak",
    "choe",
    "jong",
    "chol",
    "song",
    "hyok",
    "yong",
    "il",
    "nam",
    "su",
    "ho",
    "chun",
    "myong",
    "kwang",
    "sok",
]
RUSSIAN = [
    "ivan",
    "petr",
    "sergei",
    "nikolai",
    "volkov",
    "smirnov",
    "kuznetsov",
    "popov",
    "orlov",
    "lebedev",
    "kozlov",
]
WORDS = [
    "trading",
    "shipping",
    "general",
    "foreign",
    "technology",
    "industrial",
    "star",
    "ocean",
    "east",
    "bank",
]
VIEWER = Viewer("bench")


def _name(rng: random.Random, kind: str) -> str:
    if kind == "Person":
        pool = KOREAN if rng.random() < 0.5 else RUSSIAN
        return " ".join(rng.choice(pool).upper() for _ in range(3))
    stem = "".join(rng.choice(KOREAN + RUSSIAN) for _ in range(2)).upper()
    return f"{stem} {' '.join(rng.choice(WORDS).upper() for _ in range(2))} CO"


def _variant(name: str) -> str:
    words = name.split()
    return ", ".join([words[0].title(), " ".join(w.title() for w in words[1:])])


def generate(store: Store, entities: int, seed: int = 1) -> dict[str, Any]:
    rng = random.Random(seed)
    things = int(entities * 0.64)
    dupes = things // 10
    rels = int(entities * 0.27)
    sanctions = entities - things - dupes - rels
    kinds = ["Person"] * 5 + ["Company"] * 4 + ["Vessel"]
    ids: list[str] = []
    started = time.perf_counter()
    for dataset, count in (("bench_a", things), ("bench_b", dupes)):
        source = Source(
            id=f"{dataset}:1",
            dataset=dataset,
            kind="list",
            title=dataset,
            publisher="bench",
            published="2024-01-01",
        )
        with store.write(source, full_release=False) as writer:
            for i in range(count):
                r = random.Random(seed * 7919 + i)  # the same thing in both datasets
                kind = r.choice(kinds)
                name = _name(r, kind)
                # FtM ids take letters, digits, dots and dashes: no underscore
                ent = make_entity(kind, f"{dataset.replace('_', '')}-{i}", dataset)
                ent.add("name", name if dataset == "bench_a" else _variant(name))
                ent.add("country", r.choice(["kp", "ru", "cn"]))
                ent.add("notes", f"generated {kind.lower()} {i}")
                if kind == "Person":
                    ent.add(
                        "birthDate", f"19{r.randint(40, 99)}-0{r.randint(1, 9)}-1{r.randint(0, 9)}"
                    )
                    ent.add("passportNumber", str(r.randint(10**8, 10**9)))
                elif kind == "Vessel":
                    ent.add("imoNumber", str(r.randint(7000000, 9999999)))
                else:
                    ent.add("alias", _name(r, kind))
                    ent.add("address", f"{r.randint(1, 99)} {r.choice(WORDS).title()} Street")
                writer.add_entity(ent)
                if dataset == "bench_a":
                    ids.append(str(ent.id))
    source = Source(
        id="bench_links:1",
        dataset="bench_links",
        kind="list",
        title="links",
        publisher="bench",
        published="2024-01-01",
    )
    with store.write(source, full_release=False) as writer:
        for i in range(rels):
            a, b = rng.choice(ids), rng.choice(ids)
            roll = rng.random()
            if roll < 0.5:
                rel = make_entity("Ownership", f"own-{i}", "bench_links")
                rel.add("owner", a)
                rel.add("asset", b)
                rel.add(
                    "percentage", rng.choice(["10", "25", "30", "50", "60", "100", "25-50", ">50"])
                )
            elif roll < 0.8:
                rel = make_entity("Directorship", f"dir-{i}", "bench_links")
                rel.add("director", a)
                rel.add("organization", b)
            else:
                rel = make_entity("UnknownLink", f"link-{i}", "bench_links")
                rel.add("subject", a)
                rel.add("object", b)
            rel.add("startDate", f"20{rng.randint(10, 24)}")
            writer.add_entity(rel)
        for i in range(sanctions):
            sanction = make_entity("Sanction", f"sanction-{i}", "bench_links")
            sanction.add("entity", rng.choice(ids))
            sanction.add("authority", OFAC)
            sanction.add("authorityId", str(100000 + i))
            writer.add_entity(sanction)
    counts = store.counts()
    return {
        "entities": things + dupes + rels + sanctions,
        "statements": counts["statement"],
        "generate_s": round(time.perf_counter() - started, 1),
        "ids": ids,
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench_store(
    url: str, engine: str, entities: int, workers: int, starts: int, sample: int
) -> dict[str, Any]:
    store = open_store(url)
    out: dict[str, Any] = {"engine": engine}
    made = generate(store, entities)
    ids = made.pop("ids")
    out.update(made)
    reader = store.read(VIEWER)
    network = Network(reader)
    rng = random.Random(5)
    times = []
    found = 0
    for start in rng.sample(ids, starts):
        t0 = time.perf_counter()
        paths = network.paths_to_sanctioned(start, max_hops=4, limit=1)
        times.append(time.perf_counter() - t0)
        found += bool(paths)
    out["first_path"] = {
        "queries": starts,
        "with_a_path": found,
        "p50_s": round(percentile(times, 0.5), 4),
        "p99_s": round(percentile(times, 0.99), 4),
        "max_s": round(max(times), 4),
    }
    t0 = time.perf_counter()
    rule = network.fifty_percent()
    out["fifty_percent"] = {
        "seconds": round(time.perf_counter() - t0, 1),
        "designated": rule["designated"],
        "flagged": len(rule["flags"]),
    }
    t0 = time.perf_counter()
    reader.stats()
    out["stats_s"] = round(time.perf_counter() - t0, 1)
    # xref on both engines: the index is read from the store
    t0 = time.perf_counter()
    index = build(store)
    out["index_build_s"] = round(time.perf_counter() - t0, 1)
    # xref blocks from a sample of the things (all when --xref-sample is 0) against
    # the whole index; throughput is entities blocked and scored per second.
    chosen = set(random.Random(9).sample(ids, min(sample, len(ids)))) if sample else None
    t0 = time.perf_counter()
    found_pairs = xref(index, frozenset(reader.marking_ids), workers=workers, only=chosen)
    seconds = time.perf_counter() - t0
    matchable = len(chosen) if chosen else int(made["entities"] * 0.704)
    truth = sum(
        1
        for s in found_pairs
        if s.suggested
        and s.left.split("-")[1] == s.right.split("-")[1]
        and {s.left.split("-")[0], s.right.split("-")[0]} == {"bencha", "benchb"}
    )
    out["xref"] = {
        "seconds": round(seconds, 1),
        "workers": workers,
        "entities_per_s": round(matchable / seconds),
        "pairs_found": len(found_pairs),
        "suggested": sum(1 for s in found_pairs if s.suggested),
        "planted_pairs_suggested": truth,
        "planted_pairs_in_reach": len(
            [i for i in (chosen or ids) if int(i.split("-")[1]) < len(ids) // 10]
        ),
        "entities_blocked": matchable,
        "projected_1m_minutes": round(int(1_000_000 * 0.704) / (matchable / seconds) / 60),
    }
    store.close()
    return out


def nomenklatura(args: list[str]) -> dict[str, Any] | None:
    if not NK_PYTHON.exists():
        return None
    done = subprocess.run(
        [str(NK_PYTHON), str(Path(__file__).with_name("nk_xref.py")), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return {"error": done.stderr[-2000:]}
    return json.loads(done.stdout)


NK_SAMPLE_PYTHON = ROOT / "bench" / "investigations" / ".venv" / "bin" / "python"


def labelled_sample() -> dict[str, Any]:
    """The labelled UN↔OFAC sample (issue 26) scored by Watchkeeper's xref and by
    nomenklatura's xref scorer on the same pairs: precision per score band, tuning and
    held-out parts apart, and recall of the sample's true pairs at each cut."""
    sys.path.insert(0, str(ROOT))  # bench/ and tests/ as packages
    from bench.investigations.sample import read_sample, score_sample

    sample = read_sample()
    out: dict[str, Any] = {"pairs": len(sample)}
    with tempfile.TemporaryDirectory(prefix="wk-sample-") as tmp:
        ftm = Path(tmp) / "lists.ftm.json"
        t0 = time.perf_counter()
        ours = score_sample(sample, ftm=ftm)
        out["watchkeeper"] = {
            "seconds (import, index, xref of both lists)": round(time.perf_counter() - t0, 1),
            **_bands([(pair, score) for pair, score, _ in ours]),
        }
        if not NK_SAMPLE_PYTHON.exists():
            out["nomenklatura"] = "not installed: make bench-investigations installs it"
            return out
        t0 = time.perf_counter()
        done = subprocess.run(
            [
                str(NK_SAMPLE_PYTHON),
                str(Path(__file__).with_name("nk_sample.py")),
                str(ftm),
                str(SAMPLE_CSV),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = round(time.perf_counter() - t0, 1)
    if done.returncode != 0:
        out["nomenklatura"] = {"error": done.stderr[-2000:]}
        return out
    by_pair = {(p.left, p.right): p for p in sample}
    for algorithm, scores in json.loads(done.stdout).items():
        scored = []
        for key, value in scores.items():
            left, right = key.split("|")
            scored.append((by_pair[(left, right)], value))
        out[f"nomenklatura {algorithm}"] = {
            "seconds (load and score the pairs, all algorithms)": seconds,
            **_bands(scored),
        }
    return out


def _bands(scored: list[tuple[Any, float]]) -> dict[str, Any]:
    from bench.investigations.sample import precision_table

    table = precision_table(scored)
    same = [score for pair, score in scored if pair.label == "same"]
    return {
        "precision": table,
        "recall of the sample's true pairs": {
            "≥ 0.95": round(sum(s >= 0.95 for s in same) / len(same), 3),
            "≥ 0.70": round(sum(s >= 0.70 for s in same) / len(same), 3),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--starts", type=int, default=200)
    parser.add_argument("--xref-sample", type=int, default=5000)
    parser.add_argument("--skip-nomenklatura", action="store_true")
    parser.add_argument(
        "--sample-only",
        action="store_true",
        help="only the labelled UN↔OFAC sample beside nomenklatura (a few minutes)",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="make bench-smoke: 2,000 entities on SQLite, no peer and no labelled sample;"
        " results in $TMPDIR/watchkeeper-bench-smoke",
    )
    args = parser.parse_args()
    if args.smoke:
        args.entities, args.starts, args.xref_sample = 2_000, 10, 200
        args.skip_nomenklatura = True
    results: dict[str, Any] = {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "load_before": os.getloadavg(),
        "runs": [],
    }
    if not args.smoke:
        results["labelled_sample"] = labelled_sample()
        print(json.dumps(results["labelled_sample"], indent=2), file=sys.stderr, flush=True)
    if args.sample_only:
        results["load_after"] = os.getloadavg()
        SAMPLE_RESULTS.write_text(json.dumps(results, indent=2) + "\n")
        print(json.dumps(results, indent=2))
        return
    with tempfile.TemporaryDirectory() as tmp:
        results["runs"].append(
            bench_store(
                f"sqlite:///{tmp}/bench.db",
                "sqlite",
                args.entities,
                args.workers,
                args.starts,
                args.xref_sample,
            )
        )
        print(json.dumps(results["runs"][-1]), file=sys.stderr, flush=True)
        pg = os.environ.get("WATCHKEEPER_TEST_DATABASE_URL")
        if pg and not args.smoke:
            name = f"wk_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(pg, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                url = pg.rsplit("/", 1)[0] + "/" + name
                results["runs"].append(
                    bench_store(
                        url,
                        "postgresql",
                        args.entities,
                        args.workers,
                        args.starts,
                        args.xref_sample,
                    )
                )
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            print(json.dumps(results["runs"][-1]), file=sys.stderr, flush=True)
    if not args.skip_nomenklatura:
        results["nomenklatura"] = nomenklatura([])
    results["load_after"] = os.getloadavg()
    target = RESULTS
    if args.smoke:
        target = Path(tempfile.gettempdir()) / "watchkeeper-bench-smoke" / "investigations.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
