"""Spark batch screening under the releasability rule (issue 10, item 6): what a viewer
gets from Spark over the full store equals the local run over its own store, and the
executors never receive what it may not see."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import entity, source, write
from tests.releasability.world import filtered_copy
from watchkeeper.model.marking import TLP, Marking, Viewer
from watchkeeper.screening import Screener, build
from watchkeeper.screening.batch import screen_file
from watchkeeper.screening.spark import screen_file_spark
from watchkeeper.store import open_store

pytestmark = pytest.mark.spark

RED = Marking(TLP.RED, None, "analysts")
PARTNER = Viewer("partner", "KOR")


def test_spark_over_the_full_store_equals_local_over_the_viewers_own(tmp_path: Path) -> None:
    full = open_store(f"sqlite:///{tmp_path / 'full.db'}")
    write(
        full,
        [
            entity("Person", "p1", name="KIM JONG SIK", birthDate="1967-07-20"),
            entity("Vessel", "v1", name="CHON MA SAN", imoNumber="IMO8660313"),
            entity("Company", "c1", name="KOREA MINING DEVELOPMENT TRADING CORP"),
        ],
    )
    write(
        full,
        [(entity("Person", f"h{i}", "notes", name="KIM JONG SIK"), RED) for i in range(30)]
        + [
            (entity("Person", "p1", "notes", alias="SECRET COVER NAME"), RED),
            (entity("Vessel", "v9", "notes", name="CHON MA SAN 2", imoNumber="IMO9999999"), RED),
            (entity("Person", "x", "notes", birthDate="1970-01-01"), RED),
        ],
        source("notes"),
    )
    own = open_store(f"sqlite:///{tmp_path / 'own.db'}")
    filtered_copy(full, own, PARTNER)
    queries = tmp_path / "q.csv"
    queries.write_text(
        "id,name,schema,country,birth_date,imo,identifiers\n"
        "a,Kim Jong-sik,Person,,1967,,\n"
        "b,SECRET COVER NAME,Person,,,,\n"
        "c,Chon Ma San,Vessel,,,,\n"
        "d,,Vessel,,,9999999,\n"
        "e,Korea Mining Development Trading Corporation,Company,,,,\n",
        encoding="utf-8",
    )
    spark_out, local_out = tmp_path / "spark.csv", tmp_path / "local.csv"
    screen_file_spark(
        Screener.for_viewer(build(full), full, PARTNER),
        queries,
        spark_out,
        tmp_path / "spark.errors.csv",
        min_score=0.0,
        partitions=2,
    )
    screen_file(
        Screener.for_viewer(build(own), own, PARTNER),
        queries,
        local_out,
        tmp_path / "local.errors.csv",
        min_score=0.0,
    )
    assert spark_out.read_bytes() == local_out.read_bytes()
    rows = spark_out.read_text(encoding="utf-8")
    assert ",v9," not in rows and ",h0," not in rows and ",x," not in rows
    full.close()
    own.close()
