"""The API against its own OpenAPI schema (schemathesis): every route, generated
requests valid and invalid, each answer checked against the schema — status codes,
content types, headers, response bodies — and never a server error. On the zala
fixture. (schemathesis' pytest plugin does not run under pytest 9, so the operations
are driven through hypothesis directly.)"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.openapi import from_asgi

from tests.web.zala import make_home
from watchkeeper.settings import load_settings
from watchkeeper.web.app import create_app

EXAMPLES = 25


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> schemathesis.BaseSchema:
    home: Path = make_home(tmp_path_factory.mktemp("zala"))
    app = create_app(load_settings({"WATCHKEEPER_HOME": str(home)}))
    return from_asgi("/openapi.json", app)


def _check(strategy: object, excluded: list[object]) -> None:
    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(excluded_checks=excluded)

    check()


def test_every_answer_is_as_the_schema_says(api_schema: schemathesis.BaseSchema) -> None:
    failures: dict[str, str] = {}
    labels = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if operation.path.startswith("/api/"):
            continue  # the workbench's JSON API, behind a login: tests/web/test_schemathesis.py
        labels.append(operation.label)
        # Not checked: that every request the schema allows is accepted. Some are refused
        # for what a schema cannot say: an FtM schema name that does not exist, a query
        # with no name to match on, a decision on no real hit (400 or 404, one line).
        excluded: list[object] = [schemathesis.checks.positive_data_acceptance]

        try:
            _check(operation.as_strategy(), excluded)
        except BaseException as exc:  # collect every operation's failure, then report all
            if isinstance(exc, KeyboardInterrupt):
                raise
            failures[operation.label] = str(exc)[:2000]
    assert "POST /match/{dataset}" in labels and "GET /catalog" in labels
    assert failures == {}
