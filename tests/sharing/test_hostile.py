"""The hostile-bundle corpus (``test_import.HOSTILE``, and a few more here): each bundle
refused with one line that names the object and the field at fault (where there is
one), and the store unchanged."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from tests.sharing.common import JP, US
from tests.sharing.test_import import HOSTILE, _foreign
from watchkeeper.errors import InputError
from watchkeeper.model.marking import Marking
from watchkeeper.sharing.checks import parse_bundle
from watchkeeper.sharing.stix_import import import_bundle
from watchkeeper.store import Store, open_store

PERSON = "identity--1f0e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
UNKNOWN = "marking-definition--00000000-1111-4222-8333-444444444444"


def _more() -> dict[str, bytes]:
    cases = {
        "an unknown granular marking": _foreign(
            granular_markings=[{"marking_ref": UNKNOWN, "selectors": ["name"]}]
        ),
        "a property name of 300 characters": _foreign(**{"x_" + "a" * 298: "v"}),
        "objects not a list": {
            "type": "bundle",
            "id": "bundle--2a1b0c9d-8e7f-4a6b-9c5d-4e3f2a1b0c9d",
            "objects": {},
        },
        "an object that is not one": {
            "type": "bundle",
            "id": "bundle--2a1b0c9d-8e7f-4a6b-9c5d-4e3f2a1b0c9d",
            "objects": ["x"],
        },
    }
    newer = _foreign()
    newer["objects"].append(copy.deepcopy(newer["objects"][0]) | {"spec_version": "2.0"})
    cases["a second version of another spec"] = newer
    return {k: json.dumps(v).encode() for k, v in cases.items()}


# case -> (the object named, the field named); None: the bundle as a whole
EXPECTED = {
    "a 50 MB string": (PERSON, "'description'"),
    "a bad timestamp": (PERSON, "'created'"),
    "a marking we cannot enforce": ("marking-definition--4a1b0c9d", "marking definition"),
    "an id of another type": ("indicator--1f0e2d3c", "'id'"),
    "dangling ref": (PERSON, "'created_by_ref'"),
    "dangling relationship target": ("relationship--3a1b0c9d", "'target_ref'"),
    "deep nesting": (PERSON, "'x_deep.a.a"),
    "deeper than the parser": (None, "nested too deeply"),
    "duplicate ids": (PERSON, "'id'"),
    "just over the string limit": (PERSON, "'description'"),
    "no identity name": (PERSON, "(name)"),
    "not JSON": (None, "not JSON"),
    "not a bundle": (None, '"type": "bundle"'),
    "unknown marking id": (PERSON, "'object_marking_refs'"),
    "wrong spec_version": (PERSON, "'spec_version'"),
    "an unknown granular marking": (PERSON, "'granular_markings[0].marking_ref'"),
    "a property name of 300 characters": (PERSON, "property name of 300 characters"),
    "objects not a list": ("bundle--2a1b0c9d", "'objects'"),
    "an object that is not one": ("bundle--2a1b0c9d", "objects[0]"),
    "a second version of another spec": (PERSON, "'spec_version'"),
}
CORPUS = {**HOSTILE, **_more()}


@pytest.fixture
def receiver(tmp_path: Path) -> Store:
    found = open_store(f"sqlite:///{tmp_path / 'jp.db'}")
    found.add_organisation(US.organisation, US.country)
    found.add_organisation(JP.organisation, JP.country)
    return found


def test_every_case_has_its_expectation() -> None:
    assert set(CORPUS) == set(EXPECTED)


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_each_is_refused_naming_the_object_and_the_field(receiver: Store, case: str) -> None:
    before = receiver.digest()
    with pytest.raises(InputError) as raised:
        bundle = parse_bundle(CORPUS[case], "bundle.json")
        import_bundle(receiver, bundle, "bundle.json", "us-dos", JP,
                      default_marking=Marking.parse("TLP:AMBER"))  # fmt: skip
    message = raised.value.detail
    assert "\n" not in message and len(message) < 500, message
    obj, field = EXPECTED[case]
    assert message.startswith("bundle.json: " + (obj or "")), message
    assert field in message, message
    assert receiver.digest() == before
