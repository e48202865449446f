"""Analytic integrity (issue 24): kinds of material, as-of discipline, one grade per source.

A demo workspace (the theater, the assessment data and the simulated shuttle, as
``watchkeeper demo`` builds it) must give analytic products (reports, dossiers, sector
counts, trackers, futures, the overview) facts only; simulated material appears only where
asked for, labelled. A report as of a date cites nothing published after it.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from rich.console import Console

from watchkeeper.assessment import estimates, futures, report, trackers
from watchkeeper.assessment.loader import load_assessment
from watchkeeper.assessment.periods import Period, last_day, parse_period
from watchkeeper.investigations import dossier
from watchkeeper.maritime.demo import run_demo
from watchkeeper.model.marking import Viewer
from watchkeeper.model.source import FACT
from watchkeeper.sharing.exercise import load_exercise, notes, register_partners
from watchkeeper.store import Reader, Store, open_store
from watchkeeper.theater import load_theater
from watchkeeper.theater.overview import build_overview

ME = Viewer("local", None)
SIMULATED = "[SIMULATED]"
# Every period the bundled data covers, by year and quarter, and the two periods of the
# issue that once wrote the same file.
PERIODS = ("2023", "2024", "2025", *(f"{y}-Q{q}" for y in (2023, 2024, 2025) for q in (1, 2, 3, 4)))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One demo workspace for the module (the same steps as ``watchkeeper demo``)."""
    folder = tmp_path_factory.mktemp("demo")
    store = open_store(f"sqlite:///{folder / 'watchkeeper.db'}")
    load_theater(store)
    load_assessment(store)
    console = Console(file=io.StringIO())
    run_demo(console, store, store.read(ME), folder / "ais-demo")
    # the sharing exercise (issue 23): partners, and marked notes of exercise material
    register_partners(store)
    load_exercise(store, ME.organisation)
    yield store
    store.close()


def _simulated_ids(reader: Reader) -> set[str]:
    """The events the demo's simulator put in the store (read with every material)."""
    sources = {s["id"]: s for s in reader.sources()}
    simulated = {i for i, s in sources.items() if s.get("material") == "simulated"}
    assert simulated, "the demo wrote no simulated source"
    return {
        view.id
        for view in reader.entities(reader.entity_ids("Event"))
        if any(sv.source_id in simulated for sv in view.statements)
    }


def test_simulated_detections_are_stored_as_simulated_and_stay_labelled(demo: Store) -> None:
    reader = demo.read(ME)
    ids = _simulated_ids(reader)
    assert len(ids) > 20
    # Where every kind of material is shown (entity pages, alerts, the timeline), the
    # simulated events are there, labelled.
    for view in reader.entities(sorted(ids)):
        assert view.caption.startswith(SIMULATED), view.caption


def test_no_simulated_item_reaches_an_analytic_product(demo: Store) -> None:
    reader = demo.read(ME)
    fake = _simulated_ids(reader)
    for label in ("2024", "2025"):
        built = report.build(reader, parse_period(label))
        html = report.render_html(built)
        assert SIMULATED not in html
        assert not {row["id"] for row in built.data["timeline"]} & fake
        assert built.data["events_other"] == 0, label  # no simulated detection counted
        shipping = [r for r in built.data["sectors"] if r["sector"] == "Shipping"]
        assert all(r["events"] < 20 for r in shipping)
        assert not {n for n, _, _ in built.data["network"]["nodes"]} & fake
    events = trackers.read_events(reader)
    assert events and not {e.id for e in events} & fake
    assert all(SIMULATED not in e.title for e in events)
    assert trackers.count_other_events(reader, parse_period("2024"), set()) == len(
        [e for e in events if parse_period("2024").contains(e.date)]
    )
    rows = trackers.sector_tracker(events, parse_period("2024"))
    assert sum(r.events for r in rows if r.sector == "shipping") < 20
    caps = trackers.capability_tracker(reader, events, estimates.estimates(reader))
    assert not {e.id for c in caps for ch in c.changes for e in ch.evidence} & fake
    found = futures.futures(reader, events)
    assert not {o.event.id for i in found.indicators for o in i.observations} & fake
    angara = dossier.build(demo, reader, "wk-vessel-angara")
    assert angara["ais"] == [] and not {e["id"] for e in angara["events"]} & fake
    assert SIMULATED not in str(angara)
    overview = build_overview(reader)
    assert SIMULATED not in str(overview.most_connected)


def test_simulated_material_only_where_asked_and_labelled(demo: Store) -> None:
    reader = demo.read(ME).with_materials({FACT, "simulated"})
    built = report.build(reader, parse_period("2024"))
    # The demo's detections are dated when it runs; in whatever period that is, asking
    # for simulated material brings them in, every one labelled.
    sim_events = [e for e in trackers.read_events(reader) if e.title.startswith(SIMULATED)]
    assert sim_events
    when = parse_period(sim_events[0].date[:4])
    asked = report.build(reader, when, last_day(sim_events[-1].date[:10]))
    titles = [row["title"] for row in asked.data["timeline"]]
    assert any(t.startswith(SIMULATED) for t in titles)
    plain = report.build(demo.read(ME), when, last_day(sim_events[-1].date[:10]))
    assert not any(SIMULATED in row["title"] for row in plain.data["timeline"])
    assert built.data["timeline"]


def test_ais_simulate_output_imported_and_detected_is_simulated(tmp_path: Path) -> None:
    """The other path: `ais simulate` files, imported and detected like real AIS."""
    from watchkeeper.maritime.areas import theater_ports
    from watchkeeper.maritime.dataset import AisDataset
    from watchkeeper.maritime.detectors import detect
    from watchkeeper.maritime.ingest import ingest_file
    from watchkeeper.maritime.link import link_detections
    from watchkeeper.maritime.simulator import scenario

    store = open_store(f"sqlite:///{tmp_path / 'w.db'}")
    load_theater(store)
    sim = scenario(theater_ports(), 1, 5, 3, shuttle=("9179842", "ANGARA"))
    sim.write(tmp_path / "sim")
    dataset = AisDataset(tmp_path / "ais")
    for name in ("positions.parquet", "identities.parquet"):
        assert ingest_file(dataset, tmp_path / "sim" / name).error is None
    found = detect(dataset, theater_ports())
    assert found
    link_detections(store, store.read(ME), dataset, found, theater_ports())
    reader = store.read(ME)
    material = {s["id"]: s["material"] for s in reader.sources()}
    detected = [
        sv.source_id
        for view in reader.entities(reader.entity_ids("Event"))
        for sv in view.statements
        if sv.statement.dataset.startswith("wk_ais")
    ]
    assert detected and {material[s] for s in detected} == {"simulated"}
    assert not [e for e in trackers.read_events(reader) if e.title.startswith(SIMULATED)]
    assert dossier.build(store, reader, "wk-vessel-angara")["ais"] == []
    store.close()


# -- as of ------------------------------------------------------------------------------


def _late(built: report.Report) -> list[str]:
    return [
        f"{c.publisher}, {c.title}, {c.date}"
        for c in built.references
        if c.date and last_day(str(c.date)[:10]) > built.as_of
    ]


@pytest.mark.parametrize("label", PERIODS)
def test_a_report_cites_nothing_published_after_its_date(demo: Store, label: str) -> None:
    built = report.build(demo.read(ME), parse_period(label))
    assert _late(built) == []


def test_a_report_made_as_of_an_earlier_date_cites_nothing_later(demo: Store) -> None:
    for as_of in (date(2024, 3, 31), date(2024, 10, 31), date(2025, 6, 30)):
        built = report.build(demo.read(ME), parse_period(str(as_of.year)), as_of)
        assert _late(built) == []
        assert all(row["date"] <= as_of.isoformat() for row in built.data["timeline"])


def test_what_is_known_only_since_is_named_not_used(demo: Store) -> None:
    built = report.build(demo.read(ME), parse_period("2024"))
    html = report.render_html(built)
    known = {row["what"] for row in built.data["known_since"]}
    # The essay (2025) is behind the history and the capability baselines; the MSMT's
    # launch and the November consultations are known from later reports only.
    assert not any("Putting the Screws" in c.title for c in built.references)
    # The MSMT's launch and the November consultations now cite reports of their day,
    # not the later ones the issue found (the 2025 MSMT report, TASS of July 2025).
    titles = {r["title"]: r for r in built.data["timeline"]}
    for title in (
        "Eleven states launch the MSMT",
        "Choe Son Hui and Lavrov hold strategic consultations",
    ):
        cited = built.references[titles[title]["cite"] - 1]
        assert cited.date is not None and cited.date <= "2024-11-01", title
    # Known only from a 2025 report (the essay): Russian engineers at North Korea's
    # aircraft plants in 2024.
    assert any("aircraft plants" in k for k in known)
    assert known and '<section id="known-since">' in html
    # The models' container counts come from 2025 reports: no model in a 2024 report.
    assert built.data["models"] == []
    # The priors were made on the essay: none in 2024, all three in 2025.
    assert built.data["probabilities"] == []
    later = report.build(demo.read(ME), parse_period("2025"))
    assert len(later.data["probabilities"]) == 3 and later.data["models"]


# -- one grade per source ------------------------------------------------------------------


@pytest.mark.parametrize("label", ("2023", "2024", "2025"))
def test_one_source_one_reference_one_grade(demo: Store, label: str) -> None:
    built = report.build(demo.read(ME), parse_period(label))
    urls = [c.url for c in built.references if c.url]
    assert len(urls) == len(set(urls))


# -- file names ------------------------------------------------------------------------------


def test_every_period_has_its_own_file_name() -> None:
    stems = set()
    for label in ("2024", "2024-Q3", "2024-06", "2023-07..2023-12", "2023-07..2024-06"):
        period = parse_period(label)
        stem = report.file_stem(period, period.end)
        assert re.fullmatch(r"[0-9A-Za-z_-]+", stem), stem
        stems.add(stem)
    assert len(stems) == 5
    year = parse_period("2024")
    assert report.file_stem(year, date(2024, 6, 30)) != report.file_stem(year, year.end)
    assert isinstance(year, Period)


def _cited(item: object, where: str, found: dict[str, set[tuple[str, str, str]]]) -> None:
    """Every citation (a mapping with url and reliability) in ``item``, by URL."""
    if isinstance(item, dict):
        if item.get("url") and item.get("reliability"):
            found.setdefault(str(item["url"]), set()).add(
                (str(item["reliability"]), str(item.get("date")), where)
            )
        for value in item.values():
            _cited(value, where, found)
    elif isinstance(item, list):
        for value in item:
            _cited(value, where, found)


def test_one_url_one_grade_and_date_across_the_bundled_data() -> None:
    """One URL is one source: the theater's sources and every citation of the assessment
    data give it one reliability and one date (two URLs were graded B and C)."""
    from importlib import resources

    import yaml

    found: dict[str, set[tuple[str, str, str]]] = {}
    for package, folder in (("watchkeeper.theater", "data"), ("watchkeeper.assessment", "data")):
        for path in resources.files(package).joinpath(folder).iterdir():
            if path.name.endswith(".yaml"):
                _cited(yaml.safe_load(path.read_text(encoding="utf-8")), path.name, found)
    assert len(found) > 100
    clashes = {
        url: sorted(seen)
        for url, seen in found.items()
        if len({(grade, when) for grade, when, _ in seen}) > 1
    }
    assert clashes == {}


# -- the data fixes (finding 6) --------------------------------------------------------------


def test_troops_sent_and_troops_present_are_two_measures() -> None:
    """ "Troops in Russia" mixed the cumulative number sent (MSMT's 14,000) with the number
    there at a date (Blinken's 10,000); they are two measures, never compared."""
    from watchkeeper.assessment.dataset import load_bundle, measures

    known = measures()
    assert known["troops_deployed"].cumulative and not known["troops_present"].cumulative
    troops = [e for e in load_bundle().sections["estimates"] if e["measure"].startswith("troops_")]
    by_key = {e["id"]: e for e in troops}
    assert by_key["est-2024-10-31-blinken-in-russia"]["measure"] == "troops_present"
    assert by_key["est-2025-05-29-msmt-troops"]["measure"] == "troops_deployed"
    for item in troops:
        subject = item["subject"]
        if item["measure"] == "troops_deployed":
            assert "present" not in subject and subject != "troops in Russia", item["id"]
        else:
            assert "present" in subject, item["id"]


def test_the_missiles_domain_claims_no_confirmed_russian_help() -> None:
    """What is confirmed is Russia firing North Korean missiles, not Russian help to North
    Korea's missiles: no change in the domain says "confirmed"."""
    from watchkeeper.assessment.dataset import load_bundle

    domain = next(d for d in load_bundle().sections["domains"] if d["id"] == "missile")
    assert all(change["help"] != "confirmed" for change in domain["changes"])
    first = domain["changes"][0]
    assert first["status"].startswith("Russia fires") and "not help" in first["reason"]


# -- coverage of the essay (finding 7) ---------------------------------------------------------

ESSAY_THEMES = {
    # theme: (event id, a word its summary must hold)
    "1970s self-sufficiency": (
        "ev-1979-north-korea-s-defence-industry-is-self-sufficient",
        "1970s",
    ),
    "1980s exports": ("ev-1985-north-korea-pushes-arms-exports", "1980s"),
    "the famine years": ("ev-1996-famine-strikes-the-defence-workforce", "famine"),
    "the 2017 priorities": ("ev-2017-12-five-conventional-modernisation-priorities-set", "2017"),
    "the stalled priorities": ("ev-2020-conventional-modernisation-stalls", "stalled"),
    "the 2021 congress": ("ev-2021-party-congress-commits-to-nuclear-advance", "2021"),
    "Seoul's warnings": ("ev-2024-06-20-seoul-warns-it-may-reconsider-arms-for-ukraine", "Ukraine"),
    "the US president": (
        "ev-2024-12-12-trump-calls-north-korea-s-role-a-complicating-factor",
        "complicated",
    ),
    "the US envoy": ("ev-2025-02-06-us-envoy-kellogg-backs-more-pressure-on-russia", "pressure"),
    "the MSMT's continuation": (
        "ev-2025-02-19-msmt-steering-committee-meets-with-the-us-on-board",
        "United States",
    ),
    "the Pentagon": (
        "ev-2025-02-25-pentagon-nominee-urges-stemming-dprk-arsenals",
        "missile defence",
    ),
    "a Kim visit prepared": (
        "ev-2025-03-27-moscow-says-a-kim-visit-is-being-prepared",
        "preparatory",
    ),
}


def test_the_essays_missing_themes_are_cited_events() -> None:
    from watchkeeper.theater import load_dataset

    theater = load_dataset()
    events = {e["id"]: e for e in theater.events}
    sources = {s["id"] for s in theater.sources}
    for theme, (ident, word) in ESSAY_THEMES.items():
        assert ident in events, theme
        assert word in events[ident]["summary"], theme
        assert events[ident]["source"] in sources, theme


def test_the_kim_visit_indicator_sees_the_announced_preparations(demo: Store) -> None:
    """What the "Kim visits Russia" indicator waits for: Moscow's statement, an
    observation of it (a weak one: a preparation is not a visit)."""
    found = futures.futures(demo.read(ME), trackers.read_events(demo.read(ME)))
    kim = next(i for i in found.indicators if i.id == "kim-visit-russia")
    assert "wk-ev-2025-03-27-moscow-says-a-kim-visit-is-being-prepared" in {
        o.event.id for o in kim.observations
    }
    built = report.build(demo.read(ME), parse_period("2025"))
    assert "Moscow says a Kim visit to Russia is being prepared" in {
        r["title"] for r in built.data["timeline"]
    }


def test_the_sharing_exercise_is_labelled_and_never_in_a_report_dossier_or_statistic(
    demo: Store,
) -> None:
    """The demo's exercise notes (issue 23, item 8): shown, labelled, where every kind
    of material is read; absent from the reports, the dossiers and the statistics."""
    from watchkeeper.errors import NotFound
    from watchkeeper.views import detail

    reader = demo.read(ME)
    drill = [entity.id for entity, _ in notes(ME.organisation)]
    assert len(drill) == 5
    for ref in drill:
        shown = detail(reader, str(ref))
        assert shown["materials"] == ["exercise"], ref
        assert "EXERCISE" in shown["caption"], ref
        with pytest.raises(NotFound):
            dossier.build(demo, reader, str(ref))
    words = ("EXERCISE", "exercise", "Tumangang", "Nampo", "fictional")
    for label in ("2025", "2025-Q2"):
        built = report.build(reader, parse_period(label))
        html = report.render_html(built)
        assert not [w for w in words if w in html], label
    # a dossier that could name them (a note is no link, but a search is): nothing
    angara = json.dumps(dossier.build(demo, reader, "wk-vessel-angara"), default=str)
    assert "fictional" not in angara and "wk-exercise" not in angara
    # statistics meant as fact: the store's counts for analysis, the overview, trackers
    assert not set(drill) & {view.id for view in reader.for_analysis().entities()}
    assert "wk-exercise" not in json.dumps(build_overview(reader.for_analysis()), default=str)
    assert not set(drill) & {e.id for e in trackers.read_events(reader)}


# -- imports of exercise material --------------------------------------------------------------


def _ftm_file(path: Path) -> Path:
    import json

    rows = [
        {"id": "ex-ship", "schema": "Vessel", "properties": {"name": ["TRAINING STAR"]}},
        {
            "id": "ex-event",
            "schema": "Event",
            "properties": {
                "name": ["Training: a shuttle run"],
                "date": ["2024-05-01"],
                "keywords": ["shipping"],
                "involved": ["ex-ship"],
            },
        },
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_exercise_material_imports_apart_and_stays_out_of_analysis(tmp_path: Path) -> None:
    from watchkeeper.errors import InputError
    from watchkeeper.importers import Options, run_import
    from watchkeeper.views import detail

    store = open_store(f"sqlite:///{tmp_path / 'w.db'}")
    load_theater(store)
    summary = run_import(
        store, "ftm", _ftm_file(tmp_path / "drill.json"), Options(material="exercise")
    )
    assert summary.dataset == "drill_exercise"
    reader = store.read(ME)
    assert {s["material"] for s in reader.sources() if s["dataset"] == "drill_exercise"} == {
        "exercise"
    }
    # Shown, labelled, where every kind is read; absent from what analysis reads.
    shown = detail(reader, "ex-event")
    assert shown["materials"] == ["exercise"]
    assert all(p["material"] == "exercise" for p in shown["properties"])
    assert "wk-ex-event" not in {e.id for e in trackers.read_events(reader)}
    assert "ex-event" not in {e.id for e in trackers.read_events(reader)}
    assert reader.for_analysis().entity("ex-event") is None
    built = report.build(reader, parse_period("2024-05"))
    assert "Training" not in report.render_html(built)
    asked = report.build(reader.with_materials({FACT, "exercise"}), parse_period("2024-05"))
    assert "Training: a shuttle run" in {r["title"] for r in asked.data["timeline"]}
    # Facts never go into the exercise's dataset, nor exercise material into the facts'.
    with pytest.raises(InputError, match="exercise or simulated material"):
        run_import(store, "ftm", _ftm_file(tmp_path / "drill2.json"),
                   Options(dataset="drill_exercise"))  # fmt: skip
    with pytest.raises(InputError, match="holds facts"):
        run_import(store, "ftm", _ftm_file(tmp_path / "drill3.json"),
                   Options(dataset="wk_theater", material="exercise"))  # fmt: skip
    store.close()


def test_an_exercise_assessment_file_stays_out_of_analysis(tmp_path: Path) -> None:
    from tests.assessment.helpers import estimate, write_file
    from watchkeeper.assessment.loader import import_assessment

    store = open_store(f"sqlite:///{tmp_path / 'w.db'}")
    path = write_file(
        tmp_path / "drill.yaml",
        {"name": "drill", "material": "exercise"},
        estimates=[estimate("e1")],
    )
    import_assessment(store, path)
    reader = store.read(ME)
    assert estimates.estimates(reader) == []
    assert [e.key for e in estimates.estimates(reader.with_materials({FACT, "exercise"}))] == ["e1"]
    store.close()


def test_report_command_kinds_and_file_names(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from watchkeeper.cli import app

    env = {"WATCHKEEPER_HOME": str(tmp_path / "home"), "WATCHKEEPER_ORG": "analyst"}
    runner = CliRunner()
    assert runner.invoke(app, ["init"], env=env).exit_code == 0
    out = tmp_path / "reports"
    for period in ("2023-07..2023-12", "2023-07..2024-06"):
        done = runner.invoke(
            app, ["report", "--period", period, "-o", str(out), "--no-pdf"], env=env
        )
        assert done.exit_code == 0, done.output
    assert sorted(p.name for p in out.iterdir()) == [
        "report-analyst-2023-07-01_to_2023-12-31.html",
        "report-analyst-2023-07-01_to_2024-06-30.html",
    ]
    bad = runner.invoke(app, ["report", "--period", "2024", "--include", "rumour"], env=env)
    assert bad.exit_code != 0 and "rumour" in bad.output + bad.stderr
    wrong = runner.invoke(
        app, ["import", "ftm", str(tmp_path / "x.json"), "--material", "x"], env=env
    )
    assert wrong.exit_code != 0 and "--material" in wrong.output + wrong.stderr


def test_the_demos_2024_report_on_either_engine(store: Store, tmp_path: Path) -> None:
    """The issue's "must show", on SQLite and PostgreSQL (the material filter is SQL)."""
    load_theater(store)
    load_assessment(store)
    run_demo(Console(file=io.StringIO()), store, store.read(ME), tmp_path / "ais-demo")
    reader = store.read(ME)
    assert _simulated_ids(reader)
    for label in ("2024", "2025"):
        built = report.build(reader, parse_period(label))
        assert SIMULATED not in report.render_html(built)
        assert _late(built) == []
    assert dossier.build(store, reader, "wk-vessel-angara")["ais"] == []


def test_an_event_dated_with_a_time_is_read_to_the_day(sqlite_store: Store) -> None:
    """An event whose start is a time (an AIS detection a judgment cites, or a partner's
    timestamp) is read by the trackers to its day, not refused (found by the
    releasability differential's worlds)."""
    from tests.helpers import entity, source, write
    from watchkeeper.assessment.trackers import read_events
    from watchkeeper.model.marking import Viewer

    event = entity("Event", "ev-timed", name="Shipment", keywords="munitions",
                   startDate="2024-03-01T06:30:00")  # fmt: skip
    write(sqlite_store, [event], source("test", "2024-03-02"))
    found = read_events(sqlite_store.read(Viewer("local", None)))
    assert [(e.id, e.date) for e in found] == [("ev-timed", "2024-03-01")]
