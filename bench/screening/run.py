"""Screening benchmark: accuracy beside nomenklatura, speed and memory at 10 k / 100 k / 1 M.

One command: `make bench-screening` (BENCH_ARGS=--quick: smaller samples, 10 k and 100 k
only; --smoke: a few items of each part, for `make bench-smoke`; --skip-speed: accuracy
only). Results go to bench/results/screening.json; bench/screening/README.md records them.

Every labelled set is split into a tuning part and a held-out part (split.py: by the
SHA-256 of a group key, fixed), and every row is reported on both parts; rules may be
tuned on the tuning part only (`tuning_errors` in the results lists its errors, never the
held-out part's).

Accuracy, every row in the same run, Watchkeeper at its default threshold (0.70) and
nomenklatura's logic-v2, logic-v1 and name-based at 0.7:
  (a) nomenklatura's 826 labelled name pairs (cases.csv), and beside it its 228
      whole-entity checks (checks.yml; name parts given to nomenklatura as parts, joined
      for Watchkeeper as `/match` joins them);
  (b) the UN list's own aliases for DPRK individuals and entities against their primary
      names, with hard negatives: every pair of different listed North Koreans sharing a
      surname, and every pair of different listed DPRK entities sharing two or more
      generic words (KOREA, TRADING, CORPORATION...);
  (c) yente's screening fixtures: 683 real UN-listed persons (as given and with typos) and
      2,000 synthetic non-listed persons, screened against the real lists; every
      algorithm scores the same candidates: all that Watchkeeper's `match(limit=10)`
      retrieves (``Screener.candidates``), with the same query (name, birth date);
  (d) renderings.csv: Hangul, Hanja, Cyrillic, Persian, Chinese renderings and
      romanisation variants of listed names (ours), with same-family-name negatives;
  (e) innocent names: 10,000 persons and 10,000 companies from Faker's ko_KR, ru_RU,
      zh_CN, ja_JP and en_US locales (innocents.py, seeded), screened against the real
      lists: the share flagged, and every pair flagged above 0.9;
  (f) our held-out-like set (heldout.py): real list entries written as users type them
      (vessel prefixes, South Korean spelling, Russian in other languages, Korean in
      Cyrillic, Hangul and Hanja organisations, invisible characters) and innocents:
      recall, and the share of innocents flagged.
  (e) and (f): Watchkeeper and logic-v2 score the same candidates, all that
  `match(limit=5)` retrieves (up to 20), each given the same query (name and, in (f),
  the query's country) and the same candidate facts (names, birth dates, countries,
  identifiers).

Pair speed (`pair_speed`): each scorer in a fresh process, cold (seconds from the
process's start to its first score) and warm (milliseconds per pair once started).

Speed: the real lists (UN + OFAC + the theater dataset, ~16 k entities) and synthetic
indexes of 100 k and 1 M entities made by recombining real name parts; index build and
reload time, peak RSS, batch queries/s with 2 worker processes, and p50/p99 latency over
HTTP with 8 concurrent connections from wrk (on the same 2 cores, after a 10 s warm-up)
against `create_app` served as `watchkeeper serve --workers 2` serves it.
Each scale runs in its own process so that peak RSS is its own.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import platform
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # bench.screening.innocents, .heldout

from bench.screening.heldout import Case  # noqa: E402
from bench.screening.split import HELD_OUT, PARTS, TUNING, checks, names_of, part  # noqa: E402

SHARED = ROOT.parent / "shared"
SANCTIONS = SHARED / "data/sanctions"
UN_XML = SANCTIONS / "un-sc-consolidated-2025-04/consolidated.xml"
OFAC_CSV = SANCTIONS / "ofac-sdn-csv-2024-05/sdn.csv"
CASES = SANCTIONS / "nomenklatura-match-fixtures/cases.csv"
YENTE = SANCTIONS / "yente-screening-fixtures"
RENDERINGS = Path(__file__).with_name("renderings.csv")
RESULTS = ROOT / "bench/results/screening.json"
SMOKE_RESULTS = Path(tempfile.gettempdir()) / "watchkeeper-bench-smoke"
NK_ALGORITHMS = ("logic-v2", "logic-v1", "name-based")
NK_THRESHOLD = 0.7

# Aliases in the UN list that are other names, not another spelling of the primary name
# (read one by one): no name matcher can find these from the name alone, so recall is
# reported with and without them.
UN_OTHER_NAMES = {
    "Chang Myong Ho", "Chang Myo’ng-Ho", "Chang Myong-Ho", "Jang Hyon U", "Jon Yong Sang",
    "Jiang Wen-ji", "Jian Wenji", "Kim Chin-So’k", "Kim Jin-Sok", "Kim Hyok-Chol",
    "Kim Hyok Chol", "Young-Chul", "Kim Myong Gi", "Kim Hak Song", "Son Min",
    "Jin Tiesan (金铁三)", "Cho Ch’o’l", "Jo Chol", "Min Byong Chun", "Kang Myong Chol",
    "Lui Wai Ming", "Li Cheng He", "Neil Tsang",
    # entities: former, translated, Korean-language and cover names, acronyms not made of
    # the name's initials, and other organisations' names given as aliases
    "CHANGGWANG SINYONG CORPORATION", "EXTERNAL TECHNOLOGY GENERAL CORPORATION", '"KOMID"',
    "LYONGAKSAN GENERAL TRADING CORPORATION", "CHANGGWANG CREDIT BANK",
    "KOREA CHANGGWANG CREDIT BANK", "NCG", "Namhung Trading Corporation",
    "Korea Daeryonggang Trading Corporation", "Korea Tearyonggang Trading Corporation",
    "KOREA HYOKSIN EXPORT AND IMPORT CORPORATION", "Kuryonggang Trading Corporation",
    "Ryungseng Trading Corporation", "Ryung Seng Trading Corporation",
    "Ryungsong Trading Corporation", "Kore Kuryonggang Trading Corporation",
    "CHO'NGSONG UNITED TRADING COMPANY", "CHONGSONG YONHAP", "CH'O'NGSONG YO'NHAP",
    "CHOSUN CHAWO'N KAEBAL T'UJA HOESA", "JINDALLAE", "KU'MHAERYONG COMPANY LTD.",
    "NATURAL RESOURCES DEVELOPMENT AND INVESTMENT CORPORATION", "SAEINGP'IL COMPANY",
    "National Resources Development and Investment Corporation", "Saeng Pil Trading Corporation",
    "Department of Space Technology of the DPRK", "Dongbang BANK", "TONGBANG U’NHAENG",
    "TONGBANG BANK", "Ryonha Machine Tool", "Ryonha Machine Tool Corporation",
    "Huichon Ryonha Machinery General Plant", "Unsan", "Unsan Solid Tools",
    "Millim Technology Company", "朝鲜联合机械贸易会社", "CHE 2 CHAYON KWAHAKWON",
    "CHAYON KWAHAK-WON", "NATIONAL DEFENSE ACADEMY", "KUKPANG KWAHAK-WON", "SANSRI",
    "East Sea Shipping Company", "Korea Mirae Shipping Co. Ltd", "Haeyang Crew Management Company",
    "Bureau 39", "Central Committee Bureau 39", "Third Floor", "Division 39",
    "Chongch’al Ch’ongguk", "KPA Unit 586", "Strategic Rocket Force Command of KPA",
    "Strategic Force", "Strategic Forces", "Mooyokbank", "Korea Trading Bank",
    "Korea Foreign Insurance Company", "Daesong Credit Development Bank",
    "Koryo Global Credit Bank", "Koryo Global Trust Bank", "Mansudae Art Studio",
    "Care of First Oil JV Co Ltd", "Military Supplies Industry Department",
    "MACHINE INDUSTRY DEPARTMENT", "General Department of Atomic Energy (GDAE)",
    "SECOND ACADEMY OF NATURAL SCIENCES (KPE.018)", "MINISTRY OF THE PEOPLE’S ARMED FORCES (MPAF)",
    "NATIONAL AEROSPACE DEVELOPMENT ADMINISTRATION", "NADA",
}  # fmt: skip
# `--smoke` (make bench-smoke): every section on a few items, to show that it runs; set
# once by main() and passed to the child processes on their command line.
SMOKE = "--smoke" in sys.argv
GENERIC = {"KOREA", "KOREAN", "TRADING", "CORPORATION", "GENERAL", "COMPANY", "BANK", "CO", "LTD"}


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# -- data -------------------------------------------------------------------------------------


def un_dprk() -> list[tuple[str, str, list[str]]]:
    root = ET.parse(UN_XML).getroot()
    out = []
    for tag, alias_tag in (("INDIVIDUAL", "INDIVIDUAL_ALIAS"), ("ENTITY", "ENTITY_ALIAS")):
        for item in root.iter(tag):
            ref = item.findtext("REFERENCE_NUMBER") or ""
            if not ref.startswith("KP"):
                continue
            parts = [item.findtext(t) for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME")]
            name = " ".join(p.strip() for p in parts if p)
            aliases = [a.findtext("ALIAS_NAME") or "" for a in item.iter(alias_tag)]
            out.append((ref, name, [a.strip() for a in aliases if a and a.strip()]))
    return out


class Pair(NamedTuple):
    """One labelled pair. ``query``/``listed`` are the names Watchkeeper compares (the
    best of every combination counts); ``query_props``/``listed_props`` are the same
    records as FtM properties for nomenklatura (name parts kept as parts, which
    Watchkeeper reads joined, as `/match` does); ``countries`` are the query's, given
    to both sides."""

    schema: str
    query: tuple[str, ...]
    listed: tuple[str, ...]
    truth: bool
    group: str
    part: str
    countries: tuple[str, ...] = ()
    query_props: dict[str, Any] | None = None
    listed_props: dict[str, Any] | None = None


def pair_sets(quick: bool) -> dict[str, list[Pair]]:
    """The labelled pair sets, each pair with its part (``split.py``)."""
    sets: dict[str, list[Pair]] = {}
    with CASES.open(encoding="utf-8") as fh:
        sets["a"] = [
            Pair(
                r["schema"], (r["name1"],), (r["name2"],), r["is_match"] == "true",
                r["case_group"], part(r["name2"]),
            )
            for r in csv.DictReader(fh)
        ]  # fmt: skip
    sets["checks"] = [
        Pair(
            c["schema"], tuple(names_of(c["query"])), tuple(names_of(c["candidate"])),
            c["match"], c["label"] or "unlabelled", c["part"],
            query_props=c["query"], listed_props=c["candidate"],
        )
        for c in checks()
    ]  # fmt: skip
    records = un_dprk()
    b: list[Pair] = []
    for ref, name, aliases in records:
        schema = "Person" if ref.startswith("KPi") else "Organization"
        kind = "individual" if ref.startswith("KPi") else "entity"
        for alias in aliases:
            group = f"{kind} alias" + (" (other name)" if alias in UN_OTHER_NAMES else "")
            b.append(Pair(schema, (alias,), (name,), True, group, part(ref)))
    people = [(r, n) for r, n, _ in records if r.startswith("KPi")]
    for (_, x), (_, y) in combinations(people, 2):
        if x.split()[0].upper() == y.split()[0].upper():
            b.append(Pair("Person", (x,), (y,), False, "same surname", part(*sorted((x, y)))))
    entities = [n for r, n, _ in records if r.startswith("KPe")]
    for x, y in combinations(entities, 2):
        if len(set(x.upper().split()) & set(y.upper().split()) & GENERIC) >= 2:
            b.append(
                Pair("Organization", (x,), (y,), False, "generic words", part(*sorted((x, y))))
            )
    sets["b"] = b
    with RENDERINGS.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))

    # (d)'s Hanja renderings are Korean names: the query says so (its country), as a
    # user screening a Korean name in Hanja would; without it Han is read as Chinese.
    # Both sides get that country.
    def countries(family: str) -> tuple[str, ...]:
        return ("kp",) if family.startswith("hanja") else ()

    d = [
        Pair(
            r["schema"], (r["query"],), (r["listed"],), True, r["family"], part(r["listed"]),
            countries(r["family"]),
        )
        for r in rows
    ]  # fmt: skip
    # negatives: each rendering against another listed name of the same family of names
    listed_by_family: dict[str, list[str]] = {}
    for r in rows:
        listed_by_family.setdefault(r["family"].split("-")[0], []).append(r["listed"])
    rng = random.Random(3)
    for r in rows:
        others = sorted(
            {x for x in listed_by_family[r["family"].split("-")[0]] if x != r["listed"]}
        )
        if others:
            d.append(
                Pair(
                    r["schema"], (r["query"],), (rng.choice(others),), False,
                    r["family"] + " (other)", part(r["listed"]), countries(r["family"]),
                )
            )  # fmt: skip
    sets["d"] = d
    if quick:
        sets["b"] = sets["b"][:400]
    if SMOKE:
        sets = {k: v[:: max(1, len(v) // 30)] for k, v in sets.items()}
    return sets


def calibration(pairs: list[Pair], score: Callable[[Pair], float]) -> list[dict[str, Any]]:
    """Share of true matches among the pairs in each score band: a calibrated score's
    band holds about as many matches as its score says."""
    bands = [(0.0, 0.3), (0.3, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01)]
    counts = {b: [0, 0] for b in bands}
    for pair in pairs:
        value = score(pair)
        for band in bands:
            if band[0] <= value < band[1]:
                counts[band][0] += pair.truth
                counts[band][1] += 1
    return [
        {
            "band": f"{lo:.1f}-{min(hi, 1.0):.1f}",
            "pairs": n,
            "share_matching": round(t / n, 3) if n else None,
        }
        for (lo, hi), (t, n) in counts.items()
    ]


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3)}


def scores_table(
    pairs: list[Pair], name: str, score: Callable[[Pair], float], threshold: float
) -> dict[str, Any]:
    """Precision, recall and F1 over all pairs and over each part of the split, with
    the time per pair (scored in file order, so the first pairs pay any start-up that
    the scorer's process has not paid yet: see ``speed_of_pairs`` for cold and warm)."""
    counts = {p: [0, 0, 0, 0] for p in ("all", *PARTS)}  # tp fp fn tn
    groups: dict[str, list[int]] = {}
    misses: list[str] = []
    started = time.perf_counter()
    for pair in pairs:
        value = score(pair)
        hit = value >= threshold
        g = groups.setdefault(pair.group, [0, 0])
        g[0] += hit
        g[1] += 1
        slot = 0 if hit and pair.truth else 1 if hit else 2 if pair.truth else 3
        counts["all"][slot] += 1
        counts[pair.part][slot] += 1
        if slot in (1, 2) and pair.part == TUNING:
            misses.append(f"{'FP' if slot == 1 else 'FN'} {value:.3f} {pair.query} ~ {pair.listed}")
    tp, fp, fn, tn = counts["all"]
    return {
        "algorithm": name,
        "threshold": threshold,
        **prf(tp, fp, fn),
        "tp": tp, "fp": fp, "fn": fn, "tn": tn,
        "parts": {
            p: {**prf(*counts[p][:3]), "pairs": sum(counts[p]), "tp": counts[p][0],
                "fp": counts[p][1], "fn": counts[p][2], "tn": counts[p][3]}
            for p in PARTS
        },
        "hit_rate_by_group": {k: round(v[0] / v[1], 4) for k, v in sorted(groups.items())},
        "pairs_by_group": {k: v[1] for k, v in sorted(groups.items())},
        "ms_per_pair_in_order": round(
            (time.perf_counter() - started) * 1000 / max(1, len(pairs)), 3
        ),
        # Errors on the tuning part only: what a rule may be tuned on.
        "tuning_errors": misses,
    }  # fmt: skip


PAIR_IDS = itertools.count(1)


def nk_entity(schema: str, ident: str, props: dict[str, Any]) -> Any:
    from followthemoney import model

    entity = model.make_entity(schema)
    entity.id = ident
    for prop, values in props.items():
        if values:
            entity.add(prop, values if isinstance(values, list) else [values])
    return entity


def nk_scorer(algorithm: str) -> Callable[[Pair], float]:
    from nomenklatura.matching import get_algorithm
    from nomenklatura.matching.types import ScoringConfig

    algo = get_algorithm(algorithm)
    assert algo is not None
    config = ScoringConfig.defaults()

    def score(pair: Pair) -> float:
        # Fresh ids for every pair, across every scorer of the run: logic-v2 caches by
        # entity id (ids restarting at 1 for each set let (b) and (d) read (a)'s names).
        n = next(PAIR_IDS)
        query = dict(pair.query_props or {"name": list(pair.query)})
        if pair.countries:
            query["country"] = list(pair.countries)
        a = nk_entity(pair.schema, f"q{n}", query)
        b = nk_entity(pair.schema, f"c{n}", pair.listed_props or {"name": list(pair.listed)})
        return float(algo.compare(a, b, config).score)

    return score


def wk_scorer(weight: Callable[[str], float]) -> Callable[[Pair], float]:
    from watchkeeper.screening import pair_score

    def score(pair: Pair) -> float:
        return max(
            pair_score(pair.schema, q, c, weight, countries=pair.countries).score
            for q in pair.query
            for c in pair.listed
        )

    return score


# -- the real store ----------------------------------------------------------------------------


def real_store(folder: Path) -> Any:
    from watchkeeper.importers import Options, run_import
    from watchkeeper.store import open_store
    from watchkeeper.theater import load_theater

    store = open_store(f"sqlite:///{folder / 'lists.db'}")
    run_import(store, "un-xml", UN_XML)
    if not SMOKE:  # the smoke run screens against the UN list alone (2 s to import, not 20)
        run_import(store, "ofac-csv", OFAC_CSV, Options(release_date="2024-05-03"))
    load_theater(store)
    return store


def yente_queries(quick: bool) -> list[tuple[Any, bool, str]]:
    from watchkeeper.screening import Query

    out: list[tuple[Any, bool, str]] = []
    files = [
        ("candidate_generation_benchmark/positives_un_untreated.csv", True, "UN persons as given"),
        ("candidate_generation_benchmark/positives_un_treated.csv", True, "UN persons with typos"),
        ("validation_report/negatives_global.csv", False, "synthetic persons (global)"),
        ("validation_report/negatives_us.csv", False, "synthetic persons (US)"),
    ]
    for path, positive, group in files:
        with (YENTE / path).open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        if quick:
            rows = rows[:150]
        if SMOKE:
            rows = rows[:10]
        for i, r in enumerate(rows):
            dob = (r.get("date_of_birth") or "").strip()
            nat = (r.get("nationality") or "").strip()
            out.append(
                (
                    Query(f"{group}-{i}", "Person", (r["full_name"],), (dob,) if dob else (), ()),
                    positive,
                    group,
                )
            )
            del nat  # nationalities are country names or codes in mixed forms; names and DOBs only
    return out


def bench_yente(store: Any, index: Any, quick: bool) -> list[dict[str, Any]]:
    """(c): a positive is found when a UN-listed entity scores at or above the threshold;
    a negative is a false hit when anything does."""
    from watchkeeper.model.marking import Viewer
    from watchkeeper.screening import Screener
    from watchkeeper.screening.score import score

    screener = Screener.for_viewer(index, store, Viewer("bench", None))
    queries = yente_queries(quick)
    results = []

    def tally(
        name: str, threshold: float, decide: Callable[[Any], list[tuple[float, tuple[str, ...]]]]
    ) -> dict[str, Any]:
        groups: dict[str, list[int]] = {}
        counts = {p: [0, 0, 0, 0] for p in ("all", *PARTS)}  # tp fp fn tn
        started = time.perf_counter()
        for query, positive, group in queries:
            scored = decide(query)
            if positive:
                hit = any(s >= threshold and "un_sc_sanctions" in ds for s, ds in scored)
                # a UN person as given and with typos: one group key (their row)
                which = part("un-" + query.id.rsplit("-", 1)[1])
            else:
                hit = any(s >= threshold for s, _ in scored)
                which = part(query.names[0])
            g = groups.setdefault(group, [0, 0])
            g[0] += hit
            g[1] += 1
            slot = 0 if hit and positive else 1 if hit else 2 if positive else 3
            counts["all"][slot] += 1
            counts[which][slot] += 1
        tp, fp, fn, tn = counts["all"]
        return {
            "algorithm": name, "threshold": threshold, **prf(tp, fp, fn),
            "tp": tp, "fp": fp, "fn": fn, "tn": tn,
            "parts": {k: {**prf(*counts[k][:3]), "queries": sum(counts[k])} for k in PARTS},
            "hit_rate_by_group": {k: round(v[0] / v[1], 4) for k, v in sorted(groups.items())},
            "seconds": round(time.perf_counter() - started, 1),
        }  # fmt: skip

    candidates_cache: dict[str, list[Any]] = {}

    def candidates(query: Any) -> list[Any]:
        # Exactly what Watchkeeper's `match(limit=10)` scores; every algorithm scores these.
        if query.id not in candidates_cache:
            candidates_cache[query.id] = screener.candidates(query, limit=10)
        return candidates_cache[query.id]

    def ours(query: Any) -> list[tuple[float, tuple[str, ...]]]:
        out = []
        for vis in candidates(query):
            found = score(query, query.readings(), vis, screener.view.weight)
            out.append((found.score if found else 0.0, vis.datasets))
        return out

    results.append(tally("watchkeeper", 0.70, ours))
    # The check that both score the same lists: our product path (`match`) finds nothing
    # the candidate lists above lack.
    for query, _, _ in queries[:200]:
        listed = {vis.id for vis in candidates(query)}
        assert all(m.entity.id in listed for m in screener.match(query, limit=10))

    from nomenklatura.matching import get_algorithm
    from nomenklatura.matching.types import ScoringConfig

    config = ScoringConfig.defaults()
    for algorithm in NK_ALGORITHMS:
        algo = get_algorithm(algorithm)
        assert algo is not None

        def theirs(query: Any, algo: Any = algo) -> list[tuple[float, tuple[str, ...]]]:
            # unique ids: logic-v2 caches by entity id
            q = nk_query(query, f"{algo.NAME}-{query.id}")
            return [
                (float(algo.compare(q, nk_candidate(vis), config).score), vis.datasets)
                for vis in candidates(query)
            ]

        results.append(tally(algorithm, NK_THRESHOLD, theirs))
    sizes = [len(v) for v in candidates_cache.values()]
    results.append(
        {
            "candidates_per_query": {
                "mean": round(sum(sizes) / max(1, len(sizes)), 1),
                "max": max(sizes, default=0),
                "queries": len(sizes),
            }
        }
    )
    return results


# Watchkeeper's identifier kinds as FtM properties, for nomenklatura's candidates.
KIND_PROPS: dict[str, str] = {}


def nk_query(query: Any, ident: str) -> Any:
    """A Watchkeeper ``Query`` as the FtM entity nomenklatura compares: every field
    Watchkeeper reads (names, birth dates, countries, identifiers)."""
    props: dict[str, Any] = {"name": list(query.names)}
    if query.birth_dates and query.schema == "Person":
        props["birthDate"] = list(query.birth_dates)
    if query.countries:
        props["country"] = list(query.countries)
    return nk_entity(query.schema, ident, props | nk_ids(query.schema, query.ids))


def nk_ids(schema: str, ids: Any) -> dict[str, list[str]]:
    from followthemoney import model

    from watchkeeper.screening.index import ID_PROPS

    if not KIND_PROPS:
        KIND_PROPS.update({kind: prop for prop, kind in ID_PROPS.items()})
    out: dict[str, list[str]] = {}
    found = model.get(schema)
    for kind, value in ids:
        prop = KIND_PROPS.get(kind)
        if prop and found is not None and prop in found.properties:
            out.setdefault(prop, []).append(value)
    return out


def nk_candidate(vis: Any) -> Any:
    """A listed entity as the viewer sees it (``Visible``), as an FtM entity: the same
    names, birth dates, countries and identifiers Watchkeeper scores."""
    props: dict[str, Any] = {"name": list(vis.names)}
    if vis.dates and vis.schema == "Person":
        props["birthDate"] = list(vis.dates)
    if vis.countries:
        props["country"] = list(vis.countries)
    return nk_entity(vis.schema, vis.id, props | nk_ids(vis.schema, vis.ids))


# -- speed at scale --------------------------------------------------------------------------


def synthetic_entities(real: list[Any], size: int, seed: int = 11) -> list[Any]:
    """``size`` entities recombining real name parts, plus the real ones."""
    from watchkeeper.screening.index import Listed
    from watchkeeper.screening.names import analyse

    rng = random.Random(seed)
    korean_family, korean_given, first, last, org_words = set(), set(), set(), set(), set()
    mark = next(m for e in real for _, m in e.names if isinstance(m, int))
    for e in real:
        for name, _ in e.names[:2]:
            readings = analyse(name, e.schema != "Person")
            if not readings:
                continue
            tokens = [t.text for t in readings[0].tokens]
            if e.schema == "Person":
                if all(t.korean for t in readings[0].tokens) and len(tokens) == 3:
                    korean_family.add(tokens[0])
                    korean_given.update(tokens[1:])
                elif len(tokens) >= 2:
                    last.add(tokens[0])
                    first.update(tokens[1:])
            elif e.schema in ("Organization", "Company", "LegalEntity"):
                org_words.update(t for t in tokens if len(t) > 2)
    pools = [sorted(p) for p in (korean_family, korean_given, first, last, org_words)]
    kf, kg, fi, la, ow = pools
    out = list(real)
    for i in range(size - len(real)):
        roll = rng.random()
        if roll < 0.25:
            schema, name = "Person", f"{rng.choice(kf)} {rng.choice(kg)} {rng.choice(kg)}".upper()
        elif roll < 0.6:
            schema, name = "Person", f"{rng.choice(la)}, {rng.choice(fi)} {rng.choice(fi)}".title()
        elif roll < 0.95:
            words = " ".join(rng.choice(ow) for _ in range(rng.randint(2, 4)))
            schema, name = (
                "Company",
                (words + rng.choice(["", " LLC", " CO LTD", " CORPORATION"])).upper(),
            )
        else:
            schema, name = (
                "Vessel",
                " ".join(rng.choice(ow) for _ in range(rng.randint(1, 2))).upper(),
            )
        entity = Listed(f"syn-{i}", schema)
        entity.names.append((name, mark))
        if rng.random() < 0.3:
            entity.names.append((" ".join(reversed(name.replace(",", "").split())), mark))
        if schema == "Vessel":
            entity.ids.append(("imo", str(rng.randint(7_000_000, 9_999_999)), mark))
        entity.datasets.append(("synthetic", mark))
        out.append(entity)
    return out


def speed_queries(entities: list[Any], count: int, seed: int = 5) -> list[Any]:
    from watchkeeper.screening import Query

    rng = random.Random(seed)
    with (YENTE / "validation_report/negatives_global.csv").open(encoding="utf-8") as fh:
        negatives = [r["full_name"] for r in csv.DictReader(fh)]
    queries = []
    for i in range(count):
        if i % 2:
            e = rng.choice(entities)
            name = e.names[0][0]
            tokens = name.replace(",", "").split()
            if len(tokens) > 1 and rng.random() < 0.5:
                tokens = tokens[1:] + tokens[:1]
            if rng.random() < 0.3:
                k = rng.randrange(len(tokens))
                t = tokens[k]
                if len(t) > 4:
                    j = rng.randrange(1, len(t) - 1)
                    tokens[k] = t[:j] + t[j + 1 :]
            queries.append(
                Query(
                    f"s{i}",
                    e.schema if e.schema != "LegalEntity" else "Company",
                    (" ".join(tokens),),
                )
            )
        else:
            queries.append(Query(f"s{i}", "Person", (rng.choice(negatives),)))
    return queries


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


WRK_SCRIPT = """
local bodies = {}
local i = 0
init = function(args)
  for line in io.lines(args[1]) do table.insert(bodies, line) end
end
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", "/match/default?limit=3", {["Content-Type"] = "application/json"}, bodies[i])
end
"""


def _wrk_ms(text: str) -> float:
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit):
            return round(float(text[: -len(unit)]) * factor, 1)
    raise ValueError(text)


def http_latency(
    port: int, queries: list[Any], workdir: Path, clients: int = 8, seconds: int = 20
) -> dict[str, Any]:
    """wrk (C, from Debian's package) with ``clients`` connections over 2 threads, each
    request one query of ``queries`` in turn."""
    bodies = workdir / "bodies.jsonl"
    with bodies.open("w", encoding="utf-8") as fh:
        for q in queries:
            body = {"queries": {"q": {"schema": q.schema, "properties": {"name": list(q.names)}}}}
            fh.write(json.dumps(body, ensure_ascii=False) + "\n")
    script = workdir / "match.lua"
    script.write_text(WRK_SCRIPT)
    # Warm-up first (each worker's first sight of a name costs its analysis), then measure.
    warm = [
        "wrk",
        "-t2",
        f"-c{clients}",
        "-d3s" if SMOKE else "-d10s",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}",
        "--",
        str(bodies),
    ]
    subprocess.run(warm, capture_output=True, check=True)
    run = subprocess.run(
        ["wrk", "-t2", f"-c{clients}", f"-d{seconds}s", "--latency", "-s", str(script),
         f"http://127.0.0.1:{port}", "--", str(bodies)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    out = run.stdout
    lines = {
        line.split()[0]: line.split()[1]
        for line in out.splitlines()
        if line.strip().endswith(("us", "ms", "s")) and "%" in line
    }
    rps = float(
        next(line.split()[1] for line in out.splitlines() if line.startswith("Requests/sec"))
    )
    errors = next((line for line in out.splitlines() if "Non-2xx" in line), "")
    return {
        "clients": clients,
        "requests_per_s": round(rps, 1),
        "p50_ms": _wrk_ms(lines["50%"]),
        "p90_ms": _wrk_ms(lines["90%"]),
        "p99_ms": _wrk_ms(lines["99%"]),
        "errors": errors.strip(),
    }


def scale_run(size: int, workdir: Path, quick: bool) -> dict[str, Any]:
    """One scale, in this process: build, save, reload, batch, HTTP."""
    from watchkeeper.model.marking import Viewer
    from watchkeeper.screening import Screener
    from watchkeeper.screening.batch import screen_queries
    from watchkeeper.screening.index import Index, read_entities
    from watchkeeper.store import open_store

    store = open_store(f"sqlite:///{workdir / 'lists.db'}")
    started = time.perf_counter()
    real = read_entities(store)
    read_s = time.perf_counter() - started
    from_store = size <= len(real)
    entities = synthetic_entities(real, size) if not from_store else real
    started = time.perf_counter()
    index = Index(store.version(), entities)
    build_s = time.perf_counter() - started
    path = workdir / f"index-{size}.npz"
    index.save(path)
    # Drop the built index before reloading it, so that peak RSS is one index's, as in
    # `serve` and `screen`, which load the saved one.
    del index, entities, real
    started = time.perf_counter()
    loaded = Index.load(path)
    reload_s = time.perf_counter() - started
    assert loaded is not None
    index = loaded
    entities = index.entities
    screener = Screener.for_viewer(index, store, Viewer("bench", None))
    # Batch: 20,000 queries (2,000 quick), cold caches included, as a batch run meets them.
    queries = speed_queries(entities, 200 if SMOKE else 2000 if quick else 20000)
    started = time.perf_counter()
    rows = sum(1 for _ in screen_queries(screener, queries, limit=3, workers=2))
    batch_s = time.perf_counter() - started
    result: dict[str, Any] = {
        "entities": len(index),
        "read_from_store_s": round(read_s, 1) if from_store else None,
        "index_build_s": round(build_s, 1),
        "index_file_mb": round(path.stat().st_size / 1e6, 1),
        "index_reload_s": round(reload_s, 1),
        "batch_queries": rows,
        "batch_queries_per_s": round(rows / batch_s, 1),
    }
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(path), str(port), str(workdir / "lists.db")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(600):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.5)
        seconds = 4 if SMOKE else 10 if quick else 20
        result["http"] = http_latency(port, queries, workdir, seconds=seconds)
        if SMOKE and not result["http"]["requests_per_s"]:
            raise SystemExit(f"no /match request answered in {seconds} s: {result['http']}")
    finally:
        server.terminate()
        server.wait(30)
    result["peak_rss_mb"] = peak_rss_mb()
    # The largest child: a batch worker or the HTTP server process (each holds the index).
    result["peak_rss_child_mb"] = round(
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
    )
    result["update"] = update_run(index, path)
    return result


def update_run(index: Any, path: Path) -> dict[str, Any]:
    """What an import of a list update costs the index: 1,000 changed entities (an alias
    added to each) and 100 new ones, applied with ``Index.update`` and saved, against
    the full build above."""
    from dataclasses import replace

    from watchkeeper.screening.index import Listed

    step = max(1, len(index.entities) // 1000)
    changed = [
        replace(e, names=[*e.names, (f"{e.names[0][0]} TRADING", e.names[0][1])])
        for e in index.entities[::step][:1000]
        if e.names
    ]
    new = [Listed(f"new-{i}", "Company", names=[(f"NEW TRADING HOUSE {i}", 1)]) for i in range(100)]
    fresh = changed + new
    started = time.perf_counter()
    index.update("bench-update", fresh, [e.id for e in fresh])
    update_s = time.perf_counter() - started
    started = time.perf_counter()
    index.save(path)
    return {
        "changed_entities": len(fresh),
        "update_s": round(update_s, 2),
        "save_s": round(time.perf_counter() - started, 1),
    }


def serve(index_path: str, port: int, db: str) -> None:
    """The API over the saved index with two worker processes, as `watchkeeper serve
    --workers 2` runs it."""
    from watchkeeper.screening.index import Index
    from watchkeeper.settings import load_settings
    from watchkeeper.web import server
    from watchkeeper.web.app import create_app

    index = Index.load(Path(index_path))
    assert index is not None
    settings = load_settings(
        {"WATCHKEEPER_DATABASE_URL": f"sqlite:///{db}", "WATCHKEEPER_HOME": str(Path(db).parent)}
    )
    server.run(create_app(settings, index), server.bind("127.0.0.1", port), workers=2)


# -- main --------------------------------------------------------------------------------------


def accuracy(store: Any, quick: bool) -> dict[str, Any]:
    from watchkeeper.model.marking import Viewer
    from watchkeeper.screening import Screener, build

    index = build(store)
    # Token weights as the bench's viewer (every source of the real lists is public) sees them.
    weight = Screener.for_viewer(index, store, Viewer("bench", None)).view.weight
    sets = pair_sets(quick)
    ours = wk_scorer(weight)
    out: dict[str, Any] = {}
    for key in ("a", "checks", "b", "d"):
        pairs = sets[key]
        rows = [scores_table(pairs, "watchkeeper", ours, 0.70)]
        if key == "d":
            hanja = [p._replace(countries=()) for p in pairs if p.group.startswith("hanja")]
            rows.append(
                scores_table(hanja, "watchkeeper, Hanja without a Korean country", ours, 0.70)
            )
            rows.append(
                scores_table(
                    hanja, "logic-v2, Hanja without a Korean country", nk_scorer("logic-v2"),
                    NK_THRESHOLD,
                )
            )  # fmt: skip
        for algorithm in NK_ALGORITHMS:
            rows.append(scores_table(pairs, algorithm, nk_scorer(algorithm), NK_THRESHOLD))
        out[key] = rows
        print(
            f"({key})",
            json.dumps(
                [
                    {"algorithm": r["algorithm"], "f1": r["f1"]}
                    | {p: r["parts"][p]["f1"] for p in PARTS}
                    for r in rows
                ]
            ),
        )
    everything = sets["a"] + sets["b"] + sets["d"]
    out["calibration"] = calibration(everything, ours)
    print("calibration", json.dumps(out["calibration"]))
    out["pair_speed"] = pair_speed()
    out["c"] = bench_yente(store, index, quick)
    print(
        "(c)",
        json.dumps(
            [{k: r[k] for k in ("algorithm", "precision", "recall", "f1")} for r in out["c"][:-1]]
        ),
    )
    out["e"] = bench_innocents(store, index, quick)
    out["f"] = bench_heldout(store, index, quick)
    return out


# -- cold and warm, per pair ---------------------------------------------------------------


def pair_speed() -> dict[str, Any]:
    """Each scorer in a fresh process of its own (no index: two names at a time):
    cold, the seconds from the process's start to its first score (interpreter, imports,
    tables loaded on first use); then warm, milliseconds per pair over (a)'s and
    checks.yml's held-out part after scoring their tuning part (the process started
    and its tables loaded, the held-out names new to it); then hot, the same pairs once
    more (every name seen)."""
    out = {}
    for algorithm in ("watchkeeper", "logic-v2"):
        spawned = time.time()
        run = subprocess.run(
            [sys.executable, __file__, "--pair-speed", algorithm] + ["--smoke"] * SMOKE,
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        row = json.loads(run.stdout.strip().splitlines()[-1])
        row["cold_s_to_first_score"] = round(row.pop("first_score_at") - spawned, 2)
        out[algorithm] = row
        print("pair speed", algorithm, json.dumps(row))
    return out


def pair_speed_child(algorithm: str) -> dict[str, Any]:
    started = time.perf_counter()
    sets = pair_sets(quick=False)
    pairs = sets["a"] + sets["checks"]
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    if algorithm == "watchkeeper":
        from watchkeeper.screening.names import default_weight

        scorer = wk_scorer(default_weight)
    else:
        scorer = nk_scorer(algorithm)
    import_s = time.perf_counter() - started
    started = time.perf_counter()
    scorer(pairs[0])
    first_s = time.perf_counter() - started
    first_score_at = time.time()
    tuning = [p for p in pairs if p.part == TUNING]
    held_out = [p for p in pairs if p.part == HELD_OUT]
    for pair in tuning:
        scorer(pair)
    timed = {}
    for label in ("warm", "hot"):
        started = time.perf_counter()
        for pair in held_out:
            scorer(pair)
        timed[label] = round((time.perf_counter() - started) * 1000 / max(1, len(held_out)), 3)
    return {
        "first_score_at": first_score_at - read_s,  # reading the label files is ours
        "import_s": round(import_s, 2),
        "first_pair_s": round(first_s, 2),
        "warm_ms_per_pair": timed["warm"],
        "hot_ms_per_pair": timed["hot"],
        "pairs_timed": len(held_out),
    }


# -- (e) innocent names and (f) the held-out-like set ------------------------------------------

# Watchkeeper's `match(limit=5)` retrieves these candidates (up to 20, `Screener.candidates`):
# both Watchkeeper and nomenklatura's logic-v2 (which has no index of its own; yente puts
# Elasticsearch in front of it) score every one of them.
NK_CANDIDATES = 5


def side_by_side(store: Any, index: Any, cases: list[Any]) -> list[dict[str, Any]]:
    """Each case's candidates (what Watchkeeper's `match` retrieves for it) scored by
    Watchkeeper and by logic-v2, each given the same query (names and countries) and
    the same candidates (names, birth dates, countries, identifiers): the best score of
    each, whether it is flagged (any candidate at or above the threshold) and, for a
    case with a ``target`` (a listed name), whether that listing is flagged."""
    from nomenklatura.matching import get_algorithm
    from nomenklatura.matching.types import ScoringConfig

    from watchkeeper.model.marking import Viewer
    from watchkeeper.screening import Query, Screener
    from watchkeeper.screening.score import score

    screener = Screener.for_viewer(index, store, Viewer("bench", None))
    algo = get_algorithm("logic-v2")
    assert algo is not None
    config = ScoringConfig.defaults()
    out = []
    started = time.perf_counter()
    nk_seconds = wk_seconds = 0.0
    sizes = []
    for case in cases:
        query = Query(case.id, case.schema, (case.name,), countries=case.countries)
        candidates = screener.candidates(query, limit=NK_CANDIDATES)
        sizes.append(len(candidates))
        wk_started = time.perf_counter()
        readings = query.readings()
        ours = []
        for vis in candidates:
            found = score(query, readings, vis, screener.view.weight)
            ours.append((found.score if found else 0.0, vis, found))
        wk_seconds += time.perf_counter() - wk_started
        nk_started = time.perf_counter()
        q = nk_query(query, f"nk-{case.id}")
        theirs = [
            (float(algo.compare(q, nk_candidate(vis), config).score), vis, None)
            for vis in candidates
        ]
        nk_seconds += time.perf_counter() - nk_started
        row: dict[str, Any] = {"case": case}
        for name, scored in (("watchkeeper", ours), ("logic-v2", theirs)):
            threshold = 0.70 if name == "watchkeeper" else NK_THRESHOLD
            best = max(scored, key=lambda x: x[0], default=(0.0, None, None))
            row[name] = {
                "flagged": any(v >= threshold for v, _, _ in scored),
                "found": case.target is not None
                and any(v >= threshold and case.target in e.names for v, e, _ in scored),
                "best": round(best[0], 3),
                "caption": best[1].caption if best[1] else "",
            }
            if name == "watchkeeper":
                row["explanation"] = best[2].explain() if best[2] else ""
        out.append(row)
    print(
        f"  {len(cases)} cases in {time.perf_counter() - started:.0f} s (scoring the same "
        f"{sum(sizes) / max(1, len(sizes)):.1f} candidates per case: Watchkeeper "
        f"{wk_seconds:.0f} s, logic-v2 {nk_seconds:.0f} s)"
    )
    return out


def _tally(rows: list[dict[str, Any]], key: str, group: Callable[[Any], str]) -> dict[str, Any]:
    groups: dict[str, list[int]] = {}
    for row in rows:
        g = groups.setdefault(group(row["case"]), [0, 0])
        g[0] += row[key]["found" if row["case"].target else "flagged"]
        g[1] += 1
    return {k: {"share": round(h / n, 4), "of": n} for k, (h, n) in sorted(groups.items())}


def bench_innocents(store: Any, index: Any, quick: bool) -> dict[str, Any]:
    """(e): Faker's persons and companies (10,000 each; 1,000 quick), none listed:
    the share flagged, Watchkeeper and logic-v2, and every pair we flag above 0.9."""
    from bench.screening.innocents import companies, persons

    size = 20 if SMOKE else 1000 if quick else 10_000
    cases = [
        Case(i.id, i.schema, i.name, f"{i.schema}: {i.locale} {i.form}", None)
        for i in persons(size) + companies(size)
    ]
    rows = side_by_side(store, index, cases)
    out: dict[str, Any] = {}
    for name in ("watchkeeper", "logic-v2"):
        by_schema = _tally(rows, name, lambda c: str(c.schema))
        out[name] = {
            "flagged": by_schema,
            "by_locale": _tally(rows, name, lambda c: str(c.group)),
            "parts": {
                which: round(
                    sum(r[name]["flagged"] for r in rows if case_part(r) == which)
                    / max(1, sum(1 for r in rows if case_part(r) == which)),
                    4,
                )
                for which in PARTS
            },
        }
        print(f"(e) {name}", json.dumps(by_schema))
    out["above_0.9"] = [
        {
            "query": r["case"].name,
            "schema": r["case"].schema,
            "score": r["watchkeeper"]["best"],
            "listed": r["watchkeeper"]["caption"],
            "explanation": r["explanation"],
        }
        for r in rows
        if r["watchkeeper"]["best"] > 0.9
    ]
    out["flagged_pairs"] = [
        f"{r['watchkeeper']['best']} {r['case'].name} ~ {r['watchkeeper']['caption']}"
        for r in rows
        if r["watchkeeper"]["flagged"]
    ]
    return out


def case_part(row: dict[str, Any]) -> str:
    """(e) and (f)'s part: a positive by its listed name, an innocent by its own."""
    case = row["case"]
    return part(case.target or case.name)


def bench_heldout(store: Any, index: Any, quick: bool) -> dict[str, Any]:
    """(f): our held-out-like set (bench/screening/heldout.py): recall on real list
    entries written as users type them, and the share of innocent names flagged."""
    from bench.screening.heldout import evaluation_items

    cases = evaluation_items()
    if quick:
        cases = cases[::4]
    if SMOKE:
        cases = cases[::40]
    rows = side_by_side(store, index, cases)
    out: dict[str, Any] = {}
    for name in ("watchkeeper", "logic-v2"):
        positives = [r for r in rows if r["case"].target]
        negatives = [r for r in rows if not r["case"].target]
        out[name] = {
            "recall": round(sum(r[name]["found"] for r in positives) / len(positives), 4),
            "innocents_flagged": round(
                sum(r[name]["flagged"] for r in negatives) / len(negatives), 4
            ),
            "by_group": _tally(rows, name, lambda c: str(c.group)),
            "parts": {
                which: {
                    "recall": round(
                        sum(r[name]["found"] for r in positives if case_part(r) == which)
                        / max(1, sum(1 for r in positives if case_part(r) == which)),
                        4,
                    ),
                    "innocents_flagged": round(
                        sum(r[name]["flagged"] for r in negatives if case_part(r) == which)
                        / max(1, sum(1 for r in negatives if case_part(r) == which)),
                        4,
                    ),
                    "positives": sum(1 for r in positives if case_part(r) == which),
                    "innocents": sum(1 for r in negatives if case_part(r) == which),
                }
                for which in PARTS
            },
        }
        print(f"(f) {name}", json.dumps({k: out[name][k] for k in ("recall", "innocents_flagged")}))
    out["missed"] = [
        f"{r['case'].group}: {r['case'].name} ~ {r['case'].target} "
        f"(best {r['watchkeeper']['best']} {r['watchkeeper']['caption']})"
        for r in rows
        if r["case"].target and not r["watchkeeper"]["found"]
    ]
    out["flagged"] = [
        f"{r['case'].group}: {r['case'].name} ~ {r['watchkeeper']['caption']} "
        f"({r['watchkeeper']['best']})"
        for r in rows
        if not r["case"].target and r["watchkeeper"]["flagged"]
    ]
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--smoke", action="store_true", help="a few items of each part; results in a temporary file"
    )
    parser.add_argument("--serve", nargs=3, metavar=("INDEX", "PORT", "DB"))
    parser.add_argument("--pair-speed", metavar="ALGORITHM")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the results go")
    parser.add_argument("--scale", type=int)
    parser.add_argument("--workdir")
    parser.add_argument(
        "--skip-accuracy", action="store_true", help="keep the accuracy already in the results file"
    )
    parser.add_argument(
        "--skip-speed", action="store_true", help="keep the speed rows already in the results file"
    )
    parser.add_argument(
        "--scales",
        help="comma-separated entity counts, e.g. 1000000 (others kept from the results file)",
    )
    args = parser.parse_args()
    if args.pair_speed:
        print(json.dumps(pair_speed_child(args.pair_speed)))
        return
    if args.serve:
        serve(args.serve[0], int(args.serve[1]), args.serve[2])
        return
    if args.scale:
        print(json.dumps(scale_run(args.scale, Path(args.workdir), args.quick)))
        return
    with tempfile.TemporaryDirectory(prefix="wk-bench-screening-") as tmp:
        workdir = Path(tmp)
        started = time.perf_counter()
        store = real_store(workdir)
        print(f"real lists imported in {time.perf_counter() - started:.1f} s")
        results: dict[str, Any] = {
            "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        previous = json.loads(args.results.read_text()) if args.results.exists() else {}
        if args.skip_accuracy:
            results["accuracy"] = previous.get("accuracy")
        else:
            results["accuracy"] = accuracy(store, args.quick)
        store.close()
        scales = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
        if args.smoke:
            scales = [5_000]
            if args.results == RESULTS:
                args.results = SMOKE_RESULTS / "screening.json"
        if args.skip_speed:
            scales = []
        if args.scales:
            scales = [int(v) for v in args.scales.split(",")]
        results["speed"] = [
            row
            for row in previous.get("speed", [])
            if (args.scales or args.skip_speed) and row.get("scale", row["entities"]) not in scales
        ]
        for size in scales:
            run = subprocess.run(
                [sys.executable, __file__, "--scale", str(size), "--workdir", str(workdir)]
                + (["--quick"] if args.quick else [])
                + (["--smoke"] if args.smoke else []),
                capture_output=True,
                text=True,
                check=False,
            )
            if run.returncode:
                print(run.stderr[-3000:], file=sys.stderr)
                raise SystemExit(f"scale {size} failed")
            row = json.loads(run.stdout.strip().splitlines()[-1]) | {"scale": size}
            print(json.dumps(row))
            results["speed"].append(row)
        results["speed"].sort(key=lambda r: r["entities"])
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"results: {args.results}")


if __name__ == "__main__":
    main()
