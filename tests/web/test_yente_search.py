"""/search as yente's own API tests (tests/test_search.py) check it, on the zala fixture."""

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


def total(api: TestClient, url: str, **params: Any) -> int:
    return int(get(api, url, **params)["total"]["value"])


def test_search_zakharov(api: TestClient) -> None:
    results = get(api, "/search/zala", q="alexander zakharov")["results"]
    zakharov = results[0]
    assert_entity_shape(zakharov)
    assert zakharov["id"] == ZAKHAROV
    assert zakharov["first_seen"] is not None and zakharov["last_seen"] is not None
    assert "sanctions" not in zakharov["datasets"] and "default" not in zakharov["datasets"]


def test_search_without_query_lists_everything(api: TestClient) -> None:
    assert len(get(api, "/search/zala")["results"]) > 9


def test_invalid_query_syntax_unless_simple(api: TestClient) -> None:
    assert api.get("/search/zala", params={"q": "invalid/query"}).status_code == 400
    assert (
        api.get("/search/zala", params={"q": "invalid/query", "simple": "true"}).status_code == 200
    )


def test_missing_dataset(api: TestClient) -> None:
    assert api.get("/search/banana").status_code == 404


def test_schema_filters(api: TestClient) -> None:
    assert api.get("/search/zala", params={"q": "x", "schema": "Banana"}).status_code == 400
    assert get(api, "/search/zala", q="angela merkel", schema="Vessel")["results"] == []
    assert get(api, "/search/zala", q="alexander zakharov", schema="Person")["results"]


def test_exclude_schema(api: TestClient) -> None:
    everything = total(api, "/search/zala", q="moscow")
    assert everything > 5
    assert total(api, "/search/zala", q="moscow", exclude_schema="Address") < everything


def test_include_and_exclude_dataset(api: TestClient) -> None:
    q = "alexander zakharov"
    assert total(api, "/search/zala", q=q) > 0
    assert total(api, "/search/zala", q=q, exclude_dataset="zala") == 0
    assert total(api, "/search/zala", q=q, include_dataset="mx_senators") == 0
    assert total(api, "/search/zala", q=q, include_dataset="zala") > 0
    assert total(api, "/search/zala", q=q, include_dataset="zala", exclude_dataset="zala") == 0


def test_changed_since(api: TestClient) -> None:
    q = "alexander zakharov"
    assert total(api, "/search/zala", q=q, changed_since="2099-01-01T00:00") == 0
    assert total(api, "/search/zala", q=q, changed_since="2020-01-01") > 0


def test_countries_and_their_operator(api: TestClient) -> None:
    q = "alexander zakharov"
    assert get(api, "/search/zala", q=q, countries="ru")["results"]
    assert get(api, "/search/zala", q=q, countries="ke")["results"] == []
    assert get(api, "/search/zala", q=q, countries=["ke", "ru"])["results"]
    anded = get(api, "/search/zala", q=q, countries=["ke", "ru"], filter_op="AND")
    assert anded["results"] == []


def test_property_filter(api: TestClient) -> None:
    q = "alexander zakharov"
    assert get(api, "/search/zala", q=q, filter="properties.birthDate:1972-01-26§")["results"] == []
    kept = get(api, "/search/zala", q=q, filter="properties.birthDate:1965-09-21")["results"]
    assert [r["id"] for r in kept] == [ZAKHAROV]
    assert api.get("/search/zala", params={"filter": "no-colon"}).status_code == 400


def test_facets(api: TestClient) -> None:
    facets = get(api, "/search/zala")["facets"]
    assert sorted(facets) == ["countries", "datasets", "topics"]
    names = [c["name"] for c in facets["datasets"]["values"]]
    assert "zala" in names and "parteispenden" not in names
    assert "sanction" in [c["name"] for c in facets["topics"]["values"]]
    countries = get(api, "/search/zala", q="alexander zakharov", countries="ru")["facets"]
    names = [c["name"] for c in countries["countries"]["values"]]
    assert "ru" in names and "ke" not in names
    russia = next(c for c in countries["countries"]["values"] if c["name"] == "ru")
    assert russia["label"] == "Russia" and russia["count"] >= 1
    chosen = get(api, "/search/zala", facets=["schema", "topics"])["facets"]
    assert sorted(chosen) == ["schema", "topics"]
    assert "Address" in [c["name"] for c in chosen["schema"]["values"]]
    assert api.get("/search/zala", params={"facets": "nonsense"}).status_code == 422


def test_topics_and_schema_counts(api: TestClient) -> None:
    assert total(api, "/search/zala", topics="sanction") > 0
    assert total(api, "/search/zala", schema="Address") > 0


def test_target(api: TestClient) -> None:
    targets = get(api, "/search/zala", schema="LegalEntity", target="true", limit=100)
    others = get(api, "/search/zala", schema="LegalEntity", target="false", limit=100)
    assert targets["results"] and others["results"]
    assert all(r["target"] for r in targets["results"])
    assert not any(r["target"] for r in others["results"])


def test_sorted(api: TestClient) -> None:
    results = get(api, "/search/zala", sort="first_seen:desc", limit=50)["results"]
    seen = [r["first_seen"] for r in results]
    assert seen == sorted(seen, reverse=True)
    assert api.get("/search/zala", params={"sort": "shoe_size"}).status_code == 400


def test_scope(api: TestClient) -> None:
    zala = get(api, "/search/zala", q="alexander zakharov")["results"]
    assert any(r["id"] == ZAKHAROV for r in zala)
    # a dataset the export named: Zakharov is not in it
    assert get(api, "/search/jp_meti_ru", q="alexander zakharov")["results"] == []


def test_limit_offset_and_their_bounds(api: TestClient) -> None:
    assert get(api, "/search/zala", q="alexander zakharov", limit=0)["results"] == []
    page = get(api, "/search/zala", q="alexander zakharov", offset=100)
    assert page["results"] == [] and page["offset"] == 100
    assert api.get("/search/default", params={"offset": 9999, "q": "putin"}).status_code == 422
    assert api.get("/search/zala", params={"limit": 10000, "q": "zakharov"}).status_code == 422
    fine = get(api, "/search/zala", limit=500, q="zakharov")
    assert fine["limit"] == 500 and fine["offset"] == 0
    everything = get(api, "/search/zala", limit=500)
    two = get(api, "/search/zala", limit=2, offset=3)
    assert [r["id"] for r in two["results"]] == [r["id"] for r in everything["results"][3:5]]
    assert two["total"]["value"] == everything["total"]["value"] == len(everything["results"])


def test_names_in_other_scripts(api: TestClient) -> None:
    results = get(api, "/search/zala", q="Захаров Александр")["results"]
    assert results[0]["id"] == ZAKHAROV


def test_fuzzy_search_finds_names_with_typing_errors(api: TestClient) -> None:
    assert get(api, "/search/zala", q="Aiexandvr Zakharom")["results"] == []
    fuzzy = get(api, "/search/zala", q="Aiexandvr Zakharom", fuzzy="true")["results"]
    assert fuzzy and fuzzy[0]["id"] == ZAKHAROV
