"""Entities by id, as the caller may see them (yente's ``/entities``).

``GET /entities/{id}`` gives the entity with its adjacent entities nested (sanctions,
addresses, ownership and family links, and what those point at; ``nested=false`` for
ids only); ``/entities/{id}/adjacent`` and ``/entities/{id}/adjacent/{property}`` the
same, paginated per property. An id that an FtM export merged into another entity (a
referent) answers 308 with the canonical entity's address. An entity the caller may
not see answers exactly as one that does not exist.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from followthemoney import registry

from watchkeeper.errors import NotFound
from watchkeeper.store.reader import EntityView
from watchkeeper.web import limits
from watchkeeper.web.models import (
    ERRORS,
    AdjacentResultsResponse,
    EntityAdjacentResponse,
    EntityResponse,
)
from watchkeeper.web.render import Json, Renderer
from watchkeeper.web.respond import json_response
from watchkeeper.web.service import Caller, caller

router = APIRouter(tags=["entities"])
RESPONSES: dict[int | str, dict[str, Any]] = {
    308: {"description": "The id was merged into another entity: its address"},
    **{k: v for k, v in ERRORS.items() if k in (401, 404, 414, 422, 503)},
}
EntityId = Annotated[str, Path(max_length=255, description="An entity id, or a referent")]
Limit = Annotated[int, Query(ge=0, le=limits.MAX_PAGE)]
Offset = Annotated[int, Query(ge=0, le=limits.MAX_RESULTS - limits.MAX_PAGE)]
Sort = Annotated[list[str], Query(max_length=10)]


def _moved(request: Request, entity_id: str) -> RedirectResponse:
    """308 to the same route and query for ``entity_id`` (the path rebuilt from the route,
    not by replacing text: an id may occur elsewhere in the path)."""
    route = request.scope["route"]
    url = str(request.url_for(route.name, **{**request.path_params, "entity_id": entity_id}))
    if request.url.query:
        url += "?" + request.url.query
    return RedirectResponse(url, status_code=308)


def _find(who: Caller, entity_id: str, request: Request) -> tuple[Renderer, EntityView] | Response:
    """The entity, a redirect to the one it was merged into (by the viewer's judgments,
    or by an FtM export: a referent), or a 404 that reads the same whether the entity is
    missing or hidden."""
    renderer = who.renderer()
    merged_into = renderer.canonical_of(entity_id)
    if merged_into != entity_id:  # a list entry the viewer's judgments joined to others
        return _moved(request, merged_into)
    view = renderer.views([entity_id]).get(entity_id)
    if view is not None and any(s.ended_at is None for s in view.statements):
        return renderer, view
    for canonical in renderer.origins.canonical(entity_id):
        if canonical != entity_id and renderer.views([canonical]):
            return _moved(request, canonical)
    raise NotFound(f"no entity {entity_id!r}")


def _page(
    renderer: Renderer,
    root: str,
    items: list[tuple[str, str | None]],
    limit: int,
    offset: int,
) -> Json:
    results = renderer.expand(root, items[offset : offset + limit])
    return {
        "results": results,
        "total": {"value": len(items), "relation": "eq"},
        "limit": limit,
        "offset": offset,
    }


@router.get(
    "/entities/{entity_id:path}/adjacent",
    response_model=EntityAdjacentResponse,
    responses=RESPONSES,
)
def adjacent(
    entity_id: EntityId,
    request: Request,
    who: Annotated[Caller, Depends(caller)],
    limit: Limit = 10,
    offset: Offset = 0,
    sort: Sort = [],  # noqa: B006
) -> Any:
    """The entities adjacent to one, per property (forward and reverse), paginated."""
    del sort  # adjacent entities come in id order
    found = _find(who, entity_id, request)
    if isinstance(found, Response):
        return found
    renderer, view = found
    adjacency = renderer.adjacency(view)
    return json_response(
        {
            "entity": renderer.entities([view.id])[view.id],
            "adjacent": {
                prop: _page(renderer, view.id, items, limit, offset)
                for prop, items in adjacency.items()
            },
        }
    )


@router.get(
    "/entities/{entity_id:path}/adjacent/{property_name}",
    response_model=AdjacentResultsResponse,
    responses=RESPONSES,
)
def adjacent_by_property(
    entity_id: EntityId,
    property_name: Annotated[str, Path(max_length=100)],
    request: Request,
    who: Annotated[Caller, Depends(caller)],
    limit: Limit = 10,
    offset: Offset = 0,
    sort: Sort = [],  # noqa: B006
) -> Any:
    """The entities adjacent to one through one property, paginated."""
    del sort
    found = _find(who, entity_id, request)
    if isinstance(found, Response):
        return found
    renderer, view = found
    prop = view.entity.schema.get(property_name)
    if prop is None or prop.type != registry.entity:
        raise NotFound(f"no property {property_name!r} linking {view.schema} entities")
    items = renderer.adjacency(view).get(prop.name, [])
    return json_response(_page(renderer, view.id, items, limit, offset))


# Last: an id may contain '/' (the path converter), so the routes with a suffix
# (/adjacent) are matched first. On the event loop, as /match and /search are: in the thread pool, each of its reads
# waited again for the interpreter's lock, held by the requests the loop was running
# (its p99 under load was the highest of the three; ``bench/api``).
@router.get("/entities/{entity_id:path}", response_model=EntityResponse, responses=RESPONSES)
async def entity(
    entity_id: EntityId,
    request: Request,
    who: Annotated[Caller, Depends(caller)],
    nested: bool = True,
) -> Any:
    """One entity, with its adjacent entities nested unless ``nested=false``."""
    found = _find(who, entity_id, request)
    if isinstance(found, Response):
        return found
    renderer, view = found
    if nested:
        return json_response(renderer.nested(view))
    return json_response(renderer.entities([view.id])[view.id])  # the view read once: kept
