"""Scoping and filtering screening and search *before* retrieval, per viewer.

``Facts`` holds, for every entity of the store that is a FtM ``Thing``, the values a
yente client filters, facets and sorts on — datasets (the importing ones and those an
FtM export named), topics, countries, genders, identifiers, referents, target, any
property's values, text tokens for ``/search`` and first seen / last seen / last change
— each value with the marking group it needs, as the screening index keeps its postings.
A viewer's ``FactsView`` drops what it may not see first, so a filter, a facet count or
a sort order is computed over exactly what that viewer may see.

A request's filters become a boolean mask over the entities (``FactsView.mask``); a
``/match`` runs the screener on the index restricted to that mask (``scoped``), so that
candidates are retrieved within the scope rather than filtered out of a fixed top-N.
Built once per index version (``Facts.build``) by the process that saves the index (an
import: ``save_facts``), and saved beside it as data (``Facts.save``); the web service
loads them (``Facts.load``), building them itself only when none were saved.
"""

from __future__ import annotations

import copy
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import orjson
from followthemoney import model, registry

from watchkeeper.screening.index import (
    ID_PROPS,
    UNREADABLE,
    Index,
    IndexView,
    Needs,
    _needs,
    _seen,
    common_schema,
    normalise_id,
    write_private,
)
from watchkeeper.screening.screener import Screener
from watchkeeper.store import origin as origins
from watchkeeper.store.core import Store

# Property types whose values are read for filters, facets and text search.
FACT_TYPES = frozenset(
    {
        registry.name,
        registry.address,
        registry.identifier,
        registry.country,
        registry.date,
        registry.topic,
        registry.gender,
        registry.phone,
        registry.email,
        registry.string,
        registry.number,
    }
)
# Of those, the types whose words ``/search`` finds (names count three times).
TEXT_TYPES = frozenset({registry.name, registry.address, registry.identifier, registry.string})
NO_TIME = np.iinfo(np.int64).min
FACETS = ("datasets", "schema", "countries", "identifiers", "topics", "genders")


@cache
def fact_props() -> tuple[str, ...]:
    names = {
        prop.name
        for schema in model.schemata.values()
        if schema.is_a("Thing")
        for prop in schema.properties.values()
        if not prop.stub and prop.type in FACT_TYPES
    }
    return tuple(sorted(names))


def _kind(schema: str, prop: str) -> str:
    """What a property's values are to the facts: names, text, countries..."""
    found = model.get(schema)
    prop_obj = found.get(prop) if found is not None else None
    if prop_obj is None:
        return ""
    kinds = {
        registry.country: "countries",
        registry.topic: "topics",
        registry.gender: "genders",
        registry.identifier: "identifiers",
        registry.name: "names",
    }
    if prop_obj.type in kinds:
        return kinds[prop_obj.type]
    return "text" if prop_obj.type in TEXT_TYPES else ""


@cache
def thing_schemata() -> frozenset[str]:
    return frozenset(s.name for s in model.schemata.values() if s.is_a("Thing"))


_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=200_000)
def tokens(text: str) -> tuple[str, ...]:
    """Words folded for search: case and accents dropped, any script kept."""
    folded = _COMBINING.sub("", unicodedata.normalize("NFKD", text.casefold()))
    return tuple(dict.fromkeys(_WORD.findall(folded)))


def _seconds(values: Sequence[str | None]) -> np.ndarray:
    """ISO timestamps (or dates) as seconds since the epoch; NO_TIME where absent."""
    out = np.full(len(values), NO_TIME, dtype=np.int64)
    for i, value in enumerate(values):
        if value:
            try:
                out[i] = np.datetime64(value[:19], "s").astype(np.int64)
            except ValueError:
                continue
    return out


def iso(seconds: int) -> str | None:
    if seconds == NO_TIME:
        return None
    return str(np.datetime64(int(seconds), "s"))


class Field:
    """Values of one field as CSR by value: each value's (entity, marking group) rows."""

    def __init__(self, values: list[str], pos: list[int], grp: list[int]) -> None:
        uniq, codes = np.unique(np.array(values, dtype=object), return_inverse=True)
        order = np.argsort(codes, kind="stable")
        self.values: list[str] = [str(v) for v in uniq]
        self.code = {v: i for i, v in enumerate(self.values)}
        self.val = codes[order].astype(np.int64)
        self.pos = np.array(pos, dtype=np.int32)[order]
        self.grp = np.array(grp, dtype=np.int32)[order]
        self.offsets = np.zeros(len(self.values) + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.val, minlength=len(self.values)), out=self.offsets[1:])

    @classmethod
    def from_arrays(
        cls, values: list[str], val: np.ndarray, pos: np.ndarray, grp: np.ndarray
    ) -> Field:
        """A field as saved (``Facts.save``): values, and the rows ordered by value."""
        found = cls.__new__(cls)
        found.values = values
        found.code = {v: i for i, v in enumerate(values)}
        found.val = val.astype(np.int64, copy=False)
        found.pos = pos.astype(np.int32, copy=False)
        found.grp = grp.astype(np.int32, copy=False)
        found.offsets = np.zeros(len(values) + 1, dtype=np.int64)
        np.cumsum(np.bincount(found.val, minlength=len(values)), out=found.offsets[1:])
        return found

    def rows(self, value: str) -> slice:
        code = self.code.get(value)
        if code is None:
            return slice(0, 0)
        return slice(int(self.offsets[code]), int(self.offsets[code + 1]))


@dataclass
class _Builder:
    ids: list[str] = field(default_factory=list)
    pos: dict[str, int] = field(default_factory=dict)
    groups: dict[Needs, int] = field(default_factory=dict)
    fields: dict[str, tuple[list[str], list[int], list[int]]] = field(
        default_factory=lambda: defaultdict(lambda: ([], [], []))
    )

    def entity(self, entity_id: str) -> int:
        found = self.pos.get(entity_id)
        if found is None:
            found = self.pos[entity_id] = len(self.ids)
            self.ids.append(entity_id)
        return found

    def group(self, needs: Needs) -> int:
        return self.groups.setdefault(needs, len(self.groups))

    def add(self, name: str, value: str, pos: int, grp: int) -> None:
        values, positions, groups = self.fields[name]
        values.append(value)
        positions.append(pos)
        groups.append(grp)


class Facts:
    """Filterable facts of every Thing in the store, for every marking (see module)."""

    def __init__(
        self,
        version: str,
        builder: _Builder,
        from_index: np.ndarray,
        times: tuple[np.ndarray, ...],
    ) -> None:
        self.version = version
        self.ids = builder.ids
        self.pos = builder.pos
        self.group_needs = list(builder.groups)
        self.fields = {name: Field(*rows) for name, rows in builder.fields.items()}
        # Schemas are per marking too (field "schemas"): a viewer's schema of an entity is
        # the one its visible statements give, never one a hidden statement says.
        found = self.fields.get("schemas")
        self.schema_names: list[str] = found.values if found is not None else []
        self.from_index = from_index
        self.times = times
        self._views: dict[frozenset[int], FactsView] = {}

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def build(cls, store: Store, index: Index) -> Facts:
        b = _Builder()
        kinds: dict[str, str] = {}
        things = thing_schemata()
        for entity_id, schema, prop, value, mark, dataset in store.current_values(fact_props()):
            if schema not in things:
                continue
            pos = b.entity(entity_id)
            grp = b.group(mark)
            b.add("present", "", pos, grp)
            b.add("datasets", dataset, pos, grp)
            b.add(f"properties.{prop}", value, pos, grp)
            kind = kinds.get(prop)
            if kind is None:
                kind = kinds[prop] = _kind(schema, prop)
            if kind in ("countries", "topics", "genders", "identifiers"):
                b.add(kind, value, pos, grp)
                if kind == "topics" and value in registry.topic.RISKS:
                    b.add("target", "true", pos, grp)
                if kind == "identifiers":
                    norm = normalise_id(ID_PROPS.get(prop, "id"), value)
                    if norm and norm != value:
                        b.add("identifiers", norm, pos, grp)
            if kind in ("names", "identifiers") or kind == "text":
                words = "names" if kind == "names" else "text"
                for word in tokens(value):
                    b.add(words, word, pos, grp)
        # Which schema each marking says an entity has (links left out, as the index does).
        for entity_id, schema, mark in store.current_schemas():
            pos_found = b.pos.get(entity_id)
            if pos_found is not None and schema in things:
                b.add("schemas", schema, pos_found, b.group(mark))
        # A Sanction with its authority and id makes its entity a target (index list ids).
        for entity in index.entities:
            pos_found = b.pos.get(entity.id)
            if pos_found is None:
                continue
            for _lid, needs in entity.list_ids:
                b.add("target", "true", pos_found, b.group(needs))
        # What FtM exports said: publishing datasets, target, referents.
        origin_rows: list[tuple[int, int, str | None, str | None, str | None]] = []
        for entity_id, mark, datasets, target, first, last, change in origins.all_origins(store):
            pos_found = b.pos.get(entity_id)
            if pos_found is None:
                continue
            grp = b.group(mark)
            for name in datasets:
                b.add("datasets", name, pos_found, grp)
            if target:
                b.add("target", "true", pos_found, grp)
            origin_rows.append((pos_found, grp, first, last, change))
        for entity_id, referent, mark in origins.all_referents(store):
            pos_found = b.pos.get(entity_id)
            if pos_found is not None:
                b.add("referents", referent, pos_found, b.group(mark))
        stmt_rows = [
            (b.pos[entity_id], b.group(mark), first, last, change)
            for entity_id, mark, first, last, change in origins.statement_times(store)
            if entity_id in b.pos
        ]
        times = (
            np.array([r[0] for r in stmt_rows], dtype=np.int32),
            np.array([r[1] for r in stmt_rows], dtype=np.int32),
            _seconds([r[2] for r in stmt_rows]),
            _seconds([r[3] for r in stmt_rows]),
            _seconds([r[4] for r in stmt_rows]),
            np.array([r[0] for r in origin_rows], dtype=np.int32),
            np.array([r[1] for r in origin_rows], dtype=np.int32),
            _seconds([r[2] for r in origin_rows]),
            _seconds([r[3] for r in origin_rows]),
            _seconds([r[4] for r in origin_rows]),
        )
        from_index = np.array([b.pos.get(e.id, -1) for e in index.entities], dtype=np.int64)
        return cls(index.version, b, from_index, times)

    # -- persistence ----------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Saved as data only, like the index (``Index.save``): numpy arrays and JSON in
        one ``.npz``, readable by its owner only (restricted values are in it)."""
        names = sorted(self.fields)
        meta = {
            "format": FACTS_FORMAT,
            "version": self.version,
            "ids": self.ids,
            "group_needs": self.group_needs,
            "fields": [[name, self.fields[name].values] for name in names],
        }
        arrays: dict[str, np.ndarray] = {
            "meta": np.frombuffer(orjson.dumps(meta), dtype=np.uint8),
            "version": np.array(self.version),
            **{f"times{i}": a for i, a in enumerate(self.times)},
        }
        for i, name in enumerate(names):
            found = self.fields[name]
            arrays.update({f"val{i}": found.val, f"pos{i}": found.pos, f"grp{i}": found.grp})
        write_private(path, arrays)

    @classmethod
    def load(cls, path: Path, index: Index) -> Facts | None:
        """The facts saved for ``index``'s version, or None when the file is missing, of
        another version or format, or not facts at all (then the caller builds them)."""
        try:
            with np.load(path, allow_pickle=False) as saved:
                meta = orjson.loads(saved["meta"].tobytes())
                if not isinstance(meta, dict) or meta.get("format") != FACTS_FORMAT:
                    return None
                if meta.get("version") != index.version:
                    return None
                ids = [str(i) for i in meta["ids"]]
                group_needs = [_needs(n) for n in meta["group_needs"]]
                fields = {}
                for i, (name, values) in enumerate(meta["fields"]):
                    val, pos, grp = saved[f"val{i}"], saved[f"pos{i}"], saved[f"grp{i}"]
                    if not len(val) == len(pos) == len(grp):
                        return None
                    if not (
                        _within(val, len(values))
                        and _within(pos, len(ids))
                        and _within(grp, len(group_needs))
                    ):
                        return None
                    fields[str(name)] = Field.from_arrays([str(v) for v in values], val, pos, grp)
                times = tuple(saved[f"times{i}"] for i in range(TIMES))
                # positions and marking groups of the statements' and origins' times
                for at, size in (
                    (0, len(ids)),
                    (1, len(group_needs)),
                    (5, len(ids)),
                    (6, len(group_needs)),
                ):
                    if not _within(times[at], size):
                        return None
        except (*UNREADABLE, TypeError, IndexError, orjson.JSONDecodeError):
            return None
        facts = cls.__new__(cls)
        facts.version = index.version
        facts.ids = ids
        facts.pos = {entity_id: i for i, entity_id in enumerate(ids)}
        facts.group_needs = group_needs
        facts.fields = fields
        found = fields.get("schemas")
        facts.schema_names = found.values if found is not None else []
        # the index's own order: an index of the same version built elsewhere may differ
        facts.from_index = np.array(
            [facts.pos.get(e.id, -1) for e in index.entities], dtype=np.int64
        )
        facts.times = times
        facts._views = {}
        return facts

    def view(self, marking_ids: frozenset[int]) -> FactsView:
        found = self._views.get(marking_ids)
        if found is None:
            if len(self._views) >= 64:
                self._views.clear()
            found = self._views[marking_ids] = FactsView(self, marking_ids)
        return found


def _within(codes: np.ndarray, size: int) -> bool:
    """Every code of ``codes`` is a position among ``size``."""
    return not len(codes) or (int(codes.min()) >= 0 and int(codes.max()) < size)


# The arrays of first seen / last seen / last change ``Facts.times`` holds.
TIMES = 10
# The saved file's layout: bump it when it changes.
FACTS_FORMAT = 1


def facts_path(cache_dir: Path) -> Path:
    return cache_dir / "screening" / "facts.npz"


def load_or_build_facts(store: Store, index: Index, cache_dir: Path, save: bool = True) -> Facts:
    """The facts saved for ``index``'s version (the importing process saves them beside
    the index: ``save_facts``), else built from the store (and saved)."""
    path = facts_path(cache_dir)
    facts = Facts.load(path, index) if path.exists() else None
    if facts is None:
        facts = Facts.build(store, index)
        if save:
            facts.save(path)
    return facts


def save_facts(store: Store, index: Index, cache_dir: Path) -> None:
    """Build and save the facts of ``index`` (after an import saved it): a server then
    loads them (arrays) rather than building them, which at UN and OFAC scale took 4 s
    of its CPU, and of the lock its requests run under, in each worker."""
    Facts.build(store, index).save(facts_path(cache_dir))


class FactsView:
    """The facts one viewer may see."""

    def __init__(self, facts: Facts, marking_ids: frozenset[int]) -> None:
        self.facts = facts
        self.shown = np.array(
            [_seen(needs, marking_ids) for needs in facts.group_needs] or [False], dtype=bool
        )
        self.present = self.any_of("present", [""])
        self.schema = self._schemas()
        self._times: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._values: dict[str, list[str]] = {}
        self._sets: dict[str, frozenset[str]] = {}

    def _empty(self) -> np.ndarray:
        return np.zeros(len(self.facts), dtype=bool)

    def any_of(self, name: str, values: Iterable[str]) -> np.ndarray:
        """Entities with at least one visible value of ``name`` among ``values``."""
        out = self._empty()
        found = self.facts.fields.get(name)
        if found is None:
            return out
        for value in values:
            rows = found.rows(value)
            pos, grp = found.pos[rows], found.grp[rows]
            out[pos[self.shown[grp]]] = True
        return out

    def values(self, name: str) -> list[str]:
        """The values of ``name`` this viewer may see on some entity (kept: the view
        lives as long as its index)."""
        cached = self._values.get(name)
        if cached is None:
            found = self.facts.fields.get(name)
            if found is None:
                return []
            keep = self.shown[found.grp]
            cached = [found.values[int(c)] for c in np.unique(found.val[keep])]
            self._values[name] = cached
        return cached

    def has(self, name: str, value: str) -> bool:
        """Whether the viewer may see ``value`` of ``name`` on some entity."""
        found = self._sets.get(name)
        if found is None:
            found = self._sets[name] = frozenset(self.values(name))
        return value in found

    def count(self, name: str, within: np.ndarray) -> list[tuple[str, int]]:
        """Entities of ``within`` per visible value of ``name``, most first."""
        found = self.facts.fields.get(name)
        if found is None or not len(found.pos):
            return []
        keep = within[found.pos] & self.shown[found.grp]
        pairs = np.unique(found.val[keep] * len(self.facts) + found.pos[keep])
        counts = np.bincount(pairs // len(self.facts), minlength=len(found.values))
        ranked = sorted(
            ((found.values[i], int(n)) for i, n in enumerate(counts) if n),
            key=lambda kv: (-kv[1], kv[0]),
        )
        return ranked

    def _schemas(self) -> np.ndarray:
        """Per entity, the code (in ``facts.schema_names``) of the schema this viewer's
        visible statements give it: the most specific of them, as FtM merges schemata;
        -1 where it sees none or they cannot be one entity."""
        out = np.full(len(self.facts), -1, dtype=np.int64)
        found = self.facts.fields.get("schemas")
        if found is None or not len(found.pos):
            return out
        keep = self.shown[found.grp]
        size = len(found.values)
        pairs = np.unique(found.pos[keep].astype(np.int64) * size + found.val[keep])
        pos, val = pairs // size, pairs % size
        counts = np.bincount(pos, minlength=len(self.facts))
        single = counts[pos] == 1
        out[pos[single]] = val[single]
        several: dict[int, list[str]] = defaultdict(list)
        for p, v in zip(pos[~single].tolist(), val[~single].tolist(), strict=True):
            several[p].append(found.values[v])
        for p, names in several.items():
            common = common_schema(sorted(names))
            out[p] = found.code[common] if common is not None else -1
        return out

    def schema_mask(self, names: Iterable[str]) -> np.ndarray:
        wanted = set(names)
        codes = [i for i, s in enumerate(self.facts.schema_names) if s in wanted]
        return np.isin(self.schema, codes)

    def schema_counts(self, within: np.ndarray) -> list[tuple[str, int]]:
        shown = self.schema[within]
        counts = np.bincount(shown[shown >= 0], minlength=len(self.facts.schema_names))
        return sorted(
            ((self.facts.schema_names[i], int(n)) for i, n in enumerate(counts) if n),
            key=lambda kv: (-kv[1], kv[0]),
        )

    def times(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """First seen, last seen and last change per entity (seconds; NO_TIME if none),
        over what this viewer may see: an FtM export's own dates where it gave them,
        else the statements' history."""
        if self._times is None:
            size = len(self.facts)
            s_pos, s_grp, s_first, s_last, s_change = self.facts.times[:5]
            o_pos, o_grp, o_first, o_last, o_change = self.facts.times[5:]
            first = _least(size, s_pos, s_grp, s_first, self.shown)
            last = _most(size, s_pos, s_grp, s_last, self.shown)
            change = _most(size, s_pos, s_grp, s_change, self.shown)
            # An FtM export's own dates, where it gave them, over the import's history.
            dated_first = _least(size, o_pos, o_grp, o_first, self.shown)
            dated_last = _most(size, o_pos, o_grp, o_last, self.shown)
            dated_change = _most(size, o_pos, o_grp, o_change, self.shown)
            first = np.where(dated_first != NO_TIME, dated_first, first)
            last = np.where(dated_last != NO_TIME, dated_last, last)
            change = np.where(dated_change != NO_TIME, dated_change, change)
            self._times = (first, last, change)
        return self._times


def _most(
    size: int, pos: np.ndarray, grp: np.ndarray, values: np.ndarray, shown: np.ndarray
) -> np.ndarray:
    out = np.full(size, NO_TIME, dtype=np.int64)
    if len(grp):
        keep = shown[grp]
        np.maximum.at(out, pos[keep], values[keep])
    return out


def _least(
    size: int, pos: np.ndarray, grp: np.ndarray, values: np.ndarray, shown: np.ndarray
) -> np.ndarray:
    never = np.iinfo(np.int64).max
    out = np.full(size, never, dtype=np.int64)
    if len(grp):
        keep = shown[grp] & (values != NO_TIME)
        np.minimum.at(out, pos[keep], values[keep])
    out[out == never] = NO_TIME
    return out


@dataclass(frozen=True)
class Filters:
    """What a request restricts its results to (yente's parameters)."""

    scope: str | None = None
    """A dataset named in the path, or None for every dataset (a collection)."""
    include_dataset: tuple[str, ...] = ()
    exclude_dataset: tuple[str, ...] = ()
    schemata: tuple[str, ...] = ()
    exclude_schema: tuple[str, ...] = ()
    terms: tuple[tuple[str, str], ...] = ()
    """(field, value): topics, countries, datasets, target, properties.<name>..."""
    all_terms: bool = False
    """filter_op AND: every value of a field must be present, rather than any."""
    changed_since: str | None = None
    exclude_entity_ids: tuple[str, ...] = ()

    @property
    def restricts(self) -> bool:
        return bool(
            self.scope
            or self.include_dataset
            or self.exclude_dataset
            or self.schemata
            or self.exclude_schema
            or self.terms
            or self.changed_since
            or self.exclude_entity_ids
        )


def mask(view: FactsView, filters: Filters) -> np.ndarray:
    """The entities ``filters`` leave, among those the viewer may see."""
    out = view.present.copy()
    if filters.scope is not None or filters.include_dataset or filters.exclude_dataset:
        names = {filters.scope} if filters.scope is not None else set(view.values("datasets"))
        if filters.include_dataset:
            names &= set(filters.include_dataset)
        names -= set(filters.exclude_dataset)
        out &= view.any_of("datasets", sorted(names))
    if filters.schemata:
        out &= view.schema_mask(filters.schemata)
    if filters.exclude_schema:
        out &= ~view.schema_mask(filters.exclude_schema)
    by_field: dict[str, list[str]] = defaultdict(list)
    for name, value in filters.terms:
        by_field[name].append(value)
    for name, values in by_field.items():
        if name == "target":
            targets = view.any_of("target", ["true"])
            wanted = {v.lower() in ("true", "1", "yes") for v in values}
            if wanted == {True}:
                out &= targets
            elif wanted == {False}:
                out &= ~targets
            elif filters.all_terms:
                out &= False
            continue
        if name == "schema":
            out &= view.schema_mask(values)
            continue
        if name == "entity_id":
            out &= _ids(view, values)
            continue
        if filters.all_terms:
            for value in values:
                out &= view.any_of(name, [value])
        else:
            out &= view.any_of(name, values)
    if filters.changed_since:
        since = np.datetime64(filters.changed_since[:19], "s").astype(np.int64)
        _first, _last, change = view.times()
        out &= change > since
    if filters.exclude_entity_ids:
        out &= ~_ids(view, filters.exclude_entity_ids)
        out &= ~view.any_of("referents", filters.exclude_entity_ids)
    return out


def _ids(view: FactsView, ids: Iterable[str]) -> np.ndarray:
    out = np.zeros(len(view.facts), dtype=bool)
    for entity_id in ids:
        pos = view.facts.pos.get(entity_id)
        if pos is not None:
            out[pos] = True
    return out


def index_mask(facts: Facts, entities: np.ndarray) -> np.ndarray:
    """``entities`` (over the facts) as a mask over the screening index's entities."""
    known = facts.from_index >= 0
    out = np.zeros(len(facts.from_index), dtype=bool)
    out[known] = entities[facts.from_index[known]]
    return out


class _ScopedView:
    """An index view whose retrieval only considers the ``allowed`` entities. Token
    weights stay those of the whole view: a score does not depend on the scope."""

    def __init__(self, view: IndexView, allowed: np.ndarray) -> None:
        self._view = view
        self._allowed = allowed
        self.size = view.size
        self.weight = view.weight
        self.postings = view.postings
        self.fuzzy_keys = view.fuzzy_keys

    def candidates(self, keys: set[str], limit: int, fuzzy: Collection[str] = ()) -> list[int]:
        return self._view.candidates(keys, limit, self._allowed, fuzzy)


def scoped(screener: Screener, allowed: np.ndarray) -> Screener:
    """``screener`` retrieving only among ``allowed`` (a mask over the index)."""
    out = copy.copy(screener)
    out.view = _ScopedView(screener.view, allowed)  # type: ignore[assignment]
    return out


def text_matches(view: FactsView, words: Sequence[str], within: np.ndarray) -> dict[int, float]:
    """Entities of ``within`` having every one of ``words`` (names or other text), with a
    relevance: each word's rarity, three times over where it is in a name."""
    if not words:
        return {}
    size = max(int(view.present.sum()), 1)
    found = within.copy()
    relevance = np.zeros(len(view.facts), dtype=np.float64)
    for word in words:
        names = view.any_of("names", [word])
        text = view.any_of("text", [word])
        either = names | text
        found &= either
        if not found.any():
            return {}
        rarity = math.log((size + 1) / max(int(either.sum()), 1)) + 0.1
        relevance += rarity * np.where(names, 3.0, 1.0)
    return {int(p): float(relevance[p]) for p in np.flatnonzero(found)}
