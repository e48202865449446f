"""The demo's sharing exercise: the partner organisations (the eleven MSMT states and
NATO) and a few marked notes of *exercise* material (``data/exercise.yaml``).

The notes are there so that a newcomer sees releasability differ between partners: one
is TLP:RED to one recipient, one AMBER+STRICT to two named ministries, one GREEN REL TO
KOR,USA, one AMBER REL TO the MSMT states, one CLEAR. Their source is of material
``exercise``: every page labels them, and analytic products (reports, dossiers,
statistics: ``Reader.for_analysis``) leave them out.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml
from followthemoney import StatementEntity

from watchkeeper.errors import Conflict
from watchkeeper.importers.base import make_entity
from watchkeeper.model.grading import Reliability
from watchkeeper.model.marking import TLP, Marking, Viewer
from watchkeeper.model.source import Source
from watchkeeper.store import Store
from watchkeeper.store.writer import ImportSummary

DATASET = "wk_sharing_exercise"
MATERIAL = "exercise"
MSMT = "MSMT"
"""In the data: every MSMT organisation (recipients) or state (REL TO)."""


@dataclass(frozen=True)
class Partner:
    name: str
    country: str | None
    msmt: bool


@cache
def _data() -> dict[str, Any]:
    text = resources.files("watchkeeper.sharing").joinpath("data/exercise.yaml").read_text("utf-8")
    found: dict[str, Any] = yaml.safe_load(text)
    return found


def partners() -> list[Partner]:
    """The demo's partner organisations, as the data lists them."""
    return [
        Partner(str(o["name"]), o.get("country"), bool(o["msmt"])) for o in _data()["organisations"]
    ]


def msmt_states() -> frozenset[str]:
    return frozenset(str(p.country) for p in partners() if p.msmt and p.country)


def register_partners(store: Store) -> list[Viewer]:
    """Register the partner organisations not registered yet (an organisation already
    registered keeps its country: changing it is ``org update``)."""
    made = []
    known = {v.organisation for v in store.organisations()}
    for partner in partners():
        if partner.name in known:
            continue
        try:
            made.append(store.add_organisation(partner.name, partner.country))
        except Conflict:  # registered meanwhile by another process
            continue
    return made


def _marking(spec: dict[str, Any], originator: str) -> Marking:
    msmt = [p.name for p in partners() if p.msmt]

    def expand(value: Any, members: list[str]) -> list[str] | None:
        if value is None:
            return None
        return members if value == MSMT else [str(v) for v in value]

    rel_to = expand(spec.get("rel_to"), sorted(msmt_states()))
    recipients = expand(spec.get("recipients"), msmt) or []
    return Marking.make(
        TLP.parse(str(spec["tlp"])),
        ",".join(rel_to) if rel_to else None,
        originator,
        frozenset(recipients),
    )


def notes(originator: str) -> list[tuple[StatementEntity, Marking]]:
    """The exercise's notes, each with its marking (``originator``: the workspace's own
    organisation, which wrote them)."""
    out = []
    for note in _data()["notes"]:
        entity = make_entity("Note", str(note["id"]), DATASET)
        entity.add("name", str(note["name"]))
        entity.add("description", " ".join(str(note["description"]).split()))
        entity.add("createdAt", str(note["date"]))
        entity.add("keywords", "exercise")
        out.append((entity, _marking(note["marking"], originator)))
    return out


def exercise_source() -> Source:
    text = resources.files("watchkeeper.sharing").joinpath("data/exercise.yaml").read_bytes()
    digest = hashlib.sha256(text).hexdigest()
    return Source(
        id=f"{DATASET}:{digest[:16]}",
        dataset=DATASET,
        kind="dataset",
        title="Sharing exercise (demo): EXERCISE MATERIAL, NOT FACT",
        publisher="Watchkeeper demo",
        reliability=Reliability.F,
        published="2025-06-01",
        checksum=digest,
        marking=Marking(TLP.CLEAR),
        material=MATERIAL,
    )


def load_exercise(
    store: Store, originator: str, items: list[tuple[StatementEntity, Marking]] | None = None
) -> ImportSummary:
    """Write the exercise's notes (``items``: a part of ``notes(originator)``, for a
    workspace that holds only what one viewer may see); idempotent."""
    found = notes(originator) if items is None else items
    source = exercise_source()
    with store.write(source, full_release=True) as writer:
        for entity, marking in found:
            writer.add_entity(entity, marking, credibility=3)
    return writer.summary
