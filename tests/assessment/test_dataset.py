"""The bundled assessment data: every reference estimate present with its citation, every
estimate stating a range, a point or a bound, every reference resolving."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.conftest import SHARED
from watchkeeper.assessment import dataset
from watchkeeper.assessment.dataset import Bundle, event_entity, load_bundle, validate
from watchkeeper.theater import load_dataset
from watchkeeper.theater.loader import entity_id

REFERENCE = SHARED / "reference/russia_dprk_facts.yaml"
NUMBER = re.compile(r"(\d[\d,]*(?:\.\d+)?)(?:\s*-\s*(\d[\d,]*(?:\.\d+)?))?\s*([MK])?(?![\w])")


def reference_numbers(quantity: str) -> list[float]:
    """The figures a reference quantity states: '0.4-2M rounds' -> 400000, 2000000."""
    text = re.sub(r"\([^)]*\)", "", quantity)
    found = []
    for first, second, suffix in NUMBER.findall(text):
        scale = {"M": 1e6, "K": 1e3}.get(suffix, 1.0)
        for value in (first, second):
            if value:
                found.append(float(value.replace(",", "")) * scale)
    return found


def test_reference_number_parser() -> None:
    assert reference_numbers("~5,000 containers; 0.4-2M rounds") == [5000, 400000, 2000000]
    assert reference_numbers(">20,000 containers; ~9M rounds (2024)") == [20000, 9e6]
    assert reference_numbers("several dozen missiles") == []


def test_the_bundled_data_is_sound() -> None:
    assert validate(load_bundle()) == []


def test_every_reference_estimate_is_present_with_its_citation() -> None:
    reference = yaml.safe_load(REFERENCE.read_text())["estimates"]
    assert len(reference) == 46
    ours = load_bundle().sections["estimates"]
    missing = []
    for ref in reference:
        rows = [e for e in ours if str(e["reported"]) == str(ref["date"])]
        if not rows:
            missing.append(f"{ref['date']} {ref['quantity']}: no estimate reported that day")
            continue
        figures = {
            float(e[k]) for e in rows for k in ("low", "best", "high") if e.get(k) is not None
        }
        for number in reference_numbers(ref["quantity"]):
            if number not in figures:
                missing.append(f"{ref['date']} {ref['quantity']}: {number:g} not stated")
        for row in rows:
            assert row["citation"]["url"].startswith("http"), row["id"]
    assert missing == []


def test_conflicting_shell_counts_are_all_kept() -> None:
    """The reference holds shell counts from 200,000 to over 12 million: all stay."""
    rounds = [
        e
        for e in load_bundle().sections["estimates"]
        if e["measure"] == "artillery_rounds_supplied"
    ]
    figures = {v for e in rounds for v in (e.get("low"), e.get("best"), e.get("high")) if v}
    assert {200000, 350000, 1000000, 1500000, 2500000, 4800000, 9400000, 12000000} <= figures
    assert len({e["estimator"] for e in rounds}) >= 9


def _bundle(estimates: list[dict[str, object]]) -> Bundle:
    meta = {
        "name": "t",
        "title": "t",
        "version": 1,
        "published": "2025-01-01",
        "publisher": "p",
        "analyst": "a",
    }
    sections: dict[str, list[dict[str, object]]] = {name: [] for name in dataset.SECTIONS}
    sections["estimates"] = estimates
    return Bundle("test.yaml", meta, sections, "0" * 64)


GOOD = {
    "id": "e1",
    "reported": "2024-02-26",
    "estimator": "someone",
    "measure": "containers_shipped",
    "subject": "containers",
    "bound": "about",
    "best": 6700,
    "method": "counted",
    "statement": "About 6,700 containers.",
    "credibility": 2,
    "citation": {
        "publisher": "P",
        "title": "T",
        "date": "2024-02-27",
        "url": "https://example.org/a",
        "reliability": "B",
    },
}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"best": None}, "needs 'best'"),
        ({"bound": "range", "low": 10}, "a range needs 'low' and 'high'"),
        ({"bound": "at least", "best": None}, "needs 'low'"),
        ({"bound": "at most"}, "needs 'high'"),
        ({"bound": "roughly"}, "bound must be one of"),
        ({"bound": "range", "low": 10, "high": 5, "best": None}, "low <= best <= high"),
        ({"best": -3}, "must be a number >= 0"),
        ({"citation": None}, "no citation"),
        (
            {"citation": {"publisher": "P", "title": "T", "date": "2024", "reliability": "B"}},
            "citation lacks url",
        ),
        ({"citation": GOOD["citation"] | {"reliability": "Z"}}, "is not A-F"),
        ({"measure": "bananas"}, "unknown measure"),
        ({"reported": "26/02/2024"}, "is not ISO"),
        ({"credibility": 9}, "credibility must be 1-6"),
        ({"marking": {"tlp": "PURPLE"}}, "bad marking"),
        ({"statement": ""}, "no statement"),
    ],
)
def test_an_estimate_needs_a_figure_and_a_citation(change: dict[str, object], problem: str) -> None:
    assert validate(_bundle([GOOD])) == []
    problems = validate(_bundle([{**GOOD, **change}]))
    assert len(problems) >= 1
    assert problem in problems[0] and problems[0].startswith("test.yaml: estimates[0] e1:")


def _theater_ids() -> set[str]:
    theater = load_dataset()
    return {entity_id(item["id"]) for item in [*theater.events, *theater.entities]}


def test_every_event_the_assessment_cites_is_in_the_theater_dataset() -> None:
    known = _theater_ids()
    bundle = load_bundle()
    cited = [e["event"] for e in bundle.sections["estimates"] if e.get("event")]
    for ind in bundle.sections["indicators"]:
        cited += [o["event"] for o in ind.get("observations", []) if o.get("event")]
    cited += [e["event"] for e in bundle.sections["evidence"] if e.get("event")]
    for section in ("scenarios", "indicators", "questions"):
        cited += [e for item in bundle.sections[section] for e in item.get("events", [])]
    for dom in bundle.sections["domains"]:
        for change in dom.get("changes", []):
            cited += change.get("evidence", [])
    assert cited and sorted({c for c in cited if event_entity(c) not in known}) == []


def test_every_estimate_named_by_a_capability_or_model_exists() -> None:
    bundle = load_bundle()
    keys = {e["id"] for e in bundle.sections["estimates"]}
    named = [
        k
        for dom in bundle.sections["domains"]
        for c in dom.get("changes", [])
        for k in c.get("estimates", [])
    ]
    for model in dataset.data_file("models.yaml")["models"].values():
        for assumption in model["assumptions"].values():
            named += assumption.get("cites", [])
    assert named and sorted(set(named) - keys) == []


def test_the_nine_capability_domains_and_the_three_scenarios_are_declared() -> None:
    bundle = load_bundle()
    domains = {d["id"] for d in bundle.sections["domains"]}
    assert domains == {
        "ground",
        "air",
        "air_defence",
        "maritime",
        "undersea",
        "missile",
        "space",
        "ew",
        "nuclear",
    }
    assert {s["id"] for s in bundle.sections["scenarios"]} == {
        "downgrade",
        "persistence",
        "deepening",
    }
    indicators = {i["id"] for i in bundle.sections["indicators"]}
    assert {
        "post-ceasefire-shipments",
        "kim-visit-russia",
        "labour-flows",
        "seoul-normalisation",
        "strategic-transfers",
        "china-stance",
    } <= indicators


def test_places_named_by_theater_events_are_on_the_map() -> None:
    places = dataset.data_file("places.yaml")["places"]
    names = set(places) | {a for p in places.values() for a in p.get("aliases", [])}
    used = {p for e in load_dataset().events for p in e.get("places", [])}
    assert sorted(used - names - {"New York", "Suez Canal"}) == []


def test_read_file_refuses_unknown_sections(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("meta: {name: x}\nestimatez: []\n")
    with pytest.raises(Exception, match=r"a\.yaml: unknown section\(s\): estimatez"):
        dataset.read_file(path)


def test_what_the_futures_say_the_essay_says_cites_the_essay() -> None:
    """A scenario, indicator or question whose text leans on the essay cites it."""
    bundle = load_bundle()
    leaning = [
        item
        for section in ("scenarios", "indicators", "questions")
        for item in bundle.sections[section]
        if "essay" in " ".join(str(item.get(k, "")) for k in ("description", "reason", "text"))
    ]
    assert len(leaning) >= 5
    for item in leaning:
        assert "warontherocks.com" in (item.get("citation") or {}).get("url", ""), item["id"]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"events": "ev-x"}, "events must be a list of event ids"),
        ({"events": [""]}, "events must be a list of event ids"),
        ({"citation": {"publisher": "P"}}, "citation lacks title"),
    ],
)
def test_what_a_scenario_rests_on_is_checked(change: dict[str, object], problem: str) -> None:
    scenario = {"id": "s1", "title": "S", "description": "D.", "prior": 0.5, "reason": "R."}
    good = Bundle("test.yaml", {}, {"scenarios": [scenario | {"events": ["ev-1"]}]}, "x")
    assert [p for p in validate(good) if "scenarios" in p] == []
    problems = [p for p in validate(Bundle("test.yaml", {}, {"scenarios": [scenario | change]}, "x")) if "scenarios" in p]  # fmt: skip
    assert problems and problem in problems[0], problems


def test_the_bundled_futures_state_horizons_and_the_essays_judgments() -> None:
    """Every indicator says whether it measures the war or the post-war path; the essay's
    judgments name known scenarios, ICD 203 words and the essay as their citation."""
    futures = dataset.data_file("futures.yaml")
    scenarios = {s["id"] for s in futures["scenarios"]}
    for ind in futures["indicators"]:
        assert ind.get("horizon") in dataset.HORIZONS, ind["id"]
        if ind["horizon"] == "wartime":
            low, high = dataset.WARTIME_BAND
            assert all(low <= v <= high for v in ind["likelihoods"].values()), ind["id"]
            assert ind.get("citation") or ind.get("events"), ind["id"]
    assert futures["essay_judgments"]
    for item in futures["essay_judgments"]:
        assert item["says"] and item["reading"] and "warontherocks.com" in item["citation"]["url"]
        if "leading" in item:
            assert item["leading"] in scenarios
        else:
            assert set(item["scenarios"]) <= scenarios
            word = item.get("at_least") or item.get("at_most")
            assert word in dataset.ICD_WORDS
    caps = futures["single_source_cap"]["by_credibility"]
    assert set(caps) == {1, 2, 3, 4, 5, 6} and caps[1] >= caps[2] >= caps[3] >= caps[4] >= 1
    precedents = [e for e in futures["evidence"] if e.get("role") == "precedent"]
    assert {e["id"] for e in precedents} == {
        "history-1990-normalisation",
        "history-defence-industry-decline",
    }
