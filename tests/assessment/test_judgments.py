"""Issue 24, findings 3 and 5: key judgments that survive review, and models that do not
contradict the estimates in silence. Each test names the defect it guards against; each
failed on the code before the fix."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tests.assessment.helpers import CITE, add_events, write_file
from watchkeeper.assessment import ach, futures, models, report, trackers
from watchkeeper.assessment.dataset import Bundle, read_file, validate
from watchkeeper.assessment.estimates import estimates
from watchkeeper.assessment.loader import import_assessment, load_assessment
from watchkeeper.assessment.periods import parse_period
from watchkeeper.errors import InputError
from watchkeeper.model.marking import Viewer
from watchkeeper.store import Store, open_store
from watchkeeper.theater import load_theater

ORG_A = Viewer("org-a", "USA")
ORG_B = Viewer("org-b", "KOR")
ORG_C = Viewer("org-c", "JPN")
END_2025 = date(2025, 12, 31)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The demo's theater dataset and bundled assessment, on SQLite, for all tests here."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    store = open_store(f"sqlite:///{path}")
    load_theater(store)
    load_assessment(store)
    yield store


def _futures(store: Store, viewer: Viewer, when: date | None = END_2025) -> futures.Futures:
    reader = store.read(viewer)
    return futures.futures(reader, trackers.read_events(reader, when), when)


# -- finding 3: wartime evidence does not decide the post-war path --------------------------------


def test_wartime_evidence_does_not_compound_into_a_post_war_certainty(demo: Store) -> None:
    """Treaty, troops and veto were multiplied as independent evidence about the post-war
    path: 45 % -> 3 % for a downgrade by end-2025."""
    fut = _futures(demo, ORG_B)
    downgrade = next(p for p in fut.posterior if p.scenario == "downgrade")
    assert downgrade.value > 0.2 and downgrade.word != "almost no chance"  # was 3 %
    from watchkeeper.assessment.dataset import WARTIME_TOTAL

    horizon = {i.id: i.horizon for i in fut.indicators}
    assert horizon["security-guarantees"] == horizon["troops-for-russia"] == "wartime"
    assert horizon["china-stance"] == "wartime" and horizon["labour-flows"] == "post-war"
    together: dict[str, float] = {}
    for step in fut.steps:
        if horizon[step.evidence.indicator] == "wartime":
            for h, v in step.evidence.likelihoods.items():
                together[h] = together.get(h, 1.0) * v
    assert max(together.values()) / min(together.values()) <= WARTIME_TOTAL * (1 + 1e-6)


def test_a_wartime_indicator_with_large_ratios_is_refused(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    path = write_file(
        tmp_path / "a.yaml",
        scenarios=[{"id": "s1", "title": "One", "description": "d", "prior": 0.5, "reason": "r"}],
        indicators=[
            {"id": "treaty", "title": "Treaty", "description": "d", "horizon": "wartime",
             "likelihoods": {"s1": 0.6}, "reason": "why", "citation": CITE},
            {"id": "uncited", "title": "Uncited", "description": "d", "horizon": "wartime",
             "likelihoods": {"s1": 1.1}, "reason": "why"},
        ],
    )  # fmt: skip
    with pytest.raises(InputError, match=r"indicators\[0\] treaty: wartime likelihood for 's1'"):
        import_assessment(store, path)
    assert futures.futures(store.read(ORG_A), []).scenarios == []  # nothing written
    problems = validate(read_file(path))
    assert any(
        p.endswith(
            "uncited: a wartime indicator cites what its ratios rest on (citation or events)"
        )
        for p in problems
    )
    problems = validate(Bundle("f", {}, {"indicators": [{"id": "x", "horizon": "soon"}]}, "", {}))
    assert any("horizon must be one of wartime, post-war" in p for p in problems)


def test_one_report_moves_the_odds_no_more_than_its_grade_allows(tmp_path: Path) -> None:
    """A single claim graded 3 moved deepening 39 -> 52 % with the indicator's full ratio."""
    from watchkeeper.assessment import weighing

    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    add_events(store, [("claim", "2024-02-01", ["missiles"], None)], credibility=3, reliability="B")
    import_assessment(
        store,
        write_file(
            tmp_path / "a.yaml",
            scenarios=[
                {"id": "s1", "title": "One", "description": "d", "prior": 0.5, "reason": "r", "made_on": "2024-01-01"},
                {"id": "s2", "title": "Two", "description": "d", "prior": 0.5, "reason": "r", "made_on": "2024-01-01"},
            ],
            indicators=[
                {"id": "i1", "title": "I", "description": "d", "likelihoods": {"s1": 4.0, "s2": 1.0},
                 "reason": "why", "observations": [{"event": "claim", "reason": "seen"}]},
            ],
        ),
    )  # fmt: skip
    fut = futures.futures(store.read(ORG_A), trackers.read_events(store.read(ORG_A)))
    cap = 1.5**0.8  # credibility 3's cap, raised to reliability B's weight
    assert weighing.grade_cap("B", 3) == pytest.approx(cap)
    s1 = next(p.value for p in fut.posterior if p.scenario == "s1")
    assert s1 == pytest.approx(cap / (1 + cap))  # not 4 / 5
    obs = fut.indicators[0].observations[0]
    assert obs.likelihoods == {"s1": 4.0, "s2": 1.0} and obs.limits


def test_the_bundled_b3_claim_is_capped(demo: Store) -> None:
    from watchkeeper.assessment import weighing

    fut = _futures(demo, ORG_B)
    step = next(s for s in fut.steps if "kn-23" in s.evidence.id)
    odds = (step.after["deepening"] / step.after["downgrade"]) / (
        step.before["deepening"] / step.before["downgrade"]
    )
    assert odds <= weighing.grade_cap("B", 3) + 1e-9
    assert step.change("deepening") < 0.05


# -- finding 3: likelihood and confidence, stated apart -------------------------------------------


def test_probability_words_agree_with_the_percent_printed() -> None:
    """44.9 % printed as "unlikely (20-45 %; 45 %)"."""
    p = futures.probability("x", 0.449)
    assert (p.percent, p.word, p.range) == (45, "roughly even chance", (45, 55))
    low = futures.probability("x", 0.004)
    assert (low.shown, low.word) == ("<1", "almost no chance")
    for value in [i / 1000 for i in range(1, 1000)]:
        q = futures.probability("x", value)
        assert q.range[0] <= min(max(q.percent, 1), 99) <= q.range[1]


def test_every_key_judgment_states_likelihood_and_confidence(demo: Store) -> None:
    # (2025: the bundled priors were made on 2025-03-31, so a 2024 report has none)
    built = report.build(demo.read(ORG_B), parse_period("2025"))
    html = report.render_html(built)
    rows = built.data["probabilities"]
    assert len(rows) == 3
    for row in rows:
        assert row["confidence"] in ("low", "moderate", "high") and row["confidence_reason"]
        assert row["word"] and row["range"]
    found = re.findall(
        r'class="judgment key-judgment".*?class="likelihood">([^<]+)<.*?'
        r'class="confidence">(low|moderate|high) confidence</strong>: ([^<]+)',
        html,
    )
    assert len(found) == 3
    deepening = next(r for r in rows if r["id"] == "deepening")
    assert deepening["confidence"] == "low"  # the analyst's prior was held with low confidence


def test_a_report_before_the_priors_says_when_they_were_set(demo: Store) -> None:
    """As of end-2024 no key judgment exists (the priors were made on 2025-03-31): the
    report says so and when, instead of "No scenario you may see"."""
    built = report.build(demo.read(ORG_B), parse_period("2024"))
    assert built.data["probabilities"] == [] and built.data["priors_later"] == "2025-03-31"
    html = report.render_html(built)
    assert "first set on 2025-03-31, after this report" in html
    assert "No scenario you may see" not in html
    later = report.build(demo.read(ORG_B), parse_period("2025"))
    assert later.data["probabilities"] and later.data["priors_later"] is None


def test_confidence_is_low_without_confirmed_post_war_evidence(demo: Store) -> None:
    from watchkeeper.assessment import judgments

    fut = _futures(demo, ORG_B, date(2025, 3, 31))  # the priors' day: nothing moved them yet
    for scenario in ("downgrade", "persistence"):
        level, reason, _ = judgments.confidence(fut, scenario)
        assert level == "low" and "no confirmed post-war evidence" in reason


def test_the_2025_report_says_where_it_departs_from_the_essay(demo: Store) -> None:
    built = report.build(demo.read(ORG_B), parse_period("2025"))
    html = report.render_html(built)
    assert built.data["departures"]
    assert '<div id="departures">' in html and "Departures from the seed essay" in html
    first = built.data["departures"][0]
    assert first["essay"] == "downgrade first" and first["ours"].startswith("persistence first")
    assert any("labour-flows" in why for why in first["why"])
    essay = built.references[first["cite"] - 1]
    assert "Putting the Screws" in essay.title
    # Where the judgment agrees with the essay, nothing is said.
    assert not any(d["essay"].startswith("at least likely") for d in built.data["departures"])


# -- finding 3: ACH ---------------------------------------------------------------------------------


def test_precedents_are_base_rates_not_evidence_against_a_future(demo: Store) -> None:
    fut = _futures(demo, ORG_B)
    assert fut.ach is not None
    ids = {i.id for i in fut.ach.items}
    assert "history-1990-normalisation" not in ids and "history-defence-industry-decline" not in ids
    assert {p["date"] for p in fut.precedents} == {"1990-09", "1991"}
    problems = validate(
        Bundle(
            "f",
            {},
            {"evidence": [{"id": "p", "title": "t", "date": "1990", "relevance": "high",
                           "citation": CITE, "role": "precedent",
                           "consistency": {"s": {"mark": "I", "reason": "r"}}}]},
            "",
            {},
        )
    )  # fmt: skip
    assert any("a precedent gets no consistency marks" in p for p in problems)
    assert any("bears_on" in p for p in problems)


def test_ach_ranks_by_inconsistency_only_and_keeps_ties() -> None:
    """Ties were broken by counting consistent evidence, which Heuer warns against."""
    items = [
        ach.Item("a", "fits both", 1.0, {"h1": "CC", "h2": "C"}),
        ach.Item("b", "against neither", 1.0, {"h1": "C", "h2": "N"}),
    ]
    result = ach.analyse(["h1", "h2"], items)
    assert result.ranks == [["h1", "h2"]] and result.leader is None
    assert ach.describe(result.ranks) == "h1 = h2"


def test_ach_says_what_follows_if_the_most_diagnostic_item_is_wrong() -> None:
    items = [
        ach.Item("big", "treaty", 1.0, {"h1": "II", "h2": "CC"}),
        ach.Item("small", "rumour", 0.3, {"h1": "C", "h2": "I"}),
    ]
    result = ach.analyse(["h1", "h2"], items)
    top = result.most_diagnostic()
    assert top is not None and top.item == "big"
    assert top.changes_leader and top.ranks_without == [["h1"], ["h2"]]


def test_the_report_shows_the_sensitivity_of_the_bundled_matrix(demo: Store) -> None:
    built = report.build(demo.read(ORG_B), parse_period("2025"))
    table = built.data["ach"]
    assert table is not None and "score" not in table
    assert any(r["decisive"] for r in table["rows"])  # the unconfirmed submarine report
    assert table["most_diagnostic"]["if_wrong"]


# -- finding 3: overrides by several organisations ------------------------------------------------


def _override(path: Path, org: str, ratio: float, made_on: str, tlp: str = "GREEN") -> Path:
    return write_file(
        path,
        meta={"name": f"judgments_{org.replace('-', '_')}", "publisher": org,
              "marking": {"tlp": tlp, "originator": org}, "published": made_on},
        likelihoods=[{"indicator": "strategic-transfers", "scenario": "deepening", "ratio": ratio,
                      "reason": f"{org}'s view", "made_on": made_on, "citation": CITE}],
    )  # fmt: skip


def _used(store: Store, viewer: Viewer) -> tuple[float, str, list[str]]:
    ind = next(i for i in _futures(store, viewer).indicators if i.id == "strategic-transfers")
    return (
        ind.likelihoods["deepening"],
        ind.likelihood_owners["deepening"],
        ind.likelihood_others["deepening"],
    )


def test_own_organisations_override_wins_then_the_newest(tmp_path: Path) -> None:
    """Two organisations' overrides of one likelihood were applied in row-id order."""
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    load_theater(store)
    load_assessment(store)
    # (both after the bundled likelihoods, made with the priors on 2025-03-31)
    import_assessment(store, _override(tmp_path / "a.yaml", "org-a", 1.05, "2025-04-01"))
    import_assessment(store, _override(tmp_path / "b.yaml", "org-b", 1.22, "2025-05-01"))
    ratio = {
        viewer: next(
            i.likelihoods["deepening"]
            for i in _futures(store, viewer).indicators
            if i.id == "strategic-transfers"
        )
        for viewer in (ORG_A, ORG_B)
    }
    assert ratio == {ORG_A: 1.05, ORG_B: 1.22}  # each its own, whatever the row ids
    assert _used(store, ORG_A)[:2] == (1.05, "org-a")
    assert _used(store, ORG_B)[:2] == (1.22, "org-b")
    value, owner, others = _used(store, ORG_C)  # neither is its own: the newest
    assert (value, owner) == (1.22, "org-b")
    assert sorted(others) == ["org-a x1.05", "wk_assessment x1.2"]
    # The report names whose ratio was used and which were not.
    built = report.build(store.read(ORG_C), parse_period("2025"))
    row = next(b for b in built.data["board"] if b["title"] == "Transfers in strategic domains")
    assert row["owners"]["deepening"]["by"] == "org-b"
    html = report.render_html(built)
    assert (
        'deepening ×1.22 <span class="meta">(org-b; not used: org-a x1.05, wk_assessment x1.2)'
        in html
    )


def test_an_override_a_viewer_may_not_see_leaves_no_trace(tmp_path: Path) -> None:
    """org-b's AMBER override: org-a's futures are those of a store without it."""
    full = open_store(f"sqlite:///{tmp_path / 'full.db'}")
    alone = open_store(f"sqlite:///{tmp_path / 'alone.db'}")
    for store in (full, alone):
        load_theater(store)
        load_assessment(store)
    import_assessment(full, _override(tmp_path / "b.yaml", "org-b", 1.22, "2025-02-01", "AMBER"))
    assert _used(full, ORG_B)[:2] == (1.22, "org-b")
    assert _used(full, ORG_A) == (1.2, "wk_assessment", [])
    assert _futures(full, ORG_A) == _futures(alone, ORG_A)
    seen = report.build(full.read(ORG_A), parse_period("2025"))
    assert seen.data == report.build(alone.read(ORG_A), parse_period("2025")).data


# -- finding 5: models against estimates -----------------------------------------------------------


def test_a_model_contradicting_the_best_graded_estimate_is_flagged(demo: Store) -> None:
    """The rounds model's median (4.8 M, Sept 2023 - mid 2025) sat below the MSMT's ~9 M
    in 2024 alone (B2), unflagged."""
    from watchkeeper.assessment import modelcheck

    spec = models.load_models()["shells_from_containers"]
    result = models.run(spec, draws=20_000, seed=1)
    checks = modelcheck.check(result, estimates(demo.read(ORG_B)))
    msmt = next(c for c in checks if c.estimate.measure == "artillery_rounds_per_year")
    assert msmt.conflict and msmt.estimate.key == "est-2025-05-29-msmt-rounds-2024"
    assert msmt.estimate.best == 9_000_000 and msmt.estimate.grade in msmt.text
    assert result.summary.p50 < 0.8 * 9_000_000
    html = report.render_html(report.build(demo.read(ORG_B), parse_period("2025")))
    assert "Model and estimate disagree." in html and "Multilateral Sanctions" in html


def test_the_report_warns_of_impossible_draws(demo: Store) -> None:
    # (2025: the models' inputs cite estimates published in 2025, so a 2024 report
    # lists them under "known since")
    built = report.build(demo.read(ORG_B), parse_period("2025"))
    share = next(m for m in built.data["models"] if m["unit"] == "%")
    assert share["impossible"] and "exceed 100 %" in share["impossible"]
    assert float(share["high"]) > 100  # the range shows the impossible draws, not "30-100"
    rounds = next(m for m in built.data["models"] if m["unit"] == "rounds")
    assert rounds["impossible"] is None
    assert not math.isnan(float(share["median"]))


def test_an_override_shown_in_the_report_marks_it(tmp_path: Path) -> None:
    """A restricted override, used or named as not used, raises the report's banner."""
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    load_theater(store)
    load_assessment(store)
    import_assessment(store, _override(tmp_path / "b.yaml", "org-b", 1.22, "2025-02-01", "AMBER"))
    built = report.build(store.read(ORG_B), parse_period("2025"))
    assert built.banner == "TLP:AMBER"
    assert report.build(store.read(ORG_A), parse_period("2025")).banner == "TLP:CLEAR"


def test_an_override_of_a_wartime_ratio_is_held_to_the_band(tmp_path: Path) -> None:
    """An organisation's own likelihood for a bundled wartime indicator cannot bring back
    a large ratio: it is held to the band, and the step says so."""
    store = open_store(f"sqlite:///{tmp_path / 's.db'}")
    load_theater(store)
    load_assessment(store)
    path = write_file(
        tmp_path / "b.yaml",
        meta={"name": "judgments_b", "marking": {"tlp": "GREEN", "originator": "org-b"}},
        likelihoods=[{"indicator": "security-guarantees", "scenario": "downgrade", "ratio": 0.3,
                      "reason": "a treaty ends all doubt", "made_on": "2024-07-01"}],
    )  # fmt: skip
    import_assessment(store, path)
    fut = _futures(store, ORG_B)
    ind = next(i for i in fut.indicators if i.id == "security-guarantees")
    assert ind.likelihoods["downgrade"] == 0.3 and ind.likelihood_owners["downgrade"] == "org-b"
    signing = ind.observations[0]
    assert signing.applied["downgrade"] >= 0.8 - 1e-9
    assert any("wartime indicator: ratios held to 0.8-1.25" in n for n in signing.limits)
