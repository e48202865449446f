"""The decisions page: the organisation's screening decisions, filtered by who, when,
verdict, list, entity and query text, each with its record, candidate, score,
explanation, reason and data release; exported as CSV (cells neutralised against
formula injection) or JSON (values unchanged); reopened from here (``/screening/reopen``:
a new decision that supersedes, nothing deleted).

Only decisions on entities the viewer may see now are listed or exported: nothing is
shown of an entity re-marked out of its reach since the decision.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response

from watchkeeper.exports.cells import SafeWriter
from watchkeeper.screening.review import VERDICTS
from watchkeeper.web.auth import csrf_protect
from watchkeeper.web.i18n import N_
from watchkeeper.web.limits import MAX_VALUE
from watchkeeper.web.pages import nav, render
from watchkeeper.web.routers.decisions import visible_decisions
from watchkeeper.web.workbench import Ctx, ctx

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
nav("/screening/decisions", N_("Decisions"), order=51)

# Decisions shown on the page at most (the newest); the exports carry every one.
MAX_SHOWN = 500
COLUMNS = [
    "id",
    "decided_at",
    "decided_by",
    "decision",
    "reason",
    "query_id",
    "record",
    "record_hash",
    "entity_id",
    "candidate",
    "list_ids",
    "score",
    "explanation",
    "release",
    "config",
    "fingerprint",
    "supersedes",
    "superseded",
]


@dataclass(frozen=True)
class Filters:
    who: str = ""
    since: str = ""
    until: str = ""
    verdict: str = ""
    listed: str = ""
    entity: str = ""
    text: str = ""

    def keep(self, row: dict[str, Any]) -> bool:
        def has(needle: str, *haystack: str) -> bool:
            return needle.casefold() in " ".join(haystack).casefold()

        return (
            (not self.who or has(self.who, row["decided_by"]))
            and (not self.since or row["decided_at"][: len(self.since)] >= self.since)
            and (not self.until or row["decided_at"][: len(self.until)] <= self.until)
            and (not self.verdict or row["decision"] == self.verdict)
            and (not self.listed or has(self.listed, *row["list_ids"], row["release"]))
            and (not self.entity or has(self.entity, row["entity_id"], row["candidate"]))
            and (not self.text or has(self.text, row["query_id"], *row["names"]))
        )


Text = Annotated[str, Query(max_length=MAX_VALUE)]


def filters(
    who: Text = "",
    since: Text = "",
    until: Text = "",
    verdict: Text = "",
    listed: Annotated[str, Query(alias="list", max_length=MAX_VALUE)] = "",
    entity: Text = "",
    query: Text = "",
) -> Filters:
    return Filters(who.strip(), since.strip(), until.strip(), verdict, listed, entity, query)


def rows(c: Ctx, wanted: Filters) -> list[dict[str, Any]]:
    """The organisation's decisions on entities the viewer may see, newest first, with
    the candidate as the viewer sees it now and whether a later decision superseded it."""
    screener = c.screener
    log = visible_decisions(screener, c.store, c.viewer)
    superseded = {d["supersedes"] for d in c.store.decisions(c.viewer.organisation)}
    out = []
    for d in reversed(log):
        entity = screener.entity(d["entity_id"])
        record = json.loads(d["record"]) if d["record"] else {}
        row = {
            **d,
            "candidate": entity.caption,
            "list_ids": list(entity.list_ids),
            "names": record.get("names", []),
            "record_fields": record,
            "superseded": d["id"] in superseded,
        }
        if wanted.keep(row):
            out.append(row)
    return out


@router.get("/screening/decisions", response_class=HTMLResponse)
def decisions_page(
    c: Annotated[Ctx, Depends(ctx)], wanted: Annotated[Filters, Depends(filters)]
) -> HTMLResponse:
    found = rows(c, wanted)
    return render(
        c.request,
        "decisions.html",
        decisions=found[:MAX_SHOWN],
        total=len(found),
        filters=wanted,
        verdicts=VERDICTS,
        query_string=c.request.url.query,
    )


@router.get("/screening/decisions.csv")
def decisions_csv(
    c: Annotated[Ctx, Depends(ctx)], wanted: Annotated[Filters, Depends(filters)]
) -> Response:
    found = rows(c, wanted)
    c.audit("export", "screening decisions", f"{len(found)} decisions, CSV")
    buffer = io.StringIO()
    writer = SafeWriter(buffer)
    writer.writerow(COLUMNS)
    for row in found:
        cells = {**row, "list_ids": ";".join(row["list_ids"])}
        writer.writerow(["" if cells[k] is None else cells[k] for k in COLUMNS])
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="decisions.csv"'},
    )


@router.get("/screening/decisions.json")
def decisions_json(
    c: Annotated[Ctx, Depends(ctx)], wanted: Annotated[Filters, Depends(filters)]
) -> Response:
    found = rows(c, wanted)
    c.audit("export", "screening decisions", f"{len(found)} decisions, JSON")
    body = [{k: row[k] for k in COLUMNS} for row in found]
    return Response(
        json.dumps({"decisions": body}, ensure_ascii=False),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="decisions.json"'},
    )
