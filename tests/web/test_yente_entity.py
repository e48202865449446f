"""/entities as yente's own API tests (tests/test_entity.py) check it. yente checks
nesting and adjacency on its parteispenden fixture (donations between people and
parties); here the same behaviours are checked on the zala fixture's ownerships,
family links and sanctions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.zala import ZAKHAROV, assert_entity_shape, client, make_home


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with client(make_home(tmp_path_factory.mktemp("zala"))) as test_client:
        yield test_client


def get(api: TestClient, url: str, **params: Any) -> dict[str, Any]:
    response = api.get(url, params=params)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def by_id(items: list[Any], entity_id: str) -> dict[str, Any]:
    found = [i for i in items if isinstance(i, dict) and i["id"] == entity_id]
    assert len(found) == 1, (entity_id, items)
    return found[0]


def test_entity_404(api: TestClient) -> None:
    assert api.get("/entities/banana").status_code == 404


def test_entity_fetch(api: TestClient) -> None:
    data = get(api, f"/entities/{ZAKHAROV}")
    assert_entity_shape(data)
    assert data["id"] == ZAKHAROV and data["schema"] == "Person"
    assert "zala" in data["datasets"] and "us_ofac_sdn" in data["datasets"]
    assert len(data["referents"]) > 5
    assert isinstance(data["properties"]["birthDate"][0], str)
    sanction = data["properties"]["sanctions"][0]
    assert isinstance(sanction, dict) and sanction["schema"] == "Sanction"
    assert_entity_shape(sanction)
    assert sanction["properties"]["entity"] == [ZAKHAROV]  # the root stays an id


def test_entity_not_nested(api: TestClient) -> None:
    props = get(api, f"/entities/{ZAKHAROV}", nested="false")["properties"]
    assert all(isinstance(v, str) for values in props.values() for v in values)
    assert "sanctions" not in props and "ownershipOwner" not in props


def test_entity_nested_through_an_entity_in_between(api: TestClient) -> None:
    props = get(api, f"/entities/{ZAKHAROV}")["properties"]
    ownership = props["ownershipOwner"][0]
    assert ownership["schema"] == "Ownership" and ownership["properties"]["owner"] == [ZAKHAROV]
    asset = ownership["properties"]["asset"][0]
    assert isinstance(asset, dict) and asset["schema"] == "Company"
    # beyond the first Thing, nothing is expanded
    for values in asset["properties"].values():
        assert all(isinstance(v, str) for v in values)
    # fetched itself, the entity in between nests both sides
    inner = get(api, f"/entities/{ownership['id']}")["properties"]
    assert by_id(inner["owner"], ZAKHAROV)["schema"] == "Person"
    assert inner["asset"][0]["id"] == asset["id"]


def test_adjacent(api: TestClient) -> None:
    data = get(api, f"/entities/{ZAKHAROV}/adjacent")
    assert data["entity"]["id"] == ZAKHAROV
    assert_entity_shape(data["entity"])
    adjacent = data["adjacent"]
    sanctions = adjacent["sanctions"]
    assert sanctions["total"]["value"] == 13 and len(sanctions["results"]) == 10
    assert sanctions["limit"] == 10 and sanctions["offset"] == 0
    owned = adjacent["ownershipOwner"]["results"][0]
    assert owned["properties"]["owner"] == [ZAKHAROV]
    assert owned["properties"]["asset"][0]["schema"] == "Company"
    family = get(api, f"/entities/{adjacent['familyRelative']['results'][0]['id']}/adjacent")
    assert family["entity"]["schema"] == "Family"
    relatives = family["adjacent"]["relative"]["results"]
    assert by_id(relatives, ZAKHAROV)["schema"] == "Person"


def test_adjacent_limit_and_offset(api: TestClient) -> None:
    full = get(api, f"/entities/{ZAKHAROV}/adjacent", limit=20)["adjacent"]["sanctions"]
    ids = [r["id"] for r in full["results"]]
    first = get(api, f"/entities/{ZAKHAROV}/adjacent", limit=1)["adjacent"]["sanctions"]
    assert [r["id"] for r in first["results"]] == ids[:1] and first["total"]["value"] == 13
    assert first["limit"] == 1
    second = get(api, f"/entities/{ZAKHAROV}/adjacent", limit=1, offset=1)["adjacent"]
    assert [r["id"] for r in second["sanctions"]["results"]] == ids[1:2]
    assert second["sanctions"]["offset"] == 1


def test_adjacent_by_property(api: TestClient) -> None:
    assert api.get(f"/entities/{ZAKHAROV}/adjacent/address").status_code == 404
    data = get(api, f"/entities/{ZAKHAROV}/adjacent/sanctions")
    assert data["limit"] == 10 and data["offset"] == 0 and data["total"]["value"] == 13
    assert all(r["schema"] == "Sanction" for r in data["results"])
    one = get(api, f"/entities/{ZAKHAROV}/adjacent/ownershipOwner", limit=1, offset=1)
    assert len(one["results"]) == 1 and one["total"]["value"] == 10 and one["offset"] == 1
    # the far side of an entity in between is not paginated
    assert one["results"][0]["properties"]["asset"]


def test_a_referent_redirects_to_its_entity(api: TestClient) -> None:
    moved = api.get("/entities/ofac-45937", params={"nested": "false"}, follow_redirects=False)
    assert moved.status_code == 308
    assert moved.headers["location"].endswith(f"/entities/{ZAKHAROV}?nested=false")
    assert get(api, "/entities/ofac-45937")["id"] == ZAKHAROV
    adjacent = api.get("/entities/ofac-45937/adjacent", follow_redirects=False)
    assert adjacent.status_code == 308
    assert adjacent.headers["location"].endswith(f"/entities/{ZAKHAROV}/adjacent")
