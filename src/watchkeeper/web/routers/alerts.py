"""Alerts: the maritime detections an analyst should read, ranked by the rules of
``maritime/data/alert_rules.yaml`` with their reasons (``maritime.alerts.list_alerts``),
filtered as the CLI's ``alerts`` filters, and acknowledged per organisation."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse

from watchkeeper.errors import InputError
from watchkeeper.maritime.alerts import (
    Rules,
    acknowledge_alert,
    all_alerts,
    default_rules,
    parse_when,
    select_alerts,
)
from watchkeeper.maritime.link import LABELS
from watchkeeper.store.accounts import User
from watchkeeper.store.alerts import acknowledgements
from watchkeeper.web.auth import csrf_protect, require
from watchkeeper.web.i18n import N_
from watchkeeper.web.limits import MAX_VALUE
from watchkeeper.web.pages import nav
from watchkeeper.web.workbench import Ctx, ctx

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])
nav("/alerts", N_("Alerts"), order=45)

# Severity names come from the rules file; listed here so that the catalog has them.
SEVERITIES = (N_("low"), N_("medium"), N_("high"), N_("critical"))
KINDS = (
    N_("Port call"),
    N_("AIS gap"),
    N_("Loitering"),
    N_("Encounter"),
    N_("Spoofed positions"),
    N_("Shared MMSI"),
    N_("Identity change"),
)
Text = Annotated[str, Query(max_length=200)]
FILTERS = ("severity", "kind", "vessel", "area", "since", "until", "open")
"""The page's filters: an acknowledgement returns to the list as it was filtered."""


def filtered_list(query: str) -> str:
    """``/alerts`` with the filters of ``query`` (the page's own query string) and
    nothing else: the way back after acknowledging, never a way elsewhere."""
    kept = [(k, v) for k, v in parse_qsl(query[:2000]) if k in FILTERS and v]
    return "/alerts" + ("?" + urlencode(kept) if kept else "")


def kept_alerts(
    c: Ctx, rules: Rules
) -> tuple[list[dict[str, Any]], dict[str, dict[str, str]], tuple[Any, ...]]:
    """The viewer's alerts as the store gives them (kept while its read state stays the
    same), its organisation's acknowledgements (read at every request: acknowledging
    does not move the store's state), and those acknowledgements as a key for a kept
    page (a page shown before an acknowledgement is never shown after it)."""
    alerts = c.answer("alerts", (), lambda: all_alerts(c.reader, rules))
    acks = acknowledgements(c.store, c.viewer.organisation)
    key = tuple(sorted((k, v["by"], v["at"], v["note"]) for k, v in acks.items()))
    return alerts, acks, key


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(
    c: Annotated[Ctx, Depends(ctx)],
    severity: Text = "",
    kind: Text = "",
    vessel: Text = "",
    area: Text = "",
    since: Text = "",
    until: Text = "",
    open_only: Annotated[bool, Query(alias="open")] = False,
) -> HTMLResponse:
    rules = default_rules()
    if kind and kind not in LABELS:
        raise InputError(
            "kind",
            f"one of {', '.join(LABELS)}",
            kind,
            template="one of {choices}",
            choices=", ".join(LABELS),
        )
    alerts, acks, acked = kept_alerts(c, rules)
    items = select_alerts(
        alerts,
        acks,
        rules,
        vessel=vessel or None,
        kind=kind or None,
        area=area or None,
        since=parse_when("since", since),
        until=parse_when("until", until, end_of_day=True),
        min_severity=severity or None,
        unacknowledged=open_only,
    )
    chosen = {
        "severity": severity,
        "kind": kind,
        "vessel": vessel,
        "area": area,
        "since": since,
        "until": until,
        "open": open_only,
    }

    def context() -> dict[str, Any]:
        vessel_ids = sorted({str(v) for a in items for v in a["vessels"]})
        captions = {v.id: v.caption for v in c.reader.entities(vessel_ids)} if vessel_ids else {}
        return {
            "alerts": items,
            "labels": LABELS,
            "captions": captions,
            "levels": rules.levels[1:],
            "chosen": chosen,
            "can_acknowledge": c.user.can("analyst"),
        }

    # The page is kept for this caller and query while the alerts and the
    # acknowledgements it was made of stay the same.
    return c.page("alerts.html", (alerts,), context, key=acked)


@router.post("/alerts/acknowledge")
def acknowledge(
    c: Annotated[Ctx, Depends(ctx)],
    _analyst: Annotated[User, Depends(require("analyst"))],
    alert_id: Annotated[str, Form(min_length=1, max_length=255)],
    note: Annotated[str, Form(max_length=MAX_VALUE)] = "",
    filters: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    """The user's organisation has read the alert (others still see it as new); back to
    the list with the filters it had (``filters``: the page's query string), at the row
    after the one acknowledged."""
    done = acknowledge_alert(c.store, c.reader, alert_id, c.user.username, note)
    c.audit("acknowledge", alert_id, done["note"])
    return RedirectResponse(filtered_list(filters) + "#alerts-table", status_code=303)
