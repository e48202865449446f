"""Maritime watch: AIS import, detection, simulation, tracks and alerts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from watchkeeper.cli.common import AsOption, JsonOption, command, emit_json, err, out
from watchkeeper.errors import InputError

app = typer.Typer(help="AIS ship-tracking data (maritime watch).", no_args_is_help=True)
alerts_app = typer.Typer()


@app.command("import")
def ais_import(
    files: Annotated[list[Path], typer.Argument(help="NMEA, CSV or Parquet files.")],
    fmt: Annotated[
        str, typer.Option("--format", help="auto, nmea, csv, parquet, noaa, dma, satellite")
    ] = "auto",
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map", help="FIELD=COLUMN for a generic CSV (fields: mmsi, ts, lat, lon, sog, ...)"
        ),
    ] = None,
    time_format: Annotated[
        str, typer.Option(help="strptime pattern of the time column, or iso")
    ] = "iso",
    assume_time: Annotated[
        str | None, typer.Option(help="ISO time for NMEA sentences that carry no receiver time")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Ingest AIS files into the day-partitioned, de-duplicated Parquet dataset."""
    from datetime import UTC, datetime

    from watchkeeper.maritime.dataset import AisDataset
    from watchkeeper.maritime.ingest import ingest
    from watchkeeper.maritime.tabular import custom_layout

    with command() as ctx:
        layout = None
        if mapping:
            bad = [item for item in mapping if "=" not in item]
            if bad:
                raise InputError("--map", f"expected FIELD=COLUMN, got {bad[0]!r}")
            layout = custom_layout(dict(item.split("=", 1) for item in mapping), time_format)
        when = None
        if assume_time:
            try:
                when = datetime.fromisoformat(assume_time).replace(tzinfo=UTC)
            except ValueError:
                raise InputError("--assume-time", f"not an ISO time: {assume_time!r}") from None
        reports = ingest(AisDataset(ctx.settings.ais_dir), files, fmt, layout, when)
        if as_json:
            emit_json([r.to_dict() for r in reports])
        else:
            for report in reports:
                (err if report.error else out).print(
                    report.summary(), highlight=False, soft_wrap=True
                )
        if reports and all(r.error for r in reports):
            raise typer.Exit(2)


@app.command("detect")
def ais_detect(
    since: Annotated[str | None, typer.Option(help="Only positions from this ISO date on")] = None,
    engine: Annotated[str, typer.Option(help="duckdb (embedded) or spark")] = "duckdb",
    area: Annotated[
        list[str] | None, typer.Option(help="Extra watched area NAME=LAT,LON,RADIUS_KM")
    ] = None,
    areas_file: Annotated[
        list[Path] | None,
        typer.Option("--areas", help="GeoJSON file of watched polygons (named by 'name')"),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write events as JSON lines")
    ] = None,
    link: Annotated[
        bool, typer.Option(help="Store detections as events linked to known vessels")
    ] = True,
    as_org: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Port calls, AIS gaps, loitering, encounters, impossible jumps and identity changes."""
    from datetime import UTC, datetime

    from watchkeeper.maritime.areas import load_geojson, parse_area, theater_ports
    from watchkeeper.maritime.dataset import AisDataset
    from watchkeeper.maritime.detectors import detect
    from watchkeeper.maritime.engines import get_engine

    with command() as ctx:
        start = None
        if since:
            try:
                start = datetime.fromisoformat(since).replace(tzinfo=UTC)
            except ValueError:
                raise InputError("--since", f"not an ISO date: {since!r}") from None
        areas = theater_ports() + [parse_area(a) for a in area or []]
        for geojson in areas_file or []:
            areas += load_geojson(geojson)
        dataset = AisDataset(ctx.settings.ais_dir)
        found = detect(
            dataset, areas, since=start, engine=get_engine(engine, ctx.settings.spark_master)
        )
        if link:
            from watchkeeper.maritime.link import link_detections

            before = ctx.store.version()
            summary = link_detections(ctx.store, ctx.reader(as_org), dataset, found, areas)
            ctx.follow_write(before, summary.changed_entities)
            err.print(f"{len(found):,} detections stored as events (source {summary.source_id})")
        lines = [json.dumps(d.to_dict(), ensure_ascii=False) for d in found]
        if output is not None:
            output.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        if as_json:
            emit_json([d.to_dict() for d in found])
            return
        table = Table(
            "start", "kind", "mmsi", "other", "area", "details", title=f"{len(found):,} detections"
        )
        for d in found:
            table.add_row(
                d.start.strftime("%Y-%m-%d %H:%M"),
                d.kind,
                str(d.mmsi),
                str(d.other_mmsi or ""),
                d.area or "",
                json.dumps(d.details, default=str)[:80],
            )
        out.print(table)


@app.command("simulate")
def ais_simulate(
    folder: Annotated[
        Path, typer.Argument(help="Where to write positions, identities and truth.json")
    ],
    seed: int = 1,
    vessels: Annotated[int, typer.Option(help="Background vessels")] = 20,
    days: float = 4.0,
) -> None:
    """Write simulated traffic with the scripted scenarios and their ground truth."""
    from watchkeeper.maritime.areas import theater_ports
    from watchkeeper.maritime.simulator import scenario

    with command():
        sim = scenario(theater_ports(), seed, vessels, days)
        sim.write(folder)
        out.print(f"{len(sim.positions):,} positions, {len(sim.truth)} scripted events -> {folder}")


@app.command("track")
def ais_track(
    vessel: Annotated[str, typer.Argument(help="MMSI or IMO number")], as_json: JsonOption = False
) -> None:
    """A vessel's reported identities, positions and voyage (port calls and gaps in order)."""
    from watchkeeper.maritime.areas import theater_ports
    from watchkeeper.maritime.dataset import AisDataset
    from watchkeeper.maritime.track import track

    with command() as ctx:
        data = track(AisDataset(ctx.settings.ais_dir), vessel, theater_ports())
        if as_json:
            emit_json(data)
            return
        out.print(f"MMSI {', '.join(map(str, data['mmsi']))}: {data['positions']:,} positions, "
                  f"{data['first'] or '-'} to {data['last'] or '-'}")  # fmt: skip
        for ident in data["identities"]:
            out.print(
                f"  {ident['ts']}  MMSI {ident['mmsi']} (flag {(ident['flag'] or '?').upper()})  "
                f"{ident['name'] or ''}  IMO {ident['imo'] or '-'}  {ident['call_sign'] or ''}"
            )
        for leg in data["voyage"]:
            out.print(f"  {leg['start']} – {leg['end']}  {leg['kind']} {leg.get('area') or ''}")


@alerts_app.command()
def alerts(as_org: AsOption = None, as_json: JsonOption = False) -> None:
    """Detections involving sanctioned vessels or watched ports, newest first."""
    from watchkeeper.maritime.link import alerts as list_alerts

    with command() as ctx:
        found = list_alerts(ctx.resolved(as_org))
        if as_json:
            emit_json(found)
            return
        table = Table("start", "alert", "why", title=f"{len(found):,} alerts")
        for a in found:
            table.add_row(str(a["start"])[:16], str(a["title"]), str(a["why"]))
        out.print(table)
