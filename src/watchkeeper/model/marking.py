"""Markings (TLP 2.0 + REL TO) and the releasability rule of the house plan.

The rule lives here, in one pure function, and every read path in ``store`` uses it:
the store computes, per viewer, which markings pass :func:`may_see` and filters
statements on those marking ids in SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum
from functools import cache

from rigour.territories import get_territories

from watchkeeper.errors import WatchkeeperError

# The eleven members of the Multilateral Sanctions Monitoring Team (launched 2024-10-16).
MSMT = frozenset({"USA", "KOR", "JPN", "GBR", "FRA", "DEU", "ITA", "NLD", "CAN", "AUS", "NZL"})
COUNTRY_GROUPS = {"MSMT": MSMT}
# How a marking travels in flat files (statement CSV): one column per part.
MARKING_COLUMNS = ("tlp", "rel_to", "originator", "recipients")


class MarkingError(WatchkeeperError):
    status = 400


class TLP(IntEnum):
    """Traffic Light Protocol 2.0 levels, ordered from least to most restricted."""

    CLEAR = 0
    GREEN = 1
    AMBER = 2
    AMBER_STRICT = 3
    RED = 4

    @property
    def label(self) -> str:
        return "AMBER+STRICT" if self is TLP.AMBER_STRICT else self.name

    @classmethod
    def parse(cls, text: str) -> TLP:
        key = text.strip().upper().removeprefix("TLP:").replace("+", "_").replace(" ", "_")
        if key == "WHITE":  # TLP 1.0 name for CLEAR
            key = "CLEAR"
        try:
            return cls[key]
        except KeyError:
            raise MarkingError(f"unknown TLP level {text!r}") from None


def _items(values: object) -> list[str]:
    """A comma-separated string or an iterable of strings, as a list."""
    if values is None:
        return []
    if isinstance(values, str):
        return values.split(",")
    if isinstance(values, list | tuple | set | frozenset):
        return [str(v) for v in values]
    raise MarkingError(f"expected a list of codes, got {values!r}")


@cache
def country_codes() -> frozenset[str]:
    """ISO 3166 alpha-3 codes of today's countries and territories (rigour's table, as
    FollowTheMoney uses it), plus Kosovo's XKX; historical ones (SUN, YUG...) excluded."""
    return frozenset(
        t.alpha3.upper() for t in get_territories() if t.alpha3 and not t.is_historical
    )


def check_country(code: str) -> str:
    """``code`` as an upper-case ISO 3166 alpha-3 code, or a ``MarkingError``."""
    text = code.strip().upper()
    if text not in country_codes():
        hint = " (alpha-3, e.g. JPN, not JP)" if len(text) == 2 else ""
        raise MarkingError(
            f"{code!r} is not an ISO 3166 alpha-3 country code{hint}",
            template="{code} is not an ISO 3166 alpha-3 country code (such as JPN, KOR, USA)",
            code=code,
        )
    return text


def _codes(values: object) -> frozenset[str]:
    out: set[str] = set()
    for item in _items(values):
        code = str(item).strip().upper()
        if not code:
            continue
        if code in COUNTRY_GROUPS:
            out |= COUNTRY_GROUPS[code]
            continue
        if len(code) != 3 or not code.isalpha():
            raise MarkingError(
                f"REL TO takes ISO 3166 alpha-3 codes, got {code!r}",
                template="REL TO takes ISO 3166 alpha-3 codes, got {code}",
                code=code,
            )
        out.add(check_country(code))
    return frozenset(out)


def _orgs(values: object) -> frozenset[str]:
    return frozenset(v.strip() for v in _items(values) if v.strip())


@dataclass(frozen=True)
class Marking:
    tlp: TLP = TLP.CLEAR
    rel_to: frozenset[str] | None = None
    """Countries the information is releasable to; ``None`` means no country restriction."""
    originator: str | None = None
    recipients: frozenset[str] = field(default_factory=frozenset)
    """Organisations the information was explicitly given to (matters from AMBER up)."""

    def __post_init__(self) -> None:
        if self.rel_to is not None and not self.rel_to:
            # An empty REL TO list would read back as "no restriction" in flat formats.
            raise MarkingError("REL TO needs at least one country; omit it for no restriction")

    @classmethod
    def make(
        cls,
        tlp: str | TLP = TLP.CLEAR,
        rel_to: object = None,
        originator: str | None = None,
        recipients: object = None,
    ) -> Marking:
        level = tlp if isinstance(tlp, TLP) else TLP.parse(tlp)
        rel = None if rel_to is None or rel_to == "" else _codes(rel_to)
        return cls(level, rel, (originator or None), _orgs(recipients))

    @classmethod
    def from_dict(cls, data: dict[str, object] | str | None) -> Marking | None:
        """Read a marking as written in YAML: ``"TLP:AMBER"`` or a mapping."""
        if data is None:
            return None
        if isinstance(data, str):
            return cls.make(data)
        unknown = set(data) - {"tlp", "rel_to", "originator", "recipients"}
        if unknown:
            raise MarkingError(f"unknown marking field(s): {', '.join(sorted(unknown))}")
        return cls.make(
            str(data.get("tlp", "CLEAR")),
            data.get("rel_to"),
            str(data["originator"]) if data.get("originator") else None,
            data.get("recipients"),
        )

    @classmethod
    def parse(cls, text: str) -> Marking:
        """A marking written as its key: ``TLP:AMBER | REL TO KOR,USA | ORIG kr-nis | TO
        jp-mofa`` (parts after the TLP optional, in any order)."""
        parts = [p.strip() for p in text.split("|") if p.strip()]
        if not parts:
            raise MarkingError("an empty marking; write e.g. 'TLP:AMBER | REL TO KOR,USA'")
        tlp, rel_to, originator, recipients = parts[0], None, None, None
        for part in parts[1:]:
            word, _, rest = part.partition(" ")
            if part.upper().startswith("REL TO "):
                rel_to = part[7:]
            elif word.upper() == "ORIG" and rest.strip():
                originator = rest.strip()
            elif word.upper() == "TO" and rest.strip():
                recipients = rest
            else:
                raise MarkingError(
                    f"cannot read {part!r} in a marking: use REL TO codes, ORIG org, TO orgs"
                )
        return cls.make(tlp, rel_to, originator, recipients)

    @property
    def key(self) -> str:
        """A canonical text form, unique per marking; stored and used to deduplicate."""
        parts = [f"TLP:{self.tlp.label}"]
        if self.rel_to is not None:
            parts.append("REL TO " + ",".join(sorted(self.rel_to)))
        if self.originator:
            parts.append(f"ORIG {self.originator}")
        if self.recipients:
            parts.append("TO " + ",".join(sorted(self.recipients)))
        return " | ".join(parts)

    def __str__(self) -> str:
        return self.key


CLEAR = Marking()


@dataclass(frozen=True)
class Viewer:
    """Who is asking: an organisation and its country."""

    organisation: str
    country: str | None = None

    def __str__(self) -> str:
        return f"{self.organisation} ({self.country or 'no country'})"


def most_releasable(markings: Iterable[Marking]) -> Marking:
    """Of ``markings``, the one the most viewers may see (ties: the lower TLP, then the
    key). Used where something covers several values and must be no more releasable than
    the most releasable of them (a statement file's source): being one of them, it never
    is. The viewers counted are every organisation and country the markings name, plus
    one that none names."""
    marks = list(dict.fromkeys(markings))
    if not marks:
        return CLEAR
    orgs = {m.originator for m in marks if m.originator} | {o for m in marks for o in m.recipients}
    countries = {c for m in marks for c in m.rel_to or ()}
    probes = [
        Viewer(org, country)
        for org in [*sorted(orgs), "\x00anyone"]
        for country in [*sorted(countries), None, "\x00\x00\x00"]
    ]

    def audience(mark: Marking) -> int:
        return sum(1 for viewer in probes if may_see(viewer, mark))

    return min(marks, key=lambda m: (-audience(m), m.tlp, m.key))


def may_see(viewer: Viewer, marking: Marking) -> bool:
    """The releasability rule (design.md): may ``viewer`` see what carries ``marking``?"""
    if marking.originator is not None and viewer.organisation == marking.originator:
        return True
    if marking.rel_to is not None and viewer.country not in marking.rel_to:
        return False
    if marking.tlp <= TLP.GREEN:
        return True
    return viewer.organisation in marking.recipients
