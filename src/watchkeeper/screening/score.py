"""Scoring a query against one listed entity, with the reasons.

The score starts from the best name comparison (``compare``) and is then moved by the
other evidence, each step written into the explanation:

- a shared identifier (IMO, MMSI, passport, INN, ...) lifts the score to at least
  ``ID_MATCH`` — an IMO match outweighs a name mismatch;
- a conflicting identifier of the same kind (two different IMOs) multiplies it by
  ``ID_CONFLICT``;
- birth dates: the same year (and month/day where both have them) adds ``DOB_MATCH``;
  years that differ by more than one multiply by ``DOB_CONFLICT`` (xref asks for
  ``precise_dates``: only the same full date adds ``DOB_MATCH``, a year that agrees with
  a full date ``DOB_YEAR_MATCH``);
- countries: a shared one adds ``COUNTRY_MATCH``; disjoint ones multiply by
  ``COUNTRY_CONFLICT``.

``THRESHOLD`` is the one documented default: a score at or above it is a match.

Each of these steps is a feature (``EFFECTS``), and a caller may scale how strongly it
moves the score: 0 turns it off, 1 is the default, 2 doubles it (a multiplier is raised
to that power, an addition multiplied by it). This is what a yente ``/match`` request's
``weights`` mean here; the name comparison itself is not scaled.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache

from followthemoney import model

from watchkeeper.errors import InputError
from watchkeeper.screening.compare import NameComparison, compare
from watchkeeper.screening.index import FUZZY_AFFIX, FUZZY_MIN, Index, Visible, is_org
from watchkeeper.screening.names import Name, analyse, default_weight
from watchkeeper.screening.review import Review

THRESHOLD = 0.70
ID_MATCH = 0.95
ID_CONFLICT = 0.5
DOB_MATCH = 0.05
# With ``precise_dates`` (xref): an agreement only as far as one side gives (a year
# against a full date) adds this much, not DOB_MATCH.
DOB_YEAR_MATCH = 0.01
DOB_CONFLICT = 0.6
COUNTRY_MATCH = 0.02
COUNTRY_CONFLICT = 0.9
# Identifier kinds one entity has exactly one of: two different values are two entities.
UNIQUE_IDS = frozenset({"imo", "mmsi", "inn", "ogrn", "lei", "swift"})
# nomenklatura logic-v2's names for an identifier match of these kinds.
ID_FEATURES = {
    "imo": "vessel_imo_mmsi_match",
    "mmsi": "vessel_imo_mmsi_match",
    "inn": "inn_code_match",
    "ogrn": "ogrn_code_match",
    "lei": "lei_code_match",
    "swift": "bic_code_match",
}
# The features a caller may scale, and the largest scale taken.
EFFECTS = (
    *sorted(set(ID_FEATURES.values())),
    "identifier_match",
    "identifier_mismatch",
    "dob_match",
    "dob_year_disjoint",
    "country_match",
    "country_mismatch",
)
MAX_EFFECT = 5.0
# What each feature says, for the API's /algorithms.
FEATURE_DOCS = {
    "name_match": "the best comparison of a query name with a listed name (compare.py)",
    "vessel_imo_mmsi_match": f"the same IMO or MMSI number: the score is at least {ID_MATCH}",
    "inn_code_match": f"the same Russian tax number (INN): the score is at least {ID_MATCH}",
    "ogrn_code_match": f"the same Russian registration number (OGRN): at least {ID_MATCH}",
    "lei_code_match": f"the same Legal Entity Identifier: the score is at least {ID_MATCH}",
    "bic_code_match": f"the same SWIFT/BIC code: the score is at least {ID_MATCH}",
    "identifier_match": f"the same identifier of another kind: the score is at least {ID_MATCH}",
    "identifier_mismatch": f"another IMO, MMSI, INN, OGRN, LEI or BIC: times {ID_CONFLICT}",
    "dob_match": f"the same birth date (as far as both give it): plus {DOB_MATCH}",
    "dob_year_disjoint": f"birth years more than one apart: times {DOB_CONFLICT}",
    "country_match": f"a country in common: plus {COUNTRY_MATCH}",
    "country_mismatch": f"no country in common: times {COUNTRY_CONFLICT}",
}
SCHEMATA = ("Person", "Organization", "Company", "LegalEntity", "Vessel", "Airplane", "PublicBody")


# Listed names that share no token with the query are compared only while fewer than
# this many names have been compared (a typo in every word still gets its chance).
NAMES_WITHOUT_SHARED_KEY = 3


def _token_keys(readings: tuple[Name, ...]) -> set[str]:
    """Each reading's word keys (Korean ones by syllable), its letters joined, and the
    first and last letters of its longer words: a name written without spaces
    (ALEXANDERVYACHESLAVOVICHZAKHAROV), or with a typing error in every word it shares
    with a listed name (the listed words fuzzy retrieval finds: ``index.fuzzy_keys``),
    shares no word with that name, yet that name must be among those compared."""
    keys = set()
    for reading in readings:
        keys.add("j:" + reading.joined)
        for token in reading.tokens:
            keys.add(token.key)
            if len(token.key) >= FUZZY_MIN and token.key.isalpha():
                keys.add("<" + token.key[:FUZZY_AFFIX])
                keys.add(">" + token.key[-FUZZY_AFFIX:])
            if token.korean:
                keys.update(token.korean.split("-"))
    return keys


# Countries (codes and names, lower case) that say a name is Korean: its Han characters
# are then read in Korean as well as in Chinese.
KOREAN_COUNTRIES = frozenset(
    {"kp", "kr", "prk", "kor", "korea", "north korea", "south korea", "dprk", "rok",
     "korea, north", "korea, south", "korea (north)", "korea (south)"}
)  # fmt: skip


def says_korean(countries: tuple[str, ...]) -> bool | None:
    """True when one of ``countries`` is Korea; None (decide by the name) otherwise."""
    return True if any(c.lower() in KOREAN_COUNTRIES for c in countries) else None


@dataclass(frozen=True)
class Query:
    id: str
    schema: str
    names: tuple[str, ...]
    birth_dates: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    ids: tuple[tuple[str, str], ...] = ()
    # The user's choice for names in Han characters: True reads them in Korean as well as
    # in Chinese, False never in Korean, None by the query's countries.
    korean: bool | None = None

    def readings(self) -> tuple[Name, ...]:
        org = is_org(self.schema)
        korean = self.korean if self.korean is not None else says_korean(self.countries)
        vessel = self.schema == "Vessel"
        return tuple(
            r for name in self.names for r in analyse(name, org, vessel=vessel, korean=korean)
        )


@dataclass(frozen=True)
class Match:
    query_id: str
    entity: Visible
    score: float
    match: bool
    explanation: tuple[str, ...] = field(default_factory=tuple)
    features: tuple[tuple[str, float], ...] = ()
    """The evidence in numbers, as yente's results carry it, under nomenklatura
    logic-v2's feature names where one means the same thing: ``name_match`` (the best
    name comparison), ``vessel_imo_mmsi_match``/``inn_code_match``/... or
    ``identifier_match``, ``dob_year_disjoint``, ``country_mismatch``; and our own
    ``identifier_mismatch``, ``dob_match`` and ``country_match``, which logic-v2 has no
    name for."""
    review: Review | None = None
    """The organisation's latest decision on this record and candidate, if any, and how
    it stands (``review.Review``): shown with the hit, never used to hide it."""
    names: tuple[Name, Name, NameComparison] | None = field(default=None, compare=False)
    """The query's and the listed reading the best name comparison was made between,
    with that comparison (xref reads which words agreed)."""

    def explain(self) -> str:
        return "; ".join(self.explanation)


@cache
def compatible(query_schema: str, listed_schema: str) -> bool:
    q, c = model.get(query_schema), model.get(listed_schema)
    if q is None or c is None:
        return False
    return bool(q.can_match(c))


def _date_relation(
    query: tuple[str, ...], listed: tuple[str, ...], precise: bool = False
) -> str | None:
    """``match``, ``conflict`` (years more than one apart) or None (no dates, or close).
    ``precise``: dates are compared at the precision both sides give — ``match`` only for
    the same full date, ``year`` for an agreement as far as the shorter value goes (a year
    against a full date: weak evidence; two brothers share a birth year)."""
    if not query or not listed:
        return None
    if precise:
        full = {a[:10] for a in query if len(a) >= 10} & {b[:10] for b in listed if len(b) >= 10}
        if full:
            return "match"
        found = _date_relation(query, listed)
        return "year" if found == "match" else found
    close = False
    for a in query:
        for b in listed:
            size = min(len(a), len(b))
            if a[:size] == b[:size]:
                return "match"
            if a[:4].isdigit() and b[:4].isdigit() and abs(int(a[:4]) - int(b[:4])) <= 1:
                close = True
    return None if close else "conflict"


def check_effects(weights: Mapping[str, float]) -> dict[str, float]:
    """A caller's feature scales, or an InputError naming the one that is not taken."""
    for name, value in weights.items():
        if name not in EFFECTS:
            raise InputError(
                "weights", f"no feature {name!r} to weigh; the features are {', '.join(EFFECTS)}"
            )
        if not 0.0 <= value <= MAX_EFFECT:
            raise InputError("weights", f"{name} is {value}; a weight is from 0 to {MAX_EFFECT:g}")
    return dict(weights)


def score(
    query: Query,
    readings: tuple[Name, ...],
    entity: Visible,
    weight: Callable[[str], float],
    threshold: float = THRESHOLD,
    effects: Mapping[str, float] | None = None,
    listed_readings: list[Name] | None = None,
    compared: dict[tuple[Name, Name, bool], NameComparison] | None = None,
    precise_dates: bool = False,
) -> Match | None:
    """``listed_readings``: the readings of ``entity.names`` as analysed here, when the
    caller has them already (xref scores one entity in many pairs). ``compared``: name
    comparisons already made with the same ``weight`` (a comparison depends on the two
    readings, the weights and ``org`` alone), kept by a caller that scores many pairs
    sharing names; it is filled in here. ``precise_dates``: birth dates compared at the
    precision both sides give (``_date_relation``), as xref compares two list entries."""
    if not compatible(query.schema, entity.schema):
        return None
    org = is_org(entity.schema)
    best: NameComparison | None = None
    best_readings: tuple[Name, Name] | None = None
    query_keys = _token_keys(readings)
    if listed_readings is None:
        korean = says_korean(entity.countries)
        vessel = entity.schema == "Vessel"
        listed = [
            c for name in entity.names for c in analyse(name, org, vessel=vessel, korean=korean)
        ]
    else:
        listed = list(listed_readings)
    # Names sharing a token key with the query first; the others only if needed (an
    # entity with many aliases is mostly compared through the one that matters).
    listed.sort(key=lambda c: not (_token_keys((c,)) & query_keys))
    for position, c in enumerate(listed):
        if position >= NAMES_WITHOUT_SHARED_KEY and not (_token_keys((c,)) & query_keys):
            break
        for q in readings:
            if (
                q.qualifier
                and c.qualifier
                and q.qualifier != c.qualifier
                and (q.unqualified or c.unqualified)
            ):
                continue  # Bank of China (Hong Kong) is not Bank of China (Australia)
            if compared is None:
                result = compare(q, c, weight, org)
            else:
                memo = (q, c, org)
                found = compared.get(memo)
                if found is None:
                    found = compared[memo] = compare(q, c, weight, org)
                result = found
            if best is None or result.score > best.score:
                best, best_readings = result, (q, c)
        if best is not None and best.score >= 0.97:
            break
    value = best.score if best else 0.0
    features: list[tuple[str, float]] = [("name_match", value)]
    why: list[str] = [best.explain()] if best else ["no comparable name"]

    listed_ids = set(entity.ids)
    listed_values = {v for _, v in entity.ids}
    # An identifier of unknown kind ("*") matches the same value of any kind.
    shared = [
        (k, v) for k, v in query.ids if (k, v) in listed_ids or (k == "*" and v in listed_values)
    ]
    scale = effects or {}
    if shared:
        named = [ID_FEATURES.get(k, "identifier_match") for k, _ in shared]
        lift = max(scale.get(n, 1.0) for n in named)
        value = max(value, min(1.0, lift * (ID_MATCH + 0.05 * value)))
        features.extend((n, 1.0) for n in named)
        why.append("same " + ", ".join(f"{k.upper()} {v}" for k, v in shared))
    else:
        for kind, v in query.ids:
            theirs = {lv for lk, lv in entity.ids if lk == kind}
            if kind in UNIQUE_IDS and theirs and v not in theirs:
                value *= ID_CONFLICT ** scale.get("identifier_mismatch", 1.0)
                features.append(("identifier_mismatch", 1.0))
                why.append(f"different {kind.upper()}: {v} vs {', '.join(sorted(theirs))}")
                break

    if query.schema == "Person" or entity.schema == "Person":
        relation = _date_relation(query.birth_dates, entity.dates, precise_dates)
        if relation == "year":
            value = min(1.0, value + DOB_YEAR_MATCH * scale.get("dob_match", 1.0))
            features.append(("dob_year_match", 1.0))
            why.append("same birth year only")
        elif relation == "match":
            value = min(1.0, value + DOB_MATCH * scale.get("dob_match", 1.0))
            features.append(("dob_match", 1.0))
            why.append("same birth date")
        elif relation == "conflict":
            value *= DOB_CONFLICT ** scale.get("dob_year_disjoint", 1.0)
            features.append(("dob_year_disjoint", 1.0))
            why.append(
                f"different birth date: {', '.join(query.birth_dates)} vs {', '.join(entity.dates)}"
            )

    if query.countries and entity.countries:
        ours = {c.lower() for c in query.countries}
        if ours & set(entity.countries):
            value = min(1.0, value + COUNTRY_MATCH * scale.get("country_match", 1.0))
            features.append(("country_match", 1.0))
            why.append("same country")
        else:
            value *= COUNTRY_CONFLICT ** scale.get("country_mismatch", 1.0)
            features.append(("country_mismatch", 1.0))
            why.append(
                f"different country: {', '.join(sorted(ours))} vs {', '.join(entity.countries)}"
            )

    value = round(min(1.0, max(0.0, value)), 4)
    names = None if best is None or best_readings is None else (*best_readings, best)
    return Match(
        query.id, entity, value, value >= threshold, tuple(why), tuple(features), names=names
    )


def pair_score(
    schema: str,
    query_name: str,
    listed_name: str,
    weight: Callable[[str], float] = default_weight,
    threshold: float = THRESHOLD,
    countries: tuple[str, ...] = (),
) -> Match:
    """Score one name against another (no index): for tests, benchmarks and the CLI.
    ``countries`` are the query's (a Korean one reads Han characters in Korean too)."""
    query = Query("query", schema, (query_name,), korean=says_korean(countries))
    listed = Visible("listed", schema, (listed_name,), (), (), (), (), ())
    found = score(query, query.readings(), listed, weight, threshold)
    assert found is not None  # same schema on both sides
    return found


# Listed names analysed before serving at most (``analyse_listed``): the size of the
# analysis cache (``names.analyse``).
LISTED_WARM_UP = 100_000


# One name in each script and form the analysis reads differently: scoring each against
# the others loads every table analysis and comparison read lazily (the rules, pinyin,
# hanja, Korean and Cyrillic readings, legal forms, nicknames, equivalent words).
_WARM_UP = (
    ("Person", "KIM Jong Un", ("kp",)),
    ("Person", "김정은", ()),
    ("Person", "金正恩", ("kp",)),
    ("Person", "王建平", ()),
    ("Person", "Ким Чен Ын", ()),
    ("Person", "Сергей Кужугетович Шойгу", ("ru",)),
    ("Person", "علي خامنئي", ("ir",)),
    ("Person", "Mr. William Bill O'Neil Jr.", ()),
    ("Organization", "Korea Ryonbong General Corporation", ("kp",)),
    ("Organization", "조선련봉총회사", ()),
    ("Company", "ООО «Ромашка»", ("ru",)),
    ("Company", "DAEDONG CREDIT BANK (DCB)", ()),
    ("Vessel", "M/V ANGARA", ()),
)


def analyse_listed(index: Index, most: int = LISTED_WARM_UP) -> int:
    """Analyse the listed names of ``index`` as ``score`` reads them, into the analysis
    cache, unless there are more than ``most`` (the cache's size: a million entities'
    names would only push each other out). A server does this before it forks: its
    workers then share the readings instead of each making them at a candidate's first
    comparison. Returns how many were analysed."""
    if sum(len(e.names) for e in index.entities) > most:
        return 0
    count = 0
    for entity in index.entities:
        org, vessel = is_org(entity.schema), entity.schema == "Vessel"
        korean = says_korean(tuple(value for value, _ in entity.countries))
        for name, _ in entity.names:
            analyse(name, org, vessel=vessel, korean=korean)
            count += 1
    return count


def warm_up() -> None:
    """Load now what name analysis and comparison load at their first use (~1 s of
    tables): a server does this before it forks its workers, so that they share the
    tables and no request waits for them."""
    for schema, name, countries in _WARM_UP:
        query = Query("warm-up", schema, (name,), countries=countries)
        readings = query.readings()
        for other_schema, other, other_countries in _WARM_UP:
            listed = Visible("warm-up", other_schema, (other,), (), (), other_countries, (), ())
            score(query, readings, listed, default_weight)
