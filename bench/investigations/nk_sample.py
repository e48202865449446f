"""nomenklatura's xref scorer on the labelled UN↔OFAC sample's pairs.

Runs in nomenklatura's own virtualenv (bench/investigations/.venv, made by
`make bench-investigations`: nomenklatura pins an older DuckDB than Watchkeeper, so it is
not installed beside it), called by bench/investigations/run.py with the FtM export of
both lists (as Watchkeeper imports them) and the sample CSV. It scores each labelled
pair as `nomenklatura xref` does once blocking has proposed it: the entities are read
into nomenklatura's store (``load_entity_file_store``) and compared by
``algorithm.compare(left, right, ScoringConfig.defaults())`` — with xref's default
algorithm (``DedupeAlgorithm``) and with logic-v2 and regression-v1 beside it. Prints
JSON: algorithm -> {"left|right": score}.

    python nk_sample.py ENTITIES.ftm.json SAMPLE.csv
"""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
from pathlib import Path

TMP = Path(tempfile.mkdtemp(prefix="wk-nk-sample-"))
os.environ.setdefault("NOMENKLATURA_DB_URL", f"sqlite:///{TMP / 'nk.db'}")

from nomenklatura.db import make_session  # noqa: E402
from nomenklatura.matching import DedupeAlgorithm, ScoringConfig, get_algorithm  # noqa: E402
from nomenklatura.resolver import Resolver  # noqa: E402
from nomenklatura.store import load_entity_file_store  # noqa: E402


def main() -> None:
    entities, sample = Path(sys.argv[1]), Path(sys.argv[2])
    with sample.open(encoding="utf-8", newline="") as fh:
        pairs = [(r["left_entity"], r["right_entity"]) for r in csv.DictReader(fh)]
    algorithms = {f"{DedupeAlgorithm.NAME} (xref default)": DedupeAlgorithm}
    for name in ("logic-v2", "regression-v1"):
        found = get_algorithm(name)
        if found is not None:
            algorithms[name] = found
    out: dict[str, dict[str, float]] = {}
    with make_session(f"sqlite:///{TMP / 'resolver.db'}") as session:
        resolver = Resolver(session, create=True)  # type: ignore[var-annotated]
        resolver.load_into_memory()
        store = load_entity_file_store(entities, resolver=resolver)
        view = store.default_view(external=True)
        config = ScoringConfig.defaults()
        for label, algorithm in algorithms.items():
            scores: dict[str, float] = {}
            for left_id, right_id in pairs:
                left, right = view.get_entity(left_id), view.get_entity(right_id)
                if left is None or right is None:
                    continue
                scores[f"{left_id}|{right_id}"] = float(
                    algorithm.compare(left, right, config).score
                )
            out[label] = scores
    print(json.dumps(out))


if __name__ == "__main__":
    main()
