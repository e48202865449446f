"""The Bayesian update and ACH against hand-computed cases; evidence order changes nothing."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from watchkeeper.assessment import ach, bayes

PRIORS = {"a": 0.5, "b": 0.3, "c": 0.2}
E1 = bayes.Evidence("e1", "2024-01-01", {"a": 2.0, "b": 1.0, "c": 0.5})
E2 = bayes.Evidence("e2", "2024-02-01", {"a": 0.5, "b": 2.0})


def test_update_matches_the_hand_computed_case() -> None:
    # After e1: 0.5*2 : 0.3*1 : 0.2*0.5 = 1.0 : 0.3 : 0.1 -> 5/7, 3/14, 1/14.
    # After e2: 5/7*0.5 : 3/14*2 : 1/14*1 = 5/14 : 6/14 : 1/14 -> 5/12, 6/12, 1/12.
    posterior, steps = bayes.update(PRIORS, [E1, E2])
    assert posterior == pytest.approx({"a": 5 / 12, "b": 1 / 2, "c": 1 / 12})
    assert steps[0].after == pytest.approx({"a": 5 / 7, "b": 3 / 14, "c": 1 / 14})
    assert steps[1].before == steps[0].after
    assert steps[1].change("b") == pytest.approx(1 / 2 - 3 / 14)
    assert [s.evidence.id for s in steps] == ["e1", "e2"]


def test_priors_are_normalised_and_likelihoods_are_scale_free() -> None:
    doubled = bayes.Evidence(
        "e1", "2024-01-01", {k: 10 * v for k, v in E1.likelihoods.items()} | {"c": 5.0}
    )
    assert bayes.update({"a": 5, "b": 3, "c": 2}, [doubled])[0] == pytest.approx(
        bayes.update(PRIORS, [E1])[0]
    )


likelihoods = st.fixed_dictionaries({h: st.floats(0.05, 20) for h in PRIORS})
evidence_lists = st.lists(
    st.builds(
        bayes.Evidence,
        id=st.text("abcdef", min_size=1, max_size=6),
        date=st.sampled_from(["2023-09-13", "2024-01-01", "2024-06-19", "2025-04-28"]),
        likelihoods=likelihoods,
    ),
    max_size=12,
    unique_by=lambda e: (e.date, e.id),
)


@settings(max_examples=100, deadline=None)
@given(evidence=evidence_lists, seed=st.integers(0, 10_000))
def test_reordering_the_evidence_changes_nothing(evidence: list[bayes.Evidence], seed: int) -> None:
    shuffled = list(evidence)
    random.Random(seed).shuffle(shuffled)
    assert bayes.update(PRIORS, shuffled) == bayes.update(PRIORS, evidence)


@pytest.mark.parametrize(
    ("p", "word"),
    [
        (0.0, "almost no chance"),
        (0.04, "almost no chance"),
        (0.05, "very unlikely"),
        (0.2, "unlikely"),
        (0.45, "roughly even chance"),
        (0.5, "roughly even chance"),
        (0.55, "roughly even chance"),
        (0.56, "likely"),
        (0.8, "likely"),
        (0.81, "very likely"),
        (0.95, "very likely"),
        (0.97, "almost certain"),
        (1.0, "almost certain"),
    ],
)
def test_icd203_words(p: float, word: str) -> None:
    assert bayes.icd203(p)[0] == word


# -- ACH ------------------------------------------------------------------------------------------

ITEMS = [
    ach.Item("x", "treaty", 1.0, {"h1": "I", "h2": "C", "h3": "CC"}),
    ach.Item("y", "labour", 0.5, {"h1": "II", "h2": "CC", "h3": "C"}),
    ach.Item("z", "shells", 1.0, {"h1": "C", "h2": "C", "h3": "C"}),
    ach.Item("w", "reactor", 0.4, {"h1": "I", "h2": "II"}),
]


def test_ach_matches_the_hand_computed_case() -> None:
    result = ach.analyse(["h1", "h2", "h3"], ITEMS)
    # Inconsistency (I = 1, II = 2, times weight):
    #   h1 = 1*1 + 0.5*2 + 0 + 0.4*1 = 2.4; h2 = 0.4*2 = 0.8; h3 = 0 (w unmarked = N).
    assert result.inconsistency == {"h1": 2.4, "h2": 0.8, "h3": 0.0}
    assert result.ranking == ["h3", "h2", "h1"]
    assert result.ranks == [["h3"], ["h2"], ["h1"]]
    # Diagnosticity: spread of scores across hypotheses.
    assert result.diagnosticity == {"w": 2, "x": 3, "y": 4, "z": 0}
    sens = {s.item: s for s in result.sensitivity}
    assert sens["w"].inconsistency_change == {"h1": 0.4, "h2": 0.8, "h3": 0.0}
    # Without w, h2 is as little inconsistent as h3: a tie at the top, which counting
    # consistent marks (h3's CCs) does not break.
    assert sens["w"].changes_leader and sens["w"].ranks_without == [["h2", "h3"], ["h1"]]
    assert [s.item for s in result.sensitivity if s.changes_leader] == ["w"]


def test_ach_sensitivity_flags_the_item_the_leader_rests_on() -> None:
    items = [
        ach.Item("only", "decisive", 1.0, {"h1": "I", "h2": "C"}),
        ach.Item("weak", "weak", 0.2, {"h1": "C", "h2": "I"}),
    ]
    result = ach.analyse(["h1", "h2"], items)
    assert result.leader == "h2"
    sens = {s.item: s for s in result.sensitivity}
    assert sens["only"].changes_leader and sens["only"].leader_without == "h1"
    assert not sens["weak"].changes_leader


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_ach_does_not_depend_on_the_order_of_evidence_or_hypotheses(seed: int) -> None:
    items, hyps = list(ITEMS), ["h1", "h2", "h3"]
    rng = random.Random(seed)
    rng.shuffle(items)
    rng.shuffle(hyps)
    assert ach.analyse(hyps, items) == ach.analyse(["h1", "h2", "h3"], ITEMS)
