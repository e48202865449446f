"""Round trips (issue 23, item 6).

- Our bundle -> a MISP event (misp-stix's STIX 2.1 import, as a partner's MISP makes it)
  -> our MISP import: what survives, and what MISP cannot carry (the README's table,
  "Sharing with partners", says the same; this test is its evidence).
- The OASIS STIX 2.1 example bundles with markings (``oasis/``, SOURCE.txt) import and
  go out again with every marked part at its TLP, never wider.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import entity
from tests.sharing.common import KR, US, build, validate
from watchkeeper.model.grading import Reliability
from watchkeeper.model.marking import TLP, Marking, Viewer, may_see
from watchkeeper.model.source import Source
from watchkeeper.sharing.checks import parse_bundle
from watchkeeper.sharing.gate import Selection, release
from watchkeeper.sharing.misp import bundle_to_misp, misp_to_bundle, restriction_of
from watchkeeper.sharing.stix_import import import_bundle
from watchkeeper.sharing.vocab import TLP1_IDS, TLP_BY_ID, credibility
from watchkeeper.store import Store, open_store

OASIS = Path(__file__).parent / "oasis"
AMBER = Marking.parse("TLP:AMBER")
GREEN_KOR_ONLY = Marking.parse("TLP:GREEN | REL TO KOR | ORIG us-dos")
AMBER_KR = Marking.parse("TLP:AMBER | REL TO KOR | ORIG us-dos | TO kr-nis")
# Who might read what comes back: every organisation and country the markings name, and
# others (for "never wider").
PROBES = [
    Viewer(org, country)
    for org in ("us-dos", "kr-nis", "jp-mofa", "other")
    for country in ("USA", "KOR", "JPN", "FRA", None)
]


def _receiver(tmp_path: Path, name: str) -> Store:
    store = open_store(f"sqlite:///{tmp_path / name}")
    for viewer in (US, KR):
        store.add_organisation(viewer.organisation, viewer.country)
    return store


def _wider(back: Marking, sent: Marking) -> list[Viewer]:
    return [v for v in PROBES if may_see(v, back) and not may_see(v, sent)]


# -- through MISP ---------------------------------------------------------------------------


@pytest.fixture
def sent(store: Store) -> Store:
    """The sharing tests' world, and two identities marked as wholes with a REL TO."""
    build(store)
    source = Source("reports:kr", "reports", "report", "Korean liaison notes", "us-dos",
                    reliability=Reliability.B, marking=GREEN_KOR_ONLY)  # fmt: skip
    with store.write(source, full_release=False) as writer:
        writer.add_entity(
            entity("Person", "p-green", "reports", name="RI GREEN"), GREEN_KOR_ONLY, 2
        )
        writer.add_entity(
            entity("Organization", "o-amber", "reports", name="AMBER TRADING"), AMBER_KR, 3
        )
    return store


def test_through_misp_what_survives_and_what_misp_cannot_carry(sent: Store, tmp_path: Path) -> None:
    done = release(sent, US, "kr-nis", Selection(), by="tester")
    ours = json.loads(done.data)["objects"]
    event = bundle_to_misp(done.data)
    back_bundle = misp_to_bundle(json.dumps(event).encode(), "event.json")
    receiver = _receiver(tmp_path, "kr.db")
    import_bundle(receiver, back_bundle, "event.json", "us-dos", KR, default_marking=AMBER)
    back = {
        view.caption: view
        for view in receiver.read(KR).entities()
        if view.schema in ("Person", "Organization", "Company", "LegalEntity")
    }
    sent_identities = {
        o["name"]: o for o in ours if o["type"] == "identity" and o["name"] not in
        ("us-dos", "Watchkeeper")
    }  # fmt: skip
    # survives: every person and organisation, by name and kind, with its TLP and its
    # REL TO / ORIG / TO (carried as MISP tags), never wider than sent
    assert set(sent_identities) <= set(back), set(sent_identities) - set(back)
    sender = sent.read(KR)
    for name, obj in sent_identities.items():
        view = back[name]
        kind = {"individual": "Person"}.get(obj["identity_class"], "Organization")
        assert view.schema == kind, name
        original = sender.entity(obj["extensions"][next(iter(obj["extensions"]))]["entity_id"])
        assert original is not None
        (mark,) = {sv.marking for sv in view.statements if sv.statement.prop == "name"}
        sent_mark = next(sv.governing for sv in original.statements if sv.statement.prop == "name")
        assert mark.tlp == sent_mark.tlp, name
        assert mark.rel_to == sent_mark.rel_to, name
        assert _wider(mark, sent_mark) == [], name
    assert back["RI GREEN"].statements[0].marking.rel_to == frozenset({"KOR"})
    # what MISP cannot carry (the README's table):
    # - our object types (vessels, aircraft, sanctions, events…): dropped by misp-stix
    kinds = {view.schema for view in receiver.read(KR).entities()}
    assert not kinds & {"Vessel", "Airplane", "Sanction", "Event"}
    assert {"wk-vessel", "wk-sanction"} <= {o["type"] for o in ours}
    # - relationships whose ends it dropped (ownership of a vessel)
    assert any(o["type"] == "relationship" for o in ours)
    assert "UnknownLink" not in kinds and "Ownership" not in kinds
    # - values other than the name (birth dates, passports), so their own markings too
    kim = back["KIM CHOL"]
    assert {sv.statement.prop for sv in kim.statements} <= {"id", "name"}
    # - the Admiralty grade exactly: MISP's confidence levels round it (never up)
    for name, obj in sent_identities.items():
        grades = [sv.credibility for sv in back[name].statements if sv.statement.prop == "name"]
        sent_grade = credibility(obj.get("confidence"))
        assert grades and grades[0] is not None, name
        if sent_grade is not None:
            assert grades[0] >= sent_grade, name  # less credible, never more
    # - sources (external references) and per-value dates beyond created/modified
    assert not any(sv.source_id.startswith("share:us-dos:reports") for sv in kim.statements)
    receiver.close()


def test_restriction_tags_read_back_narrow_never_wide() -> None:
    assert restriction_of("rel to jpn,kor | orig us-dos | to jp-mofa") == Marking.parse(
        "TLP:CLEAR | REL TO JPN,KOR | ORIG us-dos | TO jp-mofa"
    )
    for label in ("tlp:amber", 'misp:confidence-level="usually-confident"', "rel to", ""):
        assert restriction_of(label) is None, label
    assert restriction_of("rel to zzz") is None  # not a country: not read as one


# -- the OASIS examples ----------------------------------------------------------------------


def _level(ref: str) -> TLP | None:
    return TLP_BY_ID.get(ref) or TLP1_IDS.get(ref)


def _levels(obj: dict[str, Any]) -> dict[str, TLP]:
    """Each top-level property's TLP as a reader computes it: the object's markings and
    the granular ones whose selectors name the property (or a part of it)."""
    base = [lvl for lvl in map(_level, obj.get("object_marking_refs") or []) if lvl is not None]
    out = {}
    for key in obj:
        if key in ("type", "id", "spec_version", "object_marking_refs", "granular_markings"):
            continue
        found = list(base)
        for entry in obj.get("granular_markings") or []:
            level = _level(entry["marking_ref"])
            if level is None:
                continue
            if any(s == key or s.startswith(key + ".") for s in entry["selectors"]):
                found.append(level)
        if found:
            out[key] = max(found)
    return out


@pytest.mark.parametrize("example", ["using-granular-markings", "using-marking-definitions"])
def test_the_oasis_examples_import_and_go_out_with_their_markings(
    example: str, tmp_path: Path
) -> None:
    data = (OASIS / f"{example}.json").read_bytes()
    original = {o["id"]: o for o in json.loads(data)["objects"]}
    store = open_store(f"sqlite:///{tmp_path / 'w.db'}")
    me, partner = Viewer("jp-mofa", "JPN"), Viewer("oasis-partner", "USA")
    for viewer in (me, partner):
        store.add_organisation(viewer.organisation, viewer.country)
    found = import_bundle(
        store, parse_bundle(data, example), example, partner.organisation, me,
        default_marking=AMBER,
    )  # fmt: skip
    things = [o for o in original.values() if o["type"] != "marking-definition"]
    assert found.new == len(things)
    # out again, to the partner that sent them (its originator: it may see all of it)
    out = release(store, me, partner.organisation, Selection(), by="tester")
    validate(out.data, also=("401",))  # another tool's indicator types are not ours to fix
    back = {o["id"]: o for o in json.loads(out.data)["objects"]}
    for ref, sent_obj in original.items():
        if sent_obj["type"] == "marking-definition":
            continue
        assert ref in back, ref  # the same id, the same type
        got = back[ref]
        assert got["type"] == sent_obj["type"]
        sent_levels, got_levels = _levels(sent_obj), _levels(got)
        for key, level in sent_levels.items():
            # every marked part at least as strict as it came (never wider)
            assert got_levels.get(key, TLP.CLEAR) >= level, (ref, key)
        for key in ("name", "description", "pattern", "relationship_type"):
            if key in sent_obj:
                assert got[key] == sent_obj[key], (ref, key)
        # an unmarked object took the import's default, never CLEAR
        if not sent_levels:
            assert _levels(got).get("name", TLP.CLEAR) >= TLP.AMBER, ref
    if example == "using-granular-markings":
        indicator = back["indicator--1ed8caa7-a708-4706-b651-f1186ede6ca1"]
        levels = _levels(indicator)
        # exactly as sent: the name GREEN, the description RED; the rest no wider
        assert levels["name"] == TLP.GREEN and levels["description"] == TLP.RED
        actor = back["threat-actor--8b6297fe-cae7-47c6-9256-5584b417849c"]
        assert _levels(actor)["name"] == TLP.RED
        link = back["relationship--3d1dd3cc-eb47-4704-9c77-ceff2971b95c"]
        assert _levels(link)["relationship_type"] == TLP.RED
    else:
        indicator = back["indicator--33fe3b22-0201-47cf-85d0-97c02164528d"]
        assert _levels(indicator)["name"] == TLP.AMBER  # TLP 1.0's AMBER, as 2.0's
    store.close()
