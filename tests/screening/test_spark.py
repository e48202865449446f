"""Batch screening on Spark (local mode) gives the local run's rows and refusals."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import UN_XML
from watchkeeper.importers import run_import
from watchkeeper.model.marking import Viewer
from watchkeeper.screening import Screener, build
from watchkeeper.screening.batch import screen_file
from watchkeeper.screening.spark import screen_file_spark
from watchkeeper.store import Store

pytestmark = pytest.mark.spark


def test_spark_batch_equals_local(sqlite_store: Store, tmp_path: Path) -> None:
    run_import(sqlite_store, "un-xml", UN_XML)
    screener = Screener.for_viewer(build(sqlite_store), sqlite_store, Viewer("local", None))
    root = ET.parse(UN_XML).getroot()
    names = [i.findtext("FIRST_NAME") or "" for i in root.iter("ENTITY")][:120]
    src = tmp_path / "in.csv"
    lines = [f"e{i},{n.replace(',', ' ')},Organization,,,," for i, n in enumerate(names)]
    lines += ["bad,x,Spaceship,,,,", "k1,김정은,Person,,,,", "k2,RI PYONG CHUL,Person,kp,,,"]
    src.write_text(
        "id,name,schema,country,birth_date,imo,identifiers\n" + "\n".join(lines) + "\n",
        encoding="utf-8",
    )
    local_out, local_err = tmp_path / "local.csv", tmp_path / "local.errors.csv"
    spark_out, spark_err = tmp_path / "spark.csv", tmp_path / "spark.errors.csv"
    local = screen_file(screener, src, local_out, local_err)
    spark = screen_file_spark(screener, src, spark_out, spark_err, partitions=3)
    assert local == spark
    assert local.queries == 122 and local.errors == 1 and local.matched >= 110
    assert local_out.read_bytes() == spark_out.read_bytes()
    assert local_err.read_bytes() == spark_err.read_bytes()
