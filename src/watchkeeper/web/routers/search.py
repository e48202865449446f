"""Search in yente's shape: ``GET /search/{dataset}``.

Every word of ``q`` in a name or another value of an entity (names count three times),
and names as screening reads them in any script; the dataset and the filters restrict
what is searched (``screening.filters``), as on ``/match``. Facets count what the caller
may see of the entities found. Without ``q``, every entity of the scope.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from typing import Annotated, Any

import numpy as np
import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from followthemoney import model, registry

from watchkeeper.errors import InputError
from watchkeeper.screening import filters as flt
from watchkeeper.screening.lookup import SCHEMATA as NAME_SCHEMATA
from watchkeeper.screening.score import THRESHOLD
from watchkeeper.screening.score import Query as ScreeningQuery
from watchkeeper.web import limits
from watchkeeper.web.models import ERRORS, SearchResponse
from watchkeeper.web.routers.screening import TS_PATTERN, check_dataset, check_filter_count
from watchkeeper.web.service import Caller, caller

router = APIRouter(tags=["screening"])


class Facet(enum.StrEnum):
    DATASETS = "datasets"
    SCHEMA = "schema"
    COUNTRIES = "countries"
    IDENTIFIERS = "identifiers"
    TOPICS = "topics"
    GENDERS = "genders"


class Operator(enum.StrEnum):
    AND = "AND"
    OR = "OR"


FACET_LABELS = {
    "datasets": "Data sources",
    "schema": "Entity types",
    "countries": "Countries",
    "identifiers": "Identifiers",
    "topics": "Topics",
    "genders": "Genders",
}
DEFAULT_FACETS = [Facet.COUNTRIES, Facet.TOPICS, Facet.DATASETS]
SORT_FIELDS = {"first_seen", "last_seen", "last_change", "id", "entity_id", "caption", "_score"}
# Query syntax that yente's query parser (Elasticsearch's query_string) refuses.
_UNBALANCED = re.compile(r"[/\[\]{}]")
_OPERATORS = frozenset({"AND", "OR", "NOT", "&&", "||"})


def _check_syntax(q: str) -> None:
    if q.count('"') % 2 or q.count("(") != q.count(")") or _UNBALANCED.search(q):
        raise InputError("q", "invalid query syntax (quotes, brackets or a slash); try simple=true")


def _label(facet: str, value: str, titles: dict[str, str]) -> str:
    if facet == "datasets":
        return titles.get(value, value)
    if facet == "schema":
        schema = model.get(value)
        return str(schema.plural) if schema is not None else value
    names: dict[str, dict[str, str]] = {
        "countries": registry.country.names,
        "topics": registry.topic.names,
        "genders": registry.gender.names,
    }
    return str(names.get(facet, {}).get(value, value))


def _labels(who: Caller, facet: str, values: list[tuple[str, int]]) -> list[dict[str, Any]]:
    titles = who.service.dataset_titles(who.viewer) if facet == "datasets" else {}
    return [{"name": v, "label": _label(facet, v, titles), "count": n} for v, n in values[:1000]]


def _sort(
    positions: list[int], sort: Sequence[str], view: flt.FactsView, facts: flt.Facts
) -> list[int]:
    keys = []
    for item in sort:
        field, _, order = item.partition(":")
        if field not in SORT_FIELDS or order not in ("", "asc", "desc"):
            raise InputError(
                "sort", f"cannot sort by {item!r}; by {', '.join(sorted(SORT_FIELDS))}"
            )
        keys.append((field, order == "desc"))
    first, last, change = view.times()
    arrays = {"first_seen": first, "last_seen": last, "last_change": change}
    for field, desc in reversed(keys):
        if field == "_score":
            continue  # the order found is by relevance already
        if field in arrays:
            values = arrays[field]
            present = [p for p in positions if values[p] != flt.NO_TIME]
            missing = [p for p in positions if values[p] == flt.NO_TIME]
            present.sort(key=lambda p: int(values[p]), reverse=desc)
            positions = present + missing  # missing last, as yente sorts
        else:
            positions = sorted(positions, key=lambda p: facts.ids[p], reverse=desc)
    return positions


@router.get(
    "/search/{dataset}",
    response_model=SearchResponse,
    responses={k: v for k, v in ERRORS.items() if k != 413},
)
async def search(
    dataset: str,
    request: Request,
    who: Annotated[Caller, Depends(caller)],
    q: Annotated[str, Query(max_length=limits.MAX_VALUE)] = "",
    schema: Annotated[str, Query(max_length=100)] = "Thing",
    include_dataset: Annotated[list[str], Query(max_length=limits.MAX_FILTERS)] = [],  # noqa: B006
    exclude_dataset: Annotated[list[str], Query(max_length=limits.MAX_FILTERS)] = [],  # noqa: B006
    exclude_schema: Annotated[list[str], Query(max_length=limits.MAX_FILTERS)] = [],  # noqa: B006
    changed_since: Annotated[str | None, Query(pattern=TS_PATTERN)] = None,
    countries: Annotated[list[str], Query(max_length=limits.MAX_FILTERS)] = [],  # noqa: B006
    topics: Annotated[list[str], Query(max_length=limits.MAX_FILTERS)] = [],  # noqa: B006
    datasets: Annotated[list[str], Query(max_length=limits.MAX_FILTERS)] = [],  # noqa: B006
    filter: Annotated[list[str], Query(max_length=limits.MAX_FILTERS)] = [],  # noqa: B006
    limit: Annotated[int, Query(ge=0, le=limits.MAX_PAGE)] = 10,
    offset: Annotated[int, Query(ge=0, le=limits.MAX_RESULTS - limits.MAX_PAGE)] = 0,
    sort: Annotated[list[str], Query(max_length=10)] = [],  # noqa: B006
    target: bool | None = None,
    fuzzy: bool = False,
    simple: bool = False,
    facets: Annotated[list[Facet], Query(max_length=6)] = DEFAULT_FACETS,
    filter_op: Operator = Operator.OR,
) -> Any:
    """Search by text (yente's ``/search``): every word of ``q`` in a name or another
    value, and names as screening reads them in any script (with ``fuzzy``, also
    through listed words a typing error or two away, as ``/match`` does by default);
    with facets."""
    check_filter_count(include_dataset, exclude_dataset, exclude_schema, countries, topics)
    check_filter_count(datasets, filter)
    found_schema = model.get(schema)
    if found_schema is None:
        raise InputError("schema", f"unknown schema {schema!r}")
    scope = check_dataset(who, dataset)
    # The answer depends on the parameters alone (and the caller's read state and
    # screener): kept as its body, like the workbench's search (``service.answer``).
    key = (dataset, tuple(sorted(request.query_params.multi_items())), who.screener.decided)

    def make() -> bytes:
        schemata = set(found_schema.matchable_schemata)
        if not found_schema.matchable:
            schemata |= set(found_schema.descendants)
        schemata.add(found_schema)
        terms: list[tuple[str, str]] = [("countries", c) for c in countries]
        terms += [("topics", t) for t in topics] + [("datasets", d) for d in datasets]
        for item in filter:
            field, sep, value = item.partition(":")
            if not sep or not field:
                raise InputError("filter", f"a filter is field:value, not {item!r}")
            terms.append((field, value))
        if target is not None:
            terms.append(("target", "true" if target else "false"))
        filters = flt.Filters(
            scope=scope,
            include_dataset=tuple(include_dataset),
            exclude_dataset=tuple(exclude_dataset),
            schemata=tuple(s.name for s in schemata),
            exclude_schema=tuple(exclude_schema),
            terms=tuple(terms),
            all_terms=filter_op == Operator.AND,
            changed_since=changed_since,
        )
        if not simple:
            _check_syntax(q)
        facts, view = who.facts, who.view()
        within = flt.mask(view, filters)
        words = [w for w in flt.tokens(q) if w.upper() not in _OPERATORS]
        if words:
            relevance = flt.text_matches(view, words, within)
            named: dict[int, float] = {}
            # One screening pass per kind of name screening reads (a person's name in
            # Cyrillic or Hangul is read as Korean only as a person's); vessels and other
            # things are also found by their words.
            screen_as = [found_schema.name] if found_schema.matchable else list(NAME_SCHEMATA)
            screener = flt.scoped(who.screener, flt.index_mask(facts, within))
            # a merged hit (a cluster of the caller's judgments) stands for its members,
            # which are what this API lists
            resolution = who.resolution()
            for schema_name in screen_as:
                query = ScreeningQuery("search", schema_name, (q,))
                if not query.readings():
                    continue
                for m in screener.match(query, max(limit + offset, 10), THRESHOLD, fuzzy=fuzzy):
                    if not m.match:
                        continue
                    for member in resolution.group(m.entity.id):
                        pos = facts.pos.get(member)
                        if pos is not None and within[pos]:
                            named[pos] = max(named.get(pos, 0.0), m.score)
            hits = set(relevance) | set(named)
            positions = sorted(
                hits, key=lambda p: (-named.get(p, 0.0), -relevance.get(p, 0.0), facts.ids[p])
            )
        else:
            positions = [int(p) for p in np.flatnonzero(within)]
        positions = _sort(positions, sort, view, facts)
        chosen = np.zeros(len(facts), dtype=bool)
        chosen[positions] = True
        page_ids = [facts.ids[p] for p in positions[offset : offset + limit]]
        renderer = who.renderer(resolved=False)
        shown = renderer.entities(page_ids)
        facet_data = {}
        for facet in dict.fromkeys(facets):
            counts = (
                view.schema_counts(chosen) if facet == Facet.SCHEMA else view.count(facet, chosen)
            )
            facet_data[facet.value] = {
                "label": FACET_LABELS[facet.value],
                "values": _labels(who, facet.value, counts),
            }
        return orjson.dumps(
            {
                "results": [shown[i] for i in page_ids if i in shown],
                "facets": facet_data,
                "total": {"value": len(positions), "relation": "eq"},
                "limit": limit,
                "offset": offset,
            }
        )

    body = who.answer("api search", key, make, depends_on=who.screener)
    return Response(body, media_type="application/json")
