"""The API's request and response shapes, as yente's OpenAPI schema describes them.

Responses are built as plain data (``web.render``) and sent as they are; these models
describe them in the OpenAPI schema, so that a client generated from it, and the
schema tests (schemathesis), check what is actually sent. Fields yente does not have
are ours and say so (``explanation``, ``features``, ``list_ids``, ``matcher``).
"""

from __future__ import annotations

from typing import Any, Union

from pydantic import BaseModel, ConfigDict, Field

EntityProperties = dict[str, list[Union[str, "EntityResponse"]]]


class ErrorResponse(BaseModel):
    detail: str = Field(..., examples=["no such dataset 'banana'"])


class StatusResponse(BaseModel):
    status: str = "ok"


class TotalSpec(BaseModel):
    value: int = Field(..., ge=0, examples=[42])
    relation: str = Field("eq", examples=["eq"])


class EntityResponse(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str = Field(..., examples=["NK-aU5ybkbRFJucf8YMwsJvDw"])
    caption: str = Field(..., examples=["Alexander Vyacheslavovich ZAKHAROV"])
    schema_: str = Field(..., alias="schema", examples=["Person"])
    properties: EntityProperties = Field(..., examples=[{"name": ["John Doe"]}])
    datasets: list[str] = Field([], examples=[["us_ofac_sdn"]])
    referents: list[str] = Field([], examples=[["ofac-1234"]])
    target: bool = False
    first_seen: str | None = Field(None, examples=["2023-04-20T18:00:25"])
    last_seen: str | None = Field(None, examples=["2026-01-01T12:00:00"])
    last_change: str | None = Field(None, examples=["2025-06-01T08:30:00"])
    list_ids: list[str] = Field(
        [], description="Watchkeeper: the lists' own ids of the entry (UN:KPi.038...)."
    )


EntityResponse.model_rebuild()


class FeatureResult(BaseModel):
    score: float
    detail: str | None = None
    query: str | None = None
    candidate: str | None = None


class ScoredEntityResponse(EntityResponse):
    score: float = Field(..., ge=0, le=1)
    match: bool = Field(..., description="Whether the score is at or above the threshold.")
    explanations: dict[str, FeatureResult] = Field(
        ..., description="Each feature that moved the score, with what it found."
    )
    features: dict[str, float] = Field(
        {}, description="Watchkeeper: the features' values in numbers, by name."
    )
    explanation: str = Field("", description="Watchkeeper: the score explained in words.")


class EntityExample(BaseModel):
    """A query entity: a schema and properties, as yente takes it. Values other than
    text (numbers) are read as text; nested values are left out."""

    model_config = ConfigDict(populate_by_name=True)

    id: str | None = Field(None, max_length=255, examples=["my-entity-id"])
    schema_: str = Field(..., alias="schema", max_length=100, examples=["Person"])
    properties: dict[str, str | list[Any]] = Field(..., examples=[{"name": ["John Doe"]}])


class EntityMatchQuery(BaseModel):
    weights: dict[str, float] = Field(default_factory=dict, examples=[{"country_mismatch": -0.2}])
    config: dict[str, str | int | float | bool | None] = Field(default_factory=dict)
    queries: dict[str, EntityExample]


class EntityMatches(BaseModel):
    status: int = Field(200, examples=[200])
    results: list[ScoredEntityResponse]
    total: TotalSpec
    query: EntityExample


class Matcher(BaseModel):
    name: str
    requested: str
    threshold: float
    cutoff: float
    weights: dict[str, float]
    ignored_weights: list[str] = []


class EntityMatchResponse(BaseModel):
    responses: dict[str, EntityMatches]
    limit: int = Field(..., examples=[5])
    matcher: Matcher | None = Field(
        None, description="Watchkeeper: which algorithm answered, and with what settings."
    )


class SearchFacetItem(BaseModel):
    name: str = Field(..., examples=["ru"])
    label: str = Field(..., examples=["Russia"])
    count: int = Field(1, examples=[42])


class SearchFacet(BaseModel):
    label: str = Field(..., examples=["Countries"])
    values: list[SearchFacetItem]


class SearchResponse(BaseModel):
    limit: int
    offset: int = 0
    total: TotalSpec
    results: list[EntityResponse]
    facets: dict[str, SearchFacet]


class AdjacentResultsResponse(BaseModel):
    limit: int
    offset: int = 0
    total: TotalSpec
    results: list[str | EntityResponse] = []


class EntityAdjacentResponse(BaseModel):
    entity: EntityResponse
    adjacent: dict[str, AdjacentResultsResponse]


class DataPublisher(BaseModel):
    name: str
    country_label: str | None
    url: str | None = None
    official: bool | None = None


class DatasetModel(BaseModel):
    name: str
    title: str
    summary: str | None = None
    version: str | None = None
    updated_at: str | None = None
    entity_count: int | None = None
    thing_count: int | None = None
    load: bool = True
    index_version: str | None = None
    index_current: bool = True
    children: list[str] = []
    publisher: DataPublisher | None = None


class DataCatalogModel(BaseModel):
    datasets: list[DatasetModel]
    current: list[str]
    outdated: list[str]
    index_stale: bool = False


class FeatureDoc(BaseModel):
    description: str | None
    coefficient: float
    url: str


class ConfigVar(BaseModel):
    type: str = "float"
    description: str | None = None
    default: str | int | float | bool | None = 0


class AlgorithmDocs(BaseModel):
    name: str
    description: str | None = None
    config: dict[str, ConfigVar]
    features: dict[str, FeatureDoc]


class Algorithm(BaseModel):
    name: str
    description: str | None = None
    features: dict[str, FeatureDoc]
    docs: AlgorithmDocs
    aliases: list[str] = Field(
        [], description="Watchkeeper: nomenklatura's names this algorithm also answers to."
    )


class AlgorithmResponse(BaseModel):
    algorithms: list[Algorithm]
    default: str
    best: str


class DecisionResponse(BaseModel):
    """One row of the organisation's decision log. ``record_hash`` digests the record
    screened (empty when the decision was bound to the query id alone), ``fingerprint``
    is the candidate's version as the organisation saw it; ``score``, ``explanation``,
    ``release`` (the list releases) and ``config`` (the scoring configuration's digest)
    replay it; ``supersedes`` is the earlier decision it replaces."""

    id: int
    organisation: str
    query_id: str
    entity_id: str
    decision: str
    reason: str
    decided_by: str
    decided_at: str
    fingerprint: str
    record_hash: str = ""
    record: str = ""
    score: float | None = None
    explanation: str = ""
    release: str = ""
    config: str = ""
    supersedes: int | None = None


class DecisionsResponse(BaseModel):
    decisions: list[DecisionResponse]


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Invalid request"},
    401: {"model": ErrorResponse, "description": "An API key is required"},
    404: {"model": ErrorResponse, "description": "Not found"},
    413: {"model": ErrorResponse, "description": "Request body too large"},
    414: {"model": ErrorResponse, "description": "Request URI too long"},
    422: {"model": ErrorResponse, "description": "Invalid parameters"},
    503: {"model": ErrorResponse, "description": "The store is busy; retry"},
}
