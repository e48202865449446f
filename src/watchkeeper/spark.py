"""The one way Watchkeeper starts Apache Spark (maritime detectors, batch screening)."""

from __future__ import annotations

import os
import sys
from typing import Any

from watchkeeper.errors import InputError


def spark_session(master: str, app_name: str) -> Any:
    """A SparkSession on ``master`` (``local[2]`` by default; a cluster URL by settings)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise InputError(
            "--engine", "the spark engine needs pyspark (pip install pyspark) and Java 17"
        ) from None
    # Python workers run the interpreter running us, so they import the same packages.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark
