"""The entity page: every value with its source, grade and marking (and its history);
sanctions and list ids; relationships; events on a timeline; for a vessel, its AIS track
with port calls, gaps and encounters on a map, and the identities it reported."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import HTMLResponse, Response

from watchkeeper.errors import NotFound
from watchkeeper.model.sectors import sectors
from watchkeeper.store import EntityView
from watchkeeper.views import detail
from watchkeeper.web import data, geo
from watchkeeper.web.workbench import Ctx, ctx

router = APIRouter(include_in_schema=False)
EntityId = Annotated[str, Path(max_length=255)]


def visible_entity(c: Ctx, entity_id: str) -> EntityView:
    """The entity as the viewer may see it; the same answer for hidden and unknown ids.
    A member of a cluster reads as its canonical entity, with every member's values and
    sources (``Ctx.resolved``). Read once per read state and viewer (``Ctx.answer``);
    callers must not change it."""
    view = c.answer("entity", entity_id, lambda: c.resolved.entity(entity_id))
    if view is None:
        raise NotFound(f"no entity {entity_id!r}", template="no entity {id}", id=entity_id)
    return view


def timeline_data(events: list[dict[str, Any]]) -> dict[str, Any]:
    known = sectors()
    items, groups = [], {}
    for event in events:
        props = event["properties"]
        dates = sorted(props.get("startDate", []) + props.get("date", []))
        if not dates:
            continue
        group = next((k for k in props.get("keywords", []) if k in known), "other")
        groups[group] = known[group].label if group in known else group
        items.append(
            {
                "id": event["id"],
                "group": group,
                "start": dates[0],
                "end": (props.get("endDate") or [None])[0],
                "title": event["caption"],
                "date": dates[0],
            }
        )
    return {"items": items, "groups": [{"id": g, "label": label} for g, label in groups.items()]}


def _store_context(c: Ctx, entity_id: str) -> dict[str, Any]:
    """What the page shows from the store (everything but the AIS identities)."""
    view = visible_entity(c, entity_id)
    info = detail(c.resolved, view)  # read once
    current = [p for p in info["properties"] if not p["ended"]]
    history = [p for p in info["properties"] if p["ended"]]
    vessel: dict[str, Any] | None = None
    if view.schema == "Vessel":
        imos, mmsis = data.vessel_identifiers(view)
        vessel = {"imos": imos, "mmsis": mmsis, "previous": sorted(view.entity.get("previousName"))}
    return {
        "entity": info,
        "current": current,
        "history": history,
        "vessel": vessel,
        "timeline": timeline_data(info["events"]),
    }


def store_part(c: Ctx, entity_id: str) -> dict[str, Any]:
    """The page's data from the store, derived once per read state and viewer
    (``Ctx.answer``)."""
    return c.answer("entity page", entity_id, lambda: _store_context(c, entity_id))


def entity_context(c: Ctx, found: dict[str, Any]) -> dict[str, Any]:
    """The page's data: the store's part with the AIS identities (cached by the AIS
    files' fingerprint) added."""
    vessel = found["vessel"]
    if vessel is not None:
        identities = geo.identity_history(c.bench, vessel["imos"], vessel["mmsis"])
        vessel = vessel | {"identities": identities}
    # whose a value is when its marking names no originator (``Store.owned_statements``):
    # the page offers re-marking and retracting only on the user's organisation's values
    owner_org = c.bench.service.settings.organisation
    return found | {"vessel": vessel, "owner_org": owner_org}


@router.get("/entity/{entity_id:path}", response_class=HTMLResponse)
def entity_page(c: Annotated[Ctx, Depends(ctx)], entity_id: EntityId) -> Response:
    found = store_part(c, entity_id)
    # a vessel's page shows what its AIS files say: the page is kept while they stay
    ais = geo.ais_versions(c.bench) if found["vessel"] is not None else ()
    return c.page("entity.html", (found,), lambda: entity_context(c, found), key=ais)
