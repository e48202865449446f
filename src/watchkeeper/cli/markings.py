"""Correcting markings: re-mark or retract statements, and read the audit of both."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from watchkeeper.cli.common import AsOption, Context, JsonOption, command, emit_json, out
from watchkeeper.errors import InputError
from watchkeeper.model.marking import Marking

app = typer.Typer()

StatementArgs = Annotated[
    list[str] | None,
    typer.Argument(help="Statement ids (`watchkeeper show ENTITY --json` lists them)."),
]
EntityOption = Annotated[
    str | None, typer.Option("--entity", help="Or: every statement of this entity you own...")
]
PropOption = Annotated[str | None, typer.Option("--prop", help="... of this property ...")]
ValueOption = Annotated[str | None, typer.Option("--value", help="... with this value.")]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why (required; kept in the audit).")]
ByOption = Annotated[str, typer.Option("--by", help="Who (an analyst's name).")]


def _selected(
    ctx: Context,
    as_org: str | None,
    ids: list[str] | None,
    entity: str | None,
    prop: str | None,
    value: str | None,
) -> list[str]:
    if ids and entity:
        raise InputError("statements", "give statement ids or --entity, not both")
    if ids:
        return ids
    if entity is None:
        raise InputError("statements", "give statement ids, or --entity (with --prop/--value)")
    found = ctx.reader(as_org).statement_ids(entity, prop, value)
    if not found:
        raise InputError("--entity", f"no statement of {entity!r} matches")
    return found


@app.command()
def remark(
    statements: StatementArgs = None,
    marking: Annotated[
        str, typer.Option("--marking", help="The new marking, e.g. 'TLP:RED' or 'TLP:AMBER | TO x'")
    ] = "",
    entity: EntityOption = None,
    prop: PropOption = None,
    value: ValueOption = None,
    reason: ReasonOption = "",
    by: ByOption = "",
    as_org: AsOption = None,
) -> None:
    """Give your organisation's statements a new marking (current and history alike)."""
    with command() as ctx:
        if not marking:
            raise InputError("--marking", "the new marking is required")
        ids = _selected(ctx, as_org, statements, entity, prop, value)
        before = ctx.store.version()
        changed = ctx.store.remark(
            ctx.viewer(as_org),
            ids,
            Marking.parse(marking),
            by=by or ctx.viewer(as_org).organisation,
            reason=reason,
            owner_org=ctx.settings.organisation,
        )
        ctx.follow_write(before, changed)
        out.print(f"re-marked {len(ids):,} statement(s) of {len(changed):,} entities")


@app.command()
def retract(
    statements: StatementArgs = None,
    entity: EntityOption = None,
    prop: PropOption = None,
    value: ValueOption = None,
    reason: ReasonOption = "",
    by: ByOption = "",
    as_org: AsOption = None,
) -> None:
    """Withdraw your organisation's statements from every view (kept in the audit only)."""
    with command() as ctx:
        ids = _selected(ctx, as_org, statements, entity, prop, value)
        before = ctx.store.version()
        changed = ctx.store.retract(
            ctx.viewer(as_org),
            ids,
            by=by or ctx.viewer(as_org).organisation,
            reason=reason,
            owner_org=ctx.settings.organisation,
        )
        ctx.follow_write(before, changed)
        out.print(f"retracted {len(ids):,} statement(s) of {len(changed):,} entities")


@app.command()
def audit(
    entity: Annotated[str | None, typer.Option(help="Only this entity.")] = None,
    as_org: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Re-markings and retractions of your organisation's information."""
    with command() as ctx:
        rows = ctx.reader(as_org).audit(entity)
        if as_json:
            emit_json(rows)
            return
        table = Table("at", "action", "entity", "statement", "before", "after", "by", "reason")
        for r in rows:
            table.add_row(
                r["at"],
                r["action"],
                r["entity_id"],
                r["statement_id"][:12],
                r["old_marking"],
                r["new_marking"] or "",
                f"{r['decided_by']} ({r['organisation']})",
                r["reason"],
            )
        out.print(table)
