"""The 50 % rule on constructed ownership graphs: chains, diamonds, cycles, aggregation
across blocked owners, percentages as ranges — in plain Python, through the store's SQL
on both engines, and on Spark."""

from __future__ import annotations

import pytest

from tests.helpers import entity, write
from watchkeeper.investigations.network import Network
from watchkeeper.investigations.ownership import (
    Holding,
    chains_to,
    fifty_percent_rule,
    parse_share,
    share_of,
)
from watchkeeper.model.marking import TLP, Marking, Viewer
from watchkeeper.store import Store

H = Holding
OFAC = "US Treasury Office of Foreign Assets Control"


@pytest.mark.parametrize(
    ("text", "interval"),
    [
        ("50", (50, 50)),
        ("50%", (50, 50)),
        ("25-50", (25, 50)),
        ("25 to 50 %", (25, 50)),
        (">50", (50, 100)),
        ("more than 50%", (50, 100)),
        ("<25", (0, 25)),
        ("less than 10 percent", (0, 10)),
        ("12.5", (12.5, 12.5)),
        ("majority", None),
        ("150", None),
    ],
)
def test_percentages_and_ranges(text: str, interval: tuple[float, float] | None) -> None:
    assert parse_share(text) == interval


def test_no_percentage_is_unknown_and_disagreement_keeps_both() -> None:
    assert share_of([]) == (0, 100)
    assert share_of(["50", "40-60"]) == (50, 50)
    assert share_of(["30", "60"]) == (30, 60)


def _status(holdings: list[Holding], designated: list[str]) -> dict[str, str]:
    return {k: f.status for k, f in fifty_percent_rule(holdings, designated).items()}


def test_chain() -> None:
    holdings = [
        H("X", "A", "o1", (60, 60)),
        H("A", "B", "o2", (50, 50)),
        H("B", "C", "o3", (49, 49)),
    ]
    flags = fifty_percent_rule(holdings, ["X"])
    assert {k: f.status for k, f in flags.items()} == {"A": "blocked", "B": "blocked"}
    chains = flags["B"].chains(flags, {"X"})
    assert [[h.via for h in c] for c in chains] == [["o1", "o2"]]


def test_indirect_shares_are_not_multiplied() -> None:
    # X owns 40 % of A (A not blocked), A owns 100 % of B: B is not blocked by the rule.
    assert _status([H("X", "A", "o1", (40, 40)), H("A", "B", "o2", (100, 100))], ["X"]) == {}


def test_diamond() -> None:
    holdings = [
        H("X", "A", "o1", (50, 50)),
        H("X", "B", "o2", (50, 50)),
        H("A", "C", "o3", (25, 25)),
        H("B", "C", "o4", (25, 25)),
    ]
    flags = fifty_percent_rule(holdings, ["X"])
    assert flags["C"].status == "blocked" and flags["C"].share == (50, 50)
    assert len(flags["C"].chains(flags, {"X"})) == 2


def test_aggregation_across_blocked_owners() -> None:
    holdings = [
        H("X", "C", "o1", (30, 30)),
        H("Y", "C", "o2", (20, 20)),
        H("Z", "D", "o3", (49, 49)),
    ]
    flags = fifty_percent_rule(holdings, ["X", "Y", "Z"])
    assert set(flags) == {"C"} and flags["C"].share == (50, 50)
    assert {h.owner for h in flags["C"].owners} == {"X", "Y"}


def test_cycles_end() -> None:
    holdings = [
        H("X", "A", "o1", (50, 50)),
        H("A", "B", "o2", (60, 60)),
        H("B", "A", "o3", (30, 30)),
        H("B", "C", "o4", (30, 30)),
        H("C", "B", "o5", (30, 30)),
    ]
    assert _status(holdings, ["X"]) == {"A": "blocked", "B": "blocked"}
    # a cycle among unblocked companies blocks nothing
    assert _status([H("A", "B", "o1", (60, 60)), H("B", "A", "o2", (60, 60))], ["X"]) == {}


def test_ranges_give_possibly_blocked() -> None:
    holdings = [
        H("X", "A", "o1", (25, 50)),
        H("X", "B", "o2", (50, 75)),
        H("X", "C", "o3", (0, 100)),
    ]
    flags = fifty_percent_rule(holdings, ["X"])
    assert flags["A"].status == "possibly blocked" and flags["A"].share == (25, 50)
    assert flags["B"].status == "blocked"
    assert flags["C"].status == "possibly blocked"
    # what a possibly blocked entity owns is possibly blocked, never blocked
    more = fifty_percent_rule([*holdings, H("A", "D", "o4", (100, 100))], ["X"])
    assert more["D"].status == "possibly blocked"


def test_chains_aggregate_along_paths() -> None:
    holdings = [
        H("X", "A", "o1", (50, 50)),
        H("X", "B", "o2", (50, 50)),
        H("A", "C", "o3", (40, 40)),
        H("B", "C", "o4", (20, 30)),
    ]
    chains, interest = chains_to("C", holdings)
    assert len(chains) == 4
    assert interest["X"] == (30.0, 35.0)  # 50 % x 40 % + 50 % x 20-30 %
    assert interest["A"] == (40.0, 40.0)


def _graph(store: Store) -> None:
    sanction = entity("Sanction", "s-x", "test", entity="x", authority=OFAC, authorityId="1")
    un = entity(
        "Sanction",
        "s-y",
        "test",
        entity="y",
        authority="United Nations Security Council",
        unscId="KPe.1",
    )
    write(
        store,
        [
            entity("Person", "x", "test", name="Blocked Owner"),
            entity("Company", "y", "test", name="UN-listed"),
            sanction,
            un,
            *(entity("Company", c, "test", name=c.upper()) for c in "abcde"),
            entity("Ownership", "o1", "test", owner="x", asset="a", percentage="60"),
            entity("Ownership", "o2", "test", owner="a", asset="b", percentage="25-50"),
            entity("Ownership", "o3", "test", owner="x", asset="b", percentage="25"),
            entity("Ownership", "o4", "test", owner="b", asset="c", percentage="100"),
            entity("Ownership", "o5", "test", owner="y", asset="d", percentage="100"),
            (
                entity("Ownership", "o6", "test", owner="x", asset="e", percentage="80"),
                Marking(TLP.RED, originator="org-a"),
            ),
        ],
    )


def test_rule_through_the_store(store: Store) -> None:
    _graph(store)
    data = Network(store.read(Viewer("org-b"))).fifty_percent()
    flags = {f["entity"]: f for f in data["flags"]}
    assert data["designated"] == 1
    assert flags["a"]["status"] == "blocked"
    assert flags["b"]["status"] == "blocked" and flags["b"]["share"] == [50.0, 75.0]
    assert flags["c"]["status"] == "blocked"
    assert [[h["via"] for h in c] for c in flags["c"]["chains"]] == [
        ["o1", "o2", "o4"],
        ["o3", "o4"],
    ]
    assert "d" not in flags  # UN designation: not an OFAC blocked person
    assert "e" not in flags  # the ownership is RED to org-a
    assert "d" in {
        f["entity"] for f in Network(store.read(Viewer("org-b"))).fifty_percent(None)["flags"]
    }
    assert "e" in {
        f["entity"] for f in Network(store.read(Viewer("org-a"))).fifty_percent()["flags"]
    }


@pytest.mark.spark
def test_spark_gives_the_same_flags(sqlite_store: Store) -> None:
    from watchkeeper.investigations.spark import fifty_percent

    _graph(sqlite_store)
    network = Network(sqlite_store.read(Viewer("org-a")))
    assert fifty_percent(network, ("OFAC",)) == network.fifty_percent(("OFAC",))
