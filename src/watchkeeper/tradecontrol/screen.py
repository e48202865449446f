"""Shipment lines screened: the goods (``goods``), the parties (shipper, consignee,
notify party and vessel, through ``screening.Screener`` as the viewer sees the lists
and the watchlist, with its explanations and its organisation's decisions) and the
route (origin and destination against ``routes.yaml``'s alerts). Answers are cached by
description, party name and place: manifests repeat them, and the same input gives
the same answer within one run.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from watchkeeper.exports.cells import SafeWriter, neutralise
from watchkeeper.screening.index import normalise_id
from watchkeeper.screening.score import THRESHOLD, Match, Query
from watchkeeper.screening.screener import Screener
from watchkeeper.tradecontrol.goods import GoodsFinding, GoodsScreen, default_screen
from watchkeeper.tradecontrol.rules import RouteAlert
from watchkeeper.tradecontrol.shipments import RowError, ShipmentLine, open_shipments, read_lines

PARTIES = (
    ("shipper", "LegalEntity"),
    ("consignee", "LegalEntity"),
    ("notify_party", "LegalEntity"),
    ("vessel", "Vessel"),
)
OUTPUT = (
    "id",
    "line",
    "description",
    "hs_code",
    "code_status",
    "hs6",
    "chpl_tier",
    "basis",
    "matched_words",
    "rule",
    "sources",
    "mismatch",
    "route",
    "parties",
    "flag",
    "data_version",
    "decision",
)
CACHE_LIMIT = 200_000


@dataclass(frozen=True)
class PartyHit:
    """A party of the line that the screener matched (``match.match``)."""

    role: str
    name: str
    match: Match

    def describe(self) -> str:
        entity = self.match.entity
        ids = ", ".join(entity.list_ids) or entity.id
        return (
            f"{self.role} {self.name!r} ~ {entity.caption} [{ids}] "
            f"{self.match.score:.2f}: {self.match.explain()}"
        )


@dataclass(frozen=True)
class RouteHit:
    role: str  # origin or destination
    place: str
    country: str
    alert: RouteAlert

    def describe(self) -> str:
        what = "restricted destination" if self.alert.kind == "restricted" else "diversion risk"
        return f"{self.role} {self.country.upper()}: {what} ({self.alert.title}: {self.alert.says})"


def reasons_for(goods: GoodsFinding, listed_party: bool, routes: tuple[RouteHit, ...]) -> list[str]:
    """Why a line is flagged (empty: it is not)."""
    out = []
    if goods.flagged:
        out.append(f"CHPL tier {goods.tier}")
    if goods.mismatch:
        out.append("HS code/description mismatch")
    if listed_party:
        out.append("listed party")
    if any(r.alert.kind == "restricted" for r in routes):
        out.append("restricted destination")
    elif routes and goods.flagged:
        out.append("CHPL good via a diversion point")
    return out


@dataclass
class LineResult:
    line: ShipmentLine
    goods: GoodsFinding
    parties: tuple[PartyHit, ...]
    routes: tuple[RouteHit, ...]

    @cached_property
    def reasons(self) -> list[str]:
        return reasons_for(self.goods, bool(self.parties), self.routes)

    @property
    def flagged(self) -> bool:
        return bool(self.reasons)


@dataclass
class ShipmentScreen:
    """Screening of shipment lines for one viewer (``screener``: None screens goods and
    routes only)."""

    screener: Screener | None
    goods: GoodsScreen = field(default_factory=default_screen)
    threshold: float = THRESHOLD
    _parties: dict[tuple[str, str], tuple[Match, ...]] = field(default_factory=dict)
    _routes: dict[str, tuple[RouteHit, ...]] = field(default_factory=dict)
    _static: dict[tuple[str, str, str], Any] = field(default_factory=dict)
    # the organisation's decisions on lines by line id, oldest first (``decisions.by_line``)
    decisions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def version(self) -> str:
        return self.goods.rules.version

    @cached_property
    def _version_cell(self) -> str:
        return neutralise(self.version)

    def party(self, role: str, schema: str, name: str) -> tuple[Match, ...]:
        key = (schema, name)
        found = self._parties.get(key)
        if found is None:
            found = self._screen_party(schema, name)
            if len(self._parties) < CACHE_LIMIT:
                self._parties[key] = found
        return found

    def _screen_party(self, schema: str, name: str) -> tuple[Match, ...]:
        assert self.screener is not None
        ids: tuple[tuple[str, str], ...] = ()
        if schema == "Vessel" and name.upper().replace(" ", "").startswith("IMO"):
            imo = normalise_id("imo", name)
            ids = (("imo", imo),) if imo else ()
        query = Query(f"{schema}:{name}", schema, (name,), ids=ids)
        if not query.readings() and not ids:
            return ()
        return tuple(m for m in self.screener.match(query, 3, self.threshold) if m.match)

    def routes(self, line: ShipmentLine) -> tuple[RouteHit, ...]:
        """The alerts naming the line's destination (origins are not checked: the alerts
        are about where goods go)."""
        place = line.destination
        if not place:
            return ()
        found = self._routes.get(place)
        if found is None:
            country = self.goods.rules.country(place)
            found = tuple(
                RouteHit("destination", place, country, alert)
                for alert in self.goods.rules.routes
                if country is not None and country.upper() in alert.countries
            )
            if len(self._routes) < CACHE_LIMIT:
                self._routes[place] = found
        return found

    def parties_of(self, line: ShipmentLine) -> tuple[PartyHit, ...]:
        if self.screener is None:
            return ()
        hits: list[PartyHit] = []
        for role, schema in PARTIES:
            name = getattr(line, role)
            if name:
                hits.extend(PartyHit(role, name, m) for m in self.party(role, schema, name))
        return tuple(hits)

    def screen(self, line: ShipmentLine) -> LineResult:
        goods = self.goods.classify(line.description, line.hs_code)
        return LineResult(line, goods, self.parties_of(line), self.routes(line))

    def fast_row(self, line: ShipmentLine) -> tuple[list[str], GoodsFinding, bool, bool]:
        """``row(screen(line))`` for the batch: what depends on the description, the code
        and the destination only is made once per distinct triple. Also returns the goods
        finding, whether the line is flagged and whether a party was found."""
        key = (line.description, line.hs_code, line.destination)
        static = self._static.get(key)
        if static is None:
            goods = self.goods.classify(line.description, line.hs_code)
            routes = self.routes(line)
            static = (goods, routes, goods_cells(goods), route_cell(routes),
                      "; ".join(reasons_for(goods, False, routes)))  # fmt: skip
            if len(self._static) < CACHE_LIMIT:
                self._static[key] = static
        goods, routes, cells, route_text, reasons = static
        parties = self.parties_of(line)
        if parties:
            reasons = "; ".join(reasons_for(goods, True, routes))
        row = [
            neutralise(line.id),
            str(line.line),
            neutralise(line.description),
            neutralise(line.hs_code),
            *cells,
            route_text,
            neutralise(" | ".join(p.describe() for p in parties)) if parties else "",
            reasons,
            self._version_cell,
            neutralise(self.decision_of(line)),
        ]
        return row, goods, bool(reasons), bool(parties)

    def row(self, result: LineResult) -> list[str]:
        """The line's output cells, each neutralised against formula injection
        (``exports.cells``): write them with a plain ``csv.writer``."""
        goods, line = result.goods, result.line
        return [
            neutralise(line.id),
            str(line.line),
            neutralise(line.description),
            neutralise(line.hs_code),
            *goods_cells(goods),
            route_cell(result.routes),
            neutralise(" | ".join(p.describe() for p in result.parties)),
            "; ".join(result.reasons),
            neutralise(self.version),
            neutralise(self.decision_of(line)),
        ]

    def decision_of(self, line: ShipmentLine) -> str:
        rows = self.decisions.get(line.id)
        if not rows:
            return ""
        from watchkeeper.tradecontrol.decisions import standing

        found = standing(rows, line, self.version)
        return found.describe() if found else ""


@lru_cache(maxsize=100_000)
def goods_cells(goods: GoodsFinding) -> tuple[str, ...]:
    """The output cells of a goods finding, neutralised (findings are cached and repeat)."""
    cells = (
        goods.code.status,
        goods.hs6 or "",
        goods.tier or "",
        goods.basis,
        "; ".join(goods.matched),
        goods.rule,
        "; ".join(goods.sources),
        goods.mismatch,
    )
    return tuple(neutralise(c) for c in cells)


@lru_cache(maxsize=10_000)
def route_cell(routes: tuple[RouteHit, ...]) -> str:
    return neutralise(" | ".join(r.describe() for r in routes))


@dataclass
class Summary:
    lines: int = 0
    flagged: int = 0
    chpl: int = 0
    parties: int = 0
    errors: int = 0


def screen_lines(
    screen: ShipmentScreen,
    items: Iterable[ShipmentLine | RowError],
    write: Callable[[list[str]], None],
    refuse: Callable[[RowError], None],
) -> Summary:
    summary = Summary()
    for item in items:
        if isinstance(item, RowError):
            summary.errors += 1
            refuse(item)
            continue
        row, goods, flagged, listed = screen.fast_row(item)
        summary.lines += 1
        summary.flagged += flagged
        summary.chpl += goods.flagged
        summary.parties += listed
        write(row)
    return summary


def screen_file(
    screen: ShipmentScreen, input_path: Path, output_path: Path, errors_path: Path
) -> Summary:
    """Screen ``input_path`` into ``output_path`` (one row per line screened); refused
    rows go to ``errors_path`` as ``file, line, id, reason``. Cells are neutralised
    against formula injection (``exports.cells``). A bad header raises before either
    file is written."""
    with open_shipments(input_path) as handle:
        items = read_lines(str(input_path), handle)
        first = next(items, None)  # header problems raise here
        with (
            output_path.open("w", encoding="utf-8", newline="") as out,
            errors_path.open("w", encoding="utf-8", newline="") as err,
        ):
            rows, errors = csv.writer(out), SafeWriter(err)  # rows come neutralised
            rows.writerow(OUTPUT)
            errors.writerow(["file", "line", "id", "reason"])
            chained: Iterator[ShipmentLine | RowError] = itertools.chain(
                [first] if first is not None else [], items
            )
            return screen_lines(
                screen,
                chained,
                rows.writerow,
                lambda e: errors.writerow([e.file, e.line, printable(e.id), e.reason]),
            )


def printable(text: str) -> str:
    return text.encode("utf-8", "replace").decode("utf-8")[:200]
