"""Sector and capability trackers, computed on what the viewer may see.

Events are the theater's (and any other dataset's) FtM ``Event`` entities, read through
the viewer's Reader. An event's sectors are its ``keywords`` that name a sector of the
taxonomy (an event may belong to several; each counts once in each). Its evidence
strength comes from its grading: the reliability of the source it cites and its own
information credibility, weighted as ``data/evidence.yaml`` declares.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from watchkeeper.assessment.dataset import data_file, help_levels
from watchkeeper.assessment.estimates import Estimate
from watchkeeper.assessment.periods import Period, first_day
from watchkeeper.assessment.sources import Citation, cited_report, judgment_known_by
from watchkeeper.model.sectors import sectors
from watchkeeper.store import Reader
from watchkeeper.store.assessment import (
    event_dates,
    event_ids_with,
    read_estimates,
    read_judgments,
)
from watchkeeper.store.reader import EntityView

CLASSES = ("confirmed", "reported", "assessed")
EVENT_CHUNK = 2000
DOMAINS = (
    "ground",
    "air",
    "air_defence",
    "maritime",
    "undersea",
    "missile",
    "space",
    "ew",
    "nuclear",
)


@cache
def _grading() -> dict[str, Any]:
    return data_file("evidence.yaml")


def evidence_class(credibility: int | None) -> str:
    for name, values in _grading()["classes"].items():
        if (credibility or 6) in values:
            return str(name)
    return "assessed"


def strength(reliability: str, credibility: int | None) -> float:
    grading = _grading()
    return float(grading["reliability_weight"].get(reliability, 0.3)) * float(
        grading["credibility_weight"].get(credibility or 6, 0.3)
    )


@dataclass(frozen=True)
class EventFact:
    id: str
    date: str
    title: str
    summary: str
    sectors: tuple[str, ...]
    places: tuple[str, ...]
    involved: tuple[str, ...]
    credibility: int | None
    citation: Citation | None
    marking: str = "TLP:CLEAR"

    @property
    def reliability(self) -> str:
        return self.citation.reliability if self.citation else "F"

    @property
    def grade(self) -> str:
        return f"{self.reliability}{self.credibility or 6}"

    @property
    def evidence_class(self) -> str:
        return evidence_class(self.credibility)

    @property
    def strength(self) -> float:
        return strength(self.reliability, self.credibility)


def _event(view: EntityView, sources: dict[str, dict[str, Any]]) -> EventFact | None:
    entity = view.entity
    dates = sorted(entity.get("date") or entity.get("startDate"))
    if not dates:
        return None
    codes = sectors()
    # The statement that names the event carries its citation and grading.
    named = [sv for sv in view.statements if sv.statement.prop in ("name", "summary")]
    first = named[0] if named else view.statements[0]
    credibilities = [sv.credibility for sv in named if sv.credibility is not None]
    return EventFact(
        id=view.id,
        # to the day: a detection's start is a time ("2024-03-01T00:00:00"), and the
        # trackers count by day, month, quarter and year
        date=dates[0][:10],
        title=entity.caption,
        summary=" ".join(entity.get("summary")) or entity.caption,
        sectors=tuple(sorted(k for k in set(entity.get("keywords")) if k in codes)),
        places=tuple(sorted(entity.get("location"))),
        involved=tuple(sorted(entity.get("involved"))),
        credibility=min(credibilities) if credibilities else None,
        citation=Citation.from_source(sources.get(first.source_id)),
        marking=first.marking.key,
    )


def read_events(reader: Reader, until: date | None = None) -> list[EventFact]:
    """The partnership's events the viewer may see (up to ``until``), oldest first: those
    with a sector of the taxonomy, and any other the viewer's estimates and judgments
    cite. Other events (AIS detections...) are left out; :func:`count_other_events`
    counts them. Facts only, unless the reader was given other kinds of material."""
    reader = reader.for_analysis()
    sources = {src["id"]: src for src in reader.sources()}
    ids = set(event_ids_with(reader, "keywords", list(sectors())))
    ids |= _cited_events(reader)
    ordered = sorted(ids)
    out = []
    for start in range(0, len(ordered), EVENT_CHUNK):  # IN lists within every driver's limits
        for view in reader.entities(ordered[start : start + EVENT_CHUNK]):
            if view.schema != "Event":
                continue
            fact = _event(view, sources)
            if fact is None or (until is not None and first_day(fact.date) > until):
                continue
            out.append(fact)
    return sorted(out, key=lambda e: (first_day(e.date), e.id))


def _cited_events(reader: Reader) -> set[str]:
    """Entities the viewer's judgments and estimates name as their evidence."""
    cited: set[str] = set()
    for stored in read_judgments(reader, ["observation", "evidence", "capability"]):
        rec = stored.record
        if rec.kind == "observation" and rec.object:
            cited.add(rec.object)
        elif rec.kind == "evidence" and rec.detail.get("event"):
            cited.add(rec.subject)
        elif rec.kind == "capability":
            cited.update(str(e) for e in rec.detail.get("evidence", []))
    cited.update(s.record.event_id for s in read_estimates(reader) if s.record.event_id)
    return cited


def count_other_events(reader: Reader, period: Period, shown: set[str]) -> int:
    """Events of ``period`` the viewer may see that are not among ``shown`` (facts only,
    unless the reader was given other kinds of material)."""
    reader = reader.for_analysis()
    dated = event_dates(reader, f"{period.start.year:04d}", period.end.isoformat())
    return sum(1 for ident, when in dated if ident not in shown and period.contains(when))


@dataclass
class SectorRow:
    sector: str
    label: str
    events: int = 0
    first: str | None = None
    last: str | None = None
    by_month: Counter[str] = field(default_factory=Counter)
    classes: Counter[str] = field(default_factory=Counter)
    strength_total: float = 0.0
    strongest: str | None = None

    @property
    def shares(self) -> dict[str, float]:
        return {c: (self.classes[c] / self.events if self.events else 0.0) for c in CLASSES}

    @property
    def mean_strength(self) -> float:
        return self.strength_total / self.events if self.events else 0.0


def sector_tracker(events: list[EventFact], period: Period | None = None) -> list[SectorRow]:
    """Events by sector (within ``period``): counts by month, first and last reported,
    the share confirmed, reported or assessed, and the mean evidence strength."""
    labels = sectors()
    rows: dict[str, SectorRow] = {}
    for event in events:
        if period is not None and not period.contains(event.date):
            continue
        for code in event.sectors:
            row = rows.setdefault(code, SectorRow(code, labels[code].label))
            row.events += 1
            row.first = event.date if row.first is None else min(row.first, event.date)
            row.last = event.date if row.last is None else max(row.last, event.date)
            row.by_month[event.date[:7]] += 1
            row.classes[event.evidence_class] += 1
            row.strength_total += event.strength
            if row.strongest is None or _grade_key(event.grade) < _grade_key(row.strongest):
                row.strongest = event.grade
    order = list(labels)
    return sorted(rows.values(), key=lambda r: (-r.events, order.index(r.sector)))


def _grade_key(grade: str) -> tuple[int, str]:
    return (int(grade[1:]), grade[0])


# -- capabilities ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CapabilityChange:
    date: str
    status: str
    help: str
    help_label: str
    reason: str
    analyst: str
    confidence: str | None
    evidence: tuple[EventFact, ...]
    estimates: tuple[Estimate, ...]
    citation: Citation | None
    marking: str


@dataclass
class Capability:
    domain: str
    label: str
    baseline: CapabilityChange | None = None
    changes: list[CapabilityChange] = field(default_factory=list)

    @property
    def status(self) -> str:
        latest = self.changes[-1] if self.changes else self.baseline
        return latest.status if latest else "not assessed"

    @property
    def help(self) -> str:
        """The furthest Russian help has been borne out in this domain so far."""
        levels = list(help_levels())
        reached = [levels.index(c.help) for c in self.changes if c.help in levels]
        return levels[max(reached)] if reached else "none"


def capability_tracker(
    reader: Reader,
    events: list[EventFact],
    estimates_seen: list[Estimate],
    as_of: date | None = None,
) -> list[Capability]:
    """North Korea's capabilities by domain, each change with the evidence of Russian help
    behind it; evidence the viewer may not see, and material that is not fact, is left
    out."""
    reader = reader.for_analysis()
    by_event = {e.id: e for e in events}
    by_estimate = {e.key: e for e in estimates_seen}
    levels = help_levels()
    found: dict[str, Capability] = {}
    for stored in read_judgments(reader, ["capability"]):
        rec = stored.record
        detail = rec.detail
        # Made by then, and resting on no report published after then.
        if not judgment_known_by(stored, as_of):
            continue
        cap = found.setdefault(rec.subject, Capability(rec.subject, str(detail.get("label"))))
        change = CapabilityChange(
            date=str(detail.get("date") or rec.made_on),
            status=str(detail.get("status") or rec.reason),
            help=str(rec.value or "none"),
            help_label=levels.get(str(rec.value), ""),
            reason=rec.reason,
            analyst=rec.analyst,
            confidence=rec.confidence,
            evidence=tuple(by_event[e] for e in detail.get("evidence", []) if e in by_event),
            estimates=tuple(
                by_estimate[k] for k in detail.get("estimates", []) if k in by_estimate
            ),
            citation=cited_report(stored.provenance.source),
            marking=stored.provenance.marking.key,
        )
        if detail.get("baseline"):
            cap.baseline = change
        else:
            cap.changes.append(change)
    for cap in found.values():
        cap.changes.sort(key=lambda c: (first_day(c.date), c.status))
    order = {d: i for i, d in enumerate(DOMAINS)}
    out = [found.get(d) or Capability(d, d.replace("_", " ").capitalize()) for d in DOMAINS]
    out += sorted((c for d, c in found.items() if d not in order), key=lambda c: c.domain)
    return out


def events_by_month(events: list[EventFact], period: Period) -> dict[str, dict[str, int]]:
    """sector -> month -> number of events, for the period's months (for charts)."""
    out: dict[str, dict[str, int]] = defaultdict(dict)
    months = period.months()
    for event in events:
        if not period.contains(event.date) or not first_day(event.date) <= period.end:
            continue
        month = event.date[:7] if len(event.date) >= 7 else None
        if month is None or month not in months:
            continue
        for code in event.sectors:
            out[code][month] = out[code].get(month, 0) + 1
    return {code: {m: out[code].get(m, 0) for m in months} for code in sorted(out)}
