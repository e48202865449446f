"""The screening API, in yente's request and response shapes.

- ``POST /match/{dataset}``: yente's body (``{"queries": {"q1": {"schema": ..., "properties":
  {...}}}}``) and response (``{"responses": {"q1": {"status", "results", "total", "query"}}}``),
  so yente's clients and OpenSanctions' matching documentation work unchanged. Each
  result carries ``score``, ``match``, ``features`` (under nomenklatura logic-v2's names
  where one means the same: ``name_match``, ``vessel_imo_mmsi_match``,
  ``dob_year_disjoint``, ``country_mismatch``...) and our ``explanation`` in words.
- ``GET /search/{dataset}?q=``, ``GET /entities/{id}``, ``GET /healthz``.
- ``POST /decisions`` (``query_id``, ``entity_id``, ``decision``: confirmed or dismissed,
  ``reason``, optional ``by``) and ``GET /decisions``: the caller organisation's review
  decisions, as ``watchkeeper review`` keeps them.

Every answer is what the caller's viewer may see: with ``WATCHKEEPER_API_KEYS`` set, a
request must carry ``Authorization: ApiKey <key>``, which names its organisation; with
none set, the API answers as the workspace's own organisation (bind it to localhost).
Errors are one-line JSON ``{"detail": ...}`` with the status of the ``WatchkeeperError``.
"""

# No `from __future__ import annotations` here: FastAPI reads the annotations of the
# route functions, which refer to names local to create_app.

import gc
import threading
import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from followthemoney import registry
from pydantic import BaseModel, Field

from watchkeeper.errors import InputError, NotFound, WatchkeeperError
from watchkeeper.model.marking import Viewer
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
from watchkeeper.screening.screener import Screener
from watchkeeper.settings import Settings, load_settings
from watchkeeper.store import Store, open_store

ALL_DATASETS = frozenset({"default", "all", "sanctions"})
ALGORITHM = "watchkeeper"
# nomenklatura's algorithm names, which yente's clients may ask for: this service has one
# algorithm and answers each of them with it, saying so in the response's ``matcher``.
YENTE_ALGORITHMS = frozenset(
    {"best", "logic-v1", "logic-v2", "name-based", "name-qualified", "ofac", "regression-v1"}
)
RECHECK_SECONDS = 10.0
MAX_QUERIES = 100
MAX_VALUE = 2000
FREEZE_EVERY = 1000


class Unauthorized(WatchkeeperError):
    status = 401


class EntityQuery(BaseModel):
    schema_: str = Field(alias="schema")
    properties: dict[str, list[str] | str] = Field(default_factory=dict)


class MatchRequest(BaseModel):
    queries: dict[str, EntityQuery]
    weights: dict[str, float] = Field(default_factory=dict)
    config: dict[str, Any] = Field(default_factory=dict)


class DecisionRequest(BaseModel):
    """A reviewer's decision on a hit, as ``watchkeeper review`` takes it."""

    query_id: str = Field(min_length=1, max_length=MAX_VALUE)
    entity_id: str = Field(min_length=1, max_length=MAX_VALUE)
    decision: str = Field(max_length=20)
    reason: str = Field(max_length=MAX_VALUE)
    by: str | None = Field(default=None, max_length=200)


class Service:
    """The store and the index behind the API; the index follows the store's version."""

    def __init__(self, settings: Settings, index: ix.Index | None = None) -> None:
        self.settings = settings
        self.store: Store = open_store(settings)
        # A given index is served as is (benchmarks, embedding); else the store's own.
        self.fixed = index is not None
        self.index = index or ix.load_or_build(self.store, settings.cache_dir)
        # The index is a large, long-lived object graph: keep it out of the garbage
        # collector's full passes, which otherwise show up as 0.5 s latency spikes.
        gc.freeze()
        self._checked = time.monotonic()
        self._lock = threading.Lock()
        self.keys = dict(settings.api_keys)
        self._screeners: dict[Viewer, tuple[float, ix.Index, Screener]] = {}
        self._served = 0

    def current_index(self) -> ix.Index:
        if not self.fixed and time.monotonic() - self._checked > RECHECK_SECONDS:
            with self._lock:
                self._checked = time.monotonic()
                if self.store.version() != self.index.version:
                    self.index = ix.load_or_build(self.store, self.settings.cache_dir)
                    gc.freeze()
        return self.index

    def tick(self) -> None:
        """Every FREEZE_EVERY requests, move what has survived (mostly the name-analysis
        caches, which grow with every new name) out of the collector's reach: otherwise
        each full collection walks them all, a pause of 0.1 s or more at a million
        entities. Frozen objects are still freed when no longer referenced."""
        self._served += 1
        if self._served % FREEZE_EVERY == 0:
            gc.collect(1)
            gc.freeze()

    def screener(self, viewer: Viewer) -> Screener:
        """A viewer's screener, kept for RECHECK_SECONDS: its visible markings and its
        organisation's review decisions are read from the store at most that often."""
        index = self.current_index()
        now = time.monotonic()
        cached = self._screeners.get(viewer)
        if cached is None or cached[1] is not index or now - cached[0] > RECHECK_SECONDS:
            cached = (now, index, Screener.for_viewer(index, self.store, viewer))
            self._screeners[viewer] = cached
        return cached[2]

    def viewer(self, authorization: str | None) -> Viewer:
        if not self.keys:
            return Viewer(self.settings.organisation, self.settings.country)
        scheme, _, key = (authorization or "").partition(" ")
        org = self.keys.get(key.strip()) if scheme.lower() == "apikey" else None
        if org is None:
            raise Unauthorized("an API key is required: Authorization: ApiKey <key>")
        return self.store.organisation(org)


@dataclass
class Caller:
    service: Service
    viewer: Viewer
    screener: Screener


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


def create_app(settings: Settings | None = None, index: ix.Index | None = None) -> FastAPI:
    service = Service(settings or load_settings(), index)
    app = FastAPI(title="Watchkeeper screening API", version="1")

    @app.exception_handler(WatchkeeperError)
    async def _known(_request: Request, exc: WatchkeeperError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        reason = first.get("msg", "invalid request")
        return JSONResponse({"detail": f"invalid request: {where}: {reason}"}, status_code=400)

    async def caller(authorization: Annotated[str | None, Header()] = None) -> Caller:
        service.tick()
        viewer = service.viewer(authorization)
        return Caller(service, viewer, service.screener(viewer))

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    # Matching is CPU work: run it on the event loop, one request at a time per worker
    # process, rather than in a thread pool where threads would contend for the GIL.
    @app.post("/match/{dataset}")
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

    @app.get("/algorithms")
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

    @app.get("/search/{dataset}")
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

    # Review decisions belong to the caller's organisation. This worker's screener sees a
    # decision at once; the other workers re-read decisions within RECHECK_SECONDS.
    @app.post("/decisions")
    def decide(body: DecisionRequest, who: Annotated[Caller, Depends(caller)]) -> dict[str, str]:
        by = body.by or who.viewer.organisation
        return who.screener.decide(
            service.store,
            who.viewer,
            body.query_id,
            body.entity_id,
            body.decision,
            body.reason,
            by,
        )

    @app.get("/decisions")
    def decisions(who: Annotated[Caller, Depends(caller)]) -> dict[str, Any]:
        return {"decisions": service.store.decisions(who.viewer.organisation)}

    @app.get("/entities/{entity_id}")
    def entity(entity_id: str, who: Annotated[Caller, Depends(caller)]) -> dict[str, Any]:
        view = service.store.read(who.viewer).entity(entity_id, include_ended=False)
        if view is None:
            raise NotFound(f"no entity {entity_id!r}")
        data = view.entity.to_dict()
        data["caption"] = view.caption
        data["datasets"] = sorted({s.statement.dataset for s in view.statements})
        return data

    return app
