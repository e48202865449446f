"""A generated workspace for the sharing benchmark: ``n`` entities of the kinds a partner
bundle carries (persons, companies, vessels, sanctions, ownerships), each value marked
one of a few ways (TLP:CLEAR, GREEN REL TO the partner, AMBER to named recipients, RED to
another organisation: withheld) and graded, written through the store's one write path.
Seeded: the same ``n`` gives the same store."""

from __future__ import annotations

import random
from pathlib import Path

from watchkeeper.importers.base import make_entity
from watchkeeper.model.grading import Reliability
from watchkeeper.model.marking import Marking, Viewer
from watchkeeper.model.source import Source
from watchkeeper.store import Store, open_store

PUBLISHER = Viewer("bench-us", "USA")
PARTNER = Viewer("bench-jp", "JPN")
OTHER = Viewer("bench-kr", "KOR")
MARKINGS = [
    None,  # the source's: TLP:CLEAR
    Marking.parse("TLP:GREEN | REL TO JPN,KOR,USA | ORIG bench-us"),
    Marking.parse("TLP:AMBER | ORIG bench-us | TO bench-jp"),
    Marking.parse("TLP:RED | ORIG bench-us | TO bench-kr"),  # not for the partner
]
# Share of each kind among the entities (the rest: persons).
KINDS = [("Company", 0.2), ("Vessel", 0.15), ("Sanction", 0.15), ("Ownership", 0.2)]
FLAGS = ["kp", "ru", "pa", "sl", "km", "tg", "cn"]


def build(path: Path, n: int, seed: int = 7) -> Store:
    """A new SQLite store at ``path`` with ``n`` entities (see module)."""
    store = open_store(f"sqlite:///{path}")
    for viewer in (PUBLISHER, PARTNER, OTHER):
        store.add_organisation(viewer.organisation, viewer.country)
    rng = random.Random(seed)
    source = Source(
        "bench:sharing",
        "bench_sharing",
        "report",
        "Generated reporting",
        "bench",
        Reliability.B,
        published="2024-01-01",
        marking=Marking.parse("TLP:CLEAR | ORIG bench-us"),
    )
    counts = {kind: int(n * share) for kind, share in KINDS}
    counts["Person"] = n - sum(counts.values())
    parties = [f"p{i}" for i in range(counts["Person"])] + [
        f"c{i}" for i in range(counts["Company"])
    ]
    vessels = [f"v{i}" for i in range(counts["Vessel"])] or parties
    with store.write(source, full_release=False) as writer:

        def put(schema: str, ref: str, values: list[tuple[str, str]]) -> None:
            for prop, value in values:
                entity = make_entity(schema, ref, "bench_sharing")
                entity.add(prop, value, cleaned=True)
                day = f"20{rng.randint(15, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                for stmt in entity.statements:
                    stmt.first_seen = stmt.last_seen = day
                writer.add_entity(entity, rng.choice(MARKINGS), rng.randint(1, 6))

        for i in range(counts["Person"]):
            put("Person", f"p{i}", [("name", f"KIM {i} CHOL"), ("birthDate", "1970-01-01"),
                                    ("nationality", "kp")])  # fmt: skip
        for i in range(counts["Company"]):
            put("Company", f"c{i}", [("name", f"KOREA TRADING {i}"), ("jurisdiction", "kp")])
        for i in range(counts["Vessel"]):
            put("Vessel", f"v{i}", [("name", f"OCEAN {i}"), ("imoNumber", f"IMO{9000000 + i}"),
                                    ("flag", rng.choice(FLAGS))])  # fmt: skip
        for i in range(counts["Sanction"]):
            put("Sanction", f"s{i}", [("entity", rng.choice(parties + vessels)),
                                      ("authority", "UN Security Council")])  # fmt: skip
        for i in range(counts["Ownership"]):
            put("Ownership", f"o{i}", [("owner", rng.choice(parties)),
                                       ("asset", rng.choice(vessels))])  # fmt: skip
    return store
