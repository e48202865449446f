"""The store's side of partner sharing (``watchkeeper.sharing``): the SQL of the release
log, the trust list of partners' keys, partners' STIX objects, and the ending of an
imported object's values that a newer version (or a revocation) no longer states.

Reads of the log and the trust list are per organisation: an organisation reads what it
released, never what another did.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, bindparam, select

from watchkeeper.errors import Conflict, NotFound
from watchkeeper.store import schema as t
from watchkeeper.store.reader import ID_CHUNK

if TYPE_CHECKING:
    from watchkeeper.store.core import Store


# -- the release log ----------------------------------------------------------------------


def record_release(store: Store, entry: dict[str, Any]) -> int:
    """Append one release to the log; returns its number."""
    values = dict(entry)
    values["objects"] = json.dumps(values["objects"], sort_keys=True, separators=(",", ":"))
    values["selection"] = json.dumps(values["selection"], sort_keys=True)
    with store.engine.begin() as conn:
        result = conn.execute(t.share_release.insert().values(**values))
        return int(result.inserted_primary_key[0])  # type: ignore[index]


def releases(store: Store, organisation: str, limit: int | None = None) -> list[dict[str, Any]]:
    """What ``organisation`` released, newest first."""
    table = t.share_release
    query = select(table).where(table.c.organisation == organisation).order_by(table.c.id.desc())
    if limit is not None:
        query = query.limit(limit)
    with store.engine.connect() as conn:
        out = []
        for row in conn.execute(query).mappings():
            data = dict(row)
            data["objects"] = json.loads(data["objects"])
            data["selection"] = json.loads(data["selection"])
            out.append(data)
        return out


# -- partners' signing keys ----------------------------------------------------------------


@dataclass(frozen=True)
class PartnerKey:
    organisation: str
    public_key: str
    fingerprint: str
    added_at: str
    added_by: str


def add_key(store: Store, key: PartnerKey) -> None:
    """Trust ``key`` for its organisation. A different key already trusted for it is not
    replaced silently: it is removed first, on purpose."""
    table = t.share_key
    with store.engine.begin() as conn:
        found = conn.execute(
            select(table.c.fingerprint).where(table.c.organisation == key.organisation)
        ).first()
        if found is not None:
            if found.fingerprint == key.fingerprint:
                return
            raise Conflict(
                f"{key.organisation} already has a trusted key ({found.fingerprint[:16]}); "
                f"remove it first with `watchkeeper share keys remove {key.organisation}`"
            )
        conn.execute(table.insert().values(**key.__dict__))


def partner_keys(store: Store) -> list[PartnerKey]:
    table = t.share_key
    with store.engine.connect() as conn:
        rows = conn.execute(select(table).order_by(table.c.organisation)).mappings()
        return [PartnerKey(**dict(r)) for r in rows]


def partner_key(store: Store, organisation: str) -> PartnerKey | None:
    for key in partner_keys(store):
        if key.organisation == organisation:
            return key
    return None


def remove_key(store: Store, organisation: str) -> None:
    table = t.share_key
    with store.engine.begin() as conn:
        result = conn.execute(table.delete().where(table.c.organisation == organisation))
    if not result.rowcount:
        raise NotFound(f"no trusted key for {organisation!r}")


# -- partners' STIX objects ----------------------------------------------------------------


@dataclass(frozen=True)
class PartnerObject:
    stix_id: str
    partner: str
    modified: str
    revoked: bool
    marking_id: int
    extra: dict[str, Any]


def _object(row: Any) -> PartnerObject:
    return PartnerObject(
        row.stix_id,
        row.partner,
        row.modified,
        bool(row.revoked),
        row.marking_id,
        json.loads(row.extra),
    )


def partner_objects(
    conn: Connection | None, store: Store, stix_ids: Collection[str]
) -> dict[str, PartnerObject]:
    """The stored partner objects among ``stix_ids`` (inside ``conn``'s transaction when
    given). Callers filter what they give on by the reader's markings (``marking_id``)."""
    table = t.share_object
    ordered = sorted(stix_ids)
    out: dict[str, PartnerObject] = {}

    def read(c: Connection) -> None:
        for i in range(0, len(ordered), ID_CHUNK):
            query = select(table).where(table.c.stix_id.in_(ordered[i : i + ID_CHUNK]))
            out.update((r.stix_id, _object(r)) for r in c.execute(query))

    if conn is not None:
        read(conn)
    else:
        with store.engine.connect() as own:
            read(own)
    return out


def save_partner_objects(conn: Connection, found: Sequence[tuple[PartnerObject, bool]]) -> None:
    """Store partners' objects (new ones, and newer versions of held ones: ``True``), in
    the import's transaction, in one statement each way."""
    table = t.share_object

    def row(item: PartnerObject) -> dict[str, Any]:
        return {
            "partner": item.partner,
            "modified": item.modified,
            "revoked": int(item.revoked),
            "marking_id": item.marking_id,
            "extra": json.dumps(item.extra, sort_keys=True),
        }

    new = [{"stix_id": item.stix_id, **row(item)} for item, existed in found if not existed]
    if new:
        conn.execute(table.insert(), new)
    moved = [{"b_id": item.stix_id, **row(item)} for item, existed in found if existed]
    if moved:
        conn.execute(
            table.update()
            .where(table.c.stix_id == bindparam("b_id"))
            .values(
                {k: bindparam(k) for k in ("partner", "modified", "revoked", "marking_id", "extra")}
            ),
            moved,
        )


def end_values(conn: Connection, entity_id: str, dataset: str, keep: Sequence[str], at: str) -> int:
    """End-date ``entity_id``'s current statements of ``dataset`` other than ``keep`` (a
    newer version of a partner's object no longer states them; a revocation keeps none),
    in the import's transaction. History stays: nothing is deleted."""
    st = t.statement
    current = [
        row.id
        for row in conn.execute(
            select(st.c.id).where(
                st.c.entity_id == entity_id,
                st.c.dataset == dataset,
                st.c.ended_at.is_(None),
                st.c.retracted_at.is_(None),
            )
        )
    ]
    gone = sorted(set(current) - set(keep))
    for i in range(0, len(gone), ID_CHUNK):
        conn.execute(st.update().where(st.c.id.in_(gone[i : i + ID_CHUNK])).values(ended_at=at))
    return len(gone)


def end_statements(conn: Connection, ended: Sequence[tuple[str, str]]) -> None:
    """End-date statements (id, date) that arrived ended (a partner's history), in the
    import's transaction; only those still current."""
    st = t.statement
    for statement_id, at in ended:
        conn.execute(
            st.update().where(st.c.id == statement_id, st.c.ended_at.is_(None)).values(ended_at=at)
        )
