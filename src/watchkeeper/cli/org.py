"""Organisations: the viewers a workspace can act as, and changes to them."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from watchkeeper.cli.common import JsonOption, command, emit_json, out

app = typer.Typer(help="Organisations (the viewers you can act as).", no_args_is_help=True)

CountryOption = Annotated[
    str | None, typer.Option(help="ISO 3166 alpha-3 code (KOR, JPN, USA...); none: no country")
]


@app.command("add")
def org_add(name: str, country: CountryOption = None) -> None:
    """Register an organisation (partner, agency) so `--as NAME` can act as it."""
    with command() as ctx:
        viewer = ctx.store.add_organisation(name, country)
        out.print(f"registered {viewer}")


@app.command("update")
def org_update(
    name: str,
    country: CountryOption = None,
    reason: Annotated[str, typer.Option(help="Why (required; recorded).")] = "",
    by: Annotated[str, typer.Option(help="Who decides.")] = "",
) -> None:
    """Change an organisation's country: what it may see changes with it (recorded)."""
    with command() as ctx:
        before, after = ctx.store.update_organisation(
            name, country, by=by or ctx.settings.organisation, reason=reason
        )
        out.print(f"{after.organisation}: country {before.country or 'none'} -> "
                  f"{after.country or 'none'}")  # fmt: skip


@app.command("list")
def org_list(as_json: JsonOption = False) -> None:
    """Registered organisations and their countries."""
    with command() as ctx:
        found = ctx.store.organisations()
        if as_json:
            emit_json([{"name": v.organisation, "country": v.country} for v in found])
            return
        table = Table("organisation", "country", title=f"{len(found):,} organisations")
        for viewer in found:
            table.add_row(viewer.organisation, viewer.country or "")
        out.print(table)


@app.command("history")
def org_history(
    name: Annotated[str | None, typer.Argument()] = None, as_json: JsonOption = False
) -> None:
    """Changes to organisations: who changed which country, when and why."""
    with command() as ctx:
        rows = ctx.store.organisation_changes(name)
        if as_json:
            emit_json(rows)
            return
        table = Table("at", "organisation", "country before", "after", "by", "reason")
        for r in rows:
            table.add_row(
                r["at"], r["name"], r["old_country"] or "", r["new_country"] or "",
                r["decided_by"], r["reason"],
            )  # fmt: skip
        out.print(table)
