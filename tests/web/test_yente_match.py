"""/match as yente's own API tests (tests/test_match.py) check it, on the zala fixture."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.zala import QUERY_ZAKHAROV, ZAKHAROV, assert_entity_shape, client, make_home

MANY_NAMES = {
    "properties": {
        "name": [
            "Alexander Vyacheslavovich ZAKHAROV",
            "Aleksandr Vyacheslavovich Zakharov",
            "Александр Вячеславович Захаров",
            "Александр ЗАХАРОВ",
            "Захаров Александр Вячеславович",
            "Zakharov Aleksandr Vyacheslavovich",
            "Aleksandr Vjačeslavovič Zacharov",
        ]
    },
    "schema": "Person",
}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with client(make_home(tmp_path_factory.mktemp("zala"))) as test_client:
        yield test_client


def answer(api: TestClient, body: dict[str, Any], qid: str, **params: Any) -> dict[str, Any]:
    response = api.post("/match/zala", json=body, params=params)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()["responses"][qid]
    return found


def test_match_zakharov(api: TestClient) -> None:
    body = {"queries": {"vv": QUERY_ZAKHAROV, "xx": QUERY_ZAKHAROV, "zz": QUERY_ZAKHAROV}}
    res = answer(api, body, "vv")
    assert res["query"]["schema"] == "Person"
    assert res["query"]["properties"]["country"][0] == "ru"  # cleaned, as yente echoes it
    assert res["total"]["value"] > 0
    assert res["results"][0]["id"] == ZAKHAROV
    assert_entity_shape(res["results"][0])


def test_match_by_nomenklatura_algorithm_names(api: TestClient) -> None:
    body = {"queries": {"vv": QUERY_ZAKHAROV}}
    assert api.post("/match/zala", json=body, params={"algorithm": "neural-net"}).status_code == 400
    res = answer(api, body, "vv", algorithm="name-based")
    assert res["results"][0]["id"] == ZAKHAROV and res["results"][0]["score"] > 0.7


def test_a_query_without_schema_is_422_and_a_bad_schema_fails_the_batch(api: TestClient) -> None:
    missing = api.post("/match/zala", json={"queries": {"fail": {"properties": {"name": "B"}}}})
    assert missing.status_code == 422
    batch = {
        "queries": {
            "fail": {"schema": "xxx", "properties": {"name": "Banana"}},
            "ok1": {"schema": "Person", "properties": {"name": ["Vladimir Putin"]}},
            "ok2": {"schema": "Person", "properties": {"name": ["John Doe"]}},
        }
    }
    failed = api.post("/match/zala", json=batch)
    assert failed.status_code == 400 and "xxx" in failed.json()["detail"]
    unmatchable = {"queries": {"s": {"schema": "Sanction", "properties": {"program": ["x"]}}}}
    assert api.post("/match/zala", json=unmatchable).status_code == 400


@pytest.mark.parametrize("algorithm", ["logic-v1", "best"])
def test_many_names(api: TestClient, algorithm: str) -> None:
    body = {"queries": {"q": MANY_NAMES}}
    results = answer(api, body, "q", algorithm=algorithm)["results"]
    assert results
    again = answer(api, body, "q", algorithm=algorithm, fuzzy="false")["results"]
    assert len(again) == len(results)


def test_exclude_dataset(api: TestClient) -> None:
    body = {"queries": {"vv": QUERY_ZAKHAROV}}
    assert answer(api, body, "vv", exclude_dataset="zala")["results"] == []


def test_exclude_schema(api: TestClient) -> None:
    body = {"queries": {"vv": QUERY_ZAKHAROV}}
    assert answer(api, body, "vv", exclude_schema="Person")["results"] == []
    kept = answer(api, body, "vv", exclude_schema=["Company", "Address"])["results"]
    assert kept[0]["id"] == ZAKHAROV


def test_include_dataset(api: TestClient) -> None:
    body = {"queries": {"vv": QUERY_ZAKHAROV}}
    none = answer(api, body, "vv", include_dataset=["ae_local_terrorists", "mx_governors"])
    assert none["results"] == [] and none["total"]["value"] == 0
    some = answer(api, body, "vv", include_dataset=["zala", "ae_local_terrorists"])
    assert some["results"]
    both = answer(
        api,
        body,
        "vv",
        include_dataset=["zala", "mx_governors", "ae_local_terrorists"],
        exclude_dataset="zala",
    )
    assert both["results"] == []


def test_datasets_the_export_named_scope_too(api: TestClient) -> None:
    """Zakharov is published in eu_fsf (per the fixture), not in au_dfat_sanctions."""
    body = {"queries": {"vv": QUERY_ZAKHAROV}}
    found = api.post("/match/eu_fsf", json=body).json()["responses"]["vv"]
    assert found["results"][0]["id"] == ZAKHAROV
    assert "eu_fsf" in found["results"][0]["datasets"]
    assert api.post("/match/banana", json=body).status_code == 404


def test_config_is_refused_as_yente_refuses_an_unknown_option(api: TestClient) -> None:
    body = {"queries": {"vv": QUERY_ZAKHAROV}, "config": {"invalid_option": 0.4}}
    assert api.post("/match/zala", json=body, params={"algorithm": "logic-v2"}).status_code == 400


def test_filter_topic(api: TestClient) -> None:
    body = {"queries": {"vv": QUERY_ZAKHAROV}}
    assert answer(api, body, "vv", topics="crime.cyber")["results"] == []
    assert answer(api, body, "vv", topics="sanction")["results"][0]["id"] == ZAKHAROV


def test_id_pass_through(api: TestClient) -> None:
    body = {"queries": {"no1": {**MANY_NAMES, "id": "zakharov"}}}
    res = answer(api, body, "no1")
    assert res["query"]["schema"] == "Person" and res["query"]["id"] == "zakharov"


def test_numeric_property_value_is_text(api: TestClient) -> None:
    body = {
        "queries": {
            "q": {
                "schema": "Person",
                "properties": {"name": ["Alexander Zakharov"], "birthDate": [1965]},
            }
        }
    }
    assert "1965" in answer(api, body, "q")["query"]["properties"]["birthDate"]


def test_a_name_written_without_spaces(api: TestClient) -> None:
    """yente's test_match_name_without_spaces: the listed name's letters run together
    (beside a name that finds nothing) still find the entity; the entity has many other
    names that share no word with the joined one."""
    names = ["alexandervyacheslavovichzakharov", "foo bar"]
    body = {"queries": {"a": {"schema": "Person", "properties": {"name": names}}}}
    results = answer(api, body, "a")["results"]
    assert results and results[0]["id"] == ZAKHAROV
    assert "split differently" in results[0]["explanation"]


def test_fuzzy_retrieval_finds_a_name_with_typing_errors_in_every_word(api: TestClient) -> None:
    """yente's test_fuzzy_names: no word of the query is a listed word, yet fuzzy
    retrieval (on by default) finds the entity; `fuzzy=false` turns it off."""
    body = {"queries": {"a": {"schema": "Person", "properties": {"name": "Aiexandvr Zakharom"}}}}
    found = answer(api, body, "a", threshold=0.2, algorithm="logic-v2")["results"]
    assert found and found[0]["id"] == ZAKHAROV
    assert answer(api, body, "a", threshold=0.2, fuzzy="false")["results"] == []


def test_exclude_entity_ids_by_id_or_referent(api: TestClient) -> None:
    body = {"queries": {"q": QUERY_ZAKHAROV}}
    assert answer(api, body, "q")["results"][0]["id"] == ZAKHAROV
    assert answer(api, body, "q", exclude_entity_ids=[ZAKHAROV])["results"] == []
    assert answer(api, body, "q", exclude_entity_ids=["ofac-45937"])["results"] == []


def test_changed_since(api: TestClient) -> None:
    body = {"queries": {"q": QUERY_ZAKHAROV}}
    assert answer(api, body, "q", changed_since="2099-01-01T00:00")["results"] == []
    assert answer(api, body, "q", changed_since="2020-01-01")["results"]
    bad = api.post("/match/zala", json=body, params={"changed_since": "yesterday"})
    assert bad.status_code == 422


def test_weak_results_are_neither_returned_nor_counted(api: TestClient) -> None:
    body = {"queries": {"q": {"schema": "Person", "properties": {"name": ["John Smith"]}}}}
    res = answer(api, body, "q")
    assert res["results"] == [] and res["total"]["value"] == 0
    # a lower cutoff shows weaker candidates; total still counts matches only
    strong = answer(api, {"queries": {"q": QUERY_ZAKHAROV}}, "q", cutoff=0.1, limit=20)
    scores = [r["score"] for r in strong["results"]]
    assert scores == sorted(scores, reverse=True) and min(scores) > 0.1
    assert strong["total"]["value"] == sum(1 for s in scores if s >= 0.7)
    assert all(r["match"] == (r["score"] >= 0.7) for r in strong["results"])
    # cutoff above threshold is lowered to it, as yente does
    high = answer(api, {"queries": {"q": QUERY_ZAKHAROV}}, "q", cutoff=0.99, threshold=0.5)
    assert all(r["score"] > 0.5 for r in high["results"])


def test_results_carry_yente_explanations(api: TestClient) -> None:
    top = answer(api, {"queries": {"q": QUERY_ZAKHAROV}}, "q")["results"][0]
    assert top["explanations"]["name_match"]["score"] > 0.7
    assert top["explanations"]["name_match"]["detail"]
    assert "topics" in top["properties"] and "nationality" in top["properties"]
    assert len(top["referents"]) > 5 and top["target"] is True


def test_logic_v2_weights_mean_what_they_mean_in_logic_v2(api: TestClient) -> None:
    def top(weights: dict[str, float]) -> dict[str, Any]:
        body = {
            "queries": {
                "q": {
                    "schema": "Person",
                    "properties": {"name": ["Alexander Zakharov"], "birthDate": ["1990"]},
                }
            },
            "weights": weights,
        }
        response = api.post("/match/zala", json=body, params={"cutoff": 0.1})
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()["responses"]["q"]["results"][0]
        assert result["id"] == ZAKHAROV
        return result

    default, off, double = (
        top({}),
        top({"dob_year_disjoint": 0.0}),
        top({"dob_year_disjoint": -0.3}),
    )
    assert off["score"] > default["score"] > double["score"]
    ignored = api.post(
        "/match/zala",
        json={"queries": {"q": QUERY_ZAKHAROV}, "weights": {"gender_mismatch": -0.2}},
    )
    assert ignored.json()["matcher"]["ignored_weights"] == ["gender_mismatch"]
    refused = api.post(
        "/match/zala", json={"queries": {"q": QUERY_ZAKHAROV}, "weights": {"spaceship": 1.0}}
    )
    assert refused.status_code == 400 and "spaceship" in refused.json()["detail"]


def test_scoping_retrieves_within_the_dataset(api: TestClient) -> None:
    """limit=1 in a narrow scope still finds the best entity of that scope."""
    body = {"queries": {"q": {"schema": "Person", "properties": {"name": ["Zakharov"]}}}}
    everywhere = answer(api, body, "q", limit=20, cutoff=0.3)["results"]
    in_gb = [r for r in everywhere if "gb_coh_disqualified" in r["datasets"]]
    assert in_gb
    scoped = api.post("/match/gb_coh_disqualified", json=body, params={"limit": 1, "cutoff": 0.3})
    results = scoped.json()["responses"]["q"]["results"]
    assert [r["id"] for r in results] == [in_gb[0]["id"]]
