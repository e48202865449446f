"""The one way Watchkeeper starts Apache Spark (maritime detectors, batch screening,
network paths): on ``local[N]`` by default, or on a cluster named by the setting
``WATCHKEEPER_SPARK_MASTER`` or the command's ``--spark-master`` (``spark://HOST:PORT``
for a standalone cluster, ``yarn``, ``k8s://https://HOST:PORT``)."""

from __future__ import annotations

import os
import re
import sys
from typing import Any

from watchkeeper.errors import InputError

# What SparkSession.builder.master accepts, as far as we support it: a mistyped URL is
# refused here in one line, not after a minute of the JVM trying to connect.
MASTER = re.compile(
    r"local(\[(\d+|\*)(,\d+)?\])?"
    r"|spark://[A-Za-z0-9.\-]+:\d{1,5}(,[A-Za-z0-9.\-]+:\d{1,5})*"
    r"|yarn"
    r"|k8s://https?://[A-Za-z0-9.\-]+(:\d{1,5})?"
)


def check_master(master: str) -> str:
    """``master`` if it is a Spark master URL we can start on, else ``InputError``."""
    if not MASTER.fullmatch(master):
        raise InputError(
            "--spark-master",
            f"local[N], spark://HOST:PORT, yarn or k8s://https://HOST:PORT, not {master!r}",
        )
    return master


def spark_session(master: str, app_name: str) -> Any:
    """A SparkSession on ``master`` (``local[2]`` by default; a cluster URL by settings).
    A session this process holds on another master is stopped first (``getOrCreate``
    would otherwise hand back the old one, and the work would run where it was not
    asked to)."""
    check_master(master)
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise InputError(
            "--engine", "the spark engine needs pyspark (pip install pyspark) and Java 17"
        ) from None
    active = SparkSession.getActiveSession()
    if active is not None and active.sparkContext.master != master:
        active.stop()
    # Python workers run the interpreter running us, so they import the same packages
    # (on a cluster, the executors' machines need this same environment at this path:
    # see the README's "Spark clusters").
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    local = master.startswith("local")
    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
    )
    if local or os.environ.get("WATCHKEEPER_SPARK_DRIVER_HOST"):
        # In local mode (and on a cluster reached over loopback) the driver listens on
        # 127.0.0.1 only; on a real cluster the executors must reach the driver, so it
        # binds where Spark's own defaults (or spark-defaults.conf) say.
        host = os.environ.get("WATCHKEEPER_SPARK_DRIVER_HOST", "127.0.0.1")
        builder = builder.config("spark.driver.host", host).config("spark.driver.bindAddress", host)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark
