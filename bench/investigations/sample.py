"""The labelled UN↔OFAC sample (tests/investigations/data/un_ofac_sample.csv) scored by
xref as it stands: each labelled pair scored directly (``Blocker.score_pair``), whatever
its score, and precision per score band for the tuning and the held-out part.

    PYTHONPATH=src python bench/investigations/sample.py [--errors]
"""

from __future__ import annotations

import csv
import json
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "investigations" / "data" / "un_ofac_sample.csv"
# Score bands: automatic suggestion, review, below review.
BANDS = (("≥ 0.95", 0.95, 2.0), ("0.70–0.95", 0.70, 0.95), ("< 0.70", -1.0, 0.70))


@dataclass(frozen=True)
class Labelled:
    left: str
    right: str
    label: str
    reason: str
    split: str
    drawn: str


def read_sample(path: Path = SAMPLE) -> list[Labelled]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            Labelled(
                r["left_entity"], r["right_entity"], r["label"], r["reason"], r["split"], r["drawn"]
            )
            for r in csv.DictReader(fh)
        ]


def band_of(score: float) -> str:
    return next(name for name, low, high in BANDS if low <= score < high)


def precision_table(
    scored: Iterable[tuple[Labelled, float]],
) -> dict[str, dict[str, dict[str, float | int]]]:
    """Per split (and both together) and band: pairs, same, precision (ambiguous pairs
    left out)."""
    scored = list(scored)
    out: dict[str, dict[str, dict[str, float | int]]] = {}
    for split in ("tune", "held-out", "all"):
        out[split] = {}
        for name, _low, _high in BANDS:
            inside = [
                (pair, score)
                for pair, score in scored
                if pair.label != "ambiguous"
                and band_of(score) == name
                and (split == "all" or pair.split == split)
            ]
            same = sum(1 for pair, _ in inside if pair.label == "same")
            out[split][name] = {
                "pairs": len(inside),
                "same": same,
                "precision": round(same / len(inside), 3) if inside else float("nan"),
            }
    return out


def score_sample(
    sample: list[Labelled], dump: Path | None = None, ftm: Path | None = None
) -> list[tuple[Labelled, float, tuple[str, ...]]]:
    """Import both real lists into a throwaway SQLite store, run xref over every entity
    (keeping every pair it scores, so that a labelled pair is found at any score) and
    look up each labelled pair. A labelled pair xref did not block is scored on its own
    (``Blocker.score_pair``, without the cross-pair rule). ``dump``: every pair of the
    run as JSON; ``ftm``: both lists as FtM entities (what nomenklatura reads)."""
    from tests.conftest import OFAC_CSV, UN_XML

    from watchkeeper.importers import run_import
    from watchkeeper.investigations.xref import Blocker, xref
    from watchkeeper.model.marking import Viewer
    from watchkeeper.screening import build
    from watchkeeper.store import open_store

    with tempfile.TemporaryDirectory(prefix="wk-sample-") as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'lists.db'}")
        try:
            run_import(store, "un-xml", UN_XML)
            run_import(store, "ofac-csv", OFAC_CSV)
            if ftm is not None:
                from watchkeeper.exports import write_ftm

                with ftm.open("w", encoding="utf-8") as fh:
                    write_ftm(store.read(Viewer("local")), fh)
            index = build(store)
            marks = frozenset(store.visible_marking_ids(Viewer("local")))
            blocker = Blocker(index, marks)
            run = {s.key: s for s in xref(index, marks, review=0.0, workers=2)}
            if dump is not None:
                dump.write_text(json.dumps([s.to_dict() for s in run.values()]))
            out = []
            for pair in sample:
                found = run.get((pair.left, pair.right)) or blocker.score_pair(
                    index.by_id[pair.left], index.by_id[pair.right]
                )
                score = found.score if found is not None else 0.0
                out.append((pair, score, found.explanation if found is not None else ()))
            return out
        finally:
            store.close()


def main() -> None:
    sys.path.insert(0, str(ROOT))
    dump = Path(sys.argv[sys.argv.index("--dump") + 1]) if "--dump" in sys.argv else None
    scored = score_sample(read_sample(), dump)
    table = precision_table((pair, score) for pair, score, _ in scored)
    for split, bands in table.items():
        cells = "  ".join(
            f"{band}: {b['same']}/{b['pairs']} = {b['precision']}" for band, b in bands.items()
        )
        print(f"{split:9} {cells}")
    if "--errors" in sys.argv:
        wanted = [
            a for a in sys.argv[sys.argv.index("--errors") + 1 :] if a in ("tune", "held-out")
        ]
        for pair, score, why in sorted(scored, key=lambda item: -item[1]):
            wrong = (pair.label == "same") != (score >= 0.70)
            if pair.split in wanted and wrong and pair.label != "ambiguous":
                print(f"{score:.3f} {pair.label:9} {pair.left} {pair.right} :: {pair.reason}")
                print("      ", " | ".join(why))


if __name__ == "__main__":
    main()
