"""The ``watchkeeper`` command: Typer sub-apps, one module per command group, each a thin
layer over the library.

- ``knowledge``: init, import, stats, search, show, export
- ``sources``: sources list / update
- ``org``: organisations (the viewers a workspace can act as)
- ``ais``: AIS import, detect, simulate, track; alerts
- ``screening``: screen, serve, review
- ``demo``: the bundled dataset end to end
- ``users``: workbench accounts, API tokens, the audit trail
"""

from __future__ import annotations

import typer

from watchkeeper.cli import ais, demo, knowledge, org, screening, sources, users

app = typer.Typer(
    help="Watchkeeper: Russia–DPRK partnership and sanctions workbench.", no_args_is_help=True
)
# Commands at the top level (`watchkeeper import`, `watchkeeper screen`...)
app.add_typer(knowledge.app)
app.add_typer(screening.app)
app.add_typer(ais.alerts_app)
app.add_typer(demo.app)
# Command groups (`watchkeeper ais detect`, `watchkeeper review list`...)
app.add_typer(sources.app, name="sources")
app.add_typer(screening.review_app, name="review")
app.add_typer(ais.app, name="ais")
app.add_typer(org.app, name="org")
app.add_typer(users.app, name="user")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover - python -m watchkeeper.cli
    main()
