"""CSV cells are neutralised against formula injection (OWASP) and recoverable."""

from __future__ import annotations

import csv
import io

import pytest

from watchkeeper.exports.cells import SafeDictWriter, SafeWriter, neutralise, original

DANGEROUS = ['=HYPERLINK("http://x")', "+1+2", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]
HARMLESS = ["Kim Jong Un", "김정은", "1.0000", "", "a=b", "OFAC:20157"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_formula_cells_are_prefixed(value: str) -> None:
    cell = neutralise(value)
    assert cell == "'" + value
    assert original(cell) == value


@pytest.mark.parametrize("value", [*HARMLESS, "'quoted", "''"])
def test_other_cells_round_trip(value: str) -> None:
    assert original(neutralise(value)) == value


@pytest.mark.parametrize("value", HARMLESS)
def test_harmless_cells_unchanged(value: str) -> None:
    assert neutralise(value) == value


def test_writers_neutralise_every_cell() -> None:
    buffer = io.StringIO()
    SafeWriter(buffer).writerow(["=1+1", "ok", None])
    out = io.StringIO()
    writer = SafeDictWriter(out, ["a", "b"])
    writer.writeheader()
    writer.writerow({"a": "@x", "b": "-y"})
    assert next(csv.reader(io.StringIO(buffer.getvalue()))) == ["'=1+1", "ok", ""]
    assert list(csv.reader(io.StringIO(out.getvalue())))[1] == ["'@x", "'-y"]
