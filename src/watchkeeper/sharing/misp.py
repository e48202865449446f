"""MISP events in, through ``misp-stix`` (MISP's own converter) to a STIX 2.1 bundle that
the STIX import then reads like any partner's.

MISP marks an event with a TLP tag and lets its attributes carry their own; the
converter puts the event's tag on the event's grouping only, leaving untagged
attributes unmarked — which an import would then give its default marking, not the
event's. So every object the grouping holds that has no marking of its own takes the
grouping's: what MISP means, and never wider than the event.
"""

from __future__ import annotations

import json
from typing import Any

from watchkeeper.errors import InputError


def misp_to_bundle(data: bytes, name: str) -> dict[str, Any]:
    """A MISP event (JSON export, ``{"Event": {...}}``) as a STIX 2.1 bundle dict."""
    from misp_stix_converter import MISPtoSTIX21Parser

    try:
        event = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise InputError(name, f"not a MISP event (JSON): {exc}") from None
    if not isinstance(event, dict) or not isinstance(event.get("Event", event), dict):
        raise InputError(name, "not a MISP event (no 'Event' object)")
    parser = MISPtoSTIX21Parser()
    try:
        parser.parse_misp_event(event)
        bundle = json.loads(parser.bundle.serialize())
    except Exception as exc:  # the converter's many error types; one line for the user
        raise InputError(name, f"misp-stix could not read the event: {exc}") from None
    objects = bundle.get("objects", [])
    by_id = {obj["id"]: obj for obj in objects}
    for grouping in (o for o in objects if o["type"] in ("grouping", "report")):
        marks = grouping.get("object_marking_refs")
        if not marks:
            continue
        for ref in grouping.get("object_refs", []):
            held = by_id.get(ref)
            if held is not None and not held.get("object_marking_refs"):
                held["object_marking_refs"] = list(marks)
    return dict(bundle)
