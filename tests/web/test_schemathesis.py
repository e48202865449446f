"""schemathesis against the app's OpenAPI schema: no request it generates makes a server
error, and the workbench's JSON API answers what its response schemas describe."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from watchkeeper.settings import Settings
from watchkeeper.store import open_store
from watchkeeper.store.accounts import Accounts
from watchkeeper.web.app import create_app

EXAMPLES = 25


def test_no_server_error_and_responses_as_described(shared: Settings) -> None:
    store = open_store(shared)
    token = Accounts(store).create_token("kr-liaison", "schemathesis")
    store.close()
    app = create_app(shared)
    schema = schemathesis.openapi.from_dict(app.openapi())
    schema.app = app
    headers = {"Authorization": f"Bearer {token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    paths = {op.path for op in operations}
    assert {
        "/api/search",
        "/api/entities/{entity_id}",
        "/api/map/{layer}",
        "/match/{dataset}",
    } <= paths
    for operation in operations:
        if operation.path.startswith("/api/"):
            checks = [not_a_server_error, response_schema_conformance, content_type_conformance]
        else:  # the screening API's routes (the yente branch describes their responses)
            checks = [not_a_server_error]
        # every response of the workbench's API is described by a model
        responses = operation.definition.raw.get("responses", {})
        if operation.path.startswith("/api/"):
            body = responses["200"]["content"]["application/json"]["schema"]
            assert body.get("$ref") or body.get("properties"), operation.path

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=checks)  # noqa: B023

        run()
