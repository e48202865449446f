"""The scale-out tier: the 50 % rule and neighbourhoods as iterative Spark SQL.

GraphFrames needs a JVM package from the Spark Packages repository, which the machines
here cannot reach (only PyPI, npm and Debian are), so the fixpoints are written as
iterated DataFrame joins instead: each round joins the blocked set to the ownership edges
and sums the shares per asset, until a round adds nothing. Only what the viewer may see
is sent to Spark: the edges and designations come from the viewer's ``Network``.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from watchkeeper.investigations.network import Network, _flag
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
