"""The scale-out tier: the 50 % rule, neighbourhoods and paths to sanctioned entities as
iterative Spark SQL.

GraphFrames needs a JVM package from the Spark Packages repository, which the machines
here cannot reach (only PyPI, npm and Debian are), so the fixpoints are written as
iterated DataFrame joins instead: for the 50 % rule, each round joins the blocked set to
the ownership edges and sums the shares per asset, until a round adds nothing; for a
neighbourhood, each round joins the nodes reached last to the links and keeps the nodes
not reached before. Only what the viewer may see is sent to Spark: the edges and
designations come from the viewer's ``Network``; the subgraph a walk reaches is then
read back through the same ``Network`` (networkx for the algorithms on it, such as the
shortest paths to sanctioned entities among the nodes reached).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from watchkeeper.investigations.network import Network, Path, Subgraph, _flag
from watchkeeper.investigations.ownership import THRESHOLD, Flag, Holding
from watchkeeper.spark import spark_session


def _fixpoint(spark: Any, edges: Any, seeds: set[str], bound: str) -> set[str]:
    from pyspark.sql import functions as F

    reached = set(seeds)
    positive = edges.where(F.col(bound) > 0).cache()
    while True:
        owners = spark.createDataFrame([(r,) for r in sorted(reached)] or [("",)], "node string")
        totals = (
            positive.join(owners, positive.owner == owners.node)
            .groupBy("asset")
            .agg(F.sum(bound).alias("total"))
            .where(F.col("total") >= THRESHOLD - 1e-9)
        )
        found = {row["asset"] for row in totals.collect()} - reached
        if not found:
            return reached - seeds
        reached |= found


def fifty_percent(
    network: Network, lists: Collection[str] | None = ("OFAC",), master: str = "local[2]"
) -> dict[str, Any]:
    """As ``Network.fifty_percent``, with the fixpoints computed on Spark."""
    from pyspark.sql import functions as F

    holdings = network.holdings()
    designated = network.designated(lists)
    spark = spark_session(master, "watchkeeper-ownership")
    edges = spark.createDataFrame(
        [(h.owner, h.asset, h.via, float(h.share[0]), float(h.share[1])) for h in holdings]
        or [("", "", "", 0.0, 0.0)],
        "owner string, asset string, via string, low double, high double",
    ).where("owner != asset AND owner != ''")
    edges = edges.join(
        spark.createDataFrame([(d,) for d in sorted(designated)] or [("",)], "seed string"),
        edges.asset == F.col("seed"),
        "left_anti",
    )
    certain = _fixpoint(spark, edges, designated, "low")
    possible = _fixpoint(spark, edges, designated, "high")
    flags = _flags(holdings, designated, certain, possible)
    return {
        "designated": len(designated),
        "flags": [_flag(f, flags, designated) for f in flags.values()],
    }


def _flags(
    holdings: list[Holding], designated: set[str], certain: set[str], possible: set[str]
) -> dict[str, Flag]:
    """The flags with their evidence, as ``ownership.fifty_percent_rule`` gives them."""
    flags: dict[str, Flag] = {}
    for entity in sorted(possible):
        sure = entity in certain
        owners = (certain if sure else possible) | designated
        bound = 0 if sure else 1
        counted = sorted(
            {h for h in holdings if h.asset == entity and h.owner in owners and h.share[bound] > 0},
            key=lambda h: (h.owner, h.via),
        )
        low = sum(h.share[0] for h in counted)
        high = min(100.0, sum(h.share[1] for h in counted))
        flags[entity] = Flag(
            entity, "blocked" if sure else "possibly blocked", (min(low, 100.0), high), counted
        )
    return flags


def _reach(
    network: Network,
    members: Collection[str],
    hops: int,
    kinds: Collection[str] | None,
    since: str | None,
    until: str | None,
    master: str,
) -> dict[str, int]:
    """Every node within ``hops`` links of ``members`` with its distance, walked on Spark
    over every link the viewer may see (as ``GraphSQL.reach`` walks it in SQL)."""
    from pyspark.sql import functions as F

    spark = spark_session(master, "watchkeeper-network")
    pairs = [(e.source, e.target) for e in network.sql.all_edges(kinds, since, until)]
    links = spark.createDataFrame(pairs or [("", "")], "a string, b string").where("a != b")
    # both directions, once each: a walk goes along a link either way
    links = links.union(links.select(F.col("b").alias("a"), F.col("a").alias("b"))).distinct()
    links = links.cache()
    depth = dict.fromkeys(network.sql.seeds(members), 0)
    frontier = sorted(depth)
    for level in range(1, hops + 1):
        if not frontier:
            break
        nodes = spark.createDataFrame([(n,) for n in frontier], "node string")
        found = {
            row["b"]
            for row in links.join(nodes, links.a == nodes.node).select("b").distinct().collect()
        }
        frontier = sorted(found - depth.keys())
        depth.update((node, level) for node in frontier)
    links.unpersist()
    return depth


def neighbours(
    network: Network,
    entity: str,
    hops: int = 1,
    kinds: Collection[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    implied: bool = False,
    master: str = "local[2]",
) -> Subgraph:
    """As ``Network.neighbours``, with the walk computed on Spark."""
    network.check(hops, kinds)
    start, members = network.start_of(entity)
    depth = _reach(network, members, hops, kinds, since, until, master)
    return network.subgraph(start, depth, hops, kinds, since, until, implied)


def paths_to_sanctioned(
    network: Network,
    entity: str,
    max_hops: int = 4,
    kinds: Collection[str] | None = None,
    limit: int | None = 5,
    since: str | None = None,
    until: str | None = None,
    master: str = "local[2]",
) -> list[Path]:
    """As ``Network.paths_to_sanctioned``, with the walk computed on Spark; the paths are
    then found among the nodes it reached."""
    network.check(max_hops, kinds)
    start, members = network.start_of(entity)
    reached = _reach(network, members, max_hops, kinds, since, until, master)
    return network.paths_within(start, reached, kinds, limit, since, until)
