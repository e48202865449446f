"""The partnership's futures as a viewer sees them: scenarios, the indicator board, the
Bayesian update over time and the ACH matrix, all from judgments and events the viewer
may see (a judgment about an event the viewer may not see is left out with the event).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from watchkeeper.assessment import ach, bayes
from watchkeeper.assessment.dataset import data_file
from watchkeeper.assessment.periods import first_day
from watchkeeper.assessment.sources import Citation, judgment_known_by
from watchkeeper.assessment.trackers import EventFact, strength
from watchkeeper.store import Reader
from watchkeeper.store.assessment import CITE, StoredJudgment, read_judgments

KINDS = ("scenario", "prior", "indicator", "likelihood", "observation", "evidence", "consistency")


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    description: str
    prior: float
    prior_reason: str
    analyst: str
    confidence: str | None
    made_on: str
    marking: str
    citations: tuple[Citation | None, ...] = ()
    """What the description and the prior's reason state as fact rests on (the viewer's
    events and reports only)."""
    cited_markings: tuple[str, ...] = ()
    """The markings of the events cited."""


@dataclass(frozen=True)
class Observation:
    indicator: str
    event: EventFact
    likelihoods: dict[str, float]
    reason: str
    analyst: str
    overridden: bool
    marking: str = "TLP:CLEAR"


@dataclass
class Indicator:
    id: str
    title: str
    description: str
    sectors: list[str]
    reason: str
    analyst: str
    marking: str = "TLP:CLEAR"
    likelihoods: dict[str, float] = field(default_factory=dict)
    likelihood_reasons: dict[str, str] = field(default_factory=dict)
    observations: list[Observation] = field(default_factory=list)
    citations: list[Citation | None] = field(default_factory=list)
    """What the description and the likelihoods' reasons rest on, as for a scenario."""
    cited_markings: set[str] = field(default_factory=set)

    @property
    def observed(self) -> bool:
        return bool(self.observations)

    @property
    def last_observed(self) -> str | None:
        return max((o.event.date for o in self.observations), default=None)

    def favours(self) -> str | None:
        """The scenario one observation favours most (highest relative likelihood)."""
        if not self.likelihoods:
            return None
        return max(sorted(self.likelihoods), key=lambda s: self.likelihoods[s])


@dataclass(frozen=True)
class Probability:
    scenario: str
    value: float
    word: str
    range: tuple[int, int]


@dataclass
class Futures:
    scenarios: list[Scenario]
    indicators: list[Indicator]
    posterior: list[Probability]
    steps: list[bayes.Step]
    start: str | None
    missing_likelihoods: list[tuple[str, str]]
    ach: ach.Result | None
    ach_items: dict[str, dict[str, Any]]

    def series(self) -> list[tuple[str, dict[str, float]]]:
        """(date, probabilities) at the start and after each step."""
        if not self.scenarios or self.start is None:
            return []
        priors = bayes.normalise({s.id: s.prior for s in self.scenarios})
        out = [(self.start, priors)]
        out += [(step.date, step.after) for step in self.steps]
        return out


def probability(scenario: str, value: float) -> Probability:
    word, bounds = bayes.icd203(value)
    return Probability(scenario, value, word, bounds)


@cache
def _relevance_weight() -> dict[str, float]:
    data = data_file("evidence.yaml")
    weights: dict[str, float] = data.get("relevance_weight", {})
    return weights


def _made_by(rec: Any, as_of: date | None) -> bool:
    return as_of is None or first_day(rec.made_on) <= as_of


def futures(reader: Reader, events: list[EventFact], as_of: date | None = None) -> Futures:
    """Scenarios, indicators, the update and ACH from the viewer's judgments and events
    (``events``: the viewer's events up to ``as_of``); facts only, unless the reader was
    given other kinds of material."""
    reader = reader.for_analysis()
    by_event = {e.id: e for e in events}
    kinds: dict[str, list[StoredJudgment]] = defaultdict(list)
    for stored in read_judgments(reader, KINDS):
        # Made by then, and resting on no report published after then (issue 24).
        if _made_by(stored.record, as_of) and judgment_known_by(stored, as_of):
            kinds[stored.record.kind].append(stored)

    def cited(*rows: StoredJudgment) -> list[Citation | None]:
        return citations(rows, by_event)

    def cited_marks(*rows: StoredJudgment) -> set[str]:
        named = {e for r in rows for e in r.record.detail.get("events", [])}
        return {by_event[e].marking for e in named if e in by_event}

    priors = {j.record.subject: j for j in kinds["prior"]}
    scenarios = []
    for stored in kinds["scenario"]:
        rec = stored.record
        prior = priors.get(rec.subject)
        if prior is None:
            continue  # a scenario without a prior the viewer may see cannot be weighed
        scenarios.append(
            Scenario(
                rec.subject,
                str(rec.detail.get("title", rec.subject)),
                str(rec.detail.get("description", "")),
                float(prior.record.value or 0),
                prior.record.reason,
                prior.record.analyst,
                prior.record.confidence,
                prior.record.made_on,
                prior.provenance.marking.key,
                tuple(cited(stored, prior)),
                tuple(sorted(cited_marks(stored, prior))),
            )
        )
    scenarios.sort(key=lambda s: s.id)
    known = {s.id for s in scenarios}

    indicators: dict[str, Indicator] = {}
    for stored in kinds["indicator"]:
        rec = stored.record
        indicators[rec.subject] = Indicator(
            rec.subject,
            str(rec.detail.get("title", rec.subject)),
            str(rec.detail.get("description", "")),
            list(rec.detail.get("sectors", [])),
            rec.reason,
            rec.analyst,
            stored.provenance.marking.key,
            citations=cited(stored),
            cited_markings=cited_marks(stored),
        )
    for stored in kinds["likelihood"]:
        rec = stored.record
        ind = indicators.get(rec.subject)
        if ind is None or rec.object not in known:
            continue
        ind.likelihoods[str(rec.object)] = float(rec.value or 1)
        ind.likelihood_reasons[str(rec.object)] = rec.reason
        ind.citations += [c for c in cited(stored) if c not in ind.citations]
        ind.cited_markings |= cited_marks(stored)
    for stored in kinds["observation"]:
        rec = stored.record
        ind = indicators.get(rec.subject)
        event = by_event.get(str(rec.object)) if rec.object else _cited_evidence(stored)
        if ind is None or event is None:
            continue
        override = rec.detail.get("likelihoods")
        values = dict(override) if override else dict(ind.likelihoods)
        values = {k: float(v) for k, v in values.items() if k in known}
        ind.observations.append(
            Observation(
                ind.id,
                event,
                values,
                rec.reason,
                rec.analyst,
                bool(override),
                stored.provenance.marking.key,
            )
        )
    for ind in indicators.values():
        ind.observations.sort(key=lambda o: (first_day(o.event.date), o.event.id))
    missing = sorted(
        (ind.id, s) for ind in indicators.values() for s in known if s not in ind.likelihoods
    )

    evidence = [
        bayes.Evidence(
            id=f"{obs.indicator}:{obs.event.id}",
            date=first_day(obs.event.date).isoformat(),
            likelihoods=obs.likelihoods,
            label=obs.event.title,
            indicator=obs.indicator,
            reason=obs.reason,
        )
        for ind in indicators.values()
        for obs in ind.observations
    ]
    posterior: list[Probability] = []
    steps: list[bayes.Step] = []
    start = None
    if scenarios:
        start = min(first_day(s.made_on) for s in scenarios).isoformat()
        # Evidence dated before the priors were set is taken to be in them already.
        later = [e for e in evidence if e.date >= start]
        final, steps = bayes.update({s.id: s.prior for s in scenarios}, later)
        posterior = [probability(h, p) for h, p in final.items()]

    result, items = _ach(kinds, known, by_event)
    return Futures(
        scenarios,
        sorted(indicators.values(), key=lambda i: i.id),
        posterior,
        steps,
        start,
        missing,
        result,
        items,
    )


def citations(
    rows: tuple[StoredJudgment, ...], by_event: dict[str, EventFact]
) -> list[Citation | None]:
    """The citations of judgments' text, in order, each once: the events they name that the
    viewer may see (an event's citation is None when its report is withheld from the
    viewer), then the report they cite when the viewer may see it. An event or report the
    viewer may not see leaves no trace."""
    out: list[Citation | None] = []
    for stored in rows:
        found = [
            by_event[e].citation for e in stored.record.detail.get("events", []) if e in by_event
        ]
        source = stored.provenance.source
        if source is not None and CITE in str(source.get("id", "")):
            found.append(Citation.from_source(source))
        out += [c for c in found if c not in out]
    return out


def _cited_evidence(stored: StoredJudgment) -> EventFact | None:
    """An observation of something outside the event data, carrying its own citation."""
    rec = stored.record
    if "date" not in rec.detail:
        return None
    return EventFact(
        id=rec.key,
        date=str(rec.detail["date"]),
        title=str(rec.detail.get("title", rec.key)),
        summary=str(rec.detail.get("title", rec.key)),
        sectors=(),
        places=(),
        involved=(),
        credibility=rec.credibility,
        citation=Citation.from_source(stored.provenance.source),
    )


def _ach(
    kinds: dict[str, list[StoredJudgment]],
    hypotheses: set[str],
    by_event: dict[str, EventFact],
) -> tuple[ach.Result | None, dict[str, dict[str, Any]]]:
    """The ACH matrix over the viewer's evidence items and consistency marks."""
    relevance = _relevance_weight()
    described: dict[str, dict[str, Any]] = {}
    for stored in kinds["evidence"]:
        rec = stored.record
        detail = rec.detail
        if detail.get("event"):
            event = by_event.get(rec.subject)
            if event is None:
                continue
            described[rec.subject] = {
                "label": event.title,
                "date": event.date,
                "credibility": event.credibility,
                "citation": event.citation,
                "weight": relevance.get(str(detail.get("relevance")), 0.5)
                * strength(event.reliability, event.credibility),
                "relevance": detail.get("relevance"),
                "event": event,
                "marking": stored.provenance.marking.key,
            }
        else:
            cite = Citation.from_source(stored.provenance.source)
            described[rec.subject] = {
                "label": str(detail.get("title", rec.subject)),
                "date": str(detail.get("date", rec.made_on)),
                "credibility": rec.credibility,
                "citation": cite,
                "weight": relevance.get(str(detail.get("relevance")), 0.5)
                * strength(cite.reliability if cite else "F", rec.credibility),
                "relevance": detail.get("relevance"),
                "event": None,
                "marking": stored.provenance.marking.key,
            }
    marks: dict[str, dict[str, str]] = defaultdict(dict)
    reasons: dict[str, dict[str, str]] = defaultdict(dict)
    for stored in kinds["consistency"]:
        rec = stored.record
        if rec.subject in described and rec.object in hypotheses:
            marks[rec.subject][str(rec.object)] = str(rec.value)
            reasons[rec.subject][str(rec.object)] = rec.reason
    items = [
        ach.Item(key, str(info["label"]), round(float(info["weight"]), 6), marks[key])
        for key, info in described.items()
        if marks.get(key)
    ]
    for key, info in described.items():
        info["reasons"] = reasons.get(key, {})
    if not hypotheses or not items:
        return None, described
    return ach.analyse(sorted(hypotheses), items), described
