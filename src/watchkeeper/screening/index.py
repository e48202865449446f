"""The candidate index: every matchable entity of the store, by name keys and identifiers.

Built from the store's current statements *for every marking*, each value keeping the
marking(s) it needs. A query only ever touches what its viewer may see: every posting
carries the marking group of the name or identifier that made it, and a viewer's
``IndexView`` drops the postings it may not see *before* retrieval, and counts the token
weights (IDF) and the number of entities over what remains. So a restricted alias can
neither pull its entity into another viewer's candidates, push a visible one out, nor
shift a visible score: one viewer's results are exactly those of an index built from
that viewer's values alone.
Retrieval keys per name reading: folded tokens, Korean syllable keys, unordered pairs of
tokens (rare even when every token is common, as in Korean names) and the whole name
joined (CHONMASAN = CHON MA SAN). Identifiers are keys of their own.

Persisted next to the store as data only — numpy arrays for the postings and JSON for
the entities and keys, in one ``.npz`` read with ``allow_pickle=False`` — so a tampered
cache file can at worst fail to load (and is rebuilt), never run code. Rebuilt whenever
``Store.version()`` changes.
"""

from __future__ import annotations

import gc
import math
import os
import re
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from followthemoney import model
from followthemoney.exc import InvalidData
from rapidfuzz.distance import Levenshtein

from watchkeeper.model.lists import list_id
from watchkeeper.screening.names import Name, analyse, fold, korean_word, rules_digest
from watchkeeper.store.core import Store

# The saved file's layout and the name-analysis code behind its keys: bump it when either
# changes (a change to the rules declared in data/*.yaml is caught by ``rules_digest``).
FORMAT = 7
NAME_PROPS = ("name", "alias", "weakAlias", "previousName")
# Identifier properties and the kind they are compared as.
ID_PROPS = {
    "imoNumber": "imo",
    "mmsi": "mmsi",
    "callSign": "callsign",
    "passportNumber": "passport",
    "idNumber": "id",
    "registrationNumber": "registration",
    "innCode": "inn",
    "ogrnCode": "ogrn",
    "taxNumber": "tax",
    "swiftBic": "swift",
    "leiCode": "lei",
    "serialNumber": "serial",
    "number": "document",
    # what screens a bank account or a crypto wallet (FtM's BankAccount, CryptoWallet)
    "iban": "iban",
    "accountNumber": "account",
    "publicKey": "wallet",
}
ID_KINDS = frozenset(ID_PROPS.values())
DATE_PROPS = ("birthDate",)
COUNTRY_PROPS = ("nationality", "citizenship", "country", "jurisdiction", "flag")
LINK_PROPS = ("entity", "holder")
SANCTION_PROPS = ("authority", "unscId", "authorityId")
# The sanctions programmes a list gives an entry (DPRK3, BURMA-EO14014, the UN's DPRK):
# screening does not read them; xref weighs a programme that says which country an
# entry belongs to (investigations/programmes.yaml).
PROGRAM_PROPS = ("program",)
ALL_PROPS = (
    *NAME_PROPS,
    *ID_PROPS,
    *DATE_PROPS,
    *COUNTRY_PROPS,
    *LINK_PROPS,
    *SANCTION_PROPS,
    *PROGRAM_PROPS,
)
# Candidates whose shared-key weight is below this share of the best one are dropped.
CANDIDATE_FLOOR = 0.25
# Views are cached per set of visible markings; a service has few distinct viewers.
MAX_VIEWS = 64
# Fuzzy retrieval (yente's ``fuzzy``, on by default): a query word of at least FUZZY_MIN
# letters that no name the viewer may see has is looked up among the listed words that
# begin or end with its first or last FUZZY_AFFIX letters, are of a near length and lie
# within one typing error of it (two from FUZZY_TWO letters on). Such words weigh half
# in retrieval; the score alone decides whether the candidate is a match.
FUZZY_MIN = 5
FUZZY_AFFIX = 3
FUZZY_TWO = 8
FUZZY_WEIGHT = 0.5
ORG_SCHEMATA = frozenset({"Organization", "Company", "LegalEntity", "PublicBody"})

# A value needs one marking, or several (a list id needs the Sanction's id, its link to
# the entity and its authority all visible).
Needs = int | tuple[int, ...]
Value = tuple[str, Needs]


def normalise_id(kind: str, value: str) -> str:
    text = re.sub(r"[^0-9A-Z]", "", value.upper())
    if kind == "imo" and text.startswith("IMO"):
        text = text[3:]
    return text


def is_org(schema: str) -> bool:
    return schema in ORG_SCHEMATA


@dataclass(slots=True)
class Listed:
    """An entity as the index keeps it, every value with the marking(s) it needs.

    ``schema`` is the schema of everything the store says of it (it decides how names are
    keyed); ``schemas`` are the schemata its statements give, each with its marking, so
    that a viewer gets the schema its own visible statements give (``visible``)."""

    id: str
    schema: str
    schemas: list[Value] = field(default_factory=list)
    names: list[Value] = field(default_factory=list)
    ids: list[tuple[str, str, Needs]] = field(default_factory=list)
    dates: list[Value] = field(default_factory=list)
    countries: list[Value] = field(default_factory=list)
    datasets: list[Value] = field(default_factory=list)
    list_ids: list[Value] = field(default_factory=list)
    programs: list[Value] = field(default_factory=list)


def _seen(needs: Needs, visible: frozenset[int]) -> bool:
    if isinstance(needs, int):
        return needs in visible
    return all(n in visible for n in needs)


@dataclass(frozen=True)
class Visible:
    """What one viewer may see of a listed entity."""

    id: str
    schema: str
    names: tuple[str, ...]
    ids: tuple[tuple[str, str], ...]
    dates: tuple[str, ...]
    countries: tuple[str, ...]
    datasets: tuple[str, ...]
    list_ids: tuple[str, ...]
    programs: tuple[str, ...] = ()

    @property
    def caption(self) -> str:
        return self.names[0] if self.names else self.id


def common_schema(names: Iterable[str]) -> str | None:
    """The schema FtM gives an entity whose statements carry ``names``; None when they
    cannot be one entity (or there are none)."""
    found = None
    for name in names:
        try:
            found = model.get(name) if found is None else model.common_schema(found, name)
        except InvalidData:
            return None
    return found.name if found is not None else None


def viewer_schema(entity: Listed, marking_ids: frozenset[int]) -> str | None:
    """The matchable schema the viewer's visible statements give ``entity``, or None."""
    names = {v for v, n in entity.schemas if _seen(n, marking_ids)}
    name = names.pop() if len(names) == 1 else common_schema(sorted(names))
    return name if name is not None and _matchable(name) else None


def uniform(entity: Listed) -> bool:
    """Do all of the entity's statements give it one schema? (Then every viewer who sees a
    name or an identifier of it sees that schema.)"""
    return len({name for name, _ in entity.schemas}) <= 1


def visible(entity: Listed, marking_ids: frozenset[int]) -> Visible | None:
    def pick(values: list[Value]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v for v, n in values if _seen(n, marking_ids)))

    names = pick(entity.names)
    ids = tuple(dict.fromkeys((k, v) for k, v, n in entity.ids if _seen(n, marking_ids)))
    if not names and not ids:
        return None
    schema = viewer_schema(entity, marking_ids)
    if schema is None:
        return None
    return Visible(
        entity.id,
        schema,
        names,
        ids,
        pick(entity.dates),
        pick(entity.countries),
        tuple(sorted(set(pick(entity.datasets)))),
        tuple(sorted(set(pick(entity.list_ids)))),
        pick(entity.programs),
    )


def name_keys(name: Name) -> set[str]:
    if name.tokens and all(t.korean for t in name.tokens):
        # Korean: by syllable, so that KIM JONG UN, Kim Jong-un and 김정은 share keys.
        units = [s for t in name.tokens for s in (t.korean or "").split("-")]
        keys = {"k:" + s for s in units}
        keys.add("kj:" + "-".join(units))
        for token in name.tokens:  # a given name written as one word, split another way
            keys.update("k:" + s for alt in token.korean_alts for s in alt.split("-"))
    else:
        units = [t.key for t in name.tokens]
        keys = set(units)
        # the words' letters folded as one word (RYONGGANG 2 and RYONG GANG 2 alike)
        keys.add("j:" + fold("".join(t.text for t in name.tokens)))
        for token in name.tokens:
            keys.update(token.alternatives)  # Patrouchev: also patrushev
            korean = korean_word(token.text)
            if korean:  # 해성 read HAESONG finds HESONG: the same Korean syllables
                keys.add("kw:" + korean)
    # The whole name in Chinese syllable classes, so that Chou Chien-shu (which also reads
    # as Korean) finds ZHOU Jianshu. Whole names only: a key per syllable would be as
    # common as the syllable (measured: batch screening 30 % slower at 100 k).
    joined = [""]
    for token in name.tokens:
        if not token.chinese:
            break
        joined = [f"{j}-{c}" if j else c for j in joined for c in sorted(token.chinese)][:8]
    else:
        if name.tokens:
            keys.update("zh:" + "".join(j.split("-")) for j in joined)
    ordered = sorted(set(units))
    if len(ordered) <= 6:
        keys.update(f"p:{a}|{b}" for a, b in combinations(ordered, 2))
    return keys


# A name that may carry a vessel's type prefix (M/V, MT) or digits written onto a word
# (YUSONG12): it is also keyed as a vessel's name.
MAYBE_VESSEL = re.compile(r"^\s*(?:[MmSsFf]\W?[VvTtSsYy]\b|[Mm][Ff][Vv]\b)|[^\W\d_]\d|\d[^\W\d_]")


def entity_keys(names: Iterable[str], ids: Iterable[tuple[str, str]], org: bool) -> set[str]:
    """Retrieval keys of names and identifiers: of every reading a name may have (Han
    characters in Korean too, a vessel's name without its prefix); scoring decides which
    reading counts."""
    keys: set[str] = set()
    for name in names:
        for reading in analyse(name, org, korean=True):
            keys |= name_keys(reading)
        if MAYBE_VESSEL.search(name):
            for reading in analyse(name, org, vessel=True, korean=True):
                keys |= name_keys(reading)
    keys.update(f"id:{kind}:{value}" for kind, value in ids)
    return keys


def _keys_by_group(entity: Listed, groups: dict[Needs, int]) -> dict[str, list[int]]:
    """Each retrieval key of ``entity`` with the marking groups of the values making it
    (usually one; two when, say, a public and a restricted alias share a token)."""
    by_needs: dict[Needs, tuple[list[str], list[tuple[str, str]]]] = {}
    for name, needs in entity.names:
        by_needs.setdefault(needs, ([], []))[0].append(name)
    for kind, value, needs in entity.ids:
        by_needs.setdefault(needs, ([], []))[1].append((kind, value))
    org = is_org(entity.schema)
    out: dict[str, list[int]] = {}
    for needs, (names, ids) in by_needs.items():
        group = groups.setdefault(needs, len(groups))
        for key in entity_keys(names, ids, org):
            out.setdefault(key, []).append(group)
    return out


class Index:
    def __init__(self, version: str, entities: list[Listed]) -> None:
        collecting = gc.isenabled()
        gc.disable()  # millions of small, kept objects: see ``load``
        try:
            self._build(version, entities)
        finally:
            if collecting:
                gc.enable()

    def _build(self, version: str, entities: list[Listed]) -> None:
        self.version = version
        self.entities = entities
        self.by_id = {e.id: i for i, e in enumerate(entities)}
        groups: dict[Needs, int] = {}
        postings: dict[str, list[int]] = defaultdict(list)
        posting_groups: dict[str, list[int]] = defaultdict(list)
        repeated: set[str] = set()
        for idx, entity in enumerate(entities):
            for key, key_groups in _keys_by_group(entity, groups).items():
                if len(key_groups) > 1:
                    repeated.add(key)
                postings[key].extend([idx] * len(key_groups))
                posting_groups[key].extend(key_groups)
        self.keys = {key: i for i, key in enumerate(postings)}
        self.offsets = np.zeros(len(postings) + 1, dtype=np.int64)
        np.cumsum([len(p) for p in postings.values()], out=self.offsets[1:])
        flat = np.empty(int(self.offsets[-1]), dtype=np.int32)
        flat_groups = np.empty(int(self.offsets[-1]), dtype=np.int32)
        for i, (plist, glist) in enumerate(
            zip(postings.values(), posting_groups.values(), strict=True)
        ):
            flat[self.offsets[i] : self.offsets[i + 1]] = plist
            flat_groups[self.offsets[i] : self.offsets[i + 1]] = glist
        self.flat = flat
        self.groups = flat_groups
        self.group_needs = list(groups)
        self.repeated = np.zeros(len(postings), dtype=bool)
        self.repeated[[self.keys[k] for k in repeated]] = True
        self.size = _live(entities)
        self._views: dict[frozenset[int], IndexView] = {}
        self._nonuniform: np.ndarray | None = None
        self._fuzzy: tuple[dict[str, list[str]], dict[str, list[str]]] | None = None

    def nonuniform(self) -> np.ndarray:
        """Positions of entities whose statements give them more than one schema: for
        those, what a viewer sees decides whether it can match them at all."""
        if self._nonuniform is None:
            self._nonuniform = np.array(
                [i for i, e in enumerate(self.entities) if not uniform(e)], dtype=np.int64
            )
        return self._nonuniform

    def __len__(self) -> int:
        return self.size

    def update(self, version: str, fresh: list[Listed], affected: Collection[str]) -> None:
        """Bring the index to ``version`` by replacing the ``affected`` entities with
        their ``fresh`` reading (an affected entity missing from ``fresh`` has gone: it
        keeps its slot, empty). The result answers exactly as a full build would; only
        the entities' internal positions differ."""
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._update(version, fresh, affected)
        finally:
            if collecting:
                gc.enable()

    def _update(self, version: str, fresh: list[Listed], affected: Collection[str]) -> None:
        by_fresh = {e.id: e for e in fresh}
        dead = np.zeros(len(self.entities) + len(by_fresh), dtype=bool)
        placed: list[int] = []
        for entity_id in affected:
            idx = self.by_id.get(entity_id)
            if idx is not None:
                dead[idx] = True
                self.entities[idx] = by_fresh.pop(entity_id, Listed(entity_id, GONE))
                placed.append(idx)
        for entity in by_fresh.values():
            self.by_id[entity.id] = len(self.entities)
            placed.append(len(self.entities))
            self.entities.append(entity)
        dead = dead[: len(self.entities)]

        groups = {needs: i for i, needs in enumerate(self.group_needs)}
        delta: dict[str, list[int]] = defaultdict(list)
        delta_groups: dict[str, list[int]] = defaultdict(list)
        repeated: set[str] = set()
        for idx in sorted(placed):
            for key, key_groups in _keys_by_group(self.entities[idx], groups).items():
                if len(key_groups) > 1:
                    repeated.add(key)
                delta[key].extend([idx] * len(key_groups))
                delta_groups[key].extend(key_groups)
        self.group_needs = list(groups)
        for key in delta:
            self.keys.setdefault(key, len(self.keys))

        # One CSR again: the old postings of live entities, each key's new ones after them.
        rows_before = len(self.offsets) - 1
        rows = np.repeat(np.arange(rows_before, dtype=np.int32), np.diff(self.offsets))
        keep = ~dead[self.flat]
        kept_rows = rows[keep]
        kept = np.bincount(kept_rows, minlength=len(self.keys)).astype(np.int64)
        added = np.zeros(len(self.keys), dtype=np.int64)
        for key, plist in delta.items():
            added[self.keys[key]] = len(plist)
        offsets = np.zeros(len(self.keys) + 1, dtype=np.int64)
        np.cumsum(kept + added, out=offsets[1:])
        kept_start = np.zeros(len(self.keys), dtype=np.int64)
        np.cumsum(kept[:-1], out=kept_start[1:])
        position = offsets[kept_rows] + (np.arange(len(kept_rows)) - kept_start[kept_rows])
        flat = np.empty(int(offsets[-1]), dtype=np.int32)
        flat_groups = np.empty(int(offsets[-1]), dtype=np.int32)
        flat[position] = self.flat[keep]
        flat_groups[position] = self.groups[keep]
        for key, plist in delta.items():
            row = self.keys[key]
            start = int(offsets[row] + kept[row])
            flat[start : start + len(plist)] = plist
            flat_groups[start : start + len(plist)] = delta_groups[key]
        flags = np.zeros(len(self.keys), dtype=bool)
        flags[:rows_before] = self.repeated
        flags[[self.keys[k] for k in repeated]] = True
        self.offsets, self.flat, self.groups, self.repeated = offsets, flat, flat_groups, flags
        self.version = version
        self.size = _live(self.entities)
        self._views = {}
        self._nonuniform = None
        self._fuzzy = None

    def fuzzy_words(self) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """The listed words (name keys of letters only, FUZZY_MIN or more) by their first
        and by their last FUZZY_AFFIX letters with their length (``_affixes``); computed
        once per state of the index."""
        found: tuple[dict[str, list[str]], dict[str, list[str]]] | None = getattr(
            self, "_fuzzy", None
        )
        if found is None:
            starts: dict[str, list[str]] = defaultdict(list)
            ends: dict[str, list[str]] = defaultdict(list)
            for key in self.keys:
                if len(key) >= FUZZY_MIN and key.isalpha():
                    start, end = _affixes(key, len(key))
                    starts[start].append(key)
                    ends[end].append(key)
            found = self._fuzzy = (dict(starts), dict(ends))
        return found

    def view(self, marking_ids: frozenset[int]) -> IndexView:
        """The index as a viewer who may see ``marking_ids`` sees it (cached)."""
        found = self._views.get(marking_ids)
        if found is None:
            if len(self._views) >= MAX_VIEWS:
                self._views.clear()
            found = self._views[marking_ids] = IndexView(self, marking_ids)
        return found

    def restricted(self, marking_ids: frozenset[int]) -> Index:
        """A copy holding only what a viewer who may see ``marking_ids`` may see: values,
        postings and keys; an entity it sees nothing of keeps its slot, empty and without
        its id. It answers that viewer exactly as this index does; it is what may travel
        to machines the viewer's data may go to (Spark executors)."""
        view = self.view(marking_ids)
        hidden = {i for i, needs in enumerate(self.group_needs) if not _seen(needs, marking_ids)}
        keep = view._shown[self.groups]
        if view._blocked is not None:
            keep &= ~view._blocked[self.flat]
        rows = np.repeat(np.arange(len(self.keys), dtype=np.int64), np.diff(self.offsets))[keep]
        counts = np.bincount(rows, minlength=len(self.keys))
        names = list(self.keys)
        kept_keys = [names[i] for i in np.flatnonzero(counts)]
        offsets = np.zeros(len(kept_keys) + 1, dtype=np.int64)
        np.cumsum(counts[counts > 0], out=offsets[1:])
        entities = [_restrict(e, marking_ids) for e in self.entities]
        copy = Index.__new__(Index)
        copy.version = self.version
        copy.entities = entities
        copy.by_id = {e.id: i for i, e in enumerate(entities) if e.schema != GONE}
        copy.keys = {key: i for i, key in enumerate(kept_keys)}
        copy.offsets = offsets
        copy.flat = self.flat[keep]
        copy.groups = self.groups[keep]
        copy.repeated = self.repeated[np.flatnonzero(counts)]
        # Hidden groups keep their place (postings refer to them by position) but not
        # their markings: no viewer sees them, and no posting is left in them.
        copy.group_needs = [
            (-1,) if i in set(hidden) else n for i, n in enumerate(self.group_needs)
        ]
        copy.size = _live(entities)
        copy._views = {}
        copy._nonuniform = None
        return copy

    def __getstate__(self) -> dict[str, Any]:
        # Views are rebuilt where the index lands (Spark workers), not shipped.
        state = dict(self.__dict__)
        state["_views"] = {}
        state["_nonuniform"] = None
        state["_fuzzy"] = None
        return state

    # -- persistence ----------------------------------------------------------------------

    def save(self, path: Path) -> None:
        meta = {
            "format": FORMAT,
            "rules": rules_digest(),
            "version": self.version,
            "keys": list(self.keys),
            "group_needs": self.group_needs,
            "entities": [
                [
                    e.id,
                    e.schema,
                    e.names,
                    e.ids,
                    e.dates,
                    e.countries,
                    e.datasets,
                    e.list_ids,
                    e.schemas,
                    e.programs,
                ]
                for e in self.entities
            ],
        }
        write_private(
            path,
            {
                "offsets": self.offsets,
                "flat": self.flat,
                "groups": self.groups,
                "repeated": self.repeated,
                "meta": np.frombuffer(orjson.dumps(meta), dtype=np.uint8),
                "version": np.array(self.version),
            },
        )

    @classmethod
    def load(cls, path: Path) -> Index | None:
        """The saved index, or None when the file is missing, of another format, or not
        an index at all (then the caller rebuilds it)."""
        # A million small objects arrive at once: the collector would rescan them all
        # again and again for nothing (they are all kept).
        collecting = gc.isenabled()
        gc.disable()
        try:
            return cls._load(path)
        finally:
            if collecting:
                gc.enable()

    @classmethod
    def _load(cls, path: Path) -> Index | None:
        try:
            with np.load(path, allow_pickle=False) as arrays:
                meta = orjson.loads(arrays["meta"].tobytes())
                offsets, flat = arrays["offsets"], arrays["flat"]
                groups, repeated = arrays["groups"], arrays["repeated"]
            if not isinstance(meta, dict) or meta.get("format") != FORMAT:
                return None
            if meta.get("rules") != rules_digest():
                return None
            entities = [_listed(row) for row in meta["entities"]]
            keys = {key: i for i, key in enumerate(meta["keys"])}
            group_needs = [_needs(n) for n in meta["group_needs"]]
        except (*UNREADABLE, TypeError, IndexError, orjson.JSONDecodeError):
            return None
        if len(offsets) != len(keys) + 1 or int(offsets[-1]) != len(flat):
            return None
        if len(groups) != len(flat) or len(repeated) != len(keys):
            return None
        if len(groups) and not 0 <= int(groups.min()) <= int(groups.max()) < len(group_needs):
            return None
        index = cls.__new__(cls)
        index.version = str(meta["version"])
        index.entities = entities
        index.by_id = {e.id: i for i, e in enumerate(entities)}
        index.keys = keys
        index.offsets = offsets.astype(np.int64, copy=False)
        index.flat = flat.astype(np.int32, copy=False)
        index.groups = groups.astype(np.int32, copy=False)
        index.repeated = repeated.astype(bool, copy=False)
        index.group_needs = group_needs
        index.size = _live(entities)
        index._views = {}
        index._nonuniform = None
        if len(flat) and int(flat.max()) >= len(entities):
            return None
        return index


class IndexView:
    """The index restricted to what one viewer may see: postings, weights and counts."""

    def __init__(self, index: Index, marking_ids: frozenset[int]) -> None:
        self.index = index
        self.marking_ids = marking_ids
        self._shown = np.array(
            [_seen(needs, marking_ids) for needs in index.group_needs] or [True], dtype=bool
        )
        # Entities this viewer cannot match whatever their names: the schema its visible
        # statements give them is not a matchable one (the rest is hidden from it).
        blocked = [
            int(i)
            for i in index.nonuniform()
            if viewer_schema(index.entities[int(i)], marking_ids) is None
        ]
        self._blocked: np.ndarray | None = None
        if blocked:
            self._blocked = np.zeros(len(index.entities), dtype=bool)
            self._blocked[blocked] = True
        self._everything = bool(self._shown.all()) and self._blocked is None
        if self._everything:
            self.size = index.size
        else:
            seen = np.zeros(len(index.entities), dtype=bool)
            seen[index.flat[self._shown[index.groups]]] = True
            if self._blocked is not None:
                seen &= ~self._blocked
            self.size = int(seen.sum())
        self._log_n = math.log(max(self.size, 2) + 1)
        self._weights: dict[str, float] = {}

    def postings(self, key: str) -> np.ndarray:
        """Entities having ``key`` through a value this viewer may see, each once."""
        index = self.index
        row = index.keys.get(key)
        if row is None:
            return index.flat[:0]
        start, end = index.offsets[row], index.offsets[row + 1]
        plist = index.flat[start:end]
        if self._everything and not index.repeated[row]:
            return plist
        if not self._everything:
            plist = plist[self._shown[index.groups[start:end]]]
            if self._blocked is not None:
                plist = plist[~self._blocked[plist]]
        return np.unique(plist) if index.repeated[row] else plist

    def weight(self, key: str) -> float:
        """How distinctive a token is for this viewer, in [0.2, 1]: log inverse document
        frequency over the entities this viewer may see."""
        found = self._weights.get(key)
        if found is None:
            df = len(self.postings(key))
            found = 1.0 if df <= 1 else max(0.2, math.log((self.size + 1) / df) / self._log_n)
            if len(self._weights) < 1_000_000:
                self._weights[key] = found
        return found

    def fuzzy_keys(self, keys: Collection[str]) -> set[str]:
        """The listed words near each of ``keys`` that no name this viewer may see has
        (FUZZY_MIN and after): those within typing errors of it, sharing its first or
        last letters, that this viewer may see. All of them, whatever else the index
        holds: what a viewer may not see neither adds a word nor crowds one out."""
        out: set[str] = set()
        starts: dict[str, list[str]] | None = None
        ends: dict[str, list[str]] = {}
        for key in keys:
            if len(key) < FUZZY_MIN or not key.isalpha() or len(self.postings(key)):
                continue
            if starts is None:
                starts, ends = self.index.fuzzy_words()
            edits = 2 if len(key) >= FUZZY_TWO else 1
            near: set[str] = set()
            for length in range(len(key) - edits, len(key) + edits + 1):
                start, end = _affixes(key, length)
                near.update(starts.get(start, ()))
                near.update(ends.get(end, ()))
            for word in near:
                if Levenshtein.distance(key, word, score_cutoff=edits) <= edits and len(
                    self.postings(word)
                ):
                    out.add(word)
        return out

    def candidates(
        self,
        keys: set[str],
        limit: int,
        allowed: np.ndarray | None = None,
        fuzzy: Collection[str] = (),
    ) -> list[int]:
        """Entities sharing the most distinctive keys with the query, best first; only
        those ``allowed`` (a mask over the entities: a dataset scope, filters) if given.
        ``fuzzy``: words near the query's (``fuzzy_keys``), which weigh less."""
        weaker = set(fuzzy) - keys
        keys = keys | weaker
        cap = max(2000, self.size // 200)
        chosen: list[tuple[np.ndarray, float]] = []
        common: list[tuple[int, str]] = []
        for key in keys:
            plist = self.postings(key)
            if allowed is not None:
                plist = plist[allowed[plist]]
            if not len(plist):
                continue
            if len(plist) > cap and not key.startswith("id:"):
                common.append((len(plist), key))
                continue
            boost = 10.0 if key.startswith("id:") else FUZZY_WEIGHT if key in weaker else 1.0
            chosen.append((plist, boost * math.log((self.size + 1) / len(plist)) + 0.1))
        if not chosen and common:
            _size, key = min(common)
            plist = self.postings(key)
            if allowed is not None:
                plist = plist[allowed[plist]]
            chosen.append((plist[:cap], 0.1))
        if not chosen:
            return []
        flat = np.concatenate([p for p, _ in chosen])
        weights = np.concatenate([np.full(len(p), w) for p, w in chosen])
        uniq, inverse = np.unique(flat, return_inverse=True)
        sums = np.bincount(inverse, weights=weights)
        top = np.argpartition(-sums, limit)[:limit] if len(uniq) > limit else np.arange(len(uniq))
        top = top[np.argsort(-sums[top], kind="stable")]
        # Candidates far behind the best share little with the query: not worth scoring.
        floor = float(sums[top[0]]) * CANDIDATE_FLOOR
        return [int(uniq[i]) for i in top if sums[i] >= floor]


def _affixes(word: str, length: int) -> tuple[str, str]:
    """The first and the last FUZZY_AFFIX letters of ``word``, each with a length."""
    return f"{word[:FUZZY_AFFIX]}{length}", f"{length}{word[-FUZZY_AFFIX:]}"


# The schema of an entity that has gone from the store since the index was built: its
# slot stays (positions are postings), with no values, so no viewer ever meets it.
GONE = ""


def _restrict(entity: Listed, marking_ids: frozenset[int]) -> Listed:
    def pick(values: list[Value]) -> list[Value]:
        return [(v, n) for v, n in values if _seen(n, marking_ids)]

    names = pick(entity.names)
    ids = [(k, v, n) for k, v, n in entity.ids if _seen(n, marking_ids)]
    schemas = pick(entity.schemas)
    if entity.schema == GONE or not (names or ids) or not schemas:
        return Listed("", GONE)
    return Listed(
        entity.id,
        common_schema(name for name, _ in schemas) or entity.schema,
        schemas,
        names,
        ids,
        pick(entity.dates),
        pick(entity.countries),
        pick(entity.datasets),
        pick(entity.list_ids),
        pick(entity.programs),
    )


def _live(entities: list[Listed]) -> int:
    """Entities a query can meet: those with a name or an identifier. (An entity with
    neither, say one known only by a birth date, has no posting and counts for no one.)"""
    return sum(1 for e in entities if e.schema != GONE and (e.names or e.ids))


def _needs(value: Any) -> Needs:
    return value if type(value) is int else tuple(value)


def _values(items: list[Any]) -> list[Value]:
    # Values are str (orjson) and needs are int or list: only lists need converting.
    return [(v, n if type(n) is int else tuple(n)) for v, n in items]


def _listed(row: list[Any]) -> Listed:
    entity_id, schema, names, ids, dates, countries, datasets, list_ids, schemas, programs = row
    if not isinstance(entity_id, str) or not isinstance(schema, str):
        raise TypeError("entity id and schema must be text")
    return Listed(
        entity_id,
        schema,
        _values(schemas),
        _values(names),
        [(k, v, _needs(n)) for k, v, n in ids],
        _values(dates),
        _values(countries),
        _values(datasets),
        _values(list_ids),
        _values(programs),
    )


def _group(
    rows: Iterator[tuple[str, str, str, str, int, str]],
) -> Iterator[list[tuple[str, str, str, str, int, str]]]:
    """Rows by entity, each entity's rows in one order (property, value, marking, dataset)
    whatever order the database returned them in: the order of names decides captions."""
    batch: list[tuple[str, str, str, str, int, str]] = []
    for row in rows:
        if batch and row[0] != batch[0][0]:
            yield sorted(batch, key=_row_order)
            batch = []
        batch.append(row)
    if batch:
        yield sorted(batch, key=_row_order)


def _row_order(row: tuple[str, str, str, str, int, str]) -> tuple[str, str, int, str]:
    return (row[2], row[3], row[4], row[5])


@cache
def _matchable(name: str) -> bool:
    schema = model.get(name)
    return schema is not None and schema.matchable


def read_entities(store: Store, only: Collection[str] | None = None) -> list[Listed]:
    """Matchable entities with their names, identifiers, dates, countries and list ids
    (of ``only`` these entities and the Sanctions and documents among them, if given)."""
    listed: dict[str, Listed] = {}
    # Sanctions and identity documents point at the entity they belong to.
    list_refs: list[tuple[str, str, Needs]] = []
    doc_refs: list[tuple[str, str, str, Needs]] = []
    schemas: dict[str, list[Value]] = defaultdict(list)
    for entity_id, schema, mark in store.current_schemas(only):
        schemas[entity_id].append((schema, mark))
    for rows in _group(store.current_values(ALL_PROPS, only)):
        entity_id = rows[0][0]
        kinds = {row[1] for row in rows}
        if "Sanction" in kinds:
            rows = [row for row in rows if row[1] == "Sanction"]
            links = [(v, m) for _, _, p, v, m, _ in rows if p == "entity"]
            authority = [(v, m) for _, _, p, v, m, _ in rows if p == "authority"]
            idents = [(v, m) for _, _, p, v, m, _ in rows if p in ("unscId", "authorityId")]
            for target, link_mark in links:
                for auth, auth_mark in authority:
                    for ident, ident_mark in idents:
                        lid = list_id(auth, ident)
                        if lid:
                            list_refs.append((target, lid, (link_mark, auth_mark, ident_mark)))
            continue
        if kinds & {"Passport", "Identification"}:
            kind = "passport" if "Passport" in kinds else "id"
            holders = [(v, m) for _, _, p, v, m, _ in rows if p == "holder"]
            numbers = [(v, m) for _, _, p, v, m, _ in rows if p == "number"]
            for holder, hm in holders:
                for number, nm in numbers:
                    doc_refs.append((holder, kind, number, (hm, nm)))
            continue
        own = list(dict.fromkeys(schemas.get(entity_id, [])))
        if not any(_matchable(name) for name, _ in own):
            continue  # matchable for no one
        schema = common_schema(name for name, _ in own) or next(
            name for name, _ in own if _matchable(name)
        )
        entity = Listed(entity_id, schema, own)
        aliases: list[Value] = []
        for _, _, prop, value, mark, dataset in rows:
            entity.datasets.append((dataset, mark))
            if prop == "name":
                # "name" before aliases, so that a caption is the entity's name
                entity.names.append((value, mark))
            elif prop in NAME_PROPS:
                aliases.append((value, mark))
            elif prop in ID_PROPS:
                kind = ID_PROPS[prop]
                norm = normalise_id(kind, value)
                if norm:
                    entity.ids.append((kind, norm, mark))
            elif prop in DATE_PROPS:
                entity.dates.append((value, mark))
            elif prop in COUNTRY_PROPS:
                entity.countries.append((value.lower(), mark))
            elif prop in PROGRAM_PROPS:
                entity.programs.append((value, mark))
        entity.names.extend(aliases)
        entity.datasets = list(dict.fromkeys(entity.datasets))
        listed[entity_id] = entity
    for target, lid, needs in list_refs:
        if target in listed:
            listed[target].list_ids.append((lid, needs))
    for holder, kind, number, needs in doc_refs:
        if holder in listed:
            norm = normalise_id(kind, number)
            if norm:
                listed[holder].ids.append((kind, norm, needs))
    return list(listed.values())


def build(store: Store) -> Index:
    version = store.version()
    return Index(version, read_entities(store))


def affected_by(store: Store, changed: Collection[str]) -> set[str]:
    """The entities whose index entry a change to ``changed`` may alter: those, and the
    entities a changed Sanction or identity document points (or pointed) at."""
    return set(changed) | store.linked(changed, LINK_PROPS)


def read_affected(store: Store, affected: set[str]) -> list[Listed]:
    """``affected`` entities as a full build reads them, with every Sanction and document
    that points at them now."""
    readset = affected | store.linking(affected, LINK_PROPS)
    return [e for e in read_entities(store, readset) if e.id in affected]


# What reading a damaged or foreign ``.npz`` raises (a file cut short is no zip file).
UNREADABLE = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile)


def saved_version(path: Path) -> str | None:
    """The ``version`` array of a saved ``.npz`` (an index, or facts), read without the
    rest: what a process waiting for another's save polls (loading the whole index to
    read its version held this process's CPU a quarter of a second each time)."""
    try:
        with np.load(path, allow_pickle=False) as arrays:
            if "version" not in arrays.files:
                return None
            found = arrays["version"]
    except UNREADABLE:
        return None
    return str(found) if found.shape == () and found.dtype.kind == "U" else None


def write_private(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """``arrays`` saved to ``path`` (an ``.npz``), readable by its owner only: restricted
    names and identifiers are in them."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # A file of this process's own: two processes saving at once (two imports of one
    # release) must not write into, or rename away, each other's half-written file; the
    # last complete one replaces the saved one.
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        flags = os.O_CREAT | os.O_WRONLY | os.O_EXCL
        with os.fdopen(os.open(tmp, flags, 0o600), "wb") as fh:
            np.savez(fh, **arrays)  # type: ignore[arg-type]
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


# Past this share of the index changed, rebuilding is as quick as updating.
MAX_UPDATE_SHARE = 0.2


def refresh(
    store: Store,
    cache_dir: Path,
    before: str,
    changed: Collection[str],
    rebuild: bool = True,
    save: bool = True,
) -> Index | None:
    """The index after a write that changed ``changed`` entities of a store that was at
    version ``before``: the saved index updated in place when it was at ``before`` and the
    change is small, else the saved one if current, else a full build (or, with
    ``rebuild`` off, nothing: a write that is not an import leaves the build to whoever
    next needs the index)."""
    path = index_path(cache_dir)
    version = store.version()
    index = Index.load(path) if path.exists() else None
    if index is not None and index.version == version:
        return index
    if (
        index is not None
        and index.version == before
        and len(changed) <= MAX_UPDATE_SHARE * max(index.size, 1)
    ):
        affected = affected_by(store, changed)
        index.update(version, read_affected(store, affected), affected)
    elif rebuild:
        index = build(store)
    else:
        return None
    if save:
        index.save(path)
    return index


def index_path(cache_dir: Path) -> Path:
    return cache_dir / "screening" / "index.npz"


def load_or_build(store: Store, cache_dir: Path) -> Index:
    """The persisted index if it is the store's current version, else a fresh one."""
    path = index_path(cache_dir)
    version = store.version()
    index = Index.load(path) if path.exists() else None
    if index is None or index.version != version:
        index = build(store)
        index.save(path)
    return index
