"""Ownership: percentages (also given as ranges), chains aggregated along paths, and the
OFAC 50 % rule.

Percentages are intervals: ``50`` is [50, 50], ``25-50`` and ``25 to 50`` are [25, 50],
``>50`` or ``more than 50`` is [50, 100], ``<25`` is [0, 25], and an ownership without a
percentage is [0, 100] (it exists; its size is unknown).

The 50 % rule, as OFAC's guidance states it: an entity owned 50 % or more, directly or
indirectly, in the aggregate, by one or more blocked persons is itself blocked. An entity
blocked by that rule counts as a blocked person for what it owns in turn (indirect
ownership), and the shares of several blocked owners add up (aggregation); shares are
not multiplied along a chain. Computed as a fixpoint, so chains, diamonds and cycles all
end: *blocked* when the lower bounds of the blocked owners' shares reach 50, *possibly
blocked* when only the upper bounds of possibly blocked owners' shares do. Each flag
carries its evidence: the owners' shares, and their own evidence down to a designated
person.
"""

from __future__ import annotations

import re
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

UNKNOWN = (0.0, 100.0)
THRESHOLD = 50.0
_NUMBER = r"(\d+(?:[.,]\d+)?)"


def parse_share(text: str) -> tuple[float, float] | None:
    """A percentage as written (``50``, ``50%``, ``25-50``, ``>50``, ``less than 10``) as
    an interval; None when it says nothing readable."""
    value = text.strip().lower().replace("%", "").replace("percent", "").strip()
    value = value.replace(",", ".")
    numbers = [float(n) for n in re.findall(_NUMBER, value)]
    if not numbers or any(n > 100 for n in numbers):
        return None
    if len(numbers) >= 2 and re.search(r"\d\s*(-|–|to|and)\s*\d", value):
        low, high = sorted(numbers[:2])
        return (low, high)
    n = numbers[0]
    if re.match(r"^(>=?|≥|more than|over|above|at least|greater than)", value):
        return (n, 100.0)
    if re.match(r"^(<=?|≤|less than|under|below|up to|at most)", value):
        return (0.0, n)
    return (n, n)


def share_of(values: Iterable[str]) -> tuple[float, float]:
    """The interval of an ownership's percentage values (their intersection when they
    overlap, their hull when they disagree); unknown when there are none."""
    parsed = [p for p in (parse_share(v) for v in values) if p is not None]
    if not parsed:
        return UNKNOWN
    low = max(p[0] for p in parsed)
    high = min(p[1] for p in parsed)
    if low > high:  # sources disagree: keep everything they say
        return (min(p[0] for p in parsed), max(p[1] for p in parsed))
    return (low, high)


@dataclass(frozen=True)
class Holding:
    owner: str
    asset: str
    via: str
    """The Ownership entity's id."""
    share: tuple[float, float]


@dataclass
class Flag:
    """An entity blocked (or possibly blocked) by ownership."""

    entity: str
    status: str
    """``blocked`` or ``possibly blocked``."""
    share: tuple[float, float]
    """The aggregate share held by blocked (possibly blocked) owners."""
    owners: list[Holding] = field(default_factory=list)
    """The holdings that count, each owner designated or itself flagged."""

    def chains(self, flags: Mapping[str, Flag], designated: set[str]) -> list[list[Holding]]:
        """Every chain of holdings from a designated person down to this entity."""
        out: list[list[Holding]] = []

        def walk(entity: str, tail: list[Holding], seen: frozenset[str]) -> None:
            flag = flags.get(entity)
            for holding in flag.owners if flag else ():
                if holding.owner in seen:
                    continue
                chain = [holding, *tail]
                if holding.owner in designated:
                    out.append(chain)
                else:
                    walk(holding.owner, chain, seen | {holding.owner})

        walk(self.entity, [], frozenset({self.entity}))
        return out


def holdings_from(rows: Iterable[tuple[str, str, str, list[str]]]) -> list[Holding]:
    return [
        Holding(owner, asset, via, share_of(values))
        for owner, asset, via, values in rows
        if owner != asset
    ]


def fifty_percent_rule(holdings: Iterable[Holding], designated: Iterable[str]) -> dict[str, Flag]:
    """Entities blocked (or possibly blocked) by ownership, given who is designated."""
    blocked = set(designated)
    by_owner: dict[str, list[Holding]] = defaultdict(list)
    for h in holdings:
        by_owner[h.owner].append(h)

    def fixpoint(bound: int, seeds: set[str]) -> tuple[set[str], dict[str, list[Holding]]]:
        """Entities whose blocked owners' shares (lower or upper bounds) reach 50."""
        total: dict[str, float] = defaultdict(float)
        counted: dict[str, list[Holding]] = defaultdict(list)
        reached = set(seeds)
        queue = deque(sorted(seeds))
        while queue:
            owner = queue.popleft()
            for h in by_owner.get(owner, ()):
                if h.share[bound] <= 0 or h.asset in seeds:
                    continue
                counted[h.asset].append(h)
                total[h.asset] += h.share[bound]
                if h.asset not in reached and total[h.asset] >= THRESHOLD - 1e-9:
                    reached.add(h.asset)
                    queue.append(h.asset)
        return reached - seeds, counted

    certain, certain_by = fixpoint(0, blocked)
    possible, possible_by = fixpoint(1, blocked)
    flags: dict[str, Flag] = {}
    for entity in sorted(possible):
        status = "blocked" if entity in certain else "possibly blocked"
        counted = certain_by[entity] if entity in certain else possible_by[entity]
        counted = sorted(set(counted), key=lambda h: (h.owner, h.via))
        low = sum(h.share[0] for h in counted)
        high = min(100.0, sum(h.share[1] for h in counted))
        flags[entity] = Flag(entity, status, (min(low, 100.0), high), counted)
    return flags


@dataclass(frozen=True)
class Chain:
    """A path of holdings from an owner down to an asset, with the product of the shares
    along it (an interval)."""

    holdings: tuple[Holding, ...]

    @property
    def share(self) -> tuple[float, float]:
        low, high = 1.0, 1.0
        for h in self.holdings:
            low *= h.share[0] / 100
            high *= h.share[1] / 100
        return (round(low * 100, 6), round(high * 100, 6))


def chains_to(
    asset: str, holdings: Iterable[Holding], max_depth: int = 6
) -> tuple[list[Chain], dict[str, tuple[float, float]]]:
    """Every ownership chain ending at ``asset`` (cycles cut, at most ``max_depth``
    links), and each ultimate or intermediate owner's aggregate indirect interest: the
    sum over its chains of the products of their shares (capped at 100)."""
    by_asset: dict[str, list[Holding]] = defaultdict(list)
    for h in holdings:
        by_asset[h.asset].append(h)
    chains: list[Chain] = []

    def walk(node: str, tail: tuple[Holding, ...], seen: frozenset[str]) -> None:
        for h in sorted(by_asset.get(node, ()), key=lambda h: (h.owner, h.via)):
            if h.owner in seen:
                continue
            chain = (h, *tail)
            chains.append(Chain(chain))
            if len(chain) < max_depth:
                walk(h.owner, chain, seen | {h.owner})

    walk(asset, (), frozenset({asset}))
    interest: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for chain in chains:
        low, high = chain.share
        interest[chain.holdings[0].owner][0] += low
        interest[chain.holdings[0].owner][1] += high
    return chains, {k: (min(v[0], 100.0), min(v[1], 100.0)) for k, v in interest.items()}
