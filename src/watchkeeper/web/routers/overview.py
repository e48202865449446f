"""The overview: new alerts, latest events, cooperation by sector over time, and where
the sanctioned vessels were last reported."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from watchkeeper.maritime import tracks
from watchkeeper.maritime.alerts import list_alerts
from watchkeeper.web import data
from watchkeeper.web.i18n import N_
from watchkeeper.web.pages import nav, render
from watchkeeper.web.workbench import Ctx, ctx

router = APIRouter(include_in_schema=False)
nav("/", N_("Overview"), order=10)


@router.get("/", response_class=HTMLResponse)
def overview(c: Annotated[Ctx, Depends(ctx)]) -> HTMLResponse:
    reader = c.reader
    events = data.events(reader)
    vessels = data.sanctioned_vessels(reader)
    datasets = c.bench.ais_datasets()
    # cached by what the viewer may see of the vessels (their ids and identifiers)
    key = (
        "positions",
        tuple((v.id, v.caption, *map(tuple, data.vessel_identifiers(v))) for v in vessels),
    )
    version = tuple(tracks.fingerprint(d) for d in datasets)
    positions = c.bench.cached(key, version, lambda: data.last_known_positions(datasets, vessels))
    return render(
        c.request,
        "overview.html",
        alerts=list_alerts(reader, unacknowledged=True)[:8],
        latest=list(reversed(events))[:8],
        # Sector counts are analysis: facts only (the simulated AIS detections are
        # shown, labelled, among the alerts and latest events, but not counted).
        series=data.sector_series(data.events(reader.for_analysis())),
        vessels=[{"id": v.id, "name": v.caption} for v in vessels],
        positions=positions,
    )
