"""Sources: list releases and reports, with their grades and markings, as imported."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from watchkeeper.model.grading import Reliability
from watchkeeper.web.i18n import N_
from watchkeeper.web.pages import nav
from watchkeeper.web.workbench import Ctx, ctx

router = APIRouter(include_in_schema=False)
nav("/sources", N_("Sources"), order=60)


@router.get("/sources", response_class=HTMLResponse)
def sources_page(c: Annotated[Ctx, Depends(ctx)]) -> HTMLResponse:
    # counted once per read state (0.4-1 s on the demo with the real lists), and the
    # page (77 kB there) kept for the caller while that state stays the same
    stats = c.answer("stats", (), c.reader.stats)
    sources = c.answer("sources", (), c.reader.sources)

    def context() -> dict[str, Any]:
        by_dataset: dict[str, list[dict[str, object]]] = {}
        for src in sources:
            by_dataset.setdefault(str(src["dataset"]), []).append(src)
        return {
            "datasets": sorted(by_dataset.items()),
            "stats": stats,
            "reliability": {r.name: r.value for r in Reliability},
        }

    return c.page("sources.html", (stats, sources), context)
