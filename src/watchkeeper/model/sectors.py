"""The sector taxonomy, declared in ``sectors.yaml``."""

from __future__ import annotations

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
