"""Analysis of Competing Hypotheses (Heuer): hypotheses x evidence, consistency marks,
diagnosticity and the sensitivity of the result to each item.

Marks: CC (very consistent), C, N (neutral or not applicable), I, II (very inconsistent).
Following Heuer, hypotheses are ranked by how much evidence is *inconsistent* with them
(I counts 1, II counts 2, each times the item's weight), the least inconsistent first,
and by nothing else: hypotheses with equal inconsistency are tied (Heuer warns against
counting consistent evidence, which fits several hypotheses at once, so it breaks no tie).
An item's diagnosticity is the spread of its marks across hypotheses: an item marked
alike everywhere cannot tell them apart. The sensitivity of an item is what follows if it
is wrong (false, or misread): the ranking without it, and whether the least inconsistent
hypothesis (or the tie for it) changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

SCORES = {"CC": 2, "C": 1, "N": 0, "I": -1, "II": -2}
"""Used only for diagnosticity (the spread of an item's marks), never for ranking."""
INCONSISTENCY = {"I": 1, "II": 2}


@dataclass(frozen=True)
class Item:
    id: str
    label: str
    weight: float
    marks: Mapping[str, str]

    def mark(self, hypothesis: str) -> str:
        return self.marks.get(hypothesis, "N")


Ranks = list[list[str]]
"""Hypotheses grouped by equal inconsistency, the least inconsistent group first."""


def describe(ranks: Ranks) -> str:
    """``[["b"], ["a", "c"]]`` -> ``"b < a = c"``."""
    return " < ".join(" = ".join(group) for group in ranks)


@dataclass(frozen=True)
class Sensitivity:
    item: str
    inconsistency_change: dict[str, float]
    ranks_without: Ranks
    changes_leader: bool
    """Whether the least inconsistent hypothesis (or the tie for it) differs without it."""

    @property
    def leader_without(self) -> str | None:
        return (
            self.ranks_without[0][0]
            if self.ranks_without and len(self.ranks_without[0]) == 1
            else None
        )


@dataclass(frozen=True)
class Result:
    hypotheses: list[str]
    items: list[Item]
    inconsistency: dict[str, float]
    ranks: Ranks
    diagnosticity: dict[str, int]
    sensitivity: list[Sensitivity]

    @property
    def ranking(self) -> list[str]:
        """Least inconsistent first; tied hypotheses in name order."""
        return [h for group in self.ranks for h in group]

    @property
    def leader(self) -> str | None:
        """The least inconsistent hypothesis, or None when several tie for it."""
        return self.ranks[0][0] if self.ranks and len(self.ranks[0]) == 1 else None

    def most_diagnostic(self) -> Sensitivity | None:
        """The sensitivity of the item that tells the hypotheses apart most (diagnosticity
        times weight; then the id): what follows if that item is wrong."""
        if not self.items:
            return None
        weight = {i.id: i.weight for i in self.items}
        top = max(self.items, key=lambda i: (self.diagnosticity[i.id] * weight[i.id], i.id)).id
        return next(s for s in self.sensitivity if s.item == top)


def _totals(hypotheses: Sequence[str], items: Sequence[Item]) -> tuple[dict[str, float], Ranks]:
    inconsistency = {h: 0.0 for h in hypotheses}
    for item in items:
        for h in hypotheses:
            inconsistency[h] += item.weight * INCONSISTENCY.get(item.mark(h), 0)
    # Rounded before ranking so that summation order cannot reorder near-ties.
    inconsistency = {h: round(v, 9) for h, v in inconsistency.items()}
    ranks: Ranks = []
    for value in sorted(set(inconsistency.values())):
        ranks.append(sorted(h for h in hypotheses if inconsistency[h] == value))
    return inconsistency, ranks


def analyse(hypotheses: Sequence[str], items: Sequence[Item]) -> Result:
    hyps = sorted(hypotheses)
    ordered = sorted(items, key=lambda i: i.id)
    inconsistency, ranks = _totals(hyps, ordered)
    diagnosticity = {
        item.id: (max(SCORES[item.mark(h)] for h in hyps) - min(SCORES[item.mark(h)] for h in hyps))
        if hyps
        else 0
        for item in ordered
    }
    sensitivity = []
    first = ranks[0] if ranks else []
    for item in ordered:
        rest = [i for i in ordered if i.id != item.id]
        without, ranks_without = _totals(hyps, rest)
        sensitivity.append(
            Sensitivity(
                item.id,
                {h: round(inconsistency[h] - without[h], 9) for h in hyps},
                ranks_without,
                (ranks_without[0] if ranks_without else []) != first,
            )
        )
    return Result(hyps, ordered, inconsistency, ranks, diagnosticity, sensitivity)
