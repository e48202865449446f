"""The network explorer: an entity's neighbours to N links, filtered by relationship type
and date (as ``watchkeeper network neighbours --type --since --until``), its paths to
sanctioned entities (``network paths``), and the subgraph as GraphML (``to_graphml``).

Everything comes from ``investigations.network.Network`` over the viewer's Reader: a
hidden entity or link is never a node, an edge or a count. The page draws the graph with
cytoscape (expanding a node fetches its neighbours from ``/api/network/{id}`` with the
same filters) and lists the same nodes and links in tables; PNG comes from cytoscape's
own export in the browser.
"""

from __future__ import annotations

import io
import re
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from watchkeeper.errors import InputError
from watchkeeper.investigations.network import KINDS, MAX_HOPS, Network, Subgraph, to_graphml
from watchkeeper.web.auth import csrf_protect
from watchkeeper.web.pages import render
from watchkeeper.web.workbench import Ctx, ctx

router = APIRouter(tags=["workbench"], dependencies=[Depends(csrf_protect)])

EntityId = Annotated[str, Path(max_length=255)]
Hops = Annotated[int, Query(description=f"Links to follow (0 to {MAX_HOPS}).")]
Kinds = Annotated[
    list[str] | None,
    Query(alias="type", max_length=40, description="Only links of these kinds (repeat)."),
]
Day = Annotated[str, Query(max_length=10, description="YYYY, YYYY-MM or YYYY-MM-DD.")]
DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


class Node(BaseModel):
    id: str
    caption: str = ""
    schema_: str = Field("", alias="schema")
    sanctioned: bool = False
    list_ids: list[str] = []
    depth: int = 0


class LinkOut(BaseModel):
    source: str
    target: str
    kind: str
    via: str
    implied: bool
    evidence: list[str]


class Graph(BaseModel):
    entity: str
    nodes: list[Node]
    links: list[LinkOut]


class PathOut(BaseModel):
    target: str
    list_ids: list[str]
    nodes: list[str]
    captions: list[str]
    links: list[LinkOut]
    length: int


class Paths(BaseModel):
    entity: str
    paths: list[PathOut]


def _filters(kinds: list[str] | None, since: str, until: str) -> dict[str, Any]:
    for name, value in (("since", since), ("until", until)):
        if value and not DATE.fullmatch(value):
            raise InputError(name, "a date as YYYY, YYYY-MM or YYYY-MM-DD", value)
    return {"kinds": [k for k in kinds or () if k] or None, "since": since, "until": until}


def neighbours(
    network: Network, entity_id: str, hops: int, chosen: dict[str, Any], implied: bool = False
) -> tuple[str, Subgraph]:
    sub = network.neighbours(
        entity_id,
        hops,
        chosen["kinds"],
        chosen["since"] or None,
        chosen["until"] or None,
        implied,
    )
    start = next(n for n, d in sub.nodes.items() if d.get("depth") == 0)
    return start, sub


def graph_dict(start: str, sub: Subgraph) -> dict[str, Any]:
    return {"entity": start, **sub.to_dict()}


def paths_dict(network: Network, entity_id: str, max_hops: int, chosen: dict[str, Any]) -> Any:
    paths = network.paths_to_sanctioned(
        entity_id,
        max_hops,
        chosen["kinds"],
        since=chosen["since"] or None,
        until=chosen["until"] or None,
    )
    found = [p.to_dict() for p in paths]
    ids = sorted({n for p in found for n in p["nodes"]})
    captions = {v.id: v.caption for v in network.resolved.entities(ids)} if ids else {}
    return [p | {"captions": [captions.get(n, n) for n in p["nodes"]]} for p in found]


# An id may contain '/' (the path converter): the routes with a suffix come first.
@router.get("/api/network/{entity_id:path}/paths", response_model=Paths)
def network_paths(
    c: Annotated[Ctx, Depends(ctx)],
    entity_id: EntityId,
    max_hops: Hops = 4,
    kinds: Kinds = None,
) -> dict[str, Any]:
    """The shortest paths from the entity to sanctioned entities, nearest first."""
    chosen = _filters(kinds, "", "")
    network = Network(c.reader)
    start, _sub = neighbours(network, entity_id, 0, chosen)
    return {"entity": start, "paths": paths_dict(network, entity_id, max_hops, chosen)}


@router.get("/api/network/{entity_id:path}", response_model=Graph, response_model_by_alias=True)
def network_json(
    c: Annotated[Ctx, Depends(ctx)],
    entity_id: EntityId,
    hops: Hops = 1,
    kinds: Kinds = None,
    since: Day = "",
    until: Day = "",
    implied: bool = False,
) -> Any:
    """The entity's neighbours to ``hops`` links, as the caller may see them."""
    chosen = _filters(kinds, since, until)
    key = (entity_id, hops, tuple(chosen["kinds"] or ()), since, until, implied)

    def make() -> dict[str, Any]:
        start, sub = neighbours(Network(c.reader), entity_id, hops, chosen, implied)
        return graph_dict(start, sub)

    return c.json_answer("network", key, make, Graph)


@router.get("/network/{entity_id:path}/graphml", include_in_schema=False)
def network_graphml(
    c: Annotated[Ctx, Depends(ctx)],
    entity_id: EntityId,
    hops: Hops = 1,
    kinds: Kinds = None,
    since: Day = "",
    until: Day = "",
    implied: bool = False,
) -> Response:
    """The subgraph shown, as GraphML (an export: audited)."""
    chosen = _filters(kinds, since, until)
    start, sub = neighbours(Network(c.reader), entity_id, hops, chosen, implied)
    buffer = io.BytesIO()
    to_graphml(sub, buffer)
    c.audit("export", start, f"network GraphML, {hops} link(s), {len(sub.nodes)} nodes")
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", start)[:80]
    return Response(
        buffer.getvalue(),
        media_type="application/graphml+xml",
        headers={"Content-Disposition": f'attachment; filename="network-{name}.graphml"'},
    )


@router.get("/network/{entity_id:path}", response_class=HTMLResponse, include_in_schema=False)
def network_page(
    c: Annotated[Ctx, Depends(ctx)],
    entity_id: EntityId,
    hops: Hops = 1,
    kinds: Kinds = None,
    since: Day = "",
    until: Day = "",
    implied: bool = False,
) -> HTMLResponse:
    chosen = _filters(kinds, since, until)
    network = Network(c.reader)
    start, sub = neighbours(network, entity_id, hops, chosen, implied)
    graph = graph_dict(start, sub)
    paths = paths_dict(network, start, max(hops, 4), chosen)  # as `network paths`
    query: list[tuple[str, str]] = [("type", k) for k in chosen["kinds"] or ()]
    query += [(k, chosen[k]) for k in ("since", "until") if chosen[k]]
    if implied:
        query.append(("implied", "true"))
    captions = {n["id"]: n.get("caption") or n["id"] for n in graph["nodes"]}
    return render(
        c.request,
        "network.html",
        entity=graph["nodes"][[n["id"] for n in graph["nodes"]].index(start)],
        start=start,
        graph=graph,
        captions=captions,
        paths=paths,
        kinds=KINDS,
        hops=hops,
        max_hops=MAX_HOPS,
        chosen=chosen,
        implied=implied,
        qs=urlencode(query),
    )
