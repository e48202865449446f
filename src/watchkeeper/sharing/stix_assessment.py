"""The assessment in a bundle: estimates as STIX ``note`` objects, key judgments as
``opinion`` objects on a ``note`` stating their scenario, and one ``report`` holding
them, each with its figures in our extension (ranges and bounds, the ICD 203 likelihood
word with its range, the analysts' confidence and its reason) and its citations as
external references.

Read as the release gate reads (the reader it is given) and as analytic products read:
facts only (``Reader.for_analysis``, inside ``estimates`` and ``futures``), and as of a
date when one is given (nothing reported or published after it). An estimate keeps its
own marking; a key judgment and the report are derived from many markings, so they go
to the recipient alone (TLP:RED, given by the releasing organisation to the recipient:
design.md's rule for what no single marking expresses).

The originator of an estimate (the publisher of the report it cites) is an ``identity``
(``created_by_ref``) carrying its Admiralty source reliability in our extension.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from stix2.confidence import scales

from watchkeeper.assessment import estimates as estimates_module
from watchkeeper.assessment import futures as futures_module
from watchkeeper.assessment import trackers
from watchkeeper.assessment.judgments import key_judgments
from watchkeeper.assessment.periods import last_day
from watchkeeper.assessment.sources import Citation
from watchkeeper.model.marking import TLP, Marking, Viewer, most_releasable
from watchkeeper.sharing.vocab import (
    EXTENSION,
    confidence,
    derived_id,
    marking_refs,
    stix_timestamp,
)
from watchkeeper.store import Reader

# The analysts' confidence (ICD 203: low, moderate, high) on STIX's Low/Med/High scale.
CONFIDENCE_WORDS = {"low": "Low", "moderate": "Med", "high": "High"}
# A key judgment's likelihood as a STIX opinion on the statement of its scenario.
OPINION = {
    "almost no chance": "strongly-disagree",
    "very unlikely": "strongly-disagree",
    "unlikely": "disagree",
    "roughly even chance": "neutral",
    "likely": "agree",
    "very likely": "strongly-agree",
    "almost certain": "strongly-agree",
}


@dataclass
class AssessmentObjects:
    objects: list[dict[str, Any]] = field(default_factory=list)
    markings: set[Marking] = field(default_factory=set)
    object_markings: dict[str, list[str]] = field(default_factory=dict)


def _reference(cite: Citation) -> dict[str, Any]:
    ref: dict[str, Any] = {"source_name": cite.title or cite.publisher}
    described = ", ".join(
        part
        for part in (cite.publisher, cite.date or "", f"reliability {cite.reliability}")
        if part
    )
    ref["description"] = described
    if cite.url:
        ref["url"] = cite.url
    return ref


def _body(kind: str, **values: Any) -> dict[str, Any]:
    clean = {k: v for k, v in values.items() if v is not None}
    return {EXTENSION: {"extension_type": "property-extension", "assessment": kind, **clean}}


class _Builder:
    def __init__(self, creator: str, derived_mark: Marking) -> None:
        self.creator = creator
        self.derived_mark = derived_mark
        self.out = AssessmentObjects()
        self.originators: dict[str, tuple[Citation, list[Marking]]] = {}

    def add(self, obj: dict[str, Any], mark: Marking) -> None:
        obj["object_marking_refs"] = marking_refs(mark)
        self.out.objects.append(obj)
        self.out.markings.add(mark)
        self.out.object_markings[obj["id"]] = [mark.key]

    def originator(self, cite: Citation | None, mark: Marking) -> str:
        """The identity of a citation's publisher (the originator), or the releaser's."""
        if cite is None or not cite.publisher:
            return self.creator
        found = self.originators.setdefault(cite.publisher, (cite, []))
        found[1].append(mark)
        return derived_id("identity", "publisher:" + cite.publisher)

    def identities(self) -> None:
        """Each originator once, marked as the most releasable of what names it (each
        of those already tells its reader the publisher's name)."""
        for publisher, (cite, marks) in sorted(self.originators.items()):
            identity = {
                "type": "identity",
                "spec_version": "2.1",
                "id": derived_id("identity", "publisher:" + publisher),
                "created": stix_timestamp(None),
                "modified": stix_timestamp(None),
                "name": publisher,
                "identity_class": "organization",
                "extensions": {
                    EXTENSION: {
                        "extension_type": "property-extension",
                        "source_reliability": cite.reliability,
                    }
                },
            }
            self.add(identity, most_releasable(marks))


def assessment_objects(
    reader: Reader, creator: str, recipient: Viewer, releasing: Viewer, as_of: str | None
) -> AssessmentObjects:
    """The assessment as ``reader`` (the gate's) gives it, as of ``as_of`` (ISO date)."""
    when: date | None = last_day(as_of) if as_of else None
    derived = Marking(TLP.RED, None, releasing.organisation, frozenset({recipient.organisation}))
    build = _Builder(creator, derived)
    held: list[str] = []
    for est in estimates_module.estimates(reader, as_of=when):
        mark = Marking.parse(est.marking)
        obj: dict[str, Any] = {
            "type": "note",
            "spec_version": "2.1",
            "id": derived_id("note", "estimate:" + est.id),
            "created": stix_timestamp(est.reported),
            "modified": stix_timestamp(est.reported),
            "created_by_ref": build.originator(est.citation, mark),
            "abstract": f"{est.subject}: {est.figure()}",
            "content": " ".join(part for part in (est.statement, est.method) if part),
            "authors": [est.estimator] if est.estimator else [],
            "extensions": _body(
                "estimate",
                key=est.key,
                measure=est.measure,
                unit=est.unit,
                bound=est.bound,
                low=est.low,
                best=est.best,
                high=est.high,
                capacity=est.capacity,
                period_start=est.period_start,
                period_end=est.period_end,
                reported=est.reported,
                credibility=est.credibility,
                grade=est.grade,
            ),
        }
        if not obj["authors"]:
            del obj["authors"]
        obj["object_refs"] = [obj["created_by_ref"]]
        found = confidence(est.credibility)
        if found is not None:
            obj["confidence"] = found
        if est.citation is not None:
            obj["external_references"] = [_reference(est.citation)]
        build.add(obj, mark)
        held.append(obj["id"])
    events = trackers.read_events(reader, when)
    fut = futures_module.futures(reader, events, when)
    scenarios = {s.id: s for s in fut.scenarios}
    made = stix_timestamp(when.isoformat() if when else fut.start)
    for judgment in key_judgments(fut):
        scenario = scenarios[judgment.scenario]
        statement: dict[str, Any] = {
            "type": "note",
            "spec_version": "2.1",
            "id": derived_id("note", "scenario:" + scenario.id),
            "created": stix_timestamp(scenario.made_on),
            "modified": stix_timestamp(scenario.made_on),
            "created_by_ref": creator,
            "abstract": scenario.title,
            "content": scenario.description,
            "object_refs": [creator],
            "extensions": _body("scenario", scenario=scenario.id, prior=judgment.prior),
        }
        refs = [_reference(c) for c in scenario.citations if c is not None]
        if refs:
            statement["external_references"] = refs
        build.add(statement, Marking.parse(scenario.marking))
        low, high = judgment.range
        opinion: dict[str, Any] = {
            "type": "opinion",
            "spec_version": "2.1",
            "id": derived_id("opinion", f"key-judgment:{scenario.id}:{made}"),
            "created": made,
            "modified": made,
            "created_by_ref": creator,
            "opinion": OPINION.get(judgment.word, "neutral"),
            "explanation": (
                f"{judgment.title}: {judgment.word} ({low}-{high} %), {judgment.percent} %; "
                f"{judgment.confidence} confidence: {judgment.confidence_reason}"
            ),
            "object_refs": [statement["id"]],
            "confidence": int(
                scales.none_low_med_high_to_value(CONFIDENCE_WORDS.get(judgment.confidence, "Low"))
            ),
            "extensions": _body(
                "key-judgment",
                scenario=scenario.id,
                likelihood=judgment.word,
                range=[low, high],
                percent=judgment.percent,
                prior=judgment.prior,
                analysts_confidence=judgment.confidence,
                confidence_reason=judgment.confidence_reason,
                as_of=when.isoformat() if when else None,
            ),
        }
        if judgment.confidence_cite is not None:
            opinion["external_references"] = [_reference(judgment.confidence_cite)]
        build.add(opinion, derived)
        held += [statement["id"], opinion["id"]]
    build.identities()
    if held:
        report = {
            "type": "report",
            "spec_version": "2.1",
            "id": derived_id("report", f"assessment:{recipient.organisation}:{made}"),
            "created": made,
            "modified": made,
            "created_by_ref": creator,
            "name": f"Assessment as of {(when.isoformat() if when else 'the latest data')}",
            "description": (
                "Estimates (notes, with their ranges and citations) and key judgments "
                "(opinions on the scenarios, with ICD 203 likelihood words and ranges), "
                "facts only."
            ),
            "report_types": ["threat-report"],
            "published": made,
            "object_refs": sorted(held),
        }
        build.add(report, derived)
    return build.out
