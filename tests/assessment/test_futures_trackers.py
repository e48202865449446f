"""Futures and trackers from a store: the update matches hand computation, evidence the
viewer may not see moves nothing, and an event may belong to several sectors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.assessment.helpers import CITE, add_events, write_file
from watchkeeper.assessment import futures, trackers
from watchkeeper.assessment.loader import import_assessment
from watchkeeper.assessment.periods import parse_period
from watchkeeper.model.marking import Marking, Viewer
from watchkeeper.store import Store, open_store

ORG_A = Viewer("org-a", "USA")
ORG_B = Viewer("org-b", "KOR")
AMBER_A = Marking.make("AMBER", recipients=["org-a"])


def _judgments(path: Path) -> Path:
    return write_file(
        path,
        scenarios=[
            {"id": "s1", "title": "One", "description": "d1", "prior": 0.6, "reason": "r1", "made_on": "2024-01-01"},
            {"id": "s2", "title": "Two", "description": "d2", "prior": 0.4, "reason": "r2", "made_on": "2024-01-01"},
        ],
        indicators=[
            {
                "id": "i1",
                "title": "Indicator",
                "description": "watch this",
                "likelihoods": {"s1": 2.0, "s2": 1.0},
                "reason": "why",
                "made_on": "2024-01-01",
                "observations": [
                    {"event": "event-1", "reason": "seen", "made_on": "2024-01-10"},
                    {"event": "event-2", "reason": "seen again", "made_on": "2024-02-10"},
                ],
            },
            {"id": "i2", "title": "Never seen", "description": "quiet", "likelihoods": {"s1": 0.5}, "reason": "why"},
        ],
        evidence=[
            {"event": "event-2", "relevance": "high", "consistency": {"s1": {"mark": "CC", "reason": "fits"}, "s2": {"mark": "II", "reason": "does not"}}},
            {"id": "history", "title": "A precedent", "date": "1990", "relevance": "medium", "credibility": 2, "citation": CITE,
             "consistency": {"s1": {"mark": "I", "reason": "no"}, "s2": {"mark": "C", "reason": "yes"}}},
        ],
    )  # fmt: skip


def _store(tmp_path: Path, name: str, with_hidden: bool) -> Store:
    store = open_store(f"sqlite:///{tmp_path / name}")
    events: list[tuple[str, str, list[str], Marking | None]] = [
        ("event-1", "2024-01-10", ["diplomacy"], None)
    ]
    if with_hidden:
        events.append(("event-2", "2024-02-10", ["space", "missiles"], AMBER_A))
    # Graded A2: a report of that grade may carry a Bayes factor of up to 3, so the
    # indicator's x2 applies in full.
    add_events(store, events, reliability="A")
    import_assessment(store, _judgments(tmp_path / f"{name}.yaml"))
    return store


def test_the_update_from_the_store_matches_hand_computation(tmp_path: Path) -> None:
    store = _store(tmp_path, "full.db", with_hidden=True)
    seen_a = futures.futures(store.read(ORG_A), trackers.read_events(store.read(ORG_A)))
    # org-a sees both observations: 0.6*2*2 : 0.4 = 2.4 : 0.4 -> 6/7, 1/7.
    assert {p.scenario: p.value for p in seen_a.posterior} == pytest.approx(
        {"s1": 6 / 7, "s2": 1 / 7}
    )
    assert [s.evidence.id for s in seen_a.steps] == ["i1:event-1", "i1:event-2"]
    assert seen_a.steps[0].after == pytest.approx({"s1": 0.75, "s2": 0.25})
    assert next(p for p in seen_a.posterior if p.scenario == "s1").word == "very likely"
    # i2 names no likelihood for s2: reported, and s2 stays put under it.
    assert ("i2", "s2") in seen_a.missing_likelihoods
    board = {i.id: i for i in seen_a.indicators}
    assert (
        board["i1"].observed
        and board["i1"].last_observed == "2024-02-10"
        and not board["i2"].observed
    )
    assert seen_a.ach is not None and seen_a.ach.leader == "s1"
    # org-b may not see event-2: one observation only, 0.6*2 : 0.4 -> 3/4, 1/4 ...
    seen_b = futures.futures(store.read(ORG_B), trackers.read_events(store.read(ORG_B)))
    assert {p.scenario: p.value for p in seen_b.posterior} == pytest.approx(
        {"s1": 0.75, "s2": 0.25}
    )
    assert seen_b.ach is not None and [i.id for i in seen_b.ach.items] == ["history"]
    assert seen_b.ach.leader == "s2"
    # ... exactly what a store holding only what org-b may see gives it.
    alone = _store(tmp_path, "partial.db", with_hidden=False)
    assert futures.futures(alone.read(ORG_B), trackers.read_events(alone.read(ORG_B))) == seen_b


def test_judgments_made_after_the_date_are_left_out(tmp_path: Path) -> None:
    from datetime import date

    store = _store(tmp_path, "full.db", with_hidden=True)
    reader = store.read(ORG_A)
    early = futures.futures(
        reader, trackers.read_events(reader, date(2024, 1, 31)), date(2024, 1, 31)
    )
    assert {p.scenario: p.value for p in early.posterior} == pytest.approx({"s1": 0.75, "s2": 0.25})
    assert futures.futures(reader, [], date(2023, 12, 31)).scenarios == []


def test_sector_tracker_counts_an_event_in_each_of_its_sectors(store: Store) -> None:
    add_events(
        store,
        [
            ("e1", "2024-01-10", ["space", "missiles"], None),
            ("e2", "2024-03-05", ["missiles"], None),
            ("e3", "2024-07-01", ["missiles"], AMBER_A),
            ("e4", "2025-01-01", ["missiles"], None),
        ],
    )
    add_events(store, [("e5", "2024-05-05", ["missiles"], None)], credibility=4)
    events = trackers.read_events(store.read(ORG_B))
    rows = {r.sector: r for r in trackers.sector_tracker(events, parse_period("2024"))}
    assert set(rows) == {"space", "missiles"}
    missiles = rows["missiles"]
    assert (missiles.events, missiles.first, missiles.last) == (3, "2024-01-10", "2024-05-05")
    assert missiles.shares == pytest.approx(
        {"confirmed": 2 / 3, "reported": 0.0, "assessed": 1 / 3}
    )
    assert dict(missiles.by_month) == {"2024-01": 1, "2024-03": 1, "2024-05": 1}
    assert rows["space"].events == 1
    # org-a also sees the AMBER event of July.
    seen_a = trackers.sector_tracker(trackers.read_events(store.read(ORG_A)), parse_period("2024"))
    assert next(r for r in seen_a if r.sector == "missiles").last == "2024-07-01"
