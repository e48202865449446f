"""The assessment in the workbench (issue 24, finding 8): estimates, trackers, futures and
reports, computed from the user's Reader as the command line computes them with
``--as ORG``; re-marking and retracting an organisation's own items; reports made for
the user's own organisation only."""

from __future__ import annotations

import html
import re
import time
from typing import Any

from tests.web.workspace import KOREA, Browser
from watchkeeper.assessment import estimates as est
from watchkeeper.assessment import futures as fut
from watchkeeper.assessment import judgments as judged
from watchkeeper.assessment import report as rep
from watchkeeper.assessment import trackers
from watchkeeper.assessment.periods import parse_period
from watchkeeper.model.marking import Viewer
from watchkeeper.settings import Settings
from watchkeeper.store import open_store
from watchkeeper.store.accounts import Accounts
from watchkeeper.store.assessment import read_estimates

LOCAL = Viewer("local")
USA = Viewer("us-dia", "USA")
PAGES = ["/assess", "/assess/estimates", "/assess/trackers", "/assess/futures", "/assess/items"]
CORRECT = "Re-mark or retract"


def page(browser: Browser, url: str) -> str:
    response: Any = browser.get(url)
    assert response.status_code == 200, (url, response.status_code, response.text[:300])
    return html.unescape(response.text)


def test_the_pages_were_404_and_now_answer_in_english_and_korean(shared: Settings) -> None:
    browser = Browser(shared, "kr-viewer")
    for url in [*PAGES, "/reports", "/estimates"]:
        page(browser, url)
    browser.client.cookies.set("wk_lang", "ko")
    korean = page(browser, "/assess/futures")
    assert '<html lang="ko">' in korean and "향후 전망" in korean and "현재 확률" in korean


def test_the_estimates_page_shows_what_the_viewer_may_see_side_by_side(shared: Settings) -> None:
    store = open_store(shared)
    seen = {v: est.estimates(store.read(v)) for v in (KOREA, USA)}
    store.close()
    korean = page(Browser(shared, "kr-viewer"), "/assess/estimates")
    american = page(Browser(shared, "us-analyst"), "/assess/estimates")
    for text, items in ((korean, seen[KOREA]), (american, seen[USA])):
        assert text.count('<tr id="est-') == len(items)
        for e in items[:10]:
            assert e.figure() in text and e.grade in text
        assert "<svg" in text  # the chart of rounds supplied, assessment/charts.py's
    assert "NIGHTJAR" in american and "9,999,991" in american
    assert "NIGHTJAR" not in korean and "9,999,991" not in korean
    one = page(Browser(shared, "kr-viewer"), "/assess/estimates?measure=artillery_rounds_supplied")
    rounds = [e for e in seen[KOREA] if e.measure == "artillery_rounds_supplied"]
    assert one.count('<tr id="est-') == len(rounds) > 2
    conflicts = est.conflicts(seen[KOREA])
    assert conflicts and conflicts[0].reason in page(
        Browser(shared, "kr-viewer"), "/assess/estimates"
    )
    assert Browser(shared, "kr-viewer").get("/assess/estimates?measure=nosuch").status_code == 400  # type: ignore[attr-defined]


def test_the_futures_page_shows_each_update_and_the_posterior(shared: Settings) -> None:
    store = open_store(shared)
    reader = store.read(KOREA)
    result = fut.futures(reader, trackers.read_events(reader))
    store.close()
    text = page(Browser(shared, "kr-viewer"), "/assess/futures")
    for p in result.posterior:
        assert f"<strong>{p.value * 100:.0f} %</strong>" in text
    # each probability with its confidence and why, as the report's key judgments say
    posterior = re.search(r'<table class="posterior".*?</table>', text, re.S)
    assert posterior is not None and ">Confidence</th>" in posterior.group(0)
    for p in result.posterior:
        level, reason, _cited = judged.confidence(result, p.scenario)
        assert f'{level}<br><span class="muted">{reason}</span>' in posterior.group(0)
    rows = re.search(r'<table class="steps".*?</table>', text, re.S)
    assert rows is not None and rows.group(0).count("<tr>") == len(result.steps) + 1
    for step in result.steps:
        assert step.evidence.label in text
    assert result.ach is not None and 'class="ach"' in text
    assert 'data-scenario="downgrade"' in text  # the posterior over time, as a chart
    assert "Pyongsecret" not in text
    american = page(Browser(shared, "us-analyst"), "/assess/futures")
    assert "Pyongsecret collapse" in american


def test_the_trackers_page_shows_sectors_and_capabilities(shared: Settings) -> None:
    store = open_store(shared)
    reader = store.read(KOREA)
    events = trackers.read_events(reader)
    rows = trackers.sector_tracker(events, parse_period("2024"))
    caps = trackers.capability_tracker(reader, events, est.estimates(reader))
    store.close()
    text = page(Browser(shared, "kr-viewer"), "/assess/trackers?period=2024")
    table = re.search(r'<table class="sectors".*?</table>', text, re.S)
    assert table is not None
    for row in rows:
        assert f">{row.label}</a></td><td>{row.events}</td>" in table.group(0)
    for cap in caps:
        assert cap.label in text
    assert 'data-sector="' in text  # the stacked bars


def test_only_an_analyst_of_the_owning_organisation_may_correct_an_item(fresh: Settings) -> None:
    local = page(Browser(fresh, "analyst"), "/assess/estimates")
    assert CORRECT in local  # the bundled dataset is the workspace organisation's
    assert CORRECT not in page(Browser(fresh, "viewer"), "/assess/estimates")
    assert CORRECT not in page(Browser(fresh, "kr-liaison"), "/assess/estimates")
    american = page(Browser(fresh, "us-analyst"), "/assess/estimates")
    assert american.count(CORRECT) == 1 and "ref=est-us-nightjar-rounds" not in american
    store = open_store(fresh)
    target = next(
        s for s in read_estimates(store.read(KOREA)) if s.provenance.marking.key == "TLP:CLEAR"
    )
    store.close()
    form = {"ref": target.id, "action": "retract", "reason": "withdrawn by its owner"}
    # another organisation's analyst, a viewer, a form without its CSRF token, no reason
    assert Browser(fresh, "kr-liaison").post("/assess/item", form).status_code == 403  # type: ignore[attr-defined]
    assert Browser(fresh, "viewer").post("/assess/item", form).status_code == 403  # type: ignore[attr-defined]
    analyst = Browser(fresh, "analyst")
    bare: Any = analyst.client.post("/assess/item", data=form, follow_redirects=False)
    assert bare.status_code == 403
    assert analyst.post("/assess/item", form | {"reason": ""}).status_code == 400  # type: ignore[attr-defined]
    # the hidden US item is answered as one that does not exist
    hidden = form | {"ref": "est-us-nightjar-rounds"}
    assert analyst.post("/assess/item", hidden).status_code == 404  # type: ignore[attr-defined]
    assert analyst.get("/assess/item?ref=est-us-nightjar-rounds").status_code == 404  # type: ignore[attr-defined]
    store = open_store(fresh)
    assert any(s.id == target.id for s in read_estimates(store.read(KOREA)))
    store.close()
    # the owner's analyst re-marks it for the USA alone: the Korean partner loses it
    form_page = page(analyst, f"/assess/item?ref={target.id}")
    assert 'id="correct-form"' in form_page
    remark = {"ref": target.id, "action": "remark", "tlp": "GREEN", "rel_to": "USA"}
    done: Any = analyst.post("/assess/item", remark | {"reason": "US source asked"})
    assert done.status_code == 303
    store = open_store(fresh)
    assert all(s.id != target.id for s in read_estimates(store.read(KOREA)))
    assert any(s.id == target.id for s in read_estimates(store.read(LOCAL)))
    store.close()
    assert f'id="est-{target.id}"' not in page(Browser(fresh, "kr-viewer"), "/assess/estimates")
    # then retracts it: gone for everyone, its own organisation included
    assert analyst.post("/assess/item", form).status_code == 303  # type: ignore[attr-defined]
    assert f'id="est-{target.id}"' not in page(analyst, "/assess/estimates")
    store = open_store(fresh)
    trail = [r["action"] for r in Accounts(store).audit_trail("local")]
    assert "assessment_remark" in trail and "assessment_retract" in trail
    owned = [r for r in store.read(LOCAL).audit() if target.record.key in str(r["entity_id"])]
    assert [r["action"] for r in owned] == ["remark", "retract"]
    assert owned[0]["reason"] == "US source asked"
    store.close()


def test_a_report_is_made_for_the_users_own_organisation(fresh: Settings) -> None:
    korean = Browser(fresh, "kr-viewer")
    assert korean.post("/reports", {"period": "2024-13"}).status_code == 400  # type: ignore[attr-defined]
    assert "No report made yet" in page(korean, "/reports")
    made: Any = korean.post("/reports", {"period": "2024", "pdf": "true"})
    assert made.status_code == 303
    job = made.headers["location"].split("made=")[1]
    listed = page(korean, "/reports")
    assert f'id="job-{job}"' in listed
    # the HTML is the CLI's: `watchkeeper report 2024 --as kr-mofa`
    store = open_store(fresh)
    expected = rep.render_html(rep.build(store.read(KOREA), parse_period("2024")))
    store.close()
    got: Any = korean.client.get(f"/reports/download?job={job}&format=html")
    assert got.status_code == 200 and got.text == expected
    assert "report-kr-mofa-2024.html" in got.headers["content-disposition"]
    assert "NIGHTJAR" not in got.text and "Pyongsecret" not in got.text
    # the PDF is made in the background; any request then finds it
    deadline = time.monotonic() + 120
    while "making the PDF" in page(korean, "/reports") and time.monotonic() < deadline:
        time.sleep(0.5)
    pdf: Any = korean.client.get(f"/reports/download?job={job}&format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # another organisation's user cannot reach it, nor list it
    american = Browser(fresh, "us-analyst")
    assert f"job-{job}" not in page(american, "/reports")
    assert american.client.get(f"/reports/download?job={job}&format=html").status_code == 404
    assert korean.client.get("/reports/download?job=../../etc&format=html").status_code == 404
    store = open_store(fresh)
    trail = [(r["action"], r["username"]) for r in Accounts(store).audit_trail("kr-mofa")]
    store.close()
    assert ("report", "kr-viewer") in trail and ("export", "kr-viewer") in trail


def test_report_jobs_are_bounded_and_a_lost_worker_shows_as_failed(fresh: Settings) -> None:
    """Two PDFs being made at once per viewer at most; a job whose worker is gone (it
    ended before the PDF was written) is failed, not forever in progress."""
    import json
    import os

    from watchkeeper.errors import Busy
    from watchkeeper.web import report_jobs

    store = open_store(fresh)
    reader = store.read(KOREA)
    folder = report_jobs.viewer_folder(fresh.home, KOREA)
    for n, pid in enumerate((os.getpid(), os.getpid())):
        job = folder / f"{n:016x}"
        job.mkdir(parents=True)
        state = {"id": job.name, "created": f"2025-01-0{n + 1}", "status": "pdf", "pid": pid}
        (job / "job.json").write_text(json.dumps(state))
    try:
        report_jobs.start(fresh.home, reader, "2024", None, "kr-viewer", pdf=True)
    except Busy as exc:
        assert "still being made" in exc.detail
    else:
        raise AssertionError("a third PDF was started")
    # without a PDF it is made at once
    made = report_jobs.start(fresh.home, reader, "2024", None, "kr-viewer", pdf=False)
    assert made.status == "done" and made.file("html").is_file()
    # the workers of the two "running" jobs are gone: failed, and a PDF may start again
    for job in report_jobs.jobs(fresh.home, KOREA):
        if job.state["status"] == "pdf":
            (job.folder / "job.json").write_text(json.dumps(job.state | {"pid": 2**22 + 7}))
    statuses = sorted(j.status for j in report_jobs.jobs(fresh.home, KOREA))
    assert statuses == ["done", "failed", "failed"]
    assert report_jobs.job(fresh.home, KOREA, made.id).state["period"] == "2024"
    assert report_jobs.jobs(fresh.home, Viewer("kr-mofa", "JPN")) == []  # another viewer
    store.close()
