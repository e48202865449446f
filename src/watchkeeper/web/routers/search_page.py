"""Search: names in any script, facets, and autocompletion as the user types."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from watchkeeper.web import find
from watchkeeper.web.i18n import N_
from watchkeeper.web.limits import MAX_VALUE
from watchkeeper.web.pages import nav
from watchkeeper.web.service import kept_answer
from watchkeeper.web.suggest import Suggestion
from watchkeeper.web.workbench import Ctx, ctx

router = APIRouter(include_in_schema=False)
nav("/search", N_("Search"), order=20)

FACET_LABELS = {
    "schema": N_("Type"),
    "country": N_("Country"),
    "list": N_("List"),
    "program": N_("Program"),
    "sector": N_("Sector"),
    "source": N_("Source"),
    "date": N_("Year"),
}

Text = Annotated[str, Query(max_length=MAX_VALUE)]
Facet = Annotated[str, Query(max_length=200)]


def visible_markings(c: Ctx) -> frozenset[int]:
    return c.reader.scope


def run_search(
    c: Ctx,
    q: str,
    filters: dict[str, str],
    page: int,
) -> find.Found:
    """The search's answer, derived once per read state, viewer and screener (its index
    follows the store in the background) for the same words, filters and page. Entities
    are read as canonical ones, as the screener's merged hits name them: a man listed by
    OFAC and recorded in the bundled dataset is one result."""
    screener = c.screener
    key = (q, tuple(sorted(filters.items())), page)
    return c.answer(
        "search",
        key,
        lambda: find.search(c.store, c.resolved, screener, q, filters, page),
        depends_on=screener,
    )


@router.get("/search", response_class=HTMLResponse)
def search_page(
    c: Annotated[Ctx, Depends(ctx)],
    q: Text = "",
    schema: Facet = "",
    country: Facet = "",
    list: Facet = "",
    program: Facet = "",
    sector: Facet = "",
    source: Facet = "",
    date: Facet = "",
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> HTMLResponse:
    filters = {
        "schema": schema,
        "country": country,
        "list": list,
        "program": program,
        "sector": sector,
        "source": source,
        "date": date,
    }
    found = run_search(c, q, filters, page)
    template = "fragments/results.html" if c.request.headers.get("hx-request") else "search.html"
    return c.page(
        template,
        (found,),
        lambda: {"found": found, "labels": FACET_LABELS, "page": page, "pages": find.PAGE},
    )


@router.get("/suggest", response_class=HTMLResponse)
async def suggest_fragment(c: Annotated[Ctx, Depends(ctx)], q: Text = "") -> HTMLResponse:
    """What the search box offers as the user types. Answered on the event loop when it
    is kept (nothing to read, make or render: a thread hand-off would be most of its
    cost under load); else in the thread pool, as the other pages are."""
    kept = _kept_suggestions(c, q)
    if kept is not None:
        return kept
    return await run_in_threadpool(_suggest_page, c, q)


def _suggest_page(c: Ctx, q: str) -> HTMLResponse:
    items = suggestions(c, q)
    return c.page("fragments/suggest.html", (items,), lambda: {"items": items, "q": q})


def _kept_suggestions(c: Ctx, q: str) -> HTMLResponse | None:
    """``_suggest_page``'s answer when every part of it is kept (the viewer's read state,
    the names' index for Latin script or the screener for the others, the answer and the
    page: each checked as ``suggestions`` and ``Ctx.page`` check it), else None."""
    service = c.bench.service
    state = service.peek(c.viewer)
    if state is None:
        return None
    source: object | None = (
        c.bench.suggestions.peek()
        if find.prefix_completes(q)
        else service.peek_screener(c.viewer, state)
    )
    if source is None:
        return None
    c.use_state(state)
    found, items = kept_answer(c.viewer, state, "suggest", q, depends_on=source)
    return c.kept_page("fragments/suggest.html", (items,)) if found else None


def suggestions(c: Ctx, q: str) -> list[Suggestion]:
    """What the search box offers for ``q``, derived once per read state and viewer and
    per names index: the prefix index for Latin script (it follows the store by itself),
    the viewer's screener for other scripts (``find.suggest``)."""
    c.state  # noqa: B018 - the read state first: it follows corrections made elsewhere
    source: object = c.bench.suggestions.current() if find.prefix_completes(q) else c.screener
    return c.answer(
        "suggest",
        q,
        lambda: find.suggest(c.bench.suggestions, lambda: c.screener, q, visible_markings(c)),
        depends_on=source,
    )
