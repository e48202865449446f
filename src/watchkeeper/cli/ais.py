"""Maritime watch: AIS import, detection, simulation, tracks and alerts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from watchkeeper.cli.common import AsOption, JsonOption, check_output, command, emit_json, err, out
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
        # The files that could be read are in the dataset; a file that could not makes
        # the command fail (exit 2) after them, each with its one-line reason above.
        if any(r.error for r in reports):
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
    ports_file: Annotated[
        Path | None,
        typer.Option("--ports", help="Your own ports list (GeoJSON points or CSV name,lat,lon)"),
    ] = None,
    anchorages: Annotated[
        bool, typer.Option(help="Use anchorages learned from the data (ais anchorages)")
    ] = True,
    link: Annotated[
        bool, typer.Option(help="Store detections as events linked to known vessels")
    ] = True,
    as_org: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Port calls, AIS gaps, loitering, encounters, spoofing, shared MMSIs and identity
    changes; encounters and loitering only away from ports and anchorages."""
    from datetime import UTC, datetime

    from watchkeeper.maritime.areas import load_geojson, parse_area, theater_ports
    from watchkeeper.maritime.dataset import AisDataset
    from watchkeeper.maritime.detectors import detect
    from watchkeeper.maritime.engines import get_engine
    from watchkeeper.maritime.places import known_places

    with command() as ctx:
        check_output(output)
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
        places, note = known_places(dataset, ports_file, learn=anchorages)
        err.print(f"places where ships are expected to stop: {note}", highlight=False)
        found = detect(
            dataset,
            areas,
            since=start,
            engine=get_engine(engine, ctx.settings.spark_master),
            places=places,
        )
        if link:
            from watchkeeper.maritime.link import link_detections

            before = ctx.store.version()
            # A run over the whole dataset supersedes what earlier runs stored; one
            # --since a date adds and updates only.
            summary = link_detections(
                ctx.store, ctx.reader(as_org), dataset, found, areas, complete=start is None
            )
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
        err.print(
            f"import them with: watchkeeper ais import {folder}/positions.parquet "
            f"{folder}/identities.parquet",
            highlight=False,
        )
        out.print(f"{len(sim.positions):,} positions, {len(sim.truth)} scripted events -> {folder}")


@app.command("track")
def ais_track(
    vessel: Annotated[str, typer.Argument(help="MMSI or IMO number")], as_json: JsonOption = False
) -> None:
    """A vessel's reported identities, positions and voyage (port calls and gaps in order)."""
    from watchkeeper.maritime.areas import theater_ports
    from watchkeeper.maritime.dataset import AisDataset
    from watchkeeper.maritime.places import known_places
    from watchkeeper.maritime.track import track

    with command() as ctx:
        dataset = AisDataset(ctx.settings.ais_dir)
        places, _ = known_places(dataset)
        data = track(dataset, vessel, theater_ports(), places)
        if as_json:
            emit_json(data)
            return
        out.print(f"MMSI {', '.join(map(str, data['mmsi']))}: {data['positions']:,} positions, "
                  f"{data['first'] or '-'} to {data['last'] or '-'}")  # fmt: skip
        for ident in data["identities"]:
            out.print(
                f"  {ident['ts'][:16]} – {ident['last'][:16]}  MMSI {ident['mmsi']} "
                f"(flag {(ident['flag'] or '?').upper()})  {ident['name'] or ''}  "
                f"IMO {ident['imo'] or '-'}  {ident['call_sign'] or ''}  ({ident['reports']} reports)"
            )
        for leg in data["voyage"]:
            out.print(f"  {leg['start']} – {leg['end']}  {leg['kind']} {leg.get('area') or ''}")


anchorages_app = typer.Typer(
    help="Anchorages learned from the AIS data: learn, review, export.", no_args_is_help=True
)
app.add_typer(anchorages_app, name="anchorages")


@anchorages_app.command("learn")
def anchorages_learn(
    min_vessels: Annotated[int, typer.Option(help="Distinct vessels that stayed in a cell")] = 3,
    min_stay_hours: Annotated[float, typer.Option(help="Hours one vessel stays in a cell")] = 1.0,
    ports_file: Annotated[Path | None, typer.Option("--ports", help="Your own ports list")] = None,
    as_json: JsonOption = False,
) -> None:
    """Learn anchorages from the dataset (review decisions kept) and store them."""
    from dataclasses import replace

    from watchkeeper.maritime.dataset import AisDataset
    from watchkeeper.maritime.places import AnchorageRules, current_anchorages, gazetteer

    with command() as ctx:
        if min_vessels < 1 or min_stay_hours <= 0:
            raise InputError("--min-vessels", "needs at least 1 vessel and a positive stay")
        rules = replace(AnchorageRules(), min_vessels=min_vessels, min_stay_hours=min_stay_hours)
        dataset = AisDataset(ctx.settings.ais_dir)
        found, _, _ = current_anchorages(dataset, gazetteer(ports_file), rules)
        _print_anchorages(found, as_json)


@anchorages_app.command("list")
def anchorages_list(as_json: JsonOption = False) -> None:
    """The stored anchorages, for review."""
    from watchkeeper.maritime.dataset import AisDataset
    from watchkeeper.maritime.places import anchorages_path, read_anchorages

    with command() as ctx:
        path = anchorages_path(AisDataset(ctx.settings.ais_dir))
        if not path.exists():
            raise InputError(str(path), "no anchorages yet: run `ais anchorages learn`")
        _print_anchorages(read_anchorages(path)[0], as_json)


@anchorages_app.command("review")
def anchorages_review(
    anchorage: Annotated[str, typer.Argument(help="Anchorage id (from `ais anchorages list`)")],
    reject: Annotated[
        bool, typer.Option("--reject/--accept", help="Reject (suppress nothing) or accept")
    ] = True,
) -> None:
    """Reject a learned anchorage (encounters and loitering there are reported again), or
    accept it back."""
    from watchkeeper.maritime.dataset import AisDataset
    from watchkeeper.maritime.places import anchorages_path, read_anchorages, save_anchorages

    with command() as ctx:
        dataset = AisDataset(ctx.settings.ais_dir)
        path = anchorages_path(dataset)
        if not path.exists():
            raise InputError(str(path), "no anchorages yet: run `ais anchorages learn`")
        found, rules, positions = read_anchorages(path)
        match = [a for a in found if a.id == anchorage]
        if not match:
            raise InputError(anchorage, "no such anchorage (see `ais anchorages list`)")
        match[0].status = "rejected" if reject else "learned"
        save_anchorages(dataset, found, rules, positions)
        out.print(f"{anchorage}: {match[0].status}")


@anchorages_app.command("export")
def anchorages_export(
    output: Annotated[Path, typer.Option("-o", "--output", help="GeoJSON file to write")],
) -> None:
    """The stored anchorages as GeoJSON (cells as polygons, review status as a property)."""
    from watchkeeper.maritime.dataset import AisDataset
    from watchkeeper.maritime.places import anchorages_path

    with command() as ctx:
        path = anchorages_path(AisDataset(ctx.settings.ais_dir))
        if not path.exists():
            raise InputError(str(path), "no anchorages yet: run `ais anchorages learn`")
        if not output.parent.is_dir():
            raise InputError(str(output), "the output folder does not exist")
        output.write_text(path.read_text())
        out.print(f"anchorages -> {output}")


def _print_anchorages(found: list[Any], as_json: bool) -> None:
    if as_json:
        emit_json([{**a.__dict__, "cells": [list(c) for c in a.cells]} for a in found])
        return
    table = Table(
        "id", "name", "status", "vessels", "stays", "cells", title=f"{len(found)} anchorages"
    )
    for a in found:
        table.add_row(a.id, a.name, a.status, str(a.vessels), str(a.stays), str(len(a.cells)))
    out.print(table)


alerts_group = typer.Typer(
    help="Maritime alerts: most severe first; acknowledge them per organisation.",
    invoke_without_command=True,
)
alerts_app.add_typer(alerts_group, name="alerts")


@alerts_group.callback()
def alerts(
    ctx: typer.Context,
    vessel: Annotated[
        str | None, typer.Option(help="MMSI, IMO number, entity id or name of a vessel")
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            help="gap, loitering, encounter, spoofing, shared_mmsi, identity_change, port_call"
        ),
    ] = None,
    area: Annotated[
        str | None, typer.Option(help="A port, anchorage or watched area (name or id)")
    ] = None,
    since: Annotated[str | None, typer.Option(help="From this ISO date or time")] = None,
    until: Annotated[str | None, typer.Option(help="Up to this ISO date or time")] = None,
    severity: Annotated[
        str | None, typer.Option(help="At least this severity: low, medium, high, critical")
    ] = None,
    unacknowledged: Annotated[
        bool, typer.Option(help="Only alerts your organisation has not acknowledged")
    ] = False,
    limit: Annotated[int, typer.Option(help="Show at most this many (0: all)")] = 50,
    as_org: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Maritime alerts the viewer may see, most severe first, newest first within a
    severity, each with its reason in words."""
    if ctx.invoked_subcommand is not None:
        return
    from watchkeeper.maritime.alerts import list_alerts

    with command() as ctx_:
        found = list_alerts(
            ctx_.resolved(as_org),
            vessel=vessel,
            kind=kind,
            area=area,
            since=_when("--since", since),
            until=_when("--until", until, end_of_day=True),
            min_severity=severity,
            unacknowledged=unacknowledged,
        )
        shown = found[:limit] if limit > 0 else found
        if as_json:
            emit_json(shown)
            return
        table = Table(
            "severity", "start", "alert", "why", "id",
            title=f"{len(found):,} alerts" + (f" (first {len(shown):,})" if len(shown) < len(found) else ""),
        )  # fmt: skip
        for a in shown:
            ack = a["acknowledged"]
            why = str(a["reason"]) + (
                f" [acknowledged by {ack['by']} {ack['at'][:10]}]" if ack else ""
            )
            table.add_row(
                str(a["severity"]), str(a["start"])[:16], str(a["title"]), why, str(a["id"])
            )
        out.print(table)


@alerts_group.command("ack")
def alerts_ack(
    alert: Annotated[str, typer.Argument(help="The alert's id (from `watchkeeper alerts`)")],
    by: Annotated[str, typer.Option(help="Who acknowledges (a name or initials)")],
    note: Annotated[str, typer.Option(help="Why, or what was done")] = "",
    as_org: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Acknowledge an alert for your organisation (who, when, a note); other
    organisations do not see it."""
    from watchkeeper.maritime.alerts import acknowledge_alert

    with command() as ctx:
        done = acknowledge_alert(ctx.store, ctx.reader(as_org), alert, by, note)
        if as_json:
            emit_json(done)
            return
        out.print(f"{alert}: acknowledged by {done['by']} at {done['at']}")


def _when(option: str, text: str | None, end_of_day: bool = False) -> Any:
    from watchkeeper.maritime.alerts import parse_when

    return parse_when(option, text, end_of_day)
