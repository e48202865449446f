"""Analysts' entries from the workbench, through the one write path.

Every entry is written with a source of its own — who entered it, for which organisation,
and when (``wk_analyst:<organisation>:<id>``, dataset ``wk_analyst``) — or with a source
the analyst cites. Nothing is overwritten: a value an analyst changes or removes is
end-dated (``ended_at``), stays in the store as history, and is shown as such to viewers
who may see it. An organisation can end only the values its own analysts entered.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from followthemoney import StatementEntity
from sqlalchemy import and_

from watchkeeper.model.grading import Reliability
from watchkeeper.model.marking import Marking
from watchkeeper.model.source import Source
from watchkeeper.store import ImportSummary, Store
from watchkeeper.store import schema as t

DATASET = "wk_analyst"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def source_prefix(organisation: str) -> str:
    return f"{DATASET}:{organisation}:"


def entered_by(source_id: str, organisation: str) -> bool:
    """Was the source with this id written by ``organisation``'s analysts?"""
    return source_id.startswith(source_prefix(organisation))


def entry_source(
    organisation: str,
    username: str,
    title: str,
    *,
    publisher: str | None = None,
    reliability: Reliability = Reliability.F,
    url: str | None = None,
    published: str | None = None,
    marking: Marking,
    kind: str = "analyst",
) -> Source:
    """A new source for one entry (or a report an analyst registers)."""
    stamp = now()
    return Source(
        id=source_prefix(organisation) + uuid.uuid4().hex[:16],
        dataset=DATASET,
        kind=kind,
        title=title,
        publisher=publisher or f"{username} ({organisation})",
        reliability=reliability,
        url=url or None,
        published=published or stamp[:10],
        retrieved=stamp,
        marking=marking,
    )


def write_entities(
    store: Store,
    source: Source,
    entities: list[StatementEntity],
    marking: Marking,
    credibility: int | None,
    cited: Source | None = None,
) -> ImportSummary:
    """Write entities under ``marking``; ``cited`` (an existing source) when the analyst
    cites one, else ``source`` itself."""
    with store.write(source, full_release=False) as writer:
        for entity in entities:
            writer.add_entity(entity, marking, credibility, cited)
    return writer.summary


def register_source(store: Store, source: Source) -> None:
    """Store a source on its own (a report analysts will cite)."""
    with store.write(source, full_release=False):
        pass


def end_values(
    store: Store, source: Source, organisation: str, entity_id: str, statement_ids: list[str]
) -> int:
    """End-date current statements of ``entity_id`` that ``organisation`` entered; returns
    how many ended. ``source`` records the change (who, when) in the same transaction."""
    if not statement_ids:
        return 0
    st = t.statement
    with store.write(source, full_release=False) as writer:
        result = writer.conn.execute(
            st.update()
            .where(
                and_(
                    st.c.id.in_(statement_ids),
                    st.c.entity_id == entity_id,
                    st.c.dataset == DATASET,
                    st.c.source_id.like(
                        source_prefix(organisation).replace("_", r"\_") + "%", escape="\\"
                    ),
                    st.c.ended_at.is_(None),
                )
            )
            .values(ended_at=now())
        )
        writer.summary.ended = int(result.rowcount or 0)
        writer.summary.changed_entities.add(entity_id)
    return writer.summary.ended
