"""Measuring xref on a labelled set of pairs (tests/investigations/data, documented there).

A labelled set is a CSV of ``left_entity, right_entity, label`` (``same``, ``different``,
``ambiguous``, ``none``) and the universe it is complete for: ``same`` pairs are every
pair of that universe that is one thing, so any suggestion inside the universe that is not
``same`` is a false positive; ``ambiguous`` pairs count neither way.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from watchkeeper.investigations.xref import Suggestion, ordered


@dataclass
class Labels:
    same: set[tuple[str, str]] = field(default_factory=set)
    different: set[tuple[str, str]] = field(default_factory=set)
    ambiguous: set[tuple[str, str]] = field(default_factory=set)

    @classmethod
    def read(cls, path: Path) -> Labels:
        labels = cls()
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if not row["right_entity"]:
                    continue
                pair = ordered(row["left_entity"], row["right_entity"])
                target = {"same": labels.same, "different": labels.different}.get(
                    row["label"], labels.ambiguous if row["label"] == "ambiguous" else None
                )
                if target is not None:
                    target.add(pair)
        return labels


@dataclass
class Measure:
    threshold: float
    suggested: int
    true_positives: int
    positives: int
    false_positives: list[tuple[str, str, float]]
    missed: list[tuple[str, str]]

    @property
    def precision(self) -> float:
        return self.true_positives / self.suggested if self.suggested else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.positives if self.positives else 1.0


def measure(
    suggestions: Iterable[Suggestion],
    labels: Labels,
    in_universe: Callable[[str, str], bool],
    threshold: float,
) -> Measure:
    """Precision and recall of the suggestions scoring ``threshold`` (or meeting a rule)
    inside the universe."""
    chosen: dict[tuple[str, str], float] = {}
    for s in suggestions:
        if not in_universe(s.left, s.right) or s.key in labels.ambiguous:
            continue
        if s.score >= threshold or s.rule is not None:
            chosen[s.key] = s.score
    hits = [p for p in chosen if p in labels.same]
    return Measure(
        threshold,
        len(chosen),
        len(hits),
        len(labels.same),
        sorted((a, b, sc) for (a, b), sc in chosen.items() if (a, b) not in labels.same),
        sorted(p for p in labels.same if p not in chosen),
    )
