"""The AIS dataset: Parquet files partitioned by day, de-duplicated, written with DuckDB.

Each day's partition is rewritten whole (old rows + new rows, de-duplicated) into a new
file that is renamed into place before the old files are removed, so a failure at any
point leaves every row that was already there.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import duckdb
import pyarrow as pa

POSITION_KEY = ("mmsi", "ts", "lat", "lon")
IDENTITY_KEY = ("mmsi", "ts", "name", "imo", "call_sign", "ship_type", "destination")


def sql_text(value: object) -> str:
    """A value as an SQL string literal. File names reach SQL text (DuckDB's readers take
    them there), so every quote is doubled: a name with a quote is data, not SQL."""
    return "'" + str(value).replace("'", "''") + "'"


def sql_files(paths: list[Path] | list[str]) -> str:
    return ", ".join(sql_text(p) for p in paths)


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


class AisDataset:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.positions_dir = root / "positions"
        self.identities_dir = root / "identities"

    def _connect(self) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        return con

    def add_positions(self, table: pa.Table) -> int:
        return self._add(self.positions_dir, table, POSITION_KEY)

    def add_identities(self, table: pa.Table) -> int:
        return self._add(self.identities_dir, table, IDENTITY_KEY)

    def _add(self, folder: Path, table: pa.Table, key: tuple[str, ...]) -> int:
        """Merge ``table`` into ``folder``; returns how many rows were new."""
        if table.num_rows == 0:
            return 0
        con = self._connect()
        con.register("incoming", table)
        days = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT CAST(ts AS DATE) FROM incoming ORDER BY 1"
            ).fetchall()
        ]
        added = 0
        for day in days:
            part = folder / f"day={day.isoformat()}"
            part.mkdir(parents=True, exist_ok=True)
            old = sorted(part.glob("*.parquet"))
            sources = ["SELECT * FROM incoming WHERE CAST(ts AS DATE) = $day"]
            if old:
                files = sql_files(old)
                sources.append(f"SELECT * FROM read_parquet([{files}])")
            before = _scalar(con, f"SELECT count(*) FROM read_parquet([{files}])") if old else 0
            merged = f"""
                SELECT * EXCLUDE (keep) FROM (
                    SELECT *, row_number() OVER (PARTITION BY {", ".join(key)} ORDER BY source) AS keep
                    FROM ({" UNION ALL BY NAME ".join(sources)})
                ) WHERE keep = 1 ORDER BY mmsi, ts
            """
            target = part / f"part-{uuid.uuid4().hex}.parquet"
            temp = target.with_suffix(".tmp")
            con.execute(f"COPY ({merged}) TO {sql_text(temp)} (FORMAT PARQUET)", {"day": day})
            after = _scalar(con, f"SELECT count(*) FROM read_parquet({sql_text(temp)})")
            temp.rename(target)
            for path in old:
                path.unlink()
            added += after - before
        con.close()
        return added

    def count(self, what: str = "positions") -> int:
        folder = self.positions_dir if what == "positions" else self.identities_dir
        files = sorted(folder.glob("day=*/*.parquet"))
        if not files:
            return 0
        con = self._connect()
        listed = sql_files(files)
        count = _scalar(con, f"SELECT count(*) FROM read_parquet([{listed}])")
        con.close()
        return count

    def digest(self) -> str:
        """A digest of every row (independent of file layout): equal digests, equal data."""
        digest = hashlib.sha256()
        con = self._connect()
        for folder, key in (
            (self.positions_dir, POSITION_KEY),
            (self.identities_dir, IDENTITY_KEY),
        ):
            files = sorted(folder.glob("day=*/*.parquet"))
            if not files:
                continue
            listed = sql_files(files)
            for row in con.execute(
                f"SELECT * FROM read_parquet([{listed}]) ORDER BY {', '.join(key)}, source"
            ).fetchall():
                digest.update(repr(row).encode())
        con.close()
        return digest.hexdigest()
