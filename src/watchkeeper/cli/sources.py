"""Official list sources: what is stored, and downloading new releases."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer
from rich.table import Table

from watchkeeper.cli.common import (
    AsOption,
    JsonOption,
    NiceOption,
    command,
    emit_json,
    err,
    lower_priority,
    out,
)
from watchkeeper.importers import run_import

app = typer.Typer(help="Official list sources.", no_args_is_help=True)


@app.command("list")
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
                (src["published"] or "") + (" (assumed)" if src.get("date_assumed") else ""),
                src["reliability"],
                src["marking"],
                src["title"],
            )
        out.print(table)
        table = Table("name", "format", "url", title="configured downloads")
        for src in remote:
            table.add_row(src["name"], src["format"], src["url"])
        out.print(table)


@app.command("update")
def sources_update(
    only: Annotated[list[str] | None, typer.Option(help="Only these configured sources.")] = None,
    no_import: Annotated[bool, typer.Option("--no-import", help="Download only.")] = False,
    nice: NiceOption = True,
) -> None:
    """Download the official lists (cached, checksummed, resumable) and import them."""
    lower_priority(nice)
    from watchkeeper.sources import configured_sources, download

    with command() as ctx:
        ctx.lowered = nice  # and its database backends (lower_backend_priority)
        before = ctx.store.version()
        changed: set[str] = set()
        for src in configured_sources(ctx.settings):
            if only and src.name not in only:
                continue
            path = download(src, ctx.settings.cache_dir, log=lambda m: err.print(m))
            if not no_import:
                summary = run_import(ctx.store, src.format, path)
                changed |= summary.changed_entities
                out.print(
                    f"{src.name}: {summary.added:,} statements added, {summary.ended:,} ended"
                )
        if changed:
            # the index and the entries sharing a list id, as `watchkeeper import` does
            ctx.refresh_index(before, changed)


@app.command("redate")
def sources_redate(
    source_id: Annotated[str, typer.Argument(help="The release (see `watchkeeper sources list`).")],
    date: Annotated[str, typer.Argument(help="Its real release date (ISO).")],
    reason: Annotated[str, typer.Option(help="Why (required; recorded).")] = "",
    by: Annotated[str, typer.Option(help="Who corrects it.")] = "",
) -> None:
    """Correct the date of a dataset's latest release (one assumed wrongly, say)."""
    with command() as ctx:
        if ctx.reader(None).source(source_id) is None:
            from watchkeeper.errors import NotFound

            raise NotFound(f"no source {source_id!r}")
        old = ctx.store.redate_release(
            source_id, date, by=by or ctx.settings.organisation, reason=reason
        )
        out.print(f"{source_id}: release date {old} -> {date}")
