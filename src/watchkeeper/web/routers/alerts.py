"""Alerts: detections that involve a sanctioned vessel or a watched port
(``maritime.link.alerts``). Triage and acknowledgement come with the maritime branch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from watchkeeper.maritime.link import LABELS, alerts
from watchkeeper.web.i18n import N_
from watchkeeper.web.pages import nav, render
from watchkeeper.web.workbench import Ctx, ctx

router = APIRouter(include_in_schema=False)
nav("/alerts", N_("Alerts"), order=45)


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(c: Annotated[Ctx, Depends(ctx)]) -> HTMLResponse:
    items = alerts(c.reader)
    captions = {}
    vessel_ids = sorted({str(v) for a in items for v in a["vessels"]})  # type: ignore[attr-defined]
    if vessel_ids:
        captions = {v.id: v.caption for v in c.reader.entities(vessel_ids)}
    return render(c.request, "alerts.html", alerts=items, labels=LABELS, captions=captions)
