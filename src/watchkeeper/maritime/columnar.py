"""Vectorised ingest of CSV and Parquet: one parallel read per file, then DuckDB.

The mapped columns are typed as the file is read: CSV with ISO times by Arrow's
multi-threaded reader when every value converts, otherwise by DuckDB's (a value that does
not parse is a rejected row, with its line, from its reject table); Parquet by DuckDB.
Every row is classified in SQL (a row gets the first reason that applies, in the order
below); positions are de-duplicated on (MMSI, time, latitude, longitude) and written as
one file per day (one file in all when the file holds one day, as providers deliver
them); identity fields are folded into spans (one row per vessel and identity). All of it
runs in parallel, without Python per row. No row is numbered and no day partition
rewritten: line numbers are looked up afterwards for the few rejected rows given as
examples.
"""

from __future__ import annotations

import csv
import uuid
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from watchkeeper.errors import InputError
from watchkeeper.maritime.dataset import (
    DAY,
    PARQUET,
    AisDataset,
    connect,
    identity_spans_sql,
    sql_text,
)
from watchkeeper.maritime.records import MATERIAL_KEY, MAX_EXAMPLES, IngestReport
from watchkeeper.maritime.tabular import (
    IDENTITY_FIELDS,
    NULLS,
    POSITION_FIELDS,
    REQUIRED,
    Layout,
    sniff_layout,
)

# The reasons, in the order rows are tested (a row gets the first that applies).
NO_ID_OR_TIME = "rows without a readable vessel id or time"
BAD_ID = "rows with an invalid vessel id"
NOTHING = "rows with neither a position nor an identity"
BAD_NUMBERS = "rows with unreadable numbers"
OFF_GLOBE = "positions off the globe"
BAD_IDENTITY = "identity fields unreadable"
UNPARSED = "rows CSV could not parse"
REASONS = {1: NO_ID_OR_TIME, 2: BAD_ID, 3: NOTHING, 4: BAD_NUMBERS, 5: OFF_GLOBE}
NUMBERS = ("lat", "lon", "sog", "cog", "heading")
# Parquet column types read as numbers without a cast that could fail.
NUMERIC = ("DOUBLE", "FLOAT", "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "UBIGINT", "UINTEGER",
           "USMALLINT", "UTINYINT")  # fmt: skip
# Every spelling of "no value" the readers treat as NULL, in the cases seen in exports.
NULL_SPELLINGS = sorted({s for n in NULLS for s in (n, n.upper(), n.capitalize())} | {"NaN"})


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _first_line(exc: Exception, limit: int = 160) -> str:
    return str(exc).splitlines()[0].split(": ", 1)[-1][:limit]


def ingest_columnar(
    dataset: AisDataset, path: Path, kind: str, layout: Layout | None, report: IngestReport
) -> None:
    try:
        _ingest(dataset, path, kind, layout, report)
    except duckdb.Error as exc:
        # A layout DuckDB rejects (e.g. a bad --time-format) or a file it cannot read:
        # one line, and nothing has been published into the dataset.
        raise InputError(str(path), f"cannot ingest: {_first_line(exc)}") from None


def _csv_reader(path: Path, types: dict[str, str], time_format: str, rejects: bool) -> str:
    options = [
        "header = true",
        "all_varchar = true",
        "types = {" + ", ".join(f"{sql_text(c)}: {sql_text(t)}" for c, t in types.items()) + "}",
        "nullstr = [" + ", ".join(sql_text(n) for n in NULL_SPELLINGS) + "]",
    ]
    if time_format != "iso":
        options.append(f"timestampformat = {sql_text(time_format)}")
    if rejects:
        options.append("store_rejects = true")
    return f"read_csv({sql_text(path)}, {', '.join(options)})"


ARROW_ROWS = "arrow_rows"
ARROW_CSV_MAX_BYTES = 2_000_000_000
"""Larger CSV files go to DuckDB's reader, which spills to disk; Arrow's holds the file."""


def _arrow_csv(path: Path, layout: Layout, col: dict[str, str]) -> pa.Table | None:
    """A CSV file with ISO times read by Arrow's multi-threaded reader, its columns named
    by field; None when the file is not one it reads exactly (a value that does not
    convert, a time with a zone offset, a ragged row, another delimiter, a custom time
    format, a file over ARROW_CSV_MAX_BYTES), which DuckDB's reader then reads, each
    refused row with its line from its reject table. Arrow parses the clean files
    providers deliver in about two thirds of DuckDB's CPU time (bench/maritime/README.md);
    both give the same rows (tests/maritime/test_ingest.py)."""
    if (
        layout.time_format != "iso"
        or path.stat().st_size > ARROW_CSV_MAX_BYTES
        or len(set(col.values())) < len(col)  # one column mapped to two fields
    ):
        return None
    types: dict[str, pa.DataType] = {col["mmsi"]: pa.float64(), col["ts"]: pa.timestamp("us")}
    types.update({col[f]: pa.float64() for f in NUMBERS if f in col})
    types.update({col[f]: pa.string() for f in IDENTITY_FIELDS if f in col})
    fields = {column: field for field, column in col.items() if column in types}
    try:
        table = pacsv.read_csv(
            path,
            parse_options=pacsv.ParseOptions(delimiter=","),
            convert_options=pacsv.ConvertOptions(
                column_types=types,
                include_columns=list(types),
                null_values=NULL_SPELLINGS,
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowException, OSError, ValueError):
        return None
    table = table.rename_columns([fields[name] for name in table.column_names])
    # Times without a zone are UTC, as DuckDB reads them here (TimeZone = UTC).
    at = table.schema.get_field_index("ts")
    return table.set_column(at, "ts", table.column(at).cast(pa.timestamp("us", "UTC")))


def _comma_header(path: Path) -> list[str] | None:
    """The column names of a plain comma-separated header line, read directly: DuckDB's
    probe sniffs the dialect from a sample of the file, which costs a quarter of a CPU
    second and more in wall time per file on the files providers deliver. None (DuckDB's
    probe decides) for anything less plain: another delimiter possible, a quoted line
    break, a missing, empty or repeated name, bytes that are not UTF-8."""
    with path.open("rb") as fh:
        line = fh.readline(1 << 16)
    try:
        text = line.decode("utf-8-sig").rstrip("\r\n")
    except UnicodeDecodeError:
        return None
    if not line.endswith(b"\n") or any(c in text for c in ";\t|") or text.count('"') % 2:
        return None
    names = next(csv.reader([text]), [])
    if len(names) < 2 or len(set(names)) < len(names) or not all(n.strip() for n in names):
        return None
    return names


def _layout_for(
    con: duckdb.DuckDBPyConnection, path: Path, kind: str, layout: Layout | None
) -> tuple[Layout, dict[str, str]]:
    """The layout to read ``path`` with, and each field's column as the file spells it."""
    header = _comma_header(path) if kind == "csv" else None
    if header is None:
        probe = (
            f"read_csv({sql_text(path)}, header = true, all_varchar = true)"
            if kind == "csv"
            else f"read_parquet({sql_text(path)})"
        )
        try:
            header = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {probe}").fetchall()]
        except duckdb.Error as exc:
            label = "Parquet" if kind == "parquet" else "CSV"
            raise InputError(
                str(path), f"not a readable {label} file ({_first_line(exc, 120)})"
            ) from None
    names = {h.strip().lstrip("\ufeff"): h for h in header}
    if layout is None:
        if kind == "csv":
            layout = sniff_layout(list(names))
        else:
            fields = (*REQUIRED, *POSITION_FIELDS, *IDENTITY_FIELDS)
            layout = Layout("parquet", {f: f for f in fields if f in names})
    if layout is None:
        raise InputError(
            str(path),
            f"unrecognised AIS CSV columns ({', '.join(list(names)[:8])}…); give a mapping with --map",
        )
    needed = [c for f, c in layout.columns.items() if f in REQUIRED and c not in names]
    has_position = all(layout.columns.get(f) in names for f in ("lat", "lon"))
    has_identity = any(layout.columns.get(f) in names for f in IDENTITY_FIELDS)
    if not has_position and not has_identity:
        needed += [
            layout.columns.get(f, f) for f in ("lat", "lon") if layout.columns.get(f) not in names
        ]
    if needed:
        what = f"the {layout.name} layout needs" if kind == "csv" else "Parquet file lacks"
        raise InputError(
            str(path),
            f"{what} column(s) {', '.join(needed)}"
            + (", which the file lacks" if kind == "csv" else "")
            + (
                ""
                if kind == "csv"
                else " (positions need lat and lon; identities a name, imo or call_sign)"
            ),
        )
    return layout, {f: names[c] for f, c in layout.columns.items() if c in names}


def _ingest(
    dataset: AisDataset, path: Path, kind: str, layout: Layout | None, report: IngestReport
) -> None:
    with dataset.staging() as stage:
        con = connect(stage.folder / "tmp")
        layout, col = _layout_for(con, path, kind, layout)
        report.format = layout.name
        arrow = _arrow_csv(path, layout, col) if kind == "csv" else None
        if arrow is not None:
            con.register(ARROW_ROWS, arrow)
            source = ARROW_ROWS

            def value(field: str) -> str:
                return _q(field) if field in col else "NULL"

            bad_numbers = "false"
        elif kind == "csv":
            types = {col["mmsi"]: "DOUBLE"}
            types[col["ts"]] = "TIMESTAMPTZ" if layout.time_format == "iso" else "TIMESTAMP"
            types.update({col[f]: "DOUBLE" for f in NUMBERS if f in col})
            source = _csv_reader(path, types, layout.time_format, rejects=True)

            def value(field: str) -> str:
                return _q(col[field]) if field in col else "NULL"

            bad_numbers = "false"
        else:
            source = f"read_parquet({sql_text(path)})"
            metadata = pq.read_schema(path).metadata or {}
            report.simulated = metadata.get(MATERIAL_KEY) == b"simulated"
            # Columns already stored as numbers and times need no cast, and cannot hold
            # an unreadable value: most Parquet files are typed, so most rows skip both.
            typed_as = {
                str(name): str(kind_)
                for name, kind_, *_ in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
            }

            def stored(field: str) -> bool:
                wanted = NUMERIC if field in ("mmsi", *NUMBERS) else ("TIMESTAMP WITH TIME ZONE",)
                return field in ("ts", "mmsi", *NUMBERS) and typed_as.get(col[field]) in wanted

            def value(field: str) -> str:
                if field not in col:
                    return "NULL"
                if stored(field):  # a cast between numbers never fails
                    return _q(col[field]) if field == "ts" else f"CAST({_q(col[field])} AS DOUBLE)"
                if field == "ts":
                    return f"TRY_CAST({_q(col[field])} AS TIMESTAMPTZ)"
                if field in ("mmsi", *NUMBERS):
                    return f"TRY_CAST({_q(col[field])} AS DOUBLE)"
                return f"CAST({_q(col[field])} AS VARCHAR)"

            bad_numbers = (
                " OR ".join(
                    f"({_q(col[f])} IS NOT NULL AND {value(f)} IS NULL)"
                    for f in NUMBERS
                    if f in col and not stored(f)
                )
                or "false"
            )

        identity_present = " OR ".join(f"{f} IS NOT NULL" for f in IDENTITY_FIELDS if f in col)
        typed = f"""
            SELECT TRY_CAST({value("mmsi")} AS BIGINT) AS mmsi, CAST({value("ts")} AS TIMESTAMPTZ) AS ts,
                   {value("lat")} AS lat, {value("lon")} AS lon, {value("sog")} AS sog,
                   {value("cog")} AS cog, {value("heading")} AS heading, ({bad_numbers}) AS bad_numbers,
                   {", ".join(f"{_text(value(f))} AS {f}" for f in IDENTITY_FIELDS)}
            FROM {source}"""
        classified = f"""
            SELECT *, CASE
                WHEN mmsi IS NULL OR ts IS NULL THEN 1
                WHEN mmsi <= 0 THEN 2
                WHEN (lat IS NULL OR lon IS NULL) AND NOT ({identity_present or "false"}) THEN 3
                WHEN lat IS NULL OR lon IS NULL THEN 0
                WHEN bad_numbers THEN 4
                WHEN NOT (lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180) THEN 5
                ELSE 0 END AS reason,
                lat IS NOT NULL AND lon IS NOT NULL AS has_position,
                ({identity_present or "false"}) AS has_identity
            FROM ({typed})"""
        con.execute(f"CREATE VIEW classified AS {classified}")
        # The rows, typed and classified, which the counts, the positions and the identity
        # spans below each read: a view over Arrow's table or the Parquet file (cheap to
        # read again), a working table for DuckDB's CSV reader (parsed once, spilled to the
        # staging folder beyond MEMORY_LIMIT).
        kept = ["mmsi", "ts", "lat", "lon", "reason", "has_position"]
        kept += [f"CAST({f} AS FLOAT) AS {f}" for f in ("sog", "cog") if f in col]
        if "heading" in col:
            kept.append(
                "CAST(CASE WHEN heading = 511 THEN NULL ELSE heading END AS FLOAT) AS heading"
            )
        if identity_present:
            kept += ["has_identity", *IDENTITY_FIELDS]
        reread = "VIEW" if arrow is not None or kind == "parquet" else "TEMP TABLE"
        con.execute(f"CREATE {reread} rows AS SELECT {', '.join(kept)} FROM classified")
        counts, first_day, last_day = _reason_counts(con)
        staged = counts.pop("positions", 0)

        # Positions de-duplicated on (MMSI, time, latitude, longitude): one file when the
        # file holds one day (as providers deliver them), else one per day.
        def positions(day: str = "") -> str:
            return positions_sql(col, sql_text(report.origin), day)

        if first_day is not None and first_day == last_day:
            folder = stage.target("positions") / f"day={first_day.isoformat()}"
            folder.mkdir(parents=True)
            target = folder / f"part-{uuid.uuid4().hex}.parquet"
            con.execute(f"COPY ({positions()}) TO {sql_text(target)} ({PARQUET})")
        elif first_day is not None:
            con.execute(
                f"COPY ({positions(f', {DAY} AS day')}) TO {sql_text(stage.target('positions'))}"
                f" ({PARQUET}, PARTITION_BY (day), FILENAME_PATTERN 'part-{{uuid}}')"
            )
        if identity_present:
            _stage_identities(con, stage.target("identities"), report)
        # Rejected rows: counts, and examples with their line numbers.
        report.lines = counts.pop("all")
        if kind == "csv" and arrow is None:
            report.lines += _csv_rejects(con, report, {col["mmsi"], col["ts"]})
        if counts:
            lines = _example_lines(con, kind, counts, arrow)
            for reason, examples in lines.items():
                for example in examples:
                    report.reject(REASONS[reason], example)
                report.rejected[REASONS[reason]] = counts[reason]
        published = stage.publish(con, "positions")
        report.positions += published.new
        report.duplicates += staged - published.new
        report.identities += stage.publish(con, "identities").new
        con.close()


def positions_sql(col: dict[str, str], source: str, day: str = "") -> str:
    """The good positions of ``rows``, de-duplicated on (MMSI, time, latitude, longitude)
    exactly, without aggregating every row: a hash of the key is counted (one 8-byte key
    per row, much cheaper than grouping on the four columns and folding the others), the
    rows whose hash occurs once are written as they are, and only the rows whose hash
    repeats (duplicates, and the astronomically rare collision of two different keys,
    which the exact GROUP BY then keeps apart) are grouped on the full key. In a
    provider's file almost every row is unique, so the costly path sees almost nothing
    (bench/maritime/README.md)."""

    def value(field: str, fold: str) -> str:
        if field not in col:
            return "CAST(NULL AS FLOAT)"
        return f"{fold}({field})" if fold else field

    good = "FROM rows WHERE reason = 0 AND has_position"
    key = "hash(mmsi, ts, lat, lon)"
    return f"""
        WITH repeated AS MATERIALIZED (SELECT {key} AS k {good} GROUP BY k HAVING count(*) > 1)
        SELECT mmsi, ts, lat, lon, {value("sog", "")} AS sog, {value("cog", "")} AS cog,
               {value("heading", "")} AS heading, {source} AS source,
               CAST(1 AS BIGINT) AS reports{day}
        {good} AND {key} NOT IN (SELECT k FROM repeated)
        UNION ALL
        SELECT mmsi, ts, lat, lon, {value("sog", "min")} AS sog, {value("cog", "min")} AS cog,
               {value("heading", "min")} AS heading, {source} AS source,
               count(*) AS reports{day}
        {good} AND {key} IN (SELECT k FROM repeated) GROUP BY mmsi, ts, lat, lon"""


def _text(expr: str) -> str:
    return "NULL" if expr == "NULL" else f"nullif(trim(CAST({expr} AS VARCHAR)), '')"


def _reason_counts(
    con: duckdb.DuckDBPyConnection,
) -> tuple[dict[int | str, int], date | None, date | None]:
    """Rows by reason (``all``: every row; ``positions``: good rows with a position), and
    the first and last day of the positions."""
    counts: dict[int | str, int] = {"all": 0}
    first: date | None = None
    last: date | None = None
    for reason, has_position, rows, low, high in con.execute(
        "SELECT reason, has_position, count(*), min(ts), max(ts) FROM rows GROUP BY ALL"
    ).fetchall():
        counts["all"] = int(counts["all"]) + rows
        if reason:
            counts[reason] = int(counts.get(reason, 0)) + rows
        elif has_position:
            counts["positions"], first, last = rows, low.date(), high.date()
    return counts, first, last


def _stage_identities(con: duckdb.DuckDBPyConnection, target: Path, report: IngestReport) -> None:
    """Identity fields of the good rows as spans; a ship type that is not a number loses
    the row's identity (its position is kept), counted as a reason of its own."""
    con.execute(
        """CREATE TABLE ident AS
            SELECT mmsi, name, imo, call_sign, ship_type, length, width, destination,
                   min(ts) AS ts, max(ts) AS last_ts, count(*) AS reports
            FROM rows WHERE reason IN (0, 5) AND has_identity
            GROUP BY mmsi, name, imo, call_sign, ship_type, length, width, destination"""
    )
    bad = "ship_type IS NOT NULL AND TRY_CAST(TRY_CAST(ship_type AS DOUBLE) AS INTEGER) IS NULL"
    bad_count = con.execute(
        f"SELECT CAST(sum(reports) AS BIGINT) FROM ident WHERE {bad}"
    ).fetchone()
    if bad_count and bad_count[0]:
        for mmsi, ship_type in con.execute(
            f"SELECT mmsi, ship_type FROM ident WHERE {bad} ORDER BY mmsi, ts LIMIT {MAX_EXAMPLES}"
        ).fetchall():
            report.reject(BAD_IDENTITY, f"mmsi={mmsi}, ship_type={str(ship_type)[:20]}")
        report.rejected[BAD_IDENTITY] = int(bad_count[0])
    spans = f"""
        SELECT mmsi, ts, last_ts, reports, name,
               CASE WHEN upper(imo) LIKE 'IMO%' THEN trim(substr(imo, 4)) ELSE imo END AS imo,
               call_sign, CAST(TRY_CAST(ship_type AS DOUBLE) AS INTEGER) AS ship_type,
               CAST(TRY_CAST(length AS DOUBLE) AS FLOAT) AS length,
               CAST(TRY_CAST(width AS DOUBLE) AS FLOAT) AS width, destination,
               CAST(NULL AS VARCHAR) AS flag, {sql_text(report.origin)} AS source
        FROM ident WHERE NOT ({bad})"""
    con.execute(
        f"COPY ({identity_spans_sql(f'({spans})')}) TO {sql_text(target)}"
        f" ({PARQUET}, PARTITION_BY (day), FILENAME_PATTERN 'part-{{uuid}}')"
    )


def _csv_rejects(
    con: duckdb.DuckDBPyConnection, report: IngestReport, id_and_time: set[str]
) -> int:
    """Rows the CSV reader itself refused (a value that does not parse, a wrong number of
    cells), each with its line: counted under the reason its column gives."""
    rows = con.execute(
        "SELECT line, column_name, error_type, error_message FROM reject_errors ORDER BY line"
    ).fetchall()
    seen: set[int] = set()
    for line, column, error_type, message in rows:
        if line in seen:
            continue
        seen.add(line)
        reason = UNPARSED
        if error_type == "CAST":
            reason = NO_ID_OR_TIME if column in id_and_time else BAD_NUMBERS
        report.reject(reason, f"row {line}: {str(message)[:120]}")
    return len(seen)


def _example_lines(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    counts: dict[int | str, int],
    arrow: pa.Table | None,
) -> dict[int, list[str]]:
    """Up to MAX_EXAMPLES rows per reason with their line (CSV: line in the file, the
    header being line 1; Parquet: row number). Read in file order, in batches, stopping
    as soon as every reason has its examples: only files with rejected rows pay for it."""
    wanted = {int(r) for r in counts}
    found: dict[int, list[str]] = {r: [] for r in wanted}
    sample = " || ', ' || ".join(
        f"'{f}=' || coalesce(left(CAST({f} AS VARCHAR), 20), 'None')" for f in REQUIRED
    )
    ordered = duckdb.connect()
    ordered.execute("SET TimeZone = 'UTC'")
    ordered.execute("SET enable_progress_bar = false")
    # The classification, over the file in order (insertion order kept on this one).
    view = con.execute("SELECT sql FROM duckdb_views() WHERE view_name = 'classified'").fetchone()
    assert view is not None
    if arrow is not None:
        ordered.register(ARROW_ROWS, arrow)
    ordered.execute(str(view[0]))
    rejected_lines = (
        [
            int(r[0])
            for r in con.execute("SELECT DISTINCT line FROM reject_errors ORDER BY 1").fetchall()
        ]
        if kind == "csv" and arrow is None
        else []
    )
    reader = ordered.sql(f"SELECT reason, {sample} AS sample FROM classified").to_arrow_reader(
        100_000
    )
    offset = 0
    skipped = 0
    for batch in reader:
        reasons = batch.column(0).to_pylist()
        samples = batch.column(1).to_pylist()
        for index, reason in enumerate(reasons):
            if reason in found and len(found[reason]) < MAX_EXAMPLES:
                row = offset + index + 1
                if kind == "csv":
                    # Lines the CSV reader refused are not in this stream: count them in.
                    line = row + 1 + skipped
                    while skipped < len(rejected_lines) and rejected_lines[skipped] <= line:
                        skipped += 1
                        line += 1
                    found[reason].append(f"row {line}: {samples[index]}")
                else:
                    found[reason].append(f"row {row}: {samples[index]}")
        offset += len(reasons)
        if all(len(v) >= min(MAX_EXAMPLES, int(counts[r])) for r, v in found.items()):
            break
    ordered.close()
    return found
