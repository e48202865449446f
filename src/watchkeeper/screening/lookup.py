"""Finding entities by what a user types: a name in any script, order or punctuation, or
an identifier with or without its prefix (``IMO 9179842``, ``9179842``).

Names go through the screening engine (the same analysis as screening: Hangul, Hanja,
Cyrillic, romanisation variants, word order), identifiers through the index's identifier
keys; then, for entities the engine does not screen (events, sanctions, addresses...),
a plain substring search on names and identifiers. Everything is one viewer's: the index
view and the read path both drop what it may not see.
"""

from __future__ import annotations

from dataclasses import dataclass

from watchkeeper.errors import InputError
from watchkeeper.screening.index import ID_KINDS, normalise_id, visible
from watchkeeper.screening.score import Query
from watchkeeper.screening.screener import Screener
from watchkeeper.store.reader import EntityView, Reader

# A name match below this is not shown as a search result.
MIN_SCORE = 0.6
# The query is read as each kind of name screening offers: a person's (the analysis that
# reads Cyrillic and Hangul as Korean names: Ким Чен Ын is KIM Jong Un), an
# organisation's, a vessel's and an aircraft's. Read only as a legal entity's, a
# person's name in another script found nothing that screening found (issue 25).
SCHEMATA = ("Person", "LegalEntity", "Vessel", "Airplane")
# How many substring matches are looked at beyond what is shown, to count a total.
SCAN = 1000


@dataclass
class Found:
    total: int
    results: list[EntityView]
    how: dict[str, str]
    """entity id -> why it was found (identifier, name score, text)."""


def find(
    screener: Screener,
    reader: Reader,
    text: str,
    schema: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> Found:
    """Entities matching ``text`` for the reader's viewer (whose screener this is), best
    first. ``reader`` may resolve entities into canonical ones (investigations)."""
    text = text.strip()
    if not text:
        raise InputError("search", "an empty search: give a name or an identifier")
    ranked: dict[str, tuple[float, str]] = {}

    def note(entity_id: str, score: float, how: str) -> None:
        if entity_id not in ranked or ranked[entity_id][0] < score:
            ranked[entity_id] = (score, how)

    view = screener.view
    for kind in sorted(ID_KINDS):
        value = normalise_id(kind, text)
        if len(value) < 4 or not any(c.isdigit() for c in value):
            continue
        for idx in view.postings(f"id:{kind}:{value}"):
            entity = visible(screener.index.entities[int(idx)], screener.marking_ids)
            if entity is not None:
                note(entity.id, 2.0, f"{kind} {value}")
    for query_schema in (schema,) if schema else SCHEMATA:
        try:
            matches = screener.match(
                Query("search", query_schema, (text,)), limit=50, threshold=1.0
            )
        except InputError:
            continue  # nothing in it reads as a name (punctuation only, say)
        for match in matches:
            if match.score >= MIN_SCORE:
                note(match.entity.id, match.score, f"name {match.score:.2f}")
    substring = reader.search(text, schema=schema, limit=SCAN)
    for position, entity_view in enumerate(substring.results):
        note(entity_view.id, 0.5 - position / (2 * SCAN), "text")
    order = sorted(ranked, key=lambda i: (-ranked[i][0], i))
    if schema is not None:
        wanted = set(reader.entity_ids(schema))
        order = [i for i in order if i in wanted]
    page = order[offset : offset + limit]
    found = {e.id: e for e in reader.entities(page)} if page else {}
    total = len(order) + max(0, substring.total - len(substring.results))
    return Found(total, [found[i] for i in page if i in found], {i: ranked[i][1] for i in page})
