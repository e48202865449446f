"""What the read path derives from the store, computed once per store state and scope.

Every request builds a ``Reader``; without this, each one re-read the marking table,
re-derived its viewer's visible markings and sources, and evaluated the existence rule
(a recursive query over the whole store) inside every query that needs it. Here those are
computed once and reused until the store changes.

**Keys.** Everything is keyed by the store's *stamp*: its instance, its revision counter
(moved by every write of statements or sources: imports, re-markings, retractions,
re-dating) and the number of markings (judgments add markings without moving the
revision; markings are never deleted, so the count moves with each one committed). One
query reads the stamp when a Reader is made, so every request sees the state at least
as new as the stamp it read: a re-marking or retraction is seen by the next request, in
every process. Within a stamp, what depends on the viewer is keyed by the ``Viewer``
itself (organisation and country decide its visible markings and which recipients it is
shown), and existence by the exact set of visible marking ids: two viewers share an
entry only when they may see exactly the same markings, hence the same statements.

A value is computed after its stamp was read, so it is never older than its key says
(at worst newer, when a write commits in between; the next request reads the new stamp
and recomputes). When a new stamp is seen the entries of the others are dropped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Engine, func, select

from watchkeeper.store import schema as t

T = TypeVar("T")
# Entries per stamp and pool, past which the oldest of that pool go. "read": what the read
# path derives (viewers and scopes of one process: markings, existence, sources);
# "answer": what pages and API routes derive from it for one viewer and request
# (``web.workbench.Ctx.answer``), many more and each cheap to recompute, kept apart so
# that a run of different searches never pushes out an existence answer. An API answer is
# a few kB (a /match of five results, a /search page): 4096 of them some tens of MB.
LIMITS = {"read": 256, "answer": 4096}


@dataclass(frozen=True)
class Existence:
    """The existence rule's answer for one set of visible markings (one reading: current
    or with history). ``existing``: every entity that exists. ``dangling``: ids that occur
    in an allowed statement (as its entity or a link's target) and do not exist — usually
    a handful (links to hidden entities), so that SQL can filter on them directly."""

    existing: frozenset[str]
    dangling: tuple[str, ...]


class ReadCache:
    """One per ``Store`` (per process): stamp-keyed values, computed once per key even
    when many request threads ask at the same time."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        marking_count = select(func.count()).select_from(t.marking).scalar_subquery()
        query = select(t.store_revision.c.instance, t.store_revision.c.revision, marking_count)
        # Compiled once: every request reads the stamp, and SQLAlchemy's statement
        # machinery costs ten times the query itself (~170 against ~15 µs on SQLite).
        self._stamp_sql = str(query.compile(engine))
        self._stamp: tuple[Any, ...] | None = None
        self._pools: dict[str, dict[tuple[Any, ...], Any]] = {name: {} for name in LIMITS}
        self._locks: dict[tuple[Any, ...], threading.Lock] = {}
        self._lock = threading.Lock()

    def stamp(self) -> tuple[Any, ...]:
        """The store's state as of now (one small query)."""
        conn = self.engine.raw_connection()  # from the pool, returned (rolled back) on close
        try:
            cursor = conn.cursor()
            cursor.execute(self._stamp_sql)
            row = cursor.fetchone()
            cursor.close()
        finally:
            conn.close()
        if row is None:
            raise RuntimeError("the store has no revision row")
        stamp = (row[0], int(row[1]), int(row[2]))
        with self._lock:
            if stamp != self._stamp:
                # A newer state (or, for a moment, an older one a slow request still
                # holds): entries of other stamps are dropped, never reused.
                self._stamp = stamp
                self._pools = {
                    name: {k: v for k, v in values.items() if k[0] == stamp}
                    for name, values in self._pools.items()
                }
                self._locks = {k: v for k, v in self._locks.items() if k[0] == stamp}
        return stamp

    def get(
        self, stamp: tuple[Any, ...], key: Hashable, make: Callable[[], T], pool: str = "read"
    ) -> T:
        """``make()`` remembered under (``stamp``, ``key``) in ``pool`` (see ``LIMITS``).
        An exception from ``make()`` is raised to the caller and nothing is kept."""
        full = (stamp, key)
        values = self._pools[pool]
        found = values.get(full)
        if found is not None:
            return found  # type: ignore[no-any-return]
        with self._lock:
            lock = self._locks.setdefault(full, threading.Lock())
        with lock:  # one thread computes; the others wait for its answer
            try:
                found = self._pools[pool].get(full)
                if found is not None:
                    return found  # type: ignore[no-any-return]
                value = make()
                with self._lock:
                    values = self._pools[pool]
                    if stamp == self._stamp:
                        if len(values) >= LIMITS[pool]:
                            values.pop(next(iter(values)))
                        values[full] = value
                return value
            finally:
                with self._lock:
                    self._locks.pop(full, None)

    def peek(self, stamp: tuple[Any, ...], key: Hashable, pool: str = "read") -> Any | None:
        """What ``get`` keeps under (``stamp``, ``key``), or None: nothing is made."""
        return self._pools[pool].get((stamp, key))

    def clear(self) -> None:
        with self._lock:
            self._stamp = None
            for values in self._pools.values():
                values.clear()
            self._locks.clear()
