"""Decisions on screened shipment lines: clear or escalate, with a reason, bound to the
line as screened and to the data version (``rules.Rules.version``); a reopening asks
for the line to be reviewed again. The log is the organisation's own and append-only
(``store.goods``). A decision *holds* for a line with the same id and the same fields
screened under the same data version; otherwise it is shown as made on another line or
on other data, and the line is to be reviewed afresh. Party hits are decided through the
screening decisions (``Screener.decide``): nothing about a listed entity is kept here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from watchkeeper.errors import InputError
from watchkeeper.model.marking import Viewer
from watchkeeper.store.core import Store
from watchkeeper.store.goods import goods_decisions, record_goods_decision
from watchkeeper.tradecontrol.screen import ShipmentScreen
from watchkeeper.tradecontrol.shipments import ShipmentLine

VERDICTS = ("clear", "escalate", "reopened")
HOLDS = "same line, same data"
DATA_CHANGED = "the data has changed since"
OTHER_LINE = "another line with this id"


def line_fields(line: ShipmentLine) -> dict[str, str]:
    """The fields screened (the file's line number is not one of them)."""
    fields = asdict(line)
    fields.pop("line")
    return fields


def line_hash(line: ShipmentLine) -> str:
    text = json.dumps(line_fields(line), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def finding_text(screen: ShipmentScreen, line: ShipmentLine) -> str:
    """The goods and route part of the line's flags, as screened now."""
    result = screen.screen(line)
    goods = result.goods
    parts = [f"{goods.code.status}; {goods.rule}"]
    if goods.matched:
        parts.append("words: " + ", ".join(goods.matched))
    if goods.mismatch:
        parts.append("mismatch: " + goods.mismatch)
    parts += [r.describe() for r in result.routes]
    return " | ".join(parts)


@dataclass(frozen=True)
class Standing:
    decision: dict[str, Any]
    standing: str  # HOLDS, DATA_CHANGED, OTHER_LINE or "reopened"

    @property
    def holds(self) -> bool:
        return self.standing == HOLDS

    def describe(self) -> str:
        d = self.decision
        return (
            f"{d['decision']} by {d['decided_by']} on {d['decided_at'][:10]}: {d['reason']} "
            f"({self.standing})"
        )


def by_line(log: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for row in log:
        out.setdefault(row["line_id"], []).append(row)
    return out


def standing(log: list[dict[str, Any]], line: ShipmentLine, version: str) -> Standing | None:
    """How the latest decision on this line id stands for ``line`` under ``version``."""
    rows = [d for d in log if d["line_id"] == line.id]
    if not rows:
        return None
    digest = line_hash(line)
    same = [d for d in rows if d["line_hash"] == digest]
    if not same:
        return Standing(rows[-1], OTHER_LINE)
    latest = same[-1]
    if latest["decision"] == "reopened":
        return Standing(latest, "reopened")
    if latest["data_version"] != version:
        return Standing(latest, DATA_CHANGED)
    return Standing(latest, HOLDS)


def decide(
    store: Store,
    viewer: Viewer,
    screen: ShipmentScreen,
    line: ShipmentLine,
    decision: str,
    reason: str,
    by: str,
) -> dict[str, Any]:
    """Record ``decision`` on ``line`` for ``viewer``'s organisation, with the finding
    and the data version it was made on; it supersedes the latest on the same line."""
    if decision not in VERDICTS:
        raise InputError("decision", f"must be one of {', '.join(VERDICTS)}", decision)
    if not reason.strip():
        raise InputError("decision", "a reason is required", line.id)
    digest = line_hash(line)
    earlier = [
        d
        for d in goods_decisions(store, viewer.organisation)
        if d["line_id"] == line.id and d["line_hash"] == digest
    ]
    row = {
        "organisation": viewer.organisation,
        "line_id": line.id,
        "line_hash": digest,
        "line": json.dumps(line_fields(line), ensure_ascii=False),
        "decision": decision,
        "reason": reason.strip(),
        "decided_by": by,
        "decided_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "data_version": screen.version,
        "finding": finding_text(screen, line),
        "supersedes": earlier[-1]["id"] if earlier else None,
    }
    return record_goods_decision(store, row)
