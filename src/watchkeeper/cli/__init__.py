"""The ``watchkeeper`` command: Typer sub-apps, one module per command group, each a thin
layer over the library.

- ``knowledge``: init, import, stats, search, show, export
- ``markings``: remark, retract, audit (correcting markings)
- ``sources``: sources list / update
- ``org``: organisations (the viewers a workspace can act as)
- ``ais``: AIS import, detect, simulate, track; alerts
- ``screening``: screen, serve, review
- ``demo``: the bundled dataset end to end
- ``assessment``: report; assess load / import / estimates / sectors / capabilities /
  futures / ach / model
- ``investigations``: xref, judge, judgments, resolve, dossier; network …
- ``users``: workbench accounts, API tokens, the audit trail
- ``sharing``: share export / import / pack / verify / unpack / log / keys (partners)
- ``goods``: goods screen / rules (export controls: CHPL goods, parties, routes)
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from watchkeeper.cli import (
    ais,
    assessment,
    demo,
    knowledge,
    markings,
    org,
    screening,
    sources,
    users,
)

app = typer.Typer(
    help="Watchkeeper: Russia–DPRK partnership and sanctions workbench.", no_args_is_help=True
)


@app.callback()
def _root(
    spark_master: Annotated[
        str | None,
        typer.Option(
            "--spark-master",
            help="Where commands run with --engine spark: local[N] (the default, local[2]),"
            " spark://HOST:PORT, yarn or k8s://https://HOST:PORT"
            " (setting: WATCHKEEPER_SPARK_MASTER).",
        ),
    ] = None,
) -> None:
    """Everything a command writes (the store, the index, the AIS dataset, exports) is
    readable by the user who ran it only: restricted values are in clear in those files."""
    os.umask(0o077)
    if spark_master is not None:
        from watchkeeper.errors import InputError
        from watchkeeper.spark import check_master

        try:
            check_master(spark_master)
        except InputError as error:
            raise typer.BadParameter(str(error), param_hint="--spark-master") from None
        # the setting every command reads (``Settings.spark_master``)
        os.environ["WATCHKEEPER_SPARK_MASTER"] = spark_master


# Commands at the top level (`watchkeeper import`, `watchkeeper screen`...)
app.add_typer(knowledge.app)
app.add_typer(markings.app)
app.add_typer(screening.app)
app.add_typer(ais.alerts_app)
app.add_typer(demo.app)
# Command groups (`watchkeeper ais detect`, `watchkeeper review list`...)
app.add_typer(sources.app, name="sources")
app.add_typer(screening.review_app, name="review")
app.add_typer(ais.app, name="ais")
app.add_typer(org.app, name="org")
app.add_typer(assessment.report_app)
app.add_typer(assessment.app, name="assess")
# Investigations: `watchkeeper xref`, `resolve`, `dossier`…, and `watchkeeper network …`
from watchkeeper.cli import investigations  # noqa: E402

app.add_typer(investigations.app)
app.add_typer(investigations.network_app, name="network")
app.add_typer(users.app, name="user")
from watchkeeper.cli import sharing  # noqa: E402

app.add_typer(sharing.app, name="share")
from watchkeeper.cli import goods  # noqa: E402

app.add_typer(goods.app, name="goods")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover - python -m watchkeeper.cli
    main()
