"""The knowledge base: init, import, stats, search, show, export."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress
from rich.table import Table

from watchkeeper import exports, views
from watchkeeper.cli.common import (
    AsOption,
    JsonOption,
    NiceOption,
    check_output,
    command,
    emit_json,
    err,
    lower_priority,
    out,
    progress_bar,
)
from watchkeeper.errors import InputError
from watchkeeper.importers import IMPORTERS, Options, run_import
from watchkeeper.model.marking import Marking
from watchkeeper.model.source import MATERIALS

app = typer.Typer()


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
    marking: Annotated[
        str | None,
        typer.Option(
            help="The release's marking, e.g. 'TLP:AMBER | REL TO KOR,USA | ORIG my-org |"
            " TO partner' (also of its values that carry none of their own)."
        ),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict", help="Refuse a file a record of which would lose something (ftm)."
        ),
    ] = False,
    material: Annotated[
        str,
        typer.Option(
            "--material",
            help="What the file holds: fact (default), exercise (training data) or simulated "
            "(generated). Exercise and simulated material goes into a dataset of its own, is "
            "labelled wherever shown and stays out of reports, dossiers and trackers.",
        ),
    ] = "fact",
    as_json: JsonOption = False,
    nice: NiceOption = True,
) -> None:
    """Import list releases or FtM files from local files (offline)."""
    lower_priority(nice)
    with command() as ctx:
        ctx.lowered = nice  # and its database backends (lower_backend_priority)
        mark = Marking.parse(marking) if marking is not None else None
        if material not in MATERIALS:
            raise InputError("--material", f"{material!r} is not one of {', '.join(MATERIALS)}")
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
                    ctx.store,
                    fmt,
                    path,
                    Options(
                        dataset,
                        release_date,
                        snapshot,
                        marking=mark,
                        strict=strict,
                        material=material,
                    ),
                    tick,
                )
            changed |= summary.changed_entities
            for note in summary.notes:
                err.print(f"note: {note}", highlight=False, soft_wrap=True)
            data = asdict(summary) | {"datasets": sorted(summary.datasets), "file": str(path)}
            del data["changed_entities"]
            results.append(data)
            if not as_json:
                for warning in summary.warnings:
                    err.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
                if not summary.changed and summary.entities == 0:
                    out.print(f"{path.name}: release already imported, nothing changed")
                else:
                    out.print(
                        f"{path.name}: {summary.entities:,} entities in dataset "
                        f"{summary.dataset} (people, organisations, vessels, sanctions, "
                        f"addresses, documents...); statements: {summary.added:,} added, "
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
    """Find entities by name (any script, order, punctuation) or identifier (with or without
    its prefix: IMO 9179842)."""
    with command() as ctx:
        result = ctx.find(as_org, text, schema=schema, limit=limit)
        rows = [
            views.summary(e) | {"found_by": result.how[e.id], "members": views.members(e)}
            for e in result.results
        ]
        if as_json:
            emit_json({"total": result.total, "results": rows})
            return
        table = Table(
            "id", "schema", "caption", "countries", "found by", title=f"{result.total:,} found"
        )
        for row in rows:
            # a canonical entity says which records it is one of
            shown = (
                row["id"]
                if row["members"] == [row["id"]]
                else (f"{row['id']}\n= {', '.join(row['members'])}")
            )
            table.add_row(
                shown, row["schema"], row["caption"], ", ".join(row["countries"]),
                row["found_by"],
            )  # fmt: skip
        out.print(table)


@app.command()
def show(entity: str, as_org: AsOption = None, as_json: JsonOption = False) -> None:
    """An entity: values with their sources, gradings and markings; sanctions; links; events."""
    with command() as ctx:
        reader = ctx.resolved(as_org)
        detail = views.detail(reader, entity, lambda text: ctx.find(as_org, text, limit=5))
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
        check_output(output)
        reader = ctx.resolved(as_org) if kind == "ftm" else ctx.reader(as_org)
        count = exports.write(reader, kind, output, include_ended=include_ended)
        err.print(f"exported {count:,} {'entities' if kind == 'ftm' else 'statements'}")
