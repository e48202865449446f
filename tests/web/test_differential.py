"""The web differential test: for a Korean partner, every page, fragment and endpoint of
the workbench answers the same from the full workspace as from a workspace holding only
what that partner may see (design.md's releasability test, extended to the web routes).

Every GET route the app has is visited — a route added later without parameters here
fails the test — with every entity id of the full store (hidden ones included, which
must be answered as unknown ids are) and with queries that name hidden values. Only what
legitimately differs between two workspaces is normalised: CSRF and login tokens, and the
times at which the two workspaces were built (sources' retrieval times, sessions).
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import run_cli
from tests.web.test_auth import all_routes
from tests.web.test_one_entity import ofac_rows
from tests.web.workspace import Browser, add_duplicates, build, korean_view
from watchkeeper.investigations.resolver import ResolvedReader
from watchkeeper.model.marking import Viewer
from watchkeeper.settings import Settings, load_settings
from watchkeeper.store import open_store

QUERIES = [
    "kim",
    "김정은",
    "Pyongsecret",
    "NIGHTJAR",
    "9999991",
    "angara",
    "Covert",
    "SECRETALIAS",
    "Шойгу",
    "Ким Чен Ын",
    "Putin",
]
SUGGEST = ["k", "kim", "nigh", "ri p", "ang", "secretal", "김", "9999"]
EVENT_FILTERS = [
    "",
    "?sector=shipping",
    "?actor=wk-vessel-angara",
    "?actor=wk-us-nightjar",
    "?from=2025&to=2025-12",
]
FACETS = [
    "",
    "&schema=Vessel",
    "&schema=Person",
    "&list=OFAC",
    "&program=DPRK3",
    "&date=2025",
    "&country=kp",
]
# The assessment pages' choices, and items asked for by key: the US-only ones included.
ASSESS = [
    "/assess/estimates?measure=artillery_rounds_supplied",
    "/assess/estimates?measure=troops_deployed",
    "/assess/trackers?period=2025",
    "/assess/trackers?period=2024-Q4",
    "/assess/futures?as_of=2025-03-31",
    "/assess/items?mine=true",
    "/assess/item?ref=est-us-nightjar-rounds",
    "/assess/item?ref=prior:pyongsecret-collapse",
    "/assess/item?ref=prior:downgrade",
]
# The resolution queue's pages, filters and orders (its facets count visible pairs only).
QUEUE = [
    "",
    "?page=2",
    "?sort=name",
    "?sort=score-asc&page=1",
    "?dataset=us_ryom",
    "?dataset=ofac_test",
    "?programme=DPRK3",
    "?country=kp",
    "?band=0.95-1.00",
    "?schema=Person&sort=dataset",
]
# The Sharing page's previews (issue 23): partners the viewer may release to, hidden and
# unknown entities, the exercise, a partner that is no organisation.
SHARING = [
    "",
    "?to=jp-mofa",
    "?to=us-dia",
    "?to=nato&dataset=wk_sharing_exercise",
    "?to=jp-mofa&dataset=wk_sharing_exercise&history=true",
    "?to=jp-mofa&entity=wk-us-nightjar",
    "?to=us-dos&entity=wk-vessel-angara&entity=wk-us-pyongsecret",
    "?to=local&query=NIGHTJAR",
    "?to=local&dataset=us_notes",
    "?to=us-dia&since=2025-03-01",
    "?to=no-such-org",
]
NETWORK = ["?hops=3&implied=true", "?hops=2&type=UnknownLink", "?since=2025&max_hops=6"]
NORMALISED = [
    (re.compile(r'(name="csrf-token" content=")[^"]+'), r"\1<csrf>"),
    (re.compile(r'(name="csrf_token" value=")[^"]+'), r"\1<csrf>"),
    (re.compile(r'(name="login_token" value=")[^"]+'), r"\1<login>"),
    # the id a pasted record without one gets: new at each screening (screening.paste)
    (re.compile(r"\bweb-[0-9a-f]{12}\b"), "web-<new>"),
    # a judgment's id digests when it was made (the import's automatic links: made when
    # each workspace was built)
    (re.compile(r'("id": ")[0-9a-f]{16}(",\s*"organisation")'), r"\1<judgment>\2"),
    # a bundle's digest and id (the Sharing page, its log, a release): a bundle carries
    # each value's first-seen time, which for values written without dates is when the
    # workspace was built (those times themselves are normalised below)
    (re.compile(r"SHA-256 [0-9a-f]{16}…"), "SHA-256 <sha>…"),
    (re.compile(r'<code title="[0-9a-f]{64}">[0-9a-f]{16}…</code>'), "<code><sha></code>"),
    (re.compile(r"bundle--[0-9a-f-]{36}"), "bundle--<id>"),
]


def normalise(text: str) -> str:
    for pattern, replacement in NORMALISED:
        text = pattern.sub(replacement, text)
    # times of the build itself (sources retrieved today, sessions): not of the data
    # (yesterday's too: a run that crosses midnight builds one workspace on each day)
    now = datetime.now(UTC).date()
    days = "|".join(d.isoformat() for d in (now, now - timedelta(days=1)))
    return re.sub(f"({days})" + r"[T ][0-9:.+]*(Z|\+00:00)?", "<today>", text)


def pdf_text(content: bytes) -> str:
    """The text of a PDF's pages, normalised as pages are."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(content)
    pages = [pdf[n].get_textpage().get_text_range() for n in range(len(pdf))]
    return normalise("\n".join(pages))


@pytest.fixture(scope="module")
def workspaces(
    template_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Settings, Settings]:
    full = tmp_path_factory.mktemp("diff-full") / "home"
    shutil.copytree(template_home, full)
    filtered = tmp_path_factory.mktemp("diff-filtered") / "home"
    build(filtered, korean_view)
    settings = (
        load_settings({"WATCHKEEPER_HOME": str(full)}),
        load_settings({"WATCHKEEPER_HOME": str(filtered)}),
    )
    # the resolution queue's cases (one of them released to the USA alone)
    add_duplicates(settings[0])
    add_duplicates(settings[1], korean_view)
    # real list entries the bundled dataset records too: linked at import, one entity each
    rows = ofac_rows(tmp_path_factory.mktemp("diff-ofac"))
    for each in settings:
        run_cli(each.home, "import", "ofac-csv", str(rows), "--release-date", "2024-05-03")
    return settings


def entity_ids(settings: Settings) -> list[str]:
    """Entity ids of the full store as its own organisation sees them: every id hidden from
    the partner, every vessel, and the first few of every other schema."""
    store = open_store(settings)
    everyone = {v.id: v.schema for v in store.read(Viewer("us-dia", "USA")).entities()}
    partner = {v.id for v in store.read(Viewer("kr-mofa", "KOR")).entities()}
    chosen = {i for i in everyone if i not in partner}
    # and the canonical ids of the entities the workspace's judgments join
    chosen |= set(ResolvedReader(store.read(Viewer("local"))).resolution.members)
    chosen |= {"ofac-20157", "wk-person-kim-jong-un"}
    per_schema: dict[str, int] = {}
    for entity_id, schema in sorted(everyone.items()):
        per_schema[schema] = per_schema.get(schema, 0) + 1
        if schema == "Vessel" or per_schema[schema] <= 3:
            chosen.add(entity_id)
    store.close()
    return sorted(chosen)


def taxii_urls(app: Any) -> list[str]:
    """TAXII 2.1 as kr-mofa's users read it from the workspace's organisation: the
    collection, its pages, the manifest, and objects derived from ids of every kind."""
    from watchkeeper.sharing.taxii_server import collection_id

    publisher = app.state.service.settings.organisation
    base = f"/taxii2/watchkeeper/collections/{collection_id(publisher, 'kr-mofa')}/"
    return [
        "/taxii2/",
        "/taxii2/watchkeeper/",
        "/taxii2/watchkeeper/collections/",
        base,
        base + "objects/",
        base + "objects/?limit=7",
        base + "manifest/?added_after=2024-01-01T00:00:00Z",
        base + "objects/?match[type]=identity,relationship",
    ]


def urls(app: Any, ids: list[str]) -> list[str]:
    out: list[str] = []
    covered = set()
    sample = ids
    for route in all_routes(app):
        if "GET" not in route.methods:
            continue
        path = route.path_format  # without converters: {entity_id:path} is {entity_id}
        if path in (
            "/login",
            "/healthz",
            "/algorithms",
            "/openapi.json",
            "/docs",
            "/docs/oauth2-redirect",
            "/redoc",
            "/decisions",
        ):
            continue
        covered.add(path)
        if path in ("/search/{dataset}",):
            out += [f"/search/default?q={q}" for q in QUERIES]
        elif path == "/dossier/{entity_id}/download":
            # JSON and HTML (the PDF's bytes carry its creation time: compared below)
            out += [path.replace("{entity_id}", i) + "?format=json" for i in sample]
            out += [path.replace("{entity_id}", i) + "?format=html" for i in sample[:10]]
        elif path.startswith(("/network/", "/api/network/")):
            out += [path.replace("{entity_id}", i) for i in sample]
            out += [path.replace("{entity_id}", "wk-vessel-angara") + f for f in NETWORK]
        elif path == "/entities/{entity_id}" or "{entity_id}" in path:
            out += [path.replace("{entity_id}", i) for i in sample]
        elif path == "/entry/statement/{statement_id}":
            continue  # statement ids: covered through the entity pages' links below
        elif path == "/api/map/{layer}":
            out += [f"/api/map/{layer}" for layer in ("ports", "tracks", "detections", "alerts")]
        elif path in ("/search", "/api/search"):
            out += [f"{path}?q={q}" for q in QUERIES]
            out += [f"{path}?q={q}{f}" for q in QUERIES[:3] for f in FACETS]
        elif path in ("/suggest", "/api/suggest"):
            out += [f"{path}?q={q}" for q in SUGGEST]
        elif path in ("/timeline", "/api/events"):
            out += [path + f for f in EVENT_FILTERS]
        elif path.startswith("/assess/"):
            out.append(path)
            out += [url for url in ASSESS if url.startswith(path + "?")]
        elif path == "/resolve":
            out += [path + f for f in QUEUE]
        elif path == "/taxii2{rest}":
            out += taxii_urls(app)
        elif path in ("/sharing", "/sharing/confirm"):
            out += [path + f for f in SHARING]
        elif "{" in path:
            raise AssertionError(f"the differential test has no parameters for {path}")
        else:
            out.append(path)
    return out


@pytest.mark.parametrize(
    "username", ["kr-liaison"]
)  # an analyst: every page a viewer has, and the forms
def test_every_route_answers_the_same_from_both_workspaces(
    workspaces: tuple[Settings, Settings], username: str
) -> None:
    full_settings, filtered_settings = workspaces
    full, filtered = Browser(full_settings, username), Browser(filtered_settings, username)
    # the partner's resolution queue, filled by its own cross-reference in each workspace
    for browser in (full, filtered):
        browser.xref("kr-mofa")
    ids = entity_ids(full_settings)
    assert "wk-us-nightjar" in ids  # the hidden items are asked for too
    compared = 0
    for url in urls(full.client.app, ids):
        api = url.startswith(("/api/", "/search/", "/entities/"))
        taxii = url.startswith("/taxii2/")
        kinds = ("application/json",) if api else ("text/html",)
        for accept in ("application/taxii+json;version=2.1",) if taxii else kinds:
            a: Any = full.get(url, headers={"accept": accept})
            b: Any = filtered.get(url, headers={"accept": accept})
            assert a.status_code == b.status_code, (url, a.status_code, b.status_code)
            assert normalise(a.text) == normalise(b.text), url
            compared += 1
    # POSTed screening reads too
    for names in ("Kim Jong Un\nRi Pyongsecret\nNIGHTJAR", "김정은\nAngara"):
        for schema in ("Person", "Vessel"):
            form = {"names": names, "schema": schema}
            a = full.client.post("/screening", data={**form, "csrf_token": full.csrf})
            b = filtered.client.post("/screening", data={**form, "csrf_token": filtered.csrf})
            assert a.status_code == b.status_code == 200
            assert normalise(a.text) == normalise(b.text), names
    # decisions on a pasted record, then the decisions page, its exports and a re-screening
    record = json.dumps(
        {"schema": "Person", "names": ["Kim Jong Un"], "birth_dates": ["1984-01-08"],
         "countries": ["kp"], "ids": [], "korean": None}
    )  # fmt: skip
    for entity_id in ("wk-person-kim-jong-un", "wk-us-pyongsecret", "no-such-entity"):
        form = {"query_id": "CUST-D", "record": record, "entity_id": entity_id}
        form |= {"decision": "dismissed", "reason": "namesake"}
        a = full.client.post("/screening/decide", data={**form, "csrf_token": full.csrf})
        b = filtered.client.post("/screening/decide", data={**form, "csrf_token": filtered.csrf})
        assert a.status_code == b.status_code, entity_id
        assert normalise(a.text) == normalise(b.text), entity_id
    for url in ("/screening/decisions", "/screening/decisions.csv", "/screening/decisions.json"):
        a, b = full.get(url), filtered.get(url)
        assert a.status_code == b.status_code == 200 and "CUST-D" in a.text, url
        assert normalise(a.text) == normalise(b.text), url
    form = {"names": "Kim Jong Un; 1984-01-08; kp; ; CUST-D", "schema": "Person"}
    a = full.client.post("/screening", data={**form, "csrf_token": full.csrf})
    b = filtered.client.post("/screening", data={**form, "csrf_token": filtered.csrf})
    assert "same record, candidate unchanged" in a.text
    assert normalise(a.text) == normalise(b.text)
    # export controls: shipment lines whose parties are hidden from the partner, the same
    # through the JSON API, and a decision on one of them (issue 28)
    goods = "\n".join(
        f"микросхемы; 8542; Kazakhstan; {party}; NIGHTJAR"
        for party in ("Ri Pyongsecret", "Kim Jong Un", "SECRETALIAS", "Angara")
    )
    a = full.client.post("/goods", data={"text": goods, "csrf_token": full.csrf})
    b = filtered.client.post("/goods", data={"text": goods, "csrf_token": filtered.csrf})
    assert a.status_code == b.status_code == 200 and "микросхемы" in a.text
    assert normalise(a.text) == normalise(b.text)
    lines = [
        {"id": f"g{n}", "description": "ball bearings", "shipper": name, "vessel": name}
        for n, name in enumerate(("Ri Pyongsecret", "NIGHTJAR", "Kim Jong Un", "Angara"))
    ]
    headers = {"x-csrf-token": full.csrf}
    a = full.client.post("/api/goods/screen", json={"lines": lines}, headers=headers)
    headers = {"x-csrf-token": filtered.csrf}
    b = filtered.client.post("/api/goods/screen", json={"lines": lines}, headers=headers)
    assert a.status_code == b.status_code == 200 and a.json() == b.json()
    line = json.dumps({"id": "p1", "description": "микросхемы", "hs_code": "8542",
                       "destination": "Kazakhstan", "shipper": "Ri Pyongsecret"})  # fmt: skip
    form = {"line": line, "decision": "escalate", "reason": "hidden party?"}
    a = full.client.post("/goods/decide", data={**form, "csrf_token": full.csrf})
    b = filtered.client.post("/goods/decide", data={**form, "csrf_token": filtered.csrf})
    assert a.status_code == b.status_code == 200
    assert normalise(a.text) == normalise(b.text)
    # a release from the Sharing page: the same file from both, and the same log after
    form = {"to": "jp-mofa", "confirm": "yes", "format": "stix", "csrf_token": ""}
    a = full.client.post("/sharing/release", data={**form, "csrf_token": full.csrf})
    b = filtered.client.post("/sharing/release", data={**form, "csrf_token": filtered.csrf})
    assert a.status_code == b.status_code == 200
    assert normalise(a.text) == normalise(b.text)
    a, b = full.get("/sharing"), filtered.get("/sharing")
    assert "jp-mofa" in a.text.split('id="release-log"')[1]
    assert normalise(a.text) == normalise(b.text)
    # the statement forms linked from the entity pages
    page = full.get("/entity/wk-person-kim-jong-un").text  # type: ignore[attr-defined]
    for link in re.findall(r'href="(/entry/statement/[^"]+)"', page):
        link = link.replace("&amp;", "&")
        a, b = full.get(link), filtered.get(link)
        assert a.status_code == b.status_code and normalise(a.text) == normalise(b.text), link
    # the dossier as PDF: the same pages of text (its bytes carry its creation time)
    for entity_id in ("wk-vessel-angara", "wk-us-nightjar", "wk-person-kim-jong-un"):
        url = f"/dossier/{entity_id}/download?format=pdf"
        a, b = full.client.get(url), filtered.client.get(url)
        assert a.status_code == b.status_code, url
        if a.status_code == 200:
            assert pdf_text(a.content) == pdf_text(b.content), url
    # the monitoring report, made in each workspace: the same HTML and PDF text
    made = [b.post("/reports", {"period": "2025", "pdf": "true"}) for b in (full, filtered)]
    jobs = [m.headers["location"].split("made=")[1] for m in made]  # type: ignore[attr-defined]
    a, b = (
        browser.client.get(f"/reports/download?job={job}&format=html")
        for browser, job in zip((full, filtered), jobs, strict=True)
    )
    assert a.status_code == b.status_code == 200 and normalise(a.text) == normalise(b.text)
    listed = [normalise(browser.get("/reports").text) for browser in (full, filtered)]  # type: ignore[attr-defined]
    assert re.sub(r"[0-9a-f]{16}", "<job>", listed[0]) == re.sub(
        r"[0-9a-f]{16}", "<job>", listed[1]
    )
    assert compared > 150
