"""What an FtM entity export says about an entity beyond its values.

OpenSanctions publishes each entity with the datasets it appears in, the source ids
merged into it (``referents``), whether it is a ``target`` and when it was first seen,
last seen and last changed. Importers keep these as they are (``Origin``), so that an
export gives them back and the API can scope by dataset, redirect a referent id and
answer ``changed_since``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# yente's wire format for the three timestamps: ISO 8601, seconds, no time zone.
_TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?))?")


def timestamp(value: object) -> str | None:
    """``2024-05-01T10:00:00.123+00:00`` -> ``2024-05-01T10:00:00``; a date gets midnight;
    anything else is None."""
    if not isinstance(value, str):
        return None
    found = _TIMESTAMP.match(value.strip())
    if found is None:
        return None
    day, time = found.group(1), found.group(2) or "00:00:00"
    if len(time) == 5:
        time += ":00"
    return f"{day}T{time}"


@dataclass(frozen=True)
class Origin:
    datasets: tuple[str, ...] = ()
    referents: tuple[str, ...] = ()
    target: bool | None = None
    first_seen: str | None = None
    last_seen: str | None = None
    last_change: str | None = None

    def __bool__(self) -> bool:
        return bool(
            self.datasets
            or self.referents
            or self.target is not None
            or self.first_seen
            or self.last_seen
            or self.last_change
        )


@dataclass(frozen=True)
class OriginView:
    """An entity's origin as one viewer may see it: merged over the importing datasets
    whose rows that viewer may see."""

    datasets: frozenset[str]
    referents: frozenset[str]
    target: bool | None
    first_seen: str | None
    last_seen: str | None
    last_change: str | None
