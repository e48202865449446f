"""Records pasted one a line, as the screening page takes them.

Each line is ``name; birth date; country; identifiers; record id``, every field after the
name optional (trailing ones may be left out, inner ones left empty):

    Ким Чен Ын
    Kim Jong Un; 1984-01-08; kp
    ANGARA; ; ; IMO 9179842
    IMO 9179842
    Ri Pyong Chol; 1948; kp; passport 745210001; CUST-0042

- birth date: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``;
- country: codes or names, several separated by commas;
- identifiers: separated by commas, each ``IMO 9179842``, ``MMSI 273345000``,
  ``passport 745210001`` (also ``kind:value``, as in the CSV), or a bare value (with a
  digit in it) compared with identifiers of any kind;
- record id: your own id for the record. A decision is bound to it and to every property
  screened; a line without one gets a new id at each screening.

An identifier alone on a line is recognised as one (``IMO 9179842``, ``MMSI 273345000``,
a bare IMO number with a valid check digit, a nine-digit number, a passport-like
``AB1234567``): it is not read as a name. A line with an IMO or MMSI
number screens as a vessel when "Person" was chosen (people have none).
"""

from __future__ import annotations

import re
import uuid

from watchkeeper.errors import InputError
from watchkeeper.screening.batch import parse_identifiers
from watchkeeper.screening.index import ID_KINDS, normalise_id
from watchkeeper.screening.score import SCHEMATA, Query

FIELDS = ("name", "birth date", "country", "identifiers", "record id")
DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
# A kind named before its value: "IMO 9179842", "passport: 745210001", "MMSI#273345000".
KINDS = {"bic": "swift", **{kind: kind for kind in ID_KINDS}}
NAMED = re.compile(r"(?i)(?P<kind>[a-z]+)\s*[:#]?\s*(?P<value>[0-9A-Z][0-9A-Z /.-]*)")
# Values that are identifiers by their look alone: an IMO number with its check digit, a
# nine-digit number (an MMSI or a passport's), a passport-like number (one or two letters and six to nine digits).
BARE_IMO = re.compile(r"\d{7}")
BARE_MMSI = re.compile(r"\d{9}")
PASSPORT_LIKE = re.compile(r"(?i)[A-Z]{1,2}\d{6,9}")
VESSEL_IDS = frozenset({"imo", "mmsi"})


def imo_valid(digits: str) -> bool:
    """The IMO number's check digit: the first six weighted 7..2, summed, last digit."""
    total = sum(int(d) * w for d, w in zip(digits[:6], range(7, 1, -1), strict=True))
    return total % 10 == int(digits[6])


def identifier(text: str) -> tuple[str, str] | None:
    """``text`` as one (kind, normalised value) when it reads as an identifier by itself
    (a named kind, an IMO or MMSI number, a passport-like number), else None."""
    text = text.strip()
    named = NAMED.fullmatch(text)
    if named and named["kind"].lower() in KINDS and any(ch.isdigit() for ch in named["value"]):
        kind = KINDS[named["kind"].lower()]
        value = normalise_id(kind, named["value"])
        return (kind, value) if value else None
    compact = re.sub(r"[\s-]", "", text)
    if BARE_IMO.fullmatch(compact) and imo_valid(compact):
        return ("imo", compact)
    if BARE_MMSI.fullmatch(compact):  # an MMSI or a passport number: either kind
        return ("*", compact)
    if PASSPORT_LIKE.fullmatch(compact):
        return ("*", compact.upper())
    return None


def identifiers(text: str, line: int) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        found = identifier(item)
        if found is None:
            found_any = parse_identifiers(item)  # "kind:value" or a bare value
            if not found_any or not any(ch.isdigit() for _, v in found_any for ch in v):
                raise InputError("names", f"no identifier in {item!r}", f"line {line}")
            out.extend(found_any)
        else:
            out.append(found)
    return out


def parse_line(text: str, schema: str, line: int, max_value: int) -> Query | None:
    fields = [f.strip() for f in text.split(";")]
    if not any(fields):
        return None
    if len(fields) > len(FIELDS):
        raise InputError(
            "names",
            f"{len(fields)} fields; at most {len(FIELDS)}: {'; '.join(FIELDS)}",
            f"line {line}",
        )
    for value in fields:
        if len(value) > max_value:
            raise InputError(
                "names",
                f"a field is {len(value):,} characters (limit {max_value:,})",
                f"line {line}",
            )
    name, birth, country, ids_text, record_id = (fields + [""] * len(FIELDS))[: len(FIELDS)]
    ids = identifiers(ids_text, line)
    names: tuple[str, ...] = (name,) if name else ()
    alone = identifier(name) if name else None
    if alone is not None:
        ids.insert(0, alone)
        names = ()
    if not names and not ids:
        raise InputError("names", "no name and no identifier", f"line {line}")
    if birth and not DATE.fullmatch(birth):
        raise InputError(
            "names", f"birth date {birth!r} is not YYYY, YYYY-MM or YYYY-MM-DD", f"line {line}"
        )
    if schema == "Person" and {k for k, _ in ids} & VESSEL_IDS:
        schema = "Vessel"  # people have no IMO or MMSI number
    return Query(
        record_id or f"web-{uuid.uuid4().hex[:12]}",
        schema,
        names,
        (birth,) if birth else (),
        tuple(c.strip().lower() for c in country.split(",") if c.strip()),
        tuple(dict.fromkeys(ids)),
    )


def pasted(text: str, schema: str, max_value: int) -> list[Query]:
    """The records of a pasted text, one a line; an InputError names a bad line."""
    if schema not in SCHEMATA:
        raise InputError("schema", f"unknown schema {schema!r}; one of {', '.join(SCHEMATA)}")
    queries = []
    for number, line in enumerate(text.splitlines(), 1):
        query = parse_line(line, schema, number, max_value)
        if query is not None:
            queries.append(query)
    return queries
