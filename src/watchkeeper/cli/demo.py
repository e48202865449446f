"""The demo: the bundled theater dataset and a simulated shuttle, end to end, the
workbench logins to look at them with (as ``watchkeeper user demo`` makes them), and the
sharing exercise: the MSMT states and NATO as partners, and marked exercise notes."""

from __future__ import annotations

import typer

from watchkeeper.cli.common import AsOption, command, out

app = typer.Typer()


@app.command()
def demo(as_org: AsOption = None) -> None:
    """Load the bundled Russia–DPRK theater dataset, print an overview, and create the
    demo's workbench logins (idempotent)."""
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
        ctx.follow_write(before, summary.changed_entities | linked, link=True)
        from watchkeeper.cli.users import create_demo_logins

        create_demo_logins(ctx)
        from watchkeeper.sharing.exercise import load_exercise, register_partners

        # the MSMT states and NATO as partners, and the exercise's marked notes (exercise
        # material: labelled everywhere, never in a report, dossier or statistic)
        registered = register_partners(ctx.store)
        before = ctx.store.version()
        drill = load_exercise(ctx.store, ctx.settings.organisation)
        ctx.follow_write(before, drill.changed_entities)
        out.print(
            f"sharing exercise: {len(registered)} partner organisations registered, "
            f"{drill.added:,} exercise statements added (labelled EXERCISE; see the "
            "Sharing page or `watchkeeper share export --for jp-mofa -o jp.json`)"
        )
        out.print(NEXT_STEPS, highlight=False)


NEXT_STEPS = """
What to try next (this workspace: $WATCHKEEPER_HOME, default ./.watchkeeper):
  watchkeeper search "kim jong un"                 names in any script; identifiers: IMO 9179842
  watchkeeper show wk-vessel-angara                every value with its source, grade and marking
  watchkeeper alerts                               the shuttle's dark legs and port calls, most severe first
  watchkeeper import un-xml consolidated.xml       add the real lists you bring (or: sources update)
  watchkeeper screen examples/screening.csv -o hits.csv     screen names (see README, Screening)
  watchkeeper report --period 2024 -o reports/     the monitoring report (HTML and PDF)
  watchkeeper serve --port 8080                    the workbench on http://127.0.0.1:8080 (log in as
                                                   analyst, password watchkeeper-demo) and the
                                                   yente-compatible API
"""
