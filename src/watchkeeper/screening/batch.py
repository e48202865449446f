"""Batch screening of a CSV file: parse and check each row, screen, write results.

Input columns: ``id, name, schema`` and optionally ``country, birth_date, imo,
identifiers`` (``identifiers``: ``;``-separated, each ``kind:value`` or a bare value
compared with identifiers of any kind). A bad row (wrong number of cells, unknown schema,
no name, an oversized field, invalid UTF-8) goes to the errors file with its line and
reason; the batch goes on. A bad header stops before anything is written.

Rows are screened by ``workers`` forked processes that share the index copy-on-write.
"""

from __future__ import annotations

import csv
import gc
import itertools
import multiprocessing
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from watchkeeper.errors import InputError
from watchkeeper.exports.cells import SafeWriter
from watchkeeper.screening.index import ID_KINDS, normalise_id
from watchkeeper.screening.score import SCHEMATA, THRESHOLD, Match, Query
from watchkeeper.screening.screener import Screener

REQUIRED = ("id", "name", "schema")
OPTIONAL = ("country", "birth_date", "imo", "identifiers")
OUTPUT = (
    "query_id",
    "entity_id",
    "caption",
    "score",
    "match",
    "datasets",
    "list_ids",
    "explanation",
)
MAX_FIELD = 2000  # characters; a longer name or identifier is refused, not truncated
CHUNK = 256


@dataclass(frozen=True)
class RowError:
    line: int
    query_id: str
    reason: str


def _check_header(path: str, header: list[str] | None) -> list[str]:
    if not header:
        raise InputError(path, "the file is empty; expected a header row: id,name,schema")
    header = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(path, f"missing column(s) {', '.join(missing)} in the header", "line 1")
    extra = [c for c in header if c not in REQUIRED + OPTIONAL]
    if extra:
        raise InputError(
            path,
            f"unknown column(s) {', '.join(extra)}; allowed: {', '.join(REQUIRED + OPTIONAL)}",
            "line 1",
        )
    return header


def parse_identifiers(text: str) -> list[tuple[str, str]]:
    out = []
    for item in text.split(";"):
        item = item.strip()
        if not item:
            continue
        kind, sep, value = item.partition(":")
        kind = kind.strip().lower()
        if not sep or kind not in ID_KINDS:
            kind, value = "*", item
        norm = normalise_id(kind, value)
        if norm:
            out.append((kind, norm))
    return out


def parse_row(header: list[str], cells: list[str], line: int) -> Query | RowError:
    qid = cells[0].strip() if cells else ""
    if len(cells) != len(header):
        return RowError(line, qid, f"{len(cells)} cells where the header has {len(header)}")
    row = dict(zip(header, (c.strip() for c in cells), strict=True))
    for column, value in row.items():
        if any("\udc80" <= ch <= "\udcff" for ch in value):
            return RowError(line, qid, f"column {column} is not valid UTF-8")
        if len(value) > MAX_FIELD:
            return RowError(
                line, qid, f"column {column} is {len(value):,} characters (limit {MAX_FIELD:,})"
            )
    if not row["id"]:
        return RowError(line, qid, "empty id")
    if row["schema"] not in SCHEMATA:
        return RowError(
            line, qid, f"unknown schema {row['schema']!r}; one of {', '.join(SCHEMATA)}"
        )
    ids = parse_identifiers(row.get("identifiers", ""))
    if row.get("imo"):
        imo = normalise_id("imo", row["imo"])
        if imo:
            ids.append(("imo", imo))
    if not row["name"] and not ids:
        return RowError(line, qid, "empty name and no identifiers")
    query = Query(
        row["id"],
        row["schema"],
        (row["name"],) if row["name"] else (),
        (row["birth_date"],) if row.get("birth_date") else (),
        tuple(c.strip().lower() for c in row.get("country", "").split(";") if c.strip()),
        tuple(ids),
    )
    if not ids and not query.readings():
        return RowError(line, qid, "the name has no letters or digits to match on")
    return query


def read_queries(path: Path, lines: Iterable[str]) -> Iterator[Query | RowError]:
    """Queries and row errors in file order. The file must be opened with
    ``errors="surrogateescape"`` so that invalid UTF-8 is reported per row."""
    csv.field_size_limit(sys.maxsize)
    reader = csv.reader(lines)
    try:
        header = _check_header(str(path), next(reader, None))
        for cells in reader:
            if not cells:
                continue
            yield parse_row(header, cells, reader.line_num)
    except csv.Error as exc:
        raise InputError(
            str(path), f"not a readable CSV file: {exc}", f"line {reader.line_num}"
        ) from None


def match_row(match: Match) -> list[str]:
    entity = match.entity
    return [
        match.query_id,
        entity.id,
        entity.caption,
        f"{match.score:.4f}",
        "true" if match.match else "false",
        ";".join(entity.datasets),
        ";".join(entity.list_ids),
        match.explain(),
    ]


def empty_row(query: Query) -> list[str]:
    return [query.id, "", "", "", "false", "", "", "no candidate"]


# -- parallel screening ---------------------------------------------------------------------

_WORKER: tuple[Screener, int, float, float] | None = None


def _screen_chunk(queries: list[Query]) -> list[list[list[str]]]:
    assert _WORKER is not None
    screener, limit, threshold, min_score = _WORKER
    rows = [rows_for(screener, q, limit, threshold, min_score) for q in queries]
    # What survived the chunk (mostly name-analysis caches) leaves the collector's reach,
    # so that full collections do not keep walking it (see web/service.py, Service.tick).
    gc.collect(1)
    gc.freeze()
    return rows


def rows_for(
    screener: Screener, query: Query, limit: int, threshold: float, min_score: float
) -> list[list[str]]:
    matches = [m for m in screener.match(query, limit, threshold) if m.score >= min_score]
    return [match_row(m) for m in matches] or [empty_row(query)]


def _chunks(items: Iterable[Query], size: int) -> Iterator[list[Query]]:
    chunk: list[Query] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def screen_queries(
    screener: Screener,
    queries: Iterable[Query],
    limit: int = 3,
    threshold: float = THRESHOLD,
    min_score: float = 0.5,
    workers: int = 1,
) -> Iterator[list[list[str]]]:
    """Output rows per query, in input order."""
    global _WORKER
    _WORKER = (screener, limit, threshold, min_score)
    if workers <= 1:
        for part in _chunks(queries, CHUNK):
            yield from _screen_chunk(part)
        return
    # Keep the index out of the collector's passes: no pauses, and forked workers do not
    # copy the pages the collector would otherwise touch.
    gc.freeze()
    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:
        for chunk in pool.imap(_screen_chunk, _chunks(queries, CHUNK)):
            yield from chunk


@dataclass
class BatchSummary:
    queries: int = 0
    matched: int = 0
    rows: int = 0
    errors: int = 0


class ResultFiles:
    """The results CSV and the errors CSV of one batch, with their headers, counted into
    a summary as rows are written. One writer for the local and the Spark run, so both
    give the same files."""

    def __init__(self, output_path: Path, errors_path: Path) -> None:
        self.summary = BatchSummary()
        self._out = output_path.open("w", encoding="utf-8", newline="")
        self._err = errors_path.open("w", encoding="utf-8", newline="")
        # Cells beginning like a formula (a listed or queried "=...") are prefixed so
        # that no spreadsheet runs them (exports.cells).
        self._rows = SafeWriter(self._out)
        self._rows.writerow(OUTPUT)
        self._errors = SafeWriter(self._err)
        self._errors.writerow(["line", "query_id", "reason"])

    def __enter__(self) -> ResultFiles:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._out.close()
        self._err.close()

    def query(self, rows: list[list[str]]) -> None:
        self.summary.queries += 1
        self.summary.matched += any(r[4] == "true" for r in rows)
        self.summary.rows += len(rows)
        self._rows.writerows(rows)

    def refuse(self, item: RowError) -> None:
        self.summary.errors += 1
        self._errors.writerow([item.line, printable(item.query_id), item.reason])


def screen_file(
    screener: Screener,
    input_path: Path,
    output_path: Path,
    errors_path: Path,
    limit: int = 3,
    threshold: float = THRESHOLD,
    min_score: float = 0.5,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    korean: bool | None = None,
) -> BatchSummary:
    """Screen ``input_path`` into ``output_path``; bad rows go to ``errors_path``.
    ``progress`` is told, after each query written, how many bytes of the file have been
    read and how many queries screened. ``korean`` is the user's choice for names in Han
    characters (``Query.korean``: True reads them in Korean too, False never, None by
    each row's country)."""
    done = [0]

    def counted(handle: IO[str]) -> Iterator[str]:
        for line in handle:
            done[0] += len(line.encode("utf-8", "surrogateescape"))
            yield line

    with open_input(input_path) as handle:
        items = read_queries(input_path, counted(handle))
        first = next(items, None)  # header problems raise here, before any output
        with ResultFiles(output_path, errors_path) as files:

            def good() -> Iterator[Query]:
                for item in itertools.chain([first] if first is not None else [], items):
                    if isinstance(item, RowError):
                        files.refuse(item)
                    else:
                        yield item if korean is None else replace(item, korean=korean)

            for rows in screen_queries(screener, good(), limit, threshold, min_score, workers):
                files.query(rows)
                if progress is not None:
                    progress(done[0], files.summary.queries)
    return files.summary


def open_input(path: Path) -> IO[str]:
    """The input CSV as text. A byte-order mark (what Excel writes before "UTF-8 CSV")
    is dropped; invalid UTF-8 is kept, escaped, to be reported per row."""
    return path.open(encoding="utf-8-sig", errors="surrogateescape", newline="")


def printable(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")[:200]
