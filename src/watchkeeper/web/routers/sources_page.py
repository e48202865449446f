"""Sources: list releases and reports, with their grades and markings, as imported."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from watchkeeper.model.grading import Reliability
from watchkeeper.web.i18n import N_
from watchkeeper.web.pages import nav, render
from watchkeeper.web.workbench import Ctx, ctx

router = APIRouter(include_in_schema=False)
nav("/sources", N_("Sources"), order=60)


@router.get("/sources", response_class=HTMLResponse)
def sources_page(c: Annotated[Ctx, Depends(ctx)]) -> HTMLResponse:
    sources = c.reader.sources()
    by_dataset: dict[str, list[dict[str, object]]] = {}
    for src in sources:
        by_dataset.setdefault(str(src["dataset"]), []).append(src)
    reliability = {r.name: r.value for r in Reliability}
    return render(
        c.request,
        "sources.html",
        datasets=sorted(by_dataset.items()),
        # counted once per read state (0.4-1 s on the demo with the real lists)
        stats=c.answer("stats", (), c.reader.stats),
        reliability=reliability,
    )
