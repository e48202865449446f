"""The resolution queue at list scale (issue 25, item 6): "Find new suggestions" runs in
the background with its progress readable by every worker, one run per organisation at a
time; the queue is paged, filtered (programme, country, dataset, score band, type) and
sorted, each pair with both sides' key properties side by side."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import entity, source, write
from tests.web.workspace import Browser
from watchkeeper.investigations.jobs import Progress, Running, XrefJobs
from watchkeeper.settings import Settings
from watchkeeper.store import open_store

WORDS = [
    "ALDER",
    "BIRCH",
    "CEDAR",
    "DAPHNE",
    "ELMWOOD",
    "FIRTREE",
    "GORSE",
    "HAZEL",
    "IRIS",
    "JUNIPER",
    "KALE",
    "LARCH",
    "MAPLE",
    "NETTLE",
    "OAKLEY",
    "POPLAR",
    "QUINCE",
    "ROWAN",
    "SPRUCE",
    "TANSY",
    "ULEX",
    "VETCH",
    "WILLOW",
    "YARROW",
    "ZINNIA",
    "ASPEN",
    "BRYONY",
    "CLOVER",
    "DOCKEN",
    "ELDER",
]
PLACES = [
    "MARLOW",
    "PENRITH",
    "KESWICK",
    "ALSTON",
    "BOWNESS",
    "CARTMEL",
    "DENTDALE",
    "GRASMERE",
    "HAWES",
    "IREBY",
    "KENDAL",
    "LORTON",
    "MILLOM",
    "NENTHEAD",
    "ORTON",
    "PATTERDALE",
    "RAVENGLASS",
    "SEDBERGH",
    "TEBAY",
    "ULPHA",
    "WASDALE",
    "YANWATH",
    "ASKHAM",
    "BRAMPTON",
    "CALDBECK",
    "DACRE",
    "EGREMONT",
    "FURNESS",
    "GOSFORTH",
    "HESKET",
]
PAIRS = len(WORDS)


def text(response: Any) -> str:
    assert response.status_code == 200, (response.status_code, response.text[:300])
    return str(response.text)


def pairs_on(page: str) -> list[tuple[str, str]]:
    return re.findall(
        r'name="left" value="([^"]+)">\s*<input type="hidden" name="right" value="([^"]+)"', page
    )


def add_listed_twins(settings: Settings) -> None:
    """Thirty people, each listed in two datasets under his name written two ways with
    the same birth date: half North Korean with a DPRK3 designation, half Russian."""
    store = open_store(settings)
    un, ofac = [], []
    for n, (word, place) in enumerate(zip(WORDS, PLACES, strict=True)):
        korean = n % 2 == 0
        country = "kp" if korean else "ru"
        born = f"19{50 + n}-0{1 + n % 9}-1{n % 10}"
        un.append(
            entity(
                "Person", f"q-un-{n}", "un_q", name=f"{word} {place}", birthDate=born,
                nationality=country,
            )
        )  # fmt: skip
        ofac.append(
            entity("Person", f"q-ofac-{n}", "ofac_q", name=f"{word}, {place}", birthDate=born)
        )
        if korean:
            un.append(
                entity(
                    "Sanction", f"q-un-{n}-sanction", "un_q", entity=f"q-un-{n}",
                    authority="US OFAC", program="DPRK3",
                )
            )  # fmt: skip
    write(store, un, source("un_q", "2025-02-01"), full_release=False)
    write(store, ofac, source("ofac_q", "2025-02-01"), full_release=False)
    store.close()


def test_the_queue_is_paged_filtered_and_sorted_with_both_sides_compared(
    fresh: Settings,
) -> None:
    add_listed_twins(fresh)
    analyst = Browser(fresh, "analyst")
    state: Any = analyst.xref("local")
    assert state.queued >= PAIRS
    first = text(analyst.get("/resolve?dataset=un_q"))
    assert f"{PAIRS} pairs to review" in first and "page 1 of 2" in first
    shown = pairs_on(first)
    second = pairs_on(text(analyst.get("/resolve?dataset=un_q&page=2")))
    assert len(shown) == 25 and len(second) == PAIRS - 25
    everything = set(shown) | set(second)
    assert len(everything) == PAIRS
    assert everything == {(f"q-ofac-{n}", f"q-un-{n}") for n in range(PAIRS)}
    # both sides' key properties side by side: names, birth date, programme, datasets
    assert 'class="compare"' in first
    assert "ALDER MARLOW" in first and "ALDER, MARLOW" in first and "1950-01-10" in first
    assert "DPRK3" in first and "un_q" in first and "ofac_q" in first
    # filters: a pair matches when either side does; the counts are the pairs'
    korean = text(analyst.get("/resolve?dataset=un_q&programme=DPRK3"))
    assert f"{PAIRS // 2} pairs to review" in korean
    assert all(int(left.rsplit("-", 1)[1]) % 2 == 0 for left, _ in pairs_on(korean))
    russian = text(analyst.get("/resolve?dataset=un_q&country=ru"))
    assert f"{PAIRS // 2} pairs to review" in russian
    assert all(int(left.rsplit("-", 1)[1]) % 2 == 1 for left, _ in pairs_on(russian))
    assert "0 pairs to review" in text(analyst.get("/resolve?dataset=un_q&schema=Vessel"))
    bands = re.findall(r'band=([0-9.-]+)">[^<]+</a> \((\d+)\)', first)
    assert bands and sum(int(n) for _, n in bands) == PAIRS
    for band, count in bands:
        banded = text(analyst.get(f"/resolve?dataset=un_q&band={band}"))
        assert f"{count} pairs to review" in banded, band
    # orders
    by_name = pairs_on(text(analyst.get("/resolve?dataset=un_q&sort=name")))
    names = [WORDS[int(left.rsplit("-", 1)[1])] for left, _ in by_name]
    assert names == sorted(WORDS)[:25]
    low = pairs_on(text(analyst.get("/resolve?dataset=un_q&sort=score-asc&page=2")))
    high = pairs_on(text(analyst.get("/resolve?dataset=un_q&sort=score")))
    assert set(low) <= set(high) or len(low) == PAIRS - 25
    # bad input: refused, one line
    bad: Any = analyst.get("/resolve?sort=sideways")
    assert bad.status_code in (400, 422) and "\n" not in bad.text.strip()
    # a decision takes the pair out at once (not after a cache's time)
    decided: Any = analyst.post(
        "/resolve/decide",
        {"left": "q-ofac-0", "right": "q-un-0", "verdict": "same", "reason": "same man"},
    )
    assert decided.status_code == 303
    after = text(analyst.get("/resolve?dataset=un_q"))
    assert f"{PAIRS - 1} pairs to review" in after and ("q-ofac-0", "q-un-0") not in pairs_on(after)


def _held(release: threading.Event, started: threading.Event) -> Any:
    def work(progress: Progress) -> tuple[int, int, int]:
        progress("blocking", 3, 10)
        started.set()
        release.wait(60)
        return (5, 1, 4)

    return work


def test_a_run_is_one_per_organisation_and_its_progress_is_read_by_every_worker(
    tmp_path: Path,
) -> None:
    here, other_worker = XrefJobs(tmp_path), XrefJobs(tmp_path)
    release, started = threading.Event(), threading.Event()
    here.start("org-a", "analyst1", _held(release, started))
    assert started.wait(60)
    seen = other_worker.state("org-a")
    assert seen is not None and seen.running and (seen.done, seen.total) == (3, 10)
    assert seen.phase == "blocking" and seen.by == "analyst1"
    with pytest.raises(Running):
        other_worker.start("org-a", "analyst2", _held(threading.Event(), threading.Event()))
    # another process (another worker of the server, a command) is refused too
    refused = subprocess.run(
        [sys.executable, "-c", _START_ELSEWHERE, str(tmp_path), "org-a"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert refused.stdout.strip() == "refused"
    # another organisation's run is its own
    done_b = threading.Event()
    other_worker.start("org-b", "x", lambda progress: (done_b.set(), (0, 0, 0))[1])
    assert other_worker.wait("org-b", 60).state == "done"  # type: ignore[union-attr]
    release.set()
    end = here.wait("org-a", 60)
    assert end is not None and end.state == "done" and (end.found, end.queued) == (5, 4)
    assert other_worker.state("org-a") == end
    # once ended, a new run may start
    here.start("org-a", "analyst1", lambda progress: (1, 0, 1))
    assert here.wait("org-a", 60).found == 1  # type: ignore[union-attr]


_START_ELSEWHERE = """
import sys, time
from pathlib import Path
from watchkeeper.investigations.jobs import Running, XrefJobs
try:
    XrefJobs(Path(sys.argv[1])).start(sys.argv[2], "elsewhere", lambda progress: (0, 0, 0))
except Running:
    print("refused")
"""
_HOLD_ELSEWHERE = """
import sys, threading
from pathlib import Path
from watchkeeper.investigations.jobs import XrefJobs
XrefJobs(Path(sys.argv[1])).start(sys.argv[2], "elsewhere", lambda progress: threading.Event().wait())
print("started", flush=True)
threading.Event().wait()
"""


def test_a_run_whose_process_ended_reads_as_interrupted_and_may_start_again(
    tmp_path: Path,
) -> None:
    worker = subprocess.Popen(
        [sys.executable, "-c", _HOLD_ELSEWHERE, str(tmp_path), "org-a"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout is not None and worker.stdout.readline().strip() == "started"
        jobs = XrefJobs(tmp_path)
        assert jobs.state("org-a").running  # type: ignore[union-attr]
    finally:
        worker.kill()
        worker.wait()
    assert jobs.state("org-a").state == "interrupted"  # type: ignore[union-attr]
    jobs.start("org-a", "again", lambda progress: (2, 0, 2))
    assert jobs.wait("org-a", 60).state == "done"  # type: ignore[union-attr]


def test_the_page_shows_a_run_s_progress_and_refuses_a_second(fresh: Settings) -> None:
    analyst = Browser(fresh, "analyst")
    jobs = analyst.client.app.state.workbench.xref_jobs  # type: ignore[attr-defined]
    release, started = threading.Event(), threading.Event()
    jobs.start("local", "analyst", _held(release, started))
    try:
        assert started.wait(60)
        page = text(analyst.get("/resolve"))
        assert "<progress" in page and "3 of 10 entities compared" in page
        assert 'action="/resolve/xref"' not in page  # no second start offered
        fragment = text(analyst.get("/resolve/job"))
        assert 'hx-trigger="every 2s"' in fragment  # the page asks again while it runs
        second: Any = analyst.post("/resolve/xref")
        assert second.status_code == 409 and "running already" in second.json()["detail"]
        # the partner's organisation reads nothing of it
        partner = Browser(fresh, "kr-liaison").get("/resolve/job")
        assert "entities compared" not in text(partner)
    finally:
        release.set()
        jobs.wait("local", 60)
    as_json: Any = analyst.get("/resolve/job", headers={"accept": "application/json"})
    assert as_json.json()["state"] == "done" and as_json.json()["queued"] == 4
    assert "4 to review" in text(analyst.get("/resolve"))
