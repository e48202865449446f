"""A transparent Bayesian update over competing scenarios.

Analysts set each scenario's prior and, for each piece of evidence, a likelihood per
scenario: how likely that evidence is if the scenario holds, relative to the others (only
the ratios matter; a scenario the evidence does not name has ratio 1). The posterior is
prior x product of likelihoods, renormalised. Evidence is applied in date order (then by
id), so the trajectory is the same however the evidence was listed, and each step keeps
what moved it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from watchkeeper.model.grading import ICD203


@dataclass(frozen=True)
class Evidence:
    id: str
    date: str
    likelihoods: Mapping[str, float]
    label: str = ""
    indicator: str = ""
    reason: str = ""


@dataclass(frozen=True)
class Step:
    evidence: Evidence
    before: dict[str, float]
    after: dict[str, float]

    @property
    def date(self) -> str:
        return self.evidence.date

    def change(self, scenario: str) -> float:
        return self.after[scenario] - self.before[scenario]


def normalise(weights: Mapping[str, float]) -> dict[str, float]:
    total = sum(weights.values())
    if total <= 0:
        raise ValueError("weights must have a positive sum")
    return {k: weights[k] / total for k in sorted(weights)}


def update(
    priors: Mapping[str, float], evidence: Sequence[Evidence]
) -> tuple[dict[str, float], list[Step]]:
    """The posterior after all ``evidence``, and every step with what moved it."""
    current = normalise(priors)
    steps = []
    for item in sorted(evidence, key=lambda e: (e.date, e.id)):
        weighted = {h: p * float(item.likelihoods.get(h, 1.0)) for h, p in current.items()}
        after = normalise(weighted)
        steps.append(Step(item, current, after))
        current = after
    return current, steps


def percent_text(probability: float) -> str:
    """``probability`` in percent as printed beside its ICD 203 word: whole percent, or
    with as many decimals as keep the printed figure inside the word's range (0.449 is
    "unlikely (20–45 %)": printed 44.9, not 45, which would read as "roughly even")."""
    word = icd203(probability)[0]
    for digits in range(4):
        shown = round(probability * 100, digits)
        if icd203(shown / 100)[0] == word:
            return f"{shown:.{digits}f}"
    return f"{probability * 100:.4f}"


def icd203(probability: float) -> tuple[str, tuple[int, int]]:
    """The ICD 203 expression of likelihood for ``probability`` and its range (percent).

    The ranges meet at their ends; a probability on a boundary takes the word nearer even
    odds (5 % is "very unlikely", 20 % "unlikely", 80 % "likely", 95 % "very likely")."""
    percent = round(probability * 100, 9)  # 0.55 * 100 is 55.00000000000001
    words = list(ICD203.items())
    even = "roughly even chance"
    low_even, high_even = ICD203[even]
    if low_even <= percent <= high_even:
        return even, ICD203[even]
    if percent < low_even:
        for word, (low, high) in words:
            if low <= percent < high:
                return word, (low, high)
        return words[0]
    for word, (low, high) in words:
        if low < percent <= high:
            return word, (low, high)
    return words[-1]
