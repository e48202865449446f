"""Acknowledgements of maritime alerts, per organisation (who, when, a note).

An acknowledgement belongs to the organisation that made it: each organisation reads
only its own. The alert it names is an event the organisation could see when it
acknowledged it (checked by the caller through the viewer's read path).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from watchkeeper.store.schema import maritime_alert_ack as alert_ack

if TYPE_CHECKING:
    from watchkeeper.store.core import Store


def acknowledge(
    store: Store, organisation: str, alert_id: str, by: str, at: str, note: str
) -> None:
    """Record (or replace) ``organisation``'s acknowledgement of ``alert_id``."""
    keys = {"organisation": organisation, "alert_id": alert_id}
    with store.engine.begin() as conn:
        conn.execute(alert_ack.delete().where(*(alert_ack.c[k] == v for k, v in keys.items())))
        conn.execute(
            alert_ack.insert().values(**keys, acknowledged_by=by, acknowledged_at=at, note=note)
        )


def acknowledgements(store: Store, organisation: str) -> dict[str, dict[str, str]]:
    """``organisation``'s acknowledgements by alert id; never another organisation's."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(alert_ack).where(alert_ack.c.organisation == organisation)
        ).mappings()
        return {
            r["alert_id"]: {
                "by": r["acknowledged_by"],
                "at": r["acknowledged_at"],
                "note": r["note"],
            }
            for r in rows
        }
