"""Admiralty grading of sources (A–F) and information (1–6), and ICD 203 likelihood words."""

from __future__ import annotations

from enum import Enum, StrEnum

from watchkeeper.errors import WatchkeeperError


class GradingError(WatchkeeperError):
    status = 400


class Reliability(StrEnum):
    """Admiralty source reliability."""

    A = "Completely reliable"
    B = "Usually reliable"
    C = "Fairly reliable"
    D = "Not usually reliable"
    E = "Unreliable"
    F = "Reliability cannot be judged"

    @classmethod
    def parse(cls, code: str) -> Reliability:
        try:
            return cls[code.strip().upper()]
        except KeyError:
            raise GradingError(f"source reliability must be A-F, got {code!r}") from None


class Credibility(int, Enum):
    """Admiralty information credibility."""

    CONFIRMED = 1
    PROBABLY_TRUE = 2
    POSSIBLY_TRUE = 3
    DOUBTFUL = 4
    IMPROBABLE = 5
    CANNOT_BE_JUDGED = 6

    @classmethod
    def parse(cls, value: int | str) -> Credibility:
        try:
            return cls(int(value))
        except (ValueError, TypeError):
            raise GradingError(f"information credibility must be 1-6, got {value!r}") from None


def grade(reliability: str | None, credibility: int | None) -> str:
    """The conventional two-character grade, e.g. ``B2``; ``F6`` parts where unknown."""
    return f"{reliability or 'F'}{credibility or 6}"


# ICD 203 expressions of likelihood with their probability ranges (percent).
ICD203 = {
    "almost no chance": (1, 5),
    "very unlikely": (5, 20),
    "unlikely": (20, 45),
    "roughly even chance": (45, 55),
    "likely": (55, 80),
    "very likely": (80, 95),
    "almost certain": (95, 99),
}
