"""xref side by side: Watchkeeper's and nomenklatura's, on the same FtM entities (the real
UN and OFAC lists as Watchkeeper imports them), timed, and measured on the labelled set.

Runs in bench/screening/.venv, where nomenklatura (pinned by `make bench-screening`) is
installed beside Watchkeeper; called by bench/investigations/run.py. Prints JSON.
nomenklatura is called through its library API (``nomenklatura.xref.xref`` with a
``Resolver`` on a throwaway SQLite database), as its own `nomenklatura xref` command does.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
TMP = Path(tempfile.mkdtemp(prefix="wk-nk-"))
os.environ["NOMENKLATURA_DB_URL"] = f"sqlite:///{TMP / 'nk.db'}"

from tests.conftest import OFAC_CSV, UN_XML  # noqa: E402

from watchkeeper.exports import write_ftm  # noqa: E402
from watchkeeper.importers import run_import  # noqa: E402
from watchkeeper.investigations.evaluate import Labels, measure  # noqa: E402
from watchkeeper.investigations.xref import Suggestion, ordered, xref  # noqa: E402
from watchkeeper.model.marking import Viewer  # noqa: E402
from watchkeeper.screening import build  # noqa: E402
from watchkeeper.store import open_store  # noqa: E402

LABELS = ROOT / "tests" / "investigations" / "data" / "un_ofac_dprk.csv"
DPRK = {"DPRK", "DPRK2", "DPRK3", "DPRK4", "DPRK-NKSPEA"}


def main() -> None:
    store = open_store(f"sqlite:///{TMP / 'wk.db'}")
    run_import(store, "un-xml", UN_XML)
    run_import(store, "ofac-csv", OFAC_CSV)
    reader = store.read(Viewer("bench"))
    entities = TMP / "lists.ftm.json"
    with entities.open("w", encoding="utf-8") as fh:
        write_ftm(reader, fh)
    dprk_ofac = {
        v.id
        for v in reader.entities(reader.entity_ids("Thing"))
        if v.id.startswith("ofac-") and set(v.entity.get("program")) & DPRK
    }

    def universe(a: str, b: str) -> bool:
        un, ofac = (a, b) if a.startswith("unsc-") else (b, a)
        return (
            un.startswith("unsc-")
            and ofac.startswith("ofac-")
            and (un.startswith("unsc-kp") or ofac in dprk_ofac)
        )

    labels = Labels.read(LABELS)
    out: dict[str, Any] = {"entities": sum(1 for _ in entities.open())}

    if "--skip-watchkeeper" not in sys.argv:
        t0 = time.perf_counter()
        index = build(store)
        built = time.perf_counter() - t0
        t0 = time.perf_counter()
        ours = xref(index, frozenset(reader.marking_ids), review=0.5, workers=2)
        seconds = time.perf_counter() - t0
        out["watchkeeper"] = {
            "index_build_s": round(built, 1),
            "xref_s": round(seconds, 1),
            "pairs": len(ours),
            "measure": _measures(ours, labels, universe, (0.7, 0.8, 0.9, 0.95)),
        }

    from nomenklatura.db import make_session
    from nomenklatura.matching import get_algorithm
    from nomenklatura.resolver import Resolver
    from nomenklatura.store import load_entity_file_store
    from nomenklatura.xref import xref as nk_xref

    for name in ("regression-v1", "logic-v2"):
        algorithm = get_algorithm(name)
        if algorithm is None:
            continue
        # a database of its own per algorithm (the environment is read once, at import)
        with make_session(f"sqlite:///{TMP / f'nk-{name}.db'}") as session:
            resolver = Resolver(session, create=True)  # type: ignore[var-annotated]
            resolver.load_into_memory()
            nk_store = load_entity_file_store(entities, resolver=resolver)
            t0 = time.perf_counter()
            nk_xref(
                resolver,
                session,
                nk_store,
                TMP / f"index-{name}",
                algorithm=algorithm,
                limit=100_000,
                scored=True,
                user="bench",
            )
            seconds = time.perf_counter() - t0
            pairs = [
                Suggestion(*ordered(str(a), str(b)), float(score or 0.0), ())
                for a, b, score in resolver.get_candidates()
            ]
        out[f"nomenklatura {name}"] = {
            "xref_s": round(seconds, 1),
            "pairs": len(pairs),
            "measure": _measures(pairs, labels, universe, (0.5, 0.7, 0.8, 0.9, 0.95)),
        }
    print(json.dumps(out, indent=2))


def _measures(
    pairs: list[Suggestion], labels: Labels, universe: Any, thresholds: tuple[float, ...]
) -> dict[str, Any]:
    out = {}
    for threshold in thresholds:
        m = measure(pairs, labels, universe, threshold)
        out[str(threshold)] = {
            "precision": round(m.precision, 3),
            "recall": round(m.recall, 3),
            "suggested": m.suggested,
        }
    return out


if __name__ == "__main__":
    main()
