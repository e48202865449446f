"""Engines that load the AIS dataset and run the detectors' SQL: DuckDB (embedded
default) and Apache Spark (local mode in tests; a cluster by ``WATCHKEEPER_SPARK_MASTER``)."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import duckdb
import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from watchkeeper.errors import InputError
from watchkeeper.maritime.areas import Area
from watchkeeper.maritime.dataset import MEMORY_LIMIT, sql_files, sql_text

if TYPE_CHECKING:
    from watchkeeper.maritime.dataset import AisDataset

ENGINES = ("duckdb", "spark")
# Columns that files written by earlier versions lack, and what they read as.
MISSING = {
    "reports": "CAST(NULL AS BIGINT) AS reports",
    "last_ts": "CAST(NULL AS TIMESTAMP) AS last_ts",
}


class Engine(Protocol):
    # Positions per pass: the detectors run vessel group by vessel group so that one
    # group's tables fit in memory (None: one pass, the engine scales out by itself).
    rows_per_pass: int | None

    def load_areas(self, areas: list[Area]) -> None: ...
    def load_table(self, name: str, table: pa.Table) -> None: ...
    def load_positions(self, dataset: AisDataset, since: datetime | None) -> int: ...
    def select_vessels(self, groups: int, group: int) -> None: ...
    def load_identities(self, dataset: AisDataset, since: datetime | None) -> int: ...
    def table(self, name: str, sql: str) -> None: ...
    def append(self, name: str, sql: str) -> None: ...
    def drop(self, name: str) -> None: ...
    def rows(self, sql: str) -> list[dict[str, Any]]: ...
    def arrays(self, sql: str) -> dict[str, NDArray[Any]]: ...
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
    """What both engines load: positions as ``positions`` (a pass takes one group of
    vessels from it as ``raw``) and identity reports as ``ident``, each with ``t``, the
    time in epoch seconds, which the portable SQL works in."""

    rows_per_pass: int | None = None

    def _load(self, name: str, folder: Path, columns: str, since: datetime | None) -> int:
        raise NotImplementedError

    def table(self, name: str, sql: str) -> None:
        raise NotImplementedError

    def load_positions(self, dataset: AisDataset, since: datetime | None) -> int:
        return self._load(
            "positions",
            dataset.positions_dir,
            "mmsi, lat, lon, sog, coalesce(reports, 1) AS reports",
            since,
        )

    def select_vessels(self, groups: int, group: int) -> None:
        where = f"WHERE mmsi % {groups} = {group}" if groups > 1 else ""
        self.table("raw", f"SELECT * FROM positions {where}")

    def load_identities(self, dataset: AisDataset, since: datetime | None) -> int:
        # Spans (dataset.py); files written before spans have one report per row.
        return self._load(
            "ident",
            dataset.identities_dir,
            "mmsi, name, imo, call_sign, coalesce(reports, 1) AS reports,"
            " coalesce({epoch}(last_ts), {epoch}(ts)) / 1000.0 AS last_t",
            since,
        )


class DuckDBEngine(_Loading):
    # About 330 bytes of working tables per position (measured at 10 M): 12 M positions
    # per pass keeps a pass near 4 GB.
    rows_per_pass: int | None = 12_000_000

    def __init__(self, rows_per_pass: int | None = None) -> None:
        if rows_per_pass is not None:
            self.rows_per_pass = rows_per_pass
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")
        # Results are sorted in Python; letting DuckDB drop insertion order saves memory.
        self.con.execute("SET preserve_insertion_order = false")
        # Bounded memory, whatever the machine: beyond the limit DuckDB spills its tables,
        # sorts and joins to a temporary folder of its own (removed on close). Without a
        # limit it takes up to 80 % of RAM before spilling.
        # (Removed on close, or when the engine is collected or the process exits.)
        self._temp = tempfile.TemporaryDirectory(prefix="watchkeeper-detect-")
        self.temp = Path(self._temp.name)
        self.con.execute(f"SET memory_limit = {sql_text(MEMORY_LIMIT)}")
        self.con.execute(f"SET temp_directory = {sql_text(self.temp)}")

    def load_areas(self, areas: list[Area]) -> None:
        self.con.execute(
            "CREATE TABLE areas (id VARCHAR, name VARCHAR, lat DOUBLE, lon DOUBLE, radius_km DOUBLE)"
        )
        if areas:
            self.con.executemany(
                "INSERT INTO areas VALUES (?, ?, ?, ?, ?)",
                [(a.id, a.name, a.lat, a.lon, a.radius_km) for a in areas],
            )

    def _load(self, name: str, folder: Path, columns: str, since: datetime | None) -> int:
        files = _files(folder)
        if not files:
            return 0
        listed = sql_files(files)
        where = f"WHERE ts >= TIMESTAMPTZ '{since.isoformat()}'" if since else ""
        base = f"read_parquet([{listed}], union_by_name = true)"
        present = {r[0] for r in self.con.execute(f"DESCRIBE SELECT * FROM {base}").fetchall()}
        extra = "".join(f", {e}" for c, e in MISSING.items() if c not in present)
        # A view: each pass reads its vessels straight from the Parquet files.
        self.con.execute(
            f"CREATE VIEW {name} AS SELECT {columns.format(epoch='epoch_ms')}, epoch_ms(ts) / 1000.0 AS t"
            f" FROM (SELECT *{extra} FROM {base}) {where}"
        )
        return int(self._scalar(f"SELECT count(*) FROM {name}") or 0)

    def _scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        """The first value of ``sql``'s answer, read to its end: a result left open
        makes the connection refuse the next ``register`` (a ``load_table`` after a
        ``load_positions`` raised ResourceInUseException in the benchmark)."""
        rows = self.con.execute(sql, params or []).fetchall()
        return rows[0][0] if rows else None

    def select_vessels(self, groups: int, group: int) -> None:
        if groups <= 1:
            super().select_vessels(groups, group)
            return
        # The positions are read once and written to the temporary folder split into
        # the groups (Parquet, one folder per group): each pass then reads its own group
        # instead of decoding every position of the dataset again to filter its vessels
        # (100 M positions in 9 passes: 9 full reads).
        split = self.temp / f"groups-{groups}"
        if not split.exists():
            self.con.execute(
                f"COPY (SELECT *, mmsi % {groups} AS pass_group FROM positions)"
                f" TO {sql_text(split)} (FORMAT PARQUET, PARTITION_BY (pass_group))"
            )
        files = sorted((split / f"pass_group={group}").glob("*.parquet"))
        if not files:
            self.table("raw", "SELECT * FROM positions WHERE false")
            return
        self.table(
            "raw",
            f"SELECT * FROM read_parquet([{sql_files(files)}], hive_partitioning = false)",
        )

    def load_table(self, name: str, table: pa.Table) -> None:
        self.con.register(f"{name}_arrow", table)
        self.table(name, f"SELECT * FROM {name}_arrow")

    def table(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")

    def append(self, name: str, sql: str) -> None:
        exists = self._scalar("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name])
        if exists:
            self.con.execute(f"INSERT INTO {name} {sql}")
        else:
            self.table(name, sql)

    def drop(self, name: str) -> None:
        self.con.execute(f"DROP TABLE IF EXISTS {name}")

    def rows(self, sql: str) -> list[dict[str, Any]]:
        cursor = self.con.execute(sql)
        names = [c[0] for c in cursor.description or []]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def arrays(self, sql: str) -> dict[str, NDArray[Any]]:
        """The result column by column as numpy arrays (no Python object per row: for
        large results; columns without NULLs)."""
        return {
            name: np.asarray(array) for name, array in self.con.execute(sql).fetchnumpy().items()
        }

    def close(self) -> None:
        self.con.close()
        self._temp.cleanup()


class SparkEngine(_Loading):
    """Spark SQL over the same Parquet files, on ``master`` (settings: ``spark_master``)."""

    def __init__(self, master: str = "local[2]") -> None:
        from watchkeeper.spark import spark_session

        self.spark = spark_session(master, "watchkeeper-maritime")

    def load_table(self, name: str, table: pa.Table) -> None:
        rows = [tuple(row.values()) for row in table.to_pylist()]
        frame = self.spark.createDataFrame(rows, _spark_schema(table.schema))
        frame.cache().createOrReplaceTempView(name)

    def load_areas(self, areas: list[Area]) -> None:
        schema = "id STRING, name STRING, lat DOUBLE, lon DOUBLE, radius_km DOUBLE"
        frame = self.spark.createDataFrame(
            [(a.id, a.name, a.lat, a.lon, a.radius_km) for a in areas], schema
        )
        frame.createOrReplaceTempView("areas")

    def _load(self, name: str, folder: Path, columns: str, since: datetime | None) -> int:
        files = _files(folder)
        if not files:
            return 0
        frame = self.spark.read.option("mergeSchema", "true").parquet(*files)
        frame.createOrReplaceTempView(f"{name}_files")
        extra = "".join(f", {e}" for c, e in MISSING.items() if c not in frame.columns)
        where = f"WHERE ts >= timestamp'{since.isoformat()}'" if since else ""
        self.table(
            name,
            f"SELECT {columns.format(epoch='unix_millis')}, unix_millis(ts) / 1000.0 AS t"
            f" FROM (SELECT *{extra} FROM {name}_files) {where}",
        )
        return int(self.spark.table(name).count())

    def table(self, name: str, sql: str) -> None:
        frame = self.spark.sql(sql).cache()
        frame.createOrReplaceTempView(name)

    def append(self, name: str, sql: str) -> None:
        frame = self.spark.sql(sql)
        if self.spark.catalog.tableExists(name):
            frame = self.spark.table(name).unionByName(frame)
        frame.cache().createOrReplaceTempView(name)

    def drop(self, name: str) -> None:
        if self.spark.catalog.tableExists(name):
            self.spark.catalog.dropTempView(name)

    def rows(self, sql: str) -> list[dict[str, Any]]:
        return [_plain(row.asDict()) for row in self.spark.sql(sql).collect()]

    def arrays(self, sql: str) -> dict[str, NDArray[Any]]:
        frame = self.spark.sql(sql)
        rows = self.rows(sql)
        return {name: np.array([r[name] for r in rows]) for name in frame.columns}

    def close(self) -> None:
        # The session outlives this engine (getOrCreate): leave no views behind.
        for table in self.spark.catalog.listTables():
            if table.isTemporary:
                self.spark.catalog.dropTempView(table.name)
        self.spark.catalog.clearCache()


def _spark_schema(schema: pa.Schema) -> str:
    names = {pa.int64(): "BIGINT", pa.float64(): "DOUBLE", pa.string(): "STRING"}
    return ", ".join(f"{f.name} {names[f.type]}" for f in schema)


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    # Spark returns Decimal for exact arithmetic on literals; the detectors expect floats.
    from decimal import Decimal

    return {k: float(v) if isinstance(v, Decimal) else v for k, v in row.items()}
