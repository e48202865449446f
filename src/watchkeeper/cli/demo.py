"""The demo: the bundled theater dataset and a simulated shuttle, end to end."""

from __future__ import annotations

import typer

from watchkeeper.cli.common import AsOption, command, out

app = typer.Typer()


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
        from watchkeeper.assessment.loader import load_assessment

        assessed = load_assessment(ctx.store)
        out.print(
            f"assessment dataset: {assessed.estimates} estimates, {assessed.judgments} judgments"
            if assessed.changed
            else "assessment dataset already loaded, nothing changed"
        )
        overview.print_overview(out, ctx.reader(as_org))
        from watchkeeper.maritime.demo import run_demo

        linked = run_demo(out, ctx.store, ctx.reader(as_org), ctx.settings.home / "ais-demo")
        ctx.follow_write(before, summary.changed_entities | linked)


# -- screening ------------------------------------------------------------------------------
