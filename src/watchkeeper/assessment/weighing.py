"""How much each piece of evidence may move the scenarios, and whose judgment is used.

- :func:`choose`: where several organisations judged the same thing (a likelihood, a
  prior, an observation: one judgment key), the viewer's own organisation's judgment is
  used, else the newest (``made_on``, then the row id, so that the choice is the same in
  every store holding those rows); the others are kept to be named.
- :func:`limited`: one observation's ratios, held to the wartime band for a wartime
  indicator (:data:`~watchkeeper.assessment.dataset.WARTIME_BAND`) and to the Bayes
  factor its report's grade allows (:func:`grade_cap`, ``single_source_cap`` in
  ``futures.yaml``).
- :func:`wartime_together`: all wartime observations together held to
  :data:`~watchkeeper.assessment.dataset.WARTIME_TOTAL`, since they measure one thing.
"""

from __future__ import annotations

import math
from dataclasses import replace
from functools import cache

from watchkeeper.assessment import bayes
from watchkeeper.assessment.dataset import WARTIME_BAND, WARTIME_TOTAL, data_file
from watchkeeper.assessment.periods import first_day
from watchkeeper.store.assessment import StoredJudgment


@cache
def _caps() -> dict[int, float]:
    data = data_file("futures.yaml").get("single_source_cap", {})
    return {int(k): float(v) for k, v in data.get("by_credibility", {}).items()}


def grade_cap(reliability: str, credibility: int | None) -> float:
    """The largest Bayes factor one report of this grade may carry: the credibility's cap
    raised to the source's reliability weight of ``evidence.yaml`` (B3: 1.5 ** 0.8 = 1.38)."""
    base = _caps().get(credibility or 6, 1.0)
    weights = data_file("evidence.yaml")["reliability_weight"]
    return float(base ** float(weights.get(reliability, weights["F"])))


def limited(
    values: dict[str, float], horizon: str, cap: float
) -> tuple[dict[str, float], tuple[str, ...]]:
    """``values`` within the wartime band (for a wartime indicator) and within ``cap``
    (the ratios' logarithms scaled down together, which keeps their order), and what
    limited them."""
    notes = []
    out = dict(values)
    low, high = WARTIME_BAND
    if horizon == "wartime" and any(not low <= v <= high for v in out.values()):
        out = {h: min(max(v, low), high) for h, v in out.items()}
        notes.append(f"wartime indicator: ratios held to {low:g}-{high:g}")
    if len(out) > 1 and min(out.values()) > 0:
        spread = max(out.values()) / min(out.values())
        if spread > cap * (1 + 1e-9):
            power = math.log(cap) / math.log(spread) if cap > 1 else 0.0
            out = {h: v**power for h, v in out.items()}
            notes.append(f"one report: Bayes factor x{spread:.2f} capped at x{cap:.2f}")
    return out, tuple(notes)


def owner(stored: StoredJudgment) -> str:
    """Whose judgment it is: the originator its marking names, else the dataset."""
    return stored.provenance.marking.originator or stored.provenance.dataset


def choose(
    rows: list[StoredJudgment], organisation: str
) -> tuple[StoredJudgment, list[StoredJudgment]]:
    """Of judgments with one key (the same likelihood, prior... set by several
    organisations), the one a viewer of ``organisation`` uses and the others. Its own
    organisation's wins, then the newest by ``made_on``; the row id breaks ties, not the
    order rows were written in. Only rows the viewer may see are ever given."""
    ranked = sorted(
        rows,
        key=lambda s: (
            s.provenance.marking.originator == organisation,
            first_day(s.record.made_on),
            s.id,
        ),
        reverse=True,
    )
    return ranked[0], ranked[1:]


def _spread(values: dict[str, float]) -> float:
    return max(values.values()) / min(values.values()) if values else 1.0


def _joined(together: dict[str, float], ratios: dict[str, float], power: float) -> dict[str, float]:
    """The wartime factors so far times ``ratios`` raised to ``power``."""
    names = set(together) | set(ratios)
    return {h: together.get(h, 1.0) * ratios.get(h, 1.0) ** power for h in names}


def wartime_together(
    evidence: list[bayes.Evidence], horizon: dict[str, str]
) -> tuple[list[bayes.Evidence], dict[str, str]]:
    """``evidence`` with the wartime observations limited as one body of evidence: they
    all measure how close the partners are while the war lasts, so they are not
    independent, and multiplying them as if they were is what compounded small ratios
    into a near-certainty. Together (in date order, as the update applies them) they may
    move the post-war odds no further than :data:`WARTIME_TOTAL` allows; an observation
    that would go beyond is scaled down (its ratios' logarithms) to reach it exactly, and
    one pointing back is applied in full. Returns the evidence and, per evidence id
    limited, why."""
    together: dict[str, float] = {}
    out: list[bayes.Evidence] = []
    notes: dict[str, str] = {}
    for item in sorted(evidence, key=lambda e: (e.date, e.id)):
        if horizon.get(item.indicator) != "wartime" or not item.likelihoods:
            out.append(item)
            continue
        ratios = dict(item.likelihoods)
        if _spread(_joined(together, ratios, 1.0)) > WARTIME_TOTAL * (1 + 1e-9):
            low, high = 0.0, 1.0  # the spread is convex in the power: bisect to the cap
            for _ in range(60):
                middle = (low + high) / 2
                low, high = (
                    (middle, high)
                    if _spread(_joined(together, ratios, middle)) <= WARTIME_TOTAL
                    else (low, middle)
                )
            ratios = {h: v**low for h, v in ratios.items()}
            notes[item.id] = (
                f"wartime evidence together at its cap (x{WARTIME_TOTAL:.2f}): "
                f"{low:.0%} of this observation's weight applied"
            )
            item = replace(item, likelihoods=ratios)
        together = _joined(together, ratios, 1.0)
        out.append(item)
    return out, notes
