"""OFAC's SDN list in the Advanced Sanctions List Standard (``sdn_advanced.xml``).

Unlike the legacy files, the advanced file says what a link is: each
``ProfileRelationship`` carries a type from the file's own reference values ("Owned or
Controlled By", "Acting for or on behalf of", "Associate Of", "Family member of",
"Leader or official of"...). They become typed FtM links (``RELATIONS``), so ownership
(``network owners``, the 50 % rule) and control are read off the list itself. Vessel
particulars (call sign, type, flag, tonnage, IMO and MMSI) and designation dates (the
sanctions entry's first event) come with them.

Entity ids are ``ofac-<FixedRef>``, the same as the legacy CSV's ``ofac-<ent_num>``, and
the dataset is the same (``us_ofac_sdn``): an advanced release replaces a CSV release of
the same list, entry for entry. Every reference (a type, a location, a party) is
resolved by its id in the file itself, never by a number written here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element

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
)
from watchkeeper.importers.ofac_sdn import DATASET, LISTED, parse_date
from watchkeeper.importers.safe_xml import children, iter_elements, local, text
from watchkeeper.model.source import Source

URL = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/SDN_ADVANCED.XML"
SCHEMA = {"individual": "Person", "vessel": "Vessel", "aircraft": "Airplane"}

# Relation type (as the file names it, lower case) -> (schema, property of the profile
# the relation is *from*, property of the profile it is *to*). Types not listed become
# UnknownLink(subject=from, object=to) with the type as its role.
RELATIONS: dict[str, tuple[str, str, str]] = {
    "owned or controlled by": ("Ownership", "asset", "owner"),
    "property in the interest of": ("Ownership", "asset", "owner"),
    "acting for or on behalf of": ("Representation", "agent", "client"),
    "leader or official of": ("Directorship", "director", "organization"),
    "principal executive officer": ("Directorship", "director", "organization"),
    "family member of": ("Family", "person", "relative"),
    "associate of": ("Associate", "person", "associate"),
}

# Feature type (lower case) -> property. Matched whole; ``_feature_prop`` adds the few
# that are read by their words.
FEATURES = {
    "vessel call sign": "callSign",
    "other vessel call sign": "callSign",
    "vessel type": "type",
    "vessel flag": "flag",
    "former vessel flag": "pastFlags",
    "other vessel flag": "pastFlags",
    "vessel tonnage": "tonnage",
    "vessel gross registered tonnage": "grossRegisteredTonnage",
    "vessel year of build": "buildDate",
    "birthdate": "birthDate",
    "place of birth": "birthPlace",
    "nationality country": "nationality",
    "citizenship country": "citizenship",
    "location": "address",
    "gender": "gender",
    "website": "website",
    "email address": "email",
    "phone number": "phone",
    "organization established date": "incorporationDate",
    "aircraft tail number": "registrationNumber",
    "aircraft model": "model",
    "aircraft manufacture date": "buildDate",
    "aircraft manufacturer's serial number (msn)": "serialNumber",
}
DATED = {"birthDate", "incorporationDate", "buildDate"}
COUNTRIES = {"flag", "pastFlags", "nationality", "citizenship"}


@dataclass
class Party:
    """One DistinctParty, its references resolved."""

    ref: str
    kind: str
    names: list[tuple[str, str]] = field(default_factory=list)  # (prop, name)
    identities: list[str] = field(default_factory=list)
    values: list[tuple[str, str]] = field(default_factory=list)  # (prop, value)
    notes: list[str] = field(default_factory=list)

    @property
    def schema(self) -> str:
        return SCHEMA.get(self.kind.lower(), "Organization")

    @property
    def entity_id(self) -> str:
        return f"ofac-{self.ref}"


@dataclass
class Relation:
    ident: str
    source: str
    target: str
    kind: str
    former: bool


@dataclass
class Entry:
    """A sanctions entry: which list, which programmes, when."""

    profile: str
    lists: list[str] = field(default_factory=list)
    programs: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)


@dataclass
class Release:
    """Everything the file says, each reference resolved against its own values."""

    refs: dict[tuple[str, str], str] = field(default_factory=dict)
    locations: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    documents: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    parties: list[Party] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    entries: dict[str, Entry] = field(default_factory=dict)

    def ref(self, kind: str, ident: str | None) -> str:
        return self.refs.get((kind, ident or ""), "")


def _date(elem: Element | None) -> str | None:
    """A ``<Date>`` or ``<From>`` element (Year, Month, Day) as ISO, to the precision given."""
    if elem is None:
        return None
    year, month, day = (text(elem, part) for part in ("Year", "Month", "Day"))
    if not year or not year.isdigit():
        return None
    out = year.zfill(4)
    if month and month.isdigit():
        out += f"-{int(month):02d}"
        if day and day.isdigit():
            out += f"-{int(day):02d}"
    return out


def _find(elem: Element, *path: str) -> Element | None:
    found: Element | None = elem
    for name in path:
        if found is None:
            return None
        found = next((sub for sub in found if local(sub.tag) == name), None)
    return found


class OfacAdvancedImporter:
    name = "ofac-advanced"
    full_release = True

    def source(self, path: Path, checksum: str, options: Options) -> Source:
        published = options.release_date
        if published is None:
            for event, elem in iter_elements(path, []):
                if event == "end" and local(elem.tag) == "DateOfIssue":
                    published = _date(elem)
                    break
                if event == "start" and local(elem.tag) in ("DistinctParties", "SanctionsEntries"):
                    break
        if not published:
            raise InputError(str(path), "no DateOfIssue; pass --release-date")
        return list_release(
            options.dataset or DATASET,
            checksum,
            "OFAC Specially Designated Nationals List (advanced XML)",
            "US Treasury Office of Foreign Assets Control",
            URL,
            published,
        )

    def records(self, path: Path, source: Source) -> Iterator[Record]:
        release = _read(path)
        yield from _emit(release, source.dataset, path)


# -- reading -------------------------------------------------------------------------------

# The elements read whole (then cleared), by their parent's name.
_ITEMS = {
    "Locations": "Location",
    "IDRegDocuments": "IDRegDocument",
    "DistinctParties": "DistinctParty",
    "ProfileRelationships": "ProfileRelationship",
    "SanctionsEntries": "SanctionsEntry",
}


def _read(path: Path) -> Release:
    release = Release()
    last: list[str] = []
    stack: list[Element] = []
    count = 0
    for event, elem in iter_elements(path, last):
        if event == "start":
            if not stack and local(elem.tag) != "Sanctions":
                raise InputError(
                    str(path), f"not OFAC's advanced list format (root <{local(elem.tag)}>)"
                )
            stack.append(elem)
            continue
        stack.pop()
        parent = local(stack[-1].tag) if stack else ""
        grand = local(stack[-2].tag) if len(stack) > 1 else ""
        tag = local(elem.tag)
        if grand == "ReferenceValueSets":
            release.refs[(tag, elem.get("ID", ""))] = " ".join((elem.text or "").split())
            elem.clear()
            continue
        if _ITEMS.get(parent) != tag:
            continue
        label = f"{tag} {elem.get('FixedRef') or elem.get('ID') or '?'}"
        for sub in elem.iter():
            if sub.text is not None and len(sub.text) > MAX_FIELD:
                raise InputError(
                    str(path), f"field {local(sub.tag)} is over {MAX_FIELD:,} characters", label
                )
        if tag == "Location":
            release.locations[elem.get("ID", "")] = _location(elem, release)
        elif tag == "IDRegDocument":
            _document(elem, release)
        elif tag == "DistinctParty":
            count += 1
            release.parties.append(_party(elem, release, path, label))
        elif tag == "ProfileRelationship":
            release.relations.append(_relation(elem, path, label))
        elif tag == "SanctionsEntry":
            _entry(elem, release)
        last[:] = [label]
        elem.clear()
        stack[-1].remove(elem)
    if count == 0:
        raise InputError(str(path), "no DistinctParty records found")
    return release


def _location(elem: Element, release: Release) -> tuple[str, str | None]:
    parts = []
    for part in children(elem, "LocationPart"):
        for value in children(part, "LocationPartValue"):
            found = text(value, "Value")
            if found:
                parts.append(found)
    country = None
    for loc_country in children(elem, "LocationCountry"):
        country = release.ref("Country", loc_country.get("CountryID")) or None
    full = ", ".join([*parts, country] if country else parts)
    return full, country


def _document(elem: Element, release: Release) -> None:
    kind = release.ref("IDRegDocType", elem.get("IDRegDocTypeID"))
    number = text(elem, "IDRegistrationNo")
    if number:
        release.documents.setdefault(elem.get("IdentityID", ""), []).append((kind, number))


def _party(elem: Element, release: Release, path: Path, label: str) -> Party:
    ref = elem.get("FixedRef", "")
    if not ref.isdigit():
        raise InputError(str(path), "DistinctParty without a numeric FixedRef", label)
    profile = _find(elem, "Profile")
    if profile is None:
        raise InputError(str(path), "DistinctParty without a Profile", label)
    party = Party(ref, release.ref("PartySubType", profile.get("PartySubTypeID")))
    for identity in children(profile, "Identity"):
        party.identities.append(identity.get("ID", ""))
        groups = {
            group.get("ID", ""): release.ref("NamePartType", group.get("NamePartTypeID"))
            for master in children(
                _find(identity, "NamePartGroups") or Element("x"), "MasterNamePartGroup"
            )
            for group in children(master, "NamePartGroup")
        }
        for alias in children(identity, "Alias"):
            kind = release.ref("AliasType", alias.get("AliasTypeID")).lower()
            primary = alias.get("Primary") == "true"
            for number, documented in enumerate(children(alias, "DocumentedName")):
                name = _name(documented, groups, party.schema)
                if not name:
                    continue
                if primary and number == 0:
                    prop = "name"
                elif alias.get("LowQuality") == "true":
                    prop = "weakAlias"
                elif kind.startswith("f.k.a"):
                    prop = "previousName"
                else:
                    prop = "alias"
                party.names.append((prop, name))
    if not any(prop == "name" for prop, _ in party.names):
        raise InputError(str(path), "DistinctParty without a primary name", label)
    for feature in children(profile, "Feature"):
        _feature(feature, release, party)
    return party


def _name(documented: Element, groups: dict[str, str], schema: str) -> str:
    """A documented name as the legacy files write it: ``LAST, First Middle`` for a
    person whose last name is marked, the parts in order otherwise."""
    last: list[str] = []
    rest: list[str] = []
    for part in children(documented, "DocumentedNamePart"):
        value = _find(part, "NamePartValue")
        if value is None or not (value.text or "").strip():
            continue
        kind = groups.get(value.get("NamePartGroupID", ""), "").lower()
        (last if kind == "last name" and schema == "Person" else rest).append(value.text.strip())  # type: ignore[union-attr]
    if last and rest:
        return f"{' '.join(last)}, {' '.join(rest)}"
    return " ".join(last + rest)


def _feature_prop(kind: str) -> str | None:
    found = FEATURES.get(kind)
    if found is None and "digital currency address" in kind:
        return "notes"
    return found


def _feature(feature: Element, release: Release, party: Party) -> None:
    kind = release.ref("FeatureType", feature.get("FeatureTypeID"))
    prop = _feature_prop(kind.lower())
    for version in children(feature, "FeatureVersion"):
        values: list[str] = []
        for detail in children(version, "VersionDetail"):
            reference = detail.get("DetailReferenceID")
            value = release.ref("DetailReference", reference) if reference else text(detail)
            if value:
                values.append(value)
        for located in children(version, "VersionLocation"):
            full, country = release.locations.get(located.get("LocationID", ""), ("", None))
            if prop in ("nationality", "citizenship", "birthPlace") or prop in COUNTRIES:
                values.append(full if prop == "birthPlace" else country or full)
            elif full:
                values.append(full)
                if country:
                    party.values.append(("country", country))
        start = _find(version, "DatePeriod", "Start", "From")
        date = _date(start)
        if date:
            values.append(date)
        for value in values:
            if prop is None:
                party.notes.append(f"{kind}: {value}")
            elif prop == "notes":
                party.notes.append(f"{kind} {value}")
            else:
                party.values.append((prop, value))


def _relation(elem: Element, path: Path, label: str) -> Relation:
    source, target = elem.get("From-ProfileID", ""), elem.get("To-ProfileID", "")
    if not (source.isdigit() and target.isdigit()):
        raise InputError(str(path), "ProfileRelationship without both profile ids", label)
    return Relation(
        elem.get("ID", f"{source}-{target}"),
        source,
        target,
        elem.get("RelationTypeID", ""),
        elem.get("Former") == "true",
    )


def _entry(elem: Element, release: Release) -> None:
    profile = elem.get("ProfileID", "")
    entry = release.entries.setdefault(profile, Entry(profile))
    listed = release.ref("List", elem.get("ListID"))
    if listed and listed not in entry.lists:
        entry.lists.append(listed)
    for event in children(elem, "EntryEvent"):
        date = _date(_find(event, "Date"))
        if date:
            entry.dates.append(date)
    for measure in children(elem, "SanctionsMeasure"):
        if release.ref("SanctionsType", measure.get("SanctionsTypeID")).lower() == "program":
            program = text(measure, "Comment")
            if program and program not in entry.programs:
                entry.programs.append(program)


# -- entities ------------------------------------------------------------------------------


def _emit(release: Release, dataset: str, path: Path) -> Iterator[Record]:
    by_ref = {p.ref: p for p in release.parties}
    # An entity the list says is owned is a company (FtM's Ownership owns assets; an
    # Organization is not one).
    owned = {
        r.source
        for r in release.relations
        if RELATIONS.get(release.ref("RelationType", r.kind).lower(), ("",))[0] == "Ownership"
    }
    links: list[tuple[Relation, str, Party, Party]] = []
    warnings: list[str] = []
    for relation in release.relations:
        kind = release.ref("RelationType", relation.kind) or f"relation type {relation.kind}"
        source, target = by_ref.get(relation.source), by_ref.get(relation.target)
        if source is None or target is None:
            # A link to a profile the release does not hold (others have met this in
            # OFAC's files): left out and said, the rest of the release stands.
            missing = relation.source if source is None else relation.target
            warnings.append(
                f"{path}: ProfileRelationship {relation.ident} ({kind}) refers to profile"
                f" {missing}, which the file does not hold; left out"
            )
            continue
        links.append((relation, kind, source, target))
    for number, party in enumerate(release.parties):
        entry = release.entries.get(party.ref)
        entity = _entity(party, release, dataset, party.ref in owned)
        said = tuple(warnings) if number == 0 else ()
        yield Record(entity, credibility=LISTED, warnings=said)
        if entry is not None:
            yield Record(_sanction(entity, party, entry, dataset), credibility=LISTED)
    for relation, kind, source, target in links:
        yield Record(_link(relation, kind, source, target, dataset), credibility=LISTED)


def _entity(party: Party, release: Release, dataset: str, owned: bool) -> StatementEntity:
    schema = "Company" if owned and party.schema == "Organization" else party.schema
    entity = make_entity(schema, party.entity_id, dataset)
    for prop, name in party.names:
        add(entity, prop, name)
        if prop == "name" and schema == "Person" and "," in name:
            last, first = name.split(",", 1)
            add(entity, "lastName", last)
            add(entity, "firstName", first)
    add_clean(entity, "topics", "sanction")
    entry = release.entries.get(party.ref)
    for program in entry.programs if entry else ():
        add_clean(entity, "program", program)
    for prop, value in party.values:
        if prop == "position" or (prop not in entity.schema.properties):
            continue
        if prop in DATED:
            for iso in parse_date(value) or ([value] if re.match(r"^\d{4}", value) else []):
                add(entity, prop, iso)
        else:
            add(entity, prop, value, fuzzy=prop in COUNTRIES or prop == "country")
    for identity in party.identities:
        for kind, number in release.documents.get(identity, []):
            _identifier(entity, kind, number)
    for note in party.notes:
        add(entity, "notes", note)
    return entity


def _identifier(entity: StatementEntity, kind: str, number: str) -> None:
    lowered = kind.lower()
    digits = re.sub(r"\D", "", number)
    if ("imo" in lowered or number.upper().startswith("IMO")) and len(digits) == 7:
        prop = "imoNumber" if entity.schema.name == "Vessel" else "registrationNumber"
        add(entity, prop, digits if prop == "imoNumber" else f"IMO {digits}")
    elif "mmsi" in lowered and len(digits) == 9:
        add(entity, "mmsi", digits)
    elif "passport" in lowered and "passportNumber" in entity.schema.properties:
        add(entity, "passportNumber", number)
    elif "swift" in lowered and "swiftBic" in entity.schema.properties:
        add(entity, "swiftBic", number)
    elif "tax id" in lowered and "taxNumber" in entity.schema.properties:
        add(entity, "taxNumber", number)
    elif "registration" in lowered and "registrationNumber" in entity.schema.properties:
        add(entity, "registrationNumber", number)
    else:
        add(entity, "idNumber", number)


def _sanction(entity: StatementEntity, party: Party, entry: Entry, dataset: str) -> StatementEntity:
    sanction = make_entity("Sanction", f"{entity.id}-ofac", dataset)
    sanction.add("entity", entity.id)
    add_clean(sanction, "authority", "US Treasury Office of Foreign Assets Control")
    add_clean(sanction, "authorityId", party.ref)
    add_clean(sanction, "country", "us")
    for program in entry.programs:
        add_clean(sanction, "program", program)
    if entry.dates:
        # The entry's first event is its designation; later ones amend it.
        add(sanction, "listingDate", min(entry.dates))
    add_clean(
        sanction,
        "sourceUrl",
        "https://sanctionssearch.ofac.treas.gov/Details.aspx?id=" + party.ref,
    )
    return sanction


def _link(
    relation: Relation, kind: str, source: Party, target: Party, dataset: str
) -> StatementEntity:
    schema, from_prop, to_prop = RELATIONS.get(kind.lower(), ("UnknownLink", "subject", "object"))
    if relation.former:
        # A former owner or leader no longer counts (the 50 % rule reads owners now): the
        # link is kept, untyped, with what it was.
        schema, from_prop, to_prop = "UnknownLink", "subject", "object"
        kind = f"former: {kind}"
    if schema in ("Family", "Associate") and not (source.schema == target.schema == "Person"):
        schema, from_prop, to_prop = "UnknownLink", "subject", "object"
    if schema == "Directorship" and target.schema != "Organization":
        schema, from_prop, to_prop = "UnknownLink", "subject", "object"
    link = make_entity(schema, f"ofac-rel-{relation.ident}", dataset)
    link.add(from_prop, source.entity_id)
    link.add(to_prop, target.entity_id)
    add(link, "role" if "role" in link.schema.properties else "relationship", kind)
    return link
