"""Key judgments as ICD 203 asks for them: the likelihood (a word with its range) and the
analysts' confidence (high, moderate, low, with the reason) stated apart, and where they
depart from the seed essay's judgments about the post-war path, with what moved them.

Confidence is derived, never higher than the analyst's confidence in the prior:

- no post-war observation graded 1-2 (confirmed) has moved the scenario yet: **low**, as
  the judgment rests on the prior and on wartime evidence, which says little about what
  follows the war;
- the largest single move rests on one report graded 3 or worse: one step lower;
- otherwise the prior's confidence stands.

The essay's judgments are reference data (``essay_judgments`` in ``futures.yaml``),
restated in our words with our reading of its wording.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from typing import Any

from watchkeeper.assessment.dataset import data_file
from watchkeeper.assessment.futures import Futures, Observation, probability
from watchkeeper.assessment.sources import Citation
from watchkeeper.model.grading import ICD203

LEVELS = ("low", "moderate", "high")
CONFIRMED = (1, 2)
MOVERS = 3


@dataclass(frozen=True)
class KeyJudgment:
    scenario: str
    title: str
    percent: str
    """As printed: "33", "<1"."""
    word: str
    range: tuple[int, int]
    prior: int
    confidence: str
    confidence_reason: str
    confidence_cite: Citation | None = None
    """The report the confidence's reason names (the one behind the largest move)."""


@dataclass(frozen=True)
class Departure:
    id: str
    says: str
    reading: str
    citation: Citation | None
    essay: str
    """What the essay judges, in our reading: "at least likely (55-80 %)"."""
    ours: str
    """What we judge: "85 %, very likely"."""
    why: list[str]
    """What moved our judgment there: the prior, then the indicators that moved it most."""


def _observations(fut: Futures) -> dict[str, tuple[Observation, str]]:
    """Evidence id -> (observation, its indicator's horizon)."""
    return {
        f"{o.indicator}:{o.event.id}": (o, ind.horizon)
        for ind in fut.indicators
        for o in ind.observations
    }


def _lower(level: str) -> str:
    return LEVELS[max(LEVELS.index(level) - 1, 0)]


def confidence(fut: Futures, scenario: str) -> tuple[str, str, Citation | None]:
    """The confidence in ``scenario``'s probability, why (see the module's rules), and the
    citation of the report the reason names, if it names one."""
    cited: Citation | None = None
    prior = next((s for s in fut.scenarios if s.id == scenario), None)
    level = prior.confidence if prior and prior.confidence in LEVELS else "low"
    reasons = [f"the analyst's confidence in the prior is {level}"]
    seen = _observations(fut)
    moves = [
        (abs(step.change(scenario)), step, seen[step.evidence.id])
        for step in fut.steps
        if step.evidence.id in seen and scenario in step.after
    ]
    confirmed_post_war = [
        obs
        for size, _, (obs, horizon) in moves
        if horizon == "post-war" and obs.event.credibility in CONFIRMED and size > 0
    ]
    if not confirmed_post_war:
        if level != "low":
            reasons.append(
                "no confirmed post-war evidence has moved it yet: it rests on the prior and "
                "on wartime evidence, which says little about what follows the war"
            )
        level = "low"
    elif moves:
        size, step, (obs, _) = max(moves, key=lambda m: (m[0], m[1].evidence.id))
        if size > 0 and (obs.event.credibility or 6) not in CONFIRMED:
            lowered = _lower(level)
            if lowered != level:
                reasons.append(
                    f"its largest move ({step.change(scenario) * 100:+.0f} points, "
                    f"{step.date}) rests on one report graded {obs.event.grade}"
                )
                cited = obs.event.citation
            level = lowered
    if len(reasons) == 1:
        count = len(confirmed_post_war)
        plural = "s" if count > 1 else ""
        reasons.append(f"{count} confirmed post-war observation{plural} moved it")
    return level, "; ".join(reasons), cited


def key_judgments(fut: Futures) -> list[KeyJudgment]:
    """One per scenario, most likely first."""
    names = {s.id: s for s in fut.scenarios}
    total = sum(s.prior for s in fut.scenarios) or 1.0
    out = []
    for p in sorted(fut.posterior, key=lambda p: (-p.value, p.scenario)):
        level, reason, cited = confidence(fut, p.scenario)
        scenario = names[p.scenario]
        out.append(
            KeyJudgment(
                p.scenario,
                scenario.title,
                p.shown,
                p.word,
                p.range,
                round(scenario.prior / total * 100),
                level,
                reason,
                cited,
            )
        )
    return out


@cache
def essay_judgments() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = data_file("futures.yaml").get("essay_judgments", [])
    return items


def _movers(fut: Futures, scenarios: set[str], against: frozenset[str] = frozenset()) -> list[str]:
    """The indicators that moved the probability of ``scenarios`` (less that of
    ``against``) most, in points."""
    by_indicator: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    for step in fut.steps:
        change = sum(step.change(h) for h in scenarios if h in step.after)
        change -= sum(step.change(h) for h in against if h in step.after)
        by_indicator[step.evidence.indicator] += change
        count[step.evidence.indicator] += 1
    ranked = sorted(by_indicator.items(), key=lambda kv: (-abs(kv[1]), kv[0]))
    return [
        f"{indicator} {change * 100:+.0f} points over {count[indicator]} observation"
        + ("s" if count[indicator] > 1 else "")
        for indicator, change in ranked[:MOVERS]
        if round(change * 100) != 0
    ]


def departures(fut: Futures) -> list[Departure]:
    """Where the viewer's key judgments depart from the essay's (only for judgments whose
    scenarios the viewer may all see)."""
    posterior = {p.scenario: p.value for p in fut.posterior}
    priors = {s.id: s.prior for s in fut.scenarios}
    prior_total = sum(priors.values()) or 1.0
    out = []
    for item in essay_judgments():
        cite: dict[str, Any] = item["citation"]
        citation = Citation(
            cite["publisher"], cite["title"], str(cite["date"]), cite["url"], cite["reliability"]
        )
        names = list(item.get("scenarios", []))
        if names and all(n in posterior for n in names):
            value = sum(posterior[n] for n in names)
            ours = probability("+".join(names), value)
            prior = sum(priors[n] for n in names) / prior_total
            if "at_least" in item:
                bound = ICD203[item["at_least"]]
                departs = ours.percent < bound[0]
                essay = f"at least {item['at_least']} ({bound[0]}–{bound[1]} %)"
            else:
                bound = ICD203[item["at_most"]]
                departs = ours.percent > bound[1]
                essay = f"at most {item['at_most']} ({bound[0]}–{bound[1]} %)"
            if not departs:
                continue
            movers = _movers(fut, set(names))
            why = [f"our prior put it at {prior * 100:.0f} %"] + (
                ["moved most by " + ", ".join(movers)] if movers else []
            )
            out.append(
                Departure(
                    str(item["id"]),
                    str(item["says"]),
                    str(item.get("reading", "")),
                    citation,
                    essay,
                    f"{' and '.join(names)}: {ours.shown} %, {ours.word}",
                    why,
                )
            )
        elif item.get("leading") and item["leading"] in posterior and posterior:
            ours_first = max(sorted(posterior), key=lambda h: posterior[h])
            if ours_first == item["leading"]:
                continue
            gap = posterior[ours_first] - posterior[item["leading"]]
            movers = _movers(fut, {ours_first}, frozenset({item["leading"]}))
            why = [
                f"our priors put {item['leading']} at {priors[item['leading']] / prior_total * 100:.0f} %"
                f" and {ours_first} at {priors[ours_first] / prior_total * 100:.0f} %"
            ] + (
                [f"the lead of {ours_first} was moved most by " + ", ".join(movers)]
                if movers
                else []
            )
            out.append(
                Departure(
                    str(item["id"]),
                    str(item["says"]),
                    str(item.get("reading", "")),
                    citation,
                    f"{item['leading']} first",
                    f"{ours_first} first, {gap * 100:.0f} points ahead of {item['leading']}",
                    why,
                )
            )
    return out
