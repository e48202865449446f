"""Writing assessment data through the store's one write path, one release per file."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from watchkeeper.assessment.dataset import Bundle, items, load_bundle, read_file
from watchkeeper.errors import InputError
from watchkeeper.importers.base import check_dataset_name
from watchkeeper.model.grading import Reliability
from watchkeeper.model.marking import CLEAR, Marking
from watchkeeper.model.source import FACT, Source
from watchkeeper.store import Store
from watchkeeper.store.assessment import AssessmentWriter, EstimateRecord

DATASET = "wk_assessment"


@dataclass
class AssessmentSummary:
    source_id: str
    dataset: str
    estimates: int = 0
    judgments: int = 0
    added: int = 0
    ended: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.ended)


def release_source(bundle: Bundle, bundled: bool) -> Source:
    meta = bundle.meta
    reliability = meta.get("reliability", "B" if bundled else "F")
    return Source(
        id=f"{meta['name']}:{bundle.checksum[:16]}",
        dataset=str(meta["name"]),
        kind="dataset" if bundled else "analyst",
        title=f"{meta['title']} v{meta['version']}",
        publisher=str(meta["publisher"]),
        reliability=Reliability.parse(str(reliability)),
        published=str(meta["published"]),
        checksum=bundle.checksum,
        marking=Marking.from_dict(meta.get("marking")) or CLEAR,
        # An exercise file's estimates and judgments stay out of analytic products.
        material=str(meta.get("material") or FACT),
    )


def citation_source(
    dataset: str, cite: dict[str, Any], marking: Marking | None, material: str = FACT
) -> Source:
    """The report an item cites. A restricted item's citation carries the item's marking,
    so that not even the fact that something cites the report reaches other viewers."""
    mark = marking or CLEAR
    key = hashlib.sha1(f"{cite['url']}|{mark.key}".encode()).hexdigest()[:12]
    return Source(
        id=f"{dataset}:cite:{key}",
        dataset=dataset,
        kind="list" if cite["reliability"] == "A" else "report",
        title=str(cite["title"]),
        publisher=str(cite["publisher"]),
        reliability=Reliability.parse(str(cite["reliability"])),
        url=str(cite["url"]),
        published=str(cite["date"]),
        marking=mark,
        material=material,
    )


def write_bundle(store: Store, bundle: Bundle, bundled: bool) -> AssessmentSummary:
    """Write ``bundle`` as one release of its dataset; the same release changes nothing,
    an older one than the latest imported is refused, and a bad item writes nothing."""
    records = list(items(bundle))  # validates before anything is written
    source = release_source(bundle, bundled)
    check_dataset_name(source.dataset)
    summary = AssessmentSummary(source.id, source.dataset)
    if store.has_source(source.id):
        return summary
    latest = store.latest_release(source.dataset)
    if latest is not None and source.published is not None and latest.published > source.published:
        raise InputError(
            bundle.name,
            f"release of {source.published} is older than the {latest.published} release of "
            f"{source.dataset} already imported",
        )
    with store.write(source, full_release=True) as writer:
        out = AssessmentWriter(writer)
        for item in records:
            cited = (
                citation_source(
                    source.dataset, item.citation, item.marking or source.marking, source.material
                )
                if item.citation
                else None
            )
            if isinstance(item.record, EstimateRecord):
                out.add_estimate(item.record, item.marking, cited)
                summary.estimates += 1
            else:
                out.add_judgment(item.record, item.marking, cited)
                summary.judgments += 1
        out.finish()
    summary.added, summary.ended = out.added, out.ended
    return summary


def load_assessment(store: Store) -> AssessmentSummary:
    """Load the bundled assessment dataset (a version already loaded changes nothing)."""
    return write_bundle(store, load_bundle(), bundled=True)


def import_assessment(store: Store, path: Path) -> AssessmentSummary:
    """Import an analyst's assessment file (estimates, judgments) as a release of the
    dataset its ``meta.name`` names, under the marking its items or meta carry."""
    return write_bundle(store, read_file(path), bundled=False)
