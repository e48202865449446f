"""Screening: paste records (``screening.paste``: name; birth date; country; identifiers;
record id) or upload a CSV, review each hit beside the candidate's birth dates,
nationalities, programmes, list ids and strongest identifiers and what agreed or
disagreed with the record, and confirm or dismiss it with a reason
(``Screener.decide``). A decision binds the record screened and the candidate's version:
where an earlier one holds, the hit is shown with it and may be reopened. Results
download as CSV (cells neutralised against formula injection)."""

from __future__ import annotations

import io
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import HTMLResponse, Response

from watchkeeper.errors import InputError, NotFound
from watchkeeper.exports.cells import SafeWriter
from watchkeeper.screening.batch import RowError, match_row, read_queries
from watchkeeper.screening.paste import pasted
from watchkeeper.screening.review import agreement, record_of, record_query, strongest_ids
from watchkeeper.screening.score import SCHEMATA, THRESHOLD, Match, Query
from watchkeeper.store.accounts import User
from watchkeeper.store.core import Store
from watchkeeper.store.reader import Reader
from watchkeeper.web.auth import csrf_protect, require
from watchkeeper.web.i18n import N_
from watchkeeper.web.limits import MAX_VALUE
from watchkeeper.web.pages import nav, render
from watchkeeper.web.workbench import Ctx, ctx

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
nav("/screening", N_("Screening"), order=50)

# Words the templates translate from data (verdicts, how a decision stands, how a
# property of the record compares with the candidate), listed for extraction.
DATA_WORDS = (
    N_("reopened"),
    N_("same record, candidate unchanged"),
    N_("candidate changed since"),
    N_("another record with this id"),
    N_("reopened: to be reviewed again"),
    N_("name"),
    N_("birth date"),
    N_("country"),
    N_("identifiers"),
    N_("agrees"),
    N_("partly agrees"),
    N_("disagrees"),
    N_("not compared"),
)
MAX_QUERIES = 500
MAX_UPLOAD = 2 * 1024 * 1024
HITS = 3
CSV_HEADER = [
    "query_id",
    "name",
    "birth_date",
    "country",
    "identifiers",
    "entity_id",
    "caption",
    "score",
    "match",
    "datasets",
    "list_ids",
    "explanation",
]


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
    queries: list[Query] = pasted(names, schema, MAX_VALUE)
    errors: list[RowError] = []
    if upload is not None and upload.filename:
        more, errors = await uploaded(upload)
        queries += more
    if len(queries) > MAX_QUERIES:
        raise InputError("screening", f"{len(queries):,} names; at most {MAX_QUERIES} at once")
    return queries, errors


def programmes(store: Store, reader: Reader, entity_ids: list[str]) -> dict[str, list[str]]:
    """The sanctions programmes of each entity as the reader sees them: its own
    ``program`` values and those of the visible Sanctions pointing at it."""
    out: dict[str, set[str]] = {e: set() for e in entity_ids}
    if not entity_ids:
        return {}
    for view in reader.entities(entity_ids):
        out[view.id].update(view.entity.get("program"))
    sanctions = sorted(store.linking(entity_ids, ["entity"]))
    for sanction in reader.entities(sanctions) if sanctions else []:
        if sanction.schema != "Sanction":
            continue
        for target in sanction.entity.get("entity"):
            if target in out:
                out[target].update(sanction.entity.get("program"))
    return {k: sorted(v) for k, v in out.items()}


def card(query: Query, match: Match, programs: list[str]) -> dict[str, Any]:
    """What the reviewer decides on, beside the hit."""
    entity = match.entity
    return {
        "match": match,
        "birth_dates": entity.dates,
        "countries": entity.countries,
        "programmes": programs,
        "list_ids": entity.list_ids,
        "ids": strongest_ids(entity),
        "agreement": agreement(query, match),
        "review": match.review,
        # the evidence; the review is shown on its own line
        "why": "; ".join(e for e in match.explanation if not e.startswith("review: ")),
    }


def screen(c: Ctx, queries: list[Query]) -> list[dict[str, Any]]:
    screener = c.screener
    found: list[tuple[Query, list[Match], str | None]] = []
    for query in queries:
        try:
            matches = [m for m in screener.match(query, HITS, THRESHOLD) if m.score >= 0.5]
        except InputError as exc:
            found.append((query, [], exc.detail))
            continue
        found.append((query, matches, None))
    ids = sorted({m.entity.id for _, matches, _ in found for m in matches})
    programs = programmes(c.store, c.reader, ids)
    return [
        {
            "query": query,
            "record": json.dumps(record_of(query), ensure_ascii=False),
            "error": error,
            "hits": [card(query, m, programs.get(m.entity.id, [])) for m in matches],
        }
        for query, matches, error in found
    ]


def csv_response(results: list[dict[str, Any]]) -> Response:
    buffer = io.StringIO()
    writer = SafeWriter(buffer)
    writer.writerow(CSV_HEADER)
    for result in results:
        query: Query = result["query"]
        record = [
            query.id,
            "; ".join(query.names),
            "; ".join(query.birth_dates),
            "; ".join(query.countries),
            "; ".join(f"{k}:{v}" for k, v in query.ids),
        ]
        for hit in result["hits"]:
            writer.writerow([*record, *match_row(hit["match"])[1:]])
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="screening.csv"'},
    )


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
        return csv_response(results)
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


def own_decision(c: Ctx, decision_id: int) -> dict[str, Any]:
    """One of the viewer's organisation's decisions, by id (another's is not found)."""
    for row in c.store.decisions(c.viewer.organisation):
        if row["id"] == decision_id:
            return row
    raise NotFound(f"no decision {decision_id}")


def _record(query_id: str, record: str) -> Query | str:
    """The record a decision form was screened as (a bare query id when none is sent)."""
    if not record:
        return query_id
    try:
        query = record_query(query_id, record)
    except (ValueError, KeyError, TypeError):
        raise InputError("record", "not a screened record", query_id) from None
    return query if query is not None else query_id


@router.post("/screening/decide", response_class=HTMLResponse)
def decide(
    c: Annotated[Ctx, Depends(ctx)],
    _analyst: Annotated[User, Depends(require("analyst"))],
    query_id: Annotated[str, Form(min_length=1, max_length=MAX_VALUE)],
    entity_id: Annotated[str, Form(min_length=1, max_length=MAX_VALUE)],
    decision: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=MAX_VALUE)] = "",
    record: Annotated[str, Form(max_length=100_000)] = "",
) -> HTMLResponse:
    screener = c.screener
    query = _record(query_id, record)
    row = screener.decide(c.store, c.viewer, query, entity_id, decision, reason, c.user.username)
    c.audit("decision", f"{query_id} ~ {entity_id}", f"{decision}: {row['reason']}")
    return render(c.request, "fragments/decision.html", row=row)


@router.post("/screening/reopen", response_class=HTMLResponse)
def reopen(
    c: Annotated[Ctx, Depends(ctx)],
    _analyst: Annotated[User, Depends(require("analyst"))],
    decision_id: Annotated[int, Form(ge=1)],
    reason: Annotated[str, Form(max_length=MAX_VALUE)] = "",
) -> HTMLResponse:
    earlier = own_decision(c, decision_id)
    row = c.screener.reopen(c.store, c.viewer, earlier, reason, c.user.username)
    c.audit("decision", f"{row['query_id']} ~ {row['entity_id']}", f"reopened: {row['reason']}")
    return render(c.request, "fragments/decision.html", row=row)
