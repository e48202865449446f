"""The AIS dataset: Parquet files partitioned by day, de-duplicated, written with DuckDB.

An import writes its rows into a staging folder (one parallel DuckDB pass, partitioned by
day), removes the rows the dataset already holds (read from that day's files, never
rewritten), and renames each new file into its day folder. A day partition therefore
grows by one file per import that touches it; nothing already there is rewritten. A
failure at any point leaves every row that was already there, and a file is either in
place whole or absent (rename is atomic), so a re-import after a crash completes the
dataset. Writers take a lock on the dataset, one at a time.

Identity (static and voyage) reports are kept as *spans*: one row per vessel and
reported identity with the first and last time it was reported and how many reports
it stands for, so that a feed repeating the same name in every message stays small.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from watchkeeper.maritime.records import SIMULATED_ORIGIN
from watchkeeper.store.core import private_dir

POSITION_KEY = ("mmsi", "ts", "lat", "lon")
IDENTITY_KEY = (
    "mmsi",
    "ts",
    "last_ts",
    "name",
    "imo",
    "call_sign",
    "ship_type",
    "length",
    "width",
    "destination",
)
# DuckDB's working memory during an import; beyond it, aggregation spills to the
# staging folder, so a file of any size imports in bounded memory.
MEMORY_LIMIT = "4GB"
# How the dataset's files are written: format version 2 pages (delta-encoded integers and
# times, split floats) are smaller and cheaper to write than version 1's; DuckDB, Spark
# and pyarrow all read them. Dictionaries are kept only where a column has almost one
# value (the source, the report count): building one for every column of a page and
# dropping it for positions and times cost a quarter of the write (10 M positions: 1.6
# -> 1.2 CPU s, files 1 % smaller; a full read 0.08 CPU s slower, bench/maritime/README.md).
PARQUET = "FORMAT PARQUET, PARQUET_VERSION V2, DICTIONARY_SIZE_LIMIT 1"
# The UTC day of ``ts``, from its epoch milliseconds (a cast of TIMESTAMPTZ to DATE goes
# through the time-zone library for every row).
DAY = "(DATE '1970-01-01' + CAST(floor(epoch_ms(ts) / 86400000) AS INTEGER))"


def sql_text(value: object) -> str:
    """A value as an SQL string literal. File names reach SQL text (DuckDB's readers take
    them there), so every quote is doubled: a name with a quote is data, not SQL."""
    return "'" + str(value).replace("'", "''") + "'"


def sql_files(paths: list[Path] | list[str]) -> str:
    return ", ".join(sql_text(p) for p in paths)


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def connect(temp: Path | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    # Rows are written in whatever order the threads produce them: the detectors sort.
    con.execute("SET preserve_insertion_order = false")
    if temp is not None:
        con.execute(f"SET memory_limit = {sql_text(MEMORY_LIMIT)}")
        con.execute(f"SET temp_directory = {sql_text(temp)}")
    return con


@dataclass
class Published:
    rows: int = 0
    """Rows staged (after de-duplication within the import)."""
    new: int = 0
    """Rows that were not in the dataset before."""


class Staging:
    """One import's staging folder: ``positions/day=…`` and ``identities/day=…`` written
    by DuckDB's partitioned COPY, published into the dataset by :meth:`publish`."""

    def __init__(self, dataset: AisDataset, folder: Path) -> None:
        self.dataset = dataset
        self.folder = folder

    def target(self, what: str) -> Path:
        return self.folder / what

    def publish(self, con: duckdb.DuckDBPyConnection, what: str) -> Published:
        staged = self.folder / what
        result = Published()
        if not staged.is_dir():
            return result
        home = self.dataset.root / what
        key = POSITION_KEY if what == "positions" else IDENTITY_KEY
        for part in sorted(p for p in staged.iterdir() if p.is_dir()):
            files = sorted(part.glob("*.parquet"))
            rows = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
            result.rows += rows
            if not rows:
                continue
            existing = sorted((home / part.name).glob("*.parquet"))
            final = part / f"part-{uuid.uuid4().hex}.parquet"
            if existing:
                # Only the rows this day does not hold yet; the day's files are read, not
                # rewritten. NULLs compare equal here (identity fields are often empty).
                match = " AND ".join(f"s.{k} IS NOT DISTINCT FROM e.{k}" for k in key)
                con.execute(
                    f"""COPY (SELECT s.* FROM read_parquet([{sql_files(files)}]) s
                        WHERE NOT EXISTS (SELECT 1 FROM read_parquet([{sql_files(existing)}], union_by_name = true) e
                                          WHERE {match}))
                        TO {sql_text(final)} ({PARQUET})"""
                )
                new = pq.ParquetFile(final).metadata.num_rows
            elif len(files) == 1:
                files[0].rename(final)
                new = rows
            else:
                con.execute(
                    f"COPY (SELECT * FROM read_parquet([{sql_files(files)}])) TO {sql_text(final)} ({PARQUET})"
                )
                new = rows
            if new:
                (home / part.name).mkdir(parents=True, exist_ok=True)
                final.rename(home / part.name / final.name)
            result.new += new
        return result


class AisDataset:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.positions_dir = root / "positions"
        self.identities_dir = root / "identities"

    # -- writing ------------------------------------------------------------------------

    @contextmanager
    def staging(self) -> Iterator[Staging]:
        """The dataset's write lock and a fresh staging folder, removed afterwards
        (whatever happens: a failed import leaves the dataset as it was). The dataset's
        folder is its owner's only (0700), as the store is: positions of vessels a viewer
        may not know about are in it, and nothing inside is reachable through it."""
        private_dir(self.root)
        with (self.root / ".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            stage_root = self.root / ".staging"
            # Left by an import that was killed: nothing in it was published.
            shutil.rmtree(stage_root, ignore_errors=True)
            folder = stage_root / uuid.uuid4().hex
            folder.mkdir(parents=True)
            try:
                yield Staging(self, folder)
            finally:
                shutil.rmtree(stage_root, ignore_errors=True)

    def add_positions(self, table: pa.Table) -> int:
        """Merge an Arrow table of positions (POSITION_SCHEMA); returns how many were new."""
        return self._add_table(table, "positions")

    def add_identities(self, table: pa.Table) -> int:
        """Merge identity reports (IDENTITY_SCHEMA; one row per report, or spans)."""
        return self._add_table(table, "identities")

    def _add_table(self, table: pa.Table, what: str) -> int:
        if table.num_rows == 0:
            return 0
        with self.staging() as stage:
            con = connect(stage.folder / "tmp")
            con.register("incoming", table)
            if what == "positions":
                sql = f"""SELECT mmsi, ts, lat, lon, min(sog) AS sog, min(cog) AS cog,
                                 min(heading) AS heading, min(source) AS source,
                                 CAST(sum(coalesce(reports, 1)) AS BIGINT) AS reports, CAST(ts AS DATE) AS day
                          FROM incoming GROUP BY {", ".join(POSITION_KEY)}"""
            else:
                sql = identity_spans_sql("incoming")
            con.execute(
                f"COPY ({sql}) TO {sql_text(stage.target(what))} ({PARQUET}, PARTITION_BY (day), FILENAME_PATTERN 'part-{{uuid}}')"
            )
            added = stage.publish(con, what).new
            con.close()
        return added

    # -- reading ------------------------------------------------------------------------

    def files(self, what: str = "positions") -> list[Path]:
        folder = self.positions_dir if what == "positions" else self.identities_dir
        return sorted(folder.glob("day=*/*.parquet"))

    def simulated_mmsis(self) -> set[int]:
        """The MMSIs of which the dataset holds simulated positions or identities (rows
        whose ``source`` starts with ``SIMULATED_ORIGIN``): what is detected about them is
        simulated material."""
        found: set[int] = set()
        for what in ("positions", "identities"):
            files = self.files(what)
            if not files:
                continue
            con = connect()
            try:
                rows = con.execute(
                    f"SELECT DISTINCT mmsi FROM read_parquet([{sql_files(files)}]) "
                    f"WHERE starts_with(source, {sql_text(SIMULATED_ORIGIN)})"
                ).fetchall()
            finally:
                con.close()
            found |= {int(row[0]) for row in rows}
        return found

    def count(self, what: str = "positions") -> int:
        return sum(pq.ParquetFile(f).metadata.num_rows for f in self.files(what))

    def digest(self) -> str:
        """A digest of every row (independent of file layout): equal digests, equal data."""
        digest = hashlib.sha256()
        con = connect()
        for what, key in (("positions", POSITION_KEY), ("identities", IDENTITY_KEY)):
            files = self.files(what)
            if not files:
                continue
            listed = sql_files(files)
            for row in con.execute(
                f"SELECT * EXCLUDE (day) FROM read_parquet([{listed}], union_by_name = true, hive_partitioning = true)"
                f" ORDER BY {', '.join(key)}, source"
            ).fetchall():
                digest.update(repr(row).encode())
        con.close()
        return digest.hexdigest()


def identity_spans_sql(relation: str) -> str:
    """Identity rows of ``relation`` (reports or spans) folded into spans: one row per
    vessel and identity, first and last time, number of reports, partitioned by day."""
    return f"""
    SELECT mmsi, min(ts) AS ts, max(coalesce(last_ts, ts)) AS last_ts,
           CAST(sum(coalesce(reports, 1)) AS BIGINT) AS reports,
           name, imo, call_sign, ship_type, length, width, destination,
           min(flag) AS flag, min(source) AS source, CAST(min(ts) AS DATE) AS day
    FROM {relation}
    GROUP BY mmsi, name, imo, call_sign, ship_type, length, width, destination
    """


def identities_sql(con: duckdb.DuckDBPyConnection, files: list[Path]) -> str:
    """Every identity span of the dataset (files written before spans existed read as
    one report per row), spans of one identity in several files merged."""
    base = f"read_parquet([{sql_files(files)}], union_by_name = true)"
    present = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {base}").fetchall()}
    last = "coalesce(last_ts, ts)" if "last_ts" in present else "ts"
    reports = "coalesce(reports, 1)" if "reports" in present else "1"
    return f"""
    SELECT mmsi, min(ts) AS ts, max({last}) AS last_ts, CAST(sum({reports}) AS BIGINT) AS reports,
           name, imo, call_sign
    FROM {base} GROUP BY mmsi, name, imo, call_sign
    """
