"""Batch screening on Apache Spark: the index broadcast, the queries partitioned.

Only the viewer's part of the index is broadcast (``Screener.restricted``): executors may
be other machines, and nothing the viewer may not see goes there. The driver reads and
checks the CSV with the same code as the local run (``batch``), so
refused rows and their reasons are identical; executors run the same ``Screener`` on
their partitions. Output rows come back in input order, one partition at a time, so the
file equals the local one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from watchkeeper.screening.batch import (
    BatchSummary,
    ResultFiles,
    RowError,
    open_input,
    read_queries,
    rows_for,
)
from watchkeeper.screening.score import THRESHOLD, Query
from watchkeeper.screening.screener import Screener
from watchkeeper.spark import spark_session


def screen_file_spark(
    screener: Screener,
    input_path: Path,
    output_path: Path,
    errors_path: Path,
    limit: int = 3,
    threshold: float = THRESHOLD,
    min_score: float = 0.5,
    master: str = "local[2]",
    partitions: int | None = None,
    korean: bool | None = None,
) -> BatchSummary:
    queries: list[tuple[int, Query]] = []
    refused: list[RowError] = []
    with open_input(input_path) as handle:
        for item in read_queries(input_path, handle):
            if isinstance(item, RowError):
                refused.append(item)
            else:
                queries.append(
                    (len(queries), item if korean is None else replace(item, korean=korean))
                )
    spark = spark_session(master, "watchkeeper-screening")
    context = spark.sparkContext
    # Executors get only what the viewer may see, never the whole index.
    shared = context.broadcast(screener.restricted())
    settings = (limit, threshold, min_score)

    def run(part: Iterator[tuple[int, Query]]) -> Iterator[tuple[int, list[list[str]]]]:
        local: Screener = shared.value
        for position, query in part:
            yield position, rows_for(local, query, *settings)

    slices = partitions or max(2, context.defaultParallelism)
    # Results stream back one sorted partition at a time (not all collected at once), so
    # the driver holds one partition's rows, whatever the size of the batch.
    results: Iterator[Any] = (
        context.parallelize(queries, slices).mapPartitions(run).sortByKey().toLocalIterator()
        if queries
        else iter(())
    )
    try:
        with ResultFiles(output_path, errors_path) as files:
            for _, rows in results:
                files.query(rows)
            for item in refused:
                files.refuse(item)
    finally:
        shared.unpersist()
    return files.summary
