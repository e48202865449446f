"""Draw the labelled UN↔OFAC sample's pairs (tests/investigations/fixtures/un_ofac_labels.csv).

Run once, before the scorer was changed for issue 26, on the pairs xref proposed between
the real UN list and OFAC's SDN CSV (every UN↔OFAC pair scoring 0.3 or more, as
``xref(index, marks, review=0.3)`` returned them on main at 90f1c6c):

    python bench/investigations/draw_sample.py pairs.json > skeleton.csv

The draw is fixed (``random.Random(SEED)``): 60 pairs at >= 0.95, 70 in 0.70–0.95 and
30 in 0.30–0.70 at random, then every pair at >= 0.95 that looks suspicious (the name
comparison below 0.97, a one-word or acronym name carrying it, a typing error, no birth
date agreeing between two persons) and the pairs issue 26 names. The labels were then
written by reading both records (the fixture's README says how).

The split into a tuning and a held-out part is by the pair's hash (``split``): stable
whatever the order of drawing, decided before any rule was changed.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import sys
from pathlib import Path

SEED = 26
BANDS = (("high", 0.95, 2.0, 60), ("review", 0.70, 0.95, 70), ("low", 0.30, 0.70, 30))
# Named by issue 26 (left, right as xref orders them) ...
NAMED = {
    ("ofac-24723", "unsc-qde-144"),  # AL-ASHTAR BRIGADES / ABDALLAH AZZAM BRIGADES ("AAB")
    ("ofac-9329", "unsc-iqi-085"),  # the AL-TIKRITI brothers Yasir and Bashar
    ("ofac-12215", "unsc-kpe-021"),  # the cross-reference read as an alias
}
# ... and every pair scoring 0.6 or more with the UN entries it names: the DPRK's Foreign
# Trade Bank, Ministry of National Defence, Koryo Bank and the Al-Haramain foundations
# (OFAC lists their country branches apart).
NAMED_UN = {"unsc-kpe-047", "unsc-kpe-054", "unsc-kpe-045"} | {
    f"unsc-qde-{n}" for n in range(104, 117)
}


def split(left: str, right: str) -> str:
    """``tune`` or ``held-out``: half each, by the pair's SHA-1."""
    digest = hashlib.sha1(f"{left}|{right}".encode()).digest()
    return "held-out" if digest[0] % 2 else "tune"


def suspicious(pair: dict[str, object]) -> bool:
    why = " ".join(str(w) for w in pair["explanation"])  # type: ignore[attr-defined]
    first = str(pair["explanation"][0])  # type: ignore[index]
    name_score = float(first.split(":")[0].split()[-1]) if first.startswith("name ") else 0.0
    short = any(len(token) <= 4 for token in first.split("'")[1:2])
    return (
        name_score < 0.97
        or short
        or "typing error" in why
        or "another" in why
        or ("Person" in why and "birth" not in why)
    )


def main() -> None:
    pairs = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    pairs = [p for p in pairs if p["left"].startswith("ofac-") and p["right"].startswith("unsc-")]
    rng = random.Random(SEED)
    chosen: dict[tuple[str, str], str] = {}
    for band, low, high, count in BANDS:
        pool = sorted(
            (p for p in pairs if low <= p["score"] < high), key=lambda p: (p["left"], p["right"])
        )
        for p in rng.sample(pool, min(count, len(pool))):
            chosen[(p["left"], p["right"])] = f"random-{band}"
    for p in pairs:
        key = (p["left"], p["right"])
        if key not in chosen and p["score"] >= 0.95 and suspicious(p):
            chosen[key] = "suspicious-high"
        if key not in chosen and (key in NAMED or (key[1] in NAMED_UN and p["score"] >= 0.6)):
            chosen[key] = "issue-26"
    scores = {(p["left"], p["right"]): p["score"] for p in pairs}
    out = csv.writer(sys.stdout)
    out.writerow(["n", "left", "right", "score_before", "drawn", "split"])
    for n, (key, drawn) in enumerate(sorted(chosen.items()), 1):
        out.writerow([n, *key, scores[key], drawn, split(*key)])


if __name__ == "__main__":
    main()
