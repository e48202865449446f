import itertools

import pytest

from watchkeeper.model.grading import ICD203, Credibility, GradingError, Reliability, grade
from watchkeeper.model.sectors import sectors


def test_admiralty_scales() -> None:
    assert Reliability.parse("b") is Reliability.B
    assert Credibility.parse("2") is Credibility.PROBABLY_TRUE
    assert grade("A", 1) == "A1" and grade(None, None) == "F6"
    with pytest.raises(GradingError):
        Reliability.parse("G")
    with pytest.raises(GradingError):
        Credibility.parse(7)


def test_icd203_ranges_cover_the_scale_in_order() -> None:
    bounds = list(ICD203.values())
    assert bounds[0][0] == 1 and bounds[-1][1] == 99
    assert all(a[1] == b[0] for a, b in itertools.pairwise(bounds))


def test_sector_taxonomy_has_the_nineteen_sectors() -> None:
    assert set(sectors()) == {
        "munitions", "missiles", "artillery", "troops", "space", "aviation", "air_defense",
        "naval", "undersea", "uav", "ew", "nuclear", "labor", "energy", "finance", "shipping",
        "diplomacy", "sanctions", "industry",
    }  # fmt: skip
