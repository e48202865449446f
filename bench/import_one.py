"""One import in its own process, so its peak RSS is its own. Prints a JSON line."""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from watchkeeper.importers import run_import
from watchkeeper.store import open_store


def main() -> None:
    fmt, path, url = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    store = open_store(url)
    started = time.perf_counter()
    summary = run_import(store, fmt, path)
    seconds = time.perf_counter() - started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": round(seconds, 2),
                "statements": summary.added,
                "entities": summary.entities,
                "statements_per_s": round(summary.added / seconds),
                "peak_rss_mb": round(rss_mb),
                "file_mb": round(path.stat().st_size / 2**20, 1),
            }
        )
    )
    store.close()


if __name__ == "__main__":
    main()
