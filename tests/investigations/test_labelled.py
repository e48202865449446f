"""xref on the labelled set of real UN/OFAC DPRK entries (tests/investigations/data):
automatic suggestions reach precision >= 0.98 at recall >= 0.95; the hard pairs are not
suggested; ships are accepted by their IMO and kept apart from their namesakes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import OFAC_CSV, UN_XML
from watchkeeper.importers import run_import
from watchkeeper.investigations.evaluate import Labels, measure
from watchkeeper.investigations.xref import RULE_IMO, THRESHOLD, Suggestion, xref
from watchkeeper.model.marking import Viewer
from watchkeeper.screening import Index, build
from watchkeeper.store import Store, open_store
from watchkeeper.theater import load_theater

DATA = Path(__file__).parent / "data"
DPRK_PROGRAMS = ("DPRK", "DPRK2", "DPRK3", "DPRK4", "DPRK-NKSPEA")


@pytest.fixture(scope="module")
def lists(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Index]]:
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('labelled') / 'store.db'}")
    run_import(store, "un-xml", UN_XML)
    run_import(store, "ofac-csv", OFAC_CSV)
    load_theater(store)
    yield store, build(store)
    store.close()


def _dprk_ofac(store: Store) -> set[str]:
    reader = store.read(Viewer("local"))
    return {
        view.id
        for view in reader.entities(reader.entity_ids("Thing"))
        if view.id.startswith("ofac-") and set(view.entity.get("program")) & set(DPRK_PROGRAMS)
    }


@pytest.fixture(scope="module")
def suggestions(lists: tuple[Store, Index]) -> list[Suggestion]:
    store, index = lists
    un_dprk = {e.id for e in index.entities if e.id.startswith("unsc-kp")}
    ships = {e.id for e in index.entities if e.id.startswith("wk-vessel-")}
    marks = frozenset(store.visible_marking_ids(Viewer("local")))
    return xref(index, marks, only=un_dprk | ships | _dprk_ofac(store), workers=2)


def test_un_ofac_precision_and_recall(
    lists: tuple[Store, Index], suggestions: list[Suggestion]
) -> None:
    store, _index = lists
    labels = Labels.read(DATA / "un_ofac_dprk.csv")
    assert len(labels.same) == 152
    ofac_dprk = _dprk_ofac(store)

    def universe(a: str, b: str) -> bool:
        un, ofac = (a, b) if a.startswith("unsc-") else (b, a)
        if not (un.startswith("unsc-") and ofac.startswith("ofac-")):
            return False
        return un.startswith("unsc-kp") or ofac in ofac_dprk

    result = measure(suggestions, labels, universe, THRESHOLD)
    assert result.precision >= 0.98, result.false_positives
    assert result.recall >= 0.95, result.missed
    # Of the 41 hard pairs, one is suggested (bench/investigations/README.md): CHO IL U,
    # whose UN alias "Jo Chol" is two of the three syllables of OFAC's JO Kyong-Chol,
    # born within the year OFAC gives. Any other is a regression.
    suggested = {s.key for s in suggestions if s.suggested}
    assert suggested & labels.different <= {("ofac-23090", "unsc-kpi-040")}


def test_ships_by_imo_and_not_their_namesakes(suggestions: list[Suggestion]) -> None:
    labels = Labels.read(DATA / "theater_ofac_vessels.csv")
    by_pair = {s.key: s for s in suggestions}
    for pair in labels.same:
        assert pair in by_pair and by_pair[pair].rule == RULE_IMO, pair
    for pair in labels.different:
        assert pair not in by_pair or not by_pair[pair].suggested, pair


def test_cho_chun_ryong_is_one_man(suggestions: list[Suggestion]) -> None:
    found = {s.key: s for s in suggestions}[("ofac-20577", "unsc-kpi-038")]
    assert found.suggested and found.score >= THRESHOLD
    assert any("birth" in why for why in found.explanation)
