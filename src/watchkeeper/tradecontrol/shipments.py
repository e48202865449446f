"""The shipments CSV, read row by row.

One line per shipment item. Columns (a header row is required; names in any case and
order): ``id`` and at least one of ``description`` and ``hs_code``; optionally
``quantity, value, currency, origin, destination, shipper, consignee, notify_party,
vessel``. UTF-8 with or without the byte-order mark Excel writes, or UTF-16 with its
mark; ``,`` or ``;`` between cells (read from the header). A bad row (a wrong number of
cells, invalid UTF-8 or a NUL, an oversized cell, no id, neither description nor code, a
quantity or value that is not a number) is returned as a ``RowError`` naming its line,
and reading goes on; a bad header stops before anything is screened.
"""

from __future__ import annotations

import codecs
import csv
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from watchkeeper.errors import InputError

COLUMNS = (
    "id",
    "description",
    "hs_code",
    "quantity",
    "value",
    "currency",
    "origin",
    "destination",
    "shipper",
    "consignee",
    "notify_party",
    "vessel",
)
ALIASES = {"notify party": "notify_party", "hs": "hs_code", "hs code": "hs_code"}
MAX_CELL = 4000  # characters; a longer cell is refused with its row, not truncated
NUMERIC = ("quantity", "value")
# what surrogateescape makes of bytes that are not UTF-8
ESCAPED = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True, slots=True)
class ShipmentLine:
    line: int
    id: str
    description: str = ""
    hs_code: str = ""
    quantity: str = ""
    value: str = ""
    currency: str = ""
    origin: str = ""
    destination: str = ""
    shipper: str = ""
    consignee: str = ""
    notify_party: str = ""
    vessel: str = ""


@dataclass(frozen=True)
class RowError:
    file: str
    line: int
    id: str
    reason: str


def read_header(path: str, cells: list[str] | None) -> list[str]:
    if not cells:
        raise InputError(path, "the file is empty; expected a header row starting with id")
    header = [ALIASES.get(c.strip().lower(), c.strip().lower()) for c in cells]
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        raise InputError(
            path,
            f"unknown column(s) {', '.join(unknown)}; allowed: {', '.join(COLUMNS)}",
            "line 1",
        )
    if "id" not in header:
        raise InputError(path, "no id column in the header", "line 1")
    if "description" not in header and "hs_code" not in header:
        raise InputError(path, "neither a description nor an hs_code column", "line 1")
    if len(set(header)) != len(header):
        raise InputError(path, "a column is named twice in the header", "line 1")
    return header


def _number(text: str) -> bool:
    if text.isdigit():
        return True
    try:
        float(text.replace(" ", "").replace(",", "."))
    except ValueError:
        return False
    return True


def parse_row(path: str, header: list[str], cells: list[str], line: int) -> ShipmentLine | RowError:
    first = cells[0].strip()[:200] if cells else ""
    if len(cells) != len(header):
        return RowError(path, line, first, f"{len(cells)} cells where the header has {len(header)}")
    joined = "".join(cells)
    if "\x00" in joined or ESCAPED.search(joined) or len(joined) > MAX_CELL:  # the rare case
        for column, value in zip(header, cells, strict=True):
            if "\x00" in value:
                return RowError(path, line, first, f"column {column} holds a NUL byte")
            if ESCAPED.search(value):
                return RowError(path, line, first, f"column {column} is not valid UTF-8")
            if len(value) > MAX_CELL:
                return RowError(
                    path,
                    line,
                    first,
                    f"column {column} is {len(value):,} characters (limit {MAX_CELL:,})",
                )
    row = dict(zip(header, (c.strip() for c in cells), strict=True))
    if not row["id"]:
        return RowError(path, line, first, "empty id")
    if not row.get("description") and not row.get("hs_code"):
        return RowError(path, line, row["id"], "neither a description nor an HS code")
    for column in NUMERIC:
        given = row.get(column)
        if given and not given.isdigit() and not _number(given):
            return RowError(path, line, row["id"], f"{column} {given[:40]!r} is not a number")
    return ShipmentLine(line, **row)


def read_lines(path: str, lines: Iterable[str]) -> Iterator[ShipmentLine | RowError]:
    """Lines and row errors in file order; ``lines`` from ``open_shipments``."""
    csv.field_size_limit(sys.maxsize)
    source = iter(lines)
    first = next(source, "")
    delimiter = ";" if first.count(";") > first.count(",") else ","

    def all_lines() -> Iterator[str]:
        yield first
        yield from source

    reader = csv.reader(all_lines(), delimiter=delimiter)
    try:
        header = read_header(path, next(reader, None))
        for cells in reader:
            if not cells or cells == [""]:
                continue
            yield parse_row(path, header, cells, reader.line_num)
    except csv.Error as exc:
        raise InputError(
            path, f"not a readable CSV file: {exc}", f"line {reader.line_num}"
        ) from None


def open_shipments(path: Path) -> IO[str]:
    """The file as text: UTF-16 when it starts with a UTF-16 byte-order mark, else UTF-8
    (a leading mark dropped; invalid bytes kept, escaped, to be refused per row)."""
    with path.open("rb") as fh:
        start = fh.read(2)
    if start in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return path.open(encoding="utf-16", errors="replace", newline="")
    return path.open(encoding="utf-8-sig", errors="surrogateescape", newline="")
