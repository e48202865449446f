"""Screening: names in any script against the lists and the watchlist, explained."""

from watchkeeper.screening.index import Index, build, load_or_build
from watchkeeper.screening.score import THRESHOLD, Match, Query, pair_score
from watchkeeper.screening.screener import Screener

__all__ = [
    "THRESHOLD",
    "Index",
    "Match",
    "Query",
    "Screener",
    "build",
    "load_or_build",
    "pair_score",
]
