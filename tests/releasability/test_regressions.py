"""Named regressions for issue 10's findings, each written to fail on the code before it.

The differential test (test_differential.py) checks the invariant over random worlds;
these pin each defect found on review to a small, readable case.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pickle
import stat
from pathlib import Path

import pytest
from followthemoney import Statement
from typer.testing import CliRunner

from tests.conftest import UN_XML
from tests.helpers import entity, source, write
from watchkeeper import views
from watchkeeper.cli import app as cli_app
from watchkeeper.errors import ConfigError, Forbidden, NotFound
from watchkeeper.exports import write_statements
from watchkeeper.importers import Options, run_import
from watchkeeper.model.marking import TLP, Marking, Viewer
from watchkeeper.screening import Screener, build
from watchkeeper.screening.score import Query
from watchkeeper.store import Store, open_store
from watchkeeper.web.exposure import check_exposure

RED = Marking(TLP.RED, None, "analysts")
OUTSIDER = Viewer("partner", "KOR")
ANALYSTS = Viewer("analysts", "USA")


# 1. Two hops ---------------------------------------------------------------------------------


def test_a_link_whose_own_links_are_all_hidden_is_no_link_target(store: Store) -> None:
    """An Event involved a Directorship whose director and organisation are hidden: the
    Directorship does not exist for the viewer, so the Event does not name it either."""
    write(
        store,
        [
            (entity("Person", "p", name="HIDDEN DIRECTOR"), RED),
            (entity("Company", "c", name="HIDDEN FIRM"), RED),
            entity("Directorship", "dir-42", director="p", organization="c"),
            entity("Event", "ev", name="Board meeting", involved="dir-42", date="2024-01-01"),
        ],
    )
    reader = store.read(OUTSIDER)
    assert reader.entity("dir-42") is None
    event = reader.entity("ev")
    assert event is not None and event.entity.get("involved") == []
    assert reader.stats()["entities"] == 1
    assert "dir-42" not in json.dumps(views.detail(reader, "ev"))
    with pytest.raises(NotFound):
        views.detail(reader, "dir-42")
    # three hops: an UnknownLink to the Directorship is gone too, to the fixpoint
    write(
        store,
        [entity("UnknownLink", "u", "notes", subject="dir-42", object="dir-42")],
        source("notes"),
    )
    assert store.read(OUTSIDER).entity("u") is None
    # the analysts see the whole chain
    full = store.read(ANALYSTS)
    assert full.entity("ev").entity.get("involved") == ["dir-42"]  # type: ignore[union-attr]


# 2. Schema from a hidden row --------------------------------------------------------------------


def test_the_schema_a_viewer_sees_is_that_of_its_visible_statements(store: Store) -> None:
    write(
        store,
        [
            entity("LegalEntity", "x", name="OCEAN PEARL TRADING"),
            (entity("Company", "x", registrationNumber="7788"), RED),
        ],
    )
    # a row of a schema nobody can screen, hidden, on an entity everyone can screen
    with store.write(source("notes"), full_release=False) as writer:
        stmt = Statement(
            entity_id="y", prop="name", schema="Thing", value="ANCHOR LINE", dataset="notes"
        )
        writer.add_statement(stmt, RED)
        writer.add_entity(entity("Person", "y", "notes", name="ANCHOR LINE"))
    index = build(store)
    partner = Screener.for_viewer(index, store, OUTSIDER)
    analysts = Screener.for_viewer(index, store, ANALYSTS)
    assert partner.entity("x").schema == "LegalEntity"
    assert analysts.entity("x").schema == "Company"
    assert store.read(OUTSIDER).entity("x").schema == "LegalEntity"  # type: ignore[union-attr]
    # the hidden Thing row does not drop y from screening for everyone
    found = partner.match(Query("q", "Person", ("ANCHOR LINE",)))
    assert [m.entity.id for m in found] == ["y"]


# 3. Hidden entities move no score ---------------------------------------------------------------


def test_entities_known_only_by_hidden_values_do_not_move_a_visible_score(store: Store) -> None:
    write(
        store, [entity("Person", "js", name="JOHN SMITH"), entity("Person", "jo", name="JOHN DOE")]
    )
    query = Query("q", "Person", ("JOHN SMYTHE",))
    before = Screener.for_viewer(build(store), store, OUTSIDER).match(query, threshold=0)
    write(
        store,
        [(entity("Person", f"h{i}", "notes", birthDate="1970-01-01"), RED) for i in range(30)]
        + [(entity("Person", f"k{i}", "notes", name="JOHN KIM"), RED) for i in range(30)],
        source("notes"),
    )
    index = build(store)
    after = Screener.for_viewer(index, store, OUTSIDER).match(query, threshold=0)
    assert [(m.entity.id, round(m.score, 6)) for m in after] == [
        (m.entity.id, round(m.score, 6)) for m in before
    ]
    assert index.view(frozenset(store.visible_marking_ids(OUTSIDER))).size == 2


def test_a_hidden_alias_pushes_no_visible_candidate_out(store: Store) -> None:
    write(store, [entity("Vessel", "v0", name="CHON MA SAN")])
    query = Query("q", "Vessel", ("CHON MA SAN",))
    before = Screener.for_viewer(build(store), store, OUTSIDER).match(query, limit=1, threshold=0)
    # hidden look-alikes whose ids sort first: were they retrieved, they would fill the
    # candidate slots ahead of v0
    write(
        store,
        [(entity("Vessel", f"a{i:02d}", "notes", name="CHON MA SAN"), RED) for i in range(60)],
        source("notes"),
    )
    after = Screener.for_viewer(build(store), store, OUTSIDER).match(query, limit=1, threshold=0)
    assert [m.entity.id for m in after] == [m.entity.id for m in before] == ["v0"]


# 4. Sources carry markings ----------------------------------------------------------------------


def _statements_file(path: Path, tlp: str, originator: str) -> Path:
    path.write_text(
        "entity_id,prop,schema,value,dataset,tlp,originator\n"
        f"s1,name,Person,SECRET PERSON,intel,{tlp},{originator}\n"
        f"s1,birthDate,Person,1970,intel,{tlp},{originator}\n",
        encoding="utf-8",
    )
    return path


def test_a_file_of_red_rows_has_a_red_source(store: Store, tmp_path: Path) -> None:
    run_import(store, "statements", _statements_file(tmp_path / "intel.csv", "RED", "analysts"))
    partner, analysts = store.read(OUTSIDER), store.read(ANALYSTS)
    assert partner.sources() == [] and partner.stats()["sources"] == 0
    assert partner.stats()["entities"] == 0
    assert [s["title"] for s in analysts.sources()] == ["FtM statements: intel.csv"]
    assert analysts.sources()[0]["marking"] == "TLP:RED | ORIG analysts"


def test_a_file_of_mixed_rows_has_the_source_of_its_most_releasable_row(
    store: Store, tmp_path: Path
) -> None:
    """A source is no more releasable than its most releasable row: a viewer who may see
    one row may see where it came from, and one who may see none is told nothing."""
    path = tmp_path / "mixed.csv"
    path.write_text(
        "entity_id,prop,schema,value,dataset,tlp,rel_to,originator\n"
        "s1,name,Person,SHARED PERSON,intel,GREEN,KOR,analysts\n"
        "s2,name,Person,SECRET PERSON,intel,RED,,analysts\n",
        encoding="utf-8",
    )
    run_import(store, "statements", path)
    (shown,) = store.read(OUTSIDER).sources()
    assert shown["marking"] == "TLP:GREEN | REL TO KOR | ORIG analysts"
    assert store.read(OUTSIDER).stats()["entities"] == 1
    assert store.read(Viewer("elsewhere", "USA")).sources() == []
    assert store.read(Viewer("elsewhere", "USA")).stats()["sources"] == 0


def test_import_marking_sets_the_source_marking(store: Store) -> None:
    run_import(store, "un-xml", UN_XML, Options(marking=Marking(TLP.AMBER, None, "analysts")))
    assert store.read(OUTSIDER).sources() == []
    assert store.read(OUTSIDER).stats()["entities"] == 0
    assert store.read(ANALYSTS).stats()["sources"] == 1


# 5. Recipients ----------------------------------------------------------------------------------


def test_only_the_originator_sees_who_else_received_an_item(store: Store) -> None:
    shared = Marking(
        TLP.AMBER, frozenset({"KOR", "USA"}), "analysts", frozenset({"partner", "other"})
    )
    write(store, [(entity("Vessel", "v", name="GHOST TRADER"), shared)])

    def markings(viewer: Viewer) -> set[str]:
        reader = store.read(viewer)
        shown = {p["marking"] for p in views.detail(reader, "v")["properties"]}
        buffer = io.StringIO()
        write_statements(reader, buffer, include_ended=True)
        rows = list(csv.DictReader(io.StringIO(buffer.getvalue())))
        return shown | {
            f"{r['tlp']}|{r['rel_to']}|{r['originator']}|{r['recipients']}" for r in rows
        }

    # a recipient sees itself among the recipients, and nobody else
    assert markings(OUTSIDER) == {
        "TLP:AMBER | REL TO KOR,USA | ORIG analysts | TO partner",
        "AMBER|KOR,USA|analysts|partner",
    }
    assert markings(ANALYSTS) == {
        "TLP:AMBER | REL TO KOR,USA | ORIG analysts | TO other,partner",
        "AMBER|KOR,USA|analysts|other,partner",
    }


# 6. Spark gets only what the viewer may see -------------------------------------------------------


def test_what_is_sent_to_executors_holds_nothing_hidden(store: Store) -> None:
    write(store, [entity("Person", "p", name="KIM JONG SIK")])
    write(
        store,
        [
            (entity("Person", "p", "notes", alias="SECRET COVER NAME"), RED),
            (entity("Person", "q", "notes", name="HIDDEN OFFICER", passportNumber="P777"), RED),
        ],
        source("notes"),
    )
    screener = Screener.for_viewer(build(store), store, OUTSIDER)
    shipped = screener.restricted()
    blob = pickle.dumps(shipped)
    for secret in (b"SECRET", b"COVER", b"HIDDEN", b"OFFICER", b"P777", b"notes"):
        assert secret not in blob
    for text in ("KIM JONG SIK", "Kim Jong-sik", "SECRET COVER NAME", "HIDDEN OFFICER"):
        query = Query("q", "Person", (text,))
        assert shipped.match(query, threshold=0) == screener.match(query, threshold=0)
    assert shipped.view.size == screener.view.size == 1


# 7. An open server ------------------------------------------------------------------------------


def test_serving_a_network_without_api_keys_is_refused(tmp_path: Path) -> None:
    assert check_exposure("127.0.0.1", False, False) is None
    assert check_exposure("localhost", False, False) is None
    assert check_exposure("0.0.0.0", True, False) is None
    with pytest.raises(ConfigError, match="WATCHKEEPER_API_KEYS"):
        check_exposure("0.0.0.0", False, False)
    assert "warning" in (check_exposure("192.168.1.5", False, True) or "")
    result = CliRunner().invoke(
        cli_app, ["serve", "--host", "0.0.0.0"], env={"WATCHKEEPER_HOME": str(tmp_path / "h")}
    )
    assert result.exit_code == 2
    assert "refusing to serve 0.0.0.0" in result.stderr and len(result.stderr.splitlines()) == 1


# 8. Files are the workspace owner's --------------------------------------------------------------


def test_the_workspace_and_its_files_are_private(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {"WATCHKEEPER_HOME": str(home)}
    runner = CliRunner()
    assert runner.invoke(cli_app, ["import", "un-xml", str(UN_XML)], env=env).exit_code == 0
    queries = tmp_path / "q.csv"
    queries.write_text("id,name,schema\nq1,KIM JONG UN,Person\n", encoding="utf-8")
    result = runner.invoke(cli_app, ["screen", str(queries), "-o", str(home / "hits.csv")], env=env)
    assert result.exit_code == 0, result.stderr
    # the AIS dataset and the detections stored from it
    sim = tmp_path / "sim"
    made = runner.invoke(cli_app, ["ais", "simulate", str(sim), "--vessels", "3", "--days", "1"])
    assert made.exit_code == 0, made.output
    files = [str(sim / "positions.parquet"), str(sim / "identities.parquet")]
    assert runner.invoke(cli_app, ["ais", "import", *files], env=env).exit_code == 0
    assert runner.invoke(cli_app, ["ais", "detect"], env=env).exit_code == 0
    found = list(home.rglob("*"))
    assert any(p.name == "index.npz" for p in found) and any(p.suffix == ".db" for p in found)
    assert any(p.suffix == ".parquet" for p in found)
    for path in [home, *found]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path} is {oct(mode)}"


def test_an_ais_dataset_written_by_the_library_is_private(tmp_path: Path) -> None:
    import pyarrow as pa

    from watchkeeper.maritime.dataset import AisDataset
    from watchkeeper.maritime.records import POSITION_SCHEMA

    dataset = AisDataset(tmp_path / "ais")
    row = {"mmsi": 273900001, "ts": 1_700_000_000_000, "lat": 43.1, "lon": 131.9, "reports": 1}
    table = pa.Table.from_pylist(
        [{name: row.get(name) for name in POSITION_SCHEMA.names}], schema=POSITION_SCHEMA
    )
    before = os.umask(0o022)  # a library caller's usual umask, not the CLI's
    try:
        assert dataset.add_positions(table) == 1
    finally:
        os.umask(before)
    assert stat.S_IMODE((tmp_path / "ais").stat().st_mode) == 0o700


def test_a_store_opened_by_the_library_is_private(tmp_path: Path) -> None:
    from watchkeeper.settings import load_settings

    settings = load_settings({"WATCHKEEPER_HOME": str(tmp_path / "lib")})
    open_store(settings).close()
    assert stat.S_IMODE(settings.home.stat().st_mode) == 0o700
    assert stat.S_IMODE((settings.home / "watchkeeper.db").stat().st_mode) == 0o600


# Correcting and retracting ---------------------------------------------------------------------


GREEN = Marking(TLP.GREEN, None, "analysts")


def _mistake(store: Store) -> str:
    """A value marked GREEN by mistake, released twice (so it has history too)."""
    for release in ("2024-01-01", "2024-02-01"):
        write(
            store,
            [
                entity("Person", "p", "notes", name="KIM CHOL"),
                (entity("Person", "p", "notes", passportNumber="X123"), GREEN),
            ],
            source("notes", release),
        )
    ids = store.read(ANALYSTS).statement_ids("p", "passportNumber", "X123")
    assert len(ids) == 1
    return ids[0]


def _everything(store: Store, viewer: Viewer) -> str:
    reader = store.read(viewer)
    buffer = io.StringIO()
    write_statements(reader, buffer, include_ended=True)
    screener = Screener.for_viewer(build(store), store, viewer)
    hits = screener.match(
        Query("q", "Person", ("someone",), ids=(("passport", "X123"),)), threshold=0
    )
    return buffer.getvalue() + json.dumps(views.detail(reader, "p")) + repr(hits)


def test_a_remarked_value_is_gone_for_viewers_no_longer_cleared(store: Store) -> None:
    statement = _mistake(store)
    assert "X123" in _everything(store, OUTSIDER)
    before = store.version()
    changed = store.remark(
        ANALYSTS,
        [statement],
        Marking(TLP.RED),
        by="ana",
        reason="source protection",
        owner_org="local",
    )
    assert changed == {"p"} and store.version() != before
    assert "X123" not in _everything(store, OUTSIDER)
    assert "X123" in _everything(store, ANALYSTS)
    # recorded, for the originator only
    (entry,) = store.read(ANALYSTS).audit()
    assert entry["action"] == "remark" and entry["decided_by"] == "ana"
    assert entry["old_marking"] == "TLP:GREEN | ORIG analysts"
    assert entry["new_marking"] == "TLP:RED | ORIG analysts"
    assert store.read(OUTSIDER).audit() == []
    # a later release repeating the value does not undo the correction
    write(
        store,
        [(entity("Person", "p", "notes", passportNumber="X123"), GREEN)],
        source("notes", "2024-03-01"),
        full_release=False,
    )
    assert "X123" not in _everything(store, OUTSIDER)


def test_a_retracted_value_is_gone_from_every_view(store: Store) -> None:
    statement = _mistake(store)
    store.retract(ANALYSTS, [statement], by="ana", reason="wrong person", owner_org="local")
    for viewer in (OUTSIDER, ANALYSTS):
        assert "X123" not in _everything(store, viewer)
    assert [e["action"] for e in store.read(ANALYSTS).audit()] == ["retract"]


def test_only_the_owner_may_correct_and_a_hidden_statement_is_unknown(store: Store) -> None:
    statement = _mistake(store)
    with pytest.raises(Forbidden, match="analysts"):
        store.remark(OUTSIDER, [statement], Marking(TLP.RED), by="x", reason="y", owner_org="local")
    store.remark(ANALYSTS, [statement], Marking(TLP.RED), by="ana", reason="r", owner_org="local")
    with pytest.raises(NotFound) as hidden:
        store.retract(OUTSIDER, [statement], by="x", reason="y", owner_org="local")
    with pytest.raises(NotFound) as missing:
        store.retract(OUTSIDER, ["no-such-id"], by="x", reason="y", owner_org="local")
    assert hidden.value.detail.replace(statement, "ID") == missing.value.detail.replace(
        "no-such-id", "ID"
    )
    # unowned values (an official list) are the workspace organisation's to correct
    write(store, [entity("Person", "u", "lists", name="LISTED ONE")], source("lists"))
    (listed,) = store.read(ANALYSTS).statement_ids("u", "name")
    with pytest.raises(Forbidden):
        store.retract(ANALYSTS, [listed], by="ana", reason="r", owner_org="local")
    store.retract(Viewer("local"), [listed], by="me", reason="r", owner_org="local")


def test_correcting_a_link_to_a_hidden_entity_answers_as_a_missing_statement(
    store: Store,
) -> None:
    """A partner that names a link statement it may see by marking, but whose target is
    hidden from it, gets the answer of a statement that does not exist, not "someone
    else's information": otherwise the answer would confirm the hidden target."""
    us_only = Marking(TLP.GREEN, frozenset({"USA"}), "analysts")
    write(
        store, [entity("Person", "hidden-p", "us", name="RI HIDDEN")], source("us", marking=us_only)
    )
    link = entity("Sanction", "s-open", "lists", entity="hidden-p", program="DPRK")
    write(store, [link], source("lists"))
    owner = Viewer("local", "USA")  # the workspace's organisation, cleared for the target
    (statement,) = store.read(owner).statement_ids("s-open", "entity")
    with pytest.raises(NotFound) as hidden:
        store.retract(OUTSIDER, [statement], by="x", reason="y", owner_org="local")
    with pytest.raises(NotFound) as missing:
        store.retract(OUTSIDER, ["no-such-id"], by="x", reason="y", owner_org="local")
    assert hidden.value.detail.replace(statement, "ID") == missing.value.detail.replace(
        "no-such-id", "ID"
    )
    # the owner, who sees the target, still may
    store.retract(owner, [statement], by="me", reason="r", owner_org="local")


def test_remark_and_retract_from_the_command_line(tmp_path: Path) -> None:
    env = {"WATCHKEEPER_HOME": str(tmp_path / "h"), "WATCHKEEPER_ORG": "analysts"}
    runner = CliRunner()
    data = tmp_path / "notes.csv"
    data.write_text(
        "entity_id,prop,schema,value,dataset,tlp,originator\n"
        "p,name,Person,KIM CHOL,notes,GREEN,analysts\n"
        "p,passportNumber,Person,X123,notes,GREEN,analysts\n",
        encoding="utf-8",
    )
    assert runner.invoke(cli_app, ["import", "statements", str(data)], env=env).exit_code == 0
    assert (
        runner.invoke(cli_app, ["org", "add", "partner", "--country", "KOR"], env=env).exit_code
        == 0
    )
    result = runner.invoke(
        cli_app,
        [
            "remark",
            "--entity",
            "p",
            "--prop",
            "passportNumber",
            "--marking",
            "TLP:RED",
            "--reason",
            "oops",
        ],
        env=env,
    )
    assert result.exit_code == 0, result.stderr
    shown = runner.invoke(cli_app, ["show", "p", "--as", "partner", "--json"], env=env).stdout
    assert "X123" not in shown and "KIM CHOL" in shown
    audit = json.loads(runner.invoke(cli_app, ["audit", "--json"], env=env).stdout)
    assert [a["action"] for a in audit] == ["remark"]
    result = runner.invoke(cli_app, ["retract", "--entity", "p", "--reason", ""], env=env)
    assert result.exit_code == 2 and "reason" in result.stderr
