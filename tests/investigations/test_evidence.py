"""xref's own evidence (investigations/evidence.py), one test per finding of issue 26 on
the real UN and OFAC lists, and the labelled UN↔OFAC sample's precision per score band
(tests/investigations/data/un_ofac_sample.csv, README there)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import OFAC_CSV, UN_XML
from watchkeeper.importers import run_import
from watchkeeper.investigations import queue
from watchkeeper.investigations.evidence import (
    WEAK_NAME_CAP,
    branch_country,
    countries_of,
    is_weak,
)
from watchkeeper.investigations.xref import REVIEW, THRESHOLD, Blocker, Suggestion, xref
from watchkeeper.model.marking import Viewer
from watchkeeper.screening import Index, build
from watchkeeper.screening.index import Listed, Visible, visible
from watchkeeper.screening.names import analyse
from watchkeeper.screening.score import _date_relation
from watchkeeper.store import Store, open_store

SAMPLE = Path(__file__).parent / "data" / "un_ofac_sample.csv"


@pytest.fixture(scope="module")
def lists(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Index, Blocker]]:
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('evidence') / 'store.db'}")
    run_import(store, "un-xml", UN_XML)
    run_import(store, "ofac-csv", OFAC_CSV)
    index = build(store)
    yield store, index, Blocker(index, frozenset(store.visible_marking_ids(Viewer("local"))))
    store.close()


def pair(lists: tuple[Store, Index, Blocker], ofac: str, un: str) -> Suggestion:
    _store, index, blocker = lists
    found = blocker.score_pair(index.by_id[ofac], index.by_id[un])
    assert found is not None
    return found


def test_an_acronym_alone_does_not_carry_a_pair(lists: tuple[Store, Index, Blocker]) -> None:
    # AL-ASHTAR BRIGADES (a.k.a. AAB) and ABDALLAH AZZAM BRIGADES (AAB): 1.0 before
    found = pair(lists, "ofac-24723", "unsc-qde-144")
    assert found.score <= WEAK_NAME_CAP < THRESHOLD
    assert any("acronym" in why for why in found.explanation)
    # the group's own OFAC entry is still found by its name
    assert pair(lists, "ofac-13168", "unsc-qde-144").score >= THRESHOLD
    # a one-word name with its country confirmed: the DPRK's KOTI CORP on both lists
    assert pair(lists, "ofac-23785", "unsc-kpe-067").score >= THRESHOLD


def test_weak_names() -> None:
    def weak(name: str, org: bool) -> bool:
        return is_weak(analyse(name, org)[0], org)

    assert weak("AAB", True) and weak("ADF/NALU", True) and weak("AL-JIHAD", True)
    assert weak("KOTI CORP", True) and not weak("KORYO BANK", True)
    assert weak("ABU MUHAMMAD", False) and weak("Abu al-Walid", False) and weak("ZAKIR", False)
    assert not weak("ABU MOHAMMED AL-JAWLANI", False) and not weak("Omar Hussain", False)


def test_dates_are_compared_at_the_precision_both_give() -> None:
    assert _date_relation(("1970",), ("1970-07-17",), precise=True) == "year"
    assert _date_relation(("1968-05-15", "1970"), ("1970-07-17",), precise=True) == "year"
    assert _date_relation(("1970-07-17",), ("1970-07-17", "1971"), precise=True) == "match"
    assert _date_relation(("1950",), ("1970-07-17",), precise=True) == "conflict"
    # screening reads dates as before
    assert _date_relation(("1970",), ("1970-07-17",)) == "match"


def test_brothers_are_two_people(lists: tuple[Store, Index, Blocker]) -> None:
    # Yasir and Bashar Sabawi AL-TIKRITI: 0.99 before, from "1970" = "1970-07-17" and
    # "yasir=bashir (1 typing error)"
    found = pair(lists, "ofac-9329", "unsc-iqi-085")
    assert found.score < REVIEW
    assert "same birth year only" in found.explanation
    assert "another given name: yasir / bashir" in found.explanation
    # each brother is still his own counterpart
    assert pair(lists, "ofac-9329", "unsc-iqi-081").score >= THRESHOLD
    assert pair(lists, "ofac-9353", "unsc-iqi-085").score >= THRESHOLD


def test_a_generic_name_of_another_state(lists: tuple[Store, Index, Blocker]) -> None:
    myanma = pair(lists, "ofac-42796", "unsc-kpe-047")
    dprk = pair(lists, "ofac-15603", "unsc-kpe-047")
    assert myanma.score < REVIEW <= dprk.score
    # Burma's, Iran's (two) and a Russian institute of the ministry of defence against
    # the DPRK's Ministry of National Defence
    for ofac in ("ofac-43396", "ofac-13156", "ofac-10392", "ofac-32743"):
        assert pair(lists, ofac, "unsc-kpe-054").score < REVIEW, ofac
    # the DPRK's own, under its former name
    assert pair(lists, "ofac-22285", "unsc-kpe-054").score >= REVIEW


def test_programmes_say_which_country() -> None:
    listed = Listed(
        "e",
        "Organization",
        [("Organization", 1)],
        [("MYANMA FOREIGN TRADE BANK", 1)],
        programs=[("BURMA-EO14014", 2)],
    )
    hidden = visible(listed, frozenset({1}))
    shown = visible(listed, frozenset({1, 2}))
    assert hidden is not None and shown is not None
    # a programme is seen only by who may see its statement
    assert hidden.programs == () and countries_of(hidden) == frozenset()
    assert shown.programs == ("BURMA-EO14014",) and countries_of(shown) == {"mm"}
    thematic = Visible("t", "Organization", ("X",), (), (), (), (), (), ("SDGT", "NPWMD"))
    assert countries_of(thematic) == frozenset()


def test_the_index_keeps_programmes(lists: tuple[Store, Index, Blocker], tmp_path: Path) -> None:
    _store, index, _blocker = lists
    assert "BURMA-EO14014" in {v for v, _ in index.entities[index.by_id["ofac-42796"]].programs}
    index.save(tmp_path / "index.npz")
    loaded = Index.load(tmp_path / "index.npz")
    assert loaded is not None
    assert [e.programs for e in loaded.entities] == [e.programs for e in index.entities]


def test_a_branch_is_not_its_parent(lists: tuple[Store, Index, Blocker]) -> None:
    assert branch_country("AL-HARAMAIN FOUNDATION (UNION OF THE COMOROS)") == "km"
    assert branch_country("AL-HARAMAIN : THE NETHERLANDS BRANCH") == "nl"
    assert branch_country("AL-HARAMAIN ISLAMIC FOUNDATION") is None
    # OFAC's Al-Haramain Islamic Foundation (two entries) against the UN's country
    # entries, which OFAC lists apart as branches
    for ofac in ("ofac-10932", "ofac-7199"):
        for un in ("unsc-qde-104", "unsc-qde-105", "unsc-qde-106", "unsc-qde-116"):
            found = pair(lists, ofac, un)
            assert found.score < REVIEW, (ofac, un, found.explanation)
    # a branch against the same branch stays a match
    assert pair(lists, "ofac-8258", "unsc-qde-110").score >= THRESHOLD


def test_a_better_counterpart_weakens_a_sister_entry(
    lists: tuple[Store, Index, Blocker],
) -> None:
    store, index, _blocker = lists
    marks = frozenset(store.visible_marking_ids(Viewer("local")))
    found = {s.key: s for s in xref(index, marks, only={"unsc-kpe-045"}, review=0.0)}
    assert found[("ofac-20572", "unsc-kpe-045")].suggested  # KORYO BANK on both lists
    for sister in ("ofac-23004", "ofac-20569"):  # KORYO COMMERCIAL / CREDIT DEVELOPMENT BANK
        s = found[(sister, "unsc-kpe-045")]
        assert s.score < REVIEW and "a better counterpart on one side" in s.explanation[-1]


def test_labelled_sample_precision_per_band(lists: tuple[Store, Index, Blocker]) -> None:
    """At >= 0.95 the target (0.99) is met on both parts; in the review band the
    held-out part stays below the 0.80 target (bench/investigations/README.md): this
    guards what was reached against regressions."""
    store, index, blocker = lists
    marks = frozenset(store.visible_marking_ids(Viewer("local")))
    run = {s.key: s for s in xref(index, marks, review=0.0, workers=2)}
    with SAMPLE.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["label"] != "ambiguous"]
    assert len(rows) >= 150
    for split in ("tune", "held-out"):
        high, review = [], []
        for r in rows:
            if r["split"] != split:
                continue
            key = (r["left_entity"], r["right_entity"])
            s = run.get(key) or blocker.score_pair(index.by_id[key[0]], index.by_id[key[1]])
            score = s.score if s is not None else 0.0
            if score >= THRESHOLD:
                high.append(r["label"] == "same")
            elif score >= REVIEW:
                review.append(r["label"] == "same")
        assert sum(high) / len(high) >= 0.99, split
        assert sum(review) / len(review) >= 0.6, split


def test_the_queue_scores_as_xref_did(lists: tuple[Store, Index, Blocker]) -> None:
    """The review queue scores its pairs again for the viewer: with the cross-pair rule,
    as the run did (a pair weakened in the run is not shown stronger in the queue)."""
    store, index, _blocker = lists
    reader = store.read(Viewer("local"))
    # a lower review level than the default, where the rule leaves pairs standing
    done = queue.run(store, reader, index, review=0.5, automatic=False)
    weakened = [s for s in done.queued if "a better counterpart on one side" in s.explanation[-1]]
    assert weakened
    again = {
        s.key: s.score for s in queue.scored(store, store.read(Viewer("local")), index, review=0.5)
    }
    for s in done.queued:
        assert again.get(s.key) == s.score, s
