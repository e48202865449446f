"""A model's output held against the estimates of the same quantity (``checks`` in
``models.yaml``), so that a model contradicting a well-graded estimate is flagged rather
than printed beside it in silence.

For each check, the estimates the viewer may see of the named measure that speak of the
model's time are candidates (a *capacity* figure is a ceiling, not a count, and is left
out); the best-graded one (source reliability x information credibility, then the most
recent) is compared:

- ``part``: the estimate covers part of the model's period, so the model's figure cannot
  be smaller. Conflict when the model's median is below the estimate's lower end.
- ``same``: the estimate covers the same time. Conflict when the model's 5-95 % range and
  the estimate's range do not meet.

An estimate's range is :meth:`~watchkeeper.assessment.estimates.Estimate.interval` ("about"
is read as ±20 %). Neither side is set aside: the report says which is in doubt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from watchkeeper.assessment.estimates import Estimate, number
from watchkeeper.assessment.models import ModelResult, ModelSpec
from watchkeeper.assessment.periods import first_day, last_day
from watchkeeper.assessment.trackers import strength


@dataclass(frozen=True)
class Check:
    model: str
    relation: str
    estimate: Estimate
    conflict: bool
    text: str
    candidates: int
    """How many estimates of that measure and time the viewer may see."""


def rules(spec: ModelSpec) -> list[dict[str, Any]]:
    """``spec``'s checks (checked when the models were loaded)."""
    return list(spec.settings.get("checks") or [])


def _speaks_of(e: Estimate, start: str, end: str, relation: str) -> bool:
    e_end = last_day(e.period_end or e.reported)
    e_start = first_day(e.period_start) if e.period_start else None
    if relation == "part":  # within the model's period (no start: since supply began)
        return e_end <= last_day(end) and (e_start is None or e_start >= first_day(start))
    return e_end >= first_day(start) and (e_start or e_end) <= last_day(end)


def _grade_key(e: Estimate) -> tuple[float, str, str]:
    reliability = e.citation.reliability if e.citation else "F"
    return (strength(reliability, e.credibility), e.reported, e.key)


def _figure(value: float, share: bool) -> str:
    return f"{value * 100:.0f} %" if share else number(round(value, -5) if value >= 1e6 else value)


def check(result: ModelResult, seen: list[Estimate]) -> list[Check]:
    """``result`` against the best-graded estimate of each of its checks."""
    spec = result.spec
    period = spec.settings.get("period") or {}
    share = spec.unit == "share"
    out = []
    s = result.summary
    for rule in rules(spec):
        relation = str(rule["relation"])
        candidates = [
            e
            for e in seen
            if e.measure == rule.get("measure")
            and not e.capacity
            and _speaks_of(e, str(period["start"]), str(period["end"]), relation)
        ]
        if not candidates:
            continue
        best = max(candidates, key=_grade_key)
        scale = float(rule.get("scale", 1))
        low, high = (v * scale for v in best.interval())
        said = f"{best.estimator}: {best.figure()} ({best.grade})"
        median, p5, p95 = (_figure(v, share) for v in (s.p50, s.p5, s.p95))
        if relation == "part":
            conflict = s.p50 < low
            if conflict:
                worse = f" and even its 95th percentile ({p95}) are" if s.p95 < low else " is"
                text = (
                    f"Conflict with {said}, which covers part of the model's period: the "
                    f"model's median ({median}){worse} below that estimate's lower end "
                    f"({_figure(low, share)}). The model's assumptions or the estimate are "
                    "wrong; neither is set aside."
                )
            else:
                text = f"Consistent with {said}, part of the model's period."
        else:
            conflict = s.p95 < low or s.p5 > high
            if conflict:
                text = (
                    f"Conflict with {said}, of the same time: the model's 5–95 % range "
                    f"({p5}–{p95}) and the estimate's ({_figure(low, share)}–"
                    f"{_figure(high, share)}) do not meet. The model's assumptions or the "
                    "estimate are wrong; neither is set aside."
                )
            else:
                text = f"Consistent with {said}, of the same time."
        out.append(Check(spec.name, relation, best, conflict, text, len(candidates)))
    return out


def impossible_text(result: ModelResult) -> str | None:
    """A warning when some draws pass the bound the output cannot pass."""
    share = result.impossible
    if share <= 0:
        return None
    reason = result.spec.settings.get("at_most_reason", "")
    bound = float(result.spec.settings["at_most"])
    shown = f"{bound * 100:.0f} %" if result.spec.unit == "share" else f"{bound:,g}"
    return (
        f"{share:.0%} of the draws exceed {shown}, which is impossible ({reason.rstrip('.')}): "
        "the assumptions are inconsistent with one another, and the range printed includes "
        "those draws rather than hiding them."
    )
