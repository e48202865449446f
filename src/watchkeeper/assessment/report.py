"""The monitoring report: one period, as one partner may see it, as HTML and PDF.

Everything in it is read through the partner's own read path, so it holds nothing the
partner may not see (the test builds the same report from a store holding only what the
partner may see and compares). It depends only on the store's state and the date it is
made "as of": no clock, no random numbers, no file names, so the same state and date give
the same bytes. Every sentence stating a fact carries the number of the report it comes
from, listed with its grading under References; judgments are attributed to the analyst
who made them.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from followthemoney import registry
from markupsafe import Markup

from watchkeeper.assessment import (
    ach,
    bayes,
    charts,
    estimates,
    futures,
    judgments,
    modelcheck,
    models,
    trackers,
)
from watchkeeper.assessment.dataset import data_file, help_levels, measures
from watchkeeper.assessment.periods import Period, first_day, last_day
from watchkeeper.assessment.sources import (
    WITHHELD,
    Citation,
    cited_report,
    judgment_known_by,
    shown_marking,
)
from watchkeeper.errors import ConfigError
from watchkeeper.model.marking import TLP
from watchkeeper.model.sectors import sectors
from watchkeeper.store import Reader
from watchkeeper.store.assessment import read_judgments

NETWORK_NODES = 16
REPORT_MODELS = ("shells_from_containers", "nk_share_of_russian_fire")
MODEL_DRAWS, MODEL_SEED = 20_000, 1
LINK_SCHEMAS = {
    "UnknownLink", "Ownership", "Directorship", "Employment", "Representation",
    "Membership", "Family", "Associate", "Succession",
}  # fmt: skip
TIMELINE_LIMIT = 150


@dataclass
class References:
    """Numbered citations in order of first use; one number per source (one URL is one
    source, with one grade: the bundled data is held to it by a test, and a source cited
    under two grades is listed once, under the first)."""

    items: list[Citation] = field(default_factory=list)
    _index: dict[str, int] = field(default_factory=dict)

    def number(self, citation: Citation | None) -> int:
        cite = citation or WITHHELD
        if cite.key not in self._index:
            self.items.append(cite)
            self._index[cite.key] = len(self.items)
        return self._index[cite.key]


def file_stem(period: Period, as_of: date) -> str:
    """The report's file name without extension: distinct for every period (its first and
    last day, or its label when that names it: ``2024``, ``2024-Q3``, ``2024-06``) and for
    every date it is made as of, when that is not the period's end."""
    simple = re.fullmatch(r"\d{4}(-Q[1-4]|-\d{2})?", period.label, re.IGNORECASE)
    stem = period.label if simple else f"{period.start.isoformat()}_to_{period.end.isoformat()}"
    if as_of != period.end:
        stem += f"_as-of-{as_of.isoformat()}"
    return stem


def _known_since(
    reader: Reader,
    period: Period,
    as_of: date,
    events: list[trackers.EventFact],
    late_estimates: list[estimates.Estimate],
    late_models: list[tuple[str, str]],
) -> list[dict[str, str]]:
    """What happened by ``as_of`` but rests on reports published after it: left out of
    the report (an analyst could not have known it from what we hold), and named here
    without the later report, each with the marking of what it names (for the banner)."""
    rows = [
        {"what": e.title, "date": e.date, "published": str(e.citation.date), "kind": "event",
         "marking": e.marking}
        for e in events
        if period.contains(e.date) and e.citation is not None
    ]  # fmt: skip
    rows += [
        {"what": f"{e.measure_label}: {e.estimator}, {e.figure()}", "date": e.reported,
         "published": str(e.citation.date), "kind": "estimate", "marking": e.marking}
        for e in late_estimates
        if period.contains(e.reported) and e.citation is not None
    ]  # fmt: skip
    rows += [
        {"what": title, "date": "", "published": when, "kind": "model", "marking": ""}
        for title, when in late_models
    ]
    for stored in read_judgments(reader):
        rec = stored.record
        cite = cited_report(stored.provenance.source)
        if first_day(rec.made_on) > as_of or cite is None or cite.published_by(as_of):
            continue
        what = rec.detail.get("label") or rec.detail.get("title") or rec.subject
        kind = f"{rec.kind} baseline" if rec.detail.get("baseline") else rec.kind
        rows.append(
            {"what": f"{kind}: {what}", "date": rec.made_on, "published": str(cite.date),
             "kind": "judgment", "marking": stored.provenance.marking.key}
        )  # fmt: skip
    return sorted(rows, key=lambda r: (r["kind"], r["date"], r["what"]))


@dataclass
class Report:
    viewer: str
    period: Period
    as_of: date
    data: dict[str, Any]
    charts: dict[str, str]
    references: list[Citation]
    markings: list[str]

    @property
    def digest(self) -> str:
        text = json.dumps(self.data, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    @property
    def banner(self) -> str:
        """The most restrictive TLP among the markings of what the report holds."""
        levels = [TLP.parse(key.split(" | ")[0]) for key in self.markings] or [TLP.CLEAR]
        return f"TLP:{max(levels).label}"


@cache
def _places() -> dict[str, tuple[float, float]]:
    out = {}
    for name, place in data_file("places.yaml")["places"].items():
        out[name] = (float(place["lat"]), float(place["lon"]))
        for alias in place.get("aliases", []):
            out[alias] = out[name]
    return out


def build(reader: Reader, period: Period, as_of: date | None = None) -> Report:
    """Assemble the report of ``period`` for ``reader``'s viewer, as of ``as_of`` (by
    default the period's end): events, estimates and judgments dated after it are left
    out, so a report of a past period can be made again as it was. Facts only: simulated
    and exercise material is left out unless the reader was given it (``--include``)."""
    reader = reader.for_analysis()
    as_of = as_of or period.end
    refs = References()
    markings: set[str] = set()
    labels = {code: s.label for code, s in sectors().items()}

    # As of: what happened by then, from reports published by then (issue 24).
    happened = trackers.read_events(reader, until=as_of)
    all_events = [e for e in happened if e.citation is None or e.citation.published_by(as_of)]
    late_events = [e for e in happened if e not in all_events]
    dated = [e for e in all_events if period.contains(e.date) and first_day(e.date) <= as_of]
    # The partnership's events are those with a sector; others (AIS detections...) are
    # counted, not listed. A long period lists the strongest evidence first.
    in_period = [e for e in dated if e.sectors]
    until = Period(period.start, min(period.end, as_of), period.label)
    # (Events known only from later reports are under "known since", not "other".)
    accounted = {e.id for e in in_period} | {e.id for e in late_events}
    others = trackers.count_other_events(reader, until, accounted)
    listed = in_period
    if len(listed) > TIMELINE_LIMIT:
        strongest = sorted(listed, key=lambda e: (-e.strength, e.date, e.id))[:TIMELINE_LIMIT]
        listed = sorted(strongest, key=lambda e: (first_day(e.date), e.id))

    def event_row(e: trackers.EventFact) -> dict[str, Any]:
        return {
            "id": e.id,
            "date": e.date,
            "title": e.title,
            "summary": e.summary,
            "sectors": [labels.get(s, s) for s in e.sectors],
            "grade": e.grade,
            "class": e.evidence_class,
            "cite": refs.number(e.citation),
        }

    timeline = [event_row(e) for e in listed]
    markings.update(e.marking for e in in_period)
    cites_of = {e.id: refs.number(e.citation) for e in in_period}

    # -- sectors
    rows = trackers.sector_tracker(in_period)
    sector_rows = []
    for row in rows:
        cited = sorted({cites_of[e.id] for e in in_period if row.sector in e.sectors})
        sector_rows.append(
            {
                "sector": row.label,
                "events": row.events,
                "first": row.first,
                "last": row.last,
                "shares": {k: round(v * 100) for k, v in row.shares.items()},
                "strength": round(row.mean_strength, 2),
                "strongest": row.strongest,
                "cites": cited,
            }
        )
    by_month = trackers.events_by_month(in_period, period)
    months = period.months()
    sector_chart = charts.stacked_bars(
        months,
        {code: [by_month[code][m] for m in months] for code in by_month},
        labels,
        f"Events by sector and month, {period.label}",
    )

    # -- estimates
    seen_estimates = estimates.estimates(reader, as_of=as_of)
    every_estimate = estimates.estimates(reader)
    late_estimates = [
        e for e in every_estimate if last_day(e.reported) <= as_of and e not in seen_estimates
    ]
    for est in seen_estimates:
        markings.add(est.marking)

    def estimate_row(e: estimates.Estimate) -> dict[str, Any]:
        return {
            "key": e.key,
            "measure": e.measure_label,
            "subject": e.subject,
            "figure": e.figure(),
            "capacity": e.capacity,
            "period": " to ".join(p for p in (e.period_start, e.period_end) if p) or e.reported,
            "reported": e.reported,
            "estimator": e.estimator,
            "method": e.method,
            "statement": e.statement,
            "grade": e.grade,
            "cite": refs.number(e.citation),
        }

    period_estimates = [estimate_row(e) for e in seen_estimates if period.contains(e.reported)]
    found_conflicts = estimates.conflicts(seen_estimates)
    conflict_rows = [
        {
            "reason": c.reason,
            "measure": c.first.measure_label,
            "cites": sorted({refs.number(c.first.citation), refs.number(c.second.citation)}),
        }
        for c in found_conflicts
    ]
    spread_rows = []
    for sp in estimates.spreads(seen_estimates, found_conflicts):
        group = [e for e in seen_estimates if (e.measure, e.subject) == (sp.measure, sp.subject)]
        spread_rows.append(
            {
                "measure": sp.measure_label,
                "subject": sp.subject,
                "unit": sp.unit,
                "count": sp.count,
                "estimators": sp.estimators,
                "lowest": estimates.number(sp.lowest),
                "highest": estimates.number(sp.highest),
                "conflicts": sp.conflicts,
                "cites": sorted({refs.number(e.citation) for e in group}),
            }
        )
    shells = estimates.chart_group(seen_estimates, "shells")
    known = measures()
    shell_chart = charts.estimate_chart(
        [
            charts.EstimatePoint(
                when=e.as_of,
                point=e.point(),
                low=e.low if e.bound == "range" else None,
                high=e.high if e.bound == "range" else None,
                bound=e.bound,
                series=e.estimator,
                hollow=e.capacity,
                square=not known[e.measure].cumulative,
                label=f"{e.estimator}: {e.figure()} ({e.reported})",
            )
            for e in shells
        ],
        f"Every estimate of rounds supplied, by source, as of {as_of.isoformat()}",
        "rounds",
    )

    # -- model estimates (seeded: the same for every run; assumptions cite estimates)
    by_key = {e.key: e for e in seen_estimates}
    published_later = {e.key: str(e.citation.date) for e in every_estimate
                       if e.key not in by_key and e.citation is not None}  # fmt: skip
    model_rows = []
    late_models: list[tuple[str, str]] = []
    for name, spec in models.load_models().items():
        if name not in REPORT_MODELS:
            continue
        # A model whose inputs rest on reports published after the report's date is left
        # out: its numbers could not have been drawn then.
        later = sorted(
            published_later[k] for a in spec.assumptions.values() for k in a.cites
            if k in published_later
        )  # fmt: skip
        if later:
            late_models.append((f"Model: {spec.title}", later[0]))
            continue
        outcome = models.run(spec, draws=MODEL_DRAWS, seed=MODEL_SEED)
        named = {k for a in spec.assumptions.values() for k in a.cites if k in by_key}
        share = spec.unit == "share"
        checks = modelcheck.check(outcome, seen_estimates)
        model_rows.append(
            {
                "title": spec.title,
                "median": _rounded(outcome.summary.p50, share),
                "low": _rounded(outcome.summary.p5, share),
                "high": _rounded(outcome.summary.p95, share),
                "unit": "%" if share else spec.unit,
                "assumptions": [f"{a.name}: {a.describe()}" for a in spec.assumptions.values()],
                "cites": sorted({refs.number(by_key[k].citation) for k in named}),
                "checks": [
                    {
                        "text": c.text,
                        "conflict": c.conflict,
                        "cite": refs.number(c.estimate.citation),
                    }
                    for c in checks
                ],
                "impossible": modelcheck.impossible_text(outcome),
            }
        )

    # -- capabilities
    caps = trackers.capability_tracker(reader, all_events, seen_estimates, as_of)
    levels = help_levels()
    capability_rows = []
    for cap in caps:
        changes = []
        for change in cap.changes:
            markings.add(change.marking)
            changes.append(
                {
                    "date": change.date,
                    "status": change.status,
                    "help": change.help,
                    "reason": change.reason,
                    "analyst": change.analyst,
                    "confidence": change.confidence,
                    "cites": sorted(
                        {refs.number(e.citation) for e in change.evidence}
                        | {refs.number(e.citation) for e in change.estimates}
                        | ({refs.number(change.citation)} if change.citation else set())
                    ),
                    "in_period": period.contains(change.date),
                }
            )
        base = cap.baseline
        if base is not None:
            markings.add(base.marking)
        capability_rows.append(
            {
                "label": cap.label,
                "status": cap.status,
                "help": cap.help,
                "help_label": levels.get(cap.help, ""),
                "baseline": {
                    "date": base.date,
                    "status": base.status,
                    "cite": refs.number(base.citation),
                }
                if base
                else None,
                "changes": changes,
            }
        )

    # -- futures
    fut = futures.futures(reader, all_events, as_of)
    for s in fut.scenarios:
        markings.add(s.marking)
        markings.update(s.cited_markings)
    names = {s.id: s.title for s in fut.scenarios}
    probability_rows = [
        {
            "scenario": k.title,
            "id": k.scenario,
            "percent": k.percent,
            "word": k.word,
            "range": f"{k.range[0]}–{k.range[1]} %",
            "prior": k.prior,
            "confidence": k.confidence,
            "confidence_reason": k.confidence_reason,
            "confidence_cite": refs.number(k.confidence_cite) if k.confidence_cite else None,
        }
        for k in judgments.key_judgments(fut)
    ]
    departure_rows = [
        {
            "says": d.says,
            "reading": d.reading,
            "essay": d.essay,
            "ours": d.ours,
            "why": d.why,
            "cite": refs.number(d.citation),
        }
        for d in judgments.departures(fut)
    ]
    prior_total = sum(s.prior for s in fut.scenarios) or 1.0
    scenario_rows = [
        {
            "title": s.title,
            "description": s.description,
            "prior": round(s.prior / prior_total * 100),
            "reason": s.prior_reason,
            "analyst": s.analyst,
            "made_on": s.made_on,
            "confidence": s.confidence,
            "cites": sorted({refs.number(c) for c in s.citations}),
        }
        for s in fut.scenarios
    ]
    steps = []
    for step in fut.steps:
        if not period.contains(step.date):
            continue
        obs = next(
            (
                o
                for i in fut.indicators
                for o in i.observations
                if f"{o.indicator}:{o.event.id}" == step.evidence.id
            ),
            None,
        )
        steps.append(
            {
                "date": step.date,
                "evidence": step.evidence.label,
                "indicator": step.evidence.indicator,
                "reason": step.evidence.reason,
                "likelihoods": {
                    k: round(v, 3) for k, v in sorted(step.evidence.likelihoods.items())
                },
                "limits": [
                    *(obs.limits if obs else ()),
                    *(
                        [fut.wartime_limits[step.evidence.id]]
                        if step.evidence.id in fut.wartime_limits
                        else []
                    ),
                ],
                "horizon": next(
                    (i.horizon for i in fut.indicators if i.id == step.evidence.indicator), ""
                ),
                "moves": [
                    {
                        "scenario": h,
                        "before": round(step.before[h] * 100, 1),
                        "after": round(step.after[h] * 100, 1),
                        # the word of the figure printed, so that the two never disagree
                        "word": bayes.icd203(round(step.after[h] * 100, 1) / 100)[0],
                    }
                    for h in sorted(step.after)
                ],
                "cite": refs.number(obs.event.citation) if obs else refs.number(None),
            }
        )
    probability_svg = charts.probability_chart(
        fut.series(), names, f"Scenario probabilities over time, to {as_of.isoformat()}", as_of
    )
    board = []
    for ind in fut.indicators:
        markings.add(ind.marking)
        markings.update(ind.cited_markings)
        markings.update(ind.likelihood_markings)
        markings.update(o.marking for o in ind.observations if period.contains(o.event.date))
        last = ind.observations[-1] if ind.observations else None
        if last is not None:
            markings.add(last.marking)
            markings.add(last.event.marking)
        board.append(
            {
                "title": ind.title,
                "cites": sorted({refs.number(c) for c in ind.citations}),
                "last_cite": refs.number(last.event.citation) if last else None,
                "description": ind.description,
                "observed": ind.observed,
                "last": ind.last_observed,
                "in_period": [
                    {
                        "date": o.event.date,
                        "title": o.event.title,
                        "reason": o.reason,
                        "cite": refs.number(o.event.citation),
                    }
                    for o in ind.observations
                    if period.contains(o.event.date)
                ],
                "count": len(ind.observations),
                "favours": names.get(ind.favours() or "", ind.favours() or ""),
                "likelihoods": dict(sorted(ind.likelihoods.items())),
                "horizon": ind.horizon,
                "owners": {
                    h: {"by": ind.likelihood_owners.get(h, ""), "others": others}
                    for h, others in sorted(ind.likelihood_others.items())
                },
                "reason": ind.reason,
                "analyst": ind.analyst,
            }
        )
    ach_table = None
    if fut.ach is not None:
        result = fut.ach
        sens = {s.item: s for s in result.sensitivity}
        markings.update(str(fut.ach_items[item.id]["marking"]) for item in result.items)
        top = result.most_diagnostic()

        def titled(ranks: ach.Ranks) -> str:
            return ach.describe([[names.get(h, h) for h in group] for group in ranks])

        ach_table = {
            "hypotheses": [names.get(h, h) for h in result.hypotheses],
            "rows": [
                {
                    "label": item.label,
                    "marks": [item.mark(h) for h in result.hypotheses],
                    "weight": round(item.weight, 2),
                    "diagnosticity": result.diagnosticity[item.id],
                    "decisive": sens[item.id].changes_leader,
                    "if_wrong": titled(sens[item.id].ranks_without),
                    "cite": refs.number(fut.ach_items[item.id]["citation"]),
                }
                for item in result.items
            ],
            "inconsistency": [round(result.inconsistency[h], 2) for h in result.hypotheses],
            "ranking": titled(result.ranks),
            "most_diagnostic": {
                "label": str(fut.ach_items[top.item]["label"]),
                "if_wrong": titled(top.ranks_without),
                "changes": top.changes_leader,
            }
            if top
            else None,
        }
    precedent_rows = []
    for prec in fut.precedents:
        markings.add(str(prec["marking"]))
        precedent_rows.append(
            {
                "label": prec["label"],
                "date": prec["date"],
                "bears_on": prec["bears_on"],
                "analyst": prec["analyst"],
                "cite": refs.number(prec["citation"]),
            }
        )

    # -- map and network
    map_svg = charts.map_chart(_map_points(reader, in_period), f"Where, {period.label}")
    nodes, edges = _network(reader, in_period)
    network_svg = charts.network_chart(nodes, edges, f"Who, {period.label}: network excerpt")
    network_cites = sorted({cites_of[e.id] for e in in_period if e.involved})

    # -- open questions
    by_event = {e.id: e for e in all_events}
    questions = _questions(reader, as_of, fut, caps, found_conflicts, refs, by_event)
    markings.update(str(q["marking"]) for q in questions if q.get("marking"))
    markings.update(m for q in questions for m in q.get("cited_markings", []))

    known_since = _known_since(reader, period, as_of, late_events, late_estimates, late_models)
    markings.update(row["marking"] for row in known_since if row["marking"])
    # With no key judgment, say when the first priors were set (after the as-of date),
    # rather than leave the reader to think there are none.
    priors_later = None
    if not probability_rows:
        set_after: list[tuple[date, str]] = sorted(
            (first_day(j.record.made_on), j.provenance.marking.key)
            for j in read_judgments(reader.for_analysis(), ["prior"])
            if first_day(j.record.made_on) > as_of
        )
        if set_after:
            priors_later = set_after[0][0].isoformat()
            markings.add(set_after[0][1])
    data = {
        "timeline": timeline,
        "sectors": sector_rows,
        "estimates": period_estimates,
        "spreads": spread_rows,
        "models": model_rows,
        "model_draws": MODEL_DRAWS,
        "model_seed": MODEL_SEED,
        "conflicts": conflict_rows,
        "capabilities": capability_rows,
        "probabilities": probability_rows,
        "departures": departure_rows,
        "precedents": precedent_rows,
        "scenarios": scenario_rows,
        "steps": steps,
        "board": board,
        "ach": ach_table,
        "questions": questions,
        "network": {"nodes": nodes, "edges": edges, "cites": network_cites},
        "events_total": len(in_period),
        "events_unlisted": len(in_period) - len(listed),
        "events_other": others,
        "known_since": known_since,
        "priors_later": priors_later,
    }
    figures = {
        "sectors": sector_chart,
        "shells": shell_chart,
        "probabilities": probability_svg,
        "map": map_svg,
        "network": network_svg,
    }
    viewer = reader.viewer
    who = f"{viewer.organisation} ({viewer.country})" if viewer.country else viewer.organisation
    shown = sorted({shown_marking(m, viewer) for m in markings if m})
    return Report(who, period, as_of, data, figures, refs.items, shown)


def _rounded(value: float, share: bool) -> str:
    """A model's output to the precision it deserves: 4.8 million, 65."""
    if share:
        return f"{value * 100:.0f}"
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f} million"
    return f"{value:,.0f}"


def _map_points(reader: Reader, events: list[trackers.EventFact]) -> list[charts.MapPoint]:
    places = _places()
    counts: Counter[str] = Counter()
    for e in events:
        for place in e.places:
            if place in places:
                counts[place] += 1
    points = [
        charts.MapPoint(name, places[name][0], places[name][1], n, "place")
        for name, n in sorted(counts.items())
    ]
    for view in reader.entities(reader.entity_ids("Address")):
        entity = view.entity
        if "watched port" not in entity.get("keywords"):
            continue
        try:
            lat = float(entity.first("latitude") or "")
            lon = float(entity.first("longitude") or "")
        except ValueError:
            continue
        points.append(charts.MapPoint(view.caption, lat, lon, 0, "port"))
    return points


def _network(
    reader: Reader, events: list[trackers.EventFact]
) -> tuple[list[tuple[str, str, int]], list[tuple[str, str, int]]]:
    """The entities most often involved in the period's events, joined where they appear
    together; the viewer's read path has already dropped links to entities it may not see."""
    weight: Counter[str] = Counter(i for e in events for i in e.involved)
    top = [i for i, _ in sorted(weight.items(), key=lambda kv: (-kv[1], kv[0]))[:NETWORK_NODES]]
    found = {v.id: v.caption for v in reader.entities(top)} if top else {}
    nodes = [(i, found[i], weight[i]) for i in top if i in found]
    keep = {n for n, _, _ in nodes}
    pairs: Counter[tuple[str, str]] = Counter()
    for e in events:
        inside = sorted(i for i in set(e.involved) if i in keep)
        for x, a in enumerate(inside):
            for b in inside[x + 1 :]:
                pairs[(a, b)] += 1
    for node in sorted(keep):
        for link in reader.referencing(node):
            if link.schema not in LINK_SCHEMAS:
                continue
            ends = sorted(v for v in link.entity.get_type_values(registry.entity) if v in keep)
            if len(ends) == 2 and ends[0] == node:  # each link once, from its first end
                pairs[(ends[0], ends[1])] += 1
    edges = [(a, b, n) for (a, b), n in sorted(pairs.items())]
    return nodes, edges


def _questions(
    reader: Reader,
    as_of: date,
    fut: futures.Futures,
    caps: list[trackers.Capability],
    found: list[estimates.Conflict],
    refs: References,
    by_event: dict[str, trackers.EventFact],
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for stored in read_judgments(reader, ["question"]):
        rec = stored.record
        if not judgment_known_by(stored, as_of):
            continue
        named = [by_event[e] for e in rec.detail.get("events", []) if e in by_event]
        out.append(
            {
                "text": str(rec.detail.get("text", rec.reason)),
                "by": rec.analyst,
                "kind": "analyst",
                "cites": sorted({refs.number(c) for c in futures.citations((stored,), by_event)}),
                "marking": stored.provenance.marking.key,
                "cited_markings": sorted({e.marking for e in named}),
            }
        )
    groups: dict[str, list[estimates.Conflict]] = {}
    for c in found:
        groups.setdefault(c.first.measure_label, []).append(c)
    for label, clashes in sorted(groups.items()):
        cites = sorted({refs.number(x.citation) for c in clashes for x in (c.first, c.second)})
        out.append(
            {
                "text": f"{label}: {len(clashes)} pair(s) of estimates of the same time "
                "cannot both be right; none has been set aside.",
                "kind": "derived",
                "by": "derived from the estimates",
                "cites": cites,
            }
        )
    for ind in fut.indicators:
        if not ind.observed:
            out.append(
                {
                    "text": f"Indicator not yet observed: {ind.title}.",
                    "kind": "derived",
                    "by": "derived from the indicator board",
                    "cites": [],
                }
            )
    for ind_id, scenario in fut.missing_likelihoods:
        out.append(
            {
                "text": f"No likelihood set for scenario {scenario!r} on indicator {ind_id!r}: "
                "its observations leave that scenario unmoved.",
                "kind": "derived",
                "by": "derived from the judgments",
                "cites": [],
            }
        )
    for cap in caps:
        if cap.help in ("claimed", "sought"):
            out.append(
                {
                    "text": f"{cap.label}: Russian help is only {cap.help} so far; "
                    "is it borne out?",
                    "kind": "derived",
                    "by": "derived from the capability tracker",
                    "cites": sorted(
                        {refs.number(e.citation) for c in cap.changes for e in c.evidence}
                    ),
                }
            )
    return out


# -- rendering ----------------------------------------------------------------------------------


def css_string(text: str) -> Markup:
    """``text`` as a quoted CSS string that cannot end the string or the style element."""
    escaped = "".join(c if c.isalnum() or c in " .,:;·()+-_/" else f"\\{ord(c):x} " for c in text)
    return Markup(f'"{escaped}"')


@cache
def _environment() -> jinja2.Environment:
    loader = jinja2.PackageLoader("watchkeeper.assessment", "templates")
    env = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters["css_string"] = css_string
    return env


def render_html(report: Report) -> str:
    css = resources.files("watchkeeper.assessment").joinpath("templates", "report.css").read_text()
    template = _environment().get_template("report.html.j2")
    return template.render(
        report=report,
        data=report.data,
        charts={k: Markup(v) for k, v in report.charts.items()},
        css=Markup(css),
        levels=help_levels(),
    )


def render_pdf(html: str) -> bytes:
    """The PDF of ``html`` by WeasyPrint (needs Pango: Debian's libpango-1.0-0)."""
    try:
        from weasyprint import HTML
    except OSError as exc:  # Pango missing: WeasyPrint's import loads it
        raise ConfigError(
            f"the PDF needs Pango (apt-get install libpango-1.0-0 libpangoft2-1.0-0): {exc}"
        ) from None

    pdf = HTML(string=html, base_url=None).write_pdf()
    assert pdf is not None
    return bytes(pdf)
