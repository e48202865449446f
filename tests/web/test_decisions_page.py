"""Screening decisions in the workbench (issue 25): records pasted with birth dates,
countries and identifiers; hit cards to decide on; decisions bound to the record and the
candidate's version; the decisions page, its filters, exports and reopening; CSV cells a
spreadsheet will not run; CSRF on the decisions API for session callers."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.web.workspace import Browser
from watchkeeper.exports.cells import original
from watchkeeper.settings import Settings
from watchkeeper.web.routers import decisions_page


def ok(response: Any) -> str:
    assert response.status_code == 200, (response.status_code, response.text[:300])
    return str(response.text)


def screen(browser: Browser, names: str, schema: str = "Person", output: str = "html") -> Any:
    return browser.client.post(
        "/screening",
        data={"csrf_token": browser.csrf, "names": names, "schema": schema, "output": output},
    )


def hit_form(page: str, entity_id: str) -> dict[str, str]:
    """The decide form of the hit on ``entity_id``: its hidden fields."""
    for form in re.findall(r'<form class="decide".*?</form>', page, re.S):
        fields = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', form))
        if fields.get("entity_id") == entity_id:
            return {k: html.unescape(v) for k, v in fields.items()}
    raise AssertionError(f"no decide form for {entity_id}")


def decide(browser: Browser, form: dict[str, str], decision: str, reason: str) -> str:
    data = {**form, "decision": decision, "reason": reason, "csrf_token": browser.csrf}
    return ok(browser.client.post("/screening/decide", data=data))


KIM = "wk-person-kim-jong-un"


def test_a_decision_holds_for_its_record_only(fresh: Settings) -> None:
    """Item 1: on main, a dismissal bound to sha1(schema|name) hid every later hit on
    that name: the same name with another birth date came back "No candidate."."""
    browser = Browser(fresh, "analyst")
    page = ok(screen(browser, "Kim Jong Un; 1984-01-08; kp; ; CUST-1"))
    form = hit_form(page, KIM)
    assert form["query_id"] == "CUST-1" and json.loads(form["record"])["birth_dates"]
    made = decide(browser, form, "dismissed", "customer is his namesake")
    assert "dismissed" in made and "namesake" in made
    # the same record again: the hit is shown with the decision, which may be reopened
    again = ok(screen(browser, "Kim Jong Un; 1984-01-08; kp; ; CUST-1"))
    assert f'href="/entity/{KIM}"' in again
    assert "dismissed by analyst on" in html.unescape(again)
    assert "(same record, candidate unchanged)" in again and "/screening/reopen" in again
    # the same customer id with another birth date, and the same name pasted without an
    # id: other records, screened afresh (the hit raised, with a form to decide on)
    other = ok(screen(browser, "Kim Jong Un; 1991-03-02; kp; ; CUST-1\nKim Jong Un"))
    assert "No candidate." not in other
    assert hit_form(other, KIM)["query_id"] == "CUST-1"
    assert len(re.findall(rf'name="entity_id" value="{KIM}"', other)) == 2
    # another organisation's decisions are its own
    partner = Browser(fresh, "kr-liaison")
    theirs = ok(screen(partner, "Kim Jong Un; 1984-01-08; kp; ; CUST-1"))
    assert hit_form(theirs, KIM) and "namesake" not in theirs


def test_the_decisions_page_filters_exports_and_reopens(
    fresh: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 2: on main there is no decisions page (``/decisions`` is raw JSON)."""
    browser = Browser(fresh, "analyst")
    # a line with an IMO number screens as a vessel when "Person" is chosen
    page = ok(screen(browser, "Kim Jong Un; 1984-01-08; kp; ; CUST-9\nIMO 9179842"))
    decide(browser, hit_form(page, KIM), "confirmed", '=HYPERLINK("http://x")')
    decide(browser, hit_form(page, "wk-vessel-angara"), "dismissed", "another ship")
    listing = ok(browser.get("/screening/decisions"))
    assert 'href="/screening/decisions"' in listing  # in the navigation
    assert "CUST-9" in listing and "Kim Jong Un" in listing and "another ship" in listing
    assert "OFAC:20157" in listing and "same birth date" in listing  # candidate, explanation
    # filters: verdict, who, query text, entity, list, when
    only = ok(browser.get("/screening/decisions?verdict=dismissed"))
    assert "another ship" in only and "CUST-9" not in only
    assert "another ship" not in ok(browser.get("/screening/decisions?query=CUST-9"))
    assert "CUST-9" in ok(browser.get("/screening/decisions?entity=kim"))
    assert "CUST-9" in ok(browser.get("/screening/decisions?list=OFAC:20157"))
    assert "another ship" not in ok(browser.get("/screening/decisions?list=OFAC:20157"))
    assert "CUST-9" not in ok(browser.get("/screening/decisions?who=nobody"))
    assert "CUST-9" not in ok(browser.get("/screening/decisions?until=2000"))
    # a long log: the page shows the newest, the exports carry every decision
    monkeypatch.setattr(decisions_page, "MAX_SHOWN", 1)
    short = ok(browser.get("/screening/decisions"))
    assert short.count('<tr id="decision-') == 1 and "the newest shown" in short
    assert len(browser.client.get("/screening/decisions.json").json()["decisions"]) == 2
    monkeypatch.undo()
    # exports: CSV cells neutralised, JSON values unchanged
    exported = browser.client.get("/screening/decisions.csv?query=CUST-9")
    assert exported.headers["content-type"].startswith("text/csv")
    (row,) = list(csv.DictReader(io.StringIO(exported.text)))
    assert row["reason"] == '\'=HYPERLINK("http://x")' and original(row["reason"]).startswith("=")
    assert row["entity_id"] == KIM and row["score"] and row["release"] and row["record_hash"]
    data = browser.client.get("/screening/decisions.json?query=CUST-9").json()["decisions"]
    assert data[0]["reason"] == '=HYPERLINK("http://x")' and data[0]["config"]
    # reopening: a new decision that supersedes; nothing deleted
    reopened = browser.client.post(
        "/screening/reopen",
        data={"csrf_token": browser.csrf, "decision_id": data[0]["id"], "reason": "new facts"},
    )
    assert "reopened" in ok(reopened)
    after = browser.client.get("/screening/decisions.json?query=CUST-9").json()["decisions"]
    assert [d["decision"] for d in after] == ["reopened", "confirmed"]
    assert after[0]["supersedes"] == data[0]["id"] and after[1]["superseded"]
    # the hit is to be decided again
    fresh_page = ok(screen(browser, "Kim Jong Un; 1984-01-08; kp; ; CUST-9"))
    assert hit_form(fresh_page, KIM) and "reopened" in fresh_page
    # another organisation sees none of it, and cannot reopen it
    partner = Browser(fresh, "kr-liaison")
    assert "CUST-9" not in ok(partner.get("/screening/decisions"))
    assert partner.client.get("/screening/decisions.json").json() == {"decisions": []}
    refused = partner.client.post(
        "/screening/reopen",
        data={"csrf_token": partner.csrf, "decision_id": data[0]["id"], "reason": "x"},
    )
    assert refused.status_code == 404


def test_identifiers_birth_dates_and_countries_are_screened(fresh: Settings) -> None:
    """Item 3: on main ``IMO 9179842`` pasted as a Vessel gave "No candidate."."""
    browser = Browser(fresh, "analyst")
    page = ok(screen(browser, "IMO 9179842", "Vessel"))
    assert 'href="/entity/wk-vessel-angara"' in page and "same IMO 9179842" in page
    # the birth date and the country are compared
    kim = html.unescape(ok(screen(browser, "Kim Jong Un; 1984-01-08; kp")))
    assert "same birth date" in kim and "same country" in kim
    # a bad line is a one-line error naming the line
    bad = screen(browser, "Kim Jong Un\nKim; 8 January 1984")
    assert bad.status_code == 400 and "line 2" in bad.text
    # documented on the page, with examples
    form = ok(browser.get("/screening"))
    assert "name; birth date; country; identifiers; record id" in form
    assert "IMO 9179842" in form


def test_hit_cards_show_what_to_decide_on(fresh: Settings) -> None:
    """Item 4: on main a hit card gave the name, list ids and the score only."""
    browser = Browser(fresh, "analyst")
    page = html.unescape(ok(screen(browser, "Kim Jong Un; 1990-05-05; ru")))
    card = page[page.index(f'href="/entity/{KIM}"') :]
    card = card[: card.index("</form>")]
    assert "Birth dates" in card and "1984-01-08" in card
    assert "Nationalities and countries" in card and "kp" in card
    assert "Programmes" in card and "DPRK3" in card
    assert "List ids" in card and "OFAC:20157" in card
    rows = dict(re.findall(r"<tr class=\"[a-z-]+\"><td>([a-z ]+)</td><td>([a-z ]+)</td>", card))
    assert rows["name"] == "agrees"
    assert rows["birth date"] == "disagrees" and rows["country"] == "disagrees"
    vessel = html.unescape(ok(screen(browser, "IMO 9179842", "Vessel")))
    assert "Strongest identifiers" in vessel and "IMO 9179842" in vessel
    assert "RUSSIA-EO14024" in vessel


def test_screening_csv_cells_are_neutralised(fresh: Settings) -> None:
    browser = Browser(fresh, "analyst")
    exported = screen(browser, "=ANGARA; ; ; IMO 9179842; =cmd", "Vessel", output="csv")
    rows = list(csv.reader(io.StringIO(ok(exported))))
    assert rows[1][0] == "'=cmd" and rows[1][1] == "'=ANGARA"
    assert rows[1][rows[0].index("entity_id")] == "wk-vessel-angara"


def test_the_decisions_api_needs_the_csrf_token_with_a_session(fresh: Settings) -> None:
    browser = Browser(fresh, "analyst")
    body = {"query_id": "q", "entity_id": KIM, "decision": "dismissed", "reason": "x"}
    forged = browser.client.post("/decisions", json=body)
    assert forged.status_code == 403
    # a form-typed post (what another site's page can send) is checked by csrf_protect
    as_form = browser.client.post("/decisions", data=body)
    assert as_form.status_code == 403 and "CSRF" in as_form.text
    sent = browser.client.post("/decisions", json=body, headers={"X-CSRF-Token": browser.csrf})
    assert sent.status_code == 200, sent.text


def test_batch_screening_files_neutralise_formula_cells(tmp_path: Path, fresh: Settings) -> None:
    from watchkeeper.model.marking import Viewer
    from watchkeeper.screening import Screener
    from watchkeeper.screening.batch import screen_file
    from watchkeeper.screening.index import build
    from watchkeeper.store import open_store

    store = open_store(fresh)
    screener = Screener.for_viewer(build(store), store, Viewer("local", None))
    queries = tmp_path / "in.csv"
    queries.write_text("id,name,schema\n=1+1,ANGARA,Vessel\n@x,,Person\n", encoding="utf-8")
    out, errors = tmp_path / "out.csv", tmp_path / "errors.csv"
    screen_file(screener, queries, out, errors)
    assert list(csv.reader(out.open()))[1][0] == "'=1+1"
    assert list(csv.reader(errors.open()))[1][1] == "'@x"
    store.close()


def test_the_navigation_marks_one_page_as_current(shared: Settings) -> None:
    """The decisions page lives under /screening: its navigation marks Decisions alone as
    the current page (the longest entry the path begins with), Screening on /screening."""
    browser = Browser(shared, "analyst")
    for path, current in (
        ("/screening/decisions", "/screening/decisions"),
        ("/screening", "/screening"),
    ):
        nav = ok(browser.get(path)).split("</nav>", 1)[0]
        assert re.findall(r'href="([^"]+)" aria-current="page"', nav) == [current], path
