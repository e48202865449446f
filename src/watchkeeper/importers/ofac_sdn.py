"""OFAC Specially Designated Nationals: the legacy CSV (sdn.csv [+ add.csv, alt.csv]) and sdn.xml.

Both formats are read into the same :class:`SdnEntry`, and one function turns an entry
into FtM entities, so the two readers cannot drift apart. Entity ids are
``ofac-<ent_num>``; the ent_num stays on the Sanction as ``authorityId``
(screening shows it as ``OFAC:<ent_num>``). "Linked To: NAME" remarks become
UnknownLink entities when NAME is another entry of the same release; a person's title or
remark that states the relation ("Tanchon Commercial Bank Representative in Syria",
"Director of NAME") makes it a Representation or a Directorship instead. The typed
relationships of ``sdn_advanced.xml`` are read by ``ofac_advanced``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import yaml
from followthemoney import StatementEntity

from watchkeeper.errors import InputError
from watchkeeper.importers.base import (
    MAX_FIELD,
    Options,
    Record,
    add,
    add_clean,
    list_release,
    make_entity,
    slug,
)
from watchkeeper.importers.safe_xml import children, iter_elements, local, text
from watchkeeper.model.source import Source

DATASET = "us_ofac_sdn"
CSV_URL = "https://www.treasury.gov/ofac/downloads/sdn.csv"
XML_URL = "https://www.treasury.gov/ofac/downloads/sdn.xml"
SDN_COLUMNS = (
    "ent_num", "SDN_Name", "SDN_Type", "Program", "Title", "Call_Sign", "Vess_type",
    "Tonnage", "GRT", "Vess_flag", "Vess_owner", "Remarks",
)  # fmt: skip
SCHEMA = {"individual": "Person", "vessel": "Vessel", "aircraft": "Airplane"}
NULL = "-0-"
LISTED = 1  # Admiralty "confirmed": the list is the authority on its own entries.


@dataclass
class SdnEntry:
    """One SDN record, whichever file format it came from."""

    uid: str
    name: str
    sdn_type: str
    programs: list[str]
    title: str | None = None
    call_sign: str | None = None
    vessel_type: str | None = None
    tonnage: str | None = None
    grt: str | None = None
    flag: str | None = None
    owner: str | None = None
    remarks: list[str] = field(default_factory=list)
    aliases: list[tuple[str, str]] = field(default_factory=list)  # (prop, name)
    addresses: list[tuple[str, str | None]] = field(default_factory=list)  # (full, country)
    props: list[tuple[str, str, bool]] = field(default_factory=list)  # (prop, value, fuzzy)

    @property
    def schema(self) -> str:
        return SCHEMA.get(self.sdn_type.lower(), "Organization")

    @property
    def entity_id(self) -> str:
        return f"ofac-{self.uid}"


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern[str]
    prop: str
    parse: str | None
    fuzzy: bool
    schemata: tuple[str, ...]


@cache
def remark_rules() -> tuple[Rule, ...]:
    data = yaml.safe_load(resources.files(__package__).joinpath("ofac_rules.yaml").read_text())
    return tuple(
        Rule(
            re.compile(r["pattern"], re.IGNORECASE),
            r["prop"],
            r.get("parse"),
            bool(r.get("fuzzy")),
            tuple(r.get("schemata", ())),
        )
        for r in data["rules"]
    )


def parse_date(value: str) -> list[str]:
    """OFAC writes '01 Jan 1960', 'Jan 1960', '1960', '1960 to 1962'."""
    out = []
    for part in re.split(r"\s+to\s+|;|, alt\.", value):
        part = part.strip().rstrip(".")
        for fmt, iso in (("%d %b %Y", "%Y-%m-%d"), ("%b %Y", "%Y-%m"), ("%Y", "%Y")):
            try:
                out.append(datetime.strptime(part, fmt).strftime(iso))
                break
            except ValueError:
                continue
    return out


LINKED_TO = "Linked To"
LINK_ENDS = {
    "UnknownLink": ("subject", "object"),
    "Representation": ("agent", "client"),
    "Directorship": ("director", "organization"),
}
_ROLE = (
    r"(?P<role>(?:Deputy |Chief |Senior |Vice |Executive |General )*"
    r"(?:Representative|President|Chairman|Chairwoman|Director|Director General|"
    r"General Director|Manager|Chief Executive Officer|CEO|Official))"
)
# "ORG Representative in Syria" / "Representative of ORG": the role's words decide the kind.
_ROLE_AFTER = re.compile(rf"^(?P<org>[A-Z][^,;()]+?)\s+{_ROLE}\b", re.IGNORECASE)
_ROLE_BEFORE = re.compile(rf"^{_ROLE}\s+(?:of|at|for)\s+(?P<org>[^,;()]+)", re.IGNORECASE)
_KEY_WORDS = {"CORPORATION": "CORP", "COMPANY": "CO", "LIMITED": "LTD", "INCORPORATED": "INC"}


@dataclass(frozen=True)
class Mention:
    """Another entry named in a record, and what the record says it is to it."""

    name: str
    schema: str
    role: str


def name_key(name: str) -> str:
    """A name as entries are looked up by: upper case, punctuation and the usual company
    words' long forms away ("Korea Kwangson Banking Corporation" finds "... CORP")."""
    words = re.sub(r"[^\w\s]", " ", name.upper()).split()
    return " ".join(_KEY_WORDS.get(w, w) for w in words)


def role_of(phrase: str) -> Mention | None:
    """The entry a person's title or remark names, and the link it states, if any."""
    phrase = phrase.strip().rstrip(".")
    found = _ROLE_AFTER.match(phrase) or _ROLE_BEFORE.match(phrase)
    if found is None:
        return None
    role = found.group("role").lower()
    schema = "Representation" if "representative" in role else "Directorship"
    return Mention(found.group("org").strip(), schema, phrase)


# -- entry -> entities ---------------------------------------------------------------------


def build(entry: SdnEntry, dataset: str) -> tuple[StatementEntity, StatementEntity, list[Mention]]:
    """The listed entity, its Sanction, and the entries it names: 'Linked To', or in a
    role its title or remarks state."""
    schema = entry.schema
    entity = make_entity(schema, entry.entity_id, dataset)
    add(entity, "name", entry.name)
    if schema == "Person" and "," in entry.name:
        last, first = entry.name.split(",", 1)
        add(entity, "lastName", last)
        add(entity, "firstName", first)
    if schema == "Airplane":
        add(entity, "registrationNumber", entry.name)
    add_clean(entity, "topics", "sanction")
    for program in entry.programs:
        add_clean(entity, "program", program)
    if entry.title:
        add(entity, "position" if schema == "Person" else "notes", entry.title)
    if schema == "Vessel":
        add(entity, "callSign", entry.call_sign)
        add(entity, "type", entry.vessel_type)
        add(entity, "tonnage", entry.tonnage)
        add(entity, "grossRegisteredTonnage", entry.grt)
        add(entity, "flag", entry.flag, fuzzy=True)
    if entry.owner:
        add(entity, "notes", f"Owner: {entry.owner}")
    for prop, name in entry.aliases:
        add(entity, prop, name)
    for full, country in entry.addresses:
        add(entity, "address", full)
        add(entity, "country", country, fuzzy=True)
    for prop, value, fuzzy in entry.props:
        if prop in entity.schema.properties:
            add(entity, prop, value, fuzzy=fuzzy)
    links: list[Mention] = []
    for remark in entry.remarks:
        links.extend(
            Mention(name, "UnknownLink", LINKED_TO) for name in _apply_remark(entity, remark)
        )
    if entry.owner:
        links.append(Mention(entry.owner, "UnknownLink", LINKED_TO))
    if schema == "Person":
        # "Tanchon Commercial Bank Representative in Syria": the title or a remark says
        # what the person is to another entry; resolved against the release in ``emit``.
        for phrase in {entry.title or "", *entry.remarks}:
            found = role_of(phrase)
            if found is not None:
                links.append(found)
    sanction = make_entity("Sanction", f"{entity.id}-ofac", dataset)
    sanction.add("entity", entity.id)
    add_clean(sanction, "authority", "US Treasury Office of Foreign Assets Control")
    add_clean(sanction, "authorityId", entry.uid)
    add_clean(sanction, "country", "us")
    for program in entry.programs:
        add_clean(sanction, "program", program)
    add_clean(
        sanction, "sourceUrl", "https://sanctionssearch.ofac.treas.gov/Details.aspx?id=" + entry.uid
    )
    return entity, sanction, links


def _apply_remark(entity: StatementEntity, remark: str) -> list[str]:
    remark = remark.strip().rstrip(".").strip()
    if not remark or remark == NULL:
        return []
    linked = re.match(r"Linked To:\s*(.+)", remark, re.IGNORECASE)
    if linked:
        return [linked.group(1).strip().rstrip(".")]
    for rule in remark_rules():
        if rule.schemata and entity.schema.name not in rule.schemata:
            continue
        if rule.prop not in entity.schema.properties:
            continue
        found = rule.pattern.match(remark)
        if not found:
            continue
        value = found.group("value").strip().strip("'").strip()
        values = parse_date(value) if rule.parse == "date" else [value]
        for val in values:
            add(entity, rule.prop, val, fuzzy=rule.fuzzy)
        return []
    add(entity, "notes", remark)
    return []


def emit(entries: Iterator[SdnEntry], dataset: str) -> Iterator[Record]:
    """Entities in file order, then the links resolved against the whole release: a link
    whose kind the remarks state (``role_of``) replaces the untyped 'Linked To' between
    the same two entries."""
    by_name: dict[str, tuple[str, str]] = {}
    pending: list[tuple[str, Mention]] = []
    for entry in entries:
        entity, sanction, links = build(entry, dataset)
        by_name.setdefault(name_key(entry.name), (entry.entity_id, entity.schema.name))
        yield Record(entity, credibility=LISTED)
        yield Record(sanction, credibility=LISTED)
        pending.extend((entry.entity_id, mention) for mention in links)
    chosen: dict[tuple[str, str], Mention] = {}
    for subject, mention in pending:
        found = by_name.get(name_key(mention.name))
        if found is None or found[0] == subject:
            continue
        target, target_schema = found
        if mention.schema == "Directorship" and target_schema not in ("Organization", "Company"):
            continue
        key = (subject, target)
        if key not in chosen or chosen[key].schema == "UnknownLink":
            chosen[key] = mention
    for (subject, target), mention in chosen.items():
        schema = mention.schema
        source_prop, target_prop = LINK_ENDS[schema]
        suffix = "link" if schema == "UnknownLink" else schema.lower()
        link = make_entity(schema, f"{subject}-{suffix}-{slug(target)}", dataset)
        link.add(source_prop, subject)
        link.add(target_prop, target)
        add(link, "role", mention.role)
        yield Record(link, credibility=LISTED)


def _null(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return None if value in ("", NULL) else value


# -- the legacy CSV ----------------------------------------------------------------------


def _csv_rows(path: Path, columns: int, what: str) -> Iterator[tuple[int, list[str]]]:
    with path.open("rb") as raw:
        head = raw.read(4)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
            raise InputError(
                str(path), f"not Latin-1/ASCII text as OFAC's {what} should be (looks like UTF-16)"
            )
    csv.field_size_limit(MAX_FIELD)
    # OFAC's legacy files are Latin-1; decoding cannot fail, so bad bytes show up
    # as odd characters rather than a crash, and NUL bytes are refused below.
    with path.open("r", encoding="latin-1", newline="") as fh:
        reader = csv.reader(fh)
        line = 0
        while True:
            line += 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise InputError(str(path), str(exc), f"row {line}") from None
            if not row or row == ["\x1a"]:  # blank line, or the DOS end-of-file mark
                continue
            if len(row) != columns:
                ref = (
                    f"row {line} (ent_num {row[0]})"
                    if row and row[0].strip().isdigit()
                    else f"row {line}"
                )
                raise InputError(str(path), f"expected {columns} columns, found {len(row)}", ref)
            yield line, row


def _sidecar(path: Path, name: str) -> Path | None:
    for candidate in (path.with_name(name), path.with_name(name.upper())):
        if candidate.exists():
            return candidate
    return None


class OfacCsvImporter:
    name = "ofac-csv"
    full_release = True

    def source(self, path: Path, checksum: str, options: Options) -> Source:
        # The legacy CSV carries no date of its own: without --release-date the file's
        # modification time is assumed, and the source says so.
        released = options.release_date or datetime.fromtimestamp(path.stat().st_mtime).strftime(
            "%Y-%m-%dT%H:%M:%S"
        )
        source = list_release(
            options.dataset or DATASET,
            checksum,
            "OFAC Specially Designated Nationals List (legacy CSV)",
            "US Treasury Office of Foreign Assets Control",
            CSV_URL,
            released,
        )
        return replace(source, date_assumed=options.release_date is None)

    def records(self, path: Path, source: Source) -> Iterator[Record]:
        aliases: dict[str, list[tuple[str, str]]] = {}
        addresses: dict[str, list[tuple[str, str | None]]] = {}
        alt = _sidecar(path, "alt.csv")
        if alt is not None:
            for _line, row in _csv_rows(alt, 5, "alt.csv"):
                prop = (
                    "weakAlias"
                    if row[2].strip().lower() == "weak"
                    else ("previousName" if row[2].strip().lower() == "fka" else "alias")
                )
                aliases.setdefault(row[0].strip(), []).append((prop, row[3]))
        add_file = _sidecar(path, "add.csv")
        if add_file is not None:
            for _line, row in _csv_rows(add_file, 6, "add.csv"):
                full = ", ".join(v for v in (_null(row[2]), _null(row[3]), _null(row[4])) if v)
                if full:
                    addresses.setdefault(row[0].strip(), []).append((full, _null(row[4])))
        missing = [name for name, found in (("alt.csv", alt), ("add.csv", add_file)) if not found]
        records = emit(self._entries(path, aliases, addresses), source.dataset)
        if missing:
            # OFAC publishes aliases and addresses in these files beside sdn.csv; without
            # them only what the remarks repeat is known, and screening misses the rest.
            warning = (
                f"{path}: {' and '.join(missing)} not found beside it: OFAC's aliases and"
                " addresses come from those files, so only what the remarks repeat is imported"
            )
            first = next(records, None)
            if first is not None:
                yield replace(first, warnings=(*first.warnings, warning))
        yield from records

    def _entries(
        self,
        path: Path,
        aliases: dict[str, list[tuple[str, str]]],
        addresses: dict[str, list[tuple[str, str | None]]],
    ) -> Iterator[SdnEntry]:
        count = 0
        for line, row in _csv_rows(path, len(SDN_COLUMNS), "sdn.csv"):
            uid = row[0].strip()
            if not uid.isdigit():
                raise InputError(str(path), f"ent_num {uid[:40]!r} is not a number", f"row {line}")
            name = _null(row[1])
            if name is None:
                raise InputError(str(path), "SDN_Name is empty", f"row {line} (ent_num {uid})")
            count += 1
            programs = [
                p.strip() for p in (_null(row[3]) or "").strip("[]").split("] [") if p.strip()
            ]
            yield SdnEntry(
                uid=uid,
                name=name,
                sdn_type=_null(row[2]) or "",
                programs=programs,
                title=_null(row[4]),
                call_sign=_null(row[5]),
                vessel_type=_null(row[6]),
                tonnage=_null(row[7]),
                grt=_null(row[8]),
                flag=_null(row[9]),
                owner=_null(row[10]),
                remarks=(_null(row[11]) or "").split(";"),
                aliases=aliases.get(uid, []),
                addresses=addresses.get(uid, []),
            )
        if count == 0:
            raise InputError(str(path), "no SDN records found")


# -- the XML ----------------------------------------------------------------------------


class OfacXmlImporter:
    name = "ofac-xml"
    full_release = True

    def source(self, path: Path, checksum: str, options: Options) -> Source:
        published = options.release_date
        if published is None:
            for event, elem in iter_elements(path, []):
                if event == "end" and local(elem.tag) == "Publish_Date":
                    published = _us_date(text(elem))
                    break
                if event == "start" and local(elem.tag) == "sdnEntry":
                    break
        if not published:
            raise InputError(str(path), "no publshInformation/Publish_Date; pass --release-date")
        return list_release(
            options.dataset or DATASET,
            checksum,
            "OFAC Specially Designated Nationals List (XML)",
            "US Treasury Office of Foreign Assets Control",
            XML_URL,
            published,
        )

    def records(self, path: Path, source: Source) -> Iterator[Record]:
        yield from emit(self._entries(path), source.dataset)

    def _entries(self, path: Path) -> Iterator[SdnEntry]:
        last: list[str] = []
        count = 0
        root: Element | None = None
        for event, elem in iter_elements(path, last):
            if event == "start":
                if root is None:
                    root = elem
                    if local(elem.tag) != "sdnList":
                        raise InputError(
                            str(path), f"not an OFAC sdnList (root <{local(elem.tag)}>)"
                        )
                continue
            if local(elem.tag) != "sdnEntry":
                continue
            count += 1
            uid = text(elem, "uid")
            label = f"record {count} (uid {uid})"
            for sub in elem.iter():
                if sub.text is not None and len(sub.text) > MAX_FIELD:
                    raise InputError(
                        str(path), f"field {local(sub.tag)} is over {MAX_FIELD:,} characters", label
                    )
            if uid is None or not uid.isdigit():
                raise InputError(str(path), "sdnEntry without a numeric uid", label)
            yield _xml_entry(elem, uid)
            last[:] = [label]
            elem.clear()
            if root is not None and len(root) > 64:
                del root[:-1]
        if count == 0:
            raise InputError(str(path), "no sdnEntry records found")


def _us_date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return datetime.strptime(value.strip(), "%m/%d/%Y").strftime("%Y-%m-%d")
    except ValueError:
        return value.strip()


def _join_name(elem: Element) -> str:
    last, first = text(elem, "lastName"), text(elem, "firstName")
    return f"{last}, {first}" if last and first else (last or first or "")


def _xml_entry(elem: Element, uid: str) -> SdnEntry:
    programs = [text(p) or "" for p in children(_child(elem, "programList"), "program")]
    entry = SdnEntry(
        uid=uid,
        name=_join_name(elem),
        sdn_type=text(elem, "sdnType") or "",
        programs=[p for p in programs if p],
        title=text(elem, "title"),
        remarks=(text(elem, "remarks") or "").split(";"),
    )
    vessel = _child(elem, "vesselInfo")
    entry.call_sign = text(vessel, "callSign")
    entry.vessel_type = text(vessel, "vesselType")
    entry.tonnage = text(vessel, "tonnage")
    entry.grt = text(vessel, "grossRegisteredTonnage")
    entry.flag = text(vessel, "vesselFlag")
    entry.owner = text(vessel, "vesselOwner")
    for aka in children(_child(elem, "akaList"), "aka"):
        kind = (text(aka, "type") or "").lower()
        weak = (text(aka, "category") or "").lower() == "weak"
        prop = "previousName" if kind.startswith("f.k.a") else ("weakAlias" if weak else "alias")
        entry.aliases.append((prop, _join_name(aka)))
    for addr in children(_child(elem, "addressList"), "address"):
        fields = (
            "address1",
            "address2",
            "address3",
            "city",
            "stateOrProvince",
            "postalCode",
            "country",
        )
        full = ", ".join(v for v in (text(addr, f) for f in fields) if v)
        if full:
            entry.addresses.append((full, text(addr, "country")))
    for item in children(_child(elem, "dateOfBirthList"), "dateOfBirthItem"):
        for iso in parse_date(text(item, "dateOfBirth") or ""):
            entry.props.append(("birthDate", iso, False))
    for item in children(_child(elem, "placeOfBirthList"), "placeOfBirthItem"):
        entry.props.append(("birthPlace", text(item, "placeOfBirth") or "", False))
    for item in children(_child(elem, "nationalityList"), "nationality"):
        entry.props.append(("nationality", text(item, "country") or "", True))
    for item in children(_child(elem, "citizenshipList"), "citizenship"):
        entry.props.append(("citizenship", text(item, "country") or "", True))
    for item in children(_child(elem, "idList"), "id"):
        entry.props.extend(_xml_id(text(item, "idType") or "", text(item, "idNumber") or ""))
    return entry


def _xml_id(kind: str, number: str) -> list[tuple[str, str, bool]]:
    lowered = kind.lower()
    if "imo" in lowered or number.upper().startswith("IMO"):
        return [("imoNumber", re.sub(r"\D", "", number), False)]
    if "mmsi" in lowered:
        return [("mmsi", re.sub(r"\D", "", number), False)]
    if lowered == "passport":
        return [("passportNumber", number, False)]
    if "serial number" in lowered or "construction number" in lowered:
        return [("serialNumber", number, False)]
    if "swift" in lowered:
        return [("swiftBic", number, False)]
    if "tax id" in lowered:
        return [("taxNumber", number, False)]
    if "registration" in lowered:
        return [("registrationNumber", number, False)]
    return [("idNumber", number, False)]


def _child(elem: Element, name: str) -> Any:
    for sub in elem:
        if local(sub.tag) == name:
            return sub
    return _EMPTY


_EMPTY = Element("empty")
