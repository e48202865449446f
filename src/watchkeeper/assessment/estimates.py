"""Estimates as a viewer sees them: side by side, with their ranges, conflicts flagged and
nothing averaged or chosen.

An estimate's stated figure becomes an interval for comparison: an exact figure is a
point; "about" is taken as within ±20 %; a range is itself; "at least"/"more than" is open
above; "at most" is open below (from zero). A *capacity* figure (the rounds containers
could hold if all carried shells of one calibre) is a ceiling, not a count, so it is the
interval from zero to the figure (open above when stated as "more than"). Two estimates
of one measure and subject conflict when their intervals do not meet and they speak of
the same time: for running totals, "as of" dates within 45 days of each other; for
figures of a period, the same period. Two figures from one estimator are its revisions,
not a conflict.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from watchkeeper.assessment.dataset import measures
from watchkeeper.assessment.periods import last_day
from watchkeeper.assessment.sources import Citation
from watchkeeper.store import Reader
from watchkeeper.store.assessment import StoredEstimate, read_estimates

ABOUT = 0.2
SAME_TIME_DAYS = 45


@dataclass(frozen=True)
class Estimate:
    id: str
    key: str
    measure: str
    measure_label: str
    unit: str
    subject: str
    bound: str
    low: float | None
    best: float | None
    high: float | None
    capacity: bool
    period_start: str | None
    period_end: str | None
    reported: str
    estimator: str
    sector: str | None
    method: str
    statement: str
    event_id: str | None
    credibility: int | None
    citation: Citation | None
    marking: str

    @property
    def as_of(self) -> date:
        """The date the figure speaks of: its period's end, else when it was reported."""
        return last_day(self.period_end or self.reported)

    @property
    def grade(self) -> str:
        return (
            self.citation.grade(self.credibility) if self.citation else f"F{self.credibility or 6}"
        )

    def interval(self) -> tuple[float, float]:
        low, best, high = self.low, self.best, self.high
        if self.bound == "range":
            lo, hi = float(low or 0), float(high if high is not None else math.inf)
        elif self.bound in ("at least", "more than"):
            lo, hi = float(low or 0), math.inf
        elif self.bound == "at most":
            lo, hi = 0.0, float(high or 0)
        elif self.bound == "about":
            lo, hi = float(best or 0) * (1 - ABOUT), float(best or 0) * (1 + ABOUT)
        else:
            lo = hi = float(best or 0)
        if self.capacity:
            return 0.0, hi
        return lo, hi

    def figure(self) -> str:
        """The figure as stated: 'more than 1,000 containers', '0.4–2 million rounds'."""
        unit = self.unit
        if self.bound == "range":
            text = f"{number(self.low)}–{number(self.high)}"
            if self.best is not None and self.best not in (self.low, self.high):
                text += f" (best {number(self.best)})"
        elif self.bound in ("at least", "more than"):
            text = f"{self.bound} {number(self.low)}"
        elif self.bound == "at most":
            text = f"at most {number(self.high)}"
        elif self.bound == "about":
            text = f"about {number(self.best)}"
        else:
            text = number(self.best)
        if unit == "percent":
            return f"{text} %"
        return f"{text} {unit}"

    def point(self) -> float:
        """Where to draw the estimate: its best figure, else its stated bound."""
        for value in (self.best, self.low, self.high):
            if value is not None:
                return value
        return 0.0


def number(value: float | None) -> str:
    if value is None:
        return "?"
    if value >= 1_000_000 and value % 100_000 == 0:
        return f"{value / 1_000_000:g} million"
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"


def _view(stored: StoredEstimate) -> Estimate:
    rec = stored.record
    known = measures()
    return Estimate(
        id=stored.id,
        key=rec.key,
        measure=rec.measure,
        measure_label=known[rec.measure].label if rec.measure in known else rec.measure,
        unit=rec.unit,
        subject=rec.subject,
        bound=rec.bound,
        low=rec.low,
        best=rec.best,
        high=rec.high,
        capacity=rec.capacity,
        period_start=rec.period_start,
        period_end=rec.period_end,
        reported=rec.reported,
        estimator=rec.estimator,
        sector=rec.sector,
        method=rec.method,
        statement=rec.statement,
        event_id=rec.event_id,
        credibility=rec.credibility,
        citation=Citation.from_source(stored.provenance.source),
        marking=stored.provenance.marking.key,
    )


def estimates(
    reader: Reader, measures_wanted: list[str] | None = None, as_of: date | None = None
) -> list[Estimate]:
    """The estimates the viewer may see, reported by ``as_of`` when given, in a report
    published by then, oldest first (facts only, unless the reader was given other kinds
    of material)."""
    reader = reader.for_analysis()
    out = [_view(s) for s in read_estimates(reader, measures_wanted)]
    if as_of is not None:
        out = [
            e
            for e in out
            if last_day(e.reported) <= as_of
            and (e.citation is None or e.citation.published_by(as_of))
        ]
    return sorted(out, key=lambda e: (e.as_of, e.reported, e.key, e.id))


@dataclass(frozen=True)
class Conflict:
    first: Estimate
    second: Estimate

    @property
    def reason(self) -> str:
        days = abs((self.second.as_of - self.first.as_of).days)
        when = "the same period" if days == 0 else f"{days} days apart"
        return (
            f"{self.first.estimator}: {self.first.figure()} vs "
            f"{self.second.estimator}: {self.second.figure()} ({when})"
        )


def _same_time(a: Estimate, b: Estimate, cumulative: bool) -> bool:
    if cumulative:
        return abs((a.as_of - b.as_of).days) <= SAME_TIME_DAYS
    return (a.period_start, a.period_end) == (b.period_start, b.period_end)


def conflicts(items: list[Estimate]) -> list[Conflict]:
    """Pairs of estimates of one measure and subject, of the same time, that cannot both
    be right. Capacity figures (ceilings) conflict only with counts above them."""
    known = measures()
    groups: dict[tuple[str, str], list[Estimate]] = defaultdict(list)
    for est in items:
        groups[(est.measure, est.subject)].append(est)
    out = []
    for (measure, _), group in sorted(groups.items()):
        cumulative = known[measure].cumulative if measure in known else True
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                if a.estimator == b.estimator or not _same_time(a, b, cumulative):
                    continue
                (alo, ahi), (blo, bhi) = a.interval(), b.interval()
                if ahi < blo or bhi < alo:
                    out.append(Conflict(a, b))
    return out


@dataclass(frozen=True)
class Spread:
    """What the estimates of one measure and subject say together: never one figure."""

    measure: str
    measure_label: str
    subject: str
    unit: str
    count: int
    estimators: int
    lowest: float
    highest: float
    conflicts: int
    latest: Estimate


def spreads(items: list[Estimate], found: list[Conflict] | None = None) -> list[Spread]:
    found = conflicts(items) if found is None else found
    groups: dict[tuple[str, str], list[Estimate]] = defaultdict(list)
    for est in items:
        groups[(est.measure, est.subject)].append(est)
    out = []
    for (measure, subject), group in sorted(groups.items()):
        figures = [v for e in group for v in (e.low, e.best, e.high) if v is not None]
        clashes = sum(1 for c in found if (c.first.measure, c.first.subject) == (measure, subject))
        out.append(
            Spread(
                measure,
                group[0].measure_label,
                subject,
                group[0].unit,
                len(group),
                len({e.estimator for e in group}),
                min(figures),
                max(figures),
                clashes,
                max(group, key=lambda e: (e.as_of, e.reported, e.key)),
            )
        )
    return out


def chart_group(items: list[Estimate], chart: str) -> list[Estimate]:
    """The estimates drawn on one chart (``shells``: every estimate of rounds supplied,
    running totals and yearly figures alike)."""
    known = measures()
    return [e for e in items if e.measure in known and known[e.measure].chart == chart]
