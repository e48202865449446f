"""The ``watchkeeper`` command: thin Typer commands over the library, nothing more."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from watchkeeper import exports, views
from watchkeeper.errors import InputError, WatchkeeperError
from watchkeeper.importers import IMPORTERS, Options, run_import
from watchkeeper.model.marking import Viewer
from watchkeeper.settings import Settings, load_settings
from watchkeeper.store import Reader, Store, open_store

if TYPE_CHECKING:
    from watchkeeper.screening import Screener

app = typer.Typer(
    help="Watchkeeper: Russia–DPRK partnership and sanctions workbench.", no_args_is_help=True
)
sources_app = typer.Typer(help="Official list sources.", no_args_is_help=True)
org_app = typer.Typer(help="Organisations (the viewers you can act as).", no_args_is_help=True)
ais_app = typer.Typer(help="AIS ship-tracking data (maritime watch).", no_args_is_help=True)
review_app = typer.Typer(help="Review decisions on screening hits.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")
app.add_typer(review_app, name="review")
app.add_typer(ais_app, name="ais")
app.add_typer(org_app, name="org")

out = Console()
err = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])

AsOption = Annotated[
    str | None, typer.Option("--as", help="Act as this registered organisation (its view only).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


class Context:
    def __init__(self) -> None:
        self.settings: Settings = load_settings()
        self._store: Store | None = None

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.settings)
        return self._store

    def viewer(self, as_org: str | None) -> Viewer:
        if as_org:
            return self.store.organisation(as_org)
        return Viewer(self.settings.organisation, self.settings.country)

    def reader(self, as_org: str | None) -> Reader:
        return self.store.read(self.viewer(as_org))

    def screener(self, as_org: str | None) -> Screener:
        from watchkeeper.screening import Screener, load_or_build

        index = load_or_build(self.store, self.settings.cache_dir)
        return Screener.for_viewer(index, self.store, self.viewer(as_org))

    def refresh_index(self, before: str, changed: set[str]) -> None:
        """Keep the screening index in step with the store after an import: updated for
        the entities the import changed, or rebuilt."""
        from watchkeeper.screening.index import refresh

        index = refresh(self.store, self.settings.cache_dir, before, changed)
        if index is not None:
            # counted as this workspace's viewer sees it, like every other count
            visible = frozenset(self.store.visible_marking_ids(self.viewer(None)))
            err.print(f"screening index: {index.view(visible).size:,} entities")

    def follow_write(self, before: str, changed: set[str]) -> None:
        """After a write that is not an import (the demo's dataset, detections stored as
        events): update a saved screening index for what changed, so that the next
        screening need not rebuild it; build nothing if there is none."""
        from watchkeeper.screening.index import refresh

        refresh(self.store, self.settings.cache_dir, before, changed, rebuild=False)


def progress_bar(quiet: bool) -> Progress:
    """Progress on stderr, only on a terminal and never under --json."""
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=quiet or not err.is_terminal,
    )


@contextmanager
def command() -> Iterator[Context]:
    """Run a command body: a user error is one line on stderr and exit code 2."""
    try:
        yield Context()
    except WatchkeeperError as exc:
        err.print(f"[red]error:[/red] {exc.detail}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        err.print("interrupted; nothing was written")
        raise typer.Exit(130) from None


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


@app.command()
def init() -> None:
    """Create (or migrate) the workspace store."""
    with command() as ctx:
        store = ctx.store
        out.print(f"workspace ready: {store.engine.url.render_as_string(hide_password=True)}")


@app.command("import")
def import_(
    fmt: Annotated[str, typer.Argument(help=f"One of: {', '.join(IMPORTERS)}")],
    files: Annotated[list[Path], typer.Argument(help="Files to import, in order.")],
    dataset: Annotated[str | None, typer.Option(help="Dataset name (default per format).")] = None,
    release_date: Annotated[
        str | None, typer.Option(help="Release date (ISO) when the file has none.")
    ] = None,
    snapshot: Annotated[
        bool | None,
        typer.Option("--snapshot/--partial", help="Is the file a full release of its dataset?"),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Import list releases or FtM files from local files (offline)."""
    with command() as ctx:
        results = []
        before = ctx.store.version()
        changed: set[str] = set()
        for path in files:
            with progress_bar(quiet=as_json) as progress:
                task = progress.add_task(f"{path.name}: reading", total=None)

                def tick(
                    n: int, task: Any = task, progress: Progress = progress, name: str = path.name
                ) -> None:
                    progress.update(task, description=f"{name}: {n:,} records")

                summary = run_import(
                    ctx.store, fmt, path, Options(dataset, release_date, snapshot), tick
                )
            changed |= summary.changed_entities
            data = asdict(summary) | {"datasets": sorted(summary.datasets), "file": str(path)}
            del data["changed_entities"]
            results.append(data)
            if not as_json:
                if not summary.changed and summary.entities == 0:
                    out.print(f"{path.name}: release already imported, nothing changed")
                else:
                    out.print(
                        f"{path.name}: {summary.entities:,} entities; {summary.added:,} statements added, "
                        f"{summary.seen_again:,} seen again, {summary.reopened:,} reopened, "
                        f"{summary.ended:,} ended (source {summary.source_id})"
                    )
        ctx.refresh_index(before, changed)
        if as_json:
            emit_json(results)


@app.command()
def stats(as_org: AsOption = None, as_json: JsonOption = False) -> None:
    """Counts of what you may see."""
    with command() as ctx:
        data = ctx.reader(as_org).stats()
        if as_json:
            emit_json(data)
            return
        out.print(
            f"{data['entities']:,} entities, {data['statements']:,} statements, {data['sources']:,} sources"
        )
        table = Table("schema", "entities")
        for name, count in data["schemata"].items():
            table.add_row(name, f"{count:,}")
        out.print(table)
        table = Table("dataset", "entities")
        for name, count in data["datasets"].items():
            table.add_row(name, f"{count:,}")
        out.print(table)


@app.command()
def search(
    text: str,
    schema: Annotated[
        str | None, typer.Option(help="Only this FtM schema (and its children).")
    ] = None,
    limit: int = 20,
    as_org: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Find entities by name or identifier."""
    with command() as ctx:
        result = ctx.reader(as_org).search(text, schema=schema, limit=limit)
        if as_json:
            emit_json(
                {"total": result.total, "results": [views.summary(e) for e in result.results]}
            )
            return
        table = Table("id", "schema", "caption", "countries", title=f"{result.total:,} found")
        for view in result.results:
            row = views.summary(view)
            table.add_row(row["id"], row["schema"], row["caption"], ", ".join(row["countries"]))
        out.print(table)


@app.command()
def show(entity: str, as_org: AsOption = None, as_json: JsonOption = False) -> None:
    """An entity: values with their sources, gradings and markings; sanctions; links; events."""
    with command() as ctx:
        reader = ctx.reader(as_org)
        detail = views.detail(reader, entity)
        if as_json:
            emit_json(detail)
            return
        views.print_detail(out, detail)


@app.command()
def export(
    kind: Annotated[str, typer.Argument(help="ftm (entity JSON lines) or statements (CSV)")],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File (default: stdout)")
    ] = None,
    include_ended: Annotated[
        bool, typer.Option(help="Statements: include ended (historic) ones.")
    ] = False,
    as_org: AsOption = None,
) -> None:
    """Export what the viewer may see, in FtM formats."""
    with command() as ctx:
        reader = ctx.reader(as_org)
        count = exports.write(reader, kind, output, include_ended=include_ended)
        err.print(f"exported {count:,} {'entities' if kind == 'ftm' else 'statements'}")


@sources_app.command("list")
def sources_list(as_org: AsOption = None, as_json: JsonOption = False) -> None:
    """Sources in the store, and the configured download URLs."""
    from watchkeeper.sources import configured_sources

    with command() as ctx:
        stored = ctx.reader(as_org).sources()
        remote = [asdict(s) for s in configured_sources(ctx.settings)]
        if as_json:
            emit_json({"stored": stored, "configured": remote})
            return
        table = Table(
            "id", "kind", "published", "grade", "marking", "title", title="stored sources"
        )
        for src in stored:
            table.add_row(
                src["id"],
                src["kind"],
                src["published"] or "",
                src["reliability"],
                src["marking"],
                src["title"],
            )
        out.print(table)
        table = Table("name", "format", "url", title="configured downloads")
        for src in remote:
            table.add_row(src["name"], src["format"], src["url"])
        out.print(table)


@sources_app.command("update")
def sources_update(
    only: Annotated[list[str] | None, typer.Option(help="Only these configured sources.")] = None,
    no_import: Annotated[bool, typer.Option("--no-import", help="Download only.")] = False,
) -> None:
    """Download the official lists (cached, checksummed, resumable) and import them."""
    from watchkeeper.sources import configured_sources, download

    with command() as ctx:
        for src in configured_sources(ctx.settings):
            if only and src.name not in only:
                continue
            path = download(src, ctx.settings.cache_dir, log=lambda m: err.print(m))
            if not no_import:
                summary = run_import(ctx.store, src.format, path)
                out.print(
                    f"{src.name}: {summary.added:,} statements added, {summary.ended:,} ended"
                )


@org_app.command("add")
def org_add(
    name: str, country: Annotated[str | None, typer.Option(help="ISO alpha-3")] = None
) -> None:
    """Register an organisation (partner, agency) so `--as NAME` can act as it."""
    with command() as ctx:
        viewer = ctx.store.add_organisation(name, country)
        out.print(f"registered {viewer}")


@org_app.command("list")
def org_list() -> None:
    with command() as ctx:
        for viewer in ctx.store.organisations():
            out.print(str(viewer))


@ais_app.command("import")
def ais_import(
    files: Annotated[list[Path], typer.Argument(help="NMEA, CSV or Parquet files.")],
    fmt: Annotated[
        str, typer.Option("--format", help="auto, nmea, csv, parquet, noaa, dma, satellite")
    ] = "auto",
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map", help="FIELD=COLUMN for a generic CSV (fields: mmsi, ts, lat, lon, sog, ...)"
        ),
    ] = None,
    time_format: Annotated[
        str, typer.Option(help="strptime pattern of the time column, or iso")
    ] = "iso",
    assume_time: Annotated[
        str | None, typer.Option(help="ISO time for NMEA sentences that carry no receiver time")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Ingest AIS files into the day-partitioned, de-duplicated Parquet dataset."""
    from datetime import UTC, datetime

    from watchkeeper.maritime.dataset import AisDataset
    from watchkeeper.maritime.ingest import ingest
    from watchkeeper.maritime.tabular import custom_layout

    with command() as ctx:
        layout = None
        if mapping:
            bad = [item for item in mapping if "=" not in item]
            if bad:
                raise InputError("--map", f"expected FIELD=COLUMN, got {bad[0]!r}")
            layout = custom_layout(dict(item.split("=", 1) for item in mapping), time_format)
        when = None
        if assume_time:
            try:
                when = datetime.fromisoformat(assume_time).replace(tzinfo=UTC)
            except ValueError:
                raise InputError("--assume-time", f"not an ISO time: {assume_time!r}") from None
        reports = ingest(AisDataset(ctx.settings.ais_dir), files, fmt, layout, when)
        if as_json:
            emit_json([r.to_dict() for r in reports])
        else:
            for report in reports:
                (err if report.error else out).print(
                    report.summary(), highlight=False, soft_wrap=True
                )
        if reports and all(r.error for r in reports):
            raise typer.Exit(2)


@ais_app.command("detect")
def ais_detect(
    since: Annotated[str | None, typer.Option(help="Only positions from this ISO date on")] = None,
    engine: Annotated[str, typer.Option(help="duckdb (embedded) or spark")] = "duckdb",
    area: Annotated[
        list[str] | None, typer.Option(help="Extra watched area NAME=LAT,LON,RADIUS_KM")
    ] = None,
    areas_file: Annotated[
        list[Path] | None,
        typer.Option("--areas", help="GeoJSON file of watched polygons (named by 'name')"),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write events as JSON lines")
    ] = None,
    link: Annotated[
        bool, typer.Option(help="Store detections as events linked to known vessels")
    ] = True,
    as_org: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Port calls, AIS gaps, loitering, encounters, impossible jumps and identity changes."""
    from datetime import UTC, datetime

    from watchkeeper.maritime.areas import load_geojson, parse_area, theater_ports
    from watchkeeper.maritime.dataset import AisDataset
    from watchkeeper.maritime.detectors import detect
    from watchkeeper.maritime.engines import get_engine

    with command() as ctx:
        start = None
        if since:
            try:
                start = datetime.fromisoformat(since).replace(tzinfo=UTC)
            except ValueError:
                raise InputError("--since", f"not an ISO date: {since!r}") from None
        areas = theater_ports() + [parse_area(a) for a in area or []]
        for geojson in areas_file or []:
            areas += load_geojson(geojson)
        dataset = AisDataset(ctx.settings.ais_dir)
        found = detect(
            dataset, areas, since=start, engine=get_engine(engine, ctx.settings.spark_master)
        )
        if link:
            from watchkeeper.maritime.link import link_detections

            before = ctx.store.version()
            summary = link_detections(ctx.store, ctx.reader(as_org), dataset, found, areas)
            ctx.follow_write(before, summary.changed_entities)
            err.print(f"{len(found):,} detections stored as events (source {summary.source_id})")
        lines = [json.dumps(d.to_dict(), ensure_ascii=False) for d in found]
        if output is not None:
            output.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        if as_json:
            emit_json([d.to_dict() for d in found])
            return
        table = Table(
            "start", "kind", "mmsi", "other", "area", "details", title=f"{len(found):,} detections"
        )
        for d in found:
            table.add_row(
                d.start.strftime("%Y-%m-%d %H:%M"),
                d.kind,
                str(d.mmsi),
                str(d.other_mmsi or ""),
                d.area or "",
                json.dumps(d.details, default=str)[:80],
            )
        out.print(table)


@ais_app.command("simulate")
def ais_simulate(
    folder: Annotated[
        Path, typer.Argument(help="Where to write positions, identities and truth.json")
    ],
    seed: int = 1,
    vessels: Annotated[int, typer.Option(help="Background vessels")] = 20,
    days: float = 4.0,
) -> None:
    """Write simulated traffic with the scripted scenarios and their ground truth."""
    from watchkeeper.maritime.areas import theater_ports
    from watchkeeper.maritime.simulator import scenario

    with command():
        sim = scenario(theater_ports(), seed, vessels, days)
        sim.write(folder)
        out.print(f"{len(sim.positions):,} positions, {len(sim.truth)} scripted events -> {folder}")


@ais_app.command("track")
def ais_track(
    vessel: Annotated[str, typer.Argument(help="MMSI or IMO number")], as_json: JsonOption = False
) -> None:
    """A vessel's reported identities, positions and voyage (port calls and gaps in order)."""
    from watchkeeper.maritime.areas import theater_ports
    from watchkeeper.maritime.dataset import AisDataset
    from watchkeeper.maritime.track import track

    with command() as ctx:
        data = track(AisDataset(ctx.settings.ais_dir), vessel, theater_ports())
        if as_json:
            emit_json(data)
            return
        out.print(f"MMSI {', '.join(map(str, data['mmsi']))}: {data['positions']:,} positions, "
                  f"{data['first'] or '-'} to {data['last'] or '-'}")  # fmt: skip
        for ident in data["identities"]:
            out.print(
                f"  {ident['ts']}  MMSI {ident['mmsi']} (flag {(ident['flag'] or '?').upper()})  "
                f"{ident['name'] or ''}  IMO {ident['imo'] or '-'}  {ident['call_sign'] or ''}"
            )
        for leg in data["voyage"]:
            out.print(f"  {leg['start']} – {leg['end']}  {leg['kind']} {leg.get('area') or ''}")


@app.command()
def alerts(as_org: AsOption = None, as_json: JsonOption = False) -> None:
    """Detections involving sanctioned vessels or watched ports, newest first."""
    from watchkeeper.maritime.link import alerts as list_alerts

    with command() as ctx:
        found = list_alerts(ctx.reader(as_org))
        if as_json:
            emit_json(found)
            return
        table = Table("start", "alert", "why", title=f"{len(found):,} alerts")
        for a in found:
            table.add_row(str(a["start"])[:16], str(a["title"]), str(a["why"]))
        out.print(table)


@app.command()
def demo(as_org: AsOption = None) -> None:
    """Load the bundled Russia–DPRK theater dataset and print an overview."""
    from watchkeeper.theater import load_theater, overview

    with command() as ctx:
        before = ctx.store.version()
        summary = load_theater(ctx.store)
        out.print(
            f"theater dataset: {summary.entities:,} items; {summary.added:,} statements added"
            if summary.changed
            else "theater dataset already loaded, nothing changed"
        )
        overview.print_overview(out, ctx.reader(as_org))
        from watchkeeper.maritime.demo import run_demo

        linked = run_demo(out, ctx.store, ctx.reader(as_org), ctx.settings.home / "ais-demo")
        ctx.follow_write(before, summary.changed_entities | linked)


# -- screening ------------------------------------------------------------------------------


@app.command()
def screen(
    input_csv: Annotated[
        Path, typer.Argument(help="CSV with id,name,schema[,country,birth_date,imo,identifiers].")
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the results CSV.")],
    errors: Annotated[
        Path | None,
        typer.Option("--errors", help="Rows refused, with reasons [OUTPUT.errors.csv]."),
    ] = None,
    threshold: Annotated[
        float, typer.Option(help="Score at or above which a hit is a match.")
    ] = 0.7,
    limit: Annotated[int, typer.Option(help="Candidates per query.", min=1, max=100)] = 3,
    min_score: Annotated[
        float, typer.Option(help="Leave out candidates scoring below this.")
    ] = 0.5,
    workers: Annotated[int, typer.Option(help="Processes screening in parallel.", min=1)] = 1,
    engine: Annotated[
        str, typer.Option(help="local or spark (WATCHKEEPER_SPARK_MASTER).")
    ] = "local",
    as_org: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Screen a CSV of names against the lists and the watchlist."""
    from watchkeeper.screening.batch import screen_file

    with command() as ctx:
        if not input_csv.is_file():
            raise InputError(str(input_csv), "no such file")
        errors_path = errors or output.with_name(output.stem + ".errors.csv")
        screener = ctx.screener(as_org)
        if engine == "spark":
            from watchkeeper.screening.spark import screen_file_spark

            summary = screen_file_spark(
                screener,
                input_csv,
                output,
                errors_path,
                limit,
                threshold,
                min_score,
                ctx.settings.spark_master,
            )
        elif engine == "local":
            with progress_bar(quiet=as_json) as progress:
                size = input_csv.stat().st_size
                task = progress.add_task(f"{input_csv.name}: screening", total=size)
                summary = screen_file(
                    screener,
                    input_csv,
                    output,
                    errors_path,
                    limit,
                    threshold,
                    min_score,
                    workers,
                    lambda n: progress.update(task, completed=n),
                )
        else:
            raise InputError("--engine", f"unknown engine {engine!r}; local or spark")
        result = asdict(summary) | {"output": str(output), "errors_file": str(errors_path)}
        if as_json:
            emit_json(result)
        else:
            out.print(
                f"{summary.queries:,} queries screened, {summary.matched:,} with a match; "
                f"{summary.rows:,} rows in {output}; {summary.errors:,} rows refused "
                f"(see {errors_path})"
            )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (one per core).", min=1)] = 1,
) -> None:
    """Serve the screening API (yente-compatible /match, /search, /entities, /healthz)."""
    from watchkeeper.web import server
    from watchkeeper.web.api import create_app

    with command() as ctx:
        app_ = create_app(ctx.settings)
        err.print(f"serving on http://{host}:{port} with {workers} worker(s)")
    try:
        server.run(app_, host, port, workers)
    except OSError as exc:
        err.print(f"[red]error:[/red] cannot listen on {host}:{port}: {exc.strerror or exc}")
        raise typer.Exit(2) from None


def _decide(
    decision: str, query_id: str, entity_id: str, reason: str, by: str, as_org: str | None
) -> None:
    with command() as ctx:
        screener = ctx.screener(as_org)
        row = screener.decide(
            ctx.store, ctx.viewer(as_org), query_id, entity_id, decision, reason, by
        )
        out.print(f"{row['decision']}: {query_id} ~ {entity_id} by {by} at {row['decided_at']}")


ReasonOption = Annotated[str, typer.Option("--reason", help="Why (required).")]
ByOption = Annotated[str, typer.Option("--by", help="Who decides (a reviewer's name).")]


@review_app.command("confirm")
def review_confirm(
    query_id: str, entity_id: str, reason: ReasonOption, by: ByOption, as_org: AsOption = None
) -> None:
    """Confirm a hit: the query is the listed entity."""
    _decide("confirmed", query_id, entity_id, reason, by, as_org)


@review_app.command("dismiss")
def review_dismiss(
    query_id: str, entity_id: str, reason: ReasonOption, by: ByOption, as_org: AsOption = None
) -> None:
    """Dismiss a hit: not raised again for this query unless the listed entity changes."""
    _decide("dismissed", query_id, entity_id, reason, by, as_org)


@review_app.command("list")
def review_list(as_org: AsOption = None, as_json: JsonOption = False) -> None:
    """Decisions taken by your organisation."""
    with command() as ctx:
        rows = ctx.store.decisions(ctx.viewer(as_org).organisation)
        if as_json:
            emit_json(rows)
            return
        table = Table("decided", "query", "entity", "decision", "by", "reason")
        for r in rows:
            table.add_row(
                r["decided_at"],
                r["query_id"],
                r["entity_id"],
                r["decision"],
                r["decided_by"],
                r["reason"],
            )
        out.print(table)


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover - python -m watchkeeper.cli
    main()
