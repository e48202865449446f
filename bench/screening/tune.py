"""Tuning the scorer on the tuning part only: F1 on the tuning parts of the labelled pair
sets ((a) cases.csv, checks.yml, (b), (d); split.py) for variants of the constants of
``watchkeeper.screening.compare`` and of the threshold, each variant in turn in this
process (caches cleared between them).

    python bench/screening/tune.py '[{}, {"EXTRA_COST.person": 0.15}, {"threshold": 0.72}]'

A key ``NAME`` sets ``compare.NAME``; ``NAME.KEY`` sets one entry of a dict constant.
``--held-out`` scores the held-out parts instead: for the one evaluation of the variant
chosen on the tuning part, never for choosing. Runs in bench/screening/.venv (imports
run.py's sets) after the real lists are imported for the token weights (about 20 s).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.screening import run  # noqa: E402
from bench.screening.split import HELD_OUT, TUNING  # noqa: E402


def clear_caches(*modules: Any) -> None:
    for module in modules:
        for value in list(vars(module).values()):
            if hasattr(value, "cache_clear"):
                value.cache_clear()


def main() -> None:
    from watchkeeper.model.marking import Viewer
    from watchkeeper.screening import Screener, build, compare, names, score

    variants: list[dict[str, float]] = json.loads(sys.argv[1])
    which = HELD_OUT if "--held-out" in sys.argv else TUNING
    store = run.real_store(Path(tempfile.mkdtemp(prefix="wk-tune-")))
    weight = Screener.for_viewer(build(store), store, Viewer("bench", None)).view.weight
    sets = {k: [p for p in v if p.part == which] for k, v in run.pair_sets(False).items()}
    ours = run.wk_scorer(weight)
    for variant in variants:
        saved: dict[str, Any] = {}
        for name, value in variant.items():
            if name == "threshold":
                continue
            if "." in name:
                table, key = name.split(".")
                saved[name] = getattr(compare, table)[key]
                getattr(compare, table)[key] = value
            else:
                saved[name] = getattr(compare, name)
                setattr(compare, name, value)
        clear_caches(compare, names, score)
        threshold = variant.get("threshold", 0.70)
        f1 = {}
        for key in ("a", "checks", "b", "d"):
            tp = fp = fn = 0
            for pair in sets[key]:
                hit = ours(pair) >= threshold
                tp += hit and pair.truth
                fp += hit and not pair.truth
                fn += (not hit) and pair.truth
            f1[key] = run.prf(tp, fp, fn)["f1"]
        print(json.dumps({"part": which, "variant": variant, "f1": f1}), flush=True)
        for name, value in saved.items():
            if "." in name:
                table, key = name.split(".")
                getattr(compare, table)[key] = value
            else:
                setattr(compare, name, value)


if __name__ == "__main__":
    main()
