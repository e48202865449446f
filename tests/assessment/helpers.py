"""Builders for assessment tests: analyst files and small stores."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from tests.helpers import entity, source
from watchkeeper.model.grading import Reliability
from watchkeeper.model.marking import Marking
from watchkeeper.store import Store

CITE = {
    "publisher": "Test Wire",
    "title": "A report",
    "date": "2024-03-01",
    "url": "https://example.org/r",
    "reliability": "B",
}


def estimate(ident: str, **extra: Any) -> dict[str, Any]:
    item = {
        "id": ident,
        "reported": "2024-03-01",
        "estimator": "Agency A",
        "measure": "artillery_rounds_supplied",
        "subject": "artillery rounds, North Korea to Russia",
        "bound": "about",
        "best": 1000000,
        "period": {"end": "2024-02"},
        "method": "counted",
        "statement": f"Agency A estimated {ident}.",
        "credibility": 3,
        "citation": dict(CITE, url=f"https://example.org/{ident}"),
    }
    item.update(extra)
    return item


def write_file(path: Path, meta: dict[str, Any] | None = None, **sections: Any) -> Path:
    data = {
        "meta": {
            "name": "analyst_a",
            "title": "Analyst A's assessment",
            "version": 1,
            "published": "2024-06-01",
            "publisher": "Org A",
            "analyst": "Analyst A",
        }
        | (meta or {}),
        **sections,
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def add_events(
    store: Store,
    events: list[tuple[str, str, list[str], Marking | None]],
    credibility: int = 2,
    reliability: str = "F",
) -> None:
    """Events (id, date, sectors, marking) written through the real write path, from a
    source of ``reliability`` (F, "cannot be judged", unless told)."""
    src = replace(source("events_t", "2024-01-01"), reliability=Reliability[reliability])
    with store.write(src, full_release=False) as writer:
        for ident, when, sectors, mark in events:
            ent = entity(
                "Event",
                ident,
                "events_t",
                name=f"Event {ident}",
                date=when,
                keywords=sectors,
                summary=f"Summary of {ident}.",
            )
            writer.add_entity(ent, mark, credibility)
