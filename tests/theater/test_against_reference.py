"""The theater dataset against what it rests on: the researched reference set
(../shared/reference/russia_dprk_facts.yaml) and the real OFAC and UN list files."""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from functools import cache
from typing import Any

import yaml

from tests.conftest import OFAC_CSV, SHARED, UN_XML
from watchkeeper.theater import load_dataset

REFERENCE = SHARED / "reference/russia_dprk_facts.yaml"
RUN = 12
"""No text of ours may share a run of this many words with the reference."""


@cache
def reference() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(REFERENCE.read_text(encoding="utf-8"))
    return data


@cache
def reference_citations() -> list[str]:
    """Every citation the reference gives, one string each ("Publisher, 'Title', date (url)")."""
    out: list[str] = []
    for kind in ("events", "entities", "estimates"):
        for item in reference()[kind]:
            out.extend(part.strip() for part in re.split(r";\s+(?=[A-Z0-9])", item["source"]))
    return out


@cache
def ofac() -> dict[str, list[str]]:
    with OFAC_CSV.open(encoding="latin-1", newline="") as fh:
        return {r[0]: r for r in csv.reader(fh) if len(r) == 12}


@cache
def un() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for rec in ET.parse(UN_XML).getroot().iter():
        if rec.tag in ("INDIVIDUAL", "ENTITY"):
            parts = [
                (rec.findtext(t) or "").strip() for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME")
            ]
            names = {" ".join(p for p in parts if p).upper()}
            names |= {(a.text or "").strip('" ').upper() for a in rec.iter("ALIAS_NAME")}
            out[(rec.findtext("REFERENCE_NUMBER") or "").strip()] = names
    return out


def ofac_names(row: list[str]) -> set[str]:
    return {row[1].upper(), *(a.upper() for a in re.findall(r"a\.k\.a\. '([^']+)'", row[11]))}


def ofac_programs(row: list[str]) -> set[str]:
    return set(row[3].split("] ["))


def entity_names(ent: dict[str, Any]) -> set[str]:
    names = {ent["name"], *ent.get("aliases", [])}
    for fact in ent.get("facts", []):
        names.update(fact.get("aliases", []))
        names.update(fact.get("properties", {}).get("previousName", []))
    return {n.upper() for n in names}


# -- citations ------------------------------------------------------------------------------


def test_every_reference_citation_matches_the_reference() -> None:
    """A source declared as the reference's: its URL, date and title are the reference's
    (a title the reference cuts off may be completed from the URL's headline slug)."""
    checked = 0
    for source in load_dataset().sources:
        if source["basis"] != "reference":
            continue
        if source.get("url"):
            cited = [c for c in reference_citations() if f"({source['url']})" in c]
        else:  # named by the reference without a URL: publisher and date together
            cited = [
                c
                for c in reference_citations()
                if c.startswith(source["publisher"]) and str(source["date"]) in c
            ]
        assert cited, f"{source['id']}: not cited by the reference"
        date = re.escape(str(source["date"])) + r"(?![-\d])"
        assert any(re.search(date, c) for c in cited), (
            f"{source['id']}: the reference dates it otherwise: {cited}"
        )
        titles = {t for c in cited for t in re.findall(r", '(.+?)', \d{4}", c)}
        title = source.get("title")
        how = source.get("title_from", "reference")
        if how == "reference" and title is not None:
            assert title in titles, f"{source['id']}: title not the reference's ({titles})"
        for given in titles:
            if "..." in given:  # cut by the reference: what it keeps must be in ours
                parts = [p.strip() for p in given.split("...") if p.strip()]
                assert title is None or all(p in title for p in parts), source["id"]
            elif title and how != "page":
                assert title == given or title.startswith(given), source["id"]
        checked += 1
    assert checked >= 80


def test_also_reported_mentions_are_the_references() -> None:
    """A mention without a URL ("Publisher, date") must be one the reference makes."""
    sources = {s["id"] for s in load_dataset().sources}
    text = " ; ".join(reference_citations())
    dataset = load_dataset()
    mentions = 0
    for item in [*dataset.entities, *dataset.events]:
        for mention in item.get("also_reported", []):
            if mention in sources:
                continue
            publisher, date = mention.rsplit(", ", 1)
            assert re.search(re.escape(publisher) + r",? (['A-Z].*?)?" + re.escape(date), text), (
                f"{item['id']}: {mention!r} is not in the reference"
            )
            mentions += 1
    assert mentions >= 20


def test_no_compiler_notes_remain() -> None:
    """The reference compiler's working notes ("as archived in ...; date = first snapshot
    ...", "citation not retrieved") are not data."""
    dataset = load_dataset()
    text = yaml.safe_dump([dataset.entities, dataset.events, dataset.ports])
    for note in ("first snapshot containing", "not retrieved", "as archived in public", "..."):
        assert note not in text


def _runs(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {tuple(words[i : i + RUN]) for i in range(len(words) - RUN + 1)}


def test_no_text_repeats_a_run_of_the_reference() -> None:
    """Facts, not prose: summaries, titles and notes are restated in our own words, so none
    shares a run of twelve words with the reference."""
    ref = _runs(REFERENCE.read_text(encoding="utf-8"))
    dataset = load_dataset()
    texts: list[tuple[str, str]] = []
    for ent in dataset.entities:
        texts.append((ent["id"], ent.get("summary", "")))
        texts += [(ent["id"], f.get("summary", "")) for f in ent.get("facts", [])]
        texts += [(ent["id"], d.get("note", "")) for d in ent.get("designations", [])]
    for ev in dataset.events:
        texts += [(ev["id"], ev["summary"]), (ev["id"], ev["title"])]
    texts += [(p["id"], p.get("role", "")) for p in dataset.ports]
    shared = [(where, " ".join(sorted(_runs(t) & ref)[0])) for where, t in texts if _runs(t) & ref]
    assert shared == []
    # the check itself finds a copied run
    copied = reference()["events"][0]["summary"]
    assert _runs(copied) & ref


# -- the lists ----------------------------------------------------------------------------


def test_list_identifiers_match_the_real_lists() -> None:
    checked = 0
    for ent in load_dataset().entities:
        names = entity_names(ent)
        ids = ent.get("list_ids", {})
        if "OFAC" in ids:
            row = ofac()[ids["OFAC"]]
            assert names & ofac_names(row), ent["id"]
            imo = ent.get("properties", {}).get("imoNumber")
            if imo and ent["schema"] == "Vessel":
                assert f"IMO {imo}" in row[11], ent["id"]
            for des in ent.get("designations", []):
                if des.get("list") == "OFAC" and des.get("program"):
                    assert des["program"] in ofac_programs(row), (ent["id"], row[3])
            checked += 1
        if "UN" in ids:
            assert names & un()[ids["UN"]], ent["id"]
            checked += 1
    assert checked >= 50


def test_the_list_entries_issue_10_names_are_attached() -> None:
    by_id = {e["id"]: e for e in load_dataset().entities}
    expected = {
        "person-roman-alar": "34457",
        "person-jo-chun-ryong": "20577",
        "org-nata": "19530",
        "person-kim-jong-un": "20157",
        "company-tsmrbank": "22488",
        "person-putin": "35096",
        "person-shoigu": "35173",
        "person-lavrov": "35233",
        "person-belousov": "39361",
        "person-manturov": "40556",
        "person-gerasimov": "35176",
    }
    for local, ident in expected.items():
        assert by_id[local]["list_ids"]["OFAC"] == ident, local
    for local in (
        "person-putin",
        "person-shoigu",
        "person-lavrov",
        "person-belousov",
        "person-manturov",
        "person-gerasimov",
    ):
        programs = {d.get("program") for d in by_id[local]["designations"]}
        assert "RUSSIA-EO14024" in programs, local
    chon_ma_san = by_id["vessel-chon-ma-san"]
    assert [d["program"] for d in chon_ma_san["designations"] if d.get("list") == "OFAC"] == [
        "DPRK4"
    ]
    assert by_id["person-jo-chun-ryong"]["list_ids"]["UN"] == "KPi.038"
    assert "CHO, CHUN-RYONG" in entity_names(by_id["person-jo-chun-ryong"])
    assert "NADA" in entity_names(by_id["org-nata"])


def test_names_shared_with_other_listed_vessels_are_kept_apart() -> None:
    """MAIA-1 once sailed as NEPTUN, and MARIA shares its name with MARIA E: both are other
    listed ships (other IMO numbers). A theater vessel sharing a name with a listed ship
    that is not it must say so (distinct_from), naming the right entry."""
    vessels = [r for r in ofac().values() if r[2] == "vessel"]
    for ent in load_dataset().entities:
        if ent["schema"] != "Vessel":
            continue
        imo = ent.get("properties", {}).get("imoNumber")
        apart = {d["id"]: d for d in ent.get("distinct_from", [])}
        for ident, other in apart.items():
            assert other["name"].upper() in ofac_names(ofac()[ident]), ent["id"]
        for row in vessels:
            if row[0] == ent.get("list_ids", {}).get("OFAC"):
                continue
            if entity_names(ent) & ofac_names(row) and not (imo and f"IMO {imo}" in row[11]):
                assert row[0] in apart, f"{ent['id']} shares a name with OFAC {row[0]} {row[1]}"
    maia = next(e for e in load_dataset().entities if e["id"] == "vessel-maia-1")
    assert "24509" in {d["id"] for d in maia["distinct_from"]}
    assert "IMO 8404991" in ofac()["24509"][11]
