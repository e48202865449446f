"""Engines that load the AIS dataset and run the detectors' SQL: DuckDB (embedded
default) and Apache Spark (local mode in tests; a cluster by ``WATCHKEEPER_SPARK_MASTER``)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import duckdb

from watchkeeper.errors import InputError
from watchkeeper.maritime.areas import Area
from watchkeeper.maritime.dataset import sql_files

if TYPE_CHECKING:
    from watchkeeper.maritime.dataset import AisDataset

ENGINES = ("duckdb", "spark")


class Engine(Protocol):
    def load_areas(self, areas: list[Area]) -> None: ...
    def load_positions(self, dataset: AisDataset, since: datetime | None) -> bool: ...
    def load_identities(self, dataset: AisDataset, since: datetime | None) -> bool: ...
    def table(self, name: str, sql: str) -> None: ...
    def rows(self, sql: str) -> list[dict[str, Any]]: ...
    def close(self) -> None: ...


def _files(folder: Path) -> list[str]:
    return [str(f) for f in sorted(folder.glob("day=*/*.parquet"))]


def get_engine(name: str, spark_master: str = "local[2]") -> Engine:
    if name == "duckdb":
        return DuckDBEngine()
    if name == "spark":
        return SparkEngine(spark_master)
    raise InputError("--engine", f"unknown engine {name!r}; one of: {', '.join(ENGINES)}")


class _Loading:
    """What both engines load: positions as ``raw`` and identity reports as ``ident``,
    each with ``t``, the time in epoch seconds, which the portable SQL works in."""

    def _load(self, name: str, folder: Path, columns: str, since: datetime | None) -> bool:
        raise NotImplementedError

    def load_positions(self, dataset: AisDataset, since: datetime | None) -> bool:
        return self._load("raw", dataset.positions_dir, "mmsi, lat, lon, sog", since)

    def load_identities(self, dataset: AisDataset, since: datetime | None) -> bool:
        return self._load("ident", dataset.identities_dir, "mmsi, name, imo, call_sign", since)


class DuckDBEngine(_Loading):
    def __init__(self) -> None:
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")
        # Results are sorted in Python; letting DuckDB drop insertion order saves memory.
        self.con.execute("SET preserve_insertion_order = false")

    def load_areas(self, areas: list[Area]) -> None:
        self.con.execute(
            "CREATE TABLE areas (id VARCHAR, name VARCHAR, lat DOUBLE, lon DOUBLE, radius_km DOUBLE)"
        )
        if areas:
            self.con.executemany(
                "INSERT INTO areas VALUES (?, ?, ?, ?, ?)",
                [(a.id, a.name, a.lat, a.lon, a.radius_km) for a in areas],
            )

    def _load(self, name: str, folder: Path, columns: str, since: datetime | None) -> bool:
        files = _files(folder)
        if not files:
            return False
        listed = sql_files(files)
        where = "WHERE ts >= $since" if since else ""
        self.con.execute(
            f"CREATE TABLE {name} AS SELECT {columns}, epoch_ms(ts) / 1000.0 AS t FROM read_parquet([{listed}]) {where}",
            {"since": since} if since else {},
        )
        return True

    def table(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE TABLE {name} AS {sql}")

    def rows(self, sql: str) -> list[dict[str, Any]]:
        cursor = self.con.execute(sql)
        names = [c[0] for c in cursor.description or []]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def close(self) -> None:
        self.con.close()


class SparkEngine(_Loading):
    """Spark SQL over the same Parquet files, on ``master`` (settings: ``spark_master``)."""

    def __init__(self, master: str = "local[2]") -> None:
        from watchkeeper.spark import spark_session

        self.spark = spark_session(master, "watchkeeper-maritime")

    def load_areas(self, areas: list[Area]) -> None:
        schema = "id STRING, name STRING, lat DOUBLE, lon DOUBLE, radius_km DOUBLE"
        frame = self.spark.createDataFrame(
            [(a.id, a.name, a.lat, a.lon, a.radius_km) for a in areas], schema
        )
        frame.createOrReplaceTempView("areas")

    def _load(self, name: str, folder: Path, columns: str, since: datetime | None) -> bool:
        files = _files(folder)
        if not files:
            return False
        self.spark.read.parquet(*files).createOrReplaceTempView(f"{name}_files")
        where = f"WHERE ts >= timestamp'{since.isoformat()}'" if since else ""
        self.table(
            name, f"SELECT {columns}, unix_millis(ts) / 1000.0 AS t FROM {name}_files {where}"
        )
        return True

    def table(self, name: str, sql: str) -> None:
        frame = self.spark.sql(sql).cache()
        frame.createOrReplaceTempView(name)

    def rows(self, sql: str) -> list[dict[str, Any]]:
        return [_plain(row.asDict()) for row in self.spark.sql(sql).collect()]

    def close(self) -> None:
        self.spark.catalog.clearCache()


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    # Spark returns Decimal for exact arithmetic on literals; the detectors expect floats.
    from decimal import Decimal

    return {k: float(v) if isinstance(v, Decimal) else v for k, v in row.items()}
