"""SQL for the investigations capability: judgments, the xref review queue, watches.

Judgments are only ever inserted. A reader gets the judgments whose marking it may see
(``Store.visible_marking_ids``, the one rule); that both entities exist for the viewer
is checked by the caller through the viewer's ``Reader``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, select

from watchkeeper.model.marking import Marking
from watchkeeper.store import schema as t
from watchkeeper.store.core import Store


def insert_judgments(store: Store, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert judgments (each with a ``marking``, a Marking) in one transaction."""
    ids = []
    with store.engine.connect() as conn:
        trans = conn.begin()
        try:
            for row in rows:
                values = dict(row)
                marking: Marking = values.pop("marking")
                values["marking_id"] = store.marking_id(conn, marking)
                result = conn.execute(t.judgment.insert().values(**values))
                ids.append(int(result.inserted_primary_key[0]))  # type: ignore[index]
            trans.commit()
        except BaseException:
            trans.rollback()
            store.forget_uncommitted()
            raise
    return ids


def visible_judgments(store: Store, marking_ids: Iterable[int]) -> list[dict[str, Any]]:
    """Every judgment carrying a marking among ``marking_ids``, oldest first."""
    table = t.judgment
    markings = store.markings()
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(table)
            .where(table.c.marking_id.in_(list(marking_ids)))
            .order_by(table.c.decided_at, table.c.id)
        ).mappings()
        out = []
        for row in rows:
            data = dict(row)
            data["marking"] = markings[data.pop("marking_id")]
            out.append(data)
        return out


def replace_candidates(store: Store, organisation: str, rows: Sequence[dict[str, Any]]) -> None:
    table = t.xref_candidate
    with store.engine.begin() as conn:
        conn.execute(table.delete().where(table.c.organisation == organisation))
        if rows:
            conn.execute(table.insert(), [{"organisation": organisation, **r} for r in rows])


def candidates(store: Store, organisation: str) -> list[dict[str, Any]]:
    table = t.xref_candidate
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(table)
            .where(table.c.organisation == organisation)
            .order_by(table.c.score.desc(), table.c.left_id, table.c.right_id)
        ).mappings()
        return [dict(r) for r in rows]


def candidates_stamp(store: Store, organisation: str) -> tuple[object, ...]:
    """What moves when a run replaces the organisation's candidates (a cache key only:
    nothing of it is shown)."""
    candidate = t.xref_candidate
    with store.engine.connect() as conn:
        count, made = conn.execute(
            select(func.count(), func.max(candidate.c.created_at)).where(
                candidate.c.organisation == organisation
            )
        ).one()
    return (count, made)


def set_watch(store: Store, row: dict[str, Any]) -> None:
    table = t.watch
    with store.engine.begin() as conn:
        conn.execute(
            table.delete().where(
                table.c.organisation == row["organisation"],
                table.c.entity_id == row["entity_id"],
            )
        )
        conn.execute(table.insert().values(**row))


def remove_watch(store: Store, organisation: str, entity_id: str) -> bool:
    table = t.watch
    with store.engine.begin() as conn:
        result = conn.execute(
            table.delete().where(
                table.c.organisation == organisation, table.c.entity_id == entity_id
            )
        )
        return bool(result.rowcount)


def watches(store: Store, organisation: str) -> list[dict[str, Any]]:
    table = t.watch
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(table).where(table.c.organisation == organisation).order_by(table.c.entity_id)
        ).mappings()
        return [dict(r) for r in rows]
