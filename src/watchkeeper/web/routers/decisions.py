"""Review decisions on screening hits, per calling organisation.

``POST /decisions`` (``query_id``, ``entity_id``, ``decision``: confirmed or dismissed,
``reason``, optional ``by``) and ``GET /decisions``, as ``watchkeeper review`` keeps them.
This worker's screener sees a decision at once; other workers re-read decisions within
``service.RECHECK_SECONDS``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from watchkeeper.web.limits import MAX_VALUE
from watchkeeper.web.models import ERRORS, DecisionResponse, DecisionsResponse
from watchkeeper.web.service import Caller, caller

router = APIRouter(tags=["review"])


class DecisionRequest(BaseModel):
    """A reviewer's decision on a hit, as ``watchkeeper review`` takes it."""

    query_id: str = Field(min_length=1, max_length=MAX_VALUE)
    entity_id: str = Field(min_length=1, max_length=MAX_VALUE)
    decision: str = Field(max_length=20, examples=["dismissed"])
    reason: str = Field(max_length=MAX_VALUE)
    by: str | None = Field(default=None, max_length=200)


@router.post(
    "/decisions",
    response_model=DecisionResponse,
    responses={k: v for k, v in ERRORS.items() if k in (400, 401, 404, 413, 422)},
)
def decide(body: DecisionRequest, who: Annotated[Caller, Depends(caller)]) -> dict[str, str]:
    by = body.by or who.viewer.organisation
    return who.screener.decide(
        who.service.store,
        who.viewer,
        body.query_id,
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
    return {"decisions": who.service.store.decisions(who.viewer.organisation)}
