"""CPU time per request of a real server: one ``watchkeeper serve`` worker, asked one
request at a time over one keep-alive connection; the worker's user + system time read
from /proc before and after each endpoint's run (Linux only).

    WATCHKEEPER_HOME=... python bench/web/server_cpu.py [--port 18940] [--repeat 300]

Unlike ``cpu.py`` (the app in process, through a test client), this counts what the
server itself spends: uvicorn, its event loop and HTTP parser, and the app. The paths are
``cpu.py``'s pages, with an API token of ``analyst``; each is asked once before timing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import time

from watchkeeper.settings import load_settings
from watchkeeper.store import open_store
from watchkeeper.store.accounts import Accounts

PATHS = {
    "entity page": [
        "/entity/wk-vessel-angara",
        "/entity/wk-person-kim-jong-un",
        "/entity/wk-vessel-maia-1",
        "/entity/wk-person-shoigu",
    ],
    "search": ["/search?q=kim%20jong%20un", "/search?q=angara"],
    "suggest": ["/suggest?q=kim", "/suggest?q=ang"],
    "track": ["/api/entities/wk-vessel-angara/track", "/api/map/tracks"],
    "network": ["/api/network/wk-vessel-angara", "/api/network/wk-vessel-maia-1?hops=2"],
}


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=18940)
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    token = Accounts(open_store(load_settings())).create_token("analyst", "bench-server-cpu")
    server = subprocess.Popen(
        [sys.executable, "-m", "watchkeeper.cli", "serve", "--port", str(args.port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        conn = http.client.HTTPConnection("127.0.0.1", args.port)
        for _ in range(240):  # the server loads the screening index first
            try:
                conn.request("GET", "/login")
                conn.getresponse().read()
                break
            except OSError:
                conn.close()
                time.sleep(0.5)
        headers = {"Authorization": f"Bearer {token}", "Accept": "text/html"}
        out: dict[str, float] = {}
        for name, paths in PATHS.items():
            for path in paths:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                assert response.status == 200, (path, response.status)
            started = _cpu_seconds(server.pid)
            for i in range(args.repeat):
                conn.request("GET", paths[i % len(paths)], headers=headers)
                conn.getresponse().read()
            out[name] = round((_cpu_seconds(server.pid) - started) * 1000 / args.repeat, 2)
        print(json.dumps(out, indent=1))
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
