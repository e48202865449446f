"""Organisations: the viewers a workspace can act as."""

from __future__ import annotations

from typing import Annotated

import typer

from watchkeeper.cli.common import command, out

app = typer.Typer(help="Organisations (the viewers you can act as).", no_args_is_help=True)


@app.command("add")
def org_add(
    name: str, country: Annotated[str | None, typer.Option(help="ISO alpha-3")] = None
) -> None:
    """Register an organisation (partner, agency) so `--as NAME` can act as it."""
    with command() as ctx:
        viewer = ctx.store.add_organisation(name, country)
        out.print(f"registered {viewer}")


@app.command("list")
def org_list() -> None:
    with command() as ctx:
        for viewer in ctx.store.organisations():
            out.print(str(viewer))
