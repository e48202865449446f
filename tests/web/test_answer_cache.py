"""The answers the workbench keeps per read state and viewer (``Ctx.answer``), and the pages
it renders from them (``Ctx.page``): one viewer's never reaches another whose visible
markings differ, one user's page never shows another user, and any write — in this
process or another — replaces them at the next request.

Both users below talk to one app (one process, one cache): a US analyst, who sees the
values released to the USA alone, asks first, so that
every answer it is given is in the cache when the Korean partner asks the same paths.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from tests.web.workspace import SECRETS, Browser
from watchkeeper.settings import Settings

# Paths whose answers are cached, each shown to both users. ANGARA and Kim Jong Un exist
# for both, with values and links the partner may not see; Pyongsecret and NIGHTJAR exist
# for the analyst alone. The queries are in lower case: the pages repeat them as asked.
PATHS = (
    "/entity/wk-vessel-angara",
    "/entity/wk-person-kim-jong-un",
    "/entity/wk-us-nightjar",
    "/search?q=pyongsecret",
    "/search?q=nightjar",
    "/suggest?q=pyongs",
    "/suggest?q=nightj",
    "/api/suggest?q=nightj",
    "/api/search?q=pyongsecret",
    "/api/entities/wk-person-kim-jong-un",
    "/api/entities/wk-us-nightjar",
    "/api/entities/wk-vessel-angara/track",
    "/api/network/wk-vessel-angara",
    "/api/network/wk-vessel-angara?hops=2",
    "/api/map/tracks",
    "/api/map/detections",
)


def _pair(settings: Settings, first: str = "analyst") -> tuple[Browser, Browser]:
    analyst = Browser(settings, first)
    partner = Browser(settings)
    partner.client = TestClient(analyst.client.app, base_url="https://testserver")
    partner.login("kr-liaison")
    return analyst, partner


def _answers(browser: Browser) -> dict[str, Any]:
    return browser.client.app.state.service.store.read_cache._pools["answer"]  # type: ignore[attr-defined,no-any-return]


def _leaks(body: str) -> list[str]:
    return [s for s in SECRETS if s in body]  # as written (the ids asked for are lower-case)


def test_a_second_viewer_never_gets_the_first_viewers_cached_answer(shared: Settings) -> None:
    analyst, partner = _pair(shared, "us-analyst")
    # (each login lands on the overview, whose answers are kept too: counted apart)
    landed = set(_answers(analyst))
    seen = {}
    for path in PATHS:
        response: Any = analyst.get(path)
        assert response.status_code == 200, (path, response.status_code)
        seen[path] = _leaks(response.text)
    # the cache holds what the analyst may see, the values released to the USA alone...
    for path in (
        "/entity/wk-vessel-angara",
        "/api/network/wk-vessel-angara",
        "/search?q=pyongsecret",
    ):
        assert seen[path], path
    cached = _answers(analyst)
    made = [key for key in cached if key not in landed]
    viewers = {key[1][2] for key in made}
    assert len(made) >= len(PATHS) and len(viewers) == 1
    # ...and asked again, the analyst gets them from it (no new entry)
    before = len(cached)
    assert _leaks(analyst.get("/entity/wk-vessel-angara").text)  # type: ignore[attr-defined]
    assert len(cached) == before
    for path in PATHS:
        response = partner.get(path)
        assert response.status_code in (200, 404), (path, response.status_code)
        assert not _leaks(response.text), (path, _leaks(response.text))
        if "nightjar" in path and not path.startswith("/search"):
            assert response.status_code == 404, path
    # the partner's answers were made for it: entries of its own, none reused
    assert len({key[1][2] for key in cached}) == 2
    assert len(cached) >= 2 * len(PATHS) - 2  # (404s keep their "not found" as one entry)


def test_a_write_replaces_the_cached_answers(fresh: Settings) -> None:
    analyst, partner = _pair(fresh)
    page = analyst.get("/entity/wk-vessel-angara").text  # type: ignore[attr-defined]
    row = next(r for r in page.split("<tr") if ">ANGARA<" in r and "/entry/statement/" in r)
    link = re.search(r'href="(/entry/statement/[^"?]+)', row)
    assert link
    statement_id = link.group(1).rsplit("/", 1)[1]
    for _ in range(2):  # asked twice: the second answer comes from the cache
        assert statement_id in partner.get("/entity/wk-vessel-angara").text  # type: ignore[attr-defined]
        hits = partner.get("/api/search?q=ANGARA").json()  # type: ignore[attr-defined]
        assert "wk-vessel-angara" in {h["id"] for h in hits["results"]}

    # a write through this process: the same cache's next answers follow it
    done: Any = analyst.post(
        link.group(1),
        {
            "action": "remark",
            "reason": "US only",
            "entity": "wk-vessel-angara",
            "tlp": "GREEN",
            "rel_to": "USA",
        },
    )
    assert done.status_code == 303, done.text
    assert statement_id not in partner.get("/entity/wk-vessel-angara").text  # type: ignore[attr-defined]
    assert statement_id in analyst.get("/entity/wk-vessel-angara").text  # type: ignore[attr-defined]

    # a write through another process (another app over the same workspace): this one's
    # cache follows at its next request, by the store's stamp
    other = Browser(fresh, "analyst")
    before = partner.get("/api/network/wk-vessel-angara").json()  # type: ignore[attr-defined]
    assert before["nodes"]
    neighbour = next(n["id"] for n in before["nodes"] if n["id"] != "wk-vessel-angara")
    again = partner.get("/api/network/wk-vessel-angara").json()  # type: ignore[attr-defined]
    assert again == before  # from the cache, the same answer
    page = other.get(f"/entity/{neighbour}").text  # type: ignore[attr-defined]
    links = sorted(set(re.findall(r'href="(/entry/statement/[^"?]+)', page)))
    assert links
    for each in links:  # every value of the neighbour re-marked: it no longer exists for KOR
        done = other.post(
            each, {"action": "remark", "reason": "US only", "tlp": "GREEN", "rel_to": "USA"}
        )
        assert done.status_code == 303, done.text
    after = partner.get("/api/network/wk-vessel-angara").json()  # type: ignore[attr-defined]
    assert neighbour not in {n["id"] for n in after["nodes"]}
    assert partner.get(f"/entity/{neighbour}").status_code == 404  # type: ignore[attr-defined]


def test_a_kept_page_is_the_callers_own(fresh: Settings) -> None:
    """Two users of one organisation see the same data, yet each page names its own user
    and carries its own session's CSRF token, also when the other asked first; the
    language is the caller's too."""
    viewer = Browser(fresh, "viewer")
    analyst = Browser(fresh)
    analyst.client = TestClient(viewer.client.app, base_url="https://testserver")
    analyst.login("analyst")
    pages = viewer.client.app.state.workbench.pages
    for path in ("/entity/wk-vessel-angara", "/search?q=angara", "/suggest?q=ang"):
        first = viewer.get(path).text  # type: ignore[attr-defined]
        assert viewer.get(path).text == first  # type: ignore[attr-defined]  # kept, the same
        kept = len(pages)
        second = analyst.get(path).text  # type: ignore[attr-defined]
        assert len(pages) == kept + 1  # a page of its own
        if path.startswith("/suggest"):
            assert second == first  # a fragment: no user in it, the same text
            continue
        assert ">viewer · local" in first and ">analyst · local" in second
        assert ">analyst · local" not in first and ">viewer · local" not in second
        csrf = re.findall(r'name="csrf-token" content="([^"]+)"', first + second)
        assert len(set(csrf)) == 2
    korean = analyst.get(  # type: ignore[attr-defined]
        "/entity/wk-vessel-angara", headers={"accept-language": "ko"}
    ).text
    assert korean != analyst.get("/entity/wk-vessel-angara").text  # type: ignore[attr-defined]


def test_a_kept_page_follows_the_ais_files(fresh: Settings) -> None:
    """A vessel's page shows the identities its AIS files hold: the page is kept only while
    those files stay as they are."""
    from watchkeeper.web import geo

    analyst = Browser(fresh, "analyst")
    bench = analyst.client.app.state.workbench
    analyst.get("/entity/wk-vessel-angara")
    (entry,) = [k for k in bench.pages if k[3] == "/entity/wk-vessel-angara"]
    assert entry[-1] == geo.ais_versions(bench) and entry[-1]


# The screening API's routes, which keep the entities they show per viewer's read state
# (``Caller.renderer``). The US analyst asks first, then the Korean partner.
API_PATHS = (
    "/entities/wk-vessel-angara",
    "/entities/wk-vessel-angara?nested=false",
    "/entities/wk-person-kim-jong-un?nested=false",
    "/entities/wk-us-nightjar?nested=false",
    "/search/default?q=angara",
    "/search/default?q=pyongsecret",
)


def test_the_api_keeps_each_viewers_entities_apart(shared: Settings) -> None:
    analyst, partner = _pair(shared, "us-analyst")
    match = {"queries": {"q": {"schema": "Person", "properties": {"name": ["Kim Jong Un"]}}}}
    bodies: dict[str, dict[str, str]] = {}
    for who, browser in (("analyst", analyst), ("partner", partner)):
        for path in API_PATHS:
            response: Any = browser.client.get(path)
            assert response.status_code in (200, 404), (who, path, response.status_code)
            bodies.setdefault(path, {})[who] = response.text
        response = browser.client.post("/match/default", json=match, headers=_csrf(browser))
        assert response.status_code == 200, response.text
        bodies.setdefault("/match", {})[who] = response.text
    assert _leaks(bodies["/entities/wk-vessel-angara"]["analyst"])  # the analyst's were kept
    assert _leaks(bodies["/match"]["analyst"])
    for path, answers in bodies.items():
        assert not _leaks(answers["partner"]), (path, _leaks(answers["partner"]))
    kept = [k for k in _answers(analyst) if k[1][1] == "rendered entities"]
    assert len({k[1][2] for k in kept}) == 2  # one memo per viewer


def _csrf(browser: Browser) -> dict[str, str]:
    return {"x-csrf-token": browser.csrf}


def test_a_correction_made_elsewhere_is_followed_at_the_next_request(fresh: Settings) -> None:
    """A re-marking made by another process (the command line, another worker of the
    server) takes the value away at this process's next request, through every path that
    reads the screening index or the names' index: the answers are those of a process
    started after the correction. (Before, they waited for the background check, up to
    ten seconds and the index's reload: the re-marked name still matched, counted and
    completed.)"""
    analyst, partner = _pair(fresh)
    match = {"queries": {"q": {"schema": "Vessel", "properties": {"name": ["ANGARA"]}}}}
    paths = ("/suggest?q=angar", "/api/suggest?q=angar", "/search/default?q=angara")

    def answers(browser: Browser) -> dict[str, str]:
        out = {p: browser.client.get(p).text for p in paths}
        done = browser.client.post("/match/default", json=match, headers=_csrf(browser))
        out["/match"] = done.text
        return out

    before = answers(partner)  # every answer kept, and the indexes loaded
    assert "ANGARA" in before["/suggest?q=angar"]
    page = analyst.get("/entity/wk-vessel-angara").text  # type: ignore[attr-defined]
    rows = [r for r in page.split("<tr") if ">ANGARA<" in r and "/entry/statement/" in r]
    links = [re.search(r'href="(/entry/statement/[^"?]+)', r) for r in rows]
    assert links and all(links)
    elsewhere = Browser(fresh, "analyst")  # another process over the same workspace
    for link in links:
        assert link is not None
        done: Any = elsewhere.post(
            link.group(1),
            {"action": "remark", "reason": "US only", "tlp": "GREEN", "rel_to": "USA"},
        )
        assert done.status_code == 303, done.text
    after = answers(partner)
    started_after = Browser(fresh, "kr-liaison")  # a process that never saw the name
    assert after == answers(started_after)
    assert "ANGARA" not in after["/suggest?q=angar"]
    assert after != before


def test_a_recheck_that_finds_nothing_new_keeps_the_answers(fresh: Settings) -> None:
    """Every RECHECK_SECONDS a viewer's read state and screener are read again (judgments
    and review decisions do not move the store's stamp); when nothing they read has
    changed, they are kept as they were, and so are the answers derived from them. A
    review decision recorded by another process makes a new screener."""
    analyst = Browser(fresh, "analyst")
    service = analyst.client.app.state.service
    viewer = analyst.client.app.state.workbench.accounts.user("analyst").viewer
    state = service.read(viewer)
    screener = service.screener(viewer, resolution=state[3])
    service._reader_checked[viewer] = 0.0  # as if RECHECK_SECONDS had passed
    cached = service._screeners[viewer]
    service._screeners[viewer] = (0.0, *cached[1:])
    assert service.read(viewer) is state
    assert service.screener(viewer, resolution=state[3]) is screener

    service.store.record_decision(
        {
            "organisation": viewer.organisation,
            "query_id": "q1",
            "entity_id": "wk-vessel-angara",
            "decision": "dismissed",
            "reason": "another vessel",
            "decided_by": "ana",
            "decided_at": "2026-12-07",
            "fingerprint": "x",
        }
    )
    cached = service._screeners[viewer]
    service._screeners[viewer] = (0.0, *cached[1:])
    assert service.screener(viewer, resolution=state[3]) is not screener


def test_autocompletion_is_answered_from_what_is_kept_until_the_store_moves(
    fresh: Settings,
) -> None:
    """A prefix asked again is answered from the kept read state, names' index, answer
    and page (on the event loop, without a thread); once another process has written,
    none of it is taken as kept."""
    from watchkeeper.web.service import kept_answer

    analyst = Browser(fresh, "analyst")
    app: Any = analyst.client.app
    service, suggestions = app.state.service, app.state.workbench.suggestions
    viewer = app.state.workbench.accounts.user("analyst").viewer
    first = analyst.get("/suggest?q=ang").text  # type: ignore[attr-defined]
    state, built = service.peek(viewer), suggestions.peek()
    assert state is not None and built is not None
    found, items = kept_answer(viewer, state, "suggest", "ang", depends_on=built)
    assert found and "ANGARA" in {i.name.strip() for i in items}
    assert analyst.get("/suggest?q=ang").text == first  # type: ignore[attr-defined]
    # Hangul is completed by the screener: kept for it the same way
    korean = analyst.get("/suggest?q=김정은").text  # type: ignore[attr-defined]
    screener = service.peek_screener(viewer, state)
    assert screener is not None
    found, items = kept_answer(viewer, state, "suggest", "김정은", depends_on=screener)
    assert found and "wk-person-kim-jong-un" in {i.entity_id for i in items}
    assert analyst.get("/suggest?q=김정은").text == korean  # type: ignore[attr-defined]

    page = analyst.get("/entity/wk-vessel-angara").text  # type: ignore[attr-defined]
    link = re.search(r'href="(/entry/statement/[^"?]+)', page)
    assert link
    done: Any = Browser(fresh, "analyst").post(
        link.group(1), {"action": "remark", "reason": "US only", "tlp": "GREEN", "rel_to": "USA"}
    )
    assert done.status_code == 303, done.text
    assert service.peek(viewer) is None


# The pages kept whole (issue 25, item 7): each for its caller and query, while what it
# was made of stays the same — including what does not move the store's read state.
KEPT_PAGES = ("/", "/alerts", "/timeline", "/dossier/wk-vessel-angara", "/resolve")


def test_kept_pages_are_each_viewers_own(shared: Settings) -> None:
    """The overview, alerts, timeline, dossier and review queue are kept once asked; the
    Korean partner, asking after the US analyst, gets pages made for it: nothing of the
    analyst's values."""
    analyst, partner = _pair(shared, "us-analyst")
    pages = analyst.client.app.state.workbench.pages
    for path in KEPT_PAGES:
        first: Any = analyst.get(path)
        assert first.status_code == 200, (path, first.status_code)
        assert analyst.get(path).text == first.text, path  # type: ignore[attr-defined]
        assert any(k[3] == path.split("?")[0] for k in pages), path
    for path in KEPT_PAGES:
        response: Any = partner.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert not _leaks(response.text), (path, _leaks(response.text))


def _open_alert(browser: Browser) -> str:
    page = browser.get("/alerts?open=1").text  # type: ignore[attr-defined]
    found = re.findall(r'name="alert_id" value="([^"]+)"', page)
    assert found
    return found[0]


def test_an_acknowledgement_is_seen_on_the_kept_alerts_and_overview(fresh: Settings) -> None:
    """Acknowledging does not move the store's read state: the kept alerts list and
    overview follow the organisation's acknowledgements all the same."""
    analyst = Browser(fresh, "analyst")
    alert = _open_alert(analyst)
    overview = analyst.get("/").text  # type: ignore[attr-defined]
    assert f'href="/entity/{alert}"' in overview
    assert analyst.get("/").text == overview  # type: ignore[attr-defined]  # kept
    done: Any = analyst.post(
        "/alerts/acknowledge", {"alert_id": alert, "note": "read", "filters": "open=1"}
    )
    assert done.status_code == 303, done.text
    assert f'value="{alert}"' not in analyst.get("/alerts?open=1").text  # type: ignore[attr-defined]
    assert f'href="/entity/{alert}"' not in analyst.get("/").text  # type: ignore[attr-defined]
    assert alert in analyst.get("/alerts").text  # type: ignore[attr-defined]  # still listed


def test_a_decision_is_seen_on_the_kept_dossier(fresh: Settings) -> None:
    """The dossier lists the organisation's screening decisions on the entity: recorded
    (here by another process, straight into the store), it is on the next dossier."""
    analyst = Browser(fresh, "analyst")
    path = "/dossier/wk-vessel-angara"
    before = analyst.get(path).text  # type: ignore[attr-defined]
    assert analyst.get(path).text == before  # type: ignore[attr-defined]  # kept
    assert "an unmistakable reason" not in before
    viewer = analyst.client.app.state.workbench.accounts.user("analyst").viewer
    analyst.client.app.state.service.store.record_decision(
        {
            "organisation": viewer.organisation,
            "query_id": "q1",
            "entity_id": "wk-vessel-angara",
            "decision": "confirmed",
            "reason": "an unmistakable reason",
            "decided_by": "ana",
            "decided_at": "2026-12-08",
            "fingerprint": "x",
        }
    )
    assert "an unmistakable reason" in analyst.get(path).text  # type: ignore[attr-defined]
