"""yente's published client (the `yente-client` package) against `watchkeeper serve`, as a
compliance team would point it: only the URL changes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from yente_client import AuthenticationError, Client, NotFoundError, Person

from tests.web.zala import ZAKHAROV, make_home
from watchkeeper.store import open_store


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = make_home(tmp_path_factory.mktemp("zala"))
    store = open_store(f"sqlite:///{home / 'watchkeeper.db'}")
    store.add_organisation("compliance", "GBR")
    store.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "WATCHKEEPER_HOME": str(home),
        "WATCHKEEPER_API_KEYS": "secret-key=compliance",
    }
    cmd = [sys.executable, "-m", "watchkeeper.cli", "serve", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.25)
        yield url
    finally:
        proc.terminate()
        proc.wait(30)


@pytest.fixture(scope="module")
def yente(base_url: str) -> Iterator[Client]:
    with Client(api_key="secret-key", base_url=base_url) as client:
        yield client


def test_health_and_readiness(yente: Client) -> None:
    assert yente.healthz().status == "ok"
    assert yente.readyz().status == "ok"


def test_catalog(yente: Client) -> None:
    datasets = yente.datasets()
    assert "zala" in datasets.current
    zala = next(d for d in datasets.datasets if d.name == "zala")
    assert zala.load and zala.index_current
    # the client revalidates with the ETag: a second call is answered by a 304
    assert yente.datasets().current == datasets.current


def test_match(yente: Client) -> None:
    query = Person(
        name=["Alexander Vyacheslavovich ZAKHAROV"], birthDate=["1965"], country=["Russia"]
    )
    found = yente.match(query, datasets=["zala"])
    assert found.top is not None and found.top.id == ZAKHAROV
    assert found.top.match and found.top.explanations["name_match"].score > 0.7
    assert found.total.value >= 1 and found.query["properties"]["country"] == ["ru"]
    assert found.top.first_seen is not None and found.top.referents
    nobody = yente.match(Person(name=["John Smith"]), datasets=["zala"])
    assert nobody.results == [] and nobody.total.value == 0
    filtered = yente.match(query, datasets=["zala"], exclude_entities=["ofac-45937"])
    assert filtered.results == []
    with pytest.raises(NotFoundError):  # a typo in a dataset is no clean screening
        yente.match(query, datasets=["banana"])


def test_search(yente: Client) -> None:
    found = yente.search("alexander zakharov", datasets=["zala"], facets=["countries", "schema"])
    assert found.results[0].id == ZAKHAROV
    assert "ru" in [v.name for v in found.facets["countries"].values]
    assert found.total.value >= 1
    none = yente.search("alexander zakharov", datasets=["zala"], countries=["ke"])
    assert none.results == []


def test_fetch(yente: Client) -> None:
    entity = yente.fetch(ZAKHAROV)
    assert entity.id == ZAKHAROV and entity.schema_ == "Person"
    sanctions = entity.properties["sanctions"]
    assert sanctions and not isinstance(sanctions[0], str) and sanctions[0].schema_ == "Sanction"
    # a referent is followed to its canonical entity (308)
    assert yente.fetch("ofac-45937").id == ZAKHAROV
    flat = yente.fetch(ZAKHAROV, nested=False)
    assert all(isinstance(v, str) for values in flat.properties.values() for v in values)
    with pytest.raises(NotFoundError):
        yente.fetch("banana")


def test_adjacent(yente: Client) -> None:
    everything = yente.adjacent(ZAKHAROV, limit=2)
    assert everything.entity.id == ZAKHAROV
    assert everything.adjacent["sanctions"].total.value == 13
    assert len(everything.adjacent["sanctions"].results) == 2
    owned = yente.adjacent(ZAKHAROV, prop="ownershipOwner", limit=1, offset=1)
    assert owned.total.value == 10 and owned.offset == 1 and len(owned.results) == 1


def test_algorithms(yente: Client) -> None:
    listed = yente.algorithms()
    assert listed.best == "watchkeeper"
    assert listed.algorithms[0].docs is not None


def test_a_wrong_key_is_refused(base_url: str) -> None:
    with Client(api_key="wrong", base_url=base_url) as client, pytest.raises(AuthenticationError):
        client.datasets()


def test_the_served_schema_is_described(base_url: str) -> None:
    schema = httpx.get(f"{base_url}/openapi.json").json()
    match = schema["paths"]["/match/{dataset}"]["post"]["responses"]["200"]
    assert match["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/EntityMatchResponse"
    }
