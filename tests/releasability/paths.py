"""Every read path a viewer has, as a function of (workspace, viewer) -> plain data.

The differential test runs each of them on the full store and on the store holding only
what the viewer may see, and requires equal answers. A new read path (a command, a
route, a page, an export) is added here, and is then compared for every world and
viewer the test generates.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.releasability.world import NAMES, WORKSPACE, entity_id
from watchkeeper import views
from watchkeeper.cli import app as cli_app
from watchkeeper.errors import WatchkeeperError
from watchkeeper.exports import write_ftm, write_statements
from watchkeeper.investigations import dossier
from watchkeeper.investigations.judgments import link_list_entries
from watchkeeper.investigations.queue import run as queue_run
from watchkeeper.investigations.resolver import ResolvedReader, merge_matches
from watchkeeper.maritime.alerts import acknowledge_alert, list_alerts
from watchkeeper.model.marking import Viewer
from watchkeeper.screening import Screener, build
from watchkeeper.screening.lookup import Found, find
from watchkeeper.screening.review import record_query
from watchkeeper.screening.score import Query
from watchkeeper.screening.screener import visible_log
from watchkeeper.settings import Settings, load_settings
from watchkeeper.store import Store
from watchkeeper.theater.overview import build_overview
from watchkeeper.web.app import create_app

# Every entity id a world can name, links included, and a few that never exist.
IDS = [entity_id(i) for i in range(8)] + [f"l{i}" for i in range(8)]
QUERIES = [("Person", n) for n in NAMES[:5]] + [("Company", n) for n in NAMES[5:]]
QUERIES += [("Vessel", "OCEAN STAR"), ("LegalEntity", "KIM JONG UN")]
# Links through one property (forward and reverse), and one no schema has.
ADJACENT = [
    "sanctions",
    "directorshipDirector",
    "ownershipAsset",
    "unknownLinkTo",
    "involved",
    "entity",
    "director",
    "nosuchproperty",
]


@dataclass
class Workspace:
    store: Store
    settings: Settings
    viewer: Viewer
    tmp: Path


def _plain(data: Any) -> Any:
    """JSON-able, floats to the fourth decimal (scores are compared to that precision)."""
    if isinstance(data, float):
        return round(data, 4)
    if isinstance(data, dict):
        return {str(k): _plain(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_plain(v) for v in data]
    if isinstance(data, set | frozenset):
        return sorted(_plain(v) for v in data)
    return data


def _attempt(fn: Callable[[], Any]) -> Any:
    try:
        return _plain(fn())
    except WatchkeeperError as exc:  # the error text is an answer too
        return {"error": type(exc).__name__, "detail": exc.detail}


# -- the library (what the CLI and the web layer call) ---------------------------------------


def show(ws: Workspace) -> Any:
    reader = ws.store.read(ws.viewer)
    refs = [*IDS, *NAMES[::3]]
    return {ref: _attempt(lambda ref=ref: views.detail(reader, ref)) for ref in refs}


def entities_by_id(ws: Workspace) -> Any:
    reader = ws.store.read(ws.viewer)
    out = {}
    for ref in IDS:
        for ended in (False, True):
            view = reader.entity(ref, include_ended=ended)
            out[f"{ref}:{ended}"] = (
                None
                if view is None
                else _plain(
                    {
                        "schema": view.schema,
                        "caption": view.caption,
                        "props": view.entity.to_dict()["properties"],
                    }
                )
            )
        out[f"{ref}:referencing"] = [v.id for v in reader.referencing(ref)]
    return out


def search(ws: Workspace) -> Any:
    reader = ws.store.read(ws.viewer)
    out = {}
    for text in [*NAMES[::2], "kim", "o", "IMO9179842", "123456", "X1"]:
        for schema in (None, "LegalEntity"):
            found = reader.search(text, schema=schema, limit=5)
            out[f"{text}|{schema}"] = [found.total, [views.summary(e) for e in found.results]]
    return _plain(out)


def stats(ws: Workspace) -> Any:
    return _plain(ws.store.read(ws.viewer).stats())


def sources_list(ws: Workspace) -> Any:
    return _plain(ws.store.read(ws.viewer).sources())


def exports(ws: Workspace) -> Any:
    reader = ws.store.read(ws.viewer)
    out: dict[str, Any] = {}
    buffer = io.StringIO()
    write_ftm(reader, buffer)
    out["ftm"] = buffer.getvalue()
    for ended in (False, True):
        buffer = io.StringIO()
        write_statements(reader, buffer, include_ended=ended)
        out[f"statements:{ended}"] = sorted(csv.reader(io.StringIO(buffer.getvalue())))
    return out


def graph_helpers(ws: Workspace) -> Any:
    reader = ws.store.read(ws.viewer)
    return _plain(
        {
            "ids": {
                s: reader.entity_ids(s) for s in ("Thing", "Person", "Vessel", "Event", "Sanction")
            },
            "most_referenced": reader.most_referenced(20),
            "statement_ids": {ref: reader.statement_ids(ref) for ref in IDS},
        }
    )


def alert_list(ws: Workspace) -> Any:
    out: dict[str, Any] = {"before": _plain(list_alerts(ws.store.read(ws.viewer)))}
    for ref in IDS:  # acknowledging: an id the viewer cannot see is one that does not exist
        done = _attempt(
            lambda ref=ref: acknowledge_alert(
                ws.store, ws.store.read(ws.viewer), ref, "tester", "seen"
            )
        )
        if isinstance(done, dict):
            done.pop("at", None)
        out[f"ack {ref}"] = done
    after = _plain(list_alerts(ws.store.read(ws.viewer)))
    for alert in after:
        if alert["acknowledged"]:
            alert["acknowledged"].pop("at", None)
    out["after"] = after
    return out


def overview(ws: Workspace) -> Any:
    data = asdict(build_overview(ws.store.read(ws.viewer)))
    data["events_by_sector_year"] = sorted(
        [list(k), v] for k, v in data["events_by_sector_year"].items()
    )
    return _plain(data)


def analysis_reads(ws: Workspace) -> Any:
    """What analytic products read (``Reader.for_analysis``: facts only): entities,
    links, sources and the events the trackers build on."""
    from watchkeeper.assessment.trackers import read_events

    reader = ws.store.read(ws.viewer).for_analysis()
    out: dict[str, Any] = {
        "sources": reader.sources(),
        "events": [asdict(e) for e in read_events(reader)],
        "ids": {s: reader.entity_ids(s) for s in ("Thing", "Event", "Sanction")},
    }
    for ref in IDS:
        view = reader.entity(ref)
        out[ref] = None if view is None else view.entity.to_dict()["properties"]
        out[f"{ref}:referencing"] = [v.id for v in reader.referencing(ref)]
    return _plain(out)


def audit(ws: Workspace) -> Any:
    return _plain(ws.store.read(ws.viewer).audit())


def screening(ws: Workspace) -> Any:
    screener = Screener.for_viewer(build(ws.store), ws.store, ws.viewer)
    out: dict[str, Any] = {"size": screener.view.size}
    for schema, name in QUERIES:
        # the candidates the benchmark gives another scorer (issue 27): what match scores
        candidates = screener.candidates(Query("q", schema, (name,)), limit=5)
        out[f"candidates {schema}:{name}"] = sorted(
            (asdict(c) for c in candidates), key=lambda c: str(c["id"])
        )
        found = screener.match(Query("q", schema, (name,)), limit=5, threshold=0.5)
        out[f"{schema}:{name}"] = [
            [
                m.entity.id,
                m.entity.schema,
                m.score,
                m.match,
                m.explain(),
                sorted(dict(m.features).items()),
                m.entity.list_ids,
                m.entity.datasets,
            ]
            for m in found
        ]
    for ref in IDS:
        out[f"entity:{ref}"] = _attempt(lambda ref=ref: asdict(screener.entity(ref)))
        out[f"decide:{ref}"] = _attempt(
            lambda ref=ref: {
                k: v
                for k, v in screener.decide(
                    ws.store, ws.viewer, "q1", ref, "dismissed", "not him", "tester"
                ).items()
                if k != "decided_at"
            }
        )
        # bound to a record: its score, explanation and list releases are kept
        record = Query("r1", "Person", (NAMES[0],), ("1970",), ("kp",))
        out[f"decide record:{ref}"] = _attempt(
            lambda ref=ref, record=record: {
                k: v
                for k, v in screener.decide(
                    ws.store, ws.viewer, record, ref, "confirmed", "him", "tester"
                ).items()
                if k != "decided_at"
            }
        )
    log = ws.store.decisions(ws.viewer.organisation)
    out["decisions"] = [{k: v for k, v in d.items() if k != "decided_at"} for d in log]
    # the log as the decisions page and exports show it, and each decision replayed
    again = Screener.for_viewer(build(ws.store), ws.store, ws.viewer)
    out["decisions shown"] = [d["id"] for d in visible_log(again, log)]
    out["replayed"] = [
        [m.score, m.explain()] if (m := again.replay(d)) is not None else None for d in log
    ]
    for d in log:  # reviews as a re-screening shows them
        query = record_query(d["query_id"], d["record"])
        if query is not None:
            out[f"review {d['id']}"] = [
                [m.entity.id, m.review.decision["id"], m.review.standing] if m.review else None
                for m in again.match(query, limit=5, threshold=0.3)
            ]
    return _plain(out)


def assessment(ws: Workspace) -> Any:
    """What the workbench's assessment pages and the ``assess`` commands show: estimates
    and their conflicts and spreads, the trackers, the futures (steps, ACH), the items
    (with their owners' markings as the viewer may read them) and the report."""
    from watchkeeper.assessment import estimates as est
    from watchkeeper.assessment import futures as fut
    from watchkeeper.assessment import report, trackers
    from watchkeeper.assessment.periods import parse_period
    from watchkeeper.assessment.sources import shown_marking
    from watchkeeper.store.assessment import read_estimates, read_judgments

    reader = ws.store.read(ws.viewer)
    items = est.estimates(reader)
    found = est.conflicts(items)
    events = trackers.read_events(reader)
    futures = fut.futures(reader, events)
    built = report.build(reader, parse_period("2024"))
    return _plain(
        {
            "estimates": [asdict(e) | {"marking": shown_marking(e.marking, ws.viewer)} for e in items],
            "conflicts": [c.reason for c in found],
            "spreads": [asdict(s) for s in est.spreads(items, found)],
            "sectors": [[r.sector, r.events, r.first, r.last, r.shares] for r in trackers.sector_tracker(events)],
            "capabilities": [asdict(c) for c in trackers.capability_tracker(reader, events, items)],
            "posterior": [asdict(p) for p in futures.posterior],
            "steps": [asdict(s) for s in futures.steps],
            "series": futures.series(),
            "ach": asdict(futures.ach) if futures.ach else None,
            "items": sorted(
                [e.id, e.record.key, e.provenance.marking.key]
                for e in [*read_estimates(reader), *read_judgments(reader)]
            ),
            "report": [built.data, built.charts, [asdict(r) for r in built.references], built.markings],
        }
    )  # fmt: skip


def sharing(ws: Workspace) -> Any:
    """What leaves for the viewer as a partner (issue 23): STIX bundles of several
    selections, a signed package (a fixed key: the two workspaces' own keys differ), and
    the release log as the releasing organisation keeps it (less the time, and how much
    was withheld, which counts what the releasing organisation sees beyond the
    recipient: its own business, not the recipient's view)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from watchkeeper.errors import Conflict
    from watchkeeper.sharing.gate import Selection, release
    from watchkeeper.sharing.package import pack
    from watchkeeper.store.sharing import releases

    releasing = Viewer(WORKSPACE, "USA")
    with suppress(Conflict):  # the recipient is a registered organisation in both
        ws.store.add_organisation(ws.viewer.organisation, ws.viewer.country)
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    out: dict[str, Any] = {}
    selections = {
        "all": Selection(),
        "history": Selection(history=True),
        "entities": Selection(entities=("e0", "e3", "l1", "e7")),
        "dataset": Selection(dataset="lists", history=True),
        "since": Selection(since="2024-06-01"),
        "query": Selection(query="kim"),
    }
    for name, selection in selections.items():
        done = _attempt(
            lambda s=selection: release(
                ws.store, releasing, ws.viewer.organisation, s, by="tester"
            ).data.decode()
        )
        out[name] = done
    out["package"] = _attempt(
        lambda: release(
            ws.store,
            releasing,
            ws.viewer.organisation,
            Selection(),
            by="tester",
            fmt="package",
            wrap=lambda data: pack(data, WORKSPACE, ws.viewer.organisation, key),
        ).data.hex()
    )
    out["log"] = [
        {k: v for k, v in entry.items() if k not in ("at", "id", "withheld_count")}
        for entry in releases(ws.store, WORKSPACE)
    ]
    return out


def taxii(ws: Workspace) -> Any:
    """TAXII 2.1 as the viewer's organisation reads it from the workspace's (issue 23):
    collections, every page of objects and manifests (cursors and date headers
    included), each object and its versions, ids it may not see (the same 404 as ids
    that do not exist), filters, and the pages in the publisher's log."""
    from watchkeeper.errors import Conflict
    from watchkeeper.sharing.vocab import derived_id
    from watchkeeper.store.sharing import releases

    with suppress(Conflict):  # the recipient is a registered organisation in both
        ws.store.add_organisation(ws.viewer.organisation, ws.viewer.country)
    env = {**_env(ws), "WATCHKEEPER_ORG": WORKSPACE, "WATCHKEEPER_COUNTRY": "USA",
           "WATCHKEEPER_API_KEYS": f"taxii-key={ws.viewer.organisation}"}  # fmt: skip
    auth = {"Authorization": "ApiKey taxii-key", "Accept": "application/taxii+json;version=2.1"}
    out: dict[str, Any] = {}

    def get(path: str, **params: str) -> list[Any]:
        answer = api.get(path, params=params, headers=auth)
        dates = [answer.headers.get(f"x-taxii-date-added-{end}") for end in ("first", "last")]
        return [answer.status_code, answer.json(), dates]

    def walk(path: str, **params: str) -> list[Any]:
        pages = [get(path, **params)]
        while pages[-1][1].get("more"):
            pages.append(get(path, **params, next=pages[-1][1]["next"]))
        return pages

    with TestClient(create_app(load_settings(env))) as api:
        root = "/taxii2/watchkeeper/collections/"
        out["collections"] = found = get(root)
        for collection in found[1].get("collections", []) or [{"id": "none"}]:
            base = f"{root}{collection['id']}/"
            out["collection"] = get(base)
            out["objects"] = objects = walk(base + "objects/")
            out["objects by 3"] = walk(base + "objects/", limit="3")
            out["manifest by 2"] = walk(base + "manifest/", limit="2")
            for since in ("2020-01-01T00:00:00Z", "2024-06-01T00:00:00.000Z"):
                out[f"after {since}"] = walk(base + "manifest/", added_after=since)
            for kind in ("identity", "relationship", "wk-vessel", "marking-definition"):
                out[f"type {kind}"] = walk(base + "objects/", **{"match[type]": kind})
            ids = [o["id"] for page in objects for o in page[1].get("objects", [])]
            # every id the world can name, as each kind of object: seen or not, one answer
            ids += [derived_id(kind, ref) for ref in IDS
                    for kind in ("identity", "relationship", "wk-vessel", "wk-sanction")]  # fmt: skip
            for ref in sorted(set(ids)):
                out[f"object {ref}"] = get(f"{base}objects/{ref}/")
                out[f"versions {ref}"] = get(f"{base}objects/{ref}/versions/")
            out["by id"] = walk(base + "objects/", **{"match[id]": ",".join(sorted(set(ids)))})
    out["log"] = [
        {k: v for k, v in entry.items() if k not in ("at", "id", "withheld_count")}
        for entry in releases(ws.store, WORKSPACE)
        if entry["format"] == "taxii-2.1"
    ]


def sharing_preview(ws: Workspace) -> Any:
    """The Sharing page's reads (issue 23, item 7): the release preview and the marking
    matrix. As the viewer's recipient (what would go to it; what stays home is the
    releasing organisation's own business, as in ``sharing``), and as the releasing
    organisation itself (what it would give a registered partner, what it would withhold
    and why, and which of its markings reach whom)."""
    from watchkeeper.errors import Conflict
    from watchkeeper.sharing.gate import Selection
    from watchkeeper.sharing.preview import audiences, partners, preview

    for org, country in ((ws.viewer.organisation, ws.viewer.country), ("partner-p", "JPN")):
        with suppress(Conflict):  # registered organisations in both stores
            ws.store.add_organisation(org, country)
    selections = {
        "all": Selection(),
        "history": Selection(history=True),
        "entities": Selection(entities=("e0", "e3", "l1", "e7")),
        "query": Selection(query="kim"),
    }
    out: dict[str, Any] = {}
    to_viewer = Viewer(WORKSPACE, "USA")

    def shown(releasing: Viewer, to: str, selection: Selection) -> dict[str, Any]:
        found = preview(ws.store, releasing, to, selection)
        return {**asdict(found), "reasons": found.reasons}

    for name, selection in selections.items():
        found = _attempt(lambda s=selection: shown(to_viewer, ws.viewer.organisation, s))
        if "error" not in found:
            found = {k: found[k] for k in ("released", "values", "size", "sha256")}
        out[f"to viewer {name}"] = found
        out[f"from viewer {name}"] = _attempt(lambda s=selection: shown(ws.viewer, "partner-p", s))
    reader = ws.store.read(ws.viewer)
    out["audiences"] = _plain([asdict(a) for a in audiences(reader, partners(ws.store, ws.viewer))])
    return out


def linked_entries(ws: Workspace) -> Any:
    """Entries sharing a list id linked as the viewer's organisation (what an import
    does), then read as canonical entities: the links made, search through the merged
    screener, and each id as the resolved reader gives it. (The links stay: the command
    line and HTTP paths after this one read the canonical entities too.)"""
    index = build(ws.store)
    linked = link_list_entries(ws.store, ws.store.read(ws.viewer), index)
    out: dict[str, Any] = {
        "linked": sorted((j.left, j.right, j.rule, j.evidence, j.marking.key) for j in linked)
    }
    resolved = ResolvedReader(ws.store.read(ws.viewer))
    screener = Screener.for_viewer(index, ws.store, ws.viewer)
    screener.merge = partial(merge_matches, resolution=resolved.resolution)
    for text in [*NAMES[:6], "kim", "X1"]:
        found = _attempt(lambda text=text: find(screener, resolved, text, limit=5))
        out[f"find {text}"] = (
            found
            if not isinstance(found, Found)
            else [found.total, [[e.id, views.members(e), e.caption] for e in found.results]]
        )
    for ref in IDS:
        view = resolved.entity(ref)
        out[f"resolved {ref}"] = None if view is None else [view.id, views.members(view)]
    return _plain(out)


def dossiers(ws: Workspace) -> Any:
    """The dossier of each id (issue 26: every path to a designated entity, the records
    joined or proposed with their values, a vessel's particulars and history, what is not
    known), after the viewer's organisation ran xref so that proposals are pending; the
    build time and the judgments' and decisions' own times and ids left out (each
    workspace made its own, a second apart)."""
    index = build(ws.store)
    queue_run(ws.store, ws.store.read(ws.viewer), index)
    out: dict[str, Any] = {}
    for ref in IDS:

        def one(ref: str = ref) -> Any:
            data = dossier.build(ws.store, ws.store.read(ws.viewer), ref, max_hops=3)
            data.pop("generated")
            for judgment in [*data["judgments"], *data["screening_decisions"]]:
                judgment.pop("decided_at", None)
                judgment.pop("id", None)
            return data

        out[ref] = _attempt(one)
    return out


def goods_screening(ws: Workspace) -> Any:
    """Shipment lines whose parties and vessel are the world's names: the party hits are
    the viewer's screener's, so they differ only by what the viewer may see."""
    from watchkeeper.tradecontrol.screen import ShipmentScreen
    from watchkeeper.tradecontrol.shipments import ShipmentLine

    screen = ShipmentScreen(
        Screener.for_viewer(build(ws.store), ws.store, ws.viewer), threshold=0.5
    )
    lines = [
        ShipmentLine(i, f"g{i}", "микросхемы", "", destination="RU", shipper=name,
                     consignee=NAMES[-1 - i % len(NAMES)], vessel="OCEAN STAR")
        for i, name in enumerate(NAMES)
    ]  # fmt: skip
    return _plain([screen.row(screen.screen(line)) for line in lines])


LIBRARY: dict[str, Callable[[Workspace], Any]] = {
    "show": show,
    "entities": entities_by_id,
    "search": search,
    "stats": stats,
    "sources list": sources_list,
    "exports": exports,
    "graph helpers": graph_helpers,
    "alerts": alert_list,
    "overview": overview,
    "analysis reads (facts only)": analysis_reads,
    "audit": audit,
    "screening and review": screening,
    "assessment": assessment,
    "sharing": sharing,
    "taxii": taxii,
    "sharing preview": sharing_preview,
    "linked list entries": linked_entries,
    "dossiers": dossiers,
    "goods screening": goods_screening,
}


# -- the command line ------------------------------------------------------------------------


def _env(ws: Workspace) -> dict[str, str]:
    env = {
        "WATCHKEEPER_HOME": str(ws.settings.home),
        "WATCHKEEPER_ORG": ws.viewer.organisation,
        "WATCHKEEPER_COUNTRY": ws.viewer.country or "",
    }
    if ws.settings.database_url:
        env["WATCHKEEPER_DATABASE_URL"] = ws.settings.database_url
    return env


def cli(ws: Workspace) -> Any:
    runner = CliRunner()
    env = _env(ws)
    out: dict[str, Any] = {}

    def run(*args: str) -> Any:
        result = runner.invoke(cli_app, list(args), env=env)
        return [result.exit_code, result.stdout, result.stderr]

    for ref in ["e0", "e1", "l0", "KIM JONG UN"]:
        out[f"show {ref}"] = run("show", ref, "--json")
    out["search"] = run("search", "kim", "--json")
    out["stats"] = run("stats", "--json")
    out["sources"] = run("sources", "list", "--json")
    out["alerts"] = run("alerts", "--json")
    out["audit"] = run("audit", "--json")
    for command in ("estimates", "sectors", "capabilities", "futures", "ach"):
        out[f"assess {command}"] = run("assess", command, "--json")
    for kind in ("ftm", "statements"):
        target = ws.tmp / f"export.{kind}"
        out[f"export {kind}"] = run("export", kind, "-o", str(target))
        out[f"export {kind} file"] = sorted(target.read_text().splitlines())
    # what leaves for the viewer's organisation (registered by the library path)
    target = ws.tmp / "bundle.json"
    out["share export"] = run("share", "export", "--for", ws.viewer.organisation, "-o", str(target))
    out["share export file"] = target.read_text() if target.exists() else None
    out["share log"] = [
        {k: v for k, v in entry.items() if k not in ("at", "id", "withheld_count")}
        for entry in json.loads(run("share", "log", "--json")[1] or "[]")
    ]
    target = ws.tmp / "ended.csv"
    run("export", "statements", "--include-ended", "-o", str(target))
    out["export ended file"] = sorted(target.read_text().splitlines())
    queries = ws.tmp / "queries.csv"
    queries.write_text(
        "id,name,schema\n" + "".join(f"q{i},{n},{s}\n" for i, (s, n) in enumerate(QUERIES)),
        encoding="utf-8",
    )
    hits = ws.tmp / "hits.csv"
    out["screen"] = run("screen", str(queries), "-o", str(hits), "--json")[0:2]
    out["screen file"] = hits.read_text()
    shipments = ws.tmp / "shipments.csv"
    shipments.write_text(
        "id;description;hs_code;destination;shipper;vessel\n"
        + "".join(f"s{i};集成电路;8542;AE;{n};OCEAN STAR\n" for i, n in enumerate(NAMES)),
        encoding="utf-8",
    )
    flags = ws.tmp / "flags.csv"
    out["goods screen"] = run("goods", "screen", str(shipments), "-o", str(flags), "--json")[0:2]
    out["goods screen file"] = flags.read_text()
    code, text, _ = run("review", "list", "--json")
    # when a decision was taken differs between the two runs, not what it says
    decisions = [{k: v for k, v in d.items() if k != "decided_at"} for d in json.loads(text)]
    out["review"] = [code, sorted(decisions, key=lambda d: (d["query_id"], d["entity_id"]))]
    # paths of temporary files differ between the two workspaces
    return json.loads(json.dumps(out).replace(str(ws.tmp), "TMP"))


# -- HTTP --------------------------------------------------------------------------------------


@contextmanager
def client(ws: Workspace) -> Iterator[TestClient]:
    settings = load_settings(_env(ws))
    with TestClient(create_app(settings)) as api:
        yield api


def http(ws: Workspace) -> Any:
    out: dict[str, Any] = {}
    with client(ws) as api:
        body = {
            "queries": {
                f"q{i}": {"schema": schema, "properties": {"name": [name]}}
                for i, (schema, name) in enumerate(QUERIES)
            }
        }
        for dataset in ("default", "lists", "notes"):
            answer = api.post(f"/match/{dataset}?threshold=0.5", json=body)
            out[f"match {dataset}"] = [answer.status_code, _plain(answer.json())]
        answer = api.post("/match/default?threshold=0.5&topics=sanction", json=body)
        assert answer.status_code == 200, answer.text
        out["match topics"] = [answer.status_code, _plain(answer.json())]
        for text in ("kim", "OCEAN STAR", "JOHN SMITH"):
            answer = api.get("/search/default", params={"q": text, "schema": "LegalEntity"})
            out[f"search {text}"] = [answer.status_code, _plain(answer.json())]
        # facets, filters and sorting over everything (an empty query lists all)
        for params in (
            {"schema": "Thing", "facets": ["countries", "datasets", "topics", "schema"]},
            {"schema": "Thing", "countries": "kp", "sort": "caption:asc"},
            {"schema": "Thing", "filter": "properties.flag:kp", "target": "true"},
        ):
            answer = api.get("/search/default", params=params)
            assert answer.status_code == 200, answer.text  # compared, not refused in both
            out[f"search {params}"] = [answer.status_code, _plain(answer.json())]
        catalog = api.get("/catalog").json()
        for entry in catalog.get("datasets", []):
            entry.pop("updated_at", None)  # when each store was built
        out["catalog"] = catalog
        for ref in IDS:
            answer = api.get(f"/entities/{ref}")
            out[f"entity {ref}"] = [answer.status_code, answer.json()]
            answer = api.get(f"/entities/{ref}", params={"nested": "false"})
            out[f"entity {ref} flat"] = [answer.status_code, answer.json()]
            answer = api.get(f"/entities/{ref}/adjacent")
            out[f"adjacent {ref}"] = [answer.status_code, answer.json()]
            for prop in ADJACENT:  # totals and pages through one property
                for page in ({}, {"limit": 1, "offset": 1}):
                    answer = api.get(f"/entities/{ref}/adjacent/{prop}", params=page)
                    out[f"adjacent {ref} {prop} {page}"] = [answer.status_code, answer.json()]
            answer = api.post(
                "/decisions",
                json={
                    "query_id": "h1",
                    "entity_id": ref,
                    "decision": "confirmed",
                    "reason": "same",
                },
            )
            data = answer.json()
            if isinstance(data, dict):
                data.pop("decided_at", None)
            out[f"decide {ref}"] = [answer.status_code, data]
        decisions = api.get("/decisions").json()
        for d in decisions.get("decisions", []):
            d.pop("decided_at", None)
        out["decisions"] = decisions
    return out


PATHS: dict[str, Callable[[Workspace], Any]] = {**LIBRARY, "cli": cli, "http": http}


# -- Spark -------------------------------------------------------------------------------------


def spark_screen(ws: Workspace) -> Any:
    """``screen --engine spark``'s batch: executors get the viewer's part of the index."""
    from watchkeeper.screening.spark import screen_file_spark

    queries = ws.tmp / "spark-queries.csv"
    queries.write_text(
        "id,name,schema\n" + "".join(f"q{i},{n},{s}\n" for i, (s, n) in enumerate(QUERIES)),
        encoding="utf-8",
    )
    hits, errors = ws.tmp / "spark-hits.csv", ws.tmp / "spark-errors.csv"
    screener = Screener.for_viewer(build(ws.store), ws.store, ws.viewer)
    summary = screen_file_spark(screener, queries, hits, errors, min_score=0.0, partitions=2)
    return [_plain(asdict(summary)), hits.read_text(encoding="utf-8")]


SPARK: dict[str, Callable[[Workspace], Any]] = {"screen --engine spark": spark_screen}
