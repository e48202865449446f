"""Alerts an analyst triages: stored maritime events ranked by declared rules.

Each event stored by :mod:`link` carries what AIS says about it (kind, place, details,
evidence) under the AIS source's marking, and what the knowledge base adds (the vessel,
"sanctioned") under the marking of the facts it rests on. An alert is built here, for
one viewer, from the statements that viewer may see, through the viewer's read path:
its severity follows the rules of ``data/alert_rules.yaml`` and its reason says why in
words. A partner who may not see a restricted vessel record sees neither the link nor
the severity it would add. Acknowledgements are per organisation (store/alerts.py):
each organisation sees its own only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from string import Formatter
from typing import Any

import yaml

from watchkeeper.errors import InputError, NotFound
from watchkeeper.maritime.areas import Area
from watchkeeper.maritime.events import Detection
from watchkeeper.store import Reader, Store
from watchkeeper.store.alerts import acknowledge, acknowledgements

RULES_FILE = "data/alert_rules.yaml"
DETAILS_PREFIX = "AIS "
"""Stored events keep their AIS facts as one note: this prefix, then JSON."""


@dataclass(frozen=True)
class Rule:
    when: dict[str, Any]
    raise_by: int
    reason: str

    def holds(self, facts: dict[str, Any]) -> bool:
        for key, wanted in self.when.items():
            if key.endswith(("_min", "_max")):
                value = facts.get(key[:-4])
                if not isinstance(value, int | float) or isinstance(value, bool):
                    return False
                if key.endswith("_min") and value < wanted:
                    return False
                if key.endswith("_max") and value > wanted:
                    return False
            elif facts.get(key, False if isinstance(wanted, bool) else None) != wanted:
                return False
        return True


@dataclass(frozen=True)
class Rules:
    levels: tuple[str, ...]
    kinds: dict[str, tuple[int, str]]
    rules: tuple[Rule, ...]

    def assess(self, facts: dict[str, Any]) -> tuple[int, list[str]]:
        """The severity (index into ``levels``) and the reasons, in words."""
        level, reasons = self.explain(facts)
        return level, [say(template, values) for template, values in reasons]

    def explain(self, facts: dict[str, Any]) -> tuple[int, list[tuple[str, dict[str, Any]]]]:
        """The severity and the reasons as their templates (in the rules' words, which
        are also the message ids the workbench translates) with the facts they name."""
        start, reason = self.kinds.get(facts.get("kind", ""), (0, "{kind}"))
        level, reasons = start, [(reason, _named(reason, facts))]
        for rule in self.rules:
            if rule.holds(facts):
                level += rule.raise_by
                reasons.append((rule.reason, _named(rule.reason, facts)))
        return max(0, min(len(self.levels) - 1, level)), reasons


def _named(template: str, facts: dict[str, Any]) -> dict[str, Any]:
    """The facts a reason's template names (a list as the words it shows)."""
    fields = {name for _text, name, _spec, _conv in Formatter().parse(template) if name}
    return {
        k: (", ".join(map(str, v)) if isinstance(v, list) else v)
        for k, v in facts.items()
        if k in fields
    }


def say(template: str, values: dict[str, Any]) -> str:
    """A reason in words: its template (or the template's translation) with its facts;
    a fact the event lacks reads as "?"."""

    class Missing(dict[str, Any]):
        def __missing__(self, key: str) -> str:
            return "?"

    return template.format_map(Missing(values))


def rule_templates(rules: Rules) -> list[str]:
    """Every reason template of ``rules`` (for the catalogues that translate them)."""
    found = [reason for _level, reason in rules.kinds.values()]
    found += [rule.reason for rule in rules.rules]
    return list(dict.fromkeys(t for t in found if t))


def parse_rules(data: Any, where: str = RULES_FILE) -> Rules:
    """Rules from their YAML form; every mistake is one line naming the entry."""
    if not isinstance(data, dict):
        raise InputError(where, "alert rules must be a mapping with levels, kinds and rules")
    levels = data.get("levels")
    if (
        not isinstance(levels, list)
        or len(levels) < 2
        or not all(isinstance(x, str) for x in levels)
    ):
        raise InputError(where, "levels must be a list of at least two names, lowest first")
    kinds: dict[str, tuple[int, str]] = {}
    for kind, spec in (data.get("kinds") or {}).items():
        if not isinstance(spec, dict) or spec.get("severity") not in levels:
            raise InputError(where, f"severity must be one of {', '.join(levels)}", f"kind {kind}")
        kinds[str(kind)] = (levels.index(spec["severity"]), str(spec.get("reason", kind)))
    rules = []
    for number, spec in enumerate(data.get("rules") or [], 1):
        record = f"rule {number}"
        if not isinstance(spec, dict) or not isinstance(spec.get("when"), dict):
            raise InputError(where, "a rule needs a `when` mapping of conditions", record)
        raise_by = spec.get("raise", 0)
        if not isinstance(raise_by, int) or isinstance(raise_by, bool):
            raise InputError(where, "`raise` must be a whole number of levels", record)
        rules.append(Rule(dict(spec["when"]), raise_by, str(spec.get("reason", ""))))
    return Rules(tuple(levels), kinds, tuple(rules))


@cache
def default_rules() -> Rules:
    text = resources.files(__package__).joinpath(RULES_FILE).read_text("utf-8")
    return parse_rules(yaml.safe_load(text))


def ais_facts(det: Detection, area: Area | None = None) -> dict[str, Any]:
    """What AIS alone says about a detection (``area``: the watched area it is at, if
    any): stored with the event under the AIS source's marking."""
    place = det.details.get("place") or (area.name if area else None)
    return {
        "kind": det.kind,
        "mmsi": det.mmsi,
        "other_mmsi": det.other_mmsi,
        "area": det.area,
        "place": place,
        "place_kind": det.details.get("place_kind") or ("watched area" if area else None),
        "watched": bool(det.details.get("watched")) or (area is not None and area.watched),
        "lat": det.lat,
        "lon": det.lon,
        "details": det.details,
        "evidence": det.evidence,
    }


def facts_of(view: Any) -> dict[str, Any] | None:
    """An event's facts as the viewer sees them; None when it is no maritime event."""
    entity = view.entity
    stored = None
    # quiet: an id given to acknowledge may be any entity's, of a schema without notes
    for note in entity.get("notes", quiet=True):
        if note.startswith(DETAILS_PREFIX + "{"):
            try:
                stored = json.loads(note[len(DETAILS_PREFIX) :])
            except json.JSONDecodeError:
                continue
    if not isinstance(stored, dict) or not isinstance(stored.get("kind"), str):
        return None  # not a detection's record (an analyst's note may look like one)
    return flatten(
        stored,
        sanctioned="sanctioned" in entity.get("keywords", quiet=True),
        known_vessel=bool(entity.get("involved", quiet=True)),
    )


def is_alert(view: Any, rules: Rules | None = None) -> bool:
    """Whether the rules make this event an alert (for the viewer's own view of it)."""
    facts = facts_of(view)
    return facts is not None and (rules or default_rules()).assess(facts)[0] >= 1


def flatten(
    stored: dict[str, Any], sanctioned: bool = False, known_vessel: bool = False
) -> dict[str, Any]:
    """The facts the rules read: AIS facts (details and evidence flattened) and what the
    knowledge base adds for this viewer."""
    details = stored.get("details") or {}
    facts: dict[str, Any] = {
        **{k: v for k, v in details.items() if not isinstance(v, dict)},
        **(stored.get("evidence") or {}),
        "kind": stored.get("kind"),
        "mmsi": stored.get("mmsi"),
        "other_mmsi": stored.get("other_mmsi"),
        "area": stored.get("area"),
        "place": stored.get("place"),
        "place_kind": stored.get("place_kind"),
        "watched": bool(stored.get("watched")),
        "start_in_place": bool(details.get("start_area")),
        "end_in_place": bool(details.get("end_area")),
        "sanctioned": sanctioned,
        "known_vessel": known_vessel,
    }
    return facts


def list_alerts(
    reader: Reader,
    rules: Rules | None = None,
    vessel: str | None = None,
    kind: str | None = None,
    area: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    min_severity: str | None = None,
    unacknowledged: bool = False,
) -> list[dict[str, Any]]:
    """The viewer's alerts, most severe first and newest first within a severity."""
    rules = rules or default_rules()
    return select_alerts(
        all_alerts(reader, rules),
        acknowledgements(reader.store, reader.viewer.organisation),
        rules,
        vessel=vessel,
        kind=kind,
        area=area,
        since=since,
        until=until,
        min_severity=min_severity,
        unacknowledged=unacknowledged,
    )


def all_alerts(reader: Reader, rules: Rules) -> list[dict[str, Any]]:
    """Every alert the viewer may see, ranked (most severe first, newest first within a
    severity), without its organisation's acknowledgements: what follows from the store
    alone, so that the workbench can keep it while the store's state stays the same
    (acknowledging does not move that state; ``select_alerts`` adds them)."""
    out = []
    for view in reader.entities(reader.entity_ids("Event")):
        facts = facts_of(view)
        if facts is None:
            continue
        level, explained = rules.explain(facts)
        if level < 1:
            continue
        reasons = [say(template, values) for template, values in explained]
        entity = view.entity
        start = min(entity.get("startDate") or entity.get("date") or [""])
        end = max(entity.get("endDate") or [start])
        places = [facts.get(k) for k in ("place", "area", "start_area", "end_area")]
        places += list(entity.get("location"))
        out.append(
            {
                "id": view.id,
                "severity": rules.levels[level],
                "rank": level,
                "kind": facts["kind"],
                "start": start,
                "end": end,
                "title": entity.caption,
                "reason": "; ".join(r for r in reasons if r),
                "reasons": [
                    {"template": template, "values": values}
                    for template, values in explained
                    if template
                ],
                "place": facts.get("place"),
                # for the area filter only (``select_alerts`` leaves it out)
                "places": [str(p) for p in places if p],
                "mmsi": [m for m in (facts.get("mmsi"), facts.get("other_mmsi")) if m],
                "vessels": sorted(entity.get("involved")),
                "evidence": {k: v for k, v in facts.items() if k in EVIDENCE},
                "acknowledged": None,
            }
        )
    out.sort(key=lambda a: a["start"], reverse=True)
    out.sort(key=lambda a: a["rank"], reverse=True)
    return out


def select_alerts(
    alerts: list[dict[str, Any]],
    acks: dict[str, dict[str, str]],
    rules: Rules,
    vessel: str | None = None,
    kind: str | None = None,
    area: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    min_severity: str | None = None,
    unacknowledged: bool = False,
) -> list[dict[str, Any]]:
    """The alerts of ``all_alerts`` that pass the filters, each with its
    acknowledgement from ``acks`` (new dicts: the ones given are left as they are)."""
    floor = 1
    if min_severity is not None:
        if min_severity not in rules.levels[1:]:
            raise InputError("--severity", f"one of {', '.join(rules.levels[1:])}")
        floor = rules.levels.index(min_severity)
    out = []
    for alert in alerts:
        acknowledged = acks.get(alert["id"])
        if alert["rank"] < floor:
            continue
        if kind and alert["kind"] != kind:
            continue
        if unacknowledged and acknowledged:
            continue
        if vessel and not _is_vessel(alert, vessel):
            continue
        if area and not _in_area(alert, area):
            continue
        if not _in_period(alert["start"], alert["end"], since, until):
            continue
        shown = {k: v for k, v in alert.items() if k != "places"}
        out.append(shown | {"acknowledged": acknowledged})
    return out


EVIDENCE = (
    "positions",
    "messages",
    "jumps",
    "time_buckets",
    "positions_away",
    "identity_messages",
    "positions_track_1",
    "positions_track_2",
)


def _is_vessel(alert: dict[str, Any], wanted: str) -> bool:
    text = wanted.strip().upper().removeprefix("IMO").strip()
    if text.isascii() and text.isdigit():
        return int(text) in alert["mmsi"] or text in alert["title"]
    return wanted in alert["vessels"] or wanted.upper() in str(alert["title"]).upper()


def _in_area(alert: dict[str, Any], wanted: str) -> bool:
    text = wanted.lower()
    return any(text in place.lower() for place in alert["places"])


def parse_when(option: str, text: str | None, end_of_day: bool = False) -> datetime | None:
    """A filter's date or time (ISO 8601): a bare date ``until`` means its whole day; no
    zone means UTC."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            option,
            f"not an ISO date or time: {text!r}",
            template="not an ISO date or time: {text}",
            text=text,
        ) from None
    if end_of_day and len(text) == 10:
        value += timedelta(days=1) - timedelta(microseconds=1)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _in_period(start: str, end: str, since: datetime | None, until: datetime | None) -> bool:
    def at(text: str) -> datetime | None:
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            return None
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    first, last = at(start), at(end)
    if since and last and last < since:
        return False
    return not (until and first and first > until)


def acknowledge_alert(
    store: Store, reader: Reader, alert_id: str, by: str, note: str, rules: Rules | None = None
) -> dict[str, str]:
    """The viewer's organisation acknowledges one of its alerts. An id the viewer cannot
    see is answered exactly as an id that does not exist."""
    view = reader.entity(alert_id, include_ended=False)
    facts = facts_of(view) if view is not None else None
    if facts is None or (rules or default_rules()).assess(facts)[0] < 1:
        raise NotFound(f"{alert_id}: no such alert")
    if not by.strip():
        raise InputError("--by", "say who acknowledges (a name or initials)")
    at = datetime.now(UTC).isoformat(timespec="seconds")
    acknowledge(store, reader.viewer.organisation, alert_id, by.strip()[:255], at, note[:2000])
    return {"alert": alert_id, "by": by.strip(), "at": at, "note": note}
