"""The service as yente's own API tests (tests/test_app.py, test_base.py) check it:
health, readiness, catalog, algorithms, content types, URL and body bounds."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.web.zala import QUERY_ZAKHAROV, client, make_home
from watchkeeper.web import limits

EXAMPLE = {"schema": "Person", "properties": {"name": ["Vladimir Putin"]}}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_home(tmp_path_factory.mktemp("zala"))


@pytest.fixture(scope="module")
def api(home: Path) -> Iterator[TestClient]:
    with client(home) as test_client:
        yield test_client


def test_healthz_and_readyz(api: TestClient) -> None:
    assert api.get("/healthz").json() == {"status": "ok"}
    assert api.get("/readyz").json() == {"status": "ok"}


def test_catalog(api: TestClient) -> None:
    response = api.get("/catalog")
    assert response.status_code == 200
    data = response.json()
    datasets = {d["name"]: d for d in data["datasets"]}
    assert "zala" in data["current"] and datasets["zala"]["load"] is True
    assert datasets["zala"]["index_current"] is True
    assert datasets["zala"]["thing_count"] == 28  # 6 people, 11 companies, 11 addresses
    # the datasets the export named are scopes too
    assert "us_ofac_sdn" in datasets and 0 < datasets["us_ofac_sdn"]["thing_count"] < 28
    assert "zala" in datasets["default"]["children"] and datasets["default"]["load"] is False


def test_catalog_etag(api: TestClient) -> None:
    first = api.get("/catalog")
    etag = first.headers["etag"]
    assert first.headers["cache-control"].endswith("max-age=300")
    same = api.get("/catalog", headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.headers["etag"] == etag and same.content == b""
    stale = api.get("/catalog", headers={"If-None-Match": '"stale"'})
    assert stale.status_code == 200 and stale.headers["etag"] == etag
    assert api.get("/catalog", headers={"If-None-Match": "*"}).status_code == 304


def test_algorithms_in_yente_shape(api: TestClient) -> None:
    data = api.get("/algorithms").json()
    assert data["default"] == data["best"] == "watchkeeper"
    algorithm = data["algorithms"][0]
    assert algorithm["name"] == "watchkeeper" and "logic-v2" in algorithm["aliases"]
    docs = algorithm["docs"]
    assert docs["config"] == {} and "name_match" in docs["features"]
    feature = docs["features"]["country_mismatch"]
    assert feature["description"] and isinstance(feature["coefficient"], float) and feature["url"]


def test_match_without_content_type_header(api: TestClient) -> None:
    body = json.dumps({"queries": {"q1": EXAMPLE}})
    assert api.post("/match/zala", content=body).status_code == 200


def test_url_length_is_bounded_with_414(api: TestClient) -> None:
    long_q = "a" * (limits.MAX_URL + 100)
    refused = api.get(f"/search/zala?q={long_q}")
    assert refused.status_code == 414 and refused.json() == {"detail": "Request URI too long"}
    assert api.get("/search/zala?q=acme").status_code == 200


def test_body_size_is_bounded_with_413(api: TestClient) -> None:
    names = ["N" * 1000] * (limits.MAX_BODY // 1000 + 10)
    body = json.dumps({"queries": {"q": {"schema": "Person", "properties": {"name": names}}}})
    refused = api.post("/match/zala", content=body, headers={"content-type": "application/json"})
    assert refused.status_code == 413 and "bytes" in refused.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: refused as the body grows
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536].encode()

    streamed = api.post("/match/zala", content=chunks())
    assert streamed.status_code == 413


def test_values_names_and_queries_are_bounded(api: TestClient) -> None:
    many = {"schema": "Person", "properties": {"name": ["Ivan"] * (limits.MAX_VALUES + 1)}}
    refused = api.post("/match/zala", json={"queries": {"q": many}})
    assert refused.status_code == 422
    assert "at most" in refused.json()["detail"][0]["msg"]
    spread = {
        f"q{i}": {"schema": "Person", "properties": {"name": [f"Ivan {i} {j}" for j in range(20)]}}
        for i in range(limits.MAX_NAMES // 20 + 1)
    }
    assert len(spread) <= limits.MAX_QUERIES
    assert api.post("/match/zala", json={"queries": spread}).status_code == 422
    batch = {f"q{i}": EXAMPLE for i in range(limits.MAX_QUERIES + 1)}
    assert api.post("/match/zala", json={"queries": batch}).status_code == 400
    long_value = {"schema": "Person", "properties": {"name": ["x" * (limits.MAX_VALUE + 1)]}}
    too_long = api.post("/match/zala", json={"queries": {"q": long_value}})
    assert too_long.status_code == 422 and "x" * 100 not in too_long.text
    assert api.post("/match/zala", json={"queries": {}}).status_code == 400
    assert api.post("/match/zala?limit=501", json={"queries": {"q": EXAMPLE}}).status_code == 422


def test_gzip(api: TestClient) -> None:
    response = api.post(
        "/match/zala", json={"queries": {"q": QUERY_ZAKHAROV}}, headers={"Accept-Encoding": "gzip"}
    )
    assert response.headers["content-encoding"] == "gzip"
    assert response.json()["responses"]["q"]["results"]
    raw = api.get("/catalog", headers={"Accept-Encoding": "gzip"})
    assert raw.headers.get("content-encoding") == "gzip"
    assert gzip.compress(b"x")  # the client decompressed what it was sent


def test_cors_is_configured(home: Path) -> None:
    origin = {"Origin": "https://workbench.example", "Access-Control-Request-Method": "POST"}
    closed = client(home).options("/match/zala", headers=origin)
    assert "access-control-allow-origin" not in closed.headers
    opened = client(home, WATCHKEEPER_CORS_ORIGINS="https://workbench.example")
    allowed = opened.options("/match/zala", headers=origin)
    assert allowed.headers["access-control-allow-origin"] == "https://workbench.example"


def test_validation_errors_are_422_in_yente_shape(api: TestClient) -> None:
    malformed = api.post(
        "/match/zala", content=b"{bad json", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 422 and malformed.json()["detail"][0]["msg"]
    assert api.get("/search/zala", params={"limit": "many"}).status_code == 422
