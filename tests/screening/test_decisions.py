"""Screening decisions (issue 25, item 1): bound to the record screened and to the
candidate's version, never hiding a hit, append-only, replayable; and the migration that
keeps the decisions of before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from tests.helpers import entity, source, write
from tests.screening.test_screener import ANALYST, PARTNER, RESTRICTED, screener, vessels
from watchkeeper.errors import InputError, NotFound
from watchkeeper.screening import Query
from watchkeeper.screening.paste import pasted
from watchkeeper.screening.review import record_hash
from watchkeeper.screening.screener import visible_log
from watchkeeper.store import Store
from watchkeeper.store.core import MIGRATIONS, open_store

KIM = Query("web-1", "Person", ("Kim Jong Sik",), ("1967-07-20",), ("kp",))


def test_a_dismissal_does_not_clear_another_record_of_the_same_name(store: Store) -> None:
    """The defect: a dismissal bound to sha1(schema|name) cleared, unreviewed, every
    later customer of that name. Pasted twice, the same name is two records."""
    vessels(store)
    first, second = pasted("Kim Jong Sik\nKim Jong Sik", "Person", 2000)
    assert first.id != second.id  # a new id per screening when the user gives none
    s = screener(store, ANALYST)
    s.decide(store, ANALYST, first, "p1", "dismissed", "our customer is someone else", "alice")
    hits = screener(store, ANALYST).match(second)
    assert [m.entity.id for m in hits] == ["p1"] and hits[0].review is None


def test_the_same_id_with_another_birth_date_is_screened_afresh(store: Store) -> None:
    vessels(store)
    s = screener(store, ANALYST)
    s.decide(store, ANALYST, KIM, "p1", "dismissed", "checked", "alice")
    other = Query(KIM.id, "Person", KIM.names, ("1990-01-01",), KIM.countries)
    assert record_hash(other) != record_hash(KIM)
    hit = screener(store, ANALYST).match(other, threshold=0.3)[0]
    assert hit.entity.id == "p1"
    assert hit.review is not None and not hit.review.holds
    assert "another record with this id" in hit.explain()
    # the same record, written in another order, is the same record
    same = Query(KIM.id, "Person", (" Kim  Jong Sik ",), KIM.birth_dates, ("KP",))
    assert record_hash(same) == record_hash(KIM)
    assert screener(store, ANALYST).match(same)[0].review.holds  # type: ignore[union-attr]


def test_decisions_are_an_append_only_log_and_reopening_supersedes(store: Store) -> None:
    vessels(store)
    s = screener(store, ANALYST)
    first = s.decide(store, ANALYST, KIM, "p1", "dismissed", "checked", "alice")
    second = s.decide(store, ANALYST, KIM, "p1", "confirmed", "it is him", "bob")
    assert second["supersedes"] == first["id"]
    reopened = s.reopen(store, ANALYST, second, "new information", "carol")
    assert reopened["decision"] == "reopened" and reopened["supersedes"] == second["id"]
    log = store.decisions(ANALYST.organisation)
    assert [d["decision"] for d in log] == ["dismissed", "confirmed", "reopened"]
    hit = screener(store, ANALYST).match(KIM)[0]
    assert hit.review is not None and not hit.review.holds
    assert hit.review.decision["id"] == reopened["id"]
    # a decision needs a reason, a known verdict and a visible candidate
    with pytest.raises(InputError):
        s.decide(store, ANALYST, KIM, "p1", "dismissed", "  ", "alice")
    with pytest.raises(InputError):
        s.decide(store, ANALYST, KIM, "p1", "ignored", "why", "alice")
    with pytest.raises(NotFound):
        s.decide(store, PARTNER, KIM, "nope", "dismissed", "why", "alice")


def test_a_decision_replays_on_its_release(store: Store) -> None:
    vessels(store)
    s = screener(store, ANALYST)
    decided = s.match(KIM)[0]
    row = s.decide(store, ANALYST, KIM, "p1", "confirmed", "same person", "alice")
    assert json.loads(row["record"])["birth_dates"] == ["1967-07-20"]
    assert row["record_hash"] == record_hash(KIM) and row["config"]
    assert row["release"].startswith("test=")  # the list release the candidate came from
    assert row["score"] == decided.score and row["explanation"] == decided.explain()
    # from the log alone, on the same data, the same score and explanation come back
    logged = store.decisions(ANALYST.organisation)[-1]
    replayed = screener(store, ANALYST).replay(logged)
    assert replayed is not None
    assert (replayed.score, replayed.explain()) == (logged["score"], logged["explanation"])


def test_the_log_shows_nothing_of_an_entity_the_viewer_no_longer_sees(store: Store) -> None:
    vessels(store)
    write(
        store,
        [(entity("Vessel", "v7", "analyst_notes", name="NIGHT HERON"), RESTRICTED)],
        source("analyst_notes", "2024-03-01"),
        full_release=False,
    )
    s = screener(store, ANALYST)
    s.decide(store, ANALYST, Query("q", "Vessel", ("NIGHT HERON",)), "v7", "confirmed", "x", "a")
    rows = store.decisions(ANALYST.organisation)
    assert [r["entity_id"] for r in visible_log(screener(store, ANALYST), rows)] == ["v7"]
    # read by a viewer that may not see v7, the same rows show nothing of it
    assert visible_log(screener(store, PARTNER), rows) == []


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.db'}"
    return str(request.getfixturevalue("pg_url"))


def _migrate(url: str, target: str, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(config, target)
    engine.dispose()


def test_the_migration_keeps_the_decisions_of_before(empty_url: str) -> None:
    _migrate(empty_url, "0009_assessment_retract")
    engine = sa.create_engine(empty_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO screening_decision VALUES"
                " ('org', 'cust-1', 'p1', 'dismissed', 'not him', 'alice', '2026-01-02', 'f1'),"
                " ('org', 'cust-0', 'p2', 'confirmed', 'him', 'bob', '2026-01-01', 'f2')"
            )
        )
    engine.dispose()
    store = open_store(empty_url)
    store.migrate()
    rows = store.decisions("org")
    assert [(r["id"], r["query_id"], r["decision"], r["record_hash"]) for r in rows] == [
        (1, "cust-0", "confirmed", ""),
        (2, "cust-1", "dismissed", ""),
    ]
    assert rows[1]["fingerprint"] == "f1" and rows[1]["supersedes"] is None
    # appending goes on after the kept rows; reopening leaves them in place
    added = store.record_decision({k: v for k, v in rows[1].items() if k != "id"})
    assert added["id"] == 3
    store.record_decision(
        {**{k: v for k, v in rows[0].items() if k != "id"}, "decision": "reopened"}
    )
    store.close()
    # down again: the latest verdict per (organisation, query, entity) in the old shape
    _migrate(empty_url, "0009_assessment_retract", down=True)
    engine = sa.create_engine(empty_url)
    with engine.connect() as conn:
        old = conn.execute(
            sa.text("SELECT query_id, decision FROM screening_decision ORDER BY query_id")
        ).all()
    engine.dispose()
    assert [tuple(r) for r in old] == [("cust-0", "confirmed"), ("cust-1", "dismissed")]


def test_pasted_lines_take_birth_dates_countries_and_identifiers() -> None:
    lines = (
        "Kim Jong Un; 1984-01-08; kp\n"
        "\n"
        "IMO 9179842\n"
        "ANGARA; ; ru; IMO 9179842, MMSI 273345000\n"
        "Ri Pyong Chol; 1948; kp, ru; passport 745210001; CUST-0042\n"
        "AB1234567\n"
    )
    kim, imo, angara, ri, passport = pasted(lines, "Person", 2000)
    assert (kim.names, kim.birth_dates, kim.countries) == (
        ("Kim Jong Un",),
        ("1984-01-08",),
        ("kp",),
    )
    assert (imo.schema, imo.names, imo.ids) == ("Vessel", (), (("imo", "9179842"),))
    assert angara.schema == "Vessel" and angara.ids == (("imo", "9179842"), ("mmsi", "273345000"))
    assert ri.id == "CUST-0042" and ri.ids == (("passport", "745210001"),)
    assert ri.countries == ("kp", "ru")
    assert passport.names == () and passport.ids == (("*", "AB1234567"),)
    for bad in ("Kim; 8 Jan 1984", "Kim; 1984; kp; ; id; extra", "Kim; ; ; passport"):
        with pytest.raises(InputError, match="line 1"):
            pasted(bad, "Person", 2000)


def test_an_imo_number_pasted_alone_finds_its_vessel(store: Store) -> None:
    """The defect: ``IMO 8660313`` pasted as a vessel was read as a name."""
    vessels(store)
    (query,) = pasted("IMO 8660313", "Vessel", 2000)
    hits = screener(store, ANALYST).match(query)
    assert hits[0].entity.id == "v1" and "same IMO 8660313" in hits[0].explain()
