"""Autocompletion: names that start with what was typed, among what the viewer may see.

Every current name of the store (names, aliases, previous names) is kept once in memory,
folded to lower-case ASCII and sorted, with the marking of the statement that says it; a
prefix is two binary searches, and a name is offered only when its own statement's
marking is one the viewer may see — a name is a value of its entity, so a name the viewer
may see is an entity it may see (design.md's rule), and nothing else is counted. Names in
other scripts are folded by ICU's transliteration (``screening.names.ascii_text``), so
``Шойгу`` offers ``SHOIGU``; for Hangul, whose romanisations differ too much for a prefix,
the search page asks the screening engine instead.

The index follows ``Store.version()``, re-read at most every ``RECHECK_SECONDS``, and
corrections (re-markings, retractions) before it answers again: the entities corrected
are read again (``Suggestions.corrections``).
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass

from watchkeeper.screening.names import ascii_text
from watchkeeper.store import Store

NAME_PROPS = ("name", "alias", "previousName", "weakAlias")
RECHECK_SECONDS = 10.0


@dataclass(frozen=True)
class Suggestion:
    entity_id: str
    name: str
    schema: str


Row = tuple[str, str, str, str, int]  # folded name, name, entity id, schema, marking id


def _rows(store: Store, entity_ids: Collection[str] | None = None) -> list[Row]:
    rows: list[Row] = []
    for entity_id, schema, _prop, value, marking_id, _dataset in store.current_values(
        NAME_PROPS, entity_ids
    ):
        key = ascii_text(value)
        if key:
            rows.append((key, value, entity_id, schema, marking_id))
    return rows


class _Built:
    def __init__(self, store: Store, rows: list[Row] | None = None, corrections: int = 0) -> None:
        if rows is None:
            # read before the names: a correction made meanwhile is followed again
            corrections = store.correction_mark()
            self.version = store.version()
            rows = _rows(store)
        else:
            self.version = ""  # a patched index: the next version check reads the store
        rows.sort()
        self.corrections = corrections
        self.keys = [r[0] for r in rows]
        self.rows = rows

    def corrected(self, store: Store, mark: int) -> _Built:
        """This index with the entities corrected since it was made read again (their
        names with their markings as they are now), as of correction ``mark``."""
        changed = store.corrected_since(self.corrections)
        kept = [r for r in self.rows if r[2] not in changed]
        return _Built(store, kept + _rows(store, changed), mark)


class Suggestions:
    """``corrections``: the correction mark the process has reached
    (``Service.corrections``): an index made before it is corrected before it answers."""

    def __init__(self, store: Store, corrections: Callable[[], int] = lambda: 0) -> None:
        self.store = store
        self.corrections = corrections
        self._built: _Built | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def current(self) -> _Built:
        built = self._built
        now = time.monotonic()
        if built is None or now - self._checked > RECHECK_SECONDS:
            with self._lock:
                self._checked = now
                if self._built is None or self._built.version != self.store.version():
                    self._built = _Built(self.store)
            built = self._built
        assert built is not None
        mark = self.corrections()
        if built.corrections < mark:
            with self._lock:
                assert self._built is not None
                if self._built.corrections < mark:
                    self._built = self._built.corrected(self.store, mark)
                built = self._built
        return built

    def peek(self) -> _Built | None:
        """The index when ``current`` would answer it as it is (checked lately, and
        corrected as far as the process is), else None: nothing is read."""
        built = self._built
        if built is None or time.monotonic() - self._checked > RECHECK_SECONDS:
            return None
        return built if built.corrections >= self.corrections() else None

    def refresh(self) -> None:
        """Re-read now (after a write of this process)."""
        with self._lock:
            self._built = _Built(self.store)
            self._checked = time.monotonic()

    def complete(self, text: str, visible: Collection[int], limit: int = 10) -> list[Suggestion]:
        prefix = ascii_text(text)
        if not prefix:
            return []
        built = self.current()
        start = bisect.bisect_left(built.keys, prefix)
        end = bisect.bisect_left(built.keys, prefix + "\x7f")
        out: list[Suggestion] = []
        seen: set[str] = set()
        rows = built.rows
        for i in range(start, end):  # no slice: a short prefix spans many names at 1 M
            _key, value, entity_id, schema, marking_id = rows[i]
            if marking_id not in visible or entity_id in seen:
                continue
            seen.add(entity_id)
            out.append(Suggestion(entity_id, value, schema))
            if len(out) >= limit:
                break
        return out
