"""Monitoring reports in the workbench: made for a period as the user's organisation may
see it (``assessment.report``, as ``watchkeeper report --as ORG``), downloaded as HTML
or PDF (``web.report_jobs`` keeps each report's state where every worker finds it).

Only the user's own organisation's view: the workbench has no "as another organisation"
(an admin of one organisation acting for a partner would read what the partner may see
and the admin's organisation may not). A partner's report is made by the partner's own
users, or by the workspace's operator with ``watchkeeper report --as ORG``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

from watchkeeper.errors import InputError, NotFound
from watchkeeper.web import report_jobs
from watchkeeper.web.auth import csrf_protect
from watchkeeper.web.i18n import N_
from watchkeeper.web.pages import SECURITY_HEADERS, nav, render
from watchkeeper.web.routers.assess import as_of_date
from watchkeeper.web.workbench import Ctx, ctx

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
nav("/reports", N_("Reports"), order=56)

MEDIA = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}
STATUSES = (N_("done"), N_("making the PDF"), N_("failed"))
Text = Annotated[str, Query(max_length=100)]


@router.get("/reports", response_class=HTMLResponse)
def reports_page(c: Annotated[Ctx, Depends(ctx)], made: Text = "") -> HTMLResponse:
    found = report_jobs.jobs(c.bench.service.settings.home, c.viewer)
    running = any(j.status == "pdf" for j in found)
    return render(
        c.request,
        "reports.html",
        jobs=found,
        made=made,
        running=running,
        viewer=c.viewer,
    )


@router.post("/reports")
def make_report(
    c: Annotated[Ctx, Depends(ctx)],
    period: Annotated[str, Form(min_length=1, max_length=40)],
    as_of: Annotated[str, Form(max_length=10)] = "",
    pdf: Annotated[bool, Form()] = False,
) -> RedirectResponse:
    home = c.bench.service.settings.home
    made = report_jobs.start(home, c.reader, period, as_of_date(as_of), c.user.username, pdf)
    state = made.state
    c.audit(
        "report",
        state["period"],
        f"as of {state['as_of']}, {state['banner']}, basis {state['digest']}"
        + (", with PDF" if pdf else ""),
    )
    return RedirectResponse(f"/reports?made={made.id}", status_code=303)


@router.get("/reports/download")
def download(
    c: Annotated[Ctx, Depends(ctx)],
    job: Text,
    kind: Annotated[str, Query(alias="format", max_length=10)] = "html",
) -> FileResponse:
    """A report of the user's organisation as a file (a download is an export: audited)."""
    if kind not in MEDIA:
        raise InputError("format", "html or pdf", kind)
    found = report_jobs.job(c.bench.service.settings.home, c.viewer, job)
    path = found.file(kind)
    if not path.is_file():
        raise NotFound(f"report {job} has no {kind.upper()} (yet)")
    c.audit("export", f"report {found.state['period']}", f"{kind} {job}")
    headers = dict(SECURITY_HEADERS)
    if kind == "html":  # the report's own styles are inline; it has no script
        headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
        )
    return FileResponse(
        path, media_type=MEDIA[kind], filename=found.filename(kind), headers=headers
    )
