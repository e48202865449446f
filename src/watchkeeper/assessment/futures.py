"""The partnership's futures as a viewer sees them: scenarios, the indicator board, the
Bayesian update over time and the ACH matrix, all from judgments and events the viewer
may see (a judgment about an event the viewer may not see is left out with the event).

Which of several organisations' judgments of one thing is used, and how far each
observation may move the odds (the wartime band, the cap of its report's grade, the cap
on all wartime evidence together), is :mod:`~watchkeeper.assessment.weighing`'s.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from watchkeeper.assessment import ach, bayes
from watchkeeper.assessment.dataset import HORIZONS, data_file
from watchkeeper.assessment.periods import first_day
from watchkeeper.assessment.sources import Citation, judgment_known_by
from watchkeeper.assessment.trackers import EventFact, strength
from watchkeeper.assessment.weighing import choose, grade_cap, limited, owner, wartime_together
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
    """As judged: the indicator's, or the observation's own when it sets them."""
    reason: str
    analyst: str
    overridden: bool
    marking: str = "TLP:CLEAR"
    applied: dict[str, float] = field(default_factory=dict)
    """What the update multiplies by: ``likelihoods`` after the wartime band and the cap
    of the report's grade."""
    cap: float = math.inf
    """The largest Bayes factor (highest ratio over lowest) the report's grade allows."""
    limits: tuple[str, ...] = ()
    """What limited the ratios, in words (empty when nothing did)."""
    owner: str = ""
    """Whose observation it is (the marking's originator, else the dataset)."""


@dataclass
class Indicator:
    id: str
    title: str
    description: str
    sectors: list[str]
    reason: str
    analyst: str
    marking: str = "TLP:CLEAR"
    horizon: str = "post-war"
    """``wartime`` (how close the partners are while the war lasts) or ``post-war``."""
    likelihoods: dict[str, float] = field(default_factory=dict)
    likelihood_reasons: dict[str, str] = field(default_factory=dict)
    likelihood_owners: dict[str, str] = field(default_factory=dict)
    """Per scenario, whose ratio is used."""
    likelihood_others: dict[str, list[str]] = field(default_factory=dict)
    """Per scenario, the other organisations' ratios the viewer may see, not used."""
    likelihood_markings: set[str] = field(default_factory=set)
    """The markings of the likelihood judgments shown, used or not."""
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
    percent: int = 0
    """The whole percent printed; ``word`` is that of this number, so a printed figure is
    never outside its printed range (44.9 % prints as 45 %, roughly even chance)."""

    @property
    def shown(self) -> str:
        """The percent as printed: under 1 and over 99 are not rounded to 0 or 100."""
        if self.value < 0.01:
            return "<1"
        if self.value > 0.99:
            return ">99"
        return str(self.percent)


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
    precedents: list[dict[str, Any]] = field(default_factory=list)
    """Historical precedents: base rates and assumptions behind the priors, not evidence."""
    wartime_limits: dict[str, str] = field(default_factory=dict)
    """Per evidence id, how the joint cap on wartime evidence limited it."""

    def series(self) -> list[tuple[str, dict[str, float]]]:
        """(date, probabilities) at the start and after each step."""
        if not self.scenarios or self.start is None:
            return []
        priors = bayes.normalise({s.id: s.prior for s in self.scenarios})
        out = [(self.start, priors)]
        out += [(step.date, step.after) for step in self.steps]
        return out


def probability(scenario: str, value: float) -> Probability:
    percent = round(value * 100)
    shown = min(max(percent, 1), 99)  # "<1" and ">99" are read as 1 and 99
    word, bounds = bayes.icd203(shown / 100)
    return Probability(scenario, value, word, bounds, percent)


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
    by_key: dict[str, list[StoredJudgment]] = defaultdict(list)
    for stored in read_judgments(reader, KINDS):
        # Made by then, and resting on no report published after then (issue 24).
        if _made_by(stored.record, as_of) and judgment_known_by(stored, as_of):
            by_key[stored.record.key].append(stored)
    kinds: dict[str, list[StoredJudgment]] = defaultdict(list)
    unused: dict[str, list[StoredJudgment]] = {}
    for key in sorted(by_key):
        used, others = choose(by_key[key], reader.viewer.organisation)
        kinds[used.record.kind].append(used)
        unused[key] = others

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
            horizon=str(rec.detail.get("horizon", "post-war")),
            citations=cited(stored),
            cited_markings=cited_marks(stored),
        )
        if indicators[rec.subject].horizon not in HORIZONS:
            indicators[rec.subject].horizon = "post-war"
    for stored in kinds["likelihood"]:
        rec = stored.record
        ind = indicators.get(rec.subject)
        if ind is None or rec.object not in known:
            continue
        ind.likelihoods[str(rec.object)] = float(rec.value or 1)
        ind.likelihood_reasons[str(rec.object)] = rec.reason
        ind.likelihood_owners[str(rec.object)] = owner(stored)
        ind.likelihood_others[str(rec.object)] = [
            f"{owner(o)} x{float(o.record.value or 1):g}" for o in unused.get(rec.key, [])
        ]
        ind.likelihood_markings |= {
            o.provenance.marking.key for o in [stored, *unused.get(rec.key, [])]
        }
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
        cap = grade_cap(event.reliability, event.credibility)
        applied, limits = limited(values, ind.horizon, cap)
        ind.observations.append(
            Observation(
                ind.id,
                event,
                values,
                rec.reason,
                rec.analyst,
                bool(override),
                stored.provenance.marking.key,
                applied,
                cap,
                limits,
                owner(stored),
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
            likelihoods=obs.applied,
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
    wartime_notes: dict[str, str] = {}
    if scenarios:
        start = min(first_day(s.made_on) for s in scenarios).isoformat()
        # Evidence dated before the priors were set is taken to be in them already.
        later = [e for e in evidence if e.date >= start]
        horizon = {ind.id: ind.horizon for ind in indicators.values()}
        later, wartime_notes = wartime_together(later, horizon)
        final, steps = bayes.update({s.id: s.prior for s in scenarios}, later)
        posterior = [probability(h, p) for h, p in final.items()]

    result, items, precedents = _ach(kinds, known, by_event)
    return Futures(
        scenarios,
        sorted(indicators.values(), key=lambda i: i.id),
        posterior,
        steps,
        start,
        missing,
        result,
        items,
        precedents,
        wartime_notes,
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
) -> tuple[ach.Result | None, dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """The ACH matrix over the viewer's evidence items and consistency marks, and the
    precedents, which are base rates behind the priors rather than evidence: a thing
    that happened in 1990 is not inconsistent with a future."""
    relevance = _relevance_weight()
    described: dict[str, dict[str, Any]] = {}
    precedents: list[dict[str, Any]] = []
    for stored in kinds["evidence"]:
        rec = stored.record
        detail = rec.detail
        if detail.get("role") == "precedent":
            precedents.append(
                {
                    "label": str(detail.get("title", rec.subject)),
                    "date": str(detail.get("date", rec.made_on)),
                    "bears_on": str(detail.get("bears_on", "")),
                    "citation": Citation.from_source(stored.provenance.source),
                    "analyst": rec.analyst,
                    "marking": stored.provenance.marking.key,
                }
            )
            continue
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
        return None, described, precedents
    return ach.analyse(sorted(hypotheses), items), described, precedents
