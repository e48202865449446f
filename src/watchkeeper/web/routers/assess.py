"""The assessment in the workbench: estimates side by side, the sector and capability
trackers, the futures (priors, each update with its evidence, the posterior over time,
the ACH matrix), and the re-marking and retraction of an organisation's own estimates and
judgments.

Everything is computed by ``watchkeeper.assessment`` from the user's Reader, exactly as
``watchkeeper assess ... --as ORG`` computes it for the user's organisation; the charts
are that package's SVG. Markings are shown as the viewer may read them
(``sources.shown_marking``). Re-marking and retracting are ``store.assessment``'s
``remark_rows`` / ``retract_rows`` (the CLI's ``assess remark`` / ``assess retract``): an
analyst of the organisation that owns the item, with a reason, audited.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup

from watchkeeper.assessment import charts, trackers
from watchkeeper.assessment import estimates as est
from watchkeeper.assessment import futures as fut
from watchkeeper.assessment import judgments as judged
from watchkeeper.assessment.dataset import help_levels, measures
from watchkeeper.assessment.periods import Period, first_day, last_day, parse_period
from watchkeeper.assessment.sources import shown_marking
from watchkeeper.errors import InputError, NotFound
from watchkeeper.model.marking import Marking
from watchkeeper.model.sectors import sectors
from watchkeeper.store.accounts import User
from watchkeeper.store.assessment import read_estimates, read_judgments, remark_rows, retract_rows
from watchkeeper.web.auth import csrf_protect, require
from watchkeeper.web.i18n import N_, gettext
from watchkeeper.web.limits import MAX_VALUE
from watchkeeper.web.pages import locale_of, nav, render
from watchkeeper.web.routers.entry import TLPS, marking_from
from watchkeeper.web.workbench import Ctx, ctx

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
nav("/assess", N_("Assessment"), order=55)

Text = Annotated[str, Query(max_length=200)]
# Fixed words of the assessment data, translated where shown.
WORDS = (
    N_("confirmed"),
    N_("reported"),
    N_("assessed"),
    N_("none"),
    N_("sought"),
    N_("claimed"),
    N_("not assessed"),
    N_("almost no chance"),
    N_("very unlikely"),
    N_("unlikely"),
    N_("roughly even chance"),
    N_("likely"),
    N_("very likely"),
    N_("almost certain"),
    N_("estimate"),
    N_("judgment"),
)


def as_of_date(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError("as_of", f"{text!r} is not a date (YYYY-MM-DD)") from None


def owner_of(c: Ctx, marking_key: str) -> str:
    """The organisation whose information an item is (``store.assessment.owned_rows``'s
    rule): the marking's originator, else the workspace's organisation."""
    return Marking.parse(marking_key).originator or c.bench.service.settings.organisation


def may_correct(c: Ctx, marking_key: str) -> bool:
    return c.user.can("analyst") and owner_of(c, marking_key) == c.user.organisation


def _title(c: Ctx, message: str, **values: object) -> str:
    """A chart's title (``message`` marked with ``N_``) in the user's language."""
    return gettext(locale_of(c.request), message) % values


def _svg(text: str) -> Markup:
    """An SVG of ``assessment.charts``: its text is escaped there."""
    return Markup(text)


def _point(e: est.Estimate) -> charts.EstimatePoint:
    known = measures()
    cumulative = known[e.measure].cumulative if e.measure in known else True
    ranged = e.bound == "range"
    return charts.EstimatePoint(
        e.as_of,
        e.point(),
        e.low if ranged else None,
        e.high if ranged else None,
        e.bound,
        e.estimator,
        e.capacity,
        not cumulative,
        f"{e.estimator}: {e.figure()} ({e.reported})",
    )


def _estimate_row(c: Ctx, e: est.Estimate) -> dict[str, Any]:
    cite = e.citation
    return {
        "id": e.id,
        "key": e.key,
        "measure": e.measure_label,
        "subject": e.subject,
        "figure": e.figure(),
        "capacity": e.capacity,
        "period": " – ".join(p for p in (e.period_start, e.period_end) if p) or e.reported,
        "reported": e.reported,
        "estimator": e.estimator,
        "method": e.method,
        "statement": e.statement,
        "grade": e.grade,
        "event": e.event_id,
        "source": cite,
        "marking": shown_marking(e.marking, c.viewer),
        "correctable": may_correct(c, e.marking),
    }


# -- the overview --------------------------------------------------------------------------


@router.get("/assess", response_class=HTMLResponse)
def assess_overview(c: Annotated[Ctx, Depends(ctx)]) -> HTMLResponse:
    reader = c.reader
    items = est.estimates(reader)
    found = est.conflicts(items)
    events = trackers.read_events(reader)
    result = fut.futures(reader, events)
    names = {s.id: s.title for s in result.scenarios}
    caps = trackers.capability_tracker(reader, events, items)
    return render(
        c.request,
        "assess.html",
        spreads=est.spreads(items, found),
        estimates=len(items),
        conflicts=len(found),
        events=len(events),
        posterior=sorted(result.posterior, key=lambda p: -p.value),
        names=names,
        capabilities=caps,
        levels=help_levels(),
        number=est.number,
    )


# -- estimates -----------------------------------------------------------------------------


@router.get("/estimates")
def estimates_alias() -> RedirectResponse:
    return RedirectResponse("/assess/estimates", status_code=307)


@router.get("/assess/estimates", response_class=HTMLResponse)
def estimates_page(c: Annotated[Ctx, Depends(ctx)], measure: Text = "") -> HTMLResponse:
    reader = c.reader
    every = est.estimates(reader)
    found = est.conflicts(every)
    known = measures()
    chosen = [e for e in every if e.measure == measure] if measure else []
    if measure and measure not in known and not chosen:
        raise InputError("measure", f"one of {', '.join(sorted(known))}", measure)
    label = chosen[0].measure_label if chosen else known[measure].label if measure else ""
    if measure:
        shown, chart_title = chosen, label
        unit = chosen[0].unit if chosen else known[measure].unit
    else:
        shown, unit = est.chart_group(every, "shells"), "rounds"
        chart_title = _title(c, N_("Every estimate of rounds supplied, by estimator"))
    chart = charts.estimate_chart([_point(e) for e in shown], chart_title, unit)
    in_view = chosen if measure else every
    # a conflict is within one measure
    clashes = [x for x in found if not measure or x.first.measure == measure]
    return render(
        c.request,
        "assess_estimates.html",
        measure=measure,
        label=label,
        spreads=est.spreads(every, found),
        rows=[_estimate_row(c, e) for e in in_view],
        conflicts=[{"measure": x.first.measure_label, "reason": x.reason} for x in clashes],
        chart=_svg(chart),
        number=est.number,
    )


# -- trackers ------------------------------------------------------------------------------


# Years the trackers show when no period is asked for: the latest ones with events (a
# month per bar: the partnership's precedents of 1990 would squeeze the war's months).
DEFAULT_YEARS = 2


def _span(events: list[trackers.EventFact], period: str) -> Period | None:
    """The period asked for, else the last DEFAULT_YEARS years of the viewer's events."""
    if period:
        return parse_period(period)
    if not events:
        return None
    last = max(last_day(e.date) for e in events).year
    first = max(min(first_day(e.date) for e in events).year, last - DEFAULT_YEARS + 1)
    return Period(date(first, 1, 1), date(last, 12, 31), f"{first}..{last}")


@router.get("/assess/trackers", response_class=HTMLResponse)
def trackers_page(c: Annotated[Ctx, Depends(ctx)], period: Text = "") -> HTMLResponse:
    reader = c.reader
    events = trackers.read_events(reader)
    chosen = _span(events, period)
    in_period = [e for e in events if chosen is None or chosen.contains(e.date)]
    rows = trackers.sector_tracker(in_period)
    chart = ""
    if chosen is not None:
        labels = {code: s.label for code, s in sectors().items()}
        by_month = trackers.events_by_month(in_period, chosen)
        months = chosen.months()
        chart = charts.stacked_bars(
            months,
            {code: [by_month[code][m] for m in months] for code in by_month},
            labels,
            _title(c, N_("Events by sector and month, %(period)s"), period=chosen.label),
        )
    caps = trackers.capability_tracker(reader, events, est.estimates(reader))
    changes = [
        {"domain": cap, "change": ch, "marking": shown_marking(ch.marking, c.viewer)}
        for cap in caps
        for ch in cap.changes
    ]
    return render(
        c.request,
        "assess_trackers.html",
        period=period,
        label=chosen.label if chosen else "",
        sectors=rows,
        chart=_svg(chart) if chart else None,
        capabilities=caps,
        changes=changes,
        levels=help_levels(),
    )


# -- futures -------------------------------------------------------------------------------

# The confidence levels (``assessment.judgments.LEVELS``), as the catalog needs the words.
CONFIDENCE_LEVELS = (N_("low"), N_("moderate"), N_("high"))


@router.get("/assess/futures", response_class=HTMLResponse)
def futures_page(c: Annotated[Ctx, Depends(ctx)], as_of: Text = "") -> HTMLResponse:
    reader = c.reader
    when = as_of_date(as_of)
    result = fut.futures(reader, trackers.read_events(reader, when), when)
    names = {s.id: s.title for s in result.scenarios}
    until = when or date.today()
    chart = charts.probability_chart(
        result.series(),
        names,
        _title(c, N_("Scenario probabilities over time, to %(date)s"), date=until.isoformat()),
        until,
    )
    prior_total = sum(s.prior for s in result.scenarios) or 1.0
    scenarios = [
        {
            "s": s,
            "prior": s.prior / prior_total,
            "marking": shown_marking(s.marking, c.viewer),
            "correctable": may_correct(c, s.marking),
            "key": f"prior:{s.id}",
        }
        for s in result.scenarios
    ]
    ach = result.ach
    ach_rows = []
    if ach is not None:
        sens = {s.item: s for s in ach.sensitivity}
        for item in ach.items:
            info = result.ach_items[item.id]
            ach_rows.append(
                {
                    "label": item.label,
                    "event": info["event"].id if info.get("event") else None,
                    "marks": [item.mark(h) for h in ach.hypotheses],
                    "weight": item.weight,
                    "diagnosticity": ach.diagnosticity[item.id],
                    "decisive": sens[item.id].changes_leader,
                    "marking": shown_marking(str(info["marking"]), c.viewer),
                }
            )
    return render(
        c.request,
        "assess_futures.html",
        as_of=as_of,
        scenarios=scenarios,
        posterior=sorted(result.posterior, key=lambda p: -p.value),
        # each probability's confidence and why, as the report's key judgments give it
        confidences={
            p.scenario: judged.confidence(result, p.scenario)[:2] for p in result.posterior
        },
        names=names,
        steps=result.steps,
        indicators=result.indicators,
        ach=ach,
        ach_rows=ach_rows,
        chart=_svg(chart),
        missing=result.missing_likelihoods,
    )


# -- the items, and their correction by their owner ----------------------------------------


def _items(c: Ctx) -> list[dict[str, Any]]:
    """Every estimate and judgment row the viewer may see (current ones), by kind."""
    out: list[dict[str, Any]] = []
    known = measures()
    for e in read_estimates(c.reader):
        measure = known[e.record.measure].label if e.record.measure in known else e.record.measure
        out.append(
            {
                "kind": "estimate",
                "id": e.id,
                "key": e.record.key,
                "what": f"{e.record.estimator}: {measure}, {e.record.reported}",
                "marking": e.provenance.marking.key,
            }
        )
    for j in read_judgments(c.reader):
        out.append(
            {
                "kind": "judgment",
                "id": j.id,
                "key": j.record.key,
                "what": f"{j.record.kind} · {j.record.analyst}",
                "marking": j.provenance.marking.key,
            }
        )
    for item in out:
        item["correctable"] = may_correct(c, item["marking"])
        item["owner"] = owner_of(c, item["marking"])
        item["marking"] = shown_marking(item["marking"], c.viewer)
    return out


@router.get("/assess/items", response_class=HTMLResponse)
def items_page(c: Annotated[Ctx, Depends(ctx)], mine: bool = False) -> HTMLResponse:
    items = _items(c)
    if mine:
        items = [i for i in items if i["correctable"]]
    return render(c.request, "assess_items.html", items=items, mine=mine)


Analyst = Annotated[User, Depends(require("analyst"))]


def _visible_item(c: Ctx, ref: str) -> dict[str, Any]:
    """The item ``ref`` names (a row id or a key), as the viewer sees it; one the viewer
    may not see is answered as one that does not exist."""
    found = [i for i in _items(c) if ref in (i["id"], i["key"])]
    if not found:
        raise NotFound(f"no estimate or judgment {ref!r}")
    return found[0] | {"rows": len(found)}


@router.get("/assess/item", response_class=HTMLResponse)
def item_page(c: Annotated[Ctx, Depends(ctx)], _a: Analyst, ref: Text) -> HTMLResponse:
    item = _visible_item(c, ref)
    return render(c.request, "assess_item.html", item=item, ref=ref, tlps=TLPS)


@router.post("/assess/item")
async def correct_item(c: Annotated[Ctx, Depends(ctx)], _a: Analyst) -> RedirectResponse:
    """Re-mark or retract an estimate or judgment (by row id or key), as ``watchkeeper
    assess remark`` / ``retract``: only the owner's, with a reason, audited."""
    form = await c.request.form()

    def text(name: str, limit: int) -> str:
        value = form.get(name)
        found = value.strip() if isinstance(value, str) else ""
        if len(found) > limit:
            raise InputError(name, f"{len(found):,} characters (limit {limit:,})")
        return found

    ref, action, reason = text("ref", 255), text("action", 16), text("reason", MAX_VALUE)
    if not ref:
        raise InputError("ref", "no estimate or judgment given")
    if action not in ("remark", "retract"):
        raise InputError("action", "remark or retract", action)
    if not reason:
        raise InputError("reason", "a reason is required")
    owner_org = c.bench.service.settings.organisation
    before = c.store.version()
    if action == "remark":
        marking = marking_from(form, c.user.organisation)
        changed = remark_rows(
            c.store, c.viewer, [ref], marking, by=c.user.username, reason=reason,
            owner_org=owner_org,
        )  # fmt: skip
        detail = f"{ref} re-marked {marking.key}: {reason}"
    else:
        changed = retract_rows(
            c.store, c.viewer, [ref], by=c.user.username, reason=reason, owner_org=owner_org
        )
        detail = f"{ref} retracted: {reason}"
    c.bench.service.after_write(before, set())
    c.audit(f"assessment_{action}", ref, f"{detail} ({changed} row(s))")
    return RedirectResponse("/assess/items?mine=true", status_code=303)
