"""yente's own OpenAPI schema against `watchkeeper serve`: every route both serve, with
requests generated from yente's schema (schemathesis), each answer checked against
yente's description of it. One command: `make bench-api-yente-schema`.

yente is installed from PyPI into its own virtualenv (bench/api/.venv, by the make
target): it brings Elasticsearch and OpenSearch clients, which are no dependency of
Watchkeeper's. This script runs in that virtualenv and drives Watchkeeper's own
(the repository's .venv) over a workspace holding yente's zala fixture.

Checked for every answer: no server error, the content type yente documents, the body
against yente's response schema. Reported beside them: status codes yente's schema does
not list (yente itself answers 404 for an unknown dataset and 422 for a bad parameter
without listing every case; ours are the same, plus 413/414 for over-limit requests).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.openapi import from_dict

ROOT = Path(__file__).resolve().parents[2]
ZALA = ROOT.parent / "shared/data/sanctions/yente-screening-fixtures/zala/entities.ftm.json"
OURS = [str(ROOT / ".venv/bin/python"), "-m", "watchkeeper.cli"]
SERVED = (
    "/match/{dataset}",
    "/search/{dataset}",
    "/entities/{entity_id}",
    "/entities/{entity_id}/adjacent",
    "/entities/{entity_id}/adjacent/{property_name}",
    "/healthz",
    "/readyz",
    "/catalog",
    "/algorithms",
)
RESULTS = ROOT / "bench/results/yente_schema.json"
EXAMPLES = int(os.environ.get("YENTE_SCHEMA_EXAMPLES", "100"))


def yente_schema() -> dict[str, Any]:
    from yente.app import create_app

    raw: dict[str, Any] = create_app().openapi()
    raw["paths"] = {p: v for p, v in raw["paths"].items() if p in SERVED}
    return raw


def serve(home: Path) -> tuple[subprocess.Popen[bytes], str]:
    env = {**os.environ, "WATCHKEEPER_HOME": str(home)}
    subprocess.run([*OURS, "import", "ftm", str(ZALA), "--dataset", "zala"], env=env, check=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([*OURS, "serve", "--port", str(port)], env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.25)
    proc.kill()
    raise SystemExit("watchkeeper serve did not start")


def _drive(
    strategy: Any,
    base: str,
    checks: list[Any],
    statuses: dict[int, int],
    failures: list[str],
) -> None:
    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        response = case.call(base_url=base)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        try:
            case.validate_response(response, checks=checks)
        except BaseException as exc:  # keep going: every operation is reported
            failures.append(str(exc)[:1500])

    check()


ZAKHAROV = "NK-aU5ybkbRFJucf8YMwsJvDw"
QUERY = {"schema": "Person", "properties": {"name": ["Alexander Zakharov"], "birthDate": ["1965"]}}
# Requests that succeed, so that yente's schema of each 200 answer is checked too.
REAL: dict[str, list[dict[str, Any]]] = {
    "POST /match/{dataset}": [
        {"path_parameters": {"dataset": "zala"}, "body": {"queries": {"q": QUERY}}},
        {
            "path_parameters": {"dataset": "default"},
            "query": {"limit": 20, "cutoff": 0.1},
            "body": {"queries": {"a": QUERY, "b": {**QUERY, "id": "b"}}},
        },
        {"path_parameters": {"dataset": "us_ofac_sdn"}, "body": {"queries": {"q": QUERY}}},
    ],
    "GET /search/{dataset}": [
        {"path_parameters": {"dataset": "zala"}, "query": {"q": "zakharov"}},
        {"path_parameters": {"dataset": "zala"}, "query": {"facets": ["schema", "genders"]}},
        {"path_parameters": {"dataset": "default"}, "query": {"q": "moscow", "limit": 50}},
    ],
    "GET /entities/{entity_id}": [
        {"path_parameters": {"entity_id": ZAKHAROV}},
        {"path_parameters": {"entity_id": ZAKHAROV}, "query": {"nested": False}},
    ],
    "GET /entities/{entity_id}/adjacent": [{"path_parameters": {"entity_id": ZAKHAROV}}],
    "GET /entities/{entity_id}/adjacent/{property_name}": [
        {"path_parameters": {"entity_id": ZAKHAROV, "property_name": "sanctions"}},
        {"path_parameters": {"entity_id": ZAKHAROV, "property_name": "ownershipOwner"}},
    ],
}


def run(base: str) -> dict[str, Any]:
    schema = from_dict(yente_schema())
    checks = [
        schemathesis.checks.not_a_server_error,
        schemathesis.checks.content_type_conformance,
        schemathesis.checks.response_schema_conformance,
    ]
    report: dict[str, Any] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        statuses: dict[int, int] = {}
        failures: list[str] = []

        _drive(operation.as_strategy(), base, checks, statuses, failures)
        for kwargs in REAL.get(operation.label, []):
            case = operation.Case(**kwargs)
            response = case.call(base_url=base)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code != 200:
                failures.append(f"{operation.label} {kwargs}: {response.status_code}")
            try:
                case.validate_response(response, checks=checks)
            except BaseException as exc:
                failures.append(str(exc)[:1500])
        documented = {str(code) for code in operation.definition.raw.get("responses", {})}
        report[operation.label] = {
            "requests": sum(statuses.values()),
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "violations": failures[:5],
            "violation_count": len(failures),
            "statuses_yente_does_not_list": sorted(
                str(s) for s in statuses if str(s) not in documented and s != 422
            ),
        }
    return report


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="wk-yente-schema-") as folder:
        proc, base = serve(Path(folder) / "home")
        try:
            report = run(base)
        finally:
            proc.terminate()
            proc.wait(30)
    import yente

    out = {
        "date": date.today().isoformat(),
        "yente": getattr(yente, "__version__", "5.5.0"),
        "schemathesis": schemathesis.__version__,
        "examples_per_route": EXAMPLES,
        "violations": sum(r["violation_count"] for r in report.values()),
        "routes": report,
    }
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))
    sys.exit(1 if out["violations"] else 0)


if __name__ == "__main__":
    main()
