"""The resolution queue: the xref suggestions of the user's organisation that the user may
see (``investigations.queue.queue``, scored again on what is visible now), each pair side
by side with both entities' values and sources, decided same / different / unsure with a
reason (``judgments.decide``: a judgment of the organisation, audited), as the CLI's
``watchkeeper resolve``. An analyst can also run the cross-reference (``queue.run``, as
``watchkeeper xref``) to fill the queue.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse

from watchkeeper.errors import InputError, NotFound
from watchkeeper.investigations import judgments, queue
from watchkeeper.investigations.judgments import VERDICTS
from watchkeeper.model.marking import Marking
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
EntityRef = Annotated[str, Form(min_length=1, max_length=255)]


def _side(c: Ctx, entity_id: str) -> dict[str, Any] | None:
    """One side of a pair: its current values with their sources; None if not visible."""
    try:
        info = detail(c.reader, entity_id)
    except NotFound:
        return None
    info["current"] = [p for p in info["properties"] if not p["ended"]]
    return info


def pairs(c: Ctx, limit: int) -> tuple[int, list[dict[str, Any]]]:
    """How many pairs await review, and the first ``limit`` with both sides: only pairs of
    entities that exist for the viewer are counted (the count reveals nothing hidden)."""
    index, _facts = c.bench.service.current()
    found = queue.queue(c.store, c.reader, index)
    ids = sorted({e for s in found for e in s.key})
    present = {v.id for v in c.reader.entities(ids)} if ids else set()
    found = [s for s in found if s.left in present and s.right in present]
    out: list[dict[str, Any]] = []
    for suggestion in found[:limit]:
        left, right = _side(c, suggestion.left), _side(c, suggestion.right)
        if left is not None and right is not None:
            out.append({"suggestion": suggestion, "left": left, "right": right})
    return len(found), out


@router.get("/resolve", response_class=HTMLResponse)
def resolve_page(
    c: Annotated[Ctx, Depends(ctx)],
    limit: Annotated[int, Query(ge=1, le=200)] = PAGE,
) -> HTMLResponse:
    total, shown = pairs(c, limit)
    decided = judgments.history(c.reader)[:20]
    return render(
        c.request,
        "resolve.html",
        total=total,
        pairs=shown,
        decided=decided,
        labels=LABELS,
        tlps=TLPS,
        can_decide=c.user.can("analyst"),
    )


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
    _analyst: Annotated[User, Depends(require("analyst"))],
    auto: Annotated[Literal["true", "false"], Form()] = "true",
) -> RedirectResponse:
    """Cross-reference what the organisation may see and fill its queue."""
    index, _facts = c.bench.service.current()
    run = queue.run(c.store, c.reader, index, automatic=auto == "true")
    c.audit(
        "xref",
        "resolution queue",
        f"{len(run.found)} pairs, {len(run.accepted)} accepted by rule, {len(run.queued)} queued",
    )
    return RedirectResponse("/resolve", status_code=303)
