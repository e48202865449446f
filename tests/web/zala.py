"""A workspace holding yente's zala fixture, as a user imports it, for the yente tests.

`watchkeeper import ftm entities.ftm.json --dataset zala`, with nothing else: the
fixture's own datasets (us_ofac_sdn, eu_fsf...) are kept as it gives them.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from followthemoney import model
from followthemoney.dataset.util import dataset_name_check

from tests.conftest import SHARED
from watchkeeper.importers import Options, run_import
from watchkeeper.screening.index import load_or_build
from watchkeeper.settings import load_settings
from watchkeeper.store import open_store
from watchkeeper.web.app import create_app

ZALA = SHARED / "data/sanctions/yente-screening-fixtures/zala/entities.ftm.json"
ZAKHAROV = "NK-aU5ybkbRFJucf8YMwsJvDw"
QUERY_ZAKHAROV = {
    "schema": "Person",
    "properties": {
        "name": ["Alexander Vyacheslavovich ZAKHAROV"],
        "birthDate": ["1965"],
        "country": "Russia",
    },
}


def make_home(home: Path) -> Path:
    settings = load_settings({"WATCHKEEPER_HOME": str(home)})
    store = open_store(settings)
    run_import(store, "ftm", ZALA, Options(dataset="zala"))
    load_or_build(store, settings.cache_dir)
    store.close()
    return home


def client(home: Path, **env: str) -> TestClient:
    return TestClient(create_app(load_settings({"WATCHKEEPER_HOME": str(home), **env})))


REQUIRED_ENTITY_KEYS = {
    "id",
    "caption",
    "schema",
    "properties",
    "datasets",
    "referents",
    "target",
    "first_seen",
    "last_seen",
    "last_change",
}
ISO_SECONDS_NO_TZ = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")


def assert_entity_shape(data: dict[str, Any]) -> None:
    """The wire shape yente's tests pin for every entity in a response."""
    assert not REQUIRED_ENTITY_KEYS - data.keys(), sorted(data)
    assert isinstance(data["id"], str) and data["id"]
    assert isinstance(data["caption"], str) and data["caption"]
    assert data["schema"] in model.schemata
    assert isinstance(data["properties"], dict)
    for prop, values in data["properties"].items():
        assert isinstance(values, list), prop
        for value in values:
            if isinstance(value, dict):
                assert_entity_shape(value)
            else:
                assert isinstance(value, str), (prop, value)
    for name in data["datasets"]:
        dataset_name_check(name)
    assert all(isinstance(r, str) for r in data["referents"])
    assert isinstance(data["target"], bool)
    for key in ("first_seen", "last_seen", "last_change"):
        if data[key] is not None:
            assert ISO_SECONDS_NO_TZ.match(data[key]), data[key]
            assert datetime.fromisoformat(data[key]).isoformat() == data[key]
