"""CPU time per request, in process: the number a loaded, shared machine does not move.

    WATCHKEEPER_HOME=... python bench/web/cpu.py [--repeat 50] [--profile OUT.prof]

Builds the app over the workspace (``watchkeeper demo`` and ``watchkeeper user demo``
run there first; importing a list adds /match, /search and /entities material), logs in
with an API token of ``analyst``, warms each path once, then asks each path ``--repeat``
times one at a time and reports ``time.process_time()`` per request (every thread of
this process: the app's and the test client's, so a little more than the server alone).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import time
from typing import Any

from fastapi.testclient import TestClient

from watchkeeper.settings import load_settings
from watchkeeper.store.accounts import Accounts
from watchkeeper.web.app import create_app

PATHS: dict[str, list[tuple[str, str, Any]]] = {
    "entity page": [
        ("GET", "/entity/wk-vessel-angara", None),
        ("GET", "/entity/wk-person-kim-jong-un", None),
        ("GET", "/entity/wk-vessel-maia-1", None),
        ("GET", "/entity/wk-person-shoigu", None),
    ],
    "search": [("GET", "/search?q=kim%20jong%20un", None), ("GET", "/search?q=angara", None)],
    "suggest": [("GET", "/suggest?q=kim", None), ("GET", "/suggest?q=ang", None)],
    "track": [
        ("GET", "/api/entities/wk-vessel-angara/track", None),
        ("GET", "/api/map/tracks", None),
    ],
    "network": [
        ("GET", "/api/network/wk-vessel-angara", None),
        ("GET", "/api/network/wk-vessel-maia-1?hops=2", None),
    ],
    "/match": [
        (
            "POST",
            "/match/default",
            {"queries": {"q": {"schema": "Person", "properties": {"name": ["Kim Jong Un"]}}}},
        ),
        (
            "POST",
            "/match/default",
            {"queries": {"q": {"schema": "Vessel", "properties": {"name": ["Angara"]}}}},
        ),
    ],
    "/search": [("GET", "/search/default?q=kim", None), ("GET", "/search/default?q=ocean", None)],
    "/entities": [
        ("GET", "/entities/wk-person-kim-jong-un?nested=false", None),
        ("GET", "/entities/wk-vessel-angara", None),
    ],
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--profile", help="write a cProfile of the timed requests here")
    parser.add_argument("--only", help="one endpoint name")
    args = parser.parse_args()
    settings = load_settings()
    app = create_app(settings)
    token = Accounts(app.state.service.store).create_token("analyst", "bench-cpu")
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/html"}
    out: dict[str, float] = {}
    profiler = None
    with TestClient(app) as client:
        for name, paths in PATHS.items():
            if args.only and name != args.only:
                continue
            for method, path, body in paths:  # warm-up: caches filled once
                response = client.request(method, path, headers=headers, json=body)
                assert response.status_code == 200, (path, response.status_code, response.text)
            if profiler:
                profiler.enable()
            started = time.process_time()
            for i in range(args.repeat):
                method, path, body = paths[i % len(paths)]
                client.request(method, path, headers=headers, json=body)
            out[name] = round((time.process_time() - started) * 1000 / args.repeat, 2)
            if profiler:
                profiler.disable()
    if profiler and args.profile:
        profiler.dump_stats(args.profile)
    if args.profile:
        _profile_inline(app, headers, args)
    print(json.dumps(out, indent=1))


def _profile_inline(app: Any, headers: dict[str, str], args: argparse.Namespace) -> None:
    """cProfile sees one thread: run the app's sync routes inline on this one (a
    profiling aid only; the timing above runs them as the server does)."""
    import asyncio

    import fastapi.dependencies.utils
    import fastapi.routing
    import httpx

    async def inline(func: Any, *a: Any, **kw: Any) -> Any:
        return func(*a, **kw)

    fastapi.routing.run_in_threadpool = inline  # type: ignore[assignment]
    fastapi.dependencies.utils.run_in_threadpool = inline  # type: ignore[assignment]
    profiler = cProfile.Profile()

    async def go() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            for name, paths in PATHS.items():
                if args.only and name != args.only:
                    continue
                for i in range(args.repeat):
                    method, path, body = paths[i % len(paths)]
                    profiler.enable()
                    await client.request(method, path, headers=headers, json=body)
                    profiler.disable()

    asyncio.run(go())
    profiler.dump_stats(args.profile)


if __name__ == "__main__":
    main()
