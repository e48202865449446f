"""The workbench's JSON API (``/api/...``): what the pages show, as data, for scripts and
for the pages' own maps. Every response is described by a model (OpenAPI), answers as
the caller's organisation (a session or ``Authorization: Bearer <token>``), and an
export is written to the audit trail."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from watchkeeper.maritime.alerts import list_alerts
from watchkeeper.views import detail
from watchkeeper.web import data, find, geo
from watchkeeper.web.auth import csrf_protect
from watchkeeper.web.limits import MAX_VALUE
from watchkeeper.web.routers.entity_page import visible_entity
from watchkeeper.web.routers.search_page import run_search, suggestions
from watchkeeper.web.workbench import Ctx, ctx

router = APIRouter(prefix="/api", tags=["workbench"], dependencies=[Depends(csrf_protect)])

EntityId = Annotated[str, Path(max_length=255)]
Text = Annotated[str, Query(max_length=MAX_VALUE)]
Facet = Annotated[str, Query(max_length=200)]


class Me(BaseModel):
    username: str
    organisation: str
    country: str | None
    role: Literal["viewer", "analyst", "admin"]
    locale: str | None


class Bucket(BaseModel):
    value: str
    count: int


class SearchHit(BaseModel):
    id: str
    caption: str
    schema_: str = Field(alias="schema")
    score: float | None
    explanation: str
    facets: dict[str, list[str]]


class SearchAnswer(BaseModel):
    query: str
    total: int
    filters: dict[str, str]
    facets: dict[str, list[Bucket]]
    results: list[SearchHit]


class SuggestionOut(BaseModel):
    id: str
    name: str
    schema_: str = Field(alias="schema")


class Suggestions(BaseModel):
    results: list[SuggestionOut]


class Value(BaseModel):
    prop: str
    value: str
    dataset: str
    source: str
    source_title: str | None
    grade: str
    marking: str
    first_seen: str | None
    last_seen: str | None
    ended: str | None
    statement_id: str


class Provenance(BaseModel):
    source: str
    source_title: str | None
    grade: str
    marking: str


class Party(BaseModel):
    id: str
    caption: str
    schema_: str = Field(alias="schema")
    role: str


class Linked(BaseModel):
    id: str
    schema_: str = Field(alias="schema")
    caption: str
    countries: list[str]
    datasets: list[str]
    properties: dict[str, list[str]]
    label: str | None = Field(None, description="The schema's name (Ownership, Sanction …).")
    roles: list[str] = Field([], description="What the entity is in it (its properties).")
    provenance: list[Provenance] = Field(
        [], description="Source, grade and marking of the statements tying it to the entity."
    )
    parties: list[Party] = Field([], description="The other entities it names, by name.")
    list_ids: list[str] = Field([], description="A sanction's list ids (OFAC:37059).")


class EntityDetail(BaseModel):
    id: str
    schema_: str = Field(alias="schema")
    caption: str
    countries: list[str]
    datasets: list[str]
    list_ids: list[str]
    properties: list[Value]
    sanctions: list[Linked]
    links: list[Linked]
    events: list[Linked]


class Involved(BaseModel):
    id: str
    caption: str


class EventOut(BaseModel):
    id: str
    title: str
    date: str
    end: str | None
    sectors: list[str]
    kind: str | None
    involved: list[Involved]
    summary: str
    location: str
    alert: bool


class Events(BaseModel):
    total: int
    events: list[EventOut]


class Geometry(BaseModel):
    type: Literal["Point", "LineString"]
    coordinates: list[float] | list[list[float]]


class FeatureProps(BaseModel):
    kind: str
    name: str
    note: str
    url: str
    alert: bool
    id: str
    start: str | None = Field(None, description="When it began (events and tracks).")
    end: str | None = Field(None, description="When it ended (events and tracks).")
    times: list[str] | None = Field(None, description="A track's time at each position.")


class Feature(BaseModel):
    type: Literal["Feature"]
    geometry: Geometry
    properties: FeatureProps


class FeatureCollection(BaseModel):
    type: Literal["FeatureCollection"]
    features: list[Feature]


class Acknowledgement(BaseModel):
    by: str
    at: str
    note: str


class Alert(BaseModel):
    id: str
    severity: str
    kind: str
    start: str
    end: str
    title: str
    reason: str
    place: str | None
    mmsi: list[int | str]
    vessels: list[str]
    evidence: dict[str, Any]
    acknowledged: Acknowledgement | None


class Alerts(BaseModel):
    alerts: list[Alert]


class SourceOut(BaseModel):
    id: str
    dataset: str
    kind: str
    title: str
    publisher: str
    reliability: str
    url: str | None
    published: str | None
    retrieved: str
    checksum: str | None
    marking: str


class Sources(BaseModel):
    sources: list[SourceOut]


class Export(BaseModel):
    id: str
    schema_: str = Field(alias="schema")
    caption: str
    properties: dict[str, list[str]]
    datasets: list[str]


@router.get("/me", response_model=Me)
def me(c: Annotated[Ctx, Depends(ctx)]) -> dict[str, Any]:
    u = c.user
    return {
        "username": u.username,
        "organisation": u.organisation,
        "country": u.country,
        "role": u.role,
        "locale": u.locale,
    }


@router.get("/search", response_model=SearchAnswer, response_model_by_alias=True)
def search(
    c: Annotated[Ctx, Depends(ctx)],
    q: Text = "",
    schema: Facet = "",
    country: Facet = "",
    list_: Annotated[str, Query(alias="list", max_length=200)] = "",
    program: Facet = "",
    sector: Facet = "",
    source: Facet = "",
    date: Facet = "",
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> dict[str, Any]:
    filters = {
        "schema": schema,
        "country": country,
        "list": list_,
        "program": program,
        "sector": sector,
        "source": source,
        "date": date,
    }
    return find.as_dict(run_search(c, q, filters, page))


@router.get("/suggest", response_model=Suggestions, response_model_by_alias=True)
def suggest(c: Annotated[Ctx, Depends(ctx)], q: Text = "") -> dict[str, Any]:
    items = suggestions(c, q)
    return {"results": [{"id": s.entity_id, "name": s.name, "schema": s.schema} for s in items]}


# An id may contain '/' (the path converter): the routes with a suffix come first.
@router.get(
    "/entities/{entity_id:path}/export", response_model=Export, response_model_by_alias=True
)
def export(c: Annotated[Ctx, Depends(ctx)], entity_id: EntityId) -> dict[str, Any]:
    """The entity as FollowTheMoney JSON, built from the values the caller may see."""
    view = visible_entity(c, entity_id)
    c.audit("export", view.id, "FtM JSON")
    body = view.entity.to_dict()
    return {
        "id": view.id,
        "schema": view.schema,
        "caption": view.caption,
        "properties": body.get("properties", {}),
        "datasets": sorted({s.statement.dataset for s in view.statements}),
    }


@router.get("/entities/{entity_id:path}/track", response_model=FeatureCollection)
def track(c: Annotated[Ctx, Depends(ctx)], entity_id: EntityId) -> Any:
    view = visible_entity(c, entity_id)
    if view.schema != "Vessel":
        return geo.collection([])
    # the store's part and the AIS files' fingerprints both in the key
    return c.json_answer(
        "track",
        (view.id, geo.ais_versions(c.bench)),
        lambda: geo.vessel_track(c.bench, c.reader, view),
        FeatureCollection,
    )


@router.get("/entities/{entity_id:path}", response_model=EntityDetail, response_model_by_alias=True)
def entity(c: Annotated[Ctx, Depends(ctx)], entity_id: EntityId) -> dict[str, Any]:
    view = visible_entity(c, entity_id)
    return c.answer("entity detail", view.id, lambda: detail(c.resolved, view))


@router.get("/events", response_model=Events)
def events(
    c: Annotated[Ctx, Depends(ctx)],
    sector: Facet = "",
    actor: Facet = "",
    start: Annotated[str, Query(alias="from", max_length=10)] = "",
    end: Annotated[str, Query(alias="to", max_length=10)] = "",
) -> dict[str, Any]:
    found = data.events(c.reader, sector or None, actor or None, start or None, end or None)
    return {"total": len(found), "events": [e.as_dict() for e in found]}


@router.get("/map/{layer}", response_model=FeatureCollection)
def map_layer(
    c: Annotated[Ctx, Depends(ctx)],
    layer: Literal["ports", "tracks", "detections", "alerts"],
) -> Any:
    return c.json_answer(
        "map layer",
        (layer, geo.ais_versions(c.bench)),
        lambda: geo.layer(c.bench, c.reader, layer),
        FeatureCollection,
    )


@router.get("/alerts", response_model=Alerts)
def alert_list(c: Annotated[Ctx, Depends(ctx)]) -> dict[str, Any]:
    return {"alerts": list_alerts(c.reader)}


@router.get("/sources", response_model=Sources)
def sources(c: Annotated[Ctx, Depends(ctx)]) -> dict[str, Any]:
    return {"sources": c.reader.sources()}
