"""Entities by id, as the caller may see them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from watchkeeper.errors import NotFound
from watchkeeper.web.service import Caller, caller

router = APIRouter(tags=["entities"])


@router.get("/entities/{entity_id}")
def entity(entity_id: str, who: Annotated[Caller, Depends(caller)]) -> dict[str, Any]:
    view = who.service.store.read(who.viewer).entity(entity_id, include_ended=False)
    if view is None:
        raise NotFound(f"no entity {entity_id!r}")
    data = view.entity.to_dict()
    data["caption"] = view.caption
    data["datasets"] = sorted({s.statement.dataset for s in view.statements})
    return data
