"""Screening, the maritime detectors and the network's paths on a real Spark standalone
cluster (a master and two workers, separate processes on 127.0.0.1, started from the
pyspark distribution): the same answers as the local engines, and a mistyped master URL
refused in one line."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import UN_XML
from tests.spark_cluster import standalone_cluster
from watchkeeper.store import Store

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    mp = pytest.MonkeyPatch()
    # the driver (this process) is reached by the executors over loopback
    mp.setenv("WATCHKEEPER_SPARK_DRIVER_HOST", "127.0.0.1")
    mp.setenv("SPARK_LOCAL_IP", "127.0.0.1")
    try:
        with standalone_cluster(tmp_path_factory.mktemp("spark-cluster")) as master:
            yield master
    finally:
        from pyspark.sql import SparkSession

        active = SparkSession.getActiveSession()
        if active is not None:
            active.stop()
        mp.undo()


def _ran_on(master: str) -> None:
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    assert active is not None and active.sparkContext.master == master
    # the driver and an executor on each of the two workers
    assert active.sparkContext._jsc.sc().getExecutorMemoryStatus().size() == 3


def test_screening_on_the_cluster_equals_local(
    cluster: str, sqlite_store: Store, tmp_path: Path
) -> None:
    from watchkeeper.importers import run_import
    from watchkeeper.model.marking import Viewer
    from watchkeeper.screening import Screener, build
    from watchkeeper.screening.batch import screen_file
    from watchkeeper.screening.spark import screen_file_spark

    store = sqlite_store
    run_import(store, "un-xml", UN_XML)
    screener = Screener.for_viewer(build(store), store, Viewer("local", None))
    names = [i.findtext("FIRST_NAME") or "" for i in ET.parse(UN_XML).getroot().iter("ENTITY")]
    lines = [f"e{i},{n.replace(',', ' ')},Organization,,,," for i, n in enumerate(names[:60])]
    lines += ["bad,x,Spaceship,,,,", "k1,김정은,Person,,,,", "k2,RI PYONG CHUL,Person,kp,,,"]
    src = tmp_path / "in.csv"
    src.write_text(
        "id,name,schema,country,birth_date,imo,identifiers\n" + "\n".join(lines) + "\n",
        encoding="utf-8",
    )
    local = screen_file(screener, src, tmp_path / "local.csv", tmp_path / "local.err")
    remote = screen_file_spark(
        screener, src, tmp_path / "spark.csv", tmp_path / "spark.err", master=cluster,
        partitions=4,
    )  # fmt: skip
    _ran_on(cluster)
    assert remote == local and local.matched >= 50
    assert (tmp_path / "spark.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()
    assert (tmp_path / "spark.err").read_bytes() == (tmp_path / "local.err").read_bytes()


def test_network_paths_and_the_fifty_percent_rule_on_the_cluster(
    cluster: str, sqlite_store: Store
) -> None:
    from tests.investigations.test_network import _network
    from watchkeeper.investigations.network import Network
    from watchkeeper.investigations.spark import fifty_percent, paths_to_sanctioned
    from watchkeeper.model.marking import Viewer

    _network(sqlite_store)
    network = Network(sqlite_store.read(Viewer("org-a")))
    for entity_id in ("far", "boss", "ship"):
        expected = network.paths_to_sanctioned(entity_id, 4)
        got = paths_to_sanctioned(network, entity_id, 4, master=cluster)
        assert [p.to_dict() for p in got] == [p.to_dict() for p in expected], entity_id
    _ran_on(cluster)
    assert fifty_percent(network, master=cluster) == network.fifty_percent()


def test_the_cli_runs_on_the_master_it_is_given(cluster: str, tmp_path: Path) -> None:
    """``ais detect --engine spark`` on the cluster named by ``--spark-master``: the
    DuckDB engine's events, byte for byte (the simulated scenario has every kind)."""
    from watchkeeper.cli import app

    # (the option sets the setting in the environment: restored after each invocation)
    env = {"WATCHKEEPER_HOME": str(tmp_path / "home"), "WATCHKEEPER_SPARK_MASTER": "local[2]"}
    runner = CliRunner()
    simulated = runner.invoke(
        app, ["ais", "simulate", str(tmp_path / "sim"), "--vessels", "3", "--days", "2"], env=env
    )
    assert simulated.exit_code == 0, simulated.output
    runner.invoke(app, ["ais", "import", str(tmp_path / "sim" / "positions.parquet")], env=env)
    duck = runner.invoke(app, ["ais", "detect", "--no-link", "--json"], env=env)
    remote = runner.invoke(
        app,
        ["--spark-master", cluster, "ais", "detect", "--no-link", "--json", "--engine", "spark"],
        env=env,
    )
    assert remote.exit_code == 0, remote.output
    _ran_on(cluster)
    assert remote.stdout == duck.stdout


def test_a_mistyped_master_is_refused_in_one_line(tmp_path: Path) -> None:
    from watchkeeper.cli import app

    # (the option sets the setting in the environment: restored after each invocation)
    env = {"WATCHKEEPER_HOME": str(tmp_path / "home"), "WATCHKEEPER_SPARK_MASTER": "local[2]"}
    bad = CliRunner().invoke(app, ["--spark-master", "spark:/host", "ais", "detect"], env=env)
    assert bad.exit_code == 2 and "spark://HOST:PORT" in bad.stderr
