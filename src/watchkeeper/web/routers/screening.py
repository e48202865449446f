"""Screening in yente's shapes: ``POST /match/{dataset}``, ``GET /search/{dataset}``,
``GET /algorithms``.

``/match`` takes yente's body (``{"queries": {"q1": {"schema": ..., "properties":
{...}}}}``) and answers yente's response (``{"responses": {"q1": {"status", "results",
"total", "query"}}}``), so yente's clients and OpenSanctions' matching documentation work
unchanged. Each result carries ``score``, ``match``, ``features`` (under nomenklatura
logic-v2's names where one means the same: ``name_match``, ``vessel_imo_mmsi_match``,
``dob_year_disjoint``, ``country_mismatch``...) and our ``explanation`` in words.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from followthemoney import registry
from pydantic import BaseModel, Field

from watchkeeper.errors import InputError
from watchkeeper.screening import index as ix
from watchkeeper.screening.score import (
    EFFECTS,
    FEATURE_DOCS,
    SCHEMATA,
    THRESHOLD,
    Match,
    check_effects,
)
from watchkeeper.screening.score import Query as ScreeningQuery
from watchkeeper.web.limits import MAX_QUERIES, MAX_VALUE
from watchkeeper.web.service import Caller, caller

router = APIRouter(tags=["screening"])

ALL_DATASETS = frozenset({"default", "all", "sanctions"})
ALGORITHM = "watchkeeper"
# nomenklatura's algorithm names, which yente's clients may ask for: this service has one
# algorithm and answers each of them with it, saying so in the response's ``matcher``.
YENTE_ALGORITHMS = frozenset(
    {"best", "logic-v1", "logic-v2", "name-based", "name-qualified", "ofac", "regression-v1"}
)


class EntityQuery(BaseModel):
    schema_: str = Field(alias="schema")
    properties: dict[str, list[str] | str] = Field(default_factory=dict)


class MatchRequest(BaseModel):
    queries: dict[str, EntityQuery]
    weights: dict[str, float] = Field(default_factory=dict)
    config: dict[str, Any] = Field(default_factory=dict)


def _dataset_filter(dataset: str, match: Match) -> bool:
    return dataset in ALL_DATASETS or dataset in match.entity.datasets


def _values(props: dict[str, list[str] | str], *names: str) -> list[str]:
    out: list[str] = []
    for name in names:
        value = props.get(name, [])
        out.extend([value] if isinstance(value, str) else value)
    return [v for v in out if isinstance(v, str) and v.strip()]


def to_query(qid: str, body: EntityQuery) -> ScreeningQuery:
    schema = body.schema_
    if schema not in SCHEMATA:
        raise InputError(f"query {qid}", f"unknown schema {schema!r}; one of {', '.join(SCHEMATA)}")
    props = body.properties
    for values in props.values():
        for value in [values] if isinstance(values, str) else values:
            if len(value) > MAX_VALUE:
                raise InputError(
                    f"query {qid}", f"a value is {len(value):,} characters (limit {MAX_VALUE:,})"
                )
    names = _values(props, "name", "alias", "previousName", "weakAlias", "firstName", "lastName")
    if props.get("firstName") or props.get("lastName"):
        names.append(" ".join(_values(props, "firstName", "middleName", "lastName")))
    countries = []
    for value in _values(props, "nationality", "country", "citizenship", "jurisdiction", "flag"):
        code = registry.country.clean_text(value)
        countries.append(code or value.lower())
    ids = []
    for prop, kind in ix.ID_PROPS.items():
        for value in _values(props, prop):
            norm = ix.normalise_id(kind, value)
            if norm:
                ids.append((kind, norm))
    if not names and not ids:
        raise InputError(f"query {qid}", "no name and no identifier to match on")
    return ScreeningQuery(
        qid, schema, tuple(names), tuple(_values(props, "birthDate")), tuple(countries), tuple(ids)
    )


def result_json(match: Match) -> dict[str, Any]:
    entity = match.entity
    props: dict[str, list[str]] = {"name": list(entity.names[:1])}
    if len(entity.names) > 1:
        props["alias"] = list(entity.names[1:])
    if entity.dates:
        props["birthDate"] = list(entity.dates)
    if entity.countries:
        props["country"] = list(entity.countries)
    for kind, value in entity.ids:
        prop = next((p for p, k in ix.ID_PROPS.items() if k == kind), "idNumber")
        props.setdefault(prop, []).append(value)
    return {
        "id": entity.id,
        "caption": entity.caption,
        "schema": entity.schema,
        "properties": props,
        "datasets": list(entity.datasets),
        "referents": [],
        "target": bool(entity.list_ids),
        "list_ids": list(entity.list_ids),
        "score": match.score,
        "match": match.match,
        "features": dict(match.features),
        "explanation": match.explain(),
    }


# Matching is CPU work: run it on the event loop, one request at a time per worker
# process, rather than in a thread pool where threads would contend for the GIL.
@router.post("/match/{dataset}")
async def match(
    dataset: str,
    request: MatchRequest,
    who: Annotated[Caller, Depends(caller)],
    limit: Annotated[int, Query(ge=1, le=100)] = 5,
    threshold: Annotated[float, Query(ge=0.0, le=1.0)] = THRESHOLD,
    algorithm: Annotated[str, Query(max_length=100)] = ALGORITHM,
) -> dict[str, Any]:
    if len(request.queries) > MAX_QUERIES:
        raise InputError(
            "request", f"{len(request.queries)} queries; at most {MAX_QUERIES} per request"
        )
    if algorithm != ALGORITHM and algorithm not in YENTE_ALGORITHMS:
        raise InputError(
            "algorithm",
            f"no algorithm {algorithm!r}; this service has {ALGORITHM!r}, which also"
            f" answers {', '.join(sorted(YENTE_ALGORITHMS))}",
        )
    for key in request.config:
        raise InputError(
            "config", f"no configuration parameter {key!r} for algorithm {ALGORITHM!r}"
        )
    effects = check_effects(request.weights)
    responses: dict[str, Any] = {}
    for qid, body in request.queries.items():
        try:
            query = to_query(qid, body)
            found = who.screener.match(query, limit * 2, threshold, effects=effects)
        except InputError as exc:
            responses[qid] = {
                "status": 400,
                "detail": exc.detail,
                "results": [],
                "total": {"value": 0, "relation": "eq"},
            }
            continue
        results = [result_json(m) for m in found if _dataset_filter(dataset, m)][:limit]
        responses[qid] = {
            "status": 200,
            "results": results,
            "total": {"value": len(results), "relation": "eq"},
            "query": body.model_dump(by_alias=True),
        }
    return {
        "responses": responses,
        "matcher": {
            "name": ALGORITHM,
            "requested": algorithm,
            "threshold": threshold,
            "weights": effects,
        },
        "limit": limit,
    }


@router.get("/algorithms")
def algorithms() -> dict[str, Any]:
    return {
        "algorithms": [
            {
                "name": ALGORITHM,
                "description": "Watchkeeper's name analysis and scoring (score.py);"
                f" also answers {', '.join(sorted(YENTE_ALGORITHMS))}",
                "features": FEATURE_DOCS,
                "weights": list(EFFECTS),
                "threshold": THRESHOLD,
            }
        ],
        "default": ALGORITHM,
        "best": ALGORITHM,
    }


@router.get("/search/{dataset}")
async def search(
    dataset: str,
    who: Annotated[Caller, Depends(caller)],
    q: Annotated[str, Query(min_length=1, max_length=MAX_VALUE)],
    schema: str = "LegalEntity",
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> dict[str, Any]:
    if schema not in SCHEMATA:
        raise InputError("schema", f"unknown schema {schema!r}; one of {', '.join(SCHEMATA)}")
    found = who.screener.match(ScreeningQuery("search", schema, (q,)), limit * 2, THRESHOLD)
    results = [result_json(m) for m in found if _dataset_filter(dataset, m) and m.score >= 0.5][
        :limit
    ]
    return {
        "results": results,
        "total": {"value": len(results), "relation": "eq"},
        "limit": limit,
        "offset": 0,
    }
