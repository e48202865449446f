"""API load benchmark: 50 clients mixing /match, /search and /entities against
`watchkeeper serve --workers 2` while an import runs, plus over-limit requests, on SQLite
and PostgreSQL. One command: `make bench-api` (BENCH_ARGS="--seconds 30" for a short run).

Each engine: a fresh workspace with the real UN and OFAC lists; the server started as a
user starts it; clients (each waits ``--think`` seconds between requests, 0 for a closed
loop) ask for names and ids drawn from the lists; after a warm-up, the OFAC list is
imported again under another dataset name (264,000 statements written while the clients
ask; the run waits for it), and in the run's last third an abuser sends requests over
every bound while the clients go on. Reported:
errors (any answer but a JSON 200 to a regular request; any answer but the expected 4xx
to an over-limit one), p50/p99 latency before, during and after the import, requests
per second, and the server's memory (PSS of its processes, sampled each second).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data" / "sanctions"
UN_XML = SHARED / "un-sc-consolidated-2025-04" / "consolidated.xml"
OFAC_CSV = SHARED / "ofac-sdn-csv-2024-05" / "sdn.csv"
RESULTS = ROOT / "bench" / "results" / "api.json"
WATCHKEEPER = [sys.executable, "-m", "watchkeeper.cli"]


@dataclass
class Sample:
    kind: str
    phase: str
    status: int
    seconds: float
    ok: bool
    at: float = 0.0  # when it was sent, seconds from the start of the load


class Connection:
    """One keep-alive HTTP/1.1 connection of one client: the load's own requests.

    On a machine of two cores the load generator shares the cores with the server and
    the import it measures. httpx spent 3.3 ms of CPU per request here (17 s of the
    benchmark process's CPU against 27 s for the two server workers, 2026-12-07): the
    harness took half a core from the server. This writes a request and reads the
    answer's status line, headers and body (by Content-Length, or chunked) straight
    from the socket, a small fraction of that, so that the cores left go to the server
    and the import. The over-limit requests still go through httpx (they are few)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, target: str, body: bytes | None = None
    ) -> tuple[int, str, bytes]:
        """(status, content type, body); an OSError or asyncio.IncompleteReadError when
        the connection fails (the next request opens a new one)."""
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None and self.writer is not None
        head = f"{method} {target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + (body or b""))
        try:
            lines = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            headers = {
                k.strip().lower(): v.strip()
                for k, _, v in (line.partition(":") for line in lines[1:] if line)
            }
            if headers.get("transfer-encoding", "").lower() == "chunked":
                chunks = []
                while size := int((await self.reader.readuntil(b"\r\n")).strip(), 16):
                    chunks.append(await self.reader.readexactly(size + 2))
                await self.reader.readuntil(b"\r\n")
                content = b"".join(c[:-2] for c in chunks)
            else:
                content = await self.reader.readexactly(int(headers.get("content-length", "0")))
            if headers.get("connection", "").lower() == "close":
                self.close()
        except BaseException:
            self.close()
            raise
        return status, headers.get("content-type", ""), content

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Run:
    samples: list[Sample] = field(default_factory=list)
    abuse: list[dict[str, Any]] = field(default_factory=list)
    pss_mb: list[float] = field(default_factory=list)
    phase: str = "before"
    cpu_s: float = 0.0
    cpu_by_process: list[float] = field(default_factory=list)
    own_cpu_s: float = 0.0
    machine_busy: list[tuple[float, float]] = field(default_factory=list)  # (second, share)
    asked: set[tuple[str, str, bytes | None]] = field(default_factory=set)
    repeated: int = 0  # requests asked before in the run, the same in every byte
    client_errors: dict[str, int] = field(default_factory=dict)
    import_s: float = 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def pss_mb(pid: int) -> float:
    """Proportional set size of a process and its children (shared pages split)."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for one in pids:
        try:
            for line in Path(f"/proc/{one}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def cpu_seconds(pid: int) -> dict[int, float]:
    """CPU time (user + system) so far of a process and of each of its children: on a
    shared machine, the measure of the server's own work per request (and of how evenly
    its workers share it)."""
    ticks = os.sysconf("SC_CLK_TCK")
    out: dict[int, float] = {}
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for one in pids:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
            out[one] = (int(fields[11]) + int(fields[12])) / ticks
        except (OSError, IndexError, ValueError):
            continue
    return out


def machine_cpu() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine so far (/proc/stat): whether the cores
    were all taken when requests waited."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return sum(fields) - idle, sum(fields)


def workload(env: dict[str, str], pool: int) -> dict[str, list[Any]]:
    """Names, ids and words drawn from the lists in the workspace: ``pool`` of each (a
    larger pool asks fewer names twice; the server keeps its answers)."""
    code = (
        "import json, random\n"
        "from watchkeeper.settings import load_settings\n"
        "from watchkeeper.store import open_store\n"
        "store = open_store(load_settings())\n"
        "rows = [(e, s, v) for e, s, p, v, m, d in store.current_values(('name',))"
        " if s in ('Person', 'Organization', 'Company', 'Vessel')]\n"
        "random.seed(7); random.shuffle(rows)\n"
        f"print(json.dumps(rows[:{pool}]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    rows = json.loads(out.stdout)
    return {
        "names": [(schema, name) for _, schema, name in rows],
        "ids": [entity_id for entity_id, _, _ in rows],
        "words": [name.split()[0] for _, _, name in rows if name.split()],
    }


async def client(
    connection: Connection,
    run: Run,
    data: dict[str, list[Any]],
    start: float,
    stop: float,
    think: float,
) -> None:
    rng = random.Random()
    if think:  # the clients arrive spread over a pause, not fifty at one instant
        await asyncio.sleep(rng.uniform(0, 2 * think))
    while time.monotonic() < stop:
        pick = rng.random()
        body: bytes | None = None
        if pick < 0.5:
            schema, name = rng.choice(data["names"])
            query = {"queries": {"q": {"schema": schema, "properties": {"name": [name]}}}}
            kind, method, target = "match", "POST", "/match/default"
            body = json.dumps(query).encode()
        elif pick < 0.75:
            word = urllib.parse.quote(rng.choice(data["words"]), safe="")
            kind, method, target = "search", "GET", f"/search/default?q={word}"
        else:
            entity_id = urllib.parse.quote(rng.choice(data["ids"]), safe="")
            kind, method, target = "entities", "GET", f"/entities/{entity_id}?nested=false"
        asked = (method, target, body)
        run.repeated += asked in run.asked
        run.asked.add(asked)
        phase = run.phase
        sent_at = time.monotonic() - start
        started = time.perf_counter()
        try:
            status, content_type, _content = await connection.request(method, target, body)
            ok = status == 200 and content_type.startswith("application/json")
            if kind == "entities" and status == 404:
                ok = content_type.startswith("application/json")  # an id the import ended
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            ok, status = False, 0
            run.client_errors[type(exc).__name__] = run.client_errors.get(type(exc).__name__, 0) + 1
        elapsed = time.perf_counter() - started
        run.samples.append(Sample(kind, phase, status, elapsed, ok, sent_at))
        if think:
            await asyncio.sleep(rng.uniform(0, 2 * think))
    connection.close()


def abusive_requests() -> list[tuple[str, int, dict[str, Any]]]:
    """(what, the expected status, request) for each bound of a request, its body
    serialised once here rather than at every sending."""
    return [
        (what, expected, _serialised(request)) for what, expected, request in _abusive_requests()
    ]


def _serialised(request: dict[str, Any]) -> dict[str, Any]:
    if "json" not in request:
        return request
    body = json.dumps(request.pop("json")).encode()
    return {**request, "content": body, "headers": {"content-type": "application/json"}}


def _abusive_requests() -> list[tuple[str, int, dict[str, Any]]]:
    million = json.dumps(
        {"queries": {"q": {"schema": "Person", "properties": {"name": ["Kim Chol"] * 1_000_000}}}}
    )
    many_values = {
        "queries": {"q": {"schema": "Person", "properties": {"name": ["Kim Chol"] * 100_000}}}
    }
    names = {
        f"q{i}": {"schema": "Person", "properties": {"name": [f"Kim {i} {j}" for j in range(50)]}}
        for i in range(100)
    }
    return [
        (
            "17 MB body, 1,000,000 names",
            413,
            {
                "method": "POST",
                "url": "/match/default",
                "content": million,
                "headers": {"content-type": "application/json"},
            },
        ),
        (
            "100,000 values of one property",
            422,
            {"method": "POST", "url": "/match/default", "json": many_values},
        ),
        (
            "5,000 names in 100 queries",
            422,
            {"method": "POST", "url": "/match/default", "json": {"queries": names}},
        ),
        (
            "101 queries",
            400,
            {
                "method": "POST",
                "url": "/match/default",
                "json": {"queries": {f"q{i}": names["q0"] for i in range(101)}},
            },
        ),
        (
            "URL of 62,000 characters",
            414,
            {"method": "GET", "url": "/search/default?q=" + "a" * 62_000},
        ),
        ("limit=10000", 422, {"method": "GET", "url": "/search/default?q=kim&limit=10000"}),
        (
            "value of 100,000 characters",
            422,
            {
                "method": "POST",
                "url": "/match/default",
                "json": {
                    "queries": {"q": {"schema": "Person", "properties": {"name": ["K" * 100_000]}}}
                },
            },
        ),
    ]


async def abuser(base: str, start: float, stop: float) -> list[dict[str, Any]]:
    """Over-limit requests, one after the other, from ``start`` to ``stop`` (times of
    ``time.monotonic``, the system's clock: the same in every process)."""
    requests = abusive_requests()
    out: list[dict[str, Any]] = []
    await asyncio.sleep(max(0.0, start - time.monotonic()))
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        while time.monotonic() < stop:
            for what, expected, request in requests:
                started = time.perf_counter()
                try:
                    response = await http.request(**request)
                    status = response.status_code
                    one_line = "\n" not in response.text
                except httpx.HTTPError:
                    status, one_line = 0, False
                out.append(
                    {
                        "what": what,
                        "expected": expected,
                        "status": status,
                        "ok": status == expected and one_line,
                        "seconds": time.perf_counter() - started,
                    }
                )
            await asyncio.sleep(0.5)
    return out


def abuse_process(base: str, start: float, stop: float, results: Any) -> None:
    """The abuser in a process of its own: serialising and sending a 17 MB body must not
    stall the event loop that times the regular clients' requests."""
    results.put(asyncio.run(abuser(base, start, stop)))


async def load(
    base: str,
    server: subprocess.Popen[bytes],
    env: dict[str, str],
    data: dict[str, list[Any]],
    args: argparse.Namespace,
) -> Run:
    run = Run()
    start = time.monotonic()
    stop = start + args.seconds
    host, port = base.removeprefix("http://").rsplit(":", 1)
    tasks = [
        asyncio.create_task(client(Connection(host, int(port)), run, data, start, stop, args.think))
        for _ in range(args.clients)
    ]

    async def phases() -> None:
        await asyncio.sleep(args.seconds * 0.2)
        run.phase = "import"
        started = time.monotonic()
        # the smoke run imports the small UN file again (the same path, 25,000 statements)
        fmt, path, dataset = (
            ("un-xml", UN_XML, "un_again")
            if args.smoke
            else ("ofac-csv", OFAC_CSV, "us_ofac_sdn_again")
        )
        importing = await asyncio.create_subprocess_exec(
            *WATCHKEEPER,
            "import",
            fmt,
            str(path),
            "--dataset",
            dataset,
            *(() if args.nice_import else ("--no-nice",)),
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        _out, err = await importing.communicate()
        if importing.returncode != 0:
            raise RuntimeError(f"the import failed: {err.decode()[-500:]}")
        run.import_s = time.monotonic() - started
        run.phase = "after"

    async def abuse() -> None:
        # the over-limit requests in the run's last third, import finished or not;
        # the process is started now, its requests from then
        context = multiprocessing.get_context("spawn")
        results = context.Queue()
        process = context.Process(
            target=abuse_process,
            args=(base, start + args.seconds * 0.66, stop, results),
        )
        process.start()
        run.abuse = await asyncio.to_thread(results.get)
        process.join()

    async def memory() -> None:
        busy, total = machine_cpu()
        while time.monotonic() < stop:
            run.pss_mb.append(pss_mb(server.pid))
            await asyncio.sleep(1)
            now_busy, now_total = machine_cpu()
            share = (now_busy - busy) / max(now_total - total, 1)
            run.machine_busy.append((time.monotonic() - start, share))
            busy, total = now_busy, now_total

    cpu_before = cpu_seconds(server.pid)
    own_before = time.process_time()
    await asyncio.gather(phases(), *([abuse()] if args.abuse else []), memory(), *tasks)
    cpu_after = cpu_seconds(server.pid)
    run.own_cpu_s = time.process_time() - own_before
    run.cpu_by_process = [
        round(cpu_after[p] - cpu_before.get(p, 0.0), 1) for p in sorted(cpu_after)
    ]
    run.cpu_s = sum(run.cpu_by_process)
    return run


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summary(run: Run, seconds: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for phase in ("before", "import", "after", "all"):
        chosen = [s for s in run.samples if phase == "all" or s.phase == phase]
        times = [s.seconds * 1000 for s in chosen]
        out[phase] = {
            "requests": len(chosen),
            "errors": sum(1 for s in chosen if not s.ok),
            "p50_ms": round(percentile(times, 0.5), 1),
            "p99_ms": round(percentile(times, 0.99), 1),
            "max_ms": round(max(times, default=0.0), 1),
        }
    out["all"]["requests_per_s"] = round(len(run.samples) / seconds, 1)
    out["all"]["server_cpu_ms_per_request"] = round(
        1000 * run.cpu_s / max(len(run.samples) + len(run.abuse), 1), 1
    )
    out["all"]["repeated_share"] = round(run.repeated / max(len(run.samples), 1), 3)
    out["all"]["server_cpu_s_by_process"] = run.cpu_by_process  # the parent, then each worker
    out["all"]["load_generator_cpu_ms_per_request"] = round(
        1000 * run.own_cpu_s / max(len(run.samples) + len(run.abuse), 1), 2
    )
    # p50 and p99 of the requests sent in each 5 s of the run: where the slow ones bunch
    timeline: dict[int, list[float]] = {}
    for s in run.samples:
        timeline.setdefault(int(s.at // 5) * 5, []).append(s.seconds * 1000)
    out["timeline"] = [
        {
            "from_s": start,
            "phase": next(s.phase for s in run.samples if int(s.at // 5) * 5 == start),
            "requests": len(times),
            "p50_ms": round(percentile(times, 0.5), 1),
            "p99_ms": round(percentile(times, 0.99), 1),
            # the share of the machine's cores in use (all processes), over these 5 s
            "machine_busy": round(
                sum(b for t, b in run.machine_busy if start <= t - 1 < start + 5)
                / max(sum(1 for t, _ in run.machine_busy if start <= t - 1 < start + 5), 1),
                2,
            ),
        }
        for start, times in sorted(timeline.items())
    ]
    out["by_kind_p99_ms"] = {
        kind: round(percentile([s.seconds * 1000 for s in run.samples if s.kind == kind], 0.99), 1)
        for kind in ("match", "search", "entities")
    }
    statuses: dict[str, int] = {}
    for s in run.samples:
        if not s.ok:
            statuses[str(s.status)] = statuses.get(str(s.status), 0) + 1
    out["error_statuses"] = statuses
    out["transport_errors"] = run.client_errors
    abuse: dict[str, dict[str, Any]] = {}
    for item in run.abuse:
        entry = abuse.setdefault(
            item["what"],
            {"expected": item["expected"], "sent": 0, "wrong": 0, "statuses": set(), "max_ms": 0.0},
        )
        entry["sent"] += 1
        entry["wrong"] += 0 if item["ok"] else 1
        entry["statuses"].add(item["status"])
        entry["max_ms"] = round(max(entry["max_ms"], item["seconds"] * 1000), 1)
    for entry in abuse.values():
        entry["statuses"] = sorted(entry["statuses"])
    out["over_limit"] = abuse
    out["server_pss_mb_peak"] = round(max(run.pss_mb, default=0.0), 1)
    out["import_s"] = round(run.import_s, 1)
    return out


def engine_env(engine: str, home: Path) -> tuple[dict[str, str], str | None]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WATCHKEEPER_")}
    env["WATCHKEEPER_HOME"] = str(home)
    if engine == "sqlite":
        return env, None
    admin_url = os.environ.get("WATCHKEEPER_TEST_DATABASE_URL")
    if not admin_url:
        raise SystemExit(
            "PostgreSQL needs the server `make bench-api` starts (scripts/with-postgres.sh)"
        )
    from sqlalchemy import create_engine, text

    name = f"wk_bench_{uuid.uuid4().hex[:8]}"
    with create_engine(admin_url, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    env["WATCHKEEPER_DATABASE_URL"] = admin_url.rsplit("/", 1)[0] + "/" + name
    return env, name


def bench_engine(engine: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="wk-bench-api-") as folder:
        env, _db = engine_env(engine, Path(folder) / "home")
        lists = (
            (("un-xml", UN_XML),) if args.smoke else (("un-xml", UN_XML), ("ofac-csv", OFAC_CSV))
        )
        for fmt, path in lists:
            subprocess.run(
                [*WATCHKEEPER, "import", fmt, str(path)], env=env, check=True, capture_output=True
            )
        data = workload(env, args.pool)
        port = free_port()
        # The server's log goes to a file: a pipe nobody reads fills up and stops it.
        log = (Path(folder) / "server.log").open("w")
        server = subprocess.Popen(
            [*WATCHKEEPER, "serve", "--port", str(port), "--workers", str(args.workers)]
            + (["--threads", str(args.threads)] if args.threads else []),
            env=env,
            stdout=log,
            stderr=log,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.25)
            run = asyncio.run(load(base, server, env, data, args))
        finally:
            server.terminate()
            stopped = time.perf_counter()
            server.wait(60)
            stop_s = time.perf_counter() - stopped
        log.close()
        errors = [
            line
            for line in (Path(folder) / "server.log").read_text().splitlines()
            if "rror" in line
        ]
        result = summary(run, args.seconds)
        result["server_log_errors"] = errors[:20]
        result["engine"] = engine
        result["sigterm_to_exit_s"] = round(stop_s, 2)
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument(
        "--think", type=float, default=0.25, help="mean pause between a client's requests (s)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=0, help="serve --threads (0: its default)")
    parser.add_argument(
        "--nice-import",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="the import at its default lower CPU priority (--no-nice-import: --no-nice)",
    )
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument(
        "--pool",
        type=int,
        default=2000,
        help="names, ids and words to draw requests from (20000: nearly every request new)",
    )
    parser.add_argument(
        "--abuse",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="over-limit requests in the last third (--no-abuse: to tell their effect apart)",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="make bench-smoke: 4 clients for 8 s on SQLite, results in a temporary folder",
    )
    args = parser.parse_args()
    results_path = RESULTS
    if args.smoke:
        args.seconds, args.clients, args.pool, args.engines = 8.0, 4, 200, "sqlite"
        results_path = Path(tempfile.gettempdir()) / "watchkeeper-bench-smoke" / "api.json"
    engines = [e for e in args.engines.split(",") if e]
    if "postgresql" in engines and not os.environ.get("WATCHKEEPER_TEST_DATABASE_URL"):
        print("no PostgreSQL server (run through `make bench-api`): SQLite only", file=sys.stderr)
        engines = [e for e in engines if e != "postgresql"]
    results = []
    for engine in engines:
        print(
            f"{engine}: importing the lists, serving, {args.clients} clients for {args.seconds:.0f} s",
            file=sys.stderr,
        )
        result = bench_engine(engine, args)
        results.append(result)
        print(json.dumps(result, indent=2), file=sys.stderr)
    report = {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, CPython {platform.python_version()}",
        # The machine is shared: its load says how much of the two cores the run had.
        "load_average_at_end": [round(x, 1) for x in os.getloadavg()],
        "settings": {
            "seconds": args.seconds,
            "clients": args.clients,
            "think_s": args.think,
            "workers": args.workers,
            "threads": args.threads or "default",
            "nice_import": args.nice_import,
            "abuse": args.abuse,
            "pool": args.pool,
        },
        "results": results,
    }
    if args.smoke:
        # what the load run must show whatever the machine's load: answers, and no error
        for r in results:
            wrong = sum(v["wrong"] for v in r["over_limit"].values())
            if (
                not r["all"]["requests"]
                or r["error_statuses"]
                or r["transport_errors"]
                or r["server_log_errors"]
                or wrong
            ):
                raise SystemExit(f"{r['engine']}: {json.dumps(r)[:3000]}")
    results_path.parent.mkdir(parents=True, exist_ok=True)
    results_path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written {results_path}", file=sys.stderr)


if __name__ == "__main__":
    main()
