"""Screening: paste names or upload a CSV, review the hits with their explanations, and
confirm or dismiss each with a reason (``Screener.decide``: a dismissed hit is not raised
again for the same query unless the listed entity changes). Results download as CSV."""

from __future__ import annotations

import csv
import hashlib
import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import HTMLResponse, Response

from watchkeeper.errors import InputError
from watchkeeper.screening.batch import RowError, match_row, read_queries
from watchkeeper.screening.score import SCHEMATA, THRESHOLD, Query
from watchkeeper.store.accounts import User
from watchkeeper.web.auth import csrf_protect, require
from watchkeeper.web.i18n import N_
from watchkeeper.web.limits import MAX_VALUE
from watchkeeper.web.pages import nav, render
from watchkeeper.web.workbench import Ctx, ctx

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
nav("/screening", N_("Screening"), order=50)

MAX_QUERIES = 500
MAX_UPLOAD = 2 * 1024 * 1024
HITS = 3
CSV_HEADER = [
    "query_id",
    "name",
    "entity_id",
    "caption",
    "score",
    "match",
    "datasets",
    "list_ids",
    "explanation",
]


def pasted(text: str, schema: str) -> list[Query]:
    if schema not in SCHEMATA:
        raise InputError("schema", f"unknown schema {schema!r}; one of {', '.join(SCHEMATA)}")
    queries = []
    for line in text.splitlines():
        name = line.strip()
        if not name:
            continue
        if len(name) > MAX_VALUE:
            raise InputError("names", f"a name is {len(name):,} characters (limit {MAX_VALUE:,})")
        digest = hashlib.sha1(f"{schema}|{name}".encode()).hexdigest()[:12]
        queries.append(Query(f"web-{digest}", schema, (name,)))
    return queries


async def uploaded(upload: UploadFile) -> tuple[list[Query], list[RowError]]:
    raw = await upload.read(MAX_UPLOAD + 1)
    name = upload.filename or "upload.csv"
    if len(raw) > MAX_UPLOAD:
        raise InputError(name, f"larger than {MAX_UPLOAD // 1024 // 1024} MiB")
    text = raw.decode("utf-8", errors="surrogateescape").lstrip("\ufeff")
    queries: list[Query] = []
    errors: list[RowError] = []
    for item in read_queries(name, io.StringIO(text, newline="")):  # type: ignore[arg-type]
        (errors if isinstance(item, RowError) else queries).append(item)  # type: ignore[arg-type]
    return queries, errors


async def collect(
    names: str, schema: str, upload: UploadFile | None
) -> tuple[list[Query], list[RowError]]:
    queries: list[Query] = pasted(names, schema)
    errors: list[RowError] = []
    if upload is not None and upload.filename:
        more, errors = await uploaded(upload)
        queries += more
    if len(queries) > MAX_QUERIES:
        raise InputError("screening", f"{len(queries):,} names; at most {MAX_QUERIES} at once")
    return queries, errors


def screen(c: Ctx, queries: list[Query]) -> list[dict[str, Any]]:
    screener = c.screener
    results = []
    for query in queries:
        try:
            matches = screener.match(query, HITS, THRESHOLD)
        except InputError as exc:
            results.append({"query": query, "error": exc.detail, "hits": []})
            continue
        results.append(
            {"query": query, "error": None, "hits": [m for m in matches if m.score >= 0.5]}
        )
    return results


@router.get("/screening", response_class=HTMLResponse)
def screening_page(c: Annotated[Ctx, Depends(ctx)]) -> HTMLResponse:
    return render(c.request, "screening.html", schemata=SCHEMATA, results=None, errors=[])


@router.post("/screening", response_class=HTMLResponse)
async def screening_run(
    c: Annotated[Ctx, Depends(ctx)],
    names: Annotated[str, Form(max_length=200_000)] = "",
    schema_: Annotated[str, Form(alias="schema", max_length=32)] = "Person",
    upload: Annotated[UploadFile | None, File()] = None,
    output: Annotated[str, Form(max_length=8)] = "html",
) -> Response:
    schema = schema_
    queries, errors = await collect(names, schema, upload)
    results = screen(c, queries)
    if output == "csv":
        c.audit("export", "screening results", f"{len(queries)} queries, CSV")
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_HEADER)
        for result in results:
            query = result["query"]
            for match in result["hits"]:
                writer.writerow([query.id, "; ".join(query.names), *match_row(match)[1:]])
        return Response(
            buffer.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="screening.csv"'},
        )
    c.audit("screening", "screening", f"{len(queries)} queries")
    return render(
        c.request,
        "screening.html",
        schemata=SCHEMATA,
        results=results,
        errors=errors,
        names=names,
        schema=schema,
    )


@router.post("/screening/decide", response_class=HTMLResponse)
def decide(
    c: Annotated[Ctx, Depends(ctx)],
    _analyst: Annotated[User, Depends(require("analyst"))],
    query_id: Annotated[str, Form(min_length=1, max_length=MAX_VALUE)],
    entity_id: Annotated[str, Form(min_length=1, max_length=MAX_VALUE)],
    decision: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=MAX_VALUE)] = "",
) -> HTMLResponse:
    screener = c.screener
    row = screener.decide(c.store, c.viewer, query_id, entity_id, decision, reason, c.user.username)
    c.audit("decision", f"{query_id} ~ {entity_id}", f"{decision}: {row['reason']}")
    return render(c.request, "fragments/decision.html", row=row)
