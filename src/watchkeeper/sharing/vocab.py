"""The fixed vocabulary of our STIX bundles: TLP 2.0's official marking definitions, our
extension, stable ids, markings to and from marking references, and confidence.

The TLP 2.0 marking definitions are the ones the OASIS CTI TC published as a STIX 2.1
property extension (cti-stix-common-objects, extension-definition-specifications/tlp-2.0):
their ids, ``created`` date and extension id are part of the publication and are
recognised by id. (``stix2`` itself predefines only TLP 1.0's four; a test compares ours
with the table of ``misp-stix``, an independent implementation.) REL TO, ORIG and TO have
no STIX equivalent: they travel as marking definitions of our own extension, so that a
receiving Watchkeeper restores the marking exactly.

Confidence: Admiralty information credibility (1–6) to STIX ``confidence`` and back by
the STIX 2.1 scale (Part 1, appendix on confidence scales), as the ``stix2`` library
implements it.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

from stix2.confidence import scales

from watchkeeper.model.marking import TLP, Marking

TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_CREATED = "2022-10-01T00:00:00.000Z"
TLP2_IDS: dict[TLP, str] = {
    TLP.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    TLP.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    TLP.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    TLP.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    TLP.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
TLP_BY_ID = {v: k for k, v in TLP2_IDS.items()}
# STIX 2.1's predefined TLP 1.0 markings, read on import (WHITE is TLP 2.0's CLEAR).
TLP1_IDS: dict[str, TLP] = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": TLP.CLEAR,
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": TLP.GREEN,
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": TLP.AMBER,
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": TLP.RED,
}

# Our namespace for ids derived from our own (uuid5): the same entity, marking or bundle
# content gets the same STIX id in every bundle, on every machine.
NAMESPACE = uuid.UUID("6d3c1a52-8f0b-5c39-9e55-2a4f1c7b0e21")
_NAMESPACE_BYTES = NAMESPACE.bytes
EXTENSION = "extension-definition--0c7e8a37-5a61-4d3f-9b1e-6f2d4c8a9e15"
EXTENSION_VERSION = "1.0.0"
# Our extension's fixed dates (its definition does not change with the data).
FIXED_CREATED = "2026-01-01T00:00:00.000Z"
EPOCH = "1970-01-01T00:00:00.000Z"

STIX_ID = re.compile(
    r"^[a-z][a-z0-9-]{1,250}--[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
)


def derived_id(kind: str, key: str) -> str:
    """A stable STIX id for ``key`` (our id) as an object of ``kind``: a name-based UUID
    (uuid5 in our namespace) given version 4's bits, as STIX 2.1 asks of object ids
    (random-looking, yet the same for the same key). Written out by hand (SHA-1 of the
    namespace and the key, then the version and variant bits): the same UUID as
    ``uuid.UUID(bytes=uuid.uuid5(NAMESPACE, key).bytes, version=4)``, which a test checks,
    at a third of its cost, once per exported object and reference."""
    raw = bytearray(hashlib.sha1(_NAMESPACE_BYTES + key.encode()).digest()[:16])
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    h = raw.hex()
    return f"{kind}--{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def stix_timestamp(text: str | None) -> str:
    """An ISO date or date-time as a STIX timestamp (UTC, milliseconds, ``Z``); the epoch
    for none. Partial dates (``2024``, ``2024-05``) take their first day."""
    if not text:
        return EPOCH
    value = text.strip().replace(" ", "T").removesuffix("Z")
    date, _, time = value.partition("T")
    parts = date.split("-")
    while len(parts) < 3:
        parts.append("01")
    time = (time or "00:00:00").split("+")[0]
    clock = time.split(":")
    while len(clock) < 3:
        clock.append("00")
    seconds, _, fraction = clock[2].partition(".")
    millis = (fraction + "000")[:3]
    return f"{'-'.join(parts[:3])}T{clock[0]}:{clock[1]}:{seconds}.{millis}Z"


def store_date(timestamp: str) -> str:
    """A STIX timestamp as the store writes dates (ISO, seconds, no zone)."""
    return timestamp.strip().removesuffix("Z").split(".")[0]


# -- markings ----------------------------------------------------------------------------


def restriction_key(mark: Marking) -> str | None:
    """The part of a marking STIX has no words for (REL TO, ORIG, TO), or None."""
    parts = mark.key.split(" | ")[1:]
    return " | ".join(parts) if parts else None


def marking_refs(mark: Marking) -> list[str]:
    """The marking-definition ids that say ``mark``: its TLP, and our restriction."""
    refs = [TLP2_IDS[mark.tlp]]
    restriction = restriction_key(mark)
    if restriction is not None:
        refs.append(derived_id("marking-definition", restriction))
    return refs


def tlp_definition(level: TLP) -> dict[str, Any]:
    """TLP 2.0's official marking-definition object for ``level``."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": TLP2_IDS[level],
        "created": TLP2_CREATED,
        "name": f"TLP:{level.label}",
        "extensions": {
            TLP2_EXTENSION: {
                "extension_type": "property-extension",
                "tlp_2_0": level.label.lower(),
            }
        },
    }


def restriction_definition(mark: Marking, creator: str) -> dict[str, Any] | None:
    """Our marking-definition for the REL TO / ORIG / TO part of ``mark``."""
    restriction = restriction_key(mark)
    if restriction is None:
        return None
    body: dict[str, Any] = {"extension_type": "property-extension"}
    if mark.rel_to is not None:
        body["rel_to"] = sorted(mark.rel_to)
    if mark.originator:
        body["originator"] = mark.originator
    if mark.recipients:
        body["recipients"] = sorted(mark.recipients)
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": derived_id("marking-definition", restriction),
        "created": FIXED_CREATED,
        "created_by_ref": creator,
        "name": restriction,
        "extensions": {EXTENSION: body},
    }


def extension_definition(creator: str) -> dict[str, Any]:
    """Our extension-definition object: the values of an entity with their provenance
    (property extension, and the object types of ours: new SDOs), and the restriction
    part of markings."""
    return {
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": EXTENSION,
        "created_by_ref": creator,
        "created": FIXED_CREATED,
        "modified": FIXED_CREATED,
        "name": "Watchkeeper values and markings",
        "description": (
            "FollowTheMoney values of an entity, each with its marking, Admiralty grade, "
            "dates and source (property 'values'; a value with granular markings has "
            "exactly those, the others the object's); the entity's schema ('schema'); "
            "object types for entities STIX has no object for (vessels, aircraft, "
            "sanctions, events…); and on marking definitions the REL TO countries "
            "('rel_to', ISO 3166 alpha-3), originator ('originator') and recipients "
            "('recipients') a TLP marking is restricted by."
        ),
        "schema": "Watchkeeper's README, section 'Sharing with partners' (plain text)",
        "version": EXTENSION_VERSION,
        "extension_types": ["new-sdo", "property-extension"],
    }


# -- confidence ---------------------------------------------------------------------------

CREDIBILITY_WORDS = {
    1: "1 - Confirmed by other sources",
    2: "2 - Probably True",
    3: "3 - Possibly True",
    4: "4 - Doubtful",
    5: "5 - Improbable",
    6: "6 - Truth cannot be judged",
}
WORDS_CREDIBILITY = {v: k for k, v in CREDIBILITY_WORDS.items()}


def confidence(credibility: int | None) -> int | None:
    """Admiralty credibility -> STIX confidence (6, cannot be judged: no confidence)."""
    if credibility is None or credibility == 6:
        return None
    return int(scales.admiralty_credibility_to_value(CREDIBILITY_WORDS[credibility]))


def credibility(value: int | None) -> int | None:
    """STIX confidence -> Admiralty credibility (none given: none, as 6 is not stored)."""
    if value is None:
        return None
    return WORDS_CREDIBILITY[scales.value_to_admiralty_credibility(int(value))]
