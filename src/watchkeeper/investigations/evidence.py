"""What xref weighs beyond the screening score when it compares two list entries.

Screening compares what a user typed with a list; xref compares two lists' records of
what may be one thing, and each record says more than a query does. Issue 26 measured
where the screening score alone goes wrong between the UN and OFAC lists (the labelled
sample: tests/investigations/data/un_ofac_sample.csv) and each rule here answers one
finding:

- an acronym (a one- or two-word name of at most four letters a word: AAB, IIB, KTJ) is
  shared by unrelated groups, and a kunya (ABU MUHAMMAD) or a one-word name (ABDULLAH) by
  unrelated people (``is_weak``): such a name may bring a pair to review, never carry it
  further (``WEAK_NAME_CAP``), and the pair's other names are scored without it;
- birth dates are compared at the precision both sides give (``score``'s
  ``precise_dates``): a year against a full date is weak evidence;
- two persons whose family names agree while their first given names differ in their
  first letter (YASIR / BASHIR, KAMAL / JAMAL: brothers), with no identifier and no full
  birth date in common, are most likely two people (``GIVEN_NAME_CONFLICT``);
- two organisations whose names differ in part and whose countries disagree — their own
  countries together with those their sanctions programmes are about
  (data/programmes.yaml) — are most likely two institutions of two states of the same
  kind: Myanmar's and the DPRK's foreign trade banks, five states' defence ministries
  (``ORG_COUNTRY_CONFLICT``);
- a branch named by its country (AL-HARAMAIN FOUNDATION (PAKISTAN)) is not an
  organisation of no stated country or of another one (``BRANCH_CONFLICT``).

Each rule multiplies the score and says so in the explanation. ``xref`` applies a last
one across pairs (``exclusive``): a list lists a thing once, so a pair is weakened when one
side already has a near-certain counterpart in the other side's dataset.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources

import yaml
from rigour.territories import get_territories

from watchkeeper.screening.compare import NameComparison
from watchkeeper.screening.index import Visible, is_org
from watchkeeper.screening.names import Name
from watchkeeper.screening.score import Match

ACRONYM_LETTERS = 4
WEAK_NAME_CAP = 0.75
GIVEN_NAME_CONFLICT = 0.6
ORG_COUNTRY_CONFLICT = 0.6
BRANCH_CONFLICT = 0.6
# Names agreeing at least this well are the same name: the country rule is for names that
# agree only in part (the generic words of a bank's or a ministry's name).
SAME_NAME = 0.97
VOWELS = frozenset("aeiou")


# Words that begin a kunya (ABU AHMAD: "father of Ahmad") or a nasab used alone.
KUNYA = frozenset({"abu", "abou", "umm", "um", "ibn", "bin"})
# Articles a kunya's second word may carry (ABU AL-WALID).
ARTICLES = frozenset({"al", "el", "ul", "ad", "ar", "as", "ash", "at", "az"})


def is_weak(reading: Name, org: bool) -> bool:
    """A name many unrelated list entries share. For an organisation, one word besides
    articles (AL-JIHAD, AL KAWTHAR) or an acronym: one or two words of at most
    ``ACRONYM_LETTERS`` letters or digits each (AAB, M23, ADF/NALU, or the AAB of ABDALLAH
    AZZAM BRIGADES (AAB) read alone). For a person, one word
    (ABDULLAH, ZAKIR) or a kunya with one word after it (ABU MUHAMMAD, ABU AL-WALID)."""
    words = [t.text for t in reading.tokens]
    if org:
        content = [w for w in words if w not in ARTICLES]
        return len(content) == 1 or (
            0 < len(words) <= 2
            and all(len(w) <= ACRONYM_LETTERS for w in words)
            and min(map(len, words)) < ACRONYM_LETTERS  # KOTI CORP is a name
        )
    if len(words) == 1:
        return True
    if words and words[0] in KUNYA:
        return len([w for w in words[1:] if w not in ARTICLES]) <= 1
    return False


@cache
def _programme_countries() -> dict[str, str]:
    text = resources.files(__package__).joinpath("data", "programmes.yaml").read_text("utf-8")
    table = yaml.safe_load(text)
    return {
        programme: country
        for authority in table.values()
        for country, programmes in authority.items()
        for programme in programmes
    }


def countries_of(entity: Visible) -> frozenset[str]:
    """The entity's countries and those its programmes are about."""
    table = _programme_countries()
    found = {c.lower() for c in entity.countries}
    found.update(table[p] for p in entity.programs if p in table)
    return frozenset(found)


def _plain(text: str) -> str:
    letters = "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    )
    return " ".join(re.sub(r"[^a-z0-9]+", " ", letters.lower()).split())


@cache
def _territory_codes() -> dict[str, str]:
    codes: dict[str, str] = {}
    for territory in get_territories():
        if territory.is_ftm and territory.code != "zz":
            for name in (territory.name, territory.full_name):
                codes.setdefault(_plain(name), territory.code)
    return codes


# AL-HARAMAIN FOUNDATION (PAKISTAN); AL-HARAMAIN : KENYA BRANCH; TAIBAH - BOSNIA OFFICES
_QUALIFIED = re.compile(r"\(([^()]+)\)\s*$")
_BRANCH = re.compile(r"[:\-\u2013]\s*([^:\-\u2013]+?)\s+(?:BRANCH|OFFICES?)\s*$", re.IGNORECASE)


def branch_country(name: str) -> str | None:
    """The country a branch's name gives, if the name is a branch's (a territory in
    parentheses at its end, or before BRANCH or OFFICE)."""
    for pattern in (_QUALIFIED, _BRANCH):
        found = pattern.search(name)
        if found:
            words = _plain(found.group(1)).split()
            # the territory's name may end a longer one (UNION OF THE COMOROS)
            for start in range(len(words)):
                code = _territory_codes().get(" ".join(words[start:]))
                if code is not None:
                    return code
    return None


def _first_given(reading: Name) -> int | None:
    if reading.given_start is not None:
        return reading.given_start
    if reading.family_first or len(reading.tokens) < 2:
        return None
    return 0


def other_given_name(names: tuple[Name, Name, NameComparison]) -> tuple[str, str] | None:
    """The two first given names, when the best comparison paired them only as a typing
    error of another first letter while another word agreed exactly (YASIR / BASHIR in
    two AL-TIKRITIs). Vowels are not told apart (USAMA / OSAMA)."""
    query, listed, comparison = names
    wanted = {
        reading.tokens[i].text
        for reading in (query, listed)
        if (i := _first_given(reading)) is not None
    }
    if not any(how == "same" for _a, _b, how in comparison.pairs):
        return None
    for a, b, how in comparison.pairs:
        if "typing error" not in how or not (a in wanted or b in wanted) or not a or not b:
            continue
        if a[0] != b[0] and not (a[0] in VOWELS and b[0] in VOWELS):
            return a, b
    return None


def adjust(left: Visible, right: Visible, match: Match) -> tuple[float, tuple[str, ...]]:
    """The pair's score and explanation once the rules above are applied to ``match``
    (the screening score of ``left`` as the query against ``right``)."""
    value, why = match.score, list(match.explanation)
    features = {name for name, _ in match.features}
    confirmed = bool(
        features & {"identifier_match", "dob_match"}
        or any(
            f.endswith("_match") and f not in {"name_match", "country_match", "dob_year_match"}
            for f in features
        )
    )
    if left.schema == "Person" and right.schema == "Person" and match.names and not confirmed:
        given = other_given_name(match.names)
        if given is not None:
            value *= GIVEN_NAME_CONFLICT
            why.append(f"another given name: {given[0]} / {given[1]}")
    if is_org(left.schema) and is_org(right.schema):
        name_score = next((v for f, v in match.features if f == "name_match"), 0.0)
        ours, theirs = countries_of(left), countries_of(right)
        if ours and theirs and not ours & theirs and name_score < SAME_NAME and not confirmed:
            value *= ORG_COUNTRY_CONFLICT
            why.append(
                "a name that agrees in part, of another country or programme: "
                f"{', '.join(sorted(ours))} vs {', '.join(sorted(theirs))}"
            )
        for branch, other, countries in ((left, right, theirs), (right, left, ours)):
            places = {c for c in map(branch_country, branch.names) if c}
            if places and not any(map(branch_country, other.names)) and not places & countries:
                value *= BRANCH_CONFLICT
                why.append(f"a branch ({', '.join(sorted(places))}) and an organisation without it")
                break
    return round(min(1.0, max(0.0, value)), 4), tuple(why)
