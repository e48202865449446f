"""Cross-referencing: pairs of entities from different datasets that may be one thing.

Candidates come from the screening engine's index (blocking): for each entity, the
entities sharing its most distinctive name keys or an identifier, as one viewer's
``IndexView`` sees them, so nothing the viewer may not see can add, drop or rank a
candidate. Each pair is then scored by the screening score (``screening.score``), one
way (the smaller id as the query), with birth dates compared at the precision both sides
give, and moved by what two list entries say beyond a query (``evidence``: acronyms,
kunyas and one-word names alone, brothers, generic names of other states' institutions,
branches against their parent). Once all pairs are scored, a pair is weakened when one
side has a near-certain counterpart elsewhere in the other's dataset (``exclusive``).
Nothing is ever compared across all pairs.

A pair whose strong identifiers agree is accepted automatically under a named rule
(``RULES``): the same list id (``OFAC:20157`` on a list entry and on the bundled dataset's
record of the same man); the same IMO number; the same passport number with the same
birth date. Each automatic acceptance records its rule and the values it rests on.
``shared_list_ids`` finds the pairs of the first rule without scoring anything, so an
import can link its entries at once (``judgments.link_list_entries``).
"""

from __future__ import annotations

import functools
import math
import multiprocessing
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from watchkeeper.investigations.evidence import WEAK_NAME_CAP, adjust, countries_of, is_weak
from watchkeeper.screening.compare import NameComparison
from watchkeeper.screening.index import (
    Index,
    IndexView,
    Listed,
    Visible,
    entity_keys,
    is_org,
    visible,
)
from watchkeeper.screening.names import Name, analyse
from watchkeeper.screening.score import (
    ID_FEATURES,
    Match,
    Query,
    compatible,
    says_korean,
    score,
)

# The schemata worth cross-referencing (those the screening engine matches).
SCHEMATA = frozenset(
    {"Person", "Organization", "Company", "LegalEntity", "Vessel", "Airplane", "PublicBody"}
)
# A pair scoring at or above THRESHOLD is suggested as the same thing; one scoring at
# least REVIEW is put to a reviewer as possible. Chosen on the labelled set
# (tests/investigations/data): see bench/investigations/README.md.
THRESHOLD = 0.95
REVIEW = 0.70
# Candidates kept per entity after blocking, best shared keys first.
CANDIDATES = 8
# Candidates whose blocking weight is below this share of the entity's best candidate's
# are not scored.
FLOOR = 0.2

RULE_LIST_ID = "same-list-id"
RULE_IMO = "same-imo"
RULE_PASSPORT_DOB = "same-passport-and-birth-date"
RULES = {
    RULE_LIST_ID: "both carry the same sanctions list id",
    RULE_IMO: "both vessels carry the same IMO number",
    RULE_PASSPORT_DOB: "both persons carry the same passport number and the same birth date",
}


@dataclass(frozen=True)
class Suggestion:
    """Two entities that may be the same, with the score and the reasons."""

    left: str
    right: str
    score: float
    explanation: tuple[str, ...]
    rule: str | None = None
    """A strong-identifier rule (``RULES``) that accepts the pair automatically."""
    evidence: tuple[str, ...] = ()
    """The values the rule rests on (``imo:9179842``, ``birthDate:1966-05-17``)."""
    needs: tuple[int, ...] = field(default=(), compare=False, repr=False)
    """The marking ids of the statements the rule rests on (for the judgment's marking)."""
    suggested: bool = False
    """Scored at least the run's threshold, or meets a rule: an automatic suggestion."""

    @property
    def key(self) -> tuple[str, str]:
        return (self.left, self.right)

    def to_dict(self) -> dict[str, object]:
        return {
            "left": self.left,
            "right": self.right,
            "score": self.score,
            "explanation": list(self.explanation),
            "rule": self.rule,
            "evidence": list(self.evidence),
            "suggested": self.suggested,
        }


def ordered(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def as_query(entity: Visible) -> Query:
    return Query(entity.id, entity.schema, entity.names, entity.dates, entity.countries, entity.ids)


def _token_keys(name: str, org: bool) -> frozenset[str]:
    keys = set()
    for reading in analyse(name, org):
        for token in reading.tokens:
            keys.add(token.key)
            if token.korean:
                keys.update(token.korean.split("-"))
    return frozenset(keys)


def _sharing(
    names: tuple[str, ...], mine: tuple[frozenset[str], ...], theirs: tuple[frozenset[str], ...]
) -> list[int]:
    """Which of ``names`` are worth comparing with the other side's: those sharing a
    token with one of its names (``mine``/``theirs``: each name's token keys), and the
    first (main) name. The screening score compares every query name with every listed
    one; between two entities of twenty aliases each, most of those comparisons cannot
    win."""
    other = frozenset().union(*theirs)
    return [i for i in range(len(names)) if i == 0 or mine[i] & other]


@dataclass(frozen=True)
class _Prepared:
    """One entity's names analysed once for all the pairs it is in (a worker meets the
    same entity in several pairs; analysing its names is a third of a pair's cost)."""

    entity: Visible
    readings: tuple[tuple[Name, ...], ...]
    """Each name's readings as the screening score reads them (``score``'s own flags:
    the entity's schema and countries decide org, vessel and Korean)."""
    keys: dict[bool, tuple[frozenset[str], ...]]
    """Each name's token keys, read as an organisation's or not (``_sharing``)."""

    def token_keys(self, org: bool) -> tuple[frozenset[str], ...]:
        found = self.keys.get(org)
        if found is None:
            found = self.keys[org] = tuple(_token_keys(n, org) for n in self.entity.names)
        return found


# Prepared entities a worker keeps (beyond, it starts again: memory stays bounded at 1 M).
PREPARED_CACHE = 200_000
# Name comparisons a worker keeps (likewise).
COMPARED_CACHE = 200_000


class Blocker:
    """Blocking and scoring for one viewer's view of the index."""

    def __init__(
        self,
        index: Index,
        marking_ids: frozenset[int],
        datasets: frozenset[str] | None = None,
    ) -> None:
        self.index = index
        self.marking_ids = marking_ids
        self.view: IndexView = index.view(marking_ids)
        self.datasets = datasets
        self._visible: dict[int, Visible | None] = {}
        self._cap = max(2000, self.view.size // 200)
        self._prepared: dict[int, _Prepared] = {}
        # Name comparisons made for this view's weights: the same two names meet in many
        # pairs (a common name's holders, an entity listed under one name in several
        # datasets), and the comparison is most of a pair's cost.
        self._compared: dict[tuple[Name, Name, bool], NameComparison] = {}
        self._masks: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None

    def entity(self, idx: int) -> Visible | None:
        """What the viewer may see of the entity at ``idx`` (None: nothing, or not a
        schema xref compares, or outside the chosen datasets)."""
        if idx in self._visible:
            return self._visible[idx]
        listed = self.index.entities[idx]
        found = visible(listed, self.marking_ids) if listed.schema in SCHEMATA else None
        if (
            found is not None
            and self.datasets is not None
            and not (set(found.datasets) & self.datasets)
        ):
            found = None
        self._visible[idx] = found
        return found

    def masks(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Over all the index's entities, as this viewer sees them: which may be
        cross-referenced (``entity`` is not None), a code per set of datasets (equal codes,
        equal sets), a code per schema, and which schema codes may match which. Built
        once, before the workers fork, so that blocking filters candidates in numpy
        instead of looking at each one."""
        if self._masks is None:
            size = len(self.index.entities)
            ok = np.zeros(size, dtype=bool)
            dataset_code = np.zeros(size, dtype=np.int32)
            schema_code = np.zeros(size, dtype=np.int32)
            sets: dict[tuple[str, ...], int] = {}
            schemata: dict[str, int] = {"": 0}
            for idx in range(size):
                found = self.entity(idx)
                if found is None:
                    continue
                ok[idx] = True
                dataset_code[idx] = sets.setdefault(found.datasets, len(sets))
                schema_code[idx] = schemata.setdefault(found.schema, len(schemata))
            names = sorted(schemata, key=schemata.__getitem__)
            pairs = np.zeros((len(names), len(names)), dtype=bool)
            for i, a in enumerate(names):
                for j, b in enumerate(names):
                    pairs[i, j] = bool(a and b) and (compatible(a, b) or compatible(b, a))
            self._masks = (ok, dataset_code, schema_code, pairs)
        return self._masks

    def candidates(self, idx: int, limit: int = CANDIDATES) -> list[int]:
        """Entities sharing the most distinctive keys with the one at ``idx``, from
        other datasets, best first."""
        me = self.entity(idx)
        if me is None:
            return []
        keys = entity_keys(me.names, me.ids, me.schema in _ORGS)
        chosen: list[np.ndarray] = []
        weights: list[float] = []
        size = self.view.size
        for key in keys:
            plist = self.view.postings(key)
            if len(plist) <= 1:
                continue
            is_id = key.startswith("id:")
            if len(plist) > self._cap and not is_id:
                continue  # a common token blocks nothing
            boost = 10.0 if is_id else 1.0
            chosen.append(plist)
            weights.append(boost * math.log((size + 1) / len(plist)) + 0.1)
        if not chosen:
            return []
        flat = np.concatenate(chosen)
        weight = np.repeat(weights, [len(p) for p in chosen])
        # Only entities of other datasets (cross-referencing is across datasets), of a
        # schema that may match, and not the entity itself: dropped before they are
        # counted (most of a common key's postings are in the entity's own dataset).
        ok, dataset_code, schema_code, pairs = self.masks()
        keep = ok[flat] & (dataset_code[flat] != dataset_code[idx])
        keep &= pairs[schema_code[idx]][schema_code[flat]]
        keep &= flat != idx
        flat, weight = flat[keep], weight[keep]
        if not len(flat):
            return []
        uniq, inverse = np.unique(flat, return_inverse=True)
        sums = np.bincount(inverse, weights=weight)
        order = np.argsort(-sums, kind="stable")
        # Candidates far behind the best share little with the entity: not scored.
        order = order[sums[order] >= float(sums[order[0]]) * FLOOR][:limit]
        return [int(i) for i in uniq[order]]

    def prepared(self, idx: int) -> _Prepared | None:
        found = self._prepared.get(idx)
        if found is None:
            me = self.entity(idx)
            if me is None:
                return None
            org, vessel = is_org(me.schema), me.schema == "Vessel"
            korean = says_korean(me.countries)
            readings = tuple(analyse(name, org, vessel=vessel, korean=korean) for name in me.names)
            if len(self._prepared) >= PREPARED_CACHE:
                self._prepared.clear()
            found = self._prepared[idx] = _Prepared(me, readings, {})
        return found

    def score_pair(self, a: int, b: int) -> Suggestion | None:
        left, right = self.prepared(a), self.prepared(b)
        if left is None or right is None:
            return None
        if left.entity.id > right.entity.id:
            a, b, left, right = b, a, right, left
        found = score_entities(left, right, self.view.weight, self._compared)
        if len(self._compared) >= COMPARED_CACHE:
            self._compared.clear()
        if found is None:
            return None
        value, why = found
        rule, evidence, needs = strong_rule(self.index.entities[a], self.index.entities[b], self)
        return Suggestion(left.entity.id, right.entity.id, value, why, rule, evidence, needs)


_ID_FEATURES = frozenset({*ID_FEATURES.values(), "identifier_match"})


def score_entities(
    left: _Prepared,
    right: _Prepared,
    weight: Callable[[str], float],
    compared: dict[tuple[Name, Name, bool], NameComparison] | None = None,
) -> tuple[float, tuple[str, ...]] | None:
    """Two entities' score and explanation: the screening score of ``left`` as the
    query against ``right`` (one way is enough: on the labelled DPRK set the score read
    the other way round differs for no pair), birth dates compared at the precision both
    give, an acronym alone capped, then the rules of ``evidence.adjust``."""
    left_org, right_org = left.entity.schema in _ORGS, right.entity.schema in _ORGS
    mine = _sharing(left.entity.names, left.token_keys(left_org), right.token_keys(left_org))
    theirs = _sharing(right.entity.names, right.token_keys(right_org), left.token_keys(right_org))

    query = as_query(replace(left.entity, names=tuple(left.entity.names[i] for i in mine)))
    listed = replace(right.entity, names=tuple(right.entity.names[i] for i in theirs))
    ours = tuple(r for i in mine for r in left.readings[i])
    their = [r for i in theirs for r in right.readings[i]]

    def run(ours: tuple[Name, ...], their: list[Name]) -> Match | None:
        return score(
            query,
            ours,
            listed,
            weight,
            0.0,
            listed_readings=their,
            compared=compared,
            precise_dates=True,
        )

    best = run(ours, their)
    if best is None:
        return None
    strong_ours = tuple(r for r in ours if not is_weak(r, left_org))
    strong_their = [r for r in their if not is_weak(r, right_org)]
    if best.names is not None and (
        best.names[0] not in strong_ours or best.names[1] not in strong_their
    ):
        # The best comparison rests on an acronym, a kunya or a one-word name: the other
        # names are scored without them, and such a name may only bring the pair to
        # review, unless an identifier or the full birth date confirms it, or, between
        # organisations, a country (M23 and KOTI CORP on both lists' DPRK or DRC entries).
        strong = run(strong_ours, strong_their) if strong_ours and strong_their else None
        features = {f for f, _ in best.features}
        confirmed = bool(features & (_ID_FEATURES | {"dob_match"})) or (
            left_org and right_org and bool(countries_of(left.entity) & countries_of(right.entity))
        )
        capped = best.score if confirmed else min(best.score, WEAK_NAME_CAP)
        if strong is not None and strong.score >= capped:
            best = strong
        elif capped < best.score:
            why = (
                *best.explanation,
                f"an acronym, a kunya or one word alone: at most {WEAK_NAME_CAP}",
            )
            best = replace(best, score=capped, explanation=why)
    return adjust(left.entity, right.entity, best)


_ORGS = frozenset({"Organization", "Company", "LegalEntity", "PublicBody"})


def _seen(needs: int | tuple[int, ...], marking_ids: frozenset[int]) -> bool:
    if isinstance(needs, int):
        return needs in marking_ids
    return all(n in marking_ids for n in needs)


def _flat(needs: int | tuple[int, ...]) -> tuple[int, ...]:
    return (needs,) if isinstance(needs, int) else needs


def strong_rule(
    a: Listed, b: Listed, blocker: Blocker
) -> tuple[str | None, tuple[str, ...], tuple[int, ...]]:
    """The automatic-acceptance rule two entities meet, the values and the markings it
    rests on — only values the viewer may see count."""
    seen = blocker.marking_ids
    ids_a = {(k, v): n for k, v, n in a.ids if _seen(n, seen)}
    ids_b = {(k, v): n for k, v, n in b.ids if _seen(n, seen)}
    if a.schema == "Vessel" and b.schema == "Vessel":
        shared = sorted(k for k in ids_a.keys() & ids_b.keys() if k[0] == "imo")
        if shared:
            kind, value = shared[0]
            needs = _flat(ids_a[(kind, value)]) + _flat(ids_b[(kind, value)])
            return RULE_IMO, (f"imo:{value}",), tuple(sorted(set(needs)))
    if a.schema == "Person" and b.schema == "Person":
        shared = sorted(k for k in ids_a.keys() & ids_b.keys() if k[0] == "passport")
        dates_a = {v: n for v, n in a.dates if _seen(n, seen)}
        dates_b = {v: n for v, n in b.dates if _seen(n, seen)}
        same_dates = sorted(d for d in dates_a.keys() & dates_b.keys() if len(d) >= 10)
        if shared and same_dates:
            (kind, value), date = shared[0], same_dates[0]
            needs = (
                _flat(ids_a[(kind, value)])
                + _flat(ids_b[(kind, value)])
                + _flat(dates_a[date])
                + _flat(dates_b[date])
            )
            return (
                RULE_PASSPORT_DOB,
                (f"passport:{value}", f"birthDate:{date}"),
                tuple(sorted(set(needs))),
            )
    # last: a pair the identifiers themselves join is recorded under their rule
    found = _shared_list_id(a, b, seen)
    if found is not None and (compatible(a.schema, b.schema) or compatible(b.schema, a.schema)):
        return found
    return None, (), ()


def _shared_list_id(
    a: Listed, b: Listed, seen: frozenset[int]
) -> tuple[str, tuple[str, ...], tuple[int, ...]] | None:
    """The same-list-id rule: the first list id both carry visibly, with the markings of
    both sides' values (the Sanction's link, authority and id)."""
    lids_a = {lid: n for lid, n in a.list_ids if _seen(n, seen)}
    lids_b = {lid: n for lid, n in b.list_ids if _seen(n, seen)}
    shared = sorted(lids_a.keys() & lids_b.keys())
    if not shared:
        return None
    lid = shared[0]
    needs = _flat(lids_a[lid]) + _flat(lids_b[lid])
    return RULE_LIST_ID, (f"list:{lid}",), tuple(sorted(set(needs)))


def shared_list_ids(
    index: Index, marking_ids: frozenset[int], only: Collection[str] | None = None
) -> list[Suggestion]:
    """Pairs of entities that carry the same list id as the viewer (who may see
    ``marking_ids``) sees them — for ``only`` these entities (and whatever shares an id
    with them), else all — each meeting ``RULE_LIST_ID``. Nothing is scored: a list id
    names one entry, so two records of it are one thing whatever their names say."""
    holders: dict[str, list[int]] = {}
    for idx, listed in enumerate(index.entities):
        for lid, _needs in listed.list_ids:
            holders.setdefault(lid, []).append(idx)
    wanted = None if only is None else set(only)
    blocker = Blocker(index, marking_ids)
    found: dict[tuple[str, str], Suggestion] = {}
    for lid, members in sorted(holders.items()):
        if len(members) < 2:
            continue
        if wanted is not None and not any(index.entities[i].id in wanted for i in members):
            continue
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                left, right = blocker.entity(a), blocker.entity(b)
                if left is None or right is None or left.id == right.id:
                    continue
                if not (
                    compatible(left.schema, right.schema) or compatible(right.schema, left.schema)
                ):
                    continue
                rule = _shared_list_id(index.entities[a], index.entities[b], marking_ids)
                if rule is None:
                    continue  # the viewer does not see this id on both
                pair = ordered(left.id, right.id)
                if pair not in found:
                    found[pair] = Suggestion(
                        pair[0],
                        pair[1],
                        1.0,
                        (f"the same list id {lid}",),
                        rule[0],
                        rule[1],
                        rule[2],
                        suggested=True,
                    )
    return sorted(found.values(), key=lambda s: s.key)


# A list lists a thing once: a pair is weakened (times EXCLUSIVE) when one of its two
# entities has, in the other one's dataset, a counterpart scoring at least EXCLUSIVE_BEST
# and more than EXCLUSIVE_MARGIN above this pair (KORYO COMMERCIAL BANK against the UN's
# KORYO BANK, which OFAC lists under that very name).
EXCLUSIVE = 0.75
EXCLUSIVE_BEST = 0.95
EXCLUSIVE_MARGIN = 0.02


def exclusive(
    pairs: list[Suggestion], datasets_of: Callable[[str], tuple[str, ...]]
) -> list[Suggestion]:
    """``pairs`` with those that have a better counterpart on one side weakened, the
    reason written into the explanation. Only the pairs at hand count (a run's pairs, as
    its viewer sees them); pairs a rule accepted are left as they are."""
    best: dict[tuple[str, tuple[str, ...]], tuple[float, str]] = {}
    for s in pairs:
        for me, other in ((s.left, s.right), (s.right, s.left)):
            key = (me, datasets_of(other))
            if key not in best or s.score > best[key][0]:
                best[key] = (s.score, other)
    out = []
    for s in pairs:
        rivals = (best[(s.left, datasets_of(s.right))], best[(s.right, datasets_of(s.left))])
        value, other = max(rivals)
        if s.rule is None and value >= EXCLUSIVE_BEST and s.score < value - EXCLUSIVE_MARGIN:
            why = f"a better counterpart on one side: {other} ({value:.2f})"
            s = replace(s, score=round(s.score * EXCLUSIVE, 4), explanation=(*s.explanation, why))
        out.append(s)
    return out


# -- the run -------------------------------------------------------------------------------

_WORKER: Blocker | None = None


def _pairs_for(indices: list[int]) -> list[tuple[int, int]]:
    assert _WORKER is not None
    pairs = []
    for idx in indices:
        for other in _WORKER.candidates(idx):
            pairs.append((min(idx, other), max(idx, other)))
    return pairs


def _score_chunk(pairs: list[tuple[int, int]], review: float) -> list[Suggestion]:
    """The pairs scoring at least ``review`` or meeting a rule: the rest (most pairs)
    are dropped in the worker, not sent back."""
    assert _WORKER is not None
    out = []
    for a, b in pairs:
        found = _WORKER.score_pair(a, b)
        if found is not None and (found.score >= review or found.rule is not None):
            out.append(found)
    return out


def _chunks(items: list[int] | list[tuple[int, int]], size: int) -> Iterator[list]:  # type: ignore[type-arg]
    for i in range(0, len(items), size):
        yield items[i : i + size]


def xref(
    index: Index,
    marking_ids: frozenset[int],
    *,
    threshold: float = THRESHOLD,
    review: float = REVIEW,
    datasets: Iterable[str] | None = None,
    only: Collection[str] | None = None,
    workers: int = 1,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[Suggestion]:
    """Candidate pairs for one viewer (who may see ``marking_ids``): entities of
    different datasets scoring at least ``review``, best first, each ``suggested`` when it
    scores ``threshold`` or meets a strong-identifier rule. ``datasets`` limits both
    sides to entities of those datasets; ``only`` blocks from these entities alone
    (their candidates may be any entity). ``progress(phase, done, total)`` is told how
    far blocking (entities) and scoring (pairs) have gone."""
    global _WORKER
    chosen = frozenset(datasets) if datasets else None
    blocker = Blocker(index, marking_ids, chosen)
    starts = range(len(index.entities))
    if only is not None:
        starts = sorted(index.by_id[e] for e in set(only) if e in index.by_id)  # type: ignore[assignment]
    # Every entity's visibility and codes, once, before the workers fork (they share them).
    ok = blocker.masks()[0]
    todo = [i for i in starts if ok[i]]
    _WORKER = blocker
    try:
        pairs: set[tuple[int, int]] = set()
        found: list[Suggestion] = []
        if workers <= 1:
            for n, chunk in enumerate(_chunks(todo, 512)):
                pairs.update(_pairs_for(chunk))
                if progress:
                    progress("blocking", min((n + 1) * 512, len(todo)), len(todo))
            for n, chunk in enumerate(_chunks(sorted(pairs), 1024)):
                found.extend(_score_chunk(chunk, review))
                if progress:
                    progress("scoring", min((n + 1) * 1024, len(pairs)), len(pairs))
        else:
            context = multiprocessing.get_context("fork")
            with context.Pool(workers) as pool:
                done = 0
                for chunk_pairs in pool.imap_unordered(_pairs_for, _chunks(todo, 512)):
                    pairs.update(chunk_pairs)
                    done += 512
                    if progress:
                        progress("blocking", min(done, len(todo)), len(todo))
                score_chunk = functools.partial(_score_chunk, review=review)
                done = 0
                for chunk in pool.imap_unordered(score_chunk, _chunks(sorted(pairs), 1024)):
                    found.extend(chunk)
                    done += 1024
                    if progress:
                        progress("scoring", min(done, len(pairs)), len(pairs))
    finally:
        _WORKER = None

    def datasets_of(entity_id: str) -> tuple[str, ...]:
        found = blocker.entity(index.by_id[entity_id])
        return found.datasets if found is not None else ()

    found = exclusive(found, datasets_of)
    kept = [
        replace(s, suggested=s.score >= threshold or s.rule is not None)
        for s in found
        if s.score >= review or s.rule is not None
    ]
    kept.sort(key=lambda s: (-s.score, s.left, s.right))
    return kept
