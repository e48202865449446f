"""Import from partners (issue 23, item 2): markings kept and never widened, grades,
versions and revocations with history, kept properties, and hostile bundles refused."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.sharing.common import AMBER_JP, JP, US, build, objects, validate
from watchkeeper.errors import InputError
from watchkeeper.model.marking import TLP, Marking, Viewer
from watchkeeper.sharing.checks import MAX_STRING, parse_bundle
from watchkeeper.sharing.gate import Selection, release
from watchkeeper.sharing.misp import misp_to_bundle
from watchkeeper.sharing.stix_import import import_bundle
from watchkeeper.sharing.vocab import TLP2_IDS
from watchkeeper.store import Store, open_store
from watchkeeper.store import schema as t

AMBER = Marking.parse("TLP:AMBER")


@pytest.fixture
def sender(store: Store) -> Store:
    build(store)
    return store


@pytest.fixture
def receiver(tmp_path: Path) -> Store:
    """Japan's own workspace, where us-dos is a registered partner."""
    found = open_store(f"sqlite:///{tmp_path / 'jp.db'}")
    found.add_organisation(US.organisation, US.country)
    found.add_organisation(JP.organisation, JP.country)
    return found


def _rows(store: Store) -> list[tuple[Any, ...]]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(t.statement).order_by(t.statement.c.id))]


def _take(store: Store, data: bytes, partner: str = "us-dos", default: Marking = AMBER) -> Any:
    bundle = parse_bundle(data, "bundle.json")
    return import_bundle(store, bundle, "bundle.json", partner, JP, default_marking=default)


def _seen(store: Store, viewer: Viewer) -> set[tuple[str, str, str, int | None, str | None]]:
    return {
        (sv.statement.prop, sv.statement.value, sv.marking.key, sv.credibility, sv.ended_at)
        for sv in store.read(viewer).statements(include_ended=True)
        if sv.statement.prop != "id"
    }


def test_our_bundle_imported_restores_values_markings_and_grades(
    sender: Store, receiver: Store
) -> None:
    sent = release(sender, US, JP.organisation, Selection(), by="a").data
    result = _take(receiver, sent)
    assert result.new > 0 and result.unchanged == 0
    got = _seen(receiver, JP)
    assert ("passportNumber", "PD836123", AMBER_JP.key, 3, None) in got
    assert ("imoNumber", "IMO9179842", "TLP:CLEAR | ORIG us-dos", 1, None) in got
    # an unowned value of the sender: the partner becomes its originator
    assert ("percentage", "100", "TLP:CLEAR | ORIG us-dos", 2, None) in got
    # the sender's view of what it sent equals what Japan now holds (ids aside)
    sent_values = {
        (sv.statement.prop, sv.statement.value, sv.credibility)
        for sv in sender.read(JP).statements()
        if sv.statement.prop not in ("id",) and sv.statement.prop_type != "entity"
    }
    assert sent_values <= {(p, v, c) for p, v, _, c, _ in got}
    # the sources came along with their reliability
    reliability = {s["title"]: s["reliability"] for s in receiver.read(JP).sources()}
    assert reliability["Panel of Experts report 2024"] == "B"
    # and Japan's re-export of it is valid and keeps the marking
    again = release(receiver, JP, JP.organisation, Selection(), by="a").data
    validate(again)
    assert "PD836123" in again.decode()


def test_importing_the_same_bundle_twice_changes_nothing(sender: Store, receiver: Store) -> None:
    sent = release(sender, US, JP.organisation, Selection(), by="a").data
    _take(receiver, sent)
    before = receiver.digest()
    second = _take(receiver, sent)
    assert second.new == second.updated == second.statements == 0
    assert receiver.digest() == before


def _foreign(modified: str = "2024-05-01T00:00:00.000Z", **extra: Any) -> dict[str, Any]:
    person = {
        "type": "identity",
        "spec_version": "2.1",
        "id": "identity--1f0e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
        "created": "2024-04-01T00:00:00.000Z",
        "modified": modified,
        "name": "PAK SONG IL",
        "identity_class": "individual",
        "confidence": 70,
        "x_partner_case": "JP-2024-17",
    }
    person.update(extra)
    return {
        "type": "bundle",
        "id": "bundle--2a1b0c9d-8e7f-4a6b-9c5d-4e3f2a1b0c9d",
        "objects": [person],
    }


def _bytes(bundle: dict[str, Any]) -> bytes:
    return json.dumps(bundle).encode()


def test_unmarked_input_takes_the_default_marking_never_clear(receiver: Store) -> None:
    _take(receiver, _bytes(_foreign()), partner="us-dos")
    got = _seen(receiver, JP)
    assert ("name", "PAK SONG IL", "TLP:AMBER | ORIG us-dos | TO jp-mofa", 2, None) in got
    # nobody else sees it: not a third organisation in Japan
    assert _seen(receiver, Viewer("jp-other", "JPN")) == set()


def test_a_partners_marking_is_kept_and_never_widened(receiver: Store) -> None:
    bundle = _foreign(object_marking_refs=[TLP2_IDS[TLP.RED]])
    _take(receiver, _bytes(bundle), default=Marking.parse("TLP:CLEAR"))
    got = _seen(receiver, JP)
    assert {m for _, _, m, _, _ in got} == {"TLP:RED | ORIG us-dos | TO jp-mofa"}


def test_unknown_properties_are_kept_and_given_back(receiver: Store) -> None:
    _take(receiver, _bytes(_foreign()))
    again = release(receiver, JP, JP.organisation, Selection(), by="a").data
    person = objects(again)["identity--1f0e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"]
    assert person["x_partner_case"] == "JP-2024-17"
    assert person["name"] == "PAK SONG IL"
    # a custom property outside an extension is deprecated in STIX 2.1 (check 401): the
    # partner's choice, given back as it came
    validate(again, also=("401",))


def test_a_newer_version_ends_what_it_no_longer_says_and_revocation_ends_all(
    receiver: Store,
) -> None:
    _take(receiver, _bytes(_foreign()))
    newer = _foreign("2024-06-01T00:00:00.000Z", name="PAK SONG-IL")
    result = _take(receiver, _bytes(newer))
    assert result.updated == 1 and result.ended >= 1
    got = _seen(receiver, JP)
    assert (
        "name",
        "PAK SONG IL",
        "TLP:AMBER | ORIG us-dos | TO jp-mofa",
        2,
        "2024-06-01T00:00:00",
    ) in got
    assert ("name", "PAK SONG-IL", "TLP:AMBER | ORIG us-dos | TO jp-mofa", 2, None) in got
    # an older version arriving late changes nothing
    assert _take(receiver, _bytes(_foreign("2024-05-15T00:00:00.000Z"))).unchanged == 1
    revoked = _foreign("2024-07-01T00:00:00.000Z", name="PAK SONG-IL", revoked=True)
    assert _take(receiver, _bytes(revoked)).revoked == 1
    reader = receiver.read(JP)
    assert (
        reader.entity("identity--1f0e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", include_ended=False) is None
    )
    history = reader.entity("identity--1f0e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", include_ended=True)
    assert history is not None and len(history.statements) >= 3


def test_a_misp_event_keeps_its_tlp_on_untagged_attributes(receiver: Store) -> None:
    event = {
        "Event": {
            "uuid": "5b1f2f0e-7a9c-4b3e-9b1a-3c2d1e0f9a8b",
            "info": "OCEAN STAR ship-to-ship transfer (exercise)",
            "date": "2024-03-01",
            "timestamp": "1709251200",
            "published": False,
            "threat_level_id": "2",
            "analysis": "1",
            "distribution": "1",
            "Orgc": {"name": "JP-MOFA", "uuid": "6c1f2f0e-7a9c-4b3e-9b1a-3c2d1e0f9a8b"},
            "Tag": [{"name": "tlp:amber"}],
            "Attribute": [
                {
                    "uuid": "7d1f2f0e-7a9c-4b3e-9b1a-3c2d1e0f9a8b",
                    "type": "text",
                    "category": "Other",
                    "value": "IMO9179842 seen off Nakhodka",
                    "timestamp": "1709251200",
                    "Tag": [{"name": "tlp:red"}],
                },
                {
                    "uuid": "8d1f2f0e-7a9c-4b3e-9b1a-3c2d1e0f9a8b",
                    "type": "text",
                    "category": "Other",
                    "value": "Flag changed to Sierra Leone",
                    "timestamp": "1709251200",
                },
            ],
        }
    }
    bundle = misp_to_bundle(json.dumps(event).encode(), "event.json")
    import_bundle(
        receiver, bundle, "event.json", "us-dos", JP, default_marking=Marking.parse("TLP:CLEAR")
    )
    marks = {v: m for _, v, m, _, _ in _seen(receiver, JP)}
    # observables and MISP's own objects go back valid (as ours where STIX has no place)
    validate(release(receiver, JP, JP.organisation, Selection(), by="a").data, also=("401",))
    assert marks["IMO9179842 seen off Nakhodka"] == "TLP:RED | ORIG us-dos | TO jp-mofa"
    assert marks["Flag changed to Sierra Leone"] == "TLP:AMBER | ORIG us-dos | TO jp-mofa"


# -- hostile bundles: each refused with one line, nothing written ------------------------------


def _hostile() -> dict[str, bytes]:
    good = _foreign()
    person = good["objects"][0]
    cases: dict[str, Any] = {}
    deep: Any = "x"
    for _ in range(200):
        deep = {"a": deep}
    cases["deep nesting"] = _foreign(x_deep=deep)
    very_deep = "[" * 100_000 + "]" * 100_000
    cases["deeper than the parser"] = (
        '{"type":"bundle","id":"bundle--2a1b0c9d-8e7f-4a6b-9c5d-4e3f2a1b0c9d","objects":'
        + very_deep
        + "}"
    )
    cases["a 50 MB string"] = _foreign(description="A" * (50 * 1024 * 1024))
    cases["just over the string limit"] = _foreign(description="A" * (MAX_STRING + 1))
    cases["wrong spec_version"] = _foreign(spec_version="2.0")
    twice = copy.deepcopy(good)
    twice["objects"].append(copy.deepcopy(person))
    cases["duplicate ids"] = twice
    cases["dangling ref"] = _foreign(
        created_by_ref="identity--00000000-1111-4222-8333-444444444444"
    )
    cases["unknown marking id"] = _foreign(
        object_marking_refs=["marking-definition--00000000-1111-4222-8333-444444444444"]
    )
    rel = {
        "type": "relationship",
        "spec_version": "2.1",
        "id": "relationship--3a1b0c9d-8e7f-4a6b-9c5d-4e3f2a1b0c9d",
        "created": "2024-04-01T00:00:00.000Z",
        "modified": "2024-04-01T00:00:00.000Z",
        "relationship_type": "owns",
        "source_ref": person["id"],
        "target_ref": "wk-vessel--00000000-1111-4222-8333-444444444444",
    }
    with_rel = copy.deepcopy(good)
    with_rel["objects"].append(rel)
    cases["dangling relationship target"] = with_rel
    cases["a bad timestamp"] = _foreign(created="yesterday")
    cases["an id of another type"] = _foreign(id="indicator--1f0e2d3c-4b5a-4968-8776-a5b4c3d2e1f0")
    cases["no identity name"] = _foreign(name=None)
    cases["not a bundle"] = {"type": "report", "id": "report--1f0e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"}
    unknown_def = copy.deepcopy(good)
    unknown_def["objects"].append(
        {
            "type": "marking-definition",
            "spec_version": "2.1",
            "id": "marking-definition--4a1b0c9d-8e7f-4a6b-9c5d-4e3f2a1b0c9d",
            "created": "2024-04-01T00:00:00.000Z",
            "name": "PAP:RED",
            "extensions": {
                "extension-definition--00000000-1111-4222-8333-444444444444": {
                    "extension_type": "property-extension"
                }
            },
        }
    )
    cases["a marking we cannot enforce"] = unknown_def
    out = {}
    for name, case in cases.items():
        out[name] = case.encode() if isinstance(case, str) else _bytes(case)
    out["not JSON"] = b"\x00\xff{"
    return out


HOSTILE = _hostile()


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_bundle_is_refused_with_one_line_and_nothing_written(
    receiver: Store, case: str
) -> None:
    before = receiver.digest()
    with pytest.raises(InputError) as raised:
        _take(receiver, HOSTILE[case])
    message = raised.value.detail
    assert "\n" not in message and len(message) < 500
    assert message.startswith("bundle.json")
    assert receiver.digest() == before


def test_another_tools_objects_go_back_as_they_came_with_their_markings(receiver: Store) -> None:
    indicator = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--5c4b3a29-1807-4f6e-9d5c-4b3a29180706",
        "created": "2024-04-02T00:00:00.000Z",
        "modified": "2024-04-02T00:00:00.000Z",
        "name": "Front company mail domain",
        "description": "Used by the network's procurement agents",
        "pattern": "[domain-name:value = 'example-trading.test']",
        "pattern_type": "stix",
        "valid_from": "2024-04-02T00:00:00Z",
        "external_references": [{"source_name": "partner case file", "external_id": "JP-17"}],
        "object_marking_refs": [TLP2_IDS[TLP.GREEN]],
        "granular_markings": [{"marking_ref": TLP2_IDS[TLP.RED], "selectors": ["description"]}],
    }
    bundle = _foreign()
    bundle["objects"].append(indicator)
    bundle["objects"].append(
        {
            "type": "relationship",
            "spec_version": "2.1",
            "id": "relationship--6d5c4b3a-2918-4706-8e5d-4c3b2a190817",
            "created": "2024-04-02T00:00:00.000Z",
            "modified": "2024-04-02T00:00:00.000Z",
            "relationship_type": "indicates",
            "source_ref": indicator["id"],
            "target_ref": bundle["objects"][0]["id"],
            "object_marking_refs": [TLP2_IDS[TLP.GREEN]],
        }
    )
    bundle["objects"][0]["object_marking_refs"] = [TLP2_IDS[TLP.GREEN]]
    _take(receiver, _bytes(bundle))
    got = _seen(receiver, JP)
    assert ("name", "Front company mail domain", "TLP:GREEN | ORIG us-dos", None, None) in got
    red = "TLP:RED | ORIG us-dos | TO jp-mofa"
    assert ("description", "Used by the network's procurement agents", red, None, None) in got
    data = release(receiver, JP, JP.organisation, Selection(), by="a").data
    validate(data, also=("401",))  # the partner's own x_ property, given back
    again = objects(data)
    back = again[indicator["id"]]
    assert back["type"] == "indicator" and back["pattern"] == indicator["pattern"]
    assert back["valid_from"] == indicator["valid_from"]
    assert {"source_name": "partner case file", "external_id": "JP-17"} in back[
        "external_references"
    ]
    # the description and what was kept under the object's strictest marking stay RED
    red_refs = {g["marking_ref"]: g["selectors"] for g in back["granular_markings"]}
    assert "description" in red_refs[TLP2_IDS[TLP.RED]] and "pattern" in red_refs[TLP2_IDS[TLP.RED]]
    link = again["relationship--6d5c4b3a-2918-4706-8e5d-4c3b2a190817"]
    assert link["relationship_type"] == "indicates"
    assert link["source_ref"] == indicator["id"]
    # a reader not cleared for RED (a third organisation in Japan, were it a recipient of
    # GREEN) gets no description and nothing kept under RED
    receiver.add_organisation("jp-npa", "JPN")
    data = release(receiver, JP, "jp-npa", Selection(), by="a").data
    text = data.decode()
    assert "procurement agents" not in text and "example-trading" not in text
    # an indicator without its pattern is no indicator: it goes as one of ours, and the
    # relationship names it by that id
    validate(data, also=("401",))
    other = objects(data)
    assert indicator["id"] not in other
    note = next(o for o in other.values() if o.get("name") == "Front company mail domain")
    assert note["type"] == "wk-note"
    assert other["relationship--6d5c4b3a-2918-4706-8e5d-4c3b2a190817"]["source_ref"] == note["id"]


@pytest.mark.parametrize(
    "selection",
    [
        Selection(entities=("p-kim",)),
        Selection(dataset="reports", history=True),
        Selection(since="2024-01-01"),
        Selection(query="OCEAN"),
    ],
    ids=["entity", "dataset", "since", "query"],
)
def test_every_selection_carries_what_its_links_name(
    sender: Store, receiver: Store, selection: Selection
) -> None:
    data = release(sender, US, JP.organisation, selection, by="a").data
    validate(data)
    assert _take(receiver, data).new > 0  # no link to an entity the bundle lacks


def test_history_travels_with_its_end_dates(sender: Store, receiver: Store) -> None:
    from tests.helpers import entity, source, write

    first = source("lists", "2024-01-01")
    write(sender, [entity("Vessel", "v-old", "lists", name="SEA DRAGON", flag="kp")], first)
    second = source("lists", "2024-06-01")
    write(sender, [entity("Vessel", "v-old", "lists", name="SEA DRAGON", flag="sl")], second)
    data = release(
        sender, US, JP.organisation, Selection(dataset="lists", history=True), by="a"
    ).data
    validate(data)
    _take(receiver, data)
    got = {(p, v, e) for p, v, _, _, e in _seen(receiver, JP)}
    assert ("flag", "kp", "2024-06-01") in got and ("flag", "sl", None) in got
    # without --history, only what is current leaves
    current = release(sender, US, JP.organisation, Selection(dataset="lists"), by="a").data
    assert '"kp"' not in current.decode()


def test_a_reference_to_what_the_importer_may_not_see_is_refused_as_unknown(
    receiver: Store,
) -> None:
    """A refusal must not tell whether a hidden entity exists: its id is as unknown as
    one that does not exist."""
    from tests.helpers import entity, source, write

    hidden_id = "identity--00000000-1111-4222-8333-444444444444"
    secret = Marking.parse("TLP:RED | ORIG us-dos | TO nobody-else")
    write(receiver, [(entity("Person", hidden_id, "notes", name="HIDDEN"), secret)],
          source("notes"), full_release=False)  # fmt: skip
    messages = []
    for target in (hidden_id, "identity--99999999-1111-4222-8333-444444444444"):
        before = receiver.digest()
        with pytest.raises(InputError) as raised:
            _take(receiver, _bytes(_foreign(created_by_ref=target)))
        messages.append(raised.value.detail.replace(target, "ID"))
        assert receiver.digest() == before
    assert messages[0] == messages[1]
