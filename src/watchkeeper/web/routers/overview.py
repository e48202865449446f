"""The overview: new alerts, latest events, cooperation by sector over time, and where
the sanctioned vessels were last reported."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from watchkeeper.maritime import tracks
from watchkeeper.maritime.alerts import default_rules, select_alerts
from watchkeeper.web import data
from watchkeeper.web.geo import vessels_with_tracks
from watchkeeper.web.i18n import N_
from watchkeeper.web.pages import nav
from watchkeeper.web.routers.alerts import kept_alerts
from watchkeeper.web.workbench import Ctx, ctx

router = APIRouter(include_in_schema=False)
nav("/", N_("Overview"), order=10)


@router.get("/", response_class=HTMLResponse)
def overview(c: Annotated[Ctx, Depends(ctx)]) -> HTMLResponse:
    reader = c.reader
    # Kept while the viewer's read state stays the same (any import, re-marking or
    # retraction moves it); the alerts' acknowledgements are read each time, since
    # acknowledging one does not, and key the kept page.
    events = c.answer("events", (), lambda: data.events(reader))
    # Sector counts are analysis: facts only (the simulated AIS detections are shown,
    # labelled, among the alerts and latest events, but not counted).
    series = c.answer(
        "overview-series", (), lambda: data.sector_series(data.events(reader.for_analysis()))
    )
    vessels = c.answer("overview-vessels", (), lambda: data.sanctioned_vessels(reader))
    rules = default_rules()
    alerts, acks, acked = kept_alerts(c, rules)
    datasets = c.bench.ais_datasets()
    version = tuple(tracks.fingerprint(d) for d in datasets)

    def located() -> list[dict[str, Any]]:
        # Only the vessels some AIS dataset knows are looked up (one DuckDB query per
        # vessel): the real OFAC list alone names 863 sanctioned vessels, 17 s.
        tracked = set(vessels_with_tracks(c.bench, reader))
        return data.last_known_positions(datasets, [v for v in vessels if v.id in tracked])

    positions = c.answer("overview-positions", version, located)

    def context() -> dict[str, Any]:
        return {
            "alerts": select_alerts(alerts, acks, rules, unacknowledged=True)[:8],
            "latest": list(reversed(events))[:8],
            "series": series,
            "vessels": [{"id": v.id, "name": v.caption} for v in vessels],
            "positions": positions,
        }

    return c.page("overview.html", (events, series, vessels, alerts, positions), context, key=acked)
