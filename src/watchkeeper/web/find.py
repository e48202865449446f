"""Search for the workbench: names in any script through the screening engine, words and
identifiers through the store's search, and facets counted over what was found.

Both engines answer for one viewer only (the screening index's view of its markings, the
reader's visibility filter), and every facet is counted over the visible entities found,
so a total, a bucket or a suggestion can never reveal what the viewer may not see.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from followthemoney import registry

from watchkeeper.errors import InputError
from watchkeeper.investigations.resolver import ResolvedReader
from watchkeeper.model.lists import list_prefix
from watchkeeper.model.sectors import sectors
from watchkeeper.screening import lookup
from watchkeeper.screening.names import script_of
from watchkeeper.screening.score import Match, Query
from watchkeeper.screening.screener import Screener
from watchkeeper.store import EntityView, Reader, Store
from watchkeeper.web.suggest import Suggestion, Suggestions

FACETS = ("schema", "country", "list", "program", "sector", "source", "date")
# The same readings as ``watchkeeper search`` (a person's, an organisation's, a
# vessel's and an aircraft's name): whatever screening finds, search finds.
SEARCH_SCHEMATA = lookup.SCHEMATA
MIN_SCORE = 0.6
CANDIDATES = 60
PAGE = 20
WORDS_BELOW = 5


@dataclass
class Hit:
    id: str
    caption: str
    schema: str
    score: float | None
    explanation: str
    facets: dict[str, list[str]] = field(default_factory=dict)
    summary: str = ""


@dataclass
class Found:
    query: str
    hits: list[Hit]
    total: int
    facets: dict[str, list[tuple[str, int]]]
    filters: dict[str, str]


def _matched(screener: Screener, text: str) -> dict[str, Match]:
    """The best hit per entity of ``text`` read as each kind of name (as the screener
    merges them: a cluster's members are one hit under its canonical id)."""
    found: dict[str, Match] = {}
    for schema in SEARCH_SCHEMATA:
        try:
            matches = screener.match(Query("search", schema, (text,)), CANDIDATES, 0.7)
        except InputError:
            continue
        for m in matches:
            best = found.get(m.entity.id)
            if m.score >= MIN_SCORE and (best is None or m.score > best.score):
                found[m.entity.id] = m
    return found


def _screened(screener: Screener, text: str) -> dict[str, tuple[float, str]]:
    return {i: (m.score, m.explain()) for i, m in _matched(screener, text).items()}


def _members(reader: Reader, ids: list[str]) -> list[str]:
    """The stored entities behind ``ids`` (a canonical id's members)."""
    if isinstance(reader, ResolvedReader):
        return list(dict.fromkeys(m for i in ids for m in reader.resolution.group(i)))
    return ids


def _sanctions(store: Store, reader: Reader, ids: list[str]) -> dict[str, list[EntityView]]:
    """The visible Sanctions of each entity (one read for all of them); a canonical
    entity's are its members' (the reader points their ``entity`` at it)."""
    if not ids:
        return {}
    candidates = sorted(store.linking(_members(reader, ids), ["entity"]))
    out: dict[str, list[EntityView]] = {}
    wanted = set(ids)
    for sanction in reader.entities(candidates) if candidates else []:
        if sanction.schema != "Sanction":
            continue
        for target in sanction.entity.get("entity"):
            if target in wanted:
                out.setdefault(target, []).append(sanction)
    return out


def _facets(
    view: EntityView, sanctions: list[EntityView], publishers: dict[str, str]
) -> dict[str, list[str]]:
    entity = view.entity
    lists, programs = set(), set()
    for sanction in sanctions:
        for authority in sanction.entity.get("authority"):
            # the list's short name (OFAC, UN...), else the authority as written
            lists.add(list_prefix(authority) or authority.split(" (")[0].strip())
        programs.update(sanction.entity.get("program"))
    known = sectors()
    years = {d[:4] for d in entity.get_type_values(registry.date) if d[:4].isdigit()}
    for sanction in sanctions:
        years.update(d[:4] for d in sanction.entity.get("startDate") if d[:4].isdigit())
    return {
        "schema": [view.schema],
        "country": sorted(entity.get_type_values(registry.country)),
        "list": sorted(lists),
        "program": sorted(programs),
        "sector": sorted(k for k in entity.get("keywords", quiet=True) if k in known),
        "source": sorted(
            {publishers[s.source_id] for s in view.statements if s.source_id in publishers}
        ),
        "date": sorted(years),
    }


def search(
    store: Store,
    reader: Reader,
    screener: Screener,
    text: str,
    filters: dict[str, str],
    page: int = 1,
) -> Found:
    text = text.strip()
    filters = {k: v for k, v in filters.items() if k in FACETS and v}
    if not text:
        return Found(text, [], 0, {}, filters)
    screened = _screened(screener, text)
    order = sorted(screened, key=lambda i: (-screened[i][0], i))
    if len(screened) < WORDS_BELOW or any(ch.isdigit() for ch in text):
        # Words of titles and summaries, and identifiers: the store's substring search,
        # a scan of every value, asked only when the names found are few.
        worded = reader.search(text, limit=CANDIDATES)
        order += [v.id for v in worded.results if v.id not in screened]
    views = {v.id: v for v in reader.entities(order)} if order else {}
    order = [i for i in order if i in views]
    sanctions = _sanctions(store, reader, order)
    publishers = {s["id"]: s["publisher"] for s in reader.sources()}
    hits = []
    for entity_id in order:
        view = views[entity_id]
        score, why = screened.get(entity_id, (None, ""))
        hits.append(
            Hit(
                entity_id,
                view.caption,
                view.schema,
                score,
                why,
                _facets(view, sanctions.get(entity_id, []), publishers),
                " ".join(view.entity.get("summary", quiet=True))[:240],
            )
        )
    chosen = [h for h in hits if all(v in h.facets.get(k, []) for k, v in filters.items())]
    counts: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
    for hit in chosen:
        for name in FACETS:
            counts[name].update(hit.facets.get(name, []))
    facets = {
        name: sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
        for name, counter in counts.items()
        if counter
    }
    start = (max(page, 1) - 1) * PAGE
    return Found(text, chosen[start : start + PAGE], len(chosen), facets, filters)


def prefix_completes(text: str) -> bool:
    """Whether ``suggest`` completes ``text`` from the prefix index (Latin script) rather
    than from the screening engine."""
    return script_of(text.strip()) == "latin"


def suggest(
    suggestions: Suggestions,
    screener: Callable[[], Screener],
    text: str,
    visible: frozenset[int],
    limit: int = 8,
) -> list[Suggestion]:
    """Names starting with ``text``; for Hangul and other scripts a prefix of a
    romanisation means little, so the screening engine's best matches are offered
    (``screener`` gives the viewer's, asked for only then)."""
    text = text.strip()
    if not text:
        return []
    if prefix_completes(text):
        return suggestions.complete(text, visible, limit)
    matched = _matched(screener(), text)
    ranked = sorted(matched, key=lambda i: (-matched[i].score, i))[:limit]
    # the hit's own entity: a canonical one (merged hits) is in no index to look up
    return [Suggestion(i, matched[i].entity.caption, matched[i].entity.schema) for i in ranked]


def as_dict(found: Found) -> dict[str, Any]:
    return {
        "query": found.query,
        "total": found.total,
        "filters": found.filters,
        "facets": {k: [{"value": v, "count": n} for v, n in b] for k, b in found.facets.items()},
        "results": [
            {
                "id": h.id,
                "caption": h.caption,
                "schema": h.schema,
                "score": h.score,
                "explanation": h.explanation,
                "facets": h.facets,
            }
            for h in found.hits
        ],
    }
