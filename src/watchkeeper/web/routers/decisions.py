"""Review decisions on screening hits, per calling organisation.

``POST /decisions`` (``query_id``, ``entity_id``, ``decision``: confirmed, dismissed or
reopened, ``reason``, optional ``by``, and optional ``query``: the record screened, as
sent to ``/match``) and ``GET /decisions``, as ``watchkeeper review`` keeps them. With
``query`` the decision is bound to that record (its digest, ``record_hash``) as well as to
the query id; without, to the query id alone, as before. Every decision is a new row of
an append-only log. ``GET /decisions`` lists only decisions on entities the caller may
see now. This worker's screener sees a decision at once; other workers re-read decisions
within ``service.RECHECK_SECONDS``. A form posted with a session cookie carries its CSRF
token (API keys and tokens send no cookie and need none).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from watchkeeper.model.marking import Viewer
from watchkeeper.screening.screener import Screener, visible_log
from watchkeeper.store.core import Store
from watchkeeper.web.auth import csrf_protect
from watchkeeper.web.limits import MAX_VALUE
from watchkeeper.web.models import ERRORS, DecisionResponse, DecisionsResponse, EntityExample
from watchkeeper.web.routers.screening import parse_example
from watchkeeper.web.service import Caller, caller

router = APIRouter(tags=["review"])


class DecisionRequest(BaseModel):
    """A reviewer's decision on a hit, as ``watchkeeper review`` takes it."""

    query_id: str = Field(min_length=1, max_length=MAX_VALUE)
    entity_id: str = Field(min_length=1, max_length=MAX_VALUE)
    decision: str = Field(max_length=20, examples=["dismissed"])
    reason: str = Field(max_length=MAX_VALUE)
    by: str | None = Field(default=None, max_length=200)
    query: EntityExample | None = Field(
        default=None, description="The record screened, as sent to /match under query_id."
    )


@router.post(
    "/decisions",
    response_model=DecisionResponse,
    responses={k: v for k, v in ERRORS.items() if k in (400, 401, 404, 413, 422)},
    dependencies=[Depends(csrf_protect)],
)
def decide(body: DecisionRequest, who: Annotated[Caller, Depends(caller)]) -> dict[str, Any]:
    by = body.by or who.viewer.organisation
    record = parse_example(body.query_id, body.query).query if body.query else body.query_id
    return who.screener.decide(
        who.service.store,
        who.viewer,
        record,
        body.entity_id,
        body.decision,
        body.reason,
        by,
    )


@router.get(
    "/decisions",
    response_model=DecisionsResponse,
    responses={k: v for k, v in ERRORS.items() if k in (401, 414)},
)
def decisions(who: Annotated[Caller, Depends(caller)]) -> dict[str, Any]:
    return {"decisions": visible_decisions(who.screener, who.service.store, who.viewer)}


def visible_decisions(screener: Screener, store: Store, viewer: Viewer) -> list[dict[str, Any]]:
    """The organisation's decisions on entities ``viewer`` may see now."""
    return visible_log(screener, store.decisions(viewer.organisation))
