"""The export-control data, declared in ``data/*.yaml`` and loaded once: the CHPL tiers,
the keyword rules that recognise its goods in descriptions, and the route alerts. Each
rule carries its source; ``Rules.version`` (a digest of the three files) is the data
version that findings and decisions are bound to."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from watchkeeper.tradecontrol.text import words

LANGUAGES = ("en", "ru", "zh", "ko")
COMPACT = ("zh", "ko")  # matched as substrings of the description without its spaces


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    url: str


@dataclass(frozen=True)
class ChplItem:
    hs6: str
    tier: str
    label: str


@dataclass(frozen=True)
class Term:
    """Words that must follow one another (``words``; stems), or a Chinese or Korean
    phrase found anywhere in the description with its spaces removed (``compact``)."""

    language: str
    words: tuple[str, ...] = ()
    compact: str = ""

    @property
    def text(self) -> str:
        return self.compact or " ".join(self.words)


@dataclass(frozen=True)
class KeywordRule:
    hs6: str
    terms: tuple[Term, ...]
    excludes: tuple[Term, ...]


@dataclass(frozen=True)
class RouteAlert:
    id: str
    kind: str  # transshipment or restricted
    title: str
    url: str
    says: str
    countries: frozenset[str]


@dataclass(frozen=True)
class Rules:
    chpl: dict[str, ChplItem]
    chpl_source: Source
    keywords: tuple[KeywordRule, ...]
    keyword_source: Source
    routes: tuple[RouteAlert, ...]
    places: dict[str, str]  # a folded place name or code -> ISO alpha-2
    version: str

    def country(self, place: str) -> str | None:
        return self.places.get(fold_place(place))

    def tier(self, hs6: str | None) -> str | None:
        item = self.chpl.get(hs6) if hs6 else None
        return item.tier if item else None

    def in_heading(self, heading: str) -> list[ChplItem]:
        return [item for hs6, item in sorted(self.chpl.items()) if hs6.startswith(heading)]


def fold_place(text: str) -> str:
    return " ".join(text.replace(".", "").casefold().split())


def _term(language: str, text: str) -> Term:
    if language in COMPACT:
        return Term(language, compact="".join(str(text).lower().split()))
    return Term(language, words=tuple(words(str(text))))


def _terms(entry: dict[str, Any]) -> tuple[Term, ...]:
    out = []
    for language in LANGUAGES:
        for text in entry.get(language, []) or []:
            out.append(_term(language, text))
    return tuple(t for t in out if t.words or t.compact)


def _excludes(entry: dict[str, Any]) -> tuple[Term, ...]:
    out = []
    for text in entry.get("not", []) or []:
        text = str(text)
        compact = any(ord(ch) >= 0x2E80 for ch in text)
        out.append(_term("zh" if compact else "en", text))
    return tuple(out)


def _read(name: str) -> tuple[bytes, Any]:
    raw = resources.files("watchkeeper.tradecontrol").joinpath("data", name).read_bytes()
    return raw, yaml.safe_load(raw)


@cache
def load_rules() -> Rules:
    raw_chpl, chpl = _read("chpl.yaml")
    raw_keywords, keywords = _read("keywords.yaml")
    raw_routes, routes = _read("routes.yaml")
    items = {
        f"{int(code):06d}": ChplItem(f"{int(code):06d}", str(tier), str(label))
        for tier, codes in chpl["tiers"].items()
        for code, label in codes.items()
    }
    rules = []
    for entry in keywords["rules"]:
        hs6 = str(entry["hs6"])
        if hs6 not in items:
            raise ValueError(f"keywords.yaml: {hs6} is not a CHPL code")
        rules.append(KeywordRule(hs6, _terms(entry), _excludes(entry)))
    alerts = tuple(
        RouteAlert(
            a["id"],
            a["kind"],
            a["title"],
            a["url"],
            " ".join(str(a["says"]).split()),
            frozenset(c.upper() for c in a["countries"]),
        )
        for a in routes["alerts"]
    )
    digest = hashlib.sha256(raw_chpl + raw_keywords + raw_routes).hexdigest()[:12]
    return Rules(
        chpl=items,
        chpl_source=Source(**{k: chpl["source"][k] for k in ("id", "title", "url")}),
        keywords=tuple(rules),
        keyword_source=Source(
            keywords["source"]["id"], keywords["source"]["title"], "data/keywords.yaml"
        ),
        routes=alerts,
        places={
            fold_place(str(name)): code.upper()
            for code, names in routes["places"].items()
            for name in [code, *names]
        },
        version=f"chpl {chpl['version']}; routes {routes['version']}; data {digest}",
    )
