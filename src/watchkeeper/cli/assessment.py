"""Assessment: the monitoring report, estimates, trackers, futures and models."""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from watchkeeper.cli.common import AsOption, JsonOption, command, emit_json, err, out
from watchkeeper.errors import InputError

app = typer.Typer(help="Estimates, sector and capability trackers, futures and models.")
report_app = typer.Typer()

PeriodOption = Annotated[
    str, typer.Option(help="2024, 2024-Q3, 2024-06, or FROM..TO (e.g. 2024-01..2024-06).")
]
DateOption = Annotated[
    str | None,
    typer.Option("--date", help="Make it as of this date (YYYY-MM-DD); default: the period's end."),
]


def _as_of(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError("--date", f"{text!r} is not a date (YYYY-MM-DD)") from None


@report_app.command()
def report(
    period: PeriodOption,
    as_org: AsOption = None,
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Folder for the HTML and PDF files.")
    ] = Path("."),
    as_of: DateOption = None,
    pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="Also render the PDF.")] = True,
    include: Annotated[
        list[str] | None,
        typer.Option(
            "--include",
            help="Also use this kind of material besides facts: simulated or exercise "
            "(labelled wherever it appears). Repeatable.",
        ),
    ] = None,
) -> None:
    """The monitoring report of a period, as ORG may see it: HTML and PDF. Facts only,
    unless --include asks for simulated or exercise material."""
    from watchkeeper.assessment import report as rep
    from watchkeeper.assessment.periods import parse_period
    from watchkeeper.model.source import FACT, MATERIALS

    with command() as ctx:
        for kind in include or []:
            if kind not in MATERIALS:
                raise InputError("--include", f"{kind!r} is not one of {', '.join(MATERIALS)}")
        reader = ctx.reader(as_org).with_materials({FACT, *(include or [])})
        chosen = parse_period(period)
        built = rep.build(reader, chosen, _as_of(as_of))
        html = rep.render_html(built)
        output.mkdir(parents=True, exist_ok=True)
        who = re.sub(r"[^A-Za-z0-9_-]+", "-", reader.viewer.organisation) or "viewer"
        stem = f"report-{who}-{rep.file_stem(chosen, built.as_of)}"
        html_path, pdf_path = output / f"{stem}.html", output / f"{stem}.pdf"
        html_path.write_text(html, encoding="utf-8")
        out.print(f"wrote {html_path}")
        if pdf:
            pdf_path.write_bytes(rep.render_pdf(html))
            out.print(f"wrote {pdf_path}")
        err.print(
            f"{built.data['events_total']} events, {len(built.data['estimates'])} estimates in the "
            f"period, {len(built.references)} references; {built.banner}; basis {built.digest}"
        )


@app.command("load")
def load() -> None:
    """Load the bundled assessment dataset (estimates, scenarios, judgments)."""
    from watchkeeper.assessment.loader import load_assessment

    with command() as ctx:
        summary = load_assessment(ctx.store)
        if summary.changed:
            out.print(
                f"assessment dataset: {summary.estimates} estimates, {summary.judgments} "
                f"judgments; {summary.added} rows added, {summary.ended} ended"
            )
        else:
            out.print("assessment dataset already loaded, nothing changed")


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="An assessment YAML file (see the README).")],
) -> None:
    """Import an analyst's estimates and judgments, under the markings they carry."""
    from watchkeeper.assessment.loader import import_assessment

    with command() as ctx:
        summary = import_assessment(ctx.store, file)
        if not summary.changed and not summary.estimates and not summary.judgments:
            out.print(f"{file.name}: release already imported, nothing changed")
            return
        out.print(
            f"{file.name}: {summary.estimates} estimates, {summary.judgments} judgments; "
            f"{summary.added} rows added, {summary.ended} ended (source {summary.source_id})"
        )


@app.command()
def estimates(
    measure: Annotated[
        list[str] | None, typer.Option(help="Only this measure (repeatable).")
    ] = None,
    chart: Annotated[
        Path | None, typer.Option(help="Write the chart of rounds supplied (SVG) here.")
    ] = None,
    as_org: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every estimate you may see, side by side, with the conflicts among them."""
    from watchkeeper.assessment import charts
    from watchkeeper.assessment import estimates as est
    from watchkeeper.assessment.dataset import measures
    from watchkeeper.assessment.sources import shown_marking

    with command() as ctx:
        reader = ctx.reader(as_org)
        items = est.estimates(reader, measure)
        found = est.conflicts(items)
        if chart is not None:
            known = measures()
            points = [
                charts.EstimatePoint(
                    e.as_of, e.point(), e.low if e.bound == "range" else None,
                    e.high if e.bound == "range" else None, e.bound, e.estimator, e.capacity,
                    not known[e.measure].cumulative, e.figure(),
                )
                for e in est.chart_group(items, "shells")
            ]  # fmt: skip
            chart.write_text(
                charts.estimate_chart(points, "Estimates of rounds supplied", "rounds")
            )
            err.print(f"wrote {chart}")
        if as_json:
            emit_json(
                {
                    "estimates": [
                        asdict(e)
                        | {"figure": e.figure(), "marking": shown_marking(e.marking, reader.viewer)}
                        for e in items
                    ],
                    "conflicts": [
                        {"first": c.first.key, "second": c.second.key, "reason": c.reason}
                        for c in found
                    ],
                }
            )
            return
        table = Table(
            "reported", "measure", "figure", "by", "grade", title=f"{len(items)} estimates"
        )
        for e in items:
            table.add_row(e.reported, e.measure_label, e.figure(), e.estimator, e.grade)
        out.print(table)
        for c in found:
            out.print(f"[yellow]conflict[/yellow] {c.first.measure_label}: {c.reason}")


@app.command()
def sectors(
    period: Annotated[str | None, typer.Option(help="Only this period (as for report).")] = None,
    as_org: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Events by sector: counts, first and last reported, evidence classes and strength."""
    from watchkeeper.assessment import trackers
    from watchkeeper.assessment.periods import parse_period

    with command() as ctx:
        chosen = parse_period(period) if period else None
        rows = trackers.sector_tracker(trackers.read_events(ctx.reader(as_org)), chosen)
        if as_json:
            emit_json(
                [
                    {
                        "sector": r.sector,
                        "events": r.events,
                        "first": r.first,
                        "last": r.last,
                        "shares": r.shares,
                        "strength": r.mean_strength,
                        "by_month": dict(sorted(r.by_month.items())),
                    }
                    for r in rows
                ]
            )
            return
        table = Table(
            "sector", "events", "first", "last", "confirmed", "reported", "assessed", "strength"
        )
        for r in rows:
            s = r.shares
            table.add_row(
                r.label, str(r.events), r.first or "", r.last or "",
                f"{s['confirmed']:.0%}", f"{s['reported']:.0%}", f"{s['assessed']:.0%}",
                f"{r.mean_strength:.2f}",
            )  # fmt: skip
        out.print(table)


@app.command()
def capabilities(as_org: AsOption = None, as_json: JsonOption = False) -> None:
    """North Korea's capabilities by domain and the evidence of Russian help behind each change."""
    from watchkeeper.assessment import estimates as est
    from watchkeeper.assessment import trackers

    with command() as ctx:
        reader = ctx.reader(as_org)
        events = trackers.read_events(reader)
        caps = trackers.capability_tracker(reader, events, est.estimates(reader))
        data = [
            {
                "domain": c.domain,
                "label": c.label,
                "status": c.status,
                "help": c.help,
                "changes": [
                    {
                        "date": ch.date,
                        "status": ch.status,
                        "help": ch.help,
                        "reason": ch.reason,
                        "analyst": ch.analyst,
                        "evidence": [e.id for e in ch.evidence],
                        "estimates": [e.key for e in ch.estimates],
                    }
                    for ch in c.changes
                ],
            }
            for c in caps
        ]
        if as_json:
            emit_json(data)
            return
        table = Table("domain", "Russian help", "status", "changes")
        for c in caps:
            table.add_row(c.label, c.help, c.status, str(len(c.changes)))
        out.print(table)


@app.command()
def futures(as_org: AsOption = None, as_of: DateOption = None, as_json: JsonOption = False) -> None:
    """Scenario probabilities (ICD 203 words), what moved them, and the indicator board."""
    from watchkeeper.assessment import futures as fut
    from watchkeeper.assessment import judgments, trackers

    with command() as ctx:
        reader = ctx.reader(as_org)
        when = _as_of(as_of)
        result = fut.futures(reader, trackers.read_events(reader, when), when)
        key = judgments.key_judgments(result)
        data: dict[str, Any] = {
            "probabilities": [asdict(p) for p in result.posterior],
            "key_judgments": [
                {k: v for k, v in asdict(j).items() if k != "confidence_cite"} for j in key
            ],
            "departures": [
                {k: v for k, v in asdict(d).items() if k != "citation"}
                for d in judgments.departures(result)
            ],
            "steps": [
                {
                    "date": s.date,
                    "evidence": s.evidence.id,
                    "label": s.evidence.label,
                    "indicator": s.evidence.indicator,
                    "likelihoods": dict(s.evidence.likelihoods),
                    "before": s.before,
                    "after": s.after,
                }
                for s in result.steps
            ],
            "indicators": [
                {
                    "id": i.id,
                    "title": i.title,
                    "observed": i.observed,
                    "last": i.last_observed,
                    "likelihoods": i.likelihoods,
                    "events": [o.event.id for o in i.observations],
                }
                for i in result.indicators
            ],
        }
        if as_json:
            emit_json(data)
            return
        table = Table("scenario", "probability", "ICD 203", "range", "confidence")
        for j in key:
            table.add_row(
                j.scenario, f"{j.percent}%", j.word, f"{j.range[0]}–{j.range[1]} %", j.confidence
            )
        out.print(table)
        for j in key:
            out.print(f"{j.scenario}: {j.confidence} confidence: {j.confidence_reason}.")
        table = Table("date", "evidence", "indicator", "after", title="What moved them")
        for s in result.steps:
            after = ", ".join(f"{k} {v:.0%}" for k, v in s.after.items())
            table.add_row(s.date, s.evidence.label, s.evidence.indicator, after)
        out.print(table)


@app.command()
def ach(as_org: AsOption = None, as_json: JsonOption = False) -> None:
    """The ACH matrix: evidence x hypotheses, diagnosticity and sensitivity."""
    from watchkeeper.assessment import ach as ach_mod
    from watchkeeper.assessment import futures as fut
    from watchkeeper.assessment import trackers

    with command() as ctx:
        reader = ctx.reader(as_org)
        result = fut.futures(reader, trackers.read_events(reader)).ach
        if result is None:
            out.print("no ACH evidence or hypotheses you may see")
            return
        if as_json:
            emit_json(
                {
                    "hypotheses": result.hypotheses,
                    "items": [{"id": i.id, "label": i.label, "weight": i.weight, "marks": dict(i.marks)} for i in result.items],
                    "inconsistency": result.inconsistency,
                    "ranks": result.ranks,
                    "diagnosticity": result.diagnosticity,
                    "sensitivity": [asdict(s) for s in result.sensitivity],
                }
            )  # fmt: skip
            return
        table = Table("evidence", *result.hypotheses, "diagnosticity", "if it is wrong")
        sens = {s.item: s for s in result.sensitivity}
        for item in result.items:
            table.add_row(
                item.label[:60], *[item.mark(h) for h in result.hypotheses],
                str(result.diagnosticity[item.id]),
                ach_mod.describe(sens[item.id].ranks_without) if sens[item.id].changes_leader else "no change at the top",
            )  # fmt: skip
        table.add_row(
            "inconsistency", *[f"{result.inconsistency[h]:.2f}" for h in result.hypotheses], "", ""
        )
        out.print(table)
        out.print("least inconsistent first: " + ach_mod.describe(result.ranks))


@app.command()
def model(
    name: Annotated[
        str,
        typer.Argument(help="shells_from_containers, nk_share_of_russian_fire or troop_rotations"),
    ],
    assumptions: Annotated[
        Path | None,
        typer.Option(help="YAML overriding some assumptions (same shape as data/models.yaml)."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the random generator.")] = 1,
    draws: Annotated[int, typer.Option(help="Number of draws.")] = 100_000,
    chart: Annotated[
        Path | None, typer.Option(help="Write the distribution chart (SVG) here.")
    ] = None,
    as_json: JsonOption = False,
    as_org: AsOption = None,
) -> None:
    """Run a Monte Carlo model: its distribution, the assumptions it rests on, impossible
    draws, and how it compares with the best-graded estimates ORG may see."""
    from watchkeeper.assessment import charts, modelcheck, models
    from watchkeeper.assessment.estimates import estimates

    with command() as ctx:
        specs = models.load_models(assumptions)
        if name not in specs:
            raise InputError(name, f"unknown model; one of: {', '.join(specs)}")
        result = models.run(specs[name], draws=draws, seed=seed)
        summary = asdict(result.summary)
        checks = modelcheck.check(result, estimates(ctx.reader(as_org)))
        warning = modelcheck.impossible_text(result)
        if chart is not None:
            if result.path:
                months = list(result.path)
                bands = {
                    series: [(result.path[m][series].p5, result.path[m][series].p50, result.path[m][series].p95) for m in months]
                    for series in ("strength", "casualties", "killed")
                }  # fmt: skip
                svg = charts.band_chart(months, bands, result.spec.title, result.spec.unit)
            else:
                edges, counts = models.histogram(result.values)
                svg = charts.histogram_chart(
                    edges, counts, result.spec.title, result.spec.unit,
                    {"median": result.summary.p50, "5 %": result.summary.p5, "95 %": result.summary.p95},
                )  # fmt: skip
            chart.write_text(svg)
            err.print(f"wrote {chart}")
        stated = [
            {
                "name": a.name,
                "distribution": a.describe(),
                "cites": list(a.cites),
                "reason": a.reason,
            }
            for a in result.spec.assumptions.values()
        ]
        if as_json:
            emit_json(
                {
                    "model": name,
                    "seed": seed,
                    "draws": draws,
                    "summary": summary,
                    "closed_form": result.closed,
                    "impossible": result.impossible,
                    "checks": [
                        {
                            "estimate": c.estimate.key,
                            "relation": c.relation,
                            "conflict": c.conflict,
                            "text": c.text,
                        }
                        for c in checks
                    ],
                    "assumptions": stated,
                    "path": {
                        m: {k: asdict(v) for k, v in s.items()} for m, s in result.path.items()
                    },
                }
            )
            return
        out.print(f"[bold]{result.spec.title}[/bold] ({draws:,} draws, seed {seed})")
        out.print(
            f"mean {summary['mean']:,.3g}, median {summary['p50']:,.3g}, "
            f"5–95 %: {summary['p5']:,.3g}–{summary['p95']:,.3g} {result.spec.unit}"
        )
        if result.closed:
            out.print(
                "closed form: " + ", ".join(f"{k} {v:,.4g}" for k, v in result.closed.items())
            )
        if warning:
            out.print(f"[bold]impossible draws:[/bold] {warning}")
        for c in checks:
            out.print(f"[bold]{c.text}[/bold]" if c.conflict else c.text)
        table = Table("assumption", "distribution", "rests on", "why", title="Assumptions")
        for a in stated:
            table.add_row(
                str(a["name"]), str(a["distribution"]), ", ".join(a["cites"]), str(a["reason"])
            )
        out.print(table)


ItemArgs = Annotated[
    list[str],
    typer.Argument(
        help="Estimate or judgment row ids, or item keys (`assess estimates --json` lists "
        "both; a judgment's key is e.g. 'prior:downgrade')."
    ),
]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why (required; kept in the audit).")]
ByOption = Annotated[str, typer.Option("--by", help="Who (an analyst's name).")]


@app.command()
def remark(
    items: ItemArgs,
    marking: Annotated[
        str, typer.Option("--marking", help="The new marking, e.g. 'TLP:RED' or 'TLP:AMBER | TO x'")
    ] = "",
    reason: ReasonOption = "",
    by: ByOption = "",
    as_org: AsOption = None,
) -> None:
    """Give your organisation's estimates or judgments a new marking (history alike)."""
    from watchkeeper.model.marking import Marking
    from watchkeeper.store.assessment import remark_rows

    with command() as ctx:
        if not marking:
            raise InputError("--marking", "the new marking is required")
        viewer = ctx.viewer(as_org)
        changed = remark_rows(
            ctx.store,
            viewer,
            items,
            Marking.parse(marking),
            by=by or viewer.organisation,
            reason=reason,
            owner_org=ctx.settings.organisation,
        )
        out.print(f"re-marked {changed:,} estimate or judgment row(s)")


@app.command()
def retract(
    items: ItemArgs,
    reason: ReasonOption = "",
    by: ByOption = "",
    as_org: AsOption = None,
) -> None:
    """Withdraw your organisation's estimates or judgments from every view (audit only)."""
    from watchkeeper.store.assessment import retract_rows

    with command() as ctx:
        viewer = ctx.viewer(as_org)
        changed = retract_rows(
            ctx.store,
            viewer,
            items,
            by=by or viewer.organisation,
            reason=reason,
            owner_org=ctx.settings.organisation,
        )
        out.print(f"retracted {changed:,} estimate or judgment row(s)")
