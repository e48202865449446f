"""CSV cells that a spreadsheet will not run as formulas.

A cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula by Excel, LibreOffice and Google Sheets (CSV or formula injection): a listed
name such as ``=HYPERLINK(...)`` would run on the analyst's machine when the results are
opened. OWASP's rule is followed: such a cell is prefixed with a single quote, which the
spreadsheet shows as text. The original value stays recoverable: ``original`` undoes the
prefix, and the JSON exports carry values unchanged.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Writable(Protocol):
    def write(self, s: str, /) -> object: ...


def neutralise(value: object) -> str:
    """``value`` as a CSV cell no spreadsheet runs: prefixed with ``'`` when it begins
    like a formula (or already begins with ``'``, so that ``original`` is exact)."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) or text.startswith("'"):
        return "'" + text
    return text


def original(cell: str) -> str:
    """The value a ``neutralise``d cell was made from."""
    if cell.startswith("'") and (cell[1:].startswith(FORMULA_STARTS) or cell[1:].startswith("'")):
        return cell[1:]
    return cell


class SafeWriter:
    """``csv.writer`` whose every cell is ``neutralise``d."""

    def __init__(self, fh: _Writable, **fmt: Any) -> None:
        self._writer = csv.writer(fh, **fmt)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([neutralise(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


class SafeDictWriter:
    """``csv.DictWriter`` whose every cell is ``neutralise``d (the header is ours)."""

    def __init__(self, fh: _Writable, fieldnames: list[str], **fmt: Any) -> None:
        self._writer = csv.DictWriter(fh, fieldnames, **fmt)

    def writeheader(self) -> None:
        self._writer.writeheader()

    def writerow(self, row: Mapping[str, object]) -> None:
        self._writer.writerow({k: neutralise(v) for k, v in row.items()})
