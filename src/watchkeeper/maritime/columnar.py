"""Vectorised ingest of CSV and Parquet with DuckDB, in one parallel pass per file.

DuckDB's readers type the mapped columns as they parse (a value that does not parse is a
rejected row, with its line, from the CSV reader's own reject table); every row is then
classified in SQL (a row gets the first reason that applies, in the order below),
positions are de-duplicated on (MMSI, time, latitude, longitude), identity fields folded
into spans (one row per vessel and identity), and everything is written into the
dataset's staging folder partitioned by day, in the same pass. No row is numbered and no
day partition rewritten: line numbers are looked up afterwards for the few rejected rows
given as examples.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from watchkeeper.errors import InputError
from watchkeeper.maritime.dataset import (
    AisDataset,
    connect,
    identity_spans_sql,
    sql_files,
    sql_text,
)
from watchkeeper.maritime.records import MAX_EXAMPLES, IngestReport
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


def _layout_for(
    con: duckdb.DuckDBPyConnection, path: Path, kind: str, layout: Layout | None
) -> tuple[Layout, dict[str, str]]:
    """The layout to read ``path`` with, and each field's column as the file spells it."""
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
        if kind == "csv":
            types = {col["mmsi"]: "DOUBLE"}
            types[col["ts"]] = "TIMESTAMPTZ" if layout.time_format == "iso" else "TIMESTAMP"
            types.update({col[f]: "DOUBLE" for f in NUMBERS if f in col})
            source = _csv_reader(path, types, layout.time_format, rejects=True)

            def value(field: str) -> str:
                return _q(col[field]) if field in col else "NULL"

            bad_numbers = "false"
        else:
            source = f"read_parquet({sql_text(path)})"

            def value(field: str) -> str:
                if field not in col:
                    return "NULL"
                if field == "ts":
                    return f"TRY_CAST({_q(col[field])} AS TIMESTAMPTZ)"
                if field in ("mmsi", *NUMBERS):
                    return f"TRY_CAST({_q(col[field])} AS DOUBLE)"
                return f"CAST({_q(col[field])} AS VARCHAR)"

            bad_numbers = (
                " OR ".join(
                    f"({_q(col[f])} IS NOT NULL AND {value(f)} IS NULL)"
                    for f in NUMBERS
                    if f in col
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
        # Positions (and the rejected rows, by reason) in one de-duplicating pass.
        con.execute(
            f"""COPY (
                SELECT mmsi, ts, lat, lon, CAST(min(sog) AS FLOAT) AS sog, CAST(min(cog) AS FLOAT) AS cog,
                       CAST(min(CASE WHEN heading = 511 THEN NULL ELSE heading END) AS FLOAT) AS heading,
                       {sql_text(report.file)} AS source, count(*) AS reports,
                       CASE WHEN reason = 0 AND has_position THEN 'positions' ELSE 'reason' || reason END AS part,
                       CAST(ts AS DATE) AS day
                FROM classified GROUP BY mmsi, ts, lat, lon, reason, has_position
            ) TO {sql_text(stage.folder)} (FORMAT PARQUET, PARTITION_BY (part, day), FILENAME_PATTERN 'part-{{uuid}}')"""
        )
        _rename_parts(stage.folder)
        if identity_present:
            _stage_identities(con, stage.target("identities"), report)
        # Rejected rows: counts, and examples with their line numbers.
        counts = _reason_counts(con, stage.folder)
        report.lines = counts.pop("all")
        if kind == "csv":
            report.lines += _csv_rejects(con, report, {col["mmsi"], col["ts"]})
        if counts:
            lines = _example_lines(con, path, kind, source, counts)
            for reason, examples in lines.items():
                for example in examples:
                    report.reject(REASONS[reason], example)
                report.rejected[REASONS[reason]] = counts[reason]
        staged = _sum(con, stage.folder / "positions", "reports")
        published = stage.publish(con, "positions")
        report.positions += published.new
        report.duplicates += staged - published.new
        report.identities += stage.publish(con, "identities").new
        con.close()


def _text(expr: str) -> str:
    return "NULL" if expr == "NULL" else f"nullif(trim(CAST({expr} AS VARCHAR)), '')"


def _rename_parts(folder: Path) -> None:
    """``part=positions/day=…`` -> ``positions/day=…``; rejected rows stay as ``part=reasonN``."""
    source = folder / "part=positions"
    if source.is_dir():
        source.rename(folder / "positions")


def _sum(con: duckdb.DuckDBPyConnection, folder: Path, column: str) -> int:
    files = sorted(folder.glob("day=*/*.parquet"))
    if not files:
        return 0
    row = con.execute(f"SELECT sum({column}) FROM read_parquet([{sql_files(files)}])").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _reason_counts(con: duckdb.DuckDBPyConnection, folder: Path) -> dict[int | str, int]:
    counts: dict[int | str, int] = {"all": _sum(con, folder / "positions", "reports")}
    for part in folder.glob("part=reason*"):
        reason = int(part.name.removeprefix("part=reason"))
        total = _sum(con, part, "reports")
        counts["all"] = int(counts["all"]) + total
        if reason:
            counts[reason] = total
    return counts


def _stage_identities(con: duckdb.DuckDBPyConnection, target: Path, report: IngestReport) -> None:
    """Identity fields of the good rows as spans; a ship type that is not a number loses
    the row's identity (its position is kept), counted as a reason of its own."""
    con.execute(
        """CREATE TABLE ident AS
            SELECT mmsi, name, imo, call_sign, ship_type, length, width, destination,
                   min(ts) AS ts, max(ts) AS last_ts, count(*) AS reports
            FROM classified WHERE reason IN (0, 5) AND has_identity
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
               CAST(NULL AS VARCHAR) AS flag, {sql_text(report.file)} AS source
        FROM ident WHERE NOT ({bad})"""
    con.execute(
        f"COPY ({identity_spans_sql(f'({spans})')}) TO {sql_text(target)}"
        " (FORMAT PARQUET, PARTITION_BY (day), FILENAME_PATTERN 'part-{uuid}')"
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
    path: Path,
    kind: str,
    source: str,
    counts: dict[int | str, int],
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
    ordered.execute(str(view[0]))
    rejected_lines = (
        [
            int(r[0])
            for r in con.execute("SELECT DISTINCT line FROM reject_errors ORDER BY 1").fetchall()
        ]
        if kind == "csv"
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
