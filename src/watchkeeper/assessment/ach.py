"""Analysis of Competing Hypotheses (Heuer): hypotheses x evidence, consistency marks,
diagnosticity and the sensitivity of the result to each item.

Marks: CC (very consistent), C, N (neutral or not applicable), I, II (very inconsistent).
Following Heuer, hypotheses are ranked by how much evidence is *inconsistent* with them
(I counts 1, II counts 2, each times the item's weight), the least inconsistent first; the
signed score (CC +2 ... II -2) breaks ties. An item's diagnosticity is the spread of its
marks across hypotheses: an item marked alike everywhere cannot tell them apart. The
sensitivity of an item is what removing it does: the change in each hypothesis's
inconsistency and whether the leading hypothesis changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

SCORES = {"CC": 2, "C": 1, "N": 0, "I": -1, "II": -2}
INCONSISTENCY = {"I": 1, "II": 2}


@dataclass(frozen=True)
class Item:
    id: str
    label: str
    weight: float
    marks: Mapping[str, str]

    def mark(self, hypothesis: str) -> str:
        return self.marks.get(hypothesis, "N")


@dataclass(frozen=True)
class Sensitivity:
    item: str
    inconsistency_change: dict[str, float]
    leader_without: str | None
    changes_leader: bool


@dataclass(frozen=True)
class Result:
    hypotheses: list[str]
    items: list[Item]
    inconsistency: dict[str, float]
    score: dict[str, float]
    ranking: list[str]
    diagnosticity: dict[str, int]
    sensitivity: list[Sensitivity]

    @property
    def leader(self) -> str | None:
        return self.ranking[0] if self.ranking else None


def _totals(
    hypotheses: Sequence[str], items: Sequence[Item]
) -> tuple[dict[str, float], dict[str, float], list[str]]:
    inconsistency = {h: 0.0 for h in hypotheses}
    score = {h: 0.0 for h in hypotheses}
    for item in items:
        for h in hypotheses:
            mark = item.mark(h)
            inconsistency[h] += item.weight * INCONSISTENCY.get(mark, 0)
            score[h] += item.weight * SCORES[mark]
    # Rounded before ranking so that summation order cannot reorder near-ties.
    inconsistency = {h: round(v, 9) for h, v in inconsistency.items()}
    score = {h: round(v, 9) for h, v in score.items()}
    ranking = sorted(hypotheses, key=lambda h: (inconsistency[h], -score[h], h))
    return inconsistency, score, ranking


def analyse(hypotheses: Sequence[str], items: Sequence[Item]) -> Result:
    hyps = sorted(hypotheses)
    ordered = sorted(items, key=lambda i: i.id)
    inconsistency, score, ranking = _totals(hyps, ordered)
    diagnosticity = {
        item.id: (max(SCORES[item.mark(h)] for h in hyps) - min(SCORES[item.mark(h)] for h in hyps))
        if hyps
        else 0
        for item in ordered
    }
    sensitivity = []
    leader = ranking[0] if ranking else None
    for item in ordered:
        rest = [i for i in ordered if i.id != item.id]
        without, _, rank_without = _totals(hyps, rest)
        leader_without = rank_without[0] if rank_without else None
        sensitivity.append(
            Sensitivity(
                item.id,
                {h: round(inconsistency[h] - without[h], 9) for h in hyps},
                leader_without,
                leader_without != leader,
            )
        )
    return Result(hyps, ordered, inconsistency, score, ranking, diagnosticity, sensitivity)
