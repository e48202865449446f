"""Export controls: paste or upload shipment lines and see, for each, the CHPL finding
with the matched words and the rule, a code/description mismatch, the route alert and
the parties found on the lists (``tradecontrol.screen``); results download as CSV
(cells neutralised). ``POST /api/goods/screen`` answers the same as JSON for the
caller's organisation. Parties are screened by the viewer's screener, so a viewer sees
only hits on what it may see."""

from __future__ import annotations

import csv
import io
import json
from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from watchkeeper.errors import InputError
from watchkeeper.screening.screener import Screener
from watchkeeper.store.accounts import User
from watchkeeper.store.goods import goods_decisions
from watchkeeper.tradecontrol.decisions import by_line, decide, line_fields, standing
from watchkeeper.tradecontrol.goods import GoodsScreen, default_screen
from watchkeeper.tradecontrol.paste import pasted_lines
from watchkeeper.tradecontrol.screen import OUTPUT, LineResult, ShipmentScreen
from watchkeeper.tradecontrol.shipments import MAX_CELL, RowError, ShipmentLine, read_lines
from watchkeeper.web.auth import csrf_protect, require
from watchkeeper.web.i18n import N_
from watchkeeper.web.limits import MAX_VALUE
from watchkeeper.web.pages import nav, render
from watchkeeper.web.service import Caller, caller
from watchkeeper.web.workbench import Ctx, ctx

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
nav("/goods", N_("Export controls"), order=55)

MAX_LINES = 2000
MAX_UPLOAD = 2 * 1024 * 1024
# Words the template translates from data, listed for extraction.
DATA_WORDS = (
    N_("missing"),
    N_("doubtful"),
    N_("heading"),
    N_("hs6"),
    N_("national"),
    N_("code"),
    N_("description"),
    N_("code+description"),
    N_("heading+description"),
    N_("none"),
    N_("shipper"),
    N_("consignee"),
    N_("notify_party"),
    N_("vessel"),
    N_("CHPL tier 1"),
    N_("CHPL tier 2"),
    N_("CHPL tier 3.A"),
    N_("CHPL tier 3.B"),
    N_("CHPL tier 4.A"),
    N_("CHPL tier 4.B"),
    N_("HS code/description mismatch"),
    N_("listed party"),
    N_("restricted destination"),
    N_("CHPL good via a diversion point"),
    N_("clear"),
    N_("escalate"),
    N_("same line, same data"),
    N_("the data has changed since"),
    N_("another line with this id"),
)


@cache
def goods_screen() -> GoodsScreen:
    """The rules and matcher, made once per process (the data is read-only)."""
    return default_screen()


def screen_lines(
    screener: Screener, lines: list[ShipmentLine], decisions: list[dict[str, Any]] | None = None
) -> tuple[ShipmentScreen, list[LineResult]]:
    shipment_screen = ShipmentScreen(screener, goods_screen(), decisions=by_line(decisions or []))
    return shipment_screen, [shipment_screen.screen(line) for line in lines]


async def collect(
    text: str, upload: UploadFile | None
) -> tuple[list[ShipmentLine], list[RowError]]:
    items = pasted_lines(text)
    if upload is not None and upload.filename:
        raw = await upload.read(MAX_UPLOAD + 1)
        if len(raw) > MAX_UPLOAD:
            raise InputError(upload.filename, f"larger than {MAX_UPLOAD // 1024 // 1024} MiB")
        decoded = raw.decode("utf-8", errors="surrogateescape").lstrip("\ufeff")
        items += list(read_lines(upload.filename, io.StringIO(decoded, newline="")))
    lines = [i for i in items if isinstance(i, ShipmentLine)]
    errors = [i for i in items if isinstance(i, RowError)]
    if len(lines) > MAX_LINES:
        raise InputError("goods", f"{len(lines):,} lines; at most {MAX_LINES:,} at once")
    return lines, errors


def csv_response(shipment_screen: ShipmentScreen, results: list[LineResult]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # ShipmentScreen.row neutralises every cell
    writer.writerow(OUTPUT)
    for result in results:
        writer.writerow(shipment_screen.row(result))
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="goods-flags.csv"'},
    )


@router.get("/goods", response_class=HTMLResponse)
def goods_page(c: Annotated[Ctx, Depends(ctx)]) -> HTMLResponse:
    return render(
        c.request,
        "goods.html",
        results=None,
        errors=[],
        text="",
        version=goods_screen().rules.version,
    )


@router.post("/goods", response_class=HTMLResponse)
async def goods_run(
    c: Annotated[Ctx, Depends(ctx)],
    text: Annotated[str, Form(max_length=400_000)] = "",
    upload: Annotated[UploadFile | None, File()] = None,
    output: Annotated[str, Form(max_length=8)] = "html",
) -> Response:
    lines, errors = await collect(text, upload)
    log = goods_decisions(c.store, c.viewer.organisation)
    shipment_screen, results = screen_lines(c.screener, lines, log)
    if output == "csv":
        c.audit("export", "goods screening", f"{len(lines)} lines, CSV")
        return csv_response(shipment_screen, results)
    c.audit("goods screening", "goods", f"{len(lines)} lines")
    standings = {
        r.line.id: standing(
            shipment_screen.decisions.get(r.line.id, []), r.line, shipment_screen.version
        )
        for r in results
    }
    return render(
        c.request,
        "goods.html",
        results=results,
        errors=errors,
        text=text,
        version=shipment_screen.version,
        standings=standings,
        records={r.line.id: json.dumps(line_fields(r.line), ensure_ascii=False) for r in results},
    )


@router.post("/goods/decide", response_class=HTMLResponse)
def goods_decide(
    c: Annotated[Ctx, Depends(ctx)],
    _analyst: Annotated[User, Depends(require("analyst"))],
    line: Annotated[str, Form(min_length=2, max_length=100_000)],
    decision: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=MAX_VALUE)] = "",
) -> HTMLResponse:
    """Clear or escalate a screened line (sent back as the page showed it)."""
    try:
        fields = json.loads(line)
        screened = ShipmentLine(0, **{k: str(v) for k, v in fields.items()})
    except (ValueError, TypeError):
        raise InputError("line", "not a screened line") from None
    row = decide(
        c.store, c.viewer, ShipmentScreen(None, goods_screen()), screened, decision, reason,
        c.user.username,
    )  # fmt: skip
    c.audit("goods decision", screened.id, f"{decision}: {row['reason']}")
    return render(c.request, "fragments/goods_decision.html", row=row)


class ShipmentLineIn(BaseModel):
    id: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=MAX_CELL)
    hs_code: str = Field(default="", max_length=40)
    quantity: str = Field(default="", max_length=40)
    value: str = Field(default="", max_length=40)
    currency: str = Field(default="", max_length=10)
    origin: str = Field(default="", max_length=200)
    destination: str = Field(default="", max_length=200)
    shipper: str = Field(default="", max_length=MAX_CELL)
    consignee: str = Field(default="", max_length=MAX_CELL)
    notify_party: str = Field(default="", max_length=MAX_CELL)
    vessel: str = Field(default="", max_length=MAX_CELL)


class GoodsRequest(BaseModel):
    lines: list[ShipmentLineIn] = Field(max_length=MAX_LINES)


def result_json(result: LineResult) -> dict[str, Any]:
    goods = result.goods
    return {
        "id": result.line.id,
        "flag": result.reasons,
        "goods": {
            "code_status": goods.code.status,
            "hs6": goods.hs6,
            "chpl_tier": goods.tier,
            "basis": goods.basis,
            "matched_words": list(goods.matched),
            "rule": goods.rule,
            "sources": list(goods.sources),
            "mismatch": goods.mismatch or None,
        },
        "routes": [
            {"place": r.place, "country": r.country, "kind": r.alert.kind, "alert": r.alert.id,
             "title": r.alert.title, "url": r.alert.url}
            for r in result.routes
        ],
        "parties": [
            {"role": p.role, "name": p.name, "entity_id": p.match.entity.id,
             "caption": p.match.entity.caption, "list_ids": list(p.match.entity.list_ids),
             "score": round(p.match.score, 4), "explanation": p.match.explain()}
            for p in result.parties
        ],
    }  # fmt: skip


@router.post("/api/goods/screen")
def goods_api(body: GoodsRequest, who: Annotated[Caller, Depends(caller)]) -> dict[str, Any]:
    """Screen shipment lines: CHPL goods, listed parties and route alerts, as the
    caller's organisation sees the lists."""
    lines = [ShipmentLine(n, **line.model_dump()) for n, line in enumerate(body.lines, start=1)]
    shipment_screen, results = screen_lines(who.screener, lines)
    return {"data_version": shipment_screen.version, "results": [result_json(r) for r in results]}
