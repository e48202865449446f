"""The screening API over HTTP (FastAPI's test client on the real app and store)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.conftest import OFAC_CSV, UN_XML
from tests.helpers import entity, run_cli, source, write
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


def test_bad_requests_are_refused_whole_with_a_reason(home: Path) -> None:
    api = client(home)
    malformed = api.post(
        "/match/default", content=b"{bad json", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 422 and "JSON" in malformed.json()["detail"][0]["msg"]
    missing = api.post("/match/default", json={"nothing": 1})
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"][-1] == "queries"
    fine = {"schema": "Person", "properties": {"name": ["RI PYONG CHUL"]}}
    # a query that cannot be run fails the request, as yente fails it: a batch client
    # must not read "no results" for a query that was never screened
    for bad, word in (
        ({"schema": "Spaceship", "properties": {"name": ["x"]}}, "Spaceship"),
        ({"schema": "Person", "properties": {}}, "no name"),
    ):
        response = api.post("/match/default", json={"queries": {"bad": bad, "fine": fine}})
        assert response.status_code == 400 and word in response.json()["detail"]
        assert "\n" not in response.json()["detail"]
    huge = {"schema": "Person", "properties": {"name": ["A" * (10 * 1024 * 1024)]}}
    assert api.post("/match/default", json={"queries": {"huge": huge}}).status_code == 413
    assert api.post("/match/default", json={"queries": {"fine": fine}}).status_code == 200
    assert api.get("/search/default", params={"q": "x", "schema": "Nope"}).status_code == 400


def test_algorithm_weights_and_config_as_yente_takes_them(home: Path) -> None:
    api = client(home)
    listed = api.get("/algorithms").json()
    assert listed["default"] == listed["best"] == "watchkeeper"
    assert "country_mismatch" in listed["algorithms"][0]["docs"]["features"]
    # a yente client asking for nomenklatura's algorithm by name is answered, and told by
    # which algorithm
    answer = api.post("/match/default?algorithm=logic-v2", json=YENTE_EXAMPLE).json()
    assert answer["matcher"]["name"] == "watchkeeper"
    assert answer["matcher"]["requested"] == "logic-v2"
    assert "dob_match" in listed["algorithms"][0]["docs"]["features"]
    unknown = api.post("/match/default?algorithm=magic", json=YENTE_EXAMPLE)
    assert unknown.status_code == 400 and "magic" in unknown.json()["detail"]
    config = api.post("/match/default", json=YENTE_EXAMPLE | {"config": {"nm_fuzzy": 1}})
    assert config.status_code == 400 and "nm_fuzzy" in config.json()["detail"]
    for weights, word in (
        ({"shoe_size_mismatch": 1.0}, "shoe_size_mismatch"),
        ({"dob_match": -1}, "dob_match"),
        ({"country_mismatch": 0.5}, "country_mismatch"),  # logic-v2's is a penalty, < 0
    ):
        refused = api.post("/match/default", json=YENTE_EXAMPLE | {"weights": weights})
        assert refused.status_code == 400 and word in refused.json()["detail"], weights

    # weights are logic-v2's where the feature is logic-v2's: a different birth year weighs
    # against (-0.15 in logic-v2), not at all with 0, twice as much with -0.3
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
        answer = api.post("/match/default", json=body, params={"cutoff": 0.1}).json()
        result = answer["responses"]["q"]["results"][0]
        assert result["id"] == "rotenberg" and result["features"]["dob_year_disjoint"] == 1.0
        return float(result["score"])

    assert (
        top_score({"dob_year_disjoint": 0.0})
        > top_score({})
        > top_score({"dob_year_disjoint": -0.3})
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


def test_dataset_scope_retrieves_within_the_dataset(home: Path) -> None:
    """Two Korean names in the UN list with limit=1: the best UN entry, not nothing (the
    scope restricts retrieval, not a top 2 x limit taken from everything). Not 'KIM CHOL'
    alone: that is another person than KIM CHOL SAM (Korean names of different lengths
    are different names, tests/screening)."""
    api = client(home)
    names = ["KIM CHOL NAM", "KIM CHOL SAM"]
    body = {"queries": {"k": {"schema": "Person", "properties": {"name": names}}}}
    found = api.post("/match/un_sc_sanctions?limit=1", json=body).json()["responses"]["k"]
    assert len(found["results"]) == 1 and found["results"][0]["score"] >= 0.89
    assert found["results"][0]["list_ids"][0].startswith("UN:KP")
    assert found["total"]["value"] >= 2  # the other matches are counted, not shown
    assert api.post("/match/un_sc_sanction", json=body).status_code == 404  # a typo


def test_new_routes_show_nothing_of_what_the_caller_may_not_see(home: Path) -> None:
    """The notes dataset (AMBER, for kr-nis) does not exist for jp-mofa: not in the
    catalog, facets, counts, adjacency or errors; it answers as a dataset that is not."""
    api = client(home, "key-kr=kr-nis,key-jp=jp-mofa")
    kr = {"Authorization": "ApiKey key-kr"}
    jp = {"Authorization": "ApiKey key-jp"}
    assert "notes" in [d["name"] for d in api.get("/catalog", headers=kr).json()["datasets"]]
    catalog = api.get("/catalog", headers=jp)
    assert "notes" not in catalog.text and "GHOST" not in catalog.text
    assert catalog.headers["etag"] != api.get("/catalog", headers=kr).headers["etag"]
    for path in ("/search/notes", "/search/nowhere"):
        assert api.get(path, headers=kr).status_code == (200 if path == "/search/notes" else 404)
    hidden = api.get("/search/notes", headers=jp)
    missing = api.get("/search/nowhere", headers=jp)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"].replace("notes", "X") == missing.json()["detail"].replace(
        "nowhere", "X"
    )
    body = {"queries": {"v": {"schema": "Vessel", "properties": {"name": ["GHOST TRADER"]}}}}
    assert api.post("/match/notes", json=body, headers=jp).status_code == 404
    assert api.post("/match/notes", json=body, headers=kr).json()["responses"]["v"]["results"]
    every = api.get("/search/default", params={"facets": ["datasets", "schema"]}, headers=jp)
    names = [v["name"] for v in every.json()["facets"]["datasets"]["values"]]
    assert "notes" not in names
    kr_every = api.get("/search/default", params={"facets": ["schema"]}, headers=kr).json()
    jp_vessels = {v["name"]: v["count"] for v in every.json()["facets"]["schema"]["values"]}
    kr_vessels = {v["name"]: v["count"] for v in kr_every["facets"]["schema"]["values"]}
    assert kr_vessels.get("Vessel", 0) == jp_vessels.get("Vessel", 0) + 1
    assert kr_every["total"]["value"] == every.json()["total"]["value"] + 1
    for path in ("/entities/ghost/adjacent", "/entities/ghost/adjacent/sanctions"):
        assert api.get(path, headers=jp).status_code == 404
        assert api.get(path, headers=kr).status_code == 200
    excluded = api.post(
        "/match/default", json=body, params={"exclude_entity_ids": ["ghost"]}, headers=jp
    )
    assert excluded.json()["responses"]["v"]["results"] == []


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


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def _serve(
    home: Path, port: int, workers: int = 1, extra: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    env = {**os.environ, "WATCHKEEPER_HOME": str(home), **(extra or {})}
    cmd = [sys.executable, "-m", "watchkeeper.cli", "serve", "--port", str(port)]
    # the log goes to a file: a pipe nobody reads would fill up and stop the server
    log = (home.parent / f"serve-{port}.log").open("w")
    proc = subprocess.Popen(
        [*cmd, "--workers", str(workers)], env=env, stdout=log, stderr=log, text=True
    )
    for _ in range(240):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.25)
    proc.kill()
    raise AssertionError(f"serve did not start: {(home.parent / f'serve-{port}.log').read_text()}")


@pytest.mark.postgres
def test_two_workers_on_postgresql_each_have_their_own_connections(
    pg_url: str, tmp_path: Path
) -> None:
    """Workers forked from one server must not share the parent's pooled connections
    (two processes on one PostgreSQL connection answer 500s: "portal does not exist")."""
    from concurrent.futures import ThreadPoolExecutor

    home = tmp_path / "home"
    env = {"WATCHKEEPER_HOME": str(home), "WATCHKEEPER_DATABASE_URL": pg_url}
    store = open_store(load_settings(env))
    run_import(store, "un-xml", UN_XML)
    store.close()
    port = _free_port()
    proc = _serve(home, port, workers=2, extra={"WATCHKEEPER_DATABASE_URL": pg_url})
    base = f"http://127.0.0.1:{port}"
    body = {"queries": {"q": {"schema": "Person", "properties": {"name": ["Ri Pyong Chol"]}}}}

    def ask(i: int) -> int:
        if i % 3 == 0:
            return httpx.post(f"{base}/match/default", json=body, timeout=120).status_code
        if i % 3 == 1:
            return httpx.get(f"{base}/search/default", params={"q": "ri"}, timeout=120).status_code
        return httpx.get(f"{base}/entities/unsc-kpi-076", timeout=120).status_code

    try:
        with ThreadPoolExecutor(12) as pool:
            codes = list(pool.map(ask, range(60)))
    finally:
        proc.terminate()
        proc.wait(30)
    assert codes == [200] * 60


def test_a_second_server_on_the_port_fails_with_one_line(home: Path, tmp_path: Path) -> None:
    """Two servers over two workspaces must not share a port (and alternate answers)."""
    port = _free_port()
    first = _serve(home, port, workers=2)
    try:
        other = tmp_path / "other"
        env = {**os.environ, "WATCHKEEPER_HOME": str(other)}
        cmd = [sys.executable, "-m", "watchkeeper.cli", "serve", "--port", str(port)]
        second = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        assert second.returncode == 2
        assert second.stderr.strip().count("\n") == 0
        assert f"cannot listen on 127.0.0.1:{port}" in second.stderr
        assert not other.exists()  # it failed before opening a workspace
        body = {"queries": {"q": {"schema": "Person", "properties": {"name": ["Ri Pyong Chol"]}}}}
        for _ in range(6):  # every answer from the first server's workspace
            answer = httpx.post(f"http://127.0.0.1:{port}/match/default", json=body, timeout=30)
            assert answer.json()["responses"]["q"]["results"][0]["list_ids"] == ["UN:KPi.076"]
    finally:
        first.terminate()
        first.wait(30)


def test_a_long_request_neither_starves_others_nor_delays_sigterm(home: Path) -> None:
    """One worker; a long batch (1,000 names) is answered, a health check sent
    while it runs comes back before it, and SIGTERM in the middle of it stops the server
    (within the grace period, bounded here only by the wait)."""
    from concurrent.futures import ThreadPoolExecutor

    port = _free_port()
    proc = _serve(home, port)
    try:
        # 1,000 Korean names that share syllables with many listed ones (seconds of work;
        # names with digits are cheap since names are cleaned, and were done too soon)
        syllables = ["CHOL", "SONG", "YONG", "MIN", "HYOK", "NAM", "SU", "IL", "HO", "JIN"]
        families = ["KIM", "RI", "PAK", "CHOE", "JANG", "HAN", "JO", "KANG", "O", "SIN"]
        names = [f"{f} {a} {b}" for f in families for a in syllables for b in syllables]
        queries = {
            f"q{i}": {"schema": "Person", "properties": {"name": names[i * 10 : i * 10 + 10]}}
            for i in range(100)
        }
        finished: list[str] = []
        with ThreadPoolExecutor(2) as pool:

            def heavy() -> int:
                url = f"http://127.0.0.1:{port}/match/default"
                code = httpx.post(url, json={"queries": queries}, timeout=300).status_code
                finished.append("heavy")
                return code

            def light() -> int:
                code = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=300).status_code
                finished.append("light")
                return code

            heavy_done = pool.submit(heavy)
            time.sleep(0.5)
            assert pool.submit(light).result() == 200
            assert heavy_done.result() == 200
        assert finished == ["light", "heavy"]
        stopping = ThreadPoolExecutor(1)
        in_flight = stopping.submit(
            lambda: httpx.post(
                f"http://127.0.0.1:{port}/match/default", json={"queries": queries}, timeout=300
            )
        )
        time.sleep(0.5)
        proc.terminate()
        proc.wait(30)
        with __import__("contextlib").suppress(httpx.HTTPError):
            in_flight.result()
        stopping.shutdown()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0


def test_a_server_during_an_import_answers_from_the_last_commit(tmp_path: Path) -> None:
    """`import` of the UN list while clients ask: every answer is a JSON 200 from what
    was committed (no 'database is locked', no plain-text 500), and the new list is
    served once the import is done."""
    home = tmp_path / "home"
    store = open_store(load_settings({"WATCHKEEPER_HOME": str(home)}))
    write(
        store,
        [entity("Company", "sgm", "lists", name="STROYGAZMONTAZH")],
        source("lists", "2024-05-01"),
    )
    store.close()
    port = _free_port()
    proc = _serve(home, port)
    env = {**os.environ, "WATCHKEEPER_HOME": str(home)}
    importing = subprocess.Popen(
        [sys.executable, "-m", "watchkeeper.cli", "import", "un-xml", str(UN_XML)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    body = {"queries": {"q": {"schema": "Company", "properties": {"name": ["Stroygazmontazh"]}}}}
    answers: list[tuple[int, str]] = []
    try:
        while importing.poll() is None:
            for response in (
                httpx.post(f"{base}/match/default", json=body, timeout=60),
                httpx.get(f"{base}/search/default", params={"q": "stroygazmontazh"}, timeout=60),
                httpx.get(f"{base}/entities/sgm", timeout=60),
                httpx.get(f"{base}/catalog", timeout=60),
            ):
                answers.append((response.status_code, response.headers["content-type"]))
        assert importing.returncode == 0, importing.stderr.read() if importing.stderr else ""
        assert len(answers) >= 4
        assert set(answers) == {(200, "application/json")}
        # the server moves on to the new state by itself (within its recheck period)
        un = {"queries": {"q": {"schema": "Person", "properties": {"name": ["Ri Pyong Chol"]}}}}
        for _ in range(240):
            found = httpx.post(f"{base}/match/un_sc_sanctions", json=un, timeout=60)
            if found.status_code == 200 and found.json()["responses"]["q"]["results"]:
                break
            assert found.status_code in (200, 404)  # 404: the dataset is not served yet
            time.sleep(0.5)
        else:
            raise AssertionError("the imported list was never served")
    finally:
        proc.terminate()
        proc.wait(30)


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
    # never hidden: shown with the decision (bound to the query id alone: no record sent)
    assert hits(kr) == ["ghost"]
    found = api.post("/match/default", json=body, headers=kr).json()
    assert (
        "review: dismissed by analyst-3"
        in found["responses"]["cust-7"]["results"][0]["explanation"]
    )
    listed = api.get("/decisions", headers=kr).json()["decisions"]
    assert [(d["query_id"], d["entity_id"], d["decision"], d["record_hash"]) for d in listed] == [
        ("cust-7", "ghost", "dismissed", "")
    ]
    # with the record screened, as sent to /match, the decision is bound to it and holds
    bound = api.post(
        "/decisions", json=decision | {"query": body["queries"]["cust-7"]}, headers=kr
    ).json()
    assert bound["record_hash"] and bound["score"] is not None and bound["release"]
    found = api.post("/match/default", json=body, headers=kr).json()
    assert (
        "(same record, candidate unchanged)"
        in found["responses"]["cust-7"]["results"][0]["explanation"]
    )
    assert len(api.get("/decisions", headers=kr).json()["decisions"]) == 2  # appended
    # another organisation has no decisions, and may not decide on what it may not see:
    # the answer is the one for an id that does not exist
    assert api.get("/decisions", headers=jp).json()["decisions"] == []
    hidden = api.post("/decisions", json=decision, headers=jp)
    missing = api.post("/decisions", json=decision | {"entity_id": "no-such"}, headers=jp)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"].replace("ghost", "X") == missing.json()["detail"].replace(
        "no-such", "X"
    )
    # bad decisions are one-line 400s; an over-long value is a 422 that does not echo it
    for bad in ({"decision": "maybe"}, {"reason": "  "}):
        response = api.post("/decisions", json=decision | bad, headers=kr)
        assert response.status_code == 400 and "\n" not in response.json()["detail"], bad
    too_long = api.post("/decisions", json=decision | {"reason": "x" * 10_000}, headers=kr)
    assert too_long.status_code == 422 and "x" * 100 not in too_long.text


def _run(coroutine: Any) -> Any:
    """``asyncio.run`` in a thread of its own: a browser test earlier in the same worker
    (Playwright's sync API) may leave this thread's event loop marked as running."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_a_server_warms_up_before_it_serves(home: Path) -> None:
    """``serve`` loads the name-analysis tables and each open viewer's state before it
    forks (``Service.warm_up``), and each worker asks every screening route once before
    it accepts a connection (``server.warm_routes``): all of them answer, and nothing is
    written."""

    from watchkeeper.screening.score import analyse_listed
    from watchkeeper.web.server import WARM_UP_REQUESTS, warm_routes

    app = create_app(load_settings({"WATCHKEEPER_HOME": str(home)}))
    service = app.state.service
    before = service.store.version()
    service.warm_up()
    viewer = service.viewer(None)
    assert viewer in service._readers and viewer in service._screeners
    kept = service._screeners[viewer][2]
    assert _run(warm_routes(app)) == [200] * len(WARM_UP_REQUESTS)
    assert service._screeners[viewer][2] is kept  # the requests used what was warmed
    assert service.store.version() == before
    listed = sum(len(e.names) for e in service.index.entities)
    assert analyse_listed(service.index) == listed > 0  # the readings a worker inherits
    assert analyse_listed(service.index, most=listed - 1) == 0  # past the cache's size
    # with API keys, the keys' organisations are warmed (the warm-up requests are refused)
    keyed = create_app(
        load_settings({"WATCHKEEPER_HOME": str(home), "WATCHKEEPER_API_KEYS": "k=kr-nis,x=nobody"})
    )
    keyed.state.service.warm_up()
    assert [v.organisation for v in keyed.state.service._readers] == ["kr-nis"]
    assert _run(warm_routes(keyed))[1:] == [401] * (len(WARM_UP_REQUESTS) - 1)


def test_after_an_import_a_server_loads_the_saved_index_and_facts(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The importing process saves the index and the facts of the new version; a running
    server loads both (``Service._saved``) rather than building the facts, seconds of
    its CPU while it answers, and answers from them."""
    from watchkeeper.screening.filters import Facts

    app = create_app(load_settings({"WATCHKEEPER_HOME": str(home)}))
    service = app.state.service
    run_cli(home, "import", "ofac-csv", str(OFAC_CSV))

    def no_build(*_args: object) -> Facts:
        raise AssertionError("the facts were built, not loaded")

    monkeypatch.setattr(Facts, "build", no_build)
    version = service.store.version()
    found = service._saved(version)
    assert found is not None
    index, facts = found
    assert index.version == facts.version == version
    service.state = found
    api = TestClient(app)
    answer = api.get("/search/us_ofac_sdn", params={"q": "korea", "limit": 1}).json()
    assert answer["total"]["value"] > 0 and answer["facets"]["datasets"]["values"]


def test_a_kept_match_answer_is_the_callers_own(home: Path) -> None:
    """/match answers are kept per caller's read state (``Caller.answer``): the same body
    from an organisation that may not see the hit gets its own answer, before and after
    one that may, and a retraction made elsewhere is followed at the next request."""
    api = client(home, "key-kr=kr-nis,key-jp=jp-mofa")
    kr = {"Authorization": "ApiKey key-kr"}
    jp = {"Authorization": "ApiKey key-jp"}
    body = {"queries": {"q": {"schema": "Vessel", "properties": {"name": ["GHOST TRADER"]}}}}

    def hits(headers: dict[str, str]) -> list[str]:
        found = api.post("/match/default", json=body, headers=headers)
        assert found.headers["x-batch-size"] == "1"
        return [r["id"] for r in found.json()["responses"]["q"]["results"]]

    assert hits(kr) == hits(kr) == ["ghost"]  # the second one kept
    assert hits(jp) == []
    assert hits(kr) == ["ghost"]
    assert hits(jp) == []
    # retracted by another process: gone from the next answer, kept or not
    public = {"queries": {"q": {"schema": "Company", "properties": {"name": ["Stroygazmontazh"]}}}}
    asked = [api.post("/match/default", json=public, headers=h) for h in (kr, kr, jp)]
    assert [[r["id"] for r in a.json()["responses"]["q"]["results"]] for a in asked] == [
        ["sgm"]
    ] * 3
    run_cli(home, "retract", "--entity", "sgm", "--reason", "x")
    for headers in (kr, jp):
        again = api.post("/match/default", json=public, headers=headers).json()
        assert again["responses"]["q"]["results"] == []
