"""The import's checks without ``stix2`` (``checks._plainly_valid``, for speed) accept
nothing ``stix2.parse`` refuses: every object of our bundles, and the same objects broken
in many ways, are either refused by ``stix2`` too, or accepted by both."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import stix2
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.sharing.common import JP, KR, US, build
from watchkeeper.sharing.checks import _plainly_valid
from watchkeeper.sharing.gate import Selection, build_bundle
from watchkeeper.sharing.vocab import STIX_ID
from watchkeeper.store import Store

ODD_VALUES = [None, "", "x", 0, -1, 101, 3.5, True, [], {}, ["", 1], {"a": 1},
              "2024-13-01T00:00:00Z", "2024-01-01T00:00:00", "2024-01-01 00:00:00Z",
              "identity--5ad7c64f-1836-4aff-aa0d-d4d9acf2f723",
              "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
              "relationship--5ad7c64f-1836-4aff-aa0d-d4d9acf2f723", "Bad Name"]  # fmt: skip


@pytest.fixture(scope="module")
def objects(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    from watchkeeper.store import open_store

    store: Store = open_store(f"sqlite:///{tmp_path_factory.mktemp('plain') / 's.db'}")
    try:
        build(store)
        found = []
        for recipient in (JP, KR, US):
            data, _ = build_bundle(store, US, recipient, Selection(history=True))
            found += json.loads(data)["objects"]
        return [o for o in found if o["type"] in ("identity", "relationship")]
    finally:
        store.close()


def _stix2_accepts(obj: dict[str, Any]) -> bool:
    try:
        stix2.parse(obj, allow_custom=True, version="2.1")
    except Exception:
        return False
    return True


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path] if path else []
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*path, k))
    elif isinstance(value, list):
        for n, v in enumerate(value):
            out += _paths(v, (*path, n))
    return out


def test_our_common_objects_take_the_fast_path(objects: list[dict[str, Any]]) -> None:
    assert objects
    for obj in objects:
        assert _plainly_valid(copy.deepcopy(obj)), obj["id"]
        assert _stix2_accepts(obj)


@settings(max_examples=600, deadline=None)
@given(data=st.data())
def test_what_the_fast_path_accepts_stix2_accepts(
    objects: list[dict[str, Any]], data: st.DataObject
) -> None:
    obj = copy.deepcopy(data.draw(st.sampled_from(objects)))
    for _ in range(data.draw(st.integers(1, 3))):
        paths = _paths(obj)
        if not paths:
            break
        path = data.draw(st.sampled_from(paths))
        parent = obj
        for step in path[:-1]:
            parent = parent[step]
        action = data.draw(st.sampled_from(["set", "delete", "add"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "set":
            parent[path[-1]] = copy.deepcopy(data.draw(st.sampled_from(ODD_VALUES)))
        elif isinstance(parent, dict):
            parent[data.draw(st.sampled_from(["x_extra", "Bad Name", "roles", "ab"]))] = (
                copy.deepcopy(data.draw(st.sampled_from(ODD_VALUES)))
            )
    kind, ref = obj.get("type"), obj.get("id")
    if not (isinstance(kind, str) and isinstance(ref, str) and STIX_ID.match(ref)):
        return  # refused before (``check``): the fast path is not asked
    if ref.split("--")[0] != kind or obj.get("spec_version", "2.1") != "2.1":
        return
    if _plainly_valid(obj):
        assert _stix2_accepts(obj), json.dumps(obj)[:2000]
