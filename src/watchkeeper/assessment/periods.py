"""Dates as the data states them (``2024``, ``2024-10``, ``2024-10-18``) and report periods."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from watchkeeper.errors import InputError

PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)


def _parts(text: str) -> tuple[int, int | None, int | None]:
    found = PARTIAL.match(text.strip())
    if not found:
        raise InputError("date", f"{text!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
    year, month, day = found.groups()
    parts = (int(year), int(month) if month else None, int(day) if day else None)
    try:
        date(parts[0], parts[1] or 1, parts[2] or 1)
    except ValueError as exc:
        raise InputError("date", f"{text!r} is not a date ({exc})") from None
    return parts


def first_day(text: str) -> date:
    """The first day a partial date can mean: ``2024-10`` -> 2024-10-01."""
    year, month, day = _parts(text)
    return date(year, month or 1, day or 1)


def last_day(text: str) -> date:
    """The last day a partial date can mean: ``2024-10`` -> 2024-10-31."""
    year, month, day = _parts(text)
    if month is None:
        return date(year, 12, 31)
    if day is None:
        return date(year, month, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def year_fraction(day: date) -> float:
    """A date as a decimal year, for charts."""
    start = date(day.year, 1, 1)
    length = (date(day.year + 1, 1, 1) - start).days
    return day.year + (day - start).days / length


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    label: str

    def contains(self, text: str) -> bool:
        """Does a (partial) date fall in the period? A month overlapping it does."""
        return first_day(text) <= self.end and last_day(text) >= self.start

    def months(self) -> list[str]:
        out = []
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            out.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out


def parse_period(text: str) -> Period:
    """``2024``, ``2024-Q3``, ``2024-06``, or ``FROM..TO`` with dates of any precision."""
    text = text.strip()
    quarter = QUARTER.match(text)
    if quarter:
        year, q = int(quarter.group(1)), int(quarter.group(2))
        return Period(date(year, 3 * q - 2, 1), last_day(f"{year:04d}-{3 * q:02d}"), f"{year}-Q{q}")
    if ".." in text:
        left, _, right = text.partition("..")
        start, end = first_day(left), last_day(right)
    else:
        start, end = first_day(text), last_day(text)
    if end < start:
        raise InputError("--period", f"{text!r} ends before it starts")
    return Period(start, end, text)
