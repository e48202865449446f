"""Reading and checking assessment data: the bundled dataset (``data/``) or an analyst's
file of the same shape.

An assessment file is YAML with a ``meta`` mapping and any of the sections ``estimates``,
``scenarios``, ``indicators``, ``observations``, ``likelihoods``, ``evidence``,
``domains`` and ``questions``. :func:`validate` lists every problem, one line each, naming
the file and the item; :func:`items` turns a sound file into store records.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeGuard

import yaml

from watchkeeper.errors import InputError
from watchkeeper.model.grading import ICD203, Reliability
from watchkeeper.model.marking import Marking
from watchkeeper.model.sectors import sectors
from watchkeeper.model.source import MATERIALS
from watchkeeper.store.assessment import EstimateRecord, JudgmentRecord

DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
BOUNDS = ("exact", "about", "range", "at least", "more than", "at most")
MARKS = ("CC", "C", "N", "I", "II")
RELEVANCE = ("high", "medium", "low")
CONFIDENCE = ("low", "moderate", "high")
HORIZONS = ("wartime", "post-war")
WARTIME_BAND = (0.8, 1.25)
"""The likelihood ratios a wartime indicator may carry: evidence of how close the partners
are while the war lasts says little about the post-war path the scenarios describe (the
1990 precedent: a high point faded within a few years), so it may move them only a little."""
WARTIME_TOTAL = WARTIME_BAND[1] / WARTIME_BAND[0]
"""The largest Bayes factor all wartime evidence together may carry: no more than one
wartime observation at both ends of the band. Wartime observations measure one thing
(closeness while the war lasts), so they are not independent evidence about the post-war
path and must not compound as if they were."""
ROLES = ("evidence", "precedent")
SECTIONS = (
    "estimates",
    "scenarios",
    "indicators",
    "observations",
    "likelihoods",
    "evidence",
    "domains",
    "questions",
)
BUNDLE_FILES = (
    "meta.yaml",
    "estimates.yaml",
    "futures.yaml",
    "capabilities.yaml",
    "questions.yaml",
)
THEATER_PREFIX = "wk-"
ICD_WORDS = tuple(ICD203)


@dataclass(frozen=True)
class Measure:
    code: str
    label: str
    unit: str
    sector: str
    cumulative: bool
    chart: str | None


@cache
def measures() -> dict[str, Measure]:
    data = _yaml(_read_data("measures.yaml"), "measures.yaml")
    return {
        code: Measure(
            code, m["label"], m["unit"], m["sector"], bool(m["cumulative"]), m.get("chart")
        )
        for code, m in data["measures"].items()
    }


@cache
def help_levels() -> dict[str, str]:
    data = _yaml(_read_data("capabilities.yaml"), "capabilities.yaml")
    return dict(data["help_levels"])


def data_file(name: str) -> dict[str, Any]:
    """One of the package's declaration files (evidence.yaml, places.yaml, models.yaml)."""
    loaded: dict[str, Any] = _yaml(_read_data(name), name)
    return loaded


def _read_data(name: str) -> str:
    return resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")


def _yaml(text: str, where: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}" if mark is not None else None
        raise InputError(where, f"not valid YAML ({getattr(exc, 'problem', exc)})", line) from None


@dataclass(frozen=True)
class Bundle:
    """An assessment dataset: its meta and its sections, as read from YAML."""

    name: str
    meta: dict[str, Any]
    sections: dict[str, list[dict[str, Any]]]
    checksum: str
    defaults: dict[str, Any] = field(default_factory=dict)
    """Per-section defaults (the futures file's ``made_on``)."""


def load_bundle() -> Bundle:
    """The bundled dataset (``data/``), its files read as one release."""
    texts = {name: _read_data(name) for name in BUNDLE_FILES}
    digest = hashlib.sha256()
    for name in BUNDLE_FILES:
        digest.update(name.encode() + b"\0" + texts[name].encode())
    parsed = {name: _yaml(text, name) for name, text in texts.items()}
    futures = parsed["futures.yaml"]
    sections = {
        "estimates": parsed["estimates.yaml"]["estimates"],
        "scenarios": futures["scenarios"],
        "indicators": futures["indicators"],
        "evidence": futures["evidence"],
        "domains": parsed["capabilities.yaml"]["domains"],
        "questions": parsed["questions.yaml"]["questions"],
    }
    return Bundle(
        "bundled assessment data",
        parsed["meta.yaml"],
        sections,
        digest.hexdigest(),
        {"made_on": str(futures["made_on"])},
    )


def read_file(path: Path) -> Bundle:
    """An analyst's assessment file; unknown sections are refused."""
    if not path.is_file():
        raise InputError(str(path), "no such file")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"not UTF-8 (byte {exc.start})") from None
    data = _yaml(text, str(path))
    if not isinstance(data, dict) or not isinstance(data.get("meta"), dict):
        raise InputError(str(path), "an assessment file is a mapping with a 'meta' mapping")
    unknown = sorted(set(data) - {"meta", *SECTIONS})
    if unknown:
        raise InputError(str(path), f"unknown section(s): {', '.join(unknown)}")
    sections = {}
    for name in SECTIONS:
        value = data.get(name) or []
        if not isinstance(value, list):
            raise InputError(str(path), f"section {name!r} must be a list")
        sections[name] = value
    meta = data["meta"]
    return Bundle(
        str(path),
        meta,
        sections,
        hashlib.sha256(raw).hexdigest(),
        {"made_on": str(meta.get("made_on") or meta.get("published") or "")},
    )


# -- checking ---------------------------------------------------------------------------------


class _Problems:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, where: str, what: str) -> None:
        self.lines.append(f"{where}: {what}")


def _date(value: Any) -> bool:
    return value is not None and bool(DATE.match(str(value)))


def _number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def _check_citation(where: str, cite: Any, problems: _Problems, required: bool = True) -> None:
    if cite is None:
        if required:
            problems.add(where, "no citation")
        return
    if not isinstance(cite, dict):
        problems.add(where, "citation must be a mapping")
        return
    for key in ("publisher", "title", "date", "url", "reliability"):
        if not cite.get(key):
            problems.add(where, f"citation lacks {key}")
    if cite.get("date") and not _date(cite["date"]):
        problems.add(where, f"citation date {cite['date']!r} is not ISO")
    if cite.get("url") and not str(cite["url"]).startswith(("http://", "https://")):
        problems.add(where, f"citation url {cite['url']!r} is not a web address")
    if cite.get("reliability") and cite["reliability"] not in Reliability.__members__:
        problems.add(where, f"reliability {cite['reliability']!r} is not A-F")


def _check_marking(where: str, item: dict[str, Any], problems: _Problems) -> None:
    if "marking" not in item:
        return
    try:
        Marking.from_dict(item["marking"])
    except Exception as exc:  # any malformed marking is a data problem to report
        problems.add(where, f"bad marking ({exc})")


def _check_common(where: str, item: dict[str, Any], problems: _Problems) -> None:
    _check_marking(where, item, problems)
    if "credibility" in item and item["credibility"] not in (1, 2, 3, 4, 5, 6):
        problems.add(where, "credibility must be 1-6")
    if item.get("confidence") is not None and item["confidence"] not in CONFIDENCE:
        problems.add(where, f"confidence must be one of {', '.join(CONFIDENCE)}")
    if "made_on" in item and not _date(item["made_on"]):
        problems.add(where, f"made_on {item['made_on']!r} is not an ISO date")


def check_estimate(where: str, est: dict[str, Any], problems: _Problems) -> None:
    """A figure as stated: a range, a point, or a one-sided bound, and a citation."""
    known = measures()
    if est.get("measure") not in known:
        problems.add(where, f"unknown measure {est.get('measure')!r}")
    for key in ("estimator", "subject", "method", "statement"):
        if not est.get(key):
            problems.add(where, f"no {key}")
    if not _date(est.get("reported")):
        problems.add(where, f"reported date {est.get('reported')!r} is not ISO")
    bound = est.get("bound")
    low, best, high = est.get("low"), est.get("best"), est.get("high")
    for name, value in (("low", low), ("best", best), ("high", high)):
        if value is not None and not _number(value):
            problems.add(where, f"{name} must be a number >= 0, got {value!r}")
            return
    if bound not in BOUNDS:
        problems.add(where, f"bound must be one of {', '.join(BOUNDS)}, got {bound!r}")
    elif bound in ("exact", "about") and best is None:
        problems.add(where, f"a figure stated as {bound!r} needs 'best'")
    elif bound == "range" and (low is None or high is None):
        problems.add(where, "a range needs 'low' and 'high'")
    elif bound in ("at least", "more than") and low is None:
        problems.add(where, f"a figure stated as {bound!r} needs 'low'")
    elif bound == "at most" and high is None:
        problems.add(where, "a figure stated as 'at most' needs 'high'")
    present = [v for v in (low, best, high) if v is not None]
    if present != sorted(present):
        problems.add(where, "needs low <= best <= high")
    period = est.get("period") or {}
    if not isinstance(period, dict):
        problems.add(where, "period must be a mapping with start and/or end")
    else:
        for key in ("start", "end"):
            if key in period and not _date(period[key]):
                problems.add(where, f"period {key} {period[key]!r} is not ISO")
        start, end = period.get("start"), period.get("end")
        if start and end and str(start)[: len(str(end))] > str(end):
            problems.add(where, "period ends before it starts")
    if est.get("sector") is not None and est["sector"] not in sectors():
        problems.add(where, f"unknown sector {est['sector']!r}")
    _check_common(where, est, problems)
    _check_citation(where, est.get("citation"), problems)


def validate(bundle: Bundle) -> list[str]:
    """Every problem with ``bundle``, one line each (empty when it is sound)."""
    problems = _Problems()
    meta = bundle.meta
    for key in ("name", "title", "version", "published", "publisher", "analyst"):
        if meta.get(key) in (None, ""):
            problems.add(f"{bundle.name}: meta", f"no {key}")
    if meta.get("published") and not _date(meta["published"]):
        problems.add(f"{bundle.name}: meta", "published is not an ISO date")
    if meta.get("name") and not re.fullmatch(r"[a-z0-9_]+", str(meta["name"])):
        problems.add(f"{bundle.name}: meta", "name must be a-z, 0-9 and _ only")
    _check_marking(f"{bundle.name}: meta", meta, problems)
    if str(meta.get("material") or "fact") not in MATERIALS:
        problems.add(f"{bundle.name}: meta", f"material must be one of {', '.join(MATERIALS)}")
    ids: set[str] = set()

    def where(section: str, item: Any, index: int) -> str:
        ident = item.get("id") or item.get("event") if isinstance(item, dict) else None
        return f"{bundle.name}: {section}[{index}] {ident or ''}".rstrip()

    for section, items in bundle.sections.items():
        for index, item in enumerate(items):
            here = where(section, item, index)
            if not isinstance(item, dict):
                problems.add(here, "must be a mapping")
                continue
            ident = item.get("id")
            if ident is not None:
                key = f"{section}:{ident}"
                if key in ids:
                    problems.add(here, "duplicate id")
                ids.add(key)
            CHECKS[section](here, item, problems)
    return problems.lines


def _check_cites(where: str, item: dict[str, Any], problems: _Problems) -> None:
    """What an analyst's text rests on: ``events`` (theater event ids) and/or a
    ``citation`` (a report), both optional."""
    events = item.get("events", [])
    if not isinstance(events, list) or not all(isinstance(e, str) and e for e in events):
        problems.add(where, "events must be a list of event ids")
    _check_citation(where, item.get("citation"), problems, required=False)


def _check_scenario(where: str, item: dict[str, Any], problems: _Problems) -> None:
    for key in ("id", "title", "description", "reason"):
        if not item.get(key):
            problems.add(where, f"no {key}")
    _check_cites(where, item, problems)
    prior = item.get("prior")
    if not _number(prior) or not 0 < prior <= 1:
        problems.add(where, f"prior must be a probability in (0, 1], got {prior!r}")
    _check_common(where, item, problems)


def _check_likelihoods(where: str, values: Any, problems: _Problems) -> None:
    if not isinstance(values, dict) or not values:
        problems.add(where, "likelihoods must map scenarios to ratios")
        return
    for scenario, value in values.items():
        ratio = value.get("ratio") if isinstance(value, dict) else value
        if not _number(ratio) or ratio <= 0:
            problems.add(where, f"likelihood for {scenario!r} must be a number > 0")
        if isinstance(value, dict) and not value.get("reason"):
            problems.add(where, f"likelihood for {scenario!r} has no reason")


def _check_observation(where: str, item: dict[str, Any], problems: _Problems) -> None:
    if item.get("event"):
        pass
    elif item.get("title") and _date(item.get("date")):
        _check_citation(where, item.get("citation"), problems)
    else:
        problems.add(where, "an observation names its event, or has a title, date and citation")
    if not item.get("reason"):
        problems.add(where, "no reason")
    if "likelihoods" in item:
        _check_likelihoods(where, item["likelihoods"], problems)
    _check_common(where, item, problems)


def _check_indicator(where: str, item: dict[str, Any], problems: _Problems) -> None:
    for key in ("id", "title", "description", "reason"):
        if not item.get(key):
            problems.add(where, f"no {key}")
    for sector in item.get("sectors", []):
        if sector not in sectors():
            problems.add(where, f"unknown sector {sector!r}")
    _check_likelihoods(where, item.get("likelihoods"), problems)
    _check_cites(where, item, problems)
    for index, obs in enumerate(item.get("observations", [])):
        _check_observation(f"{where} observation[{index}]", obs, problems)
    horizon = item.get("horizon", "post-war")
    if horizon not in HORIZONS:
        problems.add(where, f"horizon must be one of {', '.join(HORIZONS)}, got {horizon!r}")
    elif horizon == "wartime":
        _check_wartime(where, item, problems)
    _check_common(where, item, problems)


def _check_wartime(where: str, item: dict[str, Any], problems: _Problems) -> None:
    """A wartime indicator's ratios are small and cited (:data:`WARTIME_BAND`)."""
    if not item.get("citation") and not item.get("events"):
        problems.add(
            where, "a wartime indicator cites what its ratios rest on (citation or events)"
        )
    low, high = WARTIME_BAND
    found = [("", item.get("likelihoods"))] + [
        (f" observation[{i}]", obs.get("likelihoods"))
        for i, obs in enumerate(item.get("observations", []))
        if isinstance(obs, dict)
    ]
    for suffix, values in found:
        for scenario, value in (values or {}).items() if isinstance(values, dict) else ():
            ratio = value.get("ratio") if isinstance(value, dict) else value
            if _number(ratio) and not low <= ratio <= high:
                problems.add(
                    where + suffix,
                    f"wartime likelihood for {scenario!r} is {ratio:g}, outside {low:g}-{high:g}: "
                    "wartime evidence says little about the post-war path",
                )


def _check_standalone_observation(where: str, item: dict[str, Any], problems: _Problems) -> None:
    if not item.get("indicator"):
        problems.add(where, "an observation names its indicator")
    _check_observation(where, item, problems)


def _check_likelihood(where: str, item: dict[str, Any], problems: _Problems) -> None:
    for key in ("indicator", "scenario", "reason"):
        if not item.get(key):
            problems.add(where, f"no {key}")
    if not _number(item.get("ratio")) or item["ratio"] <= 0:
        problems.add(where, "ratio must be a number > 0")
    _check_cites(where, item, problems)
    _check_common(where, item, problems)


def _check_evidence(where: str, item: dict[str, Any], problems: _Problems) -> None:
    if bool(item.get("id")) == bool(item.get("event")):
        problems.add(where, "an evidence item has either an id (with a citation) or an event")
    if item.get("id"):
        if not item.get("title"):
            problems.add(where, "no title")
        if not _date(item.get("date")):
            problems.add(where, f"date {item.get('date')!r} is not ISO")
        _check_citation(where, item.get("citation"), problems)
    if item.get("relevance") not in RELEVANCE:
        problems.add(where, f"relevance must be one of {', '.join(RELEVANCE)}")
    role = item.get("role", "evidence")
    if role not in ROLES:
        problems.add(where, f"role must be one of {', '.join(ROLES)}, got {role!r}")
    if role == "precedent":
        # A precedent is what the priors rest on, not evidence for or against a future.
        if "consistency" in item:
            problems.add(where, "a precedent gets no consistency marks (it is a base rate)")
        if not item.get("bears_on"):
            problems.add(where, "a precedent says what it bears on (bears_on)")
        _check_common(where, item, problems)
        return
    marks = item.get("consistency")
    if not isinstance(marks, dict) or not marks:
        problems.add(where, "consistency must map scenarios to marks")
    else:
        for scenario, mark in marks.items():
            if not isinstance(mark, dict) or mark.get("mark") not in MARKS:
                problems.add(where, f"mark for {scenario!r} must be one of {', '.join(MARKS)}")
            elif not mark.get("reason"):
                problems.add(where, f"mark for {scenario!r} has no reason")
    _check_common(where, item, problems)


def _check_domain(where: str, item: dict[str, Any], problems: _Problems) -> None:
    for key in ("id", "label"):
        if not item.get(key):
            problems.add(where, f"no {key}")
    base = item.get("baseline")
    if base is not None:
        if not isinstance(base, dict) or not base.get("status") or not _date(base.get("date")):
            problems.add(where, "baseline needs a status and an ISO date")
        else:
            _check_citation(f"{where} baseline", base.get("citation"), problems)
    levels = help_levels()
    for index, change in enumerate(item.get("changes", [])):
        here = f"{where} change[{index}]"
        if not _date(change.get("date")):
            problems.add(here, f"date {change.get('date')!r} is not ISO")
        for key in ("status", "reason"):
            if not change.get(key):
                problems.add(here, f"no {key}")
        if change.get("help") not in levels:
            problems.add(here, f"help must be one of {', '.join(levels)}")
        if not change.get("evidence") and not change.get("citation"):
            problems.add(here, "a change names its evidence (events) or a citation")
        _check_citation(here, change.get("citation"), problems, required=False)
        _check_common(here, change, problems)


def _check_question(where: str, item: dict[str, Any], problems: _Problems) -> None:
    for key in ("id", "text"):
        if not item.get(key):
            problems.add(where, f"no {key}")
    for key in ("measures",):
        for code in item.get(key, []):
            if code not in measures():
                problems.add(where, f"unknown measure {code!r}")
    _check_cites(where, item, problems)
    _check_common(where, item, problems)


CHECKS = {
    "estimates": check_estimate,
    "scenarios": _check_scenario,
    "indicators": _check_indicator,
    "observations": _check_standalone_observation,
    "likelihoods": _check_likelihood,
    "evidence": _check_evidence,
    "domains": _check_domain,
    "questions": _check_question,
}


# -- records ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One record to write, with its own marking and the report it cites (if any)."""

    record: EstimateRecord | JudgmentRecord
    marking: Marking | None
    citation: dict[str, Any] | None


def event_entity(ref: str) -> str:
    """An event reference as stored: a bare theater id (``ev-…``) is the theater's
    ``wk-ev-…`` entity; anything else is an entity id as it is."""
    return THEATER_PREFIX + ref if ref.startswith("ev-") else ref


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _ratio(value: Any) -> float:
    return float(value["ratio"] if isinstance(value, dict) else value)


def items(bundle: Bundle) -> Iterator[Item]:
    """The records of a sound ``bundle`` (call :func:`validate` first)."""
    problems = validate(bundle)
    if problems:
        first = problems[0].removeprefix(f"{bundle.name}: ")
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise InputError(bundle.name, first + more)
    meta = bundle.meta
    analyst = str(meta["analyst"])
    default_made_on = bundle.defaults.get("made_on") or str(meta["published"])
    default_marking = Marking.from_dict(meta.get("marking"))
    known = measures()

    def marking(item: dict[str, Any]) -> Marking | None:
        return Marking.from_dict(item["marking"]) if "marking" in item else default_marking

    def judgment(item: dict[str, Any], **fields: Any) -> JudgmentRecord:
        fields.setdefault("made_on", str(item.get("made_on") or default_made_on))
        fields.setdefault("analyst", str(item.get("analyst") or analyst))
        fields.setdefault("confidence", item.get("confidence"))
        fields.setdefault("credibility", item.get("credibility"))
        return JudgmentRecord(**fields)

    for est in bundle.sections.get("estimates", []):
        period = est.get("period") or {}
        measure = known[est["measure"]]
        record = EstimateRecord(
            key=est["id"],
            measure=measure.code,
            unit=str(est.get("unit") or measure.unit),
            subject=est["subject"],
            bound=est["bound"],
            low=_num(est.get("low")),
            best=_num(est.get("best")),
            high=_num(est.get("high")),
            reported=str(est["reported"]),
            estimator=est["estimator"],
            method=est["method"],
            statement=est["statement"],
            capacity=bool(est.get("capacity", False)),
            period_start=str(period["start"]) if period.get("start") else None,
            period_end=str(period["end"]) if period.get("end") else None,
            sector=est.get("sector") or measure.sector,
            event_id=event_entity(est["event"]) if est.get("event") else None,
            credibility=est.get("credibility"),
        )
        yield Item(record, marking(est), est["citation"])

    def cited_events(item: dict[str, Any]) -> dict[str, Any]:
        """The events an analyst's text rests on, as stored (none: nothing added)."""
        events = [event_entity(e) for e in item.get("events", [])]
        return {"events": events} if events else {}

    for scn in bundle.sections.get("scenarios", []):
        detail = {"title": scn["title"], "description": scn["description"]} | cited_events(scn)
        yield Item(
            judgment(
                scn,
                key=f"scenario:{scn['id']}",
                kind="scenario",
                subject=scn["id"],
                reason=scn["description"],
                detail=detail,
            ),
            marking(scn),
            scn.get("citation"),
        )
        yield Item(
            judgment(
                scn,
                key=f"prior:{scn['id']}",
                kind="prior",
                subject=scn["id"],
                value=repr(float(scn["prior"])),
                reason=scn["reason"],
                detail=cited_events(scn),
            ),
            marking(scn),
            scn.get("citation"),
        )

    def likelihood_items(ind: str, values: dict[str, Any], item: dict[str, Any]) -> Iterator[Item]:
        for scenario, value in values.items():
            reason = value.get("reason") if isinstance(value, dict) else None
            yield Item(
                judgment(
                    item,
                    key=f"likelihood:{ind}:{scenario}",
                    kind="likelihood",
                    subject=ind,
                    object=scenario,
                    value=repr(_ratio(value)),
                    reason=reason or item["reason"],
                    detail=cited_events(item),
                ),
                marking(item),
                item.get("citation"),
            )

    def observation_item(ind: str, obs: dict[str, Any]) -> Item:
        detail: dict[str, Any] = {}
        if "likelihoods" in obs:
            detail["likelihoods"] = {k: _ratio(v) for k, v in obs["likelihoods"].items()}
        if obs.get("event"):
            event: str | None = event_entity(obs["event"])
            key = f"observation:{ind}:{event}"
            made_on = obs.get("made_on")
        else:  # evidence outside the event data, cited directly
            event, key = None, f"observation:{ind}:{obs['date']}:{obs['title']}"
            detail |= {"title": obs["title"], "date": str(obs["date"])}
            made_on = obs.get("made_on") or str(obs["date"])
        fields: dict[str, Any] = {"made_on": str(made_on)} if made_on else {}
        return Item(
            judgment(
                obs,
                key=key,
                kind="observation",
                subject=ind,
                object=event,
                value=str(obs.get("reading", "observed")),
                reason=obs["reason"],
                detail=detail,
                **fields,
            ),
            marking(obs),
            obs.get("citation") if event is None else None,
        )

    for ind in bundle.sections.get("indicators", []):
        detail = {
            "title": ind["title"],
            "description": ind["description"],
            "sectors": list(ind.get("sectors", [])),
            "horizon": str(ind.get("horizon", "post-war")),
        } | cited_events(ind)
        yield Item(
            judgment(
                ind,
                key=f"indicator:{ind['id']}",
                kind="indicator",
                subject=ind["id"],
                reason=ind["reason"],
                detail=detail,
            ),
            marking(ind),
            ind.get("citation"),
        )
        yield from likelihood_items(ind["id"], ind["likelihoods"], ind)
        for obs in ind.get("observations", []):
            yield observation_item(ind["id"], obs)
    for obs in bundle.sections.get("observations", []):
        yield observation_item(obs["indicator"], obs)
    for lik in bundle.sections.get("likelihoods", []):
        yield Item(
            judgment(
                lik,
                key=f"likelihood:{lik['indicator']}:{lik['scenario']}",
                kind="likelihood",
                subject=lik["indicator"],
                object=lik["scenario"],
                value=repr(float(lik["ratio"])),
                reason=lik["reason"],
                detail=cited_events(lik),
            ),
            marking(lik),
            lik.get("citation"),
        )

    for ev in bundle.sections.get("evidence", []):
        subject = ev["id"] if ev.get("id") else event_entity(ev["event"])
        detail = {"relevance": ev["relevance"], "event": bool(ev.get("event"))}
        if ev.get("role") == "precedent":
            detail |= {"role": "precedent", "bears_on": str(ev["bears_on"])}
        if ev.get("id"):
            detail |= {"title": ev["title"], "date": str(ev["date"])}
        made_on = str(ev.get("made_on") or ev.get("date") or default_made_on)
        yield Item(
            judgment(
                ev,
                key=f"evidence:{subject}",
                kind="evidence",
                subject=subject,
                reason=ev.get("title") or "theater event",
                detail=detail,
                made_on=made_on,
            ),
            marking(ev),
            ev.get("citation"),
        )
        for scenario, mark in (ev.get("consistency") or {}).items():
            yield Item(
                judgment(
                    ev,
                    key=f"consistency:{subject}:{scenario}",
                    kind="consistency",
                    subject=subject,
                    object=scenario,
                    value=mark["mark"],
                    reason=mark["reason"],
                    made_on=made_on,
                ),
                marking(ev),
                None,
            )

    for dom in bundle.sections.get("domains", []):
        base = dom.get("baseline")
        if base is not None:
            yield Item(
                judgment(
                    dom,
                    key=f"capability:{dom['id']}:baseline",
                    kind="capability",
                    subject=dom["id"],
                    value="none",
                    reason=base["status"],
                    made_on=str(base["date"]),
                    detail={
                        "label": dom["label"],
                        "date": str(base["date"]),
                        "status": base["status"],
                        "baseline": True,
                    },
                ),
                marking(dom),
                base["citation"],
            )
        for change in dom.get("changes", []):
            detail = {
                "label": dom["label"],
                "date": str(change["date"]),
                "status": change["status"],
                "baseline": False,
                "evidence": [event_entity(e) for e in change.get("evidence", [])],
                "estimates": list(change.get("estimates", [])),
            }
            yield Item(
                judgment(
                    change,
                    key=f"capability:{dom['id']}:{change['date']}",
                    kind="capability",
                    subject=dom["id"],
                    value=change["help"],
                    reason=change["reason"],
                    made_on=str(change["date"]),
                    detail=detail,
                ),
                marking(change) if "marking" in change else marking(dom),
                change.get("citation"),
            )

    for q in bundle.sections.get("questions", []):
        detail = {key: list(q.get(key, [])) for key in ("measures", "indicators", "domains")}
        detail["text"] = q["text"]
        detail |= cited_events(q)
        yield Item(
            judgment(
                q,
                key=f"question:{q['id']}",
                kind="question",
                subject=q["id"],
                reason=q["text"],
                detail=detail,
            ),
            marking(q),
            q.get("citation"),
        )
