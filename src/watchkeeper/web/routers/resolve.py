"""The resolution queue: the xref suggestions of the user's organisation that the user may
see (``investigations.queue.items``, scored again on what is visible now), paged,
filtered (programme, country, dataset, score band, type) and sorted, each pair side by
side with both entities' key facts and then their values and sources, decided same /
different / unsure with a reason (``judgments.decide``: a judgment of the organisation,
audited), as the CLI's ``watchkeeper resolve``. An analyst can also run the
cross-reference (``queue.run``, as ``watchkeeper xref``) to fill the queue: in the
background (``investigations.jobs``), its progress shown on the page.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from watchkeeper.errors import InputError, NotFound
from watchkeeper.investigations import judgments, queue
from watchkeeper.investigations.jobs import Progress
from watchkeeper.investigations.judgments import VERDICTS
from watchkeeper.model.marking import Marking
from watchkeeper.store import judgments as sql
from watchkeeper.store.accounts import User
from watchkeeper.views import detail
from watchkeeper.web.auth import csrf_protect, require
from watchkeeper.web.i18n import N_
from watchkeeper.web.limits import MAX_VALUE
from watchkeeper.web.pages import nav, render
from watchkeeper.web.routers.entry import TLPS
from watchkeeper.web.workbench import Ctx, ctx

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
nav("/resolve", N_("Resolution queue"), order=48)

# The verdicts, as the form offers them (the catalog needs the words).
LABELS = {"same": N_("same"), "different": N_("different"), "unsure": N_("unsure")}
assert tuple(LABELS) == VERDICTS
PAGE = 25
FACET_LABELS = {
    "programme": N_("Programme"),
    "country": N_("Country"),
    "dataset": N_("Dataset"),
    "band": N_("Score"),
    "schema": N_("Type"),
}
assert tuple(FACET_LABELS) == queue.FILTERS
SORT_LABELS = {
    "score": N_("highest score first"),
    "score-asc": N_("lowest score first"),
    "name": N_("by name"),
    "dataset": N_("by dataset"),
}
assert tuple(SORT_LABELS) == queue.SORTS
EntityRef = Annotated[str, Form(min_length=1, max_length=255)]


def _side(c: Ctx, entity_id: str) -> dict[str, Any] | None:
    """One side of a pair: its current values with their sources; None if not visible."""
    try:
        info = detail(c.reader, entity_id)
    except NotFound:
        return None
    info["current"] = [p for p in info["properties"] if not p["ended"]]
    return info


def scored_queue(c: Ctx) -> tuple[tuple[object, ...], list[queue.Item]]:
    """What moves when a run replaces the organisation's candidates, and the queue as
    the viewer may see it (both sides' key facts), judged pairs included: the pairs are
    scored once per read state and run (re-scoring hundreds of pairs is seconds of
    work, not to be repeated per page)."""
    index, _facts = c.bench.service.current()
    stamp = sql.candidates_stamp(c.store, c.viewer.organisation)
    found = c.answer(
        "resolution queue",
        stamp,
        lambda: queue.items(c.store, c.reader, index),
        depends_on=index,
    )
    return stamp, found


def queue_items(c: Ctx) -> list[queue.Item]:
    """The organisation's queue as the viewer may see it, the judged pairs left out per
    request (a decision takes its pair out at once)."""
    return queue.undecided(c.reader, scored_queue(c)[1])


def pairs(
    c: Ctx, filters: dict[str, str], sort: str, page: int
) -> tuple[int, list[dict[str, Any]], dict[str, list[tuple[str, int]]]]:
    """How many pairs match the filters, the page's pairs with both sides, and each
    filter's values counted over the pairs the other filters leave: only pairs of
    entities that exist for the viewer are counted (a count reveals nothing hidden)."""
    found = queue_items(c)
    chosen = queue.select(found, filters, sort)
    counts = {
        facet: queue.facets(queue.select(found, {k: v for k, v in filters.items() if k != facet}))[
            facet
        ]
        for facet in queue.FILTERS
    }
    out: list[dict[str, Any]] = []
    start = (page - 1) * PAGE
    for item in chosen[start : start + PAGE]:
        left, right = _side(c, item.suggestion.left), _side(c, item.suggestion.right)
        if left is not None and right is not None:
            out.append({"item": item, "suggestion": item.suggestion, "left": left, "right": right})
    return len(chosen), out, counts


Facet = Annotated[str, Query(max_length=200)]


@router.get("/resolve", response_class=HTMLResponse)
def resolve_page(
    c: Annotated[Ctx, Depends(ctx)],
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    sort: Annotated[Literal[queue.SORTS], Query()] = "score",  # type: ignore[valid-type]
    programme: Facet = "",
    country: Facet = "",
    dataset: Facet = "",
    band: Facet = "",
    schema: Facet = "",
) -> HTMLResponse:
    filters = {
        "programme": programme,
        "country": country,
        "dataset": dataset,
        "band": band,
        "schema": schema,
    }
    # The page is kept for this caller and query while the scored queue (the read
    # state: a judgment moves it) and the run's state stay the same.
    stamp, found = scored_queue(c)
    job = c.bench.xref_jobs.state(c.viewer.organisation)
    chosen = {k: v for k, v in filters.items() if v}

    def context() -> dict[str, Any]:
        total, shown, counts = pairs(c, filters, sort, page)
        decided = judgments.history(c.reader)[:20]
        return {
            "total": total,
            "pairs": shown,
            "decided": decided,
            "labels": LABELS,
            "tlps": TLPS,
            "can_decide": c.user.can("analyst"),
            "job": job,
            "facets": counts,
            "facet_labels": FACET_LABELS,
            "filters": chosen,
            "sort": sort,
            "sorts": SORT_LABELS,
            "page": page,
            "pages": max(1, -(-total // PAGE)),
            "query": lambda **change: _query(chosen, sort, page, change),
        }

    return c.page("resolve.html", (found,), context, key=(stamp, repr(job)))


def _query(filters: dict[str, str], sort: str, page: int, change: dict[str, Any]) -> str:
    """The queue's address with ``change`` applied (a new filter starts at page 1)."""
    params: dict[str, Any] = {**filters, "sort": sort, "page": page}
    if "page" not in change:
        params["page"] = 1
    params.update(change)
    kept = {k: v for k, v in params.items() if v not in ("", None)}
    if kept.get("sort") == "score":
        del kept["sort"]
    if kept.get("page") == 1:
        del kept["page"]
    return "/resolve" + ("?" + urlencode(kept) if kept else "")


@router.get("/resolve/job", response_class=HTMLResponse)
def job_status(c: Annotated[Ctx, Depends(ctx)]) -> Response:
    """The organisation's cross-reference run: its progress while it runs (the page asks
    again every few seconds), how it ended after (JSON when asked for)."""
    job = c.bench.xref_jobs.state(c.viewer.organisation)
    if "application/json" in c.request.headers.get("accept", ""):
        return JSONResponse(job.to_dict() if job is not None else None)
    return render(c.request, "fragments/xref_job.html", job=job)


@router.post("/resolve/decide")
def decide(
    c: Annotated[Ctx, Depends(ctx)],
    _analyst: Annotated[User, Depends(require("analyst"))],
    left: EntityRef,
    right: EntityRef,
    verdict: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=MAX_VALUE)] = "",
    tlp: Annotated[str, Form(max_length=20)] = "",
    rel_to: Annotated[str, Form(max_length=400)] = "",
) -> RedirectResponse:
    """A judgment of the user's organisation on the pair (it supersedes an older one),
    for the organisation alone unless shared (a TLP, REL TO countries), as the CLI's
    ``judge --tlp --rel-to``."""
    if tlp and tlp not in TLPS:
        raise InputError("tlp", f"one of {', '.join(TLPS)}", tlp)
    marking = None
    if tlp or rel_to.strip():
        marking = Marking.make(tlp or "RED", rel_to.strip() or None, c.user.organisation)
    found = judgments.decide(
        c.store, c.reader, left, right, verdict, reason, c.user.username, marking
    )
    c.audit("judgment", f"{found.left} ~ {found.right}", f"{found.verdict}: {found.reason}")
    return RedirectResponse("/resolve", status_code=303)


@router.post("/resolve/xref")
def run_xref(
    c: Annotated[Ctx, Depends(ctx)],
    analyst: Annotated[User, Depends(require("analyst"))],
    auto: Annotated[Literal["true", "false"], Form()] = "true",
) -> RedirectResponse:
    """Cross-reference what the organisation may see and fill its queue, in the
    background (``jobs``): the page shows its progress. One run per organisation at a
    time (409 while one goes on, whichever worker started it)."""
    service, viewer, accounts = c.bench.service, c.viewer, c.bench.accounts
    address = c.request.client.host if c.request.client else ""

    def work(progress: Progress) -> tuple[int, int, int]:
        index, _facts = service.current()
        run = queue.run(
            service.store,
            service.store.read(viewer),
            index,
            automatic=auto == "true",
            progress=progress,
        )
        summary = (
            f"{len(run.found)} pairs, {len(run.accepted)} accepted by rule,"
            f" {len(run.queued)} queued"
        )
        accounts.audit(analyst, "xref", "resolution queue", summary, address)
        return len(run.found), len(run.accepted), len(run.queued)

    c.bench.xref_jobs.start(viewer.organisation, analyst.username, work)
    return RedirectResponse("/resolve", status_code=303)
