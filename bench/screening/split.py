"""The tuning / held-out split of every labelled set the screening benchmark reads.

Each labelled item belongs to one part, decided by the SHA-256 of a *group key* alone:
the first byte even is "tuning", odd is "held-out". Nothing else (no seed, no order, no
count) enters, so the split is the same on every machine, for every run, and an item
added to a file later does not move the others.

The group key keeps together what a rule tuned on one item would also decide for the
others, so that the held-out part does not hold near-copies of tuning items:
- nomenklatura's ``cases.csv`` and ``checks.yml``: the listed (candidate) name, case- and
  space-folded (every variant of ``Angela Merkel`` lands on one side);
- (b) the UN list's aliases: the UN reference number (all aliases of one record
  together); its hard negatives: the two names, sorted;
- (c) yente's fixtures: the row number for the UN persons (a person as given and with
  typos together), the name for the synthetic negatives;
- (d) ``renderings.csv``: the listed name rendered (its negatives go with it);
- (f) ``heldout.py``: the listed name (target) of a positive, the name of an innocent.

Not split: yente's ``zala`` entities (91 real FtM entities the API tests screen against,
as yente's own tests do) carry no match labels; they test the API, not accuracy. The
innocents of (e) are all negatives and are reported by part like the rest.

Rules may be tuned on the "tuning" part only; the "held-out" part is reported, never read
pair by pair while changing the scorer. The rules and constants of the scorer *before*
this split was made (issue 27, 2026-12-08) were tuned on the whole of ``cases.csv`` and
(b), (d), (f): their held-out figures on those sets are not out-of-sample for those
rules. ``checks.yml`` had never been read by the project before then, so it is the one
set that is held out for every rule.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml

TUNING = "tuning"
HELD_OUT = "held-out"
PARTS = (TUNING, HELD_OUT)

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT.parent / "shared/data/sanctions/nomenklatura-match-fixtures"
CHECKS = FIXTURES / "checks.yml"
# nomenklatura's order of name parts, as `/match` joins them (web/routers/screening.py).
PART_PROPS = ("firstName", "secondName", "middleName", "fatherName", "lastName")


def fold(text: str) -> str:
    return " ".join(text.casefold().split())


def part(*key: str) -> str:
    """The part the item with this group key belongs to."""
    digest = hashlib.sha256("\x1f".join(fold(k) for k in key).encode("utf-8")).digest()
    return HELD_OUT if digest[0] % 2 else TUNING


def names_of(properties: dict[str, Any]) -> list[str]:
    """The names an entity of ``checks.yml`` gives: its ``name`` values and, when it has
    name parts, the parts joined in nomenklatura's order (as `/match` reads them)."""
    values = properties.get("name", [])
    names = [values] if isinstance(values, str) else list(values)
    parts = [properties[p] for p in PART_PROPS if properties.get(p)]
    if parts:
        names.append(" ".join(str(p) for p in parts))
    return names


def checks(path: Path = CHECKS) -> list[dict[str, Any]]:
    """nomenklatura's ``checks.yml`` (228 whole-entity checks: schema, query, candidate,
    match), each with its part (keyed by the candidate's first name)."""
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))["checks"]
    out = []
    for i, row in enumerate(rows):
        candidate_names = names_of(row["candidate"])
        out.append(
            {
                "id": f"check-{i}",
                "schema": row["schema"],
                "query": row["query"],
                "candidate": row["candidate"],
                "match": bool(row["match"]),
                "label": row.get("label", ""),
                "part": part(candidate_names[0]),
            }
        )
    return out
