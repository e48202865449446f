"""The sector taxonomy, declared in ``sectors.yaml``.

An event or an estimate may concern several sectors at once (an intelligence chief's
statement on missile accuracy and drone production is ``missiles`` and ``uav``), so
items carry a list of sector codes; the first is the one they are filed under first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml


@dataclass(frozen=True)
class Sector:
    code: str
    label: str
    description: str


@cache
def sectors() -> dict[str, Sector]:
    data = yaml.safe_load(resources.files(__package__).joinpath("sectors.yaml").read_text())
    return {code: Sector(code, s["label"], s["description"]) for code, s in data["sectors"].items()}


def sector_problems(value: object) -> list[str]:
    """What is wrong with an item's ``sector`` field: a non-empty list of distinct known codes."""
    if not isinstance(value, list) or not value:
        return [f"sector must be a non-empty list of sector codes, got {value!r}"]
    problems = [f"unknown sector {code!r}" for code in value if code not in sectors()]
    if len(set(map(str, value))) != len(value):
        problems.append(f"sector {value!r} repeats a code")
    return problems


def known_sectors(codes: Iterable[str]) -> list[str]:
    """The codes among ``codes`` that are sectors (an event's keywords hold other words too)."""
    known = sectors()
    return [code for code in codes if code in known]
