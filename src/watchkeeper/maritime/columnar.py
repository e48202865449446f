"""Vectorised ingest of CSV and Parquet with DuckDB: every row is parsed, validated and
classified in SQL (a row gets the first reason that applies, in the order below), the
rejections counted with examples, and the good rows merged into the dataset.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from watchkeeper.errors import InputError
from watchkeeper.maritime.dataset import AisDataset, sql_text
from watchkeeper.maritime.records import (
    IDENTITY_SCHEMA,
    MAX_EXAMPLES,
    POSITION_SCHEMA,
    IngestReport,
)
from watchkeeper.maritime.tabular import IDENTITY_FIELDS, NULLS, REQUIRED, Layout, sniff_layout

# The reasons, in the order the row reader tests them (a row gets the first that applies).
NO_ID_OR_TIME = "rows without a readable vessel id or time"
BAD_ID = "rows with an invalid vessel id"
NOTHING = "rows with neither a position nor an identity"
BAD_NUMBERS = "rows with unreadable numbers"
OFF_GLOBE = "positions off the globe"
BAD_IDENTITY = "identity fields unreadable"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text(col: str) -> str:
    nulls = ", ".join(f"'{n}'" for n in NULLS)
    return f"CASE WHEN lower(trim(CAST({col} AS VARCHAR))) IN ({nulls}) THEN NULL ELSE trim(CAST({col} AS VARCHAR)) END"


def _arrow(con: duckdb.DuckDBPyConnection, sql: str, schema: pa.Schema) -> pa.Table:
    table = con.sql(sql).to_arrow_table()
    if table is None:  # pragma: no cover - DuckDB always returns a table for a SELECT
        raise RuntimeError("no result")
    return table.cast(schema)


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    rows = con.execute(sql).fetchall()
    return int(rows[0][0]) if rows else 0


def ingest_columnar(
    dataset: AisDataset, path: Path, kind: str, layout: Layout | None, report: IngestReport
) -> None:
    try:
        _ingest(dataset, path, kind, layout, report)
    except duckdb.Error as exc:
        # A layout DuckDB rejects (e.g. a bad --time-format) or a file it cannot read:
        # one line, and nothing has been merged into the dataset yet.
        reason = str(exc).splitlines()[0].split(": ", 1)[-1][:160]
        raise InputError(str(path), f"cannot ingest: {reason}") from None


def _ingest(
    dataset: AisDataset, path: Path, kind: str, layout: Layout | None, report: IngestReport
) -> None:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    if kind == "csv":
        source = f"read_csv({sql_text(path)}, header = true, all_varchar = true, store_rejects = true, sample_size = -1)"
    else:
        source = f"read_parquet({sql_text(path)})"
    try:
        header = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
    except duckdb.Error as exc:
        label = "Parquet" if kind == "parquet" else "CSV"
        reason = str(exc).splitlines()[0].split(": ", 1)[-1][:120]
        raise InputError(str(path), f"not a readable {label} file ({reason})") from None
    names = {h.strip().lstrip("\ufeff"): h for h in header}
    if layout is None:
        layout = (
            sniff_layout(list(names))
            if kind == "csv"
            else Layout(
                "parquet",
                {
                    f: f
                    for f in (*REQUIRED, "sog", "cog", "heading", *IDENTITY_FIELDS)
                    if f in names
                },
            )
        )
    if layout is None:
        raise InputError(
            str(path),
            f"unrecognised AIS CSV columns ({', '.join(list(names)[:8])}…); give a mapping with --map",
        )
    missing = [c for f, c in layout.columns.items() if f in REQUIRED and c not in names]
    if missing:
        what = f"the {layout.name} layout needs" if kind == "csv" else "Parquet file lacks"
        raise InputError(
            str(path),
            f"{what} column(s) {', '.join(missing)}"
            + (", which the file lacks" if kind == "csv" else ""),
        )
    report.format = layout.name
    col = {f: _q(names[c]) for f, c in layout.columns.items() if c in names}

    fields = list(col)
    # Stage 1: each mapped column normalised to text once ("None", "nan", "" -> NULL).
    con.execute(
        "CREATE TABLE txt AS SELECT row_number() OVER () + 1 AS row_no, "
        + ", ".join(f"{_text(col[f])} AS t_{f}" for f in fields)
        + ", "
        + ", ".join(f"CAST({col[f]} AS VARCHAR) AS raw_{f}" for f in REQUIRED)
        + f" FROM {source}"
    )

    def number(field: str) -> str:
        return f"TRY_CAST(t_{field} AS DOUBLE)" if field in col else "NULL"

    def text(field: str) -> str:
        return f"t_{field}" if field in col else "NULL"

    identity_present = (
        " OR ".join(f"t_{f} IS NOT NULL" for f in IDENTITY_FIELDS if f in col) or "false"
    )
    numbers_bad = " OR ".join(
        f"(t_{f} IS NOT NULL AND {number(f)} IS NULL)"
        for f in ("lat", "lon", "sog", "cog", "heading")
        if f in col
    )
    sample = " || ', ' || ".join(f"'{f}=' || coalesce(left(raw_{f}, 20), 'None')" for f in REQUIRED)
    if layout.time_format == "iso":
        ts = "TRY_CAST(replace(t_ts, 'Z', '+00:00') AS TIMESTAMPTZ)"
    else:
        ts = f"CAST(try_strptime(t_ts, {sql_text(layout.time_format)}) AS TIMESTAMPTZ)"
    # Stage 2: typed values, computed once from the normalised text.
    con.execute(
        f"""CREATE TABLE rows AS
        SELECT row_no, TRY_CAST({number("mmsi")} AS BIGINT) AS mmsi, {ts} AS ts,
               {number("lat")} AS lat, {number("lon")} AS lon, t_lat IS NULL AND t_lon IS NULL AS no_position,
               {number("sog")} AS sog, {number("cog")} AS cog, {number("heading")} AS heading,
               {numbers_bad} AS bad_numbers, ({identity_present}) AS has_identity,
               {text("name")} AS name, {text("imo")} AS imo, {text("call_sign")} AS call_sign,
               {text("ship_type")} AS ship_type_text, {number("length")} AS length, {number("width")} AS width,
               {text("destination")} AS destination, raw_mmsi, raw_ts, raw_lat, raw_lon
        FROM txt"""
    )
    con.execute(
        f"""CREATE TABLE classified AS SELECT *,
            CASE WHEN mmsi IS NULL OR ts IS NULL THEN '{NO_ID_OR_TIME}'
                 WHEN mmsi <= 0 THEN '{BAD_ID}'
                 WHEN no_position AND NOT has_identity THEN '{NOTHING}'
                 WHEN no_position THEN NULL
                 WHEN bad_numbers THEN '{BAD_NUMBERS}'
                 WHEN NOT (lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180) THEN '{OFF_GLOBE}'
            END AS reason,
            NOT (mmsi IS NULL OR ts IS NULL OR mmsi <= 0 OR (NOT no_position AND bad_numbers)) AND has_identity AS identity_row,
            ship_type_text IS NOT NULL AND TRY_CAST(TRY_CAST(ship_type_text AS DOUBLE) AS INTEGER) IS NULL AS bad_identity
        FROM rows"""
    )
    report.lines += _count(con, "SELECT count(*) FROM rows")
    if kind == "csv":
        for line, error in con.execute(
            "SELECT line, error_message FROM reject_errors ORDER BY line"
        ).fetchall():
            report.reject("rows CSV could not parse", f"row {line}: {str(error)[:120]}")
    for reason, row_no, example in con.execute(
        f"""SELECT reason, row_no, sample FROM (
              SELECT reason, row_no, {sample} AS sample, row_number() OVER (PARTITION BY reason ORDER BY row_no) AS k
              FROM classified WHERE reason IS NOT NULL) WHERE k <= {MAX_EXAMPLES} ORDER BY reason, row_no"""
    ).fetchall():
        report.reject(reason, f"row {row_no}: {example}")
    for reason, count in con.execute(
        "SELECT reason, count(*) FROM classified WHERE reason IS NOT NULL GROUP BY reason"
    ).fetchall():
        report.rejected[reason] = int(count)
    for row_no, example in con.execute(
        f"SELECT row_no, {sample} FROM classified WHERE identity_row AND bad_identity ORDER BY row_no LIMIT {MAX_EXAMPLES}"
    ).fetchall():
        report.reject(BAD_IDENTITY, f"row {row_no}: {example}")
    bad_ids = _count(con, "SELECT count(*) FROM classified WHERE identity_row AND bad_identity")
    if bad_ids:
        report.rejected[BAD_IDENTITY] = bad_ids
    positions = _arrow(
        con,
        f"""SELECT mmsi, ts, lat, lon, CAST(sog AS FLOAT) AS sog, CAST(cog AS FLOAT) AS cog,
                   CAST(CASE WHEN heading = 511 THEN NULL ELSE heading END AS FLOAT) AS heading, {sql_text(report.file)} AS source
            FROM classified WHERE reason IS NULL AND NOT no_position""",
        POSITION_SCHEMA,
    )
    identities = _arrow(
        con,
        f"""SELECT mmsi, ts, name, CASE WHEN imo LIKE 'IMO%' THEN substr(imo, 4) ELSE imo END AS imo, call_sign,
                   CAST(TRY_CAST(ship_type_text AS DOUBLE) AS INTEGER) AS ship_type,
                   CAST(length AS FLOAT) AS length, CAST(width AS FLOAT) AS width, destination,
                   CAST(NULL AS VARCHAR) AS flag, {sql_text(report.file)} AS source
            FROM classified WHERE identity_row AND NOT bad_identity""",
        IDENTITY_SCHEMA,
    )
    con.close()
    new = dataset.add_positions(positions)
    report.positions += new
    report.duplicates += positions.num_rows - new
    report.identities += dataset.add_identities(identities)
