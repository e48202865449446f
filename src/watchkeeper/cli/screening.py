"""Screening: batch screening of names, the API server and review decisions."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from watchkeeper.cli.common import (
    AsOption,
    JsonOption,
    check_output,
    command,
    emit_json,
    err,
    out,
)
from watchkeeper.errors import InputError

if TYPE_CHECKING:
    from watchkeeper.screening.score import Query

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
    han: Annotated[
        str,
        typer.Option(
            help="Names in Han characters: auto (Korean too where a row's country is "
            "Korea), korean (read in Korean too), chinese (never in Korean)."
        ),
    ] = "auto",
    progress_every: Annotated[
        float,
        typer.Option(
            help="Off a terminal, a progress line on stderr every this many seconds (0: none).",
            min=0,
        ),
    ] = 10.0,
    as_org: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Screen a CSV of names against the lists and the watchlist (a UTF-8 file, with or
    without the byte-order mark Excel writes)."""
    from watchkeeper.screening.batch import screen_file

    with command() as ctx:
        if not input_csv.is_file():
            raise InputError(str(input_csv), "no such file")
        errors_path = errors or output.with_name(output.stem + ".errors.csv")
        check_output(output, errors_path)
        if han not in HAN_READINGS:
            raise InputError("--han", f"unknown reading {han!r}; auto, korean or chinese")
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
                korean=HAN_READINGS.get(han),
            )
        elif engine == "local":
            with ScreenProgress(input_csv, as_json, progress_every) as report:
                summary = screen_file(
                    screener,
                    input_csv,
                    output,
                    errors_path,
                    limit,
                    threshold,
                    min_score,
                    workers,
                    report,
                    HAN_READINGS[han],
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


HAN_READINGS: dict[str, bool | None] = {"auto": None, "korean": True, "chinese": False}


class ScreenProgress:
    """How far a batch has got: queries screened, the share of the file read, queries per
    second and the time left. On a terminal, a live line (not under --json); elsewhere (a
    log, a pipe, a scheduler), a plain line on stderr every ``every`` seconds."""

    def __init__(self, path: Path, quiet: bool, every: float) -> None:
        self.path = path
        self.size = max(path.stat().st_size, 1)
        self.every = every
        self.started = self.last = time.monotonic()
        self.live: Progress | None = None
        self.task = None
        if err.is_terminal and not quiet:
            self.live = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                TextColumn("{task.fields[queries]:,} queries, {task.fields[rate]:,.0f}/s"),
                TimeRemainingColumn(),
                console=err,
                transient=True,
            )
            self.task = self.live.add_task(
                f"{path.name}: screening", total=self.size, queries=0, rate=0.0
            )

    def __enter__(self) -> Callable[[int, int], None]:
        if self.live is not None:
            self.live.start()
        return self.update

    def __exit__(self, *_exc: object) -> None:
        if self.live is not None:
            self.live.stop()

    def update(self, read: int, queries: int) -> None:
        now = time.monotonic()
        rate = queries / max(now - self.started, 1e-9)
        if self.live is not None and self.task is not None:
            self.live.update(self.task, completed=read, queries=queries, rate=rate)
        elif self.every and now - self.last >= self.every:
            self.last = now
            err.print(self.line(read, queries, now), highlight=False, soft_wrap=True)

    def line(self, read: int, queries: int, now: float) -> str:
        elapsed = now - self.started
        share = min(read / self.size, 1.0)
        left = elapsed * (1 - share) / share if share else 0.0
        return (
            f"screen {self.path.name}: {queries:,} queries, {share:.0%} of the file, "
            f"{queries / max(elapsed, 1e-9):,.0f} queries/s, about "
            f"{timedelta(seconds=round(left))} left"
        )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (one per core).", min=1)] = 1,
    threads: Annotated[
        int, typer.Option(help="Requests each worker runs at once (the others queue).", min=1)
    ] = 6,
    allow_open: Annotated[
        bool,
        typer.Option(
            "--allow-open",
            help="Serve a non-loopback address without API keys (everyone is the workspace).",
        ),
    ] = False,
) -> None:
    """Serve the screening API (yente-compatible /match, /search, /entities, /catalog,
    /healthz, /readyz) until SIGTERM or Ctrl-C."""
    from watchkeeper.web import server
    from watchkeeper.web.app import create_app
    from watchkeeper.web.exposure import check_exposure

    with command() as ctx:
        # settings only (the store opens lazily): a refused exposure or a busy port
        # fails before anything is loaded
        warning = check_exposure(host, bool(ctx.settings.api_keys), allow_open)
        if warning:
            err.print(warning, highlight=False, soft_wrap=True)
        try:
            sock = server.bind(host, port)
        except OSError as exc:
            err.print(f"[red]error:[/red] cannot listen on {host}:{port}: {exc.strerror or exc}")
            raise typer.Exit(2) from None
        app_ = create_app(ctx.settings)
        app_.state.service.warm_up()
        err.print(f"serving on http://{host}:{port} with {workers} worker(s)")
    server.run(app_, sock, workers, threads)


def _decide(
    decision: str,
    query_id: str,
    entity_id: str,
    reason: str,
    by: str,
    as_org: str | None,
    record: RecordOptions,
) -> None:
    with command() as ctx:
        screener = ctx.screener(as_org)
        query = record.query(query_id)
        row = screener.decide(
            ctx.store, ctx.viewer(as_org), query or query_id, entity_id, decision, reason, by
        )
        bound = "the record" if query else "the query id only"
        out.print(
            f"{row['decision']}: {query_id} ~ {entity_id} by {by} at {row['decided_at']}"
            f" (bound to {bound})"
        )


ReasonOption = Annotated[str, typer.Option("--reason", help="Why (required).")]
ByOption = Annotated[str, typer.Option("--by", help="Who decides (a reviewer's name).")]
NameOption = Annotated[
    list[str] | None, typer.Option("--name", help="A name of the record screened.")
]
SchemaOption = Annotated[str, typer.Option("--schema", help="The record's schema.")]
BirthOption = Annotated[
    list[str] | None, typer.Option("--birth-date", help="A birth date of the record.")
]
CountryOption = Annotated[list[str] | None, typer.Option("--country", help="A country of it.")]
IdOption = Annotated[
    list[str] | None,
    typer.Option("--identifier", help="An identifier of it: kind:value or a bare value."),
]


@dataclass(frozen=True)
class RecordOptions:
    """The record screened, as the batch file gave it: with it the decision holds for
    that record only (another record under the same id is screened afresh)."""

    names: list[str] | None
    schema: str
    birth_dates: list[str] | None
    countries: list[str] | None
    identifiers: list[str] | None

    def query(self, query_id: str) -> Query | None:
        from watchkeeper.screening.batch import parse_identifiers
        from watchkeeper.screening.score import SCHEMATA, Query

        ids = tuple(i for text in self.identifiers or [] for i in parse_identifiers(text))
        if not self.names and not ids:
            return None
        if self.schema not in SCHEMATA:
            raise InputError("--schema", f"unknown schema {self.schema!r}")
        return Query(
            query_id,
            self.schema,
            tuple(self.names or ()),
            tuple(self.birth_dates or ()),
            tuple(c.strip().lower() for c in self.countries or [] if c.strip()),
            ids,
        )


@review_app.command("confirm")
def review_confirm(
    query_id: str,
    entity_id: str,
    reason: ReasonOption,
    by: ByOption,
    as_org: AsOption = None,
    name: NameOption = None,
    schema: SchemaOption = "Person",
    birth_date: BirthOption = None,
    country: CountryOption = None,
    identifier: IdOption = None,
) -> None:
    """Confirm a hit: the record is the listed entity."""
    record = RecordOptions(name, schema, birth_date, country, identifier)
    _decide("confirmed", query_id, entity_id, reason, by, as_org, record)


@review_app.command("dismiss")
def review_dismiss(
    query_id: str,
    entity_id: str,
    reason: ReasonOption,
    by: ByOption,
    as_org: AsOption = None,
    name: NameOption = None,
    schema: SchemaOption = "Person",
    birth_date: BirthOption = None,
    country: CountryOption = None,
    identifier: IdOption = None,
) -> None:
    """Dismiss a hit. The hit is still raised, shown with the decision, while the record
    (--name etc.; else the query id alone) and the listed entity are unchanged."""
    record = RecordOptions(name, schema, birth_date, country, identifier)
    _decide("dismissed", query_id, entity_id, reason, by, as_org, record)


@review_app.command("list")
def review_list(as_org: AsOption = None, as_json: JsonOption = False) -> None:
    """Decisions taken by your organisation."""
    from watchkeeper.screening.screener import visible_log

    with command() as ctx:
        viewer = ctx.viewer(as_org)
        rows = visible_log(ctx.screener(as_org), ctx.store.decisions(viewer.organisation))
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


@review_app.command("replay")
def review_replay(decision_id: int, as_org: AsOption = None, as_json: JsonOption = False) -> None:
    """Score a decision's record again against its candidate: on the data release it was
    made on, the same score and explanation come back."""
    from watchkeeper.screening.review import config_digest
    from watchkeeper.screening.score import THRESHOLD
    from watchkeeper.screening.screener import releases, visible_log

    with command() as ctx:
        viewer = ctx.viewer(as_org)
        screener = ctx.screener(as_org)
        log = visible_log(screener, ctx.store.decisions(viewer.organisation))
        found = [d for d in log if d["id"] == decision_id]
        if not found:
            raise InputError("decision", "not one of your organisation's", str(decision_id))
        decision = found[0]
        again = screener.replay(decision)
        if again is None:
            raise InputError("decision", "it has no record to replay", str(decision_id))
        report = {
            "id": decision_id,
            "score": again.score,
            "explanation": again.explain(),
            "same_score": again.score == decision["score"],
            "same_explanation": again.explain() == decision["explanation"],
            "same_release": releases(ctx.store, viewer, again.entity) == decision["release"],
            "same_config": config_digest(THRESHOLD) == decision["config"],
        }
        if as_json:
            emit_json(report)
            return
        for key, value in report.items():
            out.print(f"{key}: {value}")
