"""The demo's maritime part: a simulated shuttle carrying a theater vessel's identity,
ingested, run through the detectors and tied to the knowledge base."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from watchkeeper.maritime.alerts import list_alerts
from watchkeeper.maritime.areas import theater_ports
from watchkeeper.maritime.dataset import AisDataset
from watchkeeper.maritime.detectors import detect
from watchkeeper.maritime.link import link_detections
from watchkeeper.maritime.places import known_places
from watchkeeper.maritime.records import identities_table, positions_table
from watchkeeper.maritime.simulator import SIMULATOR, scenario
from watchkeeper.store import Reader, Store

SHUTTLE = ("9179842", "ANGARA")  # the theater's ANGARA (wk-vessel-angara), IMO from the OFAC list


def run_demo(console: Console, store: Store, reader: Reader, folder: Path) -> set[str]:
    """Print the demo's maritime part; the entities its stored detections changed."""
    ports = theater_ports()
    sim = scenario(ports, seed=1, background=20, days=4, shuttle=SHUTTLE)
    dataset = AisDataset(folder)
    dataset.add_positions(positions_table(sim.positions, SIMULATOR))
    dataset.add_identities(identities_table(sim.identities, SIMULATOR))
    places, _ = known_places(dataset)
    found = detect(dataset, ports, places=places)
    linked = link_detections(store, reader, dataset, found, ports, simulated=True)
    kinds = Counter(d.kind for d in found)
    console.print(
        f"\n[bold]Maritime watch on simulated AIS[/bold] ({len(sim.positions):,} positions, "
        f"{len(sim.truth)} scripted events): "
        + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(kinds.items()))
    )
    # A fresh reader: the one passed in was opened before the detections were written.
    found_alerts = list_alerts(store.read(reader.viewer))
    table = Table(
        "severity",
        "start",
        "alert",
        "why",
        title=f"{len(found_alerts)} alerts, most severe first (ranked by declared rules)",
    )
    for alert in found_alerts[:12]:
        table.add_row(
            str(alert["severity"]),
            str(alert["start"])[:16],
            str(alert["title"]),
            str(alert["reason"]),
        )
    console.print(table)
    return linked.changed_entities
