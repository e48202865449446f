"""A Spark standalone cluster on 127.0.0.1 for the tests: one master and two workers,
each a process of its own started from the pyspark distribution's own launcher
(``bin/spark-class``), as an operator starts them (``sbin/start-master.sh`` and
``start-worker.sh`` are thin wrappers around the same classes, and pip's pyspark does
not ship them)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _alive_workers(ui_port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{ui_port}/json/", timeout=5) as answer:
        state = json.load(answer)
    return sum(1 for w in state.get("workers", []) if w.get("state") == "ALIVE")


@contextmanager
def standalone_cluster(workdir: Path, workers: int = 2, timeout: float = 120) -> Iterator[str]:
    """The master's URL (``spark://127.0.0.1:PORT``) once ``workers`` workers (one core,
    1 GB each) have registered; every process stopped on leaving."""
    import pyspark

    home = Path(pyspark.__file__).parent
    launcher = str(home / "bin" / "spark-class")
    port, ui = _free_port(), _free_port()
    env = {
        **os.environ,
        "SPARK_HOME": str(home),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_LOG_DIR": str(workdir / "logs"),
        "SPARK_WORKER_DIR": str(workdir / "work"),
    }
    workdir.mkdir(parents=True, exist_ok=True)
    processes: list[subprocess.Popen[bytes]] = []

    def start(name: str, *args: str) -> None:
        log = (workdir / f"{name}.log").open("wb")
        processes.append(
            subprocess.Popen([launcher, *args], env=env, stdout=log, stderr=subprocess.STDOUT)
        )

    master = f"spark://127.0.0.1:{port}"
    try:
        start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
              "--port", str(port), "--webui-port", str(ui))  # fmt: skip
        for n in range(workers):
            start(f"worker-{n}", "org.apache.spark.deploy.worker.Worker", master,
                  "--host", "127.0.0.1", "--cores", "1", "--memory", "1g",
                  "--webui-port", str(_free_port()),
                  "--work-dir", str(workdir / f"work-{n}"))  # fmt: skip
        deadline = time.monotonic() + timeout
        while True:
            with suppress(OSError, ValueError):
                if _alive_workers(ui) >= workers:
                    break
            if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
                logs = "\n".join(
                    f.read_text(errors="replace")[-2000:] for f in workdir.glob("*.log")
                )
                raise RuntimeError(f"the Spark cluster did not start:\n{logs}")
            time.sleep(1)
        yield master
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
