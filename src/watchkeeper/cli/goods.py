"""Export controls: ``watchkeeper goods screen`` (shipment lines for CHPL goods,
listed parties and diversion routes) and ``watchkeeper goods rules`` (the data)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from watchkeeper.cli.common import AsOption, JsonOption, check_output, command, emit_json, out
from watchkeeper.errors import InputError

app = typer.Typer(help="Export controls: screen shipment lines.", no_args_is_help=True)


@app.command("screen")
def screen(
    input_csv: Annotated[
        Path,
        typer.Argument(
            help="CSV: id, description, hs_code[, quantity, value, currency, origin, "
            "destination, shipper, consignee, notify_party, vessel]; ',' or ';'."
        ),
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the flags CSV.")],
    errors: Annotated[
        Path | None,
        typer.Option("--errors", help="Rows refused, with reasons [OUTPUT.errors.csv]."),
    ] = None,
    parties: Annotated[
        bool, typer.Option(help="Screen shipper, consignee, notify party and vessel.")
    ] = True,
    as_org: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Screen shipment lines: goods on the Common High Priority List (by HS code and by
    description, in English, Russian, Chinese and Korean), parties on the lists and the
    watchlist, and destinations named in compliance alerts."""
    from watchkeeper.tradecontrol.screen import ShipmentScreen, screen_file

    with command() as ctx:
        if not input_csv.is_file():
            raise InputError(str(input_csv), "no such file")
        errors_path = errors or output.with_name(output.stem + ".errors.csv")
        check_output(output, errors_path)
        from watchkeeper.store.goods import goods_decisions
        from watchkeeper.tradecontrol.decisions import by_line

        screener = ctx.screener(as_org) if parties else None
        log = goods_decisions(ctx.store, ctx.viewer(as_org).organisation)
        shipment_screen = ShipmentScreen(screener, decisions=by_line(log))
        summary = screen_file(shipment_screen, input_csv, output, errors_path)
        result = asdict(summary) | {
            "output": str(output),
            "errors_file": str(errors_path),
            "data_version": shipment_screen.version,
        }
        if as_json:
            emit_json(result)
            return
        out.print(
            f"{summary.lines:,} lines screened: {summary.flagged:,} flagged "
            f"({summary.chpl:,} CHPL goods, {summary.parties:,} with a listed party); "
            f"{summary.errors:,} rows refused (see {errors_path}); data {shipment_screen.version}"
        )


@app.command("rules")
def rules(as_json: JsonOption = False) -> None:
    """The CHPL codes by tier, with the number of keyword rules and route alerts, and
    where each comes from."""
    from watchkeeper.tradecontrol.rules import load_rules

    data = load_rules()
    tiers: dict[str, list[str]] = {}
    for item in data.chpl.values():
        tiers.setdefault(item.tier, []).append(item.hs6)
    report = {
        "version": data.version,
        "chpl_source": asdict(data.chpl_source),
        "tiers": {tier: sorted(codes) for tier, codes in sorted(tiers.items())},
        "keyword_rules": len(data.keywords),
        "routes": [
            {"id": a.id, "kind": a.kind, "title": a.title, "url": a.url,
             "countries": sorted(a.countries)}
            for a in data.routes
        ],
    }  # fmt: skip
    if as_json:
        emit_json(report)
        return
    out.print(f"data {data.version}; CHPL from {data.chpl_source.title} ({data.chpl_source.url})")
    for tier, codes in report["tiers"].items():  # type: ignore[attr-defined]
        out.print(f"  tier {tier}: {', '.join(codes)}")
    for alert in data.routes:
        out.print(f"  {alert.kind}: {', '.join(sorted(alert.countries))} — {alert.title}")


@app.command("decide")
def decide(
    input_csv: Annotated[Path, typer.Argument(help="The shipments CSV the line is in.")],
    line_id: Annotated[str, typer.Argument(help="The line's id.")],
    decision: Annotated[str, typer.Argument(help="clear, escalate or reopened.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (required).")],
    by: Annotated[str, typer.Option("--by", help="Who decides.")],
    as_org: AsOption = None,
) -> None:
    """Decide on a screened line: the decision is bound to the line as it is in the file
    and to the data version; it holds while both are unchanged."""
    from watchkeeper.tradecontrol.decisions import decide as record
    from watchkeeper.tradecontrol.screen import ShipmentScreen
    from watchkeeper.tradecontrol.shipments import ShipmentLine, open_shipments, read_lines

    with command() as ctx:
        if not input_csv.is_file():
            raise InputError(str(input_csv), "no such file")
        with open_shipments(input_csv) as handle:
            found = [
                item
                for item in read_lines(str(input_csv), handle)
                if isinstance(item, ShipmentLine) and item.id == line_id
            ]
        if len(found) != 1:
            raise InputError(
                str(input_csv), f"{len(found)} screenable lines with this id; need one", line_id
            )
        row = record(
            ctx.store, ctx.viewer(as_org), ShipmentScreen(None), found[0], decision, reason, by
        )
        out.print(
            f"{row['decision']}: line {line_id} by {by} at {row['decided_at']} "
            f"(data {row['data_version']})"
        )


@app.command("decisions")
def decisions(as_org: AsOption = None, as_json: JsonOption = False) -> None:
    """Your organisation's decisions on shipment lines, oldest first."""
    from watchkeeper.store.goods import goods_decisions

    with command() as ctx:
        rows = goods_decisions(ctx.store, ctx.viewer(as_org).organisation)
        if as_json:
            emit_json(rows)
            return
        for r in rows:
            out.print(
                f"{r['decided_at']} {r['line_id']} {r['decision']} by {r['decided_by']}: "
                f"{r['reason']} [{r['finding']}]",
                highlight=False,
            )
