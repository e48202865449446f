"""The map: watched ports and areas, vessel tracks, detections and alerts, over coastlines
and borders drawn from world-atlas (no tile server)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from watchkeeper.web import geo
from watchkeeper.web.i18n import N_
from watchkeeper.web.pages import nav, render
from watchkeeper.web.workbench import Ctx, ctx

router = APIRouter(include_in_schema=False)
nav("/map", N_("Map"), order=40)

LAYER_LABELS = {
    "ports": N_("Watched ports"),
    "tracks": N_("Vessel tracks"),
    "detections": N_("Detections"),
    "alerts": N_("Alerts"),
}


@router.get("/map", response_class=HTMLResponse)
def map_page(c: Annotated[Ctx, Depends(ctx)]) -> HTMLResponse:
    return render(c.request, "map.html", layers=geo.LAYERS, labels=LAYER_LABELS)
