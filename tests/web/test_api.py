"""The screening API over HTTP (FastAPI's test client on the real app and store)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import UN_XML
from tests.helpers import entity, source, write
from watchkeeper.importers import run_import
from watchkeeper.model.marking import TLP, Marking
from watchkeeper.settings import load_settings
from watchkeeper.store import open_store
from watchkeeper.web.app import create_app

# The request body of OpenSanctions' matching API documentation ("POST /match/default").
YENTE_EXAMPLE = {
    "queries": {
        "q1": {
            "schema": "Person",
            "properties": {
                "name": ["Arkadiii Romanovich Rotenberg"],
                "birthDate": ["1951"],
                "nationality": ["Russia"],
            },
        },
        "q2": {
            "schema": "Company",
            "properties": {"name": ["Stroygazmontazh"], "jurisdiction": ["Russia"]},
        },
    }
}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    store = open_store(load_settings({"WATCHKEEPER_HOME": str(home)}))
    run_import(store, "un-xml", UN_XML)
    write(
        store,
        [
            entity(
                "Person",
                "rotenberg",
                "lists",
                name="ROTENBERG, Arkady Romanovich",
                birthDate="1951-12-15",
                nationality="ru",
            ),
            entity("Company", "sgm", "lists", name="STROYGAZMONTAZH"),
        ],
        source("lists", "2024-05-01"),
    )
    secret = Marking(tlp=TLP.AMBER, recipients=frozenset({"kr-nis"}))
    write(
        store,
        [(entity("Vessel", "ghost", "notes", name="GHOST TRADER"), secret)],
        source("notes", "2024-06-01"),
    )
    store.add_organisation("kr-nis", "KOR")
    store.add_organisation("jp-mofa", "JPN")
    store.close()
    return home


def client(home: Path, keys: str = "") -> TestClient:
    env = {"WATCHKEEPER_HOME": str(home), "WATCHKEEPER_API_KEYS": keys}
    return TestClient(create_app(load_settings(env)))


def test_yente_documentation_request_works_as_is(home: Path) -> None:
    response = client(home).post("/match/default", json=YENTE_EXAMPLE)
    assert response.status_code == 200
    body = response.json()
    q1 = body["responses"]["q1"]
    assert q1["status"] == 200 and q1["total"]["value"] >= 1
    top = q1["results"][0]
    assert top["id"] == "rotenberg" and top["match"] is True
    assert {
        "id",
        "caption",
        "schema",
        "properties",
        "datasets",
        "score",
        "match",
        "features",
    } <= set(top)
    assert "same birth date" in top["explanation"]
    assert top["features"]["dob_match"] == 1.0 and top["features"]["country_match"] == 1.0
    assert 0.9 <= top["features"]["name_match"] <= 1.0
    assert body["responses"]["q2"]["results"][0]["id"] == "sgm"


def test_match_finds_dprk_names_in_hangul(home: Path) -> None:
    body = {"queries": {"a": {"schema": "Person", "properties": {"name": ["리병철"]}}}}
    response = client(home).post("/match/default?limit=1", json=body).json()
    result = response["responses"]["a"]["results"][0]
    assert result["list_ids"] == ["UN:KPi.076"] and result["match"]


def test_bad_requests_are_400_with_one_line(home: Path) -> None:
    api = client(home)
    malformed = api.post(
        "/match/default", content=b"{bad json", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 400 and "JSON" in malformed.json()["detail"]
    missing = api.post("/match/default", json={"nothing": 1})
    assert missing.status_code == 400 and "queries" in missing.json()["detail"]
    bad = {
        "queries": {
            "unknown": {"schema": "Spaceship", "properties": {"name": ["x"]}},
            "empty": {"schema": "Person", "properties": {}},
            "huge": {"schema": "Person", "properties": {"name": ["A" * (10 * 1024 * 1024)]}},
            "fine": {"schema": "Person", "properties": {"name": ["RI PYONG CHUL"]}},
        }
    }
    response = api.post("/match/default", json=bad)
    assert response.status_code == 200
    answers = response.json()["responses"]
    assert answers["unknown"]["status"] == 400 and "Spaceship" in answers["unknown"]["detail"]
    assert answers["empty"]["status"] == 400
    assert answers["huge"]["status"] == 400 and "limit" in answers["huge"]["detail"]
    assert answers["fine"]["status"] == 200 and answers["fine"]["results"]
    assert api.get("/search/default", params={"q": "x", "schema": "Nope"}).status_code == 400


def test_algorithm_weights_and_config_as_yente_takes_them(home: Path) -> None:
    api = client(home)
    listed = api.get("/algorithms").json()
    assert listed["default"] == listed["best"] == "watchkeeper"
    assert "country_mismatch" in listed["algorithms"][0]["weights"]
    # a yente client asking for nomenklatura's algorithm by name is answered, and told by
    # which algorithm
    answer = api.post("/match/default?algorithm=logic-v2", json=YENTE_EXAMPLE).json()
    assert answer["matcher"]["name"] == "watchkeeper"
    assert answer["matcher"]["requested"] == "logic-v2"
    assert "dob_match" in listed["algorithms"][0]["features"]
    unknown = api.post("/match/default?algorithm=magic", json=YENTE_EXAMPLE)
    assert unknown.status_code == 400 and "magic" in unknown.json()["detail"]
    config = api.post("/match/default", json=YENTE_EXAMPLE | {"config": {"nm_fuzzy": 1}})
    assert config.status_code == 400 and "nm_fuzzy" in config.json()["detail"]
    for weights, word in (
        ({"gender_mismatch": 1.0}, "gender_mismatch"),
        ({"dob_match": -1}, "dob_match"),
    ):
        refused = api.post("/match/default", json=YENTE_EXAMPLE | {"weights": weights})
        assert refused.status_code == 400 and word in refused.json()["detail"], weights

    # weights scale the evidence: a different birth year weighs against, less with 0
    def top_score(weights: dict[str, float]) -> float:
        body = {
            "queries": {
                "q": {
                    "schema": "Person",
                    "properties": {"name": ["Arkady Rotenberg"], "birthDate": ["1962"]},
                }
            },
            "weights": weights,
        }
        result = api.post("/match/default", json=body).json()["responses"]["q"]["results"][0]
        assert result["id"] == "rotenberg" and result["features"]["dob_year_disjoint"] == 1.0
        return float(result["score"])

    assert (
        top_score({"dob_year_disjoint": 0.0})
        > top_score({})
        > top_score({"dob_year_disjoint": 2.0})
    )


def test_search_entities_healthz(home: Path) -> None:
    api = client(home)
    assert api.get("/healthz").json() == {"status": "ok"}
    found = api.get("/search/default", params={"q": "ryonbong", "schema": "Organization"}).json()
    assert found["results"][0]["list_ids"] == ["UN:KPe.002"]
    entity_id = found["results"][0]["id"]
    page = api.get(f"/entities/{entity_id}").json()
    assert (
        page["id"] == entity_id
        and "KOREA RYONBONG GENERAL CORPORATION" in page["properties"]["name"]
    )
    assert api.get("/entities/no-such-id").status_code == 404


def test_answers_are_what_the_callers_organisation_may_see(home: Path) -> None:
    api = client(home, "key-kr=kr-nis,key-jp=jp-mofa")
    body = {"queries": {"v": {"schema": "Vessel", "properties": {"name": ["GHOST TRADER"]}}}}
    assert api.post("/match/default", json=body).status_code == 401
    assert (
        api.post("/match/default", json=body, headers={"Authorization": "ApiKey wrong"}).status_code
        == 401
    )
    cleared = api.post(
        "/match/default", json=body, headers={"Authorization": "ApiKey key-kr"}
    ).json()
    assert [r["id"] for r in cleared["responses"]["v"]["results"]] == ["ghost"]
    other = api.post("/match/default", json=body, headers={"Authorization": "ApiKey key-jp"})
    assert other.json()["responses"]["v"]["results"] == []
    assert '"ghost"' not in other.text  # the id of the hidden vessel
    hidden = api.get("/entities/ghost", headers={"Authorization": "ApiKey key-jp"})
    missing = api.get("/entities/no-such", headers={"Authorization": "ApiKey key-jp"})
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"].replace("ghost", "X") == missing.json()["detail"].replace(
        "no-such", "X"
    )
    search = api.get(
        "/search/default",
        params={"q": "ghost trader", "schema": "Vessel"},
        headers={"Authorization": "ApiKey key-jp"},
    )
    assert search.json()["total"]["value"] == 0


def test_dataset_in_the_path_filters(home: Path) -> None:
    body = {"queries": {"a": {"schema": "Person", "properties": {"name": ["Arkady Rotenberg"]}}}}
    api = client(home)
    assert api.post("/match/lists", json=body).json()["responses"]["a"]["results"]
    assert api.post("/match/un_sc_sanctions", json=body).json()["responses"]["a"]["results"] == []


def test_serve_answers_over_http_with_two_workers(home: Path) -> None:
    """`watchkeeper serve` as a user starts it: a real server, two forked workers."""
    import os
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "WATCHKEEPER_HOME": str(home)}
    cmd = [sys.executable, "-m", "watchkeeper.cli", "serve", "--port", str(port), "--workers", "2"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(120):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.25)
        body = {"queries": {"q": {"schema": "Person", "properties": {"name": ["Ri Pyong Chol"]}}}}
        answers = [
            httpx.post(f"http://127.0.0.1:{port}/match/default", json=body, timeout=10)
            for _ in range(6)
        ]
        assert all(a.status_code == 200 for a in answers)
        assert answers[0].json()["responses"]["q"]["results"][0]["list_ids"] == ["UN:KPi.076"]
    finally:
        proc.terminate()
        proc.wait(20)
    assert proc.returncode == 0


def test_serve_on_a_busy_port_is_one_line(home: Path) -> None:
    import os
    import socket
    import subprocess
    import sys

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {**os.environ, "WATCHKEEPER_HOME": str(home)}
        cmd = [
            sys.executable,
            "-m",
            "watchkeeper.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            "2",
        ]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr


def test_review_decisions_over_http(home: Path) -> None:
    api = client(home, "key-kr=kr-nis,key-jp=jp-mofa")
    kr = {"Authorization": "ApiKey key-kr"}
    jp = {"Authorization": "ApiKey key-jp"}
    body = {"queries": {"cust-7": {"schema": "Vessel", "properties": {"name": ["GHOST TRADER"]}}}}

    def hits(headers: dict[str, str]) -> list[str]:
        found = api.post("/match/default", json=body, headers=headers).json()
        return [r["id"] for r in found["responses"]["cust-7"]["results"]]

    assert hits(kr) == ["ghost"]
    decision = {
        "query_id": "cust-7",
        "entity_id": "ghost",
        "decision": "dismissed",
        "reason": "a different ship: other IMO",
        "by": "analyst-3",
    }
    made = api.post("/decisions", json=decision, headers=kr)
    assert made.status_code == 200, made.text
    assert made.json()["decided_by"] == "analyst-3" and made.json()["organisation"] == "kr-nis"
    assert hits(kr) == []  # not raised again
    listed = api.get("/decisions", headers=kr).json()["decisions"]
    assert [(d["query_id"], d["entity_id"], d["decision"]) for d in listed] == [
        ("cust-7", "ghost", "dismissed")
    ]
    # another organisation has no decisions, and may not decide on what it may not see:
    # the answer is the one for an id that does not exist
    assert api.get("/decisions", headers=jp).json()["decisions"] == []
    hidden = api.post("/decisions", json=decision, headers=jp)
    missing = api.post("/decisions", json=decision | {"entity_id": "no-such"}, headers=jp)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"].replace("ghost", "X") == missing.json()["detail"].replace(
        "no-such", "X"
    )
    # bad decisions are one-line 400s
    for bad in ({"decision": "maybe"}, {"reason": "  "}, {"reason": "x" * 10_000}):
        response = api.post("/decisions", json=decision | bad, headers=kr)
        assert response.status_code == 400 and "\n" not in response.json()["detail"], bad
