"""The timeline of cooperation events, by sector, actor and date."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from watchkeeper.model.sectors import sectors
from watchkeeper.web import data
from watchkeeper.web.i18n import N_
from watchkeeper.web.pages import nav
from watchkeeper.web.workbench import Ctx, ctx

router = APIRouter(include_in_schema=False)
nav("/timeline", N_("Timeline"), order=30)

Short = Annotated[str, Query(max_length=255)]


def timeline_items(events: list[data.Event]) -> dict[str, Any]:
    known = sectors()
    used = sorted({s for e in events for s in e.sectors})
    items = [
        {"id": e.id, "group": s, "start": e.date, "end": e.end, "title": e.title, "date": e.date}
        for e in events
        for s in e.sectors
    ]
    groups = [{"id": s, "label": known[s].label if s in known else s} for s in used]
    return {"items": items, "groups": groups}


@router.get("/timeline", response_class=HTMLResponse)
def timeline(
    c: Annotated[Ctx, Depends(ctx)],
    sector: Short = "",
    actor: Short = "",
    start: Annotated[str, Query(max_length=10, alias="from")] = "",
    end: Annotated[str, Query(max_length=10, alias="to")] = "",
) -> HTMLResponse:
    # Every event is read once per read state; the filters and the page are applied
    # to that, and the page kept for this caller and query.
    every = c.answer("events", (), lambda: data.events(c.reader))
    events = data.select_events(every, sector or None, actor or None, start or None, end or None)

    def context() -> dict[str, Any]:
        actors: dict[str, str] = {}
        for event in every:
            for entity_id, caption in event.involved:
                actors[entity_id] = caption
        return {
            "events": list(reversed(events)),
            "timeline": timeline_items(events),
            "sectors": sorted(sectors().values(), key=lambda s: s.label),
            "actors": sorted(actors.items(), key=lambda kv: kv[1].lower()),
            "chosen": {"sector": sector, "actor": actor, "from": start, "to": end},
        }

    return c.page("timeline.html", (every,), context)
