"""Screening in yente's shapes: ``POST /match/{dataset}`` and ``GET /algorithms``
(``/search`` is ``routers.search``).

``/match`` takes yente's body and parameters and answers yente's response, so yente's
clients and OpenSanctions' matching documentation work unchanged:

- results scoring at or under ``cutoff`` (by default the ``threshold``) are left out,
  and ``total`` counts the matches (score at or above ``threshold``);
- the dataset in the path and the filters (``include_dataset``, ``exclude_dataset``,
  ``exclude_schema``, ``topics``, ``changed_since``, ``exclude_entity_ids``, by id or by
  referent) restrict retrieval itself (``screening.filters``), not a top-N afterwards;
  an unknown dataset is a 404;
- a query the service cannot run (unknown or unmatchable schema, nothing to match on)
  fails the whole request with a 400 naming it, as yente does, rather than answering
  it with no results;
- each result carries yente's ``explanations`` (per feature: score and what it found)
  and its full properties, and the query is echoed as cleaned, with its ``id``.

Our own additions: ``features`` (numbers), ``explanation`` (words), ``list_ids`` and the
response's ``matcher``.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from followthemoney import EntityProxy, model, registry
from followthemoney.exc import InvalidData

from watchkeeper.errors import InputError, NotFound
from watchkeeper.screening import filters as flt
from watchkeeper.screening import index as ix
from watchkeeper.screening.score import (
    COUNTRY_CONFLICT,
    COUNTRY_MATCH,
    DOB_CONFLICT,
    DOB_MATCH,
    EFFECTS,
    FEATURE_DOCS,
    ID_CONFLICT,
    ID_MATCH,
    THRESHOLD,
    Match,
    check_effects,
)
from watchkeeper.screening.score import Query as ScreeningQuery
from watchkeeper.web import limits
from watchkeeper.web.models import (
    ERRORS,
    AlgorithmResponse,
    EntityExample,
    EntityMatchQuery,
    EntityMatchResponse,
)
from watchkeeper.web.render import Json
from watchkeeper.web.respond import json_response
from watchkeeper.web.service import Caller, caller

router = APIRouter(tags=["screening"])

COLLECTIONS = frozenset({"default", "all", "sanctions"})
"""Names in the path that mean every dataset the caller may see."""
ALGORITHM = "watchkeeper"
# nomenklatura's algorithm names, which yente's clients may ask for: this service has one
# algorithm and answers each of them with it, saying so in the response's ``matcher``.
YENTE_ALGORITHMS = frozenset(
    {"best", "logic-v1", "logic-v2", "name-based", "name-qualified", "ofac", "regression-v1"}
)
# logic-v2's weights (nomenklatura's LogicV2.features) for the features that mean what
# ours mean: a request's weight is taken as logic-v2's and scales ours by the ratio.
LOGIC_V2_WEIGHTS = {
    "name_match": 1.0,
    "lei_code_match": 0.95,
    "ogrn_code_match": 0.95,
    "vessel_imo_mmsi_match": 0.95,
    "inn_code_match": 0.95,
    "bic_code_match": 0.95,
    "identifier_match": 0.85,
    "country_mismatch": -0.2,
    "dob_year_disjoint": -0.15,
}
# logic-v2's features that have no counterpart here: taken, and said to be ignored.
LOGIC_V2_OTHERS = frozenset(
    {
        "address_entity_match",
        "crypto_wallet_address",
        "isin_security_match",
        "uei_code_match",
        "npi_code_match",
        "weak_alias_match",
        "address_prop_match",
        "dob_day_disjoint",
        "gender_mismatch",
    }
)
TS_PATTERN = r"^\d{4}-\d{2}-\d{2}(T\d{2}(:\d{2}(:\d{2})?)?)?$"
NAME_PROPS = ("name", "alias", "previousName", "weakAlias")
PART_PROPS = ("firstName", "secondName", "middleName", "fatherName", "lastName")


def unprocessable(loc: Sequence[str | int], msg: str) -> RequestValidationError:
    """A 422 in FastAPI's (and yente's) shape, for bounds checked by hand."""
    return RequestValidationError([{"loc": tuple(loc), "msg": msg, "type": "value_error"}])


# -- datasets and filters -------------------------------------------------------------------


def check_dataset(who: Caller, dataset: str) -> str | None:
    """The dataset to scope to (None: every dataset), or a 404 that reads the same for a
    dataset that does not exist and one the caller may not see."""
    if dataset in COLLECTIONS:
        return None
    if not who.view().has("datasets", dataset):
        raise NotFound(f"no such dataset {dataset!r}")
    return dataset


def check_filter_count(*groups: Sequence[str]) -> None:
    if sum(len(g) for g in groups) > limits.MAX_FILTERS:
        raise unprocessable(
            ("query",), f"more than {limits.MAX_FILTERS} filter values in one request"
        )


# -- /match ----------------------------------------------------------------------------------


@dataclass
class Parsed:
    echo: dict[str, Any]
    query: ScreeningQuery


def _values(qid: str, prop: str, raw: object) -> list[str]:
    items = raw if isinstance(raw, list) else [raw]
    if len(items) > limits.MAX_VALUES:
        raise unprocessable(
            ("body", "queries", qid, "properties", prop),
            f"{len(items):,} values; at most {limits.MAX_VALUES} per property",
        )
    out = []
    for item in items:
        if isinstance(item, bool):
            item = str(item).lower()
        elif isinstance(item, int | float):
            item = str(item)
        if not isinstance(item, str):
            continue  # nested entities and nulls are not query values
        if len(item) > limits.MAX_VALUE:
            raise unprocessable(
                ("body", "queries", qid, "properties", prop),
                f"a value is {len(item):,} characters; at most {limits.MAX_VALUE:,}",
            )
        out.append(item)
    return out


def parse_example(qid: str, example: EntityExample) -> Parsed:
    """A query as yente reads it: properties the schema has, cleaned by FtM (a country
    name becomes its code, a number its text); unknown properties are left out."""
    schema = model.get(example.schema_)
    if schema is None:
        raise InputError(f"query {qid}", f"unknown schema {example.schema_!r}")
    if schema.name != "Thing" and not schema.matchable:
        raise InputError(f"query {qid}", f"schema {schema.name} cannot be matched")
    entity = EntityProxy(schema, {})
    for prop_name, raw in example.properties.items():
        prop = schema.get(prop_name)
        values = _values(qid, prop_name, raw)
        if prop is None or prop.stub:
            continue
        for value in values:
            try:
                entity.add(prop, value, cleaned=False, fuzzy=True)
            except InvalidData:
                continue
    props = entity.properties
    names = [v for p in NAME_PROPS for v in props.get(p, [])]
    parts = [v for p in PART_PROPS for v in props.get(p, [])[:1]]
    if parts:
        names.append(" ".join(parts))
    countries = list(entity.get_type_values(registry.country))
    ids: list[tuple[str, str]] = []
    for prop_name, kind in ix.ID_PROPS.items():
        for value in props.get(prop_name, []):
            norm = ix.normalise_id(kind, value)
            if norm:
                ids.append((kind, norm))
    if not names and not ids:
        raise InputError(f"query {qid}", "no name and no identifier to match on")
    screen_as = "LegalEntity" if schema.name == "Thing" else schema.name
    query = ScreeningQuery(
        qid,
        screen_as,
        tuple(dict.fromkeys(names)),
        tuple(props.get("birthDate", [])),
        tuple(countries),
        tuple(ids),
    )
    echo = {"id": example.id, "schema": schema.name, "properties": props}
    return Parsed(echo, query)


def effects_from(weights: dict[str, float]) -> tuple[dict[str, float], list[str]]:
    """A request's weights as our feature scales: logic-v2's names and weights where a
    feature means the same here (scaled by logic-v2's own weight), our own names as
    scales; logic-v2 features we do not have are ignored and named."""
    scales: dict[str, float] = {}
    ignored: list[str] = []
    for name, value in weights.items():
        if name in LOGIC_V2_OTHERS:
            ignored.append(name)
        elif name == "name_match":
            if value != LOGIC_V2_WEIGHTS[name]:
                raise InputError("weights", "name_match is not weighed here: the score is the name")
        elif name in LOGIC_V2_WEIGHTS:
            scales[name] = value / LOGIC_V2_WEIGHTS[name]
        else:
            scales[name] = value
    return check_effects(scales), sorted(ignored)


# The explanation lines score.py writes, by the features they explain.
_FEATURE_WORDS = {
    "dob_match": "same birth date",
    "dob_year_disjoint": "different birth date",
    "country_match": "same country",
    "country_mismatch": "different country",
    "identifier_mismatch": "different ",
}


def explanations(found: Match) -> dict[str, dict[str, Any]]:
    lines = list(found.explanation)
    out: dict[str, dict[str, Any]] = {}
    for position, (name, value) in enumerate(found.features):
        detail: str | None = None
        if position == 0 and lines:
            detail = lines[0]
        else:
            words = _FEATURE_WORDS.get(name, "same ")
            detail = next((line for line in lines[1:] if line.startswith(words)), None)
        out[name] = {"score": value, "detail": detail, "query": None, "candidate": None}
    return out


def result_json(found: Match, data: Json) -> Json:
    return {
        **data,
        "score": found.score,
        "match": found.match,
        "explanations": explanations(found),
        "features": dict(found.features),
        "explanation": found.explain(),
    }


# Matching is CPU work: it runs on the event loop, one query at a time, yielding to other
# requests between queries, so that a long batch does not hold up the short ones.
@router.post(
    "/match/{dataset}",
    response_model=EntityMatchResponse,
    responses={k: v for k, v in ERRORS.items() if k != 414},
)
async def match(
    dataset: str,
    request: Request,
    body: EntityMatchQuery,
    who: Annotated[Caller, Depends(caller)],
    limit: Annotated[int, Query(ge=0, le=limits.MAX_MATCHES)] = 5,
    threshold: Annotated[float, Query(ge=0.0, le=1.0)] = THRESHOLD,
    cutoff: Annotated[float, Query(ge=0.0, le=1.0, deprecated=True)] = THRESHOLD,
    algorithm: Annotated[str, Query(max_length=100)] = "best",
    include_dataset: Annotated[list[str], Query(max_length=limits.MAX_FILTERS)] = [],  # noqa: B006
    exclude_schema: Annotated[list[str], Query(max_length=limits.MAX_FILTERS)] = [],  # noqa: B006
    exclude_dataset: Annotated[list[str], Query(max_length=limits.MAX_FILTERS)] = [],  # noqa: B006
    topics: Annotated[list[str], Query(max_length=limits.MAX_FILTERS)] = [],  # noqa: B006
    changed_since: Annotated[str | None, Query(pattern=TS_PATTERN)] = None,
    exclude_entity_ids: Annotated[list[str], Query(max_length=50)] = [],  # noqa: B006
    fuzzy: bool = True,
) -> Any:
    """Match entities given by example (yente's ``/match``), best first."""
    if not body.queries:
        raise InputError("request", "no queries provided")
    if len(body.queries) > limits.MAX_QUERIES:
        raise InputError(
            "request", f"{len(body.queries)} queries; at most {limits.MAX_QUERIES} per request"
        )
    if algorithm != ALGORITHM and algorithm not in YENTE_ALGORITHMS:
        raise InputError(
            "algorithm",
            f"no algorithm {algorithm!r}; this service has {ALGORITHM!r}, which also"
            f" answers {', '.join(sorted(YENTE_ALGORITHMS))}",
        )
    for key in body.config:
        raise InputError(
            "config", f"no configuration parameter {key!r} for algorithm {ALGORITHM!r}"
        )
    effects, ignored = effects_from(body.weights)
    check_filter_count(include_dataset, exclude_schema, exclude_dataset, topics)
    scope = check_dataset(who, dataset)
    parsed = {qid: parse_example(qid, example) for qid, example in body.queries.items()}
    names = sum(len(p.query.names) for p in parsed.values())
    if names > limits.MAX_NAMES:
        raise unprocessable(
            ("body", "queries"), f"{names:,} names in one request; at most {limits.MAX_NAMES:,}"
        )
    filters = flt.Filters(
        scope=scope,
        include_dataset=tuple(include_dataset),
        exclude_dataset=tuple(exclude_dataset),
        exclude_schema=tuple(exclude_schema),
        terms=tuple(("topics", t) for t in topics),
        changed_since=changed_since,
        exclude_entity_ids=tuple(exclude_entity_ids),
    )
    # The answer depends on the body and the parameters alone (and the caller's read
    # state and screener, and the review decisions made through it since): kept as sent,
    # like /search's, for the next identical request
    # (a client screening the same counterparties again, a retry). The body by its
    # digest: a key is not to hold two megabytes.
    digest = hashlib.sha256(await request.body()).digest()
    params = tuple(sorted(request.query_params.multi_items()))
    asked = (dataset, params, digest, who.screener.decided)
    is_kept, sent = who.kept_answer("api match", asked, depends_on=who.screener)
    if is_kept:
        return Response(sent, media_type="application/json", headers=sent_headers(parsed))
    screener = who.screener
    if filters.restricts:
        allowed = flt.index_mask(who.facts, flt.mask(who.view(), filters))
        screener = flt.scoped(screener, allowed)
    cutoff = min(cutoff, threshold)
    candidates = min(max(limit, 10) * 2, 2 * limits.MAX_MATCHES)
    scored: dict[str, tuple[list[Match], int]] = {}
    for qid, item in parsed.items():
        found = screener.match(item.query, candidates, threshold, effects=effects, fuzzy=fuzzy)
        kept = [m for m in found if m.score > cutoff]
        scored[qid] = (kept[:limit], sum(1 for m in found if m.score >= threshold))
        await asyncio.sleep(0)
    renderer = who.renderer()
    shown = renderer.entities([m.entity.id for kept, _ in scored.values() for m in kept])
    responses = {}
    for qid, (kept, total) in scored.items():
        results = [result_json(m, shown[m.entity.id]) for m in kept if m.entity.id in shown]
        responses[qid] = {
            "status": 200,
            "results": results,
            "total": {"value": total, "relation": "eq"},
            "query": parsed[qid].echo,
        }
    answer = {
        "responses": responses,
        "limit": limit,
        "matcher": {
            "name": ALGORITHM,
            "requested": algorithm,
            "threshold": threshold,
            "cutoff": cutoff,
            "weights": effects,
            "ignored_weights": ignored,
        },
    }
    sent = orjson.dumps(answer)
    who.answer("api match", asked, lambda: sent, depends_on=who.screener)
    return Response(sent, media_type="application/json", headers=sent_headers(parsed))


def sent_headers(parsed: dict[str, Parsed]) -> dict[str, str]:
    return {"x-batch-size": str(len(parsed))}


# -- /algorithms -----------------------------------------------------------------------------

COEFFICIENTS = {
    "name_match": 1.0,
    "identifier_match": ID_MATCH,
    "identifier_mismatch": ID_CONFLICT,
    "dob_match": DOB_MATCH,
    "dob_year_disjoint": DOB_CONFLICT,
    "country_match": COUNTRY_MATCH,
    "country_mismatch": COUNTRY_CONFLICT,
}
DOCS_URL = "https://github.com/watchkeeper/watchkeeper/blob/main/README.md#screening-api"


@router.get("/algorithms", response_model=AlgorithmResponse, tags=["system"])
def algorithms() -> Any:
    """The matching algorithm (yente's shape): its features, with what moves a score."""
    features = {
        name: {
            "description": doc,
            "coefficient": COEFFICIENTS.get(name, ID_MATCH),
            "url": DOCS_URL,
        }
        for name, doc in FEATURE_DOCS.items()
    }
    description = (
        "Watchkeeper's name analysis and scoring (any script, Korean and Russian"
        " romanisations); answers for nomenklatura's "
        + ", ".join(sorted(YENTE_ALGORITHMS))
        + ". Weights: logic-v2's names and values where a feature means the same"
        f" ({', '.join(sorted(LOGIC_V2_WEIGHTS))}); also {', '.join(sorted(set(EFFECTS) - set(LOGIC_V2_WEIGHTS)))}"
        " as scales from 0 to 5."
    )
    entry = {
        "name": ALGORITHM,
        "description": description,
        "features": features,
        "docs": {"name": ALGORITHM, "description": description, "config": {}, "features": features},
        "aliases": sorted(YENTE_ALGORITHMS),
    }
    return json_response({"algorithms": [entry], "default": ALGORITHM, "best": ALGORITHM})
