"""TAXII 2.1 at ``/taxii2/``: discovery, the API root, its collections (one per partner
audience: ``sharing/taxii_server.py`` says what a collection is), their objects,
manifests and versions, read-only.

Who calls is resolved by ``auth.Guard`` (HTTP Basic with an API key or a user's API
token as the password, ``Authorization: Bearer``/``ApiKey``); without credentials it
answers 401 with ``WWW-Authenticate`` before this router runs, never a redirect. Every
answer, errors included, is ``application/taxii+json;version=2.1``; errors are TAXII
error objects. One route reads the path itself, so that a missing trailing slash is
served rather than redirected.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response

from watchkeeper.model.marking import Viewer
from watchkeeper.sharing import taxii_server as ts
from watchkeeper.web.auth import Principal

router = APIRouter(tags=["taxii"])

ACCEPTED = re.compile(r"^application/taxii\+json(;\s*version=2\.1)?$")


def _answer(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status_code=status, headers=headers, media_type=ts.TAXII_TYPE)


def _error(exc: ts.TaxiiError) -> Response:
    return _answer(orjson.dumps(exc.body()), exc.status)


def _acceptable(request: Request) -> bool:
    given = request.headers.get("accept", "")
    if not given.strip():
        return True
    for item in given.split(","):
        media = item.split(";q=")[0].strip().lower().replace(" ", "")
        if media in ("*/*", "application/*") or ACCEPTED.match(media):
            return True
    return False


def _collections(request: Request) -> ts.Collections:
    found: ts.Collections | None = getattr(request.app.state, "taxii", None)
    if found is None:
        found = ts.Collections(request.app.state.service.store)
        request.app.state.taxii = found
    return found


def _publisher(request: Request) -> Viewer:
    settings = request.app.state.service.settings
    return Viewer(settings.organisation, settings.country)


@router.api_route("/taxii2{rest:path}", methods=["GET", "POST"], include_in_schema=False)
def taxii(request: Request, rest: str) -> Response:
    who: Principal | None = getattr(request.state, "principal", None)
    if who is None or who.via == "open":  # the guard answers these; never served
        return _error(ts.TaxiiError(401, "Unauthorized", "credentials required"))
    if not _acceptable(request):
        return _error(
            ts.TaxiiError(406, "Not Acceptable", f"this server answers {ts.TAXII_TYPE} only")
        )
    try:
        return _dispatch(request, who, [p for p in rest.split("/") if p])
    except ts.TaxiiError as exc:
        return _error(exc)


def _dispatch(request: Request, who: Principal, parts: list[str]) -> Response:
    base = str(request.base_url).rstrip("/") + "/taxii2/"
    root = base + ts.API_ROOT + "/"
    if request.method != "GET" and parts[3:4] != ["objects"]:
        # read-only: refused as a collection that cannot be written is (403)
        raise ts.TaxiiError(403, "Forbidden", "this server is read-only")
    if not parts:
        return _json(
            {
                "title": "Watchkeeper",
                "description": "What this workspace releases to your organisation.",
                "default": root,
                "api_roots": [root],
            }
        )
    if parts[0] != ts.API_ROOT:
        raise ts.not_found("API root")
    rest = parts[1:]
    if not rest:
        return _json(
            {
                "title": "Watchkeeper partner sharing",
                "description": "One collection per partner audience, read-only.",
                "versions": [ts.TAXII_TYPE],
                "max_content_length": 0,
            }
        )
    if rest[0] == "status":
        raise ts.not_found("status")
    if rest[0] != "collections" or len(rest) > 6:
        raise ts.not_found("resource")
    publisher = _publisher(request)
    audience = who.viewer
    mine = audience.organisation != publisher.organisation
    if len(rest) == 1:
        return _json({"collections": [ts.collection_resource(publisher.organisation,
                                                             audience.organisation)]}
                     if mine else {})  # fmt: skip
    if not mine or rest[1] != ts.collection_id(publisher.organisation, audience.organisation):
        raise ts.not_found()
    if len(rest) == 2:
        return _json(ts.collection_resource(publisher.organisation, audience.organisation))
    if request.method == "POST":
        raise ts.TaxiiError(403, "Forbidden", "this collection cannot be written")
    params = dict(request.query_params)
    return _objects(request, who, publisher, audience, rest[2:], params)


def _objects(
    request: Request,
    who: Principal,
    publisher: Viewer,
    audience: Viewer,
    rest: list[str],
    params: dict[str, str],
) -> Response:
    kind = rest[0]
    if kind not in ("objects", "manifest") or (kind == "manifest" and len(rest) > 1):
        raise ts.not_found("resource")
    if len(rest) == 3 and rest[2] != "versions":
        raise ts.not_found("resource")
    query = ts.Query.parse(params)
    prepared = _collections(request).get(publisher, audience)
    only = rest[1] if len(rest) > 1 else None
    if only is not None and only not in prepared.by_id:
        raise ts.not_found("object")
    if only is not None and (query.ids is not None or query.types is not None):
        raise ts.TaxiiError(400, "Bad Request", "match[id] and match[type] are for a list")
    page = ts.select(prepared, query, only)
    if len(rest) == 3:
        body, what = ts.versions(page), "versions"
    elif kind == "manifest":
        body, what = ts.envelope(page, "manifest"), "manifest"
    else:
        body, what = ts.envelope(page, "objects"), "objects" if only is None else "object"
    if page.entries:
        request_log: dict[str, Any] = {"taxii": what, "object": only, "query": params}
        ts.record(request.app.state.service.store, publisher, audience, prepared, page, body,
                  by=who.name, request=request_log)  # fmt: skip
    return _answer(body, headers=ts.date_headers(page))


def _json(data: dict[str, Any]) -> Response:
    return _answer(orjson.dumps(data))
