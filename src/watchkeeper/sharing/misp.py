"""MISP events in, through ``misp-stix`` (MISP's own converter) to a STIX 2.1 bundle that
the STIX import then reads like any partner's.

MISP marks an event with a TLP tag and lets its attributes carry their own; the
converter puts the event's tag on the event's grouping only, leaving untagged
attributes unmarked — which an import would then give its default marking, not the
event's. So every object the grouping holds that has no marking of its own takes the
grouping's: what MISP means, and never wider than the event.

MISP has no REL TO, ORIG or TO: a Watchkeeper bundle converted to a MISP event (by
misp-stix) keeps them only as tags named as our restriction markings are ("rel to
jpn,kor | orig us-dos"), which come back from misp-stix as labels. Such a label is read
back as the restriction it names (countries upper-cased; names as written, so an
organisation's name that MISP lower-cased names no one: narrower, never wider), so a
round trip through MISP does not widen GREEN REL TO KOR into GREEN.
"""

from __future__ import annotations

import json
import re
from typing import Any

from watchkeeper.errors import InputError
from watchkeeper.model.marking import TLP, Marking, MarkingError
from watchkeeper.sharing.vocab import TLP2_IDS, restriction_definition

# A restriction marking's name as a MISP tag (our marking key less its TLP, lower-cased)
RESTRICTION = re.compile(
    r"^(rel to [a-z,]+|orig \S+|to \S+)( \| (rel to [a-z,]+|orig \S+|to \S+))*$"
)


def bundle_to_misp(data: bytes) -> dict[str, Any]:
    """A STIX 2.1 bundle as the MISP event a partner's MISP would make of it
    (misp-stix's STIX 2.1 import: ``{"Event": {...}}``); what MISP cannot carry is left
    out by the converter (README, "Sharing with partners", lists it)."""
    import stix2
    from misp_stix_converter import ExternalSTIX2toMISPParser

    parser = ExternalSTIX2toMISPParser()
    parser.load_stix_bundle(stix2.parse(data.decode(), allow_custom=True))
    parser.parse_stix_bundle(single_event=True)
    return {"Event": json.loads(parser.misp_event.to_json())}


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
    _restrictions(objects)
    return dict(bundle)


def restriction_of(label: str) -> Marking | None:
    """The REL TO / ORIG / TO a MISP tag (a label, after misp-stix) names, or None."""
    text = label.strip()
    if not RESTRICTION.match(text):
        return None
    parts = []
    for part in text.split(" | "):
        if part.startswith("rel to "):
            part = "REL TO " + part[7:].upper()
        elif part.startswith("orig "):
            part = "ORIG " + part[5:]
        else:
            part = "TO " + part[3:]
        parts.append(part)
    try:
        return Marking.parse(" | ".join(["TLP:CLEAR", *parts]))
    except MarkingError:
        return None


def _restrictions(objects: list[dict[str, Any]]) -> None:
    """Labels naming our restrictions become the restriction markings they name."""
    from watchkeeper.sharing.gate import software_identity

    project = software_identity()
    creator = project["id"]
    made: dict[str, dict[str, Any]] = {}
    for obj in objects:
        for label in obj.get("labels") or []:
            mark = restriction_of(str(label))
            definition = restriction_definition(mark, creator) if mark else None
            if definition is None:
                continue
            made.setdefault(definition["id"], definition)
            refs = obj.setdefault("object_marking_refs", [])
            if definition["id"] not in refs:
                refs.append(definition["id"])
    if made and all(obj.get("id") != creator for obj in objects):
        # as in our bundles: Watchkeeper itself is marked as what anyone may read
        project["object_marking_refs"] = [TLP2_IDS[TLP.CLEAR]]
        objects.append(project)
    objects += [made[k] for k in sorted(made)]
