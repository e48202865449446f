"""Liveness (``/healthz``) and readiness (``/readyz``: the index is loaded and the store
answers)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from watchkeeper.errors import WatchkeeperError
from watchkeeper.web.models import ErrorResponse, StatusResponse
from watchkeeper.web.service import Service, get_service

router = APIRouter(tags=["system"])


class NotReady(WatchkeeperError):
    status = 503


@router.get("/healthz", response_model=StatusResponse)
def healthz() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=StatusResponse,
    responses={503: {"model": ErrorResponse, "description": "Not ready"}},
)
def readyz(service: Annotated[Service, Depends(get_service)]) -> dict[str, str]:
    """The screening index is loaded and the store answers."""
    try:
        with service.store.engine.connect() as conn:
            conn.execute(select(1))
    except SQLAlchemyError:
        raise NotReady("the store does not answer") from None
    if service.index is None:  # pragma: no cover - built before the app serves
        raise NotReady("the screening index is not loaded")
    return {"status": "ok"}
