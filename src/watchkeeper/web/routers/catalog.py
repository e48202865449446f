"""The datasets the caller may see (yente's ``/catalog``), with an ETag.

A dataset is listed when the caller may see at least one entity in it: those imported
under its name and those an FtM export said were published in it. Its title and version
come from the sources of it the caller may see; counts are of the entities it may see.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request, Response

from watchkeeper.web.models import ERRORS, DataCatalogModel
from watchkeeper.web.respond import json_response
from watchkeeper.web.routers.screening import COLLECTIONS
from watchkeeper.web.service import Caller, caller

router = APIRouter(tags=["system"])


def catalog_data(who: Caller) -> dict[str, Any]:
    view = who.view()
    counts = dict(view.count("datasets", view.present))
    things = view.present.copy()
    sources: dict[str, dict[str, Any]] = {}
    for row in who.reader().sources():
        sources[row["dataset"]] = row  # ordered by publication: the latest wins
    datasets: list[dict[str, Any]] = []
    for name in sorted(counts):
        src: dict[str, Any] | None = sources.get(name)
        version = (src.get("published") or src.get("retrieved")) if src else None
        datasets.append(
            {
                "name": name,
                "title": src["title"] if src else name,
                "summary": f"{src['publisher']}: {src['title']}" if src else None,
                "version": version,
                "updated_at": src.get("retrieved") if src else None,
                "entity_count": counts[name],
                "thing_count": counts[name],
                "load": True,
                "index_version": version,
                "index_current": True,
                "children": [],
                "publisher": (
                    {"name": src["publisher"], "country_label": None, "url": src.get("url")}
                    if src
                    else None
                ),
            }
        )
    names = [d["name"] for d in datasets]
    for collection in sorted(COLLECTIONS):
        datasets.append(
            {
                "name": collection,
                "title": f"{collection}: every dataset you may see",
                "version": None,
                "entity_count": int(things.sum()),
                "thing_count": int(things.sum()),
                "load": False,
                "index_current": True,
                "children": names,
            }
        )
    return {"datasets": datasets, "current": names, "outdated": [], "index_stale": False}


def _matches(header: str | None, etag: str) -> bool:
    if header is None:
        return False
    tags = [tag.strip() for tag in header.split(",")]
    return "*" in tags or etag in tags


@router.get(
    "/catalog",
    response_model=DataCatalogModel,
    responses={
        304: {"description": "Unchanged since the ETag given"},
        **{k: v for k, v in ERRORS.items() if k in (401, 414, 503)},
    },
)
def catalog(request: Request, who: Annotated[Caller, Depends(caller)]) -> Response:
    """The datasets you may see, with their versions and entity counts."""
    body = orjson.dumps(catalog_data(who))
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": "private, max-age=300"}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return json_response(orjson.loads(body), headers=headers)
