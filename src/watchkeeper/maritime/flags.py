"""The flag state an MMSI names, from its Maritime Identification Digits (data/mid.yaml)."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml


@cache
def _table() -> dict[str, str]:
    data = yaml.safe_load(
        resources.files(__package__).joinpath("data", "mid.yaml").read_text("utf-8")
    )
    return {str(mid): str(code) for mid, code in data["mid"].items()}


def mid_of(mmsi: int | str) -> str | None:
    """The MID of a ship station's MMSI (nine digits, first three), else None."""
    text = str(mmsi)
    return text[:3] if len(text) == 9 and text.isdigit() and text[0] in "234567" else None


def flag_of(mmsi: int | str) -> str | None:
    """ISO 3166 alpha-2 code (lower case) of the flag state, or None when the MMSI is
    not a ship station's or its MID is not allocated."""
    mid = mid_of(mmsi)
    return _table().get(mid) if mid else None
