"""Decisions on screened shipment lines, per organisation (an append-only log).

Each organisation reads only its own log; a row is never updated or deleted (a new
verdict or a reopening is a new row that supersedes the one before).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from watchkeeper.store.schema import goods_decision

if TYPE_CHECKING:
    from watchkeeper.store.core import Store


def record_goods_decision(store: Store, row: dict[str, Any]) -> dict[str, Any]:
    """Append ``row`` to its organisation's log; the row with its id."""
    with store.engine.begin() as conn:
        found = conn.execute(goods_decision.insert().values(**row).returning(goods_decision.c.id))
        return {"id": int(found.scalar_one()), **row}


def goods_decisions(store: Store, organisation: str) -> list[dict[str, Any]]:
    """``organisation``'s log, oldest first; never another organisation's."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(goods_decision)
            .where(goods_decision.c.organisation == organisation)
            .order_by(goods_decision.c.id)
        ).mappings()
        return [dict(r) for r in rows]
