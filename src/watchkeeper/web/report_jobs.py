"""Monitoring reports made in the workbench: one job per request, its state in files.

A report is made for exactly one viewer: the organisation (and its country) of the user
who asks, read through that viewer's Reader as ``watchkeeper report --as ORG`` reads it.
Its HTML is built in the request (``report.build`` and ``render_html``: a fraction of a
second on the demo workspace); its PDF (WeasyPrint: several seconds) in a thread of the
worker that took the request. The job's state and files live under
``<home>/reports/<viewer>/<job>/`` (``job.json``, ``report.html``, ``report.pdf``), so
that any worker of the server answers for any job, and only for the viewer it was made
for; a job whose worker ended before its PDF was written is shown as failed.

A report is a document as of when it was made (like the CLI's files): a later
re-marking does not change a report already made; a new one shows it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from watchkeeper.assessment import report as rep
from watchkeeper.assessment.periods import parse_period
from watchkeeper.errors import Busy, NotFound, WatchkeeperError
from watchkeeper.model.marking import Viewer
from watchkeeper.store import Reader

FOLDER = "reports"
JOB_ID = re.compile(r"^[0-9a-f]{16}$")
# PDFs being made at once for one viewer (each takes a worker thread for seconds).
RUNNING_PER_VIEWER = 2
# Reports kept per viewer: the oldest go first.
KEPT_PER_VIEWER = 50


@dataclass(frozen=True)
class Job:
    id: str
    folder: Path
    state: dict[str, Any]

    @property
    def status(self) -> str:
        """``done``, ``making the PDF``, or ``failed``."""
        status = str(self.state.get("status", "failed"))
        if status == "pdf" and not _alive(int(self.state.get("pid", 0))):
            return "failed"
        return status

    def file(self, kind: str) -> Path:
        return self.folder / f"report.{kind}"

    def filename(self, kind: str) -> str:
        """As the CLI names it: report-ORG-PERIOD.html."""
        who = re.sub(r"[^A-Za-z0-9_.-]+", "-", self.state["organisation"]) or "viewer"
        period = re.sub(r"[^0-9A-Za-z.-]+", "_", self.state["period"])
        return f"report-{who}-{period}.{kind}"


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def viewer_folder(home: Path, viewer: Viewer) -> Path:
    """The viewer's folder: one per organisation and country (an organisation given a new
    country is another viewer, and does not get the reports made for the old one)."""
    name = hashlib.sha256(f"{viewer.organisation}\0{viewer.country or ''}".encode()).hexdigest()
    return home / FOLDER / name[:24]


def _write_state(folder: Path, state: dict[str, Any]) -> None:
    temporary = folder / f".job.{secrets.token_hex(4)}.json"
    temporary.write_text(json.dumps(state, sort_keys=True), encoding="utf-8")
    os.replace(temporary, folder / "job.json")  # atomic: a reader sees the old or the new


def jobs(home: Path, viewer: Viewer) -> list[Job]:
    """The viewer's reports, newest first."""
    base = viewer_folder(home, viewer)
    out = []
    for folder in base.iterdir() if base.is_dir() else []:
        try:
            state = json.loads((folder / "job.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # being written for the first time, or not a job
        out.append(Job(folder.name, folder, state))
    return sorted(out, key=lambda j: (str(j.state.get("created", "")), j.id), reverse=True)


def job(home: Path, viewer: Viewer, job_id: str) -> Job:
    """One of the viewer's reports; another viewer's is answered as one that does not
    exist."""
    if not JOB_ID.match(job_id):
        raise NotFound(f"no report {job_id!r}")
    folder = viewer_folder(home, viewer) / job_id
    try:
        state = json.loads((folder / "job.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise NotFound(f"no report {job_id!r}") from None
    return Job(job_id, folder, state)


def start(
    home: Path, reader: Reader, period_text: str, as_of: date | None, username: str, pdf: bool
) -> Job:
    """Build the report's HTML now; its PDF, when asked for, in a thread."""
    viewer = reader.viewer
    period = parse_period(period_text)  # a bad period: a one-line error, nothing written
    running = [j for j in jobs(home, viewer) if j.status == "pdf"]
    if pdf and len(running) >= RUNNING_PER_VIEWER:
        raise Busy(f"{len(running)} reports of yours are still being made; try again shortly")
    built = rep.build(reader, period, as_of)
    html = rep.render_html(built)
    job_id = secrets.token_hex(8)
    folder = viewer_folder(home, viewer) / job_id
    folder.mkdir(parents=True, mode=0o700)
    (folder / "report.html").write_text(html, encoding="utf-8")
    state = {
        "id": job_id,
        "organisation": viewer.organisation,
        "country": viewer.country,
        "period": period.label,
        "as_of": built.as_of.isoformat(),
        "by": username,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "banner": built.banner,
        "digest": built.digest,
        "events": built.data["events_total"],
        "estimates": len(built.data["estimates"]),
        "references": len(built.references),
        "status": "pdf" if pdf else "done",
        "pid": os.getpid(),
    }
    _write_state(folder, state)
    _prune(home, viewer)
    if pdf:
        threading.Thread(target=_make_pdf, args=(folder, html, state), daemon=True).start()
    return Job(job_id, folder, state)


def _make_pdf(folder: Path, html: str, state: dict[str, Any]) -> None:
    try:
        pdf = rep.render_pdf(html)
        temporary = folder / ".report.pdf"
        temporary.write_bytes(pdf)
        os.replace(temporary, folder / "report.pdf")
        _write_state(folder, state | {"status": "done"})
    except WatchkeeperError as exc:
        _write_state(folder, state | {"status": "failed", "error": exc.detail})
    except Exception as exc:
        _write_state(folder, state | {"status": "failed", "error": type(exc).__name__})


def _prune(home: Path, viewer: Viewer) -> None:
    for old in jobs(home, viewer)[KEPT_PER_VIEWER:]:
        if old.status == "pdf":
            continue
        for path in old.folder.iterdir():
            path.unlink(missing_ok=True)
        old.folder.rmdir()
