"""Screening: batch screening of names, the API server and review decisions."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from watchkeeper.cli.common import AsOption, JsonOption, command, emit_json, err, out, progress_bar
from watchkeeper.errors import InputError

app = typer.Typer()
review_app = typer.Typer(help="Review decisions on screening hits.", no_args_is_help=True)


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
    """Serve the screening API (yente-compatible /match, /search, /entities, /catalog,
    /healthz, /readyz) until SIGTERM or Ctrl-C."""
    from watchkeeper.web import server
    from watchkeeper.web.app import create_app

    try:
        sock = server.bind(host, port)  # first: a busy port fails before any loading
    except OSError as exc:
        err.print(f"[red]error:[/red] cannot listen on {host}:{port}: {exc.strerror or exc}")
        raise typer.Exit(2) from None
    with command() as ctx:
        app_ = create_app(ctx.settings)
        err.print(f"serving on http://{host}:{port} with {workers} worker(s)")
    server.run(app_, sock, workers)


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
