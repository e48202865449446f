"""STIX 2.1 export through the release gate (issue 23, items 1 and 3)."""

from __future__ import annotations

import hashlib
import json

import pytest
import stix2

from tests.sharing.common import JP, KR, US, build, objects, validate, values_of
from watchkeeper.errors import InputError, NotFound
from watchkeeper.model.marking import TLP
from watchkeeper.sharing.gate import Selection, release
from watchkeeper.sharing.stix_export import stix_id
from watchkeeper.sharing.vocab import EXTENSION, TLP2_EXTENSION, TLP2_IDS, confidence
from watchkeeper.store import Store
from watchkeeper.store.sharing import releases


@pytest.fixture
def world(store: Store) -> Store:
    build(store)
    return store


def _values(data: bytes) -> dict[str, list[tuple[str, str]]]:
    out = {}
    for obj in objects(data).values():
        if (
            obj["type"] in ("marking-definition", "extension-definition")
            or obj.get("name") == US.organisation
        ):
            continue
        out[obj["id"]] = sorted((v["prop"], v["value"]) for v in values_of(obj))
    return out


def test_a_bundle_is_valid_under_the_oasis_validator_and_loads_in_stix2(world: Store) -> None:
    for partner in (JP, KR, US):
        done = release(world, US, partner.organisation, Selection(), by="analyst")
        validate(done.data)
        parsed = stix2.parse(done.data.decode(), allow_custom=True)
        assert len(parsed.objects) == len(json.loads(done.data)["objects"])


def test_the_same_state_and_selection_give_byte_identical_bundles(world: Store) -> None:
    first = release(world, US, JP.organisation, Selection(), by="a")
    release(world, US, KR.organisation, Selection(), by="a")  # the log moved; the data did not
    second = release(world, US, JP.organisation, Selection(), by="b")
    assert first.data == second.data
    assert first.sha256 == second.sha256 == hashlib.sha256(first.data).hexdigest()


def test_only_what_the_partner_may_see_leaves(world: Store) -> None:
    jp = release(world, US, JP.organisation, Selection(), by="a").data
    kr = release(world, US, KR.organisation, Selection(), by="a").data
    text_jp, text_kr = jp.decode(), kr.decode()
    # RED to kr-nis: never to Japan
    assert "Vladivostok" not in text_jp and "Air Koryo" not in text_jp
    assert "Vladivostok" in text_kr and "Air Koryo" in text_kr
    # AMBER REL TO JPN,KOR to jp-mofa only: Japan gets it, Korea (not a recipient) not
    assert "PD836123" in text_jp and "PD836123" not in text_kr
    # GREEN REL TO KOR: Korea only
    assert "CHON MA" in text_kr and "CHON MA" not in text_jp
    # recipients are shown only as the recipient itself
    assert "kr-nis" not in text_jp


def test_tlp_2_markings_are_the_official_objects(world: Store) -> None:
    from misp_stix_converter.misp_stix_mapping import TLP2MarkingDefinitions

    data = release(world, US, KR.organisation, Selection(), by="a").data
    found = objects(data)
    for level, ref in TLP2_IDS.items():
        other = TLP2MarkingDefinitions.by_uuid(ref)  # an independent implementation's table
        assert other is not None and other.name == f"TLP:{level.label}"
    red = found[TLP2_IDS[TLP.RED]]
    assert red["name"] == "TLP:RED"
    assert red["extensions"][TLP2_EXTENSION] == {
        "extension_type": "property-extension",
        "tlp_2_0": "red",
    }


def test_values_marked_otherwise_than_their_object_get_granular_markings(world: Store) -> None:
    data = release(world, US, JP.organisation, Selection(), by="a").data
    person = objects(data)[stix_id("p-kim", "identity")]
    assert person["type"] == "identity" and person["identity_class"] == "individual"
    assert person["object_marking_refs"] == [
        TLP2_IDS[TLP.CLEAR],
        *[r for r in person["object_marking_refs"][1:]],
    ]
    listed = values_of(person)
    passport = next(i for i, v in enumerate(listed) if v["prop"] == "passportNumber")
    selector = f"extensions.{EXTENSION}.values.[{passport}]"
    marked = {g["marking_ref"] for g in person["granular_markings"] if selector in g["selectors"]}
    assert TLP2_IDS[TLP.AMBER] in marked
    restriction = next(objects(data)[r] for r in marked if r != TLP2_IDS[TLP.AMBER])
    body = restriction["extensions"][EXTENSION]
    assert body["rel_to"] == ["JPN", "KOR"] and body["originator"] == "us-dos"
    assert body["recipients"] == ["jp-mofa"]


def test_grades_travel_as_admiralty_and_stix_confidence(world: Store) -> None:
    data = release(world, US, JP.organisation, Selection(), by="a").data
    vessel = objects(data)[stix_id("v-star", "wk-vessel")]
    imo = next(v for v in values_of(vessel) if v["prop"] == "imoNumber")
    assert imo["credibility"] == 1 and imo["confidence"] == confidence(1) == 90
    assert imo["reliability"] == "B" and imo["source"] == "reports:panel-2024"
    assert vessel["confidence"] == 90
    assert vessel["external_references"][0]["url"] == "https://example.org/panel-2024"


def test_vessels_aircraft_sanctions_are_kept_as_our_objects_and_links_as_relationships(
    world: Store,
) -> None:
    data = release(world, US, KR.organisation, Selection(), by="a").data
    found = objects(data)
    kinds = {o["type"] for o in found.values()}
    assert {"wk-vessel", "wk-airplane", "wk-sanction", "relationship", "identity"} <= kinds
    owns = found[stix_id("o-1", "relationship")]
    assert owns["source_ref"] == stix_id("c-kmdc", "identity")
    assert owns["target_ref"] == stix_id("v-star", "wk-vessel")
    # AMBER+STRICT to jp-mofa and kr-nis: Korea gets it
    assert stix_id("o-2", "relationship") in found


def test_the_release_is_logged_for_the_releasing_organisation_only(world: Store) -> None:
    done = release(world, US, JP.organisation, Selection(entities=("v-star",)), by="analyst-1")
    log = releases(world, US.organisation)
    assert (
        len(log) == 1 and log[0]["sha256"] == done.sha256 == hashlib.sha256(done.data).hexdigest()
    )
    assert log[0]["recipient"] == "jp-mofa" and log[0]["released_by"] == "analyst-1"
    assert set(log[0]["objects"]) == {
        o
        for o in objects(done.data)
        if o.startswith(("wk-", "relationship", "identity--")) and o in log[0]["objects"]
    }
    assert log[0]["selection"]["entities"] == ["v-star"]
    assert log[0]["withheld_count"] > 0  # CHON MA (GREEN REL TO KOR) did not go to Japan
    assert releases(world, JP.organisation) == []


def test_a_selection_by_entity_brings_what_links_to_it(world: Store) -> None:
    data = release(world, US, KR.organisation, Selection(entities=("v-star",)), by="a").data
    found = set(objects(data))
    assert stix_id("s-1", "wk-sanction") in found and stix_id("o-1", "relationship") in found
    assert stix_id("c-kmdc", "identity") in found
    assert stix_id("a-1", "wk-airplane") not in found
    validate(data)


def test_unknown_partner_and_bad_dates_are_one_line_errors(world: Store) -> None:
    with pytest.raises(NotFound):
        release(world, US, "nobody", Selection(), by="a")
    with pytest.raises(InputError):
        Selection(since="yesterday")
    assert releases(world, US.organisation) == []
