"""Networks: neighbours by type and date, paths to sanctioned entities, implied links,
exports, watches — through the recursive SQL on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

from tests.helpers import entity, source, write
from watchkeeper.errors import InputError, NotFound
from watchkeeper.investigations import watch
from watchkeeper.investigations.judgments import decide
from watchkeeper.investigations.network import Network, to_ftm, to_graphml
from watchkeeper.model.marking import TLP, Marking, Viewer
from watchkeeper.store import Store

OFAC = "US Treasury Office of Foreign Assets Control"
ME = Viewer("org-a", "USA")
RED_A = Marking(TLP.RED, originator="org-a")


def _network(store: Store) -> None:
    write(
        store,
        [
            entity("Person", "boss", name="Boss", passportNumber="P-1"),
            entity("Company", "front", name="Front Co", phone="+7 423 220 0000"),
            entity("Company", "owner", name="Owner Co"),
            entity("Company", "manager", name="Manager Co", phone="+7 423 220 0000"),
            entity(
                "Vessel", "ship", name="SHIP", imoNumber="1234567", owner="owner", operator="front"
            ),
            entity("Person", "twin", name="Twin", passportNumber="P-1"),
            entity("Company", "far", name="Far Co"),
            entity(
                "Ownership",
                "own-1",
                owner="boss",
                asset="front",
                percentage="100",
                startDate="2019-01-01",
                endDate="2020-12-31",
            ),
            entity(
                "Directorship",
                "dir-1",
                director="boss",
                organization="owner",
                startDate="2022-01-01",
            ),
            entity("UnknownLink", "mgr-1", subject="manager", object="ship", role="ship manager"),
            entity("Associate", "ass-1", person="boss", associate="twin"),
            entity("Family", "fam-1", person="twin", relative="far"),
            entity("Sanction", "s-boss", entity="boss", authority=OFAC, authorityId="100"),
            (entity("Employment", "emp-1", employee="twin", employer="owner"), RED_A),
        ],
    )


def test_neighbours_by_hops_type_and_date(store: Store) -> None:
    _network(store)
    net = Network(store.read(Viewer("org-b")))
    sub = net.neighbours("ship", hops=1)
    assert set(sub.nodes) == {"ship", "owner", "front", "manager"}
    assert {lk.kind for lk in sub.links} == {"Vessel.owner", "Vessel.operator", "UnknownLink"}
    two = net.neighbours("ship", hops=2)
    assert {"boss"} <= set(two.nodes) and two.nodes["boss"]["depth"] == 2
    assert two.nodes["boss"]["sanctioned"] and two.nodes["boss"]["list_ids"] == ["OFAC:100"]
    only_vessel = net.neighbours("ship", hops=3, kinds=["Vessel.owner", "Directorship"])
    assert set(only_vessel.nodes) == {"ship", "owner", "boss"}
    # the ownership ended in 2020; the directorship began in 2022
    in_2021 = net.neighbours("boss", hops=1, since="2021-01-01", until="2021-12-31")
    assert "front" not in in_2021.nodes and "owner" not in in_2021.nodes
    in_2020 = net.neighbours("boss", hops=1, since="2020-06-01", until="2020-06-30")
    assert "front" in in_2020.nodes and "owner" not in in_2020.nodes
    with pytest.raises(InputError):
        net.neighbours("ship", hops=1, kinds=["Friendship"])
    with pytest.raises(NotFound):
        net.neighbours("nobody")


@pytest.mark.spark
def test_spark_walks_the_same_neighbourhoods(sqlite_store: Store) -> None:
    from watchkeeper.investigations.spark import neighbours as on_spark

    _network(sqlite_store)
    asked = [
        ("ship", 1, None, None, None),
        ("ship", 3, None, None, None),
        ("twin", 2, None, None, None),
        ("ship", 3, ["Vessel.owner", "Directorship"], None, None),
        ("boss", 2, None, "2021-01-01", "2021-12-31"),
        ("boss", 2, None, "2020-06-01", "2020-06-30"),
        ("far", 0, None, None, None),
    ]
    for org in ("org-a", "org-b"):
        network = Network(sqlite_store.read(Viewer(org)))
        for entity_id, hops, kinds, since, until in asked:
            expected = network.neighbours(entity_id, hops, kinds, since, until)
            got = on_spark(network, entity_id, hops, kinds, since, until)
            assert got.to_dict() == expected.to_dict(), (org, entity_id, hops, kinds)
    # what org-b may not see (the RED employment) is not walked on Spark either
    twin = on_spark(Network(sqlite_store.read(Viewer("org-b"))), "twin", 1)
    assert "owner" not in twin.nodes
    with pytest.raises(NotFound):
        on_spark(Network(sqlite_store.read(Viewer("org-b"))), "nobody", 1)


@pytest.mark.spark
def test_spark_finds_the_same_paths_to_sanctioned_entities(sqlite_store: Store) -> None:
    from watchkeeper.investigations.spark import paths_to_sanctioned as on_spark

    _network(sqlite_store)
    asked = [
        ("far", 4, None, None, None),
        ("far", 1, None, None, None),
        ("boss", 4, None, None, None),
        ("front", 4, None, "2022-01-01", None),
        ("front", 4, None, None, "2020-12-31"),
        ("front", 2, None, "2022-01-01", None),
        ("ship", 4, ["Vessel.owner", "Directorship"], None, None),
    ]
    for org in ("org-a", "org-b"):
        network = Network(sqlite_store.read(Viewer(org)))
        for entity_id, hops, kinds, since, until in asked:
            expected = network.paths_to_sanctioned(entity_id, hops, kinds, since=since, until=until)
            got = on_spark(network, entity_id, hops, kinds, since=since, until=until)
            assert [p.to_dict() for p in got] == [p.to_dict() for p in expected], (org, entity_id)
    # the path org-b is given runs only through what it may see, on Spark too
    far = on_spark(Network(sqlite_store.read(Viewer("org-b"))), "far")
    assert far[0].nodes == ("far", "twin", "boss")
    with pytest.raises(NotFound):
        on_spark(Network(sqlite_store.read(Viewer("org-b"))), "nobody")


def test_hidden_links_are_not_walked(store: Store) -> None:
    _network(store)
    mine = Network(store.read(Viewer("org-a"))).neighbours("twin", hops=1)
    theirs = Network(store.read(Viewer("org-b"))).neighbours("twin", hops=1)
    assert "owner" in mine.nodes and "owner" not in theirs.nodes


def test_paths_to_sanctioned(store: Store) -> None:
    _network(store)
    net = Network(store.read(Viewer("org-b")))
    paths = net.paths_to_sanctioned("far")
    assert len(paths) == 1
    assert paths[0].nodes == ("far", "twin", "boss") and paths[0].list_ids == ("OFAC:100",)
    assert [lk.kind for lk in paths[0].links] == ["Family", "Associate"]
    assert net.paths_to_sanctioned("far", max_hops=1) == []
    assert net.paths_to_sanctioned("boss")[0].nodes == ("boss",)


def test_paths_to_sanctioned_through_links_in_force(store: Store) -> None:
    _network(store)
    net = Network(store.read(Viewer("org-b")))
    assert net.paths_to_sanctioned("front")[0].nodes == ("front", "boss")
    # the ownership ended in 2020: from 2022 the way to Boss goes through the ship's
    # owner, whose director he became in 2022
    later = net.paths_to_sanctioned("front", since="2022-01-01")
    assert later[0].nodes == ("front", "ship", "owner", "boss")
    assert [lk.kind for lk in later[0].links] == ["Vessel.operator", "Vessel.owner", "Directorship"]
    before = net.paths_to_sanctioned("front", until="2020-12-31")
    assert before[0].nodes == ("front", "boss")
    assert net.paths_to_sanctioned("front", max_hops=2, since="2022-01-01") == []


def test_implied_links_with_evidence(store: Store) -> None:
    _network(store)
    net = Network(store.read(Viewer("org-b")))
    implied = {
        (lk.source, lk.target, lk.kind): lk for lk in net.implied({"boss", "front", "owner"})
    }
    assert implied[("boss", "twin", "shared identifier")].evidence == ("passportNumber:P-1",)
    assert ("front", "manager", "shared phone") in implied
    assert ("front", "owner", "shared vessel") in implied
    assert all(lk.implied for lk in implied.values())
    sub = net.neighbours("front", hops=0, implied=True)
    assert "manager" in sub.nodes


def test_implied_links_need_every_statement(store: Store) -> None:
    write(
        store,
        [
            entity("Company", "c1", "test", name="C1", phone="+1 202 555 0143"),
            (entity("Company", "c2", "test", name="C2", phone="+1 202 555 0143"), RED_A),
        ],
    )
    assert Network(store.read(Viewer("org-b"))).implied({"c1"}) == []
    assert len(Network(store.read(Viewer("org-a"))).implied({"c1"})) == 1


def test_exports(store: Store, tmp_path: Path) -> None:
    _network(store)
    net = Network(store.read(Viewer("org-b")))
    sub = net.neighbours("ship", hops=2)
    to_graphml(sub, tmp_path / "g.graphml")
    g = nx.read_graphml(tmp_path / "g.graphml")
    assert set(g.nodes) == set(sub.nodes) and g.number_of_edges() == len(sub.links)
    rows = to_ftm(net, sub)
    ids = {r["id"] for r in rows}
    assert set(sub.nodes) <= ids and "mgr-1" in ids
    assert json.dumps(rows)


def test_resolution_joins_nodes(store: Store) -> None:
    _network(store)
    decide(store, store.read(ME), "boss", "twin", "same", "same passport", "ana")
    net = Network(store.read(ME))
    cid = net.resolution.of("boss")
    paths = net.paths_to_sanctioned("far")
    assert paths[0].nodes == ("far", cid)


def test_watch_alerts_on_a_later_designation(store: Store) -> None:
    write(
        store,
        [
            entity("Vessel", "ship", "wl", name="SHIP", owner="owner"),
            entity("Company", "owner", "wl", name="Owner Co"),
            entity("Company", "mgr", "wl", name="Manager Co"),
            entity("Person", "p", "wl", name="P"),
            entity("UnknownLink", "l1", "wl", subject="mgr", object="ship", role="ship manager"),
            entity("Directorship", "d1", "wl", director="p", organization="owner"),
        ],
        source("wl", "2024-01-01"),
    )
    reader = store.read(ME)
    watch.add(store, reader, "ship", 2, "ana", since="2024-06-01")
    assert watch.alerts(store, store.read(ME)) == []
    write(
        store,
        [
            entity("Sanction", "s1", "ofac", entity="owner", authority=OFAC, authorityId="7"),
            entity("Sanction", "s2", "ofac", entity="p", authority=OFAC, authorityId="8"),
            entity("Sanction", "s3", "ofac", entity="mgr", authority=OFAC, authorityId="9"),
        ],
        source("ofac", "2024-07-01"),
    )
    found = {a.designated: a for a in watch.alerts(store, store.read(ME))}
    assert set(found) == {"owner", "p", "mgr"}
    assert (
        found["owner"].path == ("ship", "owner")
        and "owner of the watched vessel" in found["owner"].reason
    )
    assert found["mgr"].path == ("ship", "mgr") and found["mgr"].list_ids == ("OFAC:9",)
    assert found["p"].path == ("ship", "owner", "p")
    # another organisation watches nothing
    assert watch.alerts(store, store.read(Viewer("org-b"))) == []
    assert watch.remove(store, store.read(ME), "ship")
    assert watch.alerts(store, store.read(ME)) == []
