"""UN Security Council Consolidated List (XML), every regime.

Each INDIVIDUAL becomes a Person and each ENTITY an Organization, with id
``unsc-<reference number>``; the reference number (``KPi.038``) is kept on the
Sanction as ``unscId``/``authorityId`` so screening output can show ``UN:KPi.038``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

from followthemoney import StatementEntity

from watchkeeper.errors import InputError
from watchkeeper.importers.base import (
    Options,
    Record,
    add,
    check_size,
    list_release,
    make_entity,
    slug,
)
from watchkeeper.importers.safe_xml import children, iter_elements, local, text
from watchkeeper.model.source import Source

DATASET = "un_sc_sanctions"
URL = "https://scsanctions.un.org/resources/xml/en/consolidated.xml"
LISTED = 1  # Admiralty "confirmed": the list is the authority on its own entries.
# An "alias" naming another entry by its reference number, as in KPe.021's "SECOND
# ACADEMY OF NATURAL SCIENCES (KPE.018)": the list points at another designated entity,
# not at another name of this one. Read as an alias, it made the Academy of National
# Defence Science and the Second Academy of Natural Sciences one entity to xref.
CROSS_REFERENCE = re.compile(r"(?P<name>.+?)\s*\((?P<ref>[A-Z]{2}[EI]\.\d{3})\)", re.IGNORECASE)


def cross_reference(entity: StatementEntity, found: re.Match[str], dataset: str) -> StatementEntity:
    """A link from ``entity`` to the entry an alias refers to by its reference number."""
    ref = found.group("ref")
    ref = ref[:2].upper() + ref[2:].lower()
    target = f"unsc-{slug(ref)}"
    link = make_entity("UnknownLink", f"{entity.id}-refers-{slug(ref)}", dataset)
    link.add("subject", entity.id)
    link.add("object", target)
    link.add("role", f"the list names {found.group('name')} ({ref}) among its aliases")
    return link


ALIAS_PROP = {"good": "alias", "a.k.a.": "alias", "low": "weakAlias", "f.k.a.": "previousName"}


class UNConsolidatedImporter:
    name = "un-xml"
    full_release = True

    def source(self, path: Path, checksum: str, options: Options) -> Source:
        generated = options.release_date
        if generated is None:
            for event, elem in iter_elements(path, []):
                if event == "start" and local(elem.tag) == "CONSOLIDATED_LIST":
                    generated = elem.get("dateGenerated")
                    break
                if event == "start":
                    raise InputError(
                        str(path), f"not a UN consolidated list (root <{local(elem.tag)}>)"
                    )
        if not generated:
            raise InputError(
                str(path), "CONSOLIDATED_LIST has no dateGenerated; pass --release-date"
            )
        return list_release(
            options.dataset or DATASET,
            checksum,
            "UN Security Council Consolidated List",
            "United Nations Security Council",
            URL,
            generated[:19].replace("Z", ""),
        )

    def records(self, path: Path, source: Source) -> Iterator[Record]:
        last: list[str] = []
        seen: set[str] = set()
        root: Element | None = None
        count = 0
        for event, elem in iter_elements(path, last):
            tag = local(elem.tag)
            if event == "start":
                if root is None:
                    root = elem
                    if tag != "CONSOLIDATED_LIST":
                        raise InputError(str(path), f"not a UN consolidated list (root <{tag}>)")
                continue
            if tag not in ("INDIVIDUAL", "ENTITY"):
                continue
            count += 1
            ref = text(elem, "REFERENCE_NUMBER") or text(elem, "DATAID")
            label = f"record {count} ({ref or 'no reference number'})"
            for sub in elem.iter():
                check_size(path, label, local(sub.tag), sub.text)
            if ref is None:
                raise InputError(str(path), "no REFERENCE_NUMBER or DATAID", label)
            if ref in seen:
                raise InputError(str(path), f"reference number {ref} appears twice", label)
            seen.add(ref)
            yield from self._record(elem, tag, ref, source.dataset)
            last[:] = [label]
            # Streaming: drop what has been read so memory stays flat on large files.
            elem.clear()
            if root is not None:
                for parent in list(root):
                    if len(parent) > 64:
                        del parent[:-1]
        if root is None or count == 0:
            raise InputError(str(path), "no INDIVIDUAL or ENTITY records found")

    def _record(self, elem: Element, tag: str, ref: str, dataset: str) -> Iterator[Record]:
        person = tag == "INDIVIDUAL"
        entity = make_entity("Person" if person else "Organization", f"unsc-{slug(ref)}", dataset)
        parts = [text(elem, n) for n in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
        add(entity, "name", " ".join(p for p in parts if p))
        add(entity, "alias", text(elem, "NAME_ORIGINAL_SCRIPT"))
        add(entity, "notes", text(elem, "COMMENTS1"))
        add(entity, "topics", "sanction")
        add(entity, "program", text(elem, "UN_LIST_TYPE"))
        if person:
            add(entity, "gender", text(elem, "GENDER"))
            for sub in children(elem, "TITLE"):
                for value in children(sub, "VALUE"):
                    add(entity, "title", text(value))
            for sub in children(elem, "DESIGNATION"):
                for value in children(sub, "VALUE"):
                    add(entity, "position", text(value))
            for sub in children(elem, "NATIONALITY"):
                for value in children(sub, "VALUE"):
                    add(entity, "nationality", text(value), fuzzy=True)
        links: list[StatementEntity] = []
        for alias in children(elem, f"{tag}_ALIAS"):
            name = (text(alias, "ALIAS_NAME") or "").strip().strip('"').strip()
            quality = (text(alias, "QUALITY") or "a.k.a.").lower()
            crossed = CROSS_REFERENCE.fullmatch(name)
            if crossed:
                links.append(cross_reference(entity, crossed, dataset))
                continue
            add(entity, ALIAS_PROP.get(quality, "alias"), name)
        for addr in children(elem, f"{tag}_ADDRESS"):
            fields = ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY", "NOTE")
            full = ", ".join(v for v in (text(addr, f) for f in fields) if v)
            add(entity, "address", full)
            add(entity, "country", text(addr, "COUNTRY"), fuzzy=True)
        for dob in children(elem, "INDIVIDUAL_DATE_OF_BIRTH"):
            for field in ("DATE", "YEAR", "FROM_YEAR", "TO_YEAR"):
                add(entity, "birthDate", text(dob, field))
        for pob in children(elem, "INDIVIDUAL_PLACE_OF_BIRTH"):
            place = ", ".join(
                v for v in (text(pob, f) for f in ("CITY", "STATE_PROVINCE", "COUNTRY")) if v
            )
            add(entity, "birthPlace", place)
            add(entity, "birthCountry", text(pob, "COUNTRY"), fuzzy=True)
        docs = list(self._documents(elem, entity, dataset))
        sanction = make_entity("Sanction", f"{entity.id}-unsc", dataset)
        sanction.add("entity", entity.id)
        add(sanction, "authority", "United Nations Security Council")
        add(sanction, "program", text(elem, "UN_LIST_TYPE"))
        add(sanction, "unscId", ref)
        add(sanction, "authorityId", ref)
        add(sanction, "listingDate", text(elem, "LISTED_ON"))
        add(sanction, "startDate", text(elem, "LISTED_ON"))
        add(sanction, "reason", text(elem, "COMMENTS1"))
        add(sanction, "sourceUrl", URL)
        for updated in children(elem, "LAST_DAY_UPDATED"):
            for value in children(updated, "VALUE"):
                add(sanction, "modifiedAt", text(value))
        yield Record(entity, credibility=LISTED)
        yield Record(sanction, credibility=LISTED)
        for doc in docs:
            yield Record(doc, credibility=LISTED)
        for link in links:
            yield Record(link, credibility=LISTED)

    def _documents(
        self, elem: Element, holder: StatementEntity, dataset: str
    ) -> Iterator[StatementEntity]:
        for index, doc in enumerate(children(elem, "INDIVIDUAL_DOCUMENT")):
            number = text(doc, "NUMBER")
            if number is None:
                continue
            kind = text(doc, "TYPE_OF_DOCUMENT") or "Identification"
            passport = "passport" in kind.lower()
            add(holder, "passportNumber" if passport else "idNumber", number)
            ident = make_entity(
                "Passport" if passport else "Identification", f"{holder.id}-doc-{index}", dataset
            )
            ident.add("holder", holder.id)
            add(ident, "number", number)
            add(ident, "type", " ".join(v for v in (kind, text(doc, "TYPE_OF_DOCUMENT2")) if v))
            add(
                ident,
                "country",
                text(doc, "ISSUING_COUNTRY") or text(doc, "COUNTRY_OF_ISSUE"),
                fuzzy=True,
            )
            add(ident, "startDate", text(doc, "DATE_OF_ISSUE"))
            add(ident, "summary", text(doc, "NOTE"))
            yield ident
