"""Alerts: ranked by the declared rules, filtered, acknowledged per organisation, and
built from what the viewer may see only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.helpers import entity, source, write
from watchkeeper.cli import app
from watchkeeper.errors import InputError, NotFound
from watchkeeper.maritime.alerts import (
    acknowledge_alert,
    default_rules,
    list_alerts,
    parse_rules,
)
from watchkeeper.maritime.areas import theater_ports
from watchkeeper.maritime.dataset import AisDataset
from watchkeeper.maritime.detectors import detect
from watchkeeper.maritime.link import link_detections
from watchkeeper.maritime.places import known_places
from watchkeeper.maritime.records import Position, identities_table, positions_table
from watchkeeper.maritime.simulator import scenario
from watchkeeper.model.marking import Marking, Viewer
from watchkeeper.store import Store

ANALYST = Viewer("analyst", "KOR")
PARTNER = Viewer("partner-org", "JPN")


def _linked(store: Store, tmp_path: Path, viewer: Viewer = ANALYST) -> None:
    sim = scenario(theater_ports(), seed=3, background=4, days=3, shuttle=("9179842", "ANGARA"))
    dataset = AisDataset(tmp_path / "ais")
    dataset.add_positions(positions_table(sim.positions, "simulator"))
    dataset.add_identities(identities_table(sim.identities, "simulator"))
    places, _ = known_places(dataset)
    found = detect(dataset, theater_ports(), places=places)
    link_detections(store, store.read(viewer), dataset, found, theater_ports())


def _restricted_sanction(store: Store) -> None:
    """ANGARA's IMO on a vessel record and sanction only the analyst may see."""
    mark = Marking.make("AMBER", rel_to="KOR", originator="kor-nis", recipients="analyst")
    ship = entity("Vessel", "v-partner", "partner", name="PARTNER-ONLY NAME", imoNumber="9179842")
    listing = entity("Sanction", "s-partner", "partner", entity="v-partner", authority="List")
    write(store, [(ship, mark), (listing, mark)], source("partner", "2024-01-01"))


def test_rules_rank_and_explain(sqlite_store: Store, tmp_path: Path) -> None:
    _restricted_sanction(sqlite_store)
    _linked(sqlite_store, tmp_path)
    found = list_alerts(sqlite_store.read(ANALYST))
    ranks = [a["rank"] for a in found]
    assert ranks == sorted(ranks, reverse=True)
    for rank in set(ranks):  # newest first within a severity
        starts = [a["start"] for a in found if a["rank"] == rank]
        assert starts == sorted(starts, reverse=True)
    top = found[0]
    assert top["severity"] == "critical" and top["kind"] == "gap"
    assert "AIS silent for" in top["reason"] and "sanctioned vessel" in top["reason"]
    assert top["evidence"]["positions"] == 2
    kinds = {a["kind"] for a in found}
    assert {"shared_mmsi", "spoofing", "encounter", "identity_change"} <= kinds
    shared = next(a for a in found if a["kind"] == "shared_mmsi")
    assert shared["severity"] == "high" and "SIM TWIN ALPHA" in shared["reason"]
    # Port calls are no alert unless at a watched area.
    assert all("watched area" in a["reason"] for a in found if a["kind"] == "port_call")


def test_filters(sqlite_store: Store, tmp_path: Path) -> None:
    _linked(sqlite_store, tmp_path)
    reader = sqlite_store.read(ANALYST)
    every = list_alerts(reader)
    gaps = list_alerts(reader, kind="gap")
    assert gaps and {a["kind"] for a in gaps} == {"gap"} and len(gaps) < len(every)
    shuttle = list_alerts(reader, vessel="273900001")
    assert shuttle and all(273900001 in a["mmsi"] for a in shuttle)
    assert list_alerts(reader, vessel="IMO9179842") == []  # not linked: IMO not in the store
    at_vostochny = list_alerts(reader, area="vostochny")
    assert at_vostochny and all(a["kind"] in ("port_call", "gap") for a in at_vostochny)
    first = min(a["start"] for a in every)
    day = datetime.fromisoformat(first).astimezone(UTC).replace(hour=23, minute=59)
    early = list_alerts(reader, until=day)
    late = list_alerts(reader, since=day)
    assert early and late and len(early) + len(late) >= len(every)
    assert all(a["start"] <= day.isoformat() for a in early)
    high = list_alerts(reader, min_severity="high")
    assert high and all(a["rank"] >= 3 for a in high)
    with pytest.raises(InputError):
        list_alerts(reader, min_severity="urgent")


def test_acknowledgements_are_per_organisation(sqlite_store: Store, tmp_path: Path) -> None:
    sqlite_store.add_organisation("analyst", "KOR")
    sqlite_store.add_organisation("partner-org", "JPN")
    _restricted_sanction(sqlite_store)
    _linked(sqlite_store, tmp_path)
    mine = list_alerts(sqlite_store.read(ANALYST))
    done = acknowledge_alert(
        sqlite_store, sqlite_store.read(ANALYST), mine[0]["id"], "J. Kim", "seen, tasked"
    )
    assert done["by"] == "J. Kim"
    after = {a["id"]: a for a in list_alerts(sqlite_store.read(ANALYST))}
    assert after[mine[0]["id"]]["acknowledged"]["note"] == "seen, tasked"
    assert mine[0]["id"] not in {
        a["id"] for a in list_alerts(sqlite_store.read(ANALYST), unacknowledged=True)
    }
    # Another organisation sees the same event unacknowledged, and nothing of the note.
    theirs = {a["id"]: a for a in list_alerts(sqlite_store.read(PARTNER))}
    assert mine[0]["id"] in theirs and theirs[mine[0]["id"]]["acknowledged"] is None
    # The restricted link the analyst's top alert rests on is not the partner's: lower.
    assert theirs[mine[0]["id"]]["rank"] < mine[0]["rank"]
    # An id the viewer cannot see is answered as one that does not exist.
    with pytest.raises(NotFound, match="no such alert"):
        acknowledge_alert(sqlite_store, sqlite_store.read(PARTNER), "ais-nonexistent", "x", "")
    # so is the id of an entity of a schema that has no notes (a Sanction): no crash
    write(sqlite_store, [entity("Sanction", "s-1", entity="v-partner", authority="X")])
    with pytest.raises(NotFound, match="no such alert"):
        acknowledge_alert(sqlite_store, sqlite_store.read(ANALYST), "s-1", "x", "")


def test_alerts_equal_those_of_a_store_holding_only_what_the_viewer_may_see(
    tmp_path: Path,
) -> None:
    """The releasability test for the alerts read path: the partner's alerts from the
    full store (with the analyst's restricted sanction) equal its alerts from a store
    without it."""
    from watchkeeper.store import open_store

    full = open_store(f"sqlite:///{tmp_path / 'full.db'}")
    only = open_store(f"sqlite:///{tmp_path / 'only.db'}")
    _restricted_sanction(full)
    _linked(full, tmp_path / "a", viewer=PARTNER)
    _linked(only, tmp_path / "b", viewer=PARTNER)

    def seen(store: Store) -> list[tuple[str, str, str, str]]:
        return [
            (a["id"], a["severity"], a["reason"], ",".join(a["vessels"]))
            for a in list_alerts(store.read(PARTNER))
        ]

    assert seen(full) == seen(only)
    full.close()
    only.close()


NIS = Viewer("kor-nis", "KOR")


def _shuttle_facts(store: Store, marking: Marking, listed: Marking | None = None) -> None:
    """ANGARA's IMO and its sanction, as kor-nis recorded them."""
    ship = entity("Vessel", "v-angara", "nis", name="ANGARA", imoNumber="9179842")
    listing = entity("Sanction", "s-angara", "nis", entity="v-angara", authority="NIS list")
    write(store, [(ship, marking), (listing, listed or marking)], source("nis", "2024-01-01"))


def _alerts(store: Store, viewer: Viewer) -> list[tuple[str, str, str, str]]:
    return [
        (a["id"], a["severity"], a["reason"], ",".join(a["vessels"]))
        for a in list_alerts(store.read(viewer))
    ]


def test_alerts_follow_a_remark_of_the_facts_they_rest_on(store: Store, tmp_path: Path) -> None:
    """Issue 10: after a re-mark, viewers no longer cleared see nothing of the value. An
    alert's "sanctioned vessel" was derived while the sanction was GREEN by mistake; once
    re-marked RED, the partner's alerts (and kor-nis's) are those of a store where it was
    RED from the start, not a conclusion still drawn from it under the old marking. On
    both engines (the store corrected), against SQLite (the store made right)."""
    from watchkeeper.store import open_store

    green = Marking.make("GREEN", originator="kor-nis")
    red = Marking.make("RED", originator="kor-nis")
    fixed = store
    right = open_store(f"sqlite:///{tmp_path / 'right.db'}")
    _shuttle_facts(fixed, green)
    _linked(fixed, tmp_path / "a", viewer=NIS)
    assert any("sanctioned vessel" in a[2] for a in _alerts(fixed, PARTNER))  # the mistake
    listing = fixed.read(NIS).statement_ids("s-angara")
    fixed.remark(NIS, listing, red, by="J. Kim", reason="source protection", owner_org="analyst")
    _shuttle_facts(right, green, listed=red)
    _linked(right, tmp_path / "b", viewer=NIS)
    for viewer in (PARTNER, NIS, ANALYST):
        assert _alerts(fixed, viewer) == _alerts(right, viewer), viewer
    assert not any("sanctioned" in a[2] for a in _alerts(fixed, PARTNER))
    assert any("sanctioned vessel" in a[2] for a in _alerts(fixed, NIS))
    # the derived statements' re-marking is in kor-nis's audit, and no one else's
    derived = [e for e in fixed.read(NIS).audit() if e["entity_id"].startswith("ais-")]
    assert derived and all(e["new_marking"] == "TLP:RED | ORIG kor-nis" for e in derived)
    assert fixed.read(PARTNER).audit() == [] and fixed.read(ANALYST).audit() == []
    right.close()


def test_alerts_follow_a_retraction_of_the_facts_they_rest_on(store: Store, tmp_path: Path) -> None:
    """A retracted sanction leaves every view, the alerts it made "critical" included; a
    value the link did not rest on (the flag) leaves the alerts as they were."""
    green = Marking.make("GREEN", originator="kor-nis")
    _shuttle_facts(store, green)
    write(
        store,
        [(entity("Vessel", "v-angara", "nis", flag="ru"), green)],
        source("nis", "2024-02-01"),
        full_release=False,
    )
    _linked(store, tmp_path, viewer=NIS)
    before = {v: _alerts(store, v) for v in (PARTNER, NIS)}
    assert any("sanctioned vessel" in a[2] for a in before[PARTNER])
    flag = store.read(NIS).statement_ids("v-angara", "flag")
    store.retract(NIS, flag, by="J. Kim", reason="wrong ship", owner_org="analyst")
    assert {v: _alerts(store, v) for v in (PARTNER, NIS)} == before
    listing = store.read(NIS).statement_ids("s-angara")
    store.retract(NIS, listing, by="J. Kim", reason="never listed", owner_org="analyst")
    for viewer in (PARTNER, NIS, ANALYST):
        assert not any("sanctioned" in a[2] for a in _alerts(store, viewer)), viewer


def test_bad_rules_are_one_line() -> None:
    assert default_rules().levels[0] == "none"
    for data, message in (
        ([], "must be a mapping"),
        ({"levels": ["x"]}, "at least two"),
        ({"levels": ["a", "b"], "kinds": {"gap": {"severity": "c"}}}, "kind gap"),
        ({"levels": ["a", "b"], "rules": [{"raise": 1}]}, "rule 1"),
        ({"levels": ["a", "b"], "rules": [{"when": {}, "raise": "up"}]}, "whole number"),
    ):
        with pytest.raises(InputError, match=message) as err:
            parse_rules(data, "rules.yaml")
        assert "\n" not in str(err.value)


def test_cli_alerts_and_ack(tmp_path: Path) -> None:
    env = {"WATCHKEEPER_HOME": str(tmp_path / "home")}
    runner = CliRunner()
    sim = tmp_path / "sim"
    assert runner.invoke(app, ["ais", "simulate", str(sim), "--vessels", "3", "--days", "2"], env=env).exit_code == 0  # fmt: skip
    runner.invoke(app, ["ais", "import", str(sim / "positions.parquet"), str(sim / "identities.parquet")], env=env)  # fmt: skip
    assert runner.invoke(app, ["ais", "detect"], env=env).exit_code == 0
    listed = runner.invoke(app, ["alerts", "--kind", "shared_mmsi", "--json"], env=env)
    assert listed.exit_code == 0, listed.output
    import json

    alerts = json.loads(listed.stdout)
    assert len(alerts) == 1 and alerts[0]["severity"] == "high"
    ack = runner.invoke(app, ["alerts", "ack", alerts[0]["id"], "--by", "JK", "--note", "two ships"], env=env)  # fmt: skip
    assert ack.exit_code == 0, ack.output
    left = runner.invoke(app, ["alerts", "--kind", "shared_mmsi", "--unacknowledged", "--json"], env=env)  # fmt: skip
    assert json.loads(left.stdout) == []
    bad = runner.invoke(app, ["alerts", "ack", "ais-nothing", "--by", "JK"], env=env)
    assert bad.exit_code != 0 and "no such alert" in bad.stderr
    bad_date = runner.invoke(app, ["alerts", "--since", "last week"], env=env)
    assert bad_date.exit_code == 2 and "not an ISO date" in bad_date.stderr


def _loitering(start: datetime, hours: float) -> list[Position]:
    """A vessel lying still at sea, 300 km from any port, every 10 minutes."""
    steps = int(hours * 6)
    return [
        Position(273000111, start + timedelta(minutes=10 * i), 40.0 + i * 1e-5, 134.0, sog=0.3)
        for i in range(steps)
    ]


def test_an_acknowledgement_survives_a_redetection_with_more_data(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The episode grows both ways (a late file fills in its beginning, a new one extends
    it): the alert keeps its id and acknowledgement, and shows the new span only."""
    dataset = AisDataset(tmp_path / "ais")
    first_seen = datetime(2024, 5, 1, 6, tzinfo=UTC)
    dataset.add_positions(positions_table(_loitering(first_seen, 12), "day-1-noon"))

    def run() -> list[dict[str, Any]]:
        places, _ = known_places(dataset)
        found = detect(dataset, theater_ports(), places=places)
        link_detections(sqlite_store, sqlite_store.read(ANALYST), dataset, found, theater_ports())
        return list_alerts(sqlite_store.read(ANALYST), kind="loitering")

    [alert] = run()
    acknowledge_alert(sqlite_store, sqlite_store.read(ANALYST), alert["id"], "J. Kim", "tasked")
    earlier = datetime(2024, 5, 1, 0, tzinfo=UTC)
    dataset.add_positions(positions_table(_loitering(earlier, 6), "late-file"))
    dataset.add_positions(positions_table(_loitering(first_seen + timedelta(hours=12), 8), "day-2"))
    [grown] = run()
    assert grown["id"] == alert["id"]
    assert grown["acknowledged"]["note"] == "tasked"
    assert grown["start"] == "2024-05-01T00:00:00" and grown["end"] > alert["end"]
    # What the first run said of the episode has ended: one span, one set of facts.
    view = sqlite_store.read(ANALYST).entity(grown["id"])
    assert view is not None
    assert len(view.entity.get("startDate")) == len(view.entity.get("endDate")) == 1
    assert "slow for 25.83 h" in grown["reason"]


def test_a_note_that_looks_like_a_detection_is_no_alert(store: Store) -> None:
    """An analyst's Event whose note starts like a detection's record but names no kind
    (writable through analyst entry) is not an alert, and breaks no listing."""
    event = entity(
        "Event",
        "analyst-note",
        "notes",
        name="A note",
        date="2024-03-01",
        notes='AIS {"watched": true}',
    )
    write(store, [event], source("notes"))
    reader = store.read(Viewer("local"))
    assert "analyst-note" not in {a["id"] for a in list_alerts(reader)}
    with pytest.raises(NotFound):
        acknowledge_alert(store, reader, "analyst-note", "ana", "")


def test_a_vessel_filter_of_digits_no_one_types_is_no_crash(store: Store) -> None:
    record = '{"kind": "gap", "mmsi": 273900001, "watched": true, "details": {"hours": 30}}'
    event = entity(
        "Event",
        "gap-1",
        "wk_ais",
        name="AIS gap",
        startDate="2024-03-01T00:00:00",
        notes="AIS " + record,
    )
    write(store, [event], source("wk_ais"))
    reader = store.read(Viewer("local"))
    assert [a["id"] for a in list_alerts(reader)] == ["gap-1"]  # an alert to filter
    assert list_alerts(reader, vessel="²") == []
    assert [a["id"] for a in list_alerts(reader, vessel="273900001")] == ["gap-1"]
