"""Alert quality, before and after: anomaly alerts per 1,000 vessel-days on the real AIS
samples in ../shared/data/ais and on the simulator's background traffic.

Runs on whichever Watchkeeper is importable, so that `run.py` can run it on the code
before this change (`git archive` of the baseline commit, on PYTHONPATH) and after:

- before (issue 4's code): every detection but port calls is an anomaly the analyst
  reads (its `alerts` listed only detections at watched ports or of sanctioned vessels,
  which none of these samples has);
- after: detections at the gazetteer's ports and the anchorages learned from each
  sample, ranked by `alert_rules.yaml`; anomaly alerts are those ranked `low` or above,
  port calls aside.

`python bench/maritime/quality.py samples|simulation OUT.json [--review N]`
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from watchkeeper.maritime import detectors
from watchkeeper.maritime.areas import theater_ports
from watchkeeper.maritime.dataset import AisDataset
from watchkeeper.maritime.ingest import ingest_file
from watchkeeper.maritime.tabular import custom_layout

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "ais"
AFTER = hasattr(detectors, "ANOMALIES")


def samples() -> dict[str, list[tuple[Path, str, Any, datetime | None]]]:
    solent = custom_layout(
        {"mmsi": "MMSI", "ts": "Time", "lat": "Latitude_degrees", "lon": "Longitude_degrees",
         "sog": "SOG_knots", "cog": "COG_degrees"}
    )  # fmt: skip
    suez = custom_layout(
        {"mmsi": "ID", "ts": "ais_pos_timestamp", "lat": "latitude", "lon": "longitude"},
        "%d/%m/%Y %H:%M",
    )
    return {
        "Solent (UK receiver, 84 min)": [
            (SHARED / "solent-stonesoup/SolentAIS_20160112_130211.csv", "csv", solent, None)
        ],
        "Suez (Ever Given blockage, 4.5 days)": [
            (SHARED / "evergiven-suez/boat-positions.csv", "csv", suez, None)
        ],
        "NOAA MarineCadastre CSV (1 day)": [
            (SHARED / "aisdb-testdata/test_data_noaa_20230101.csv", "auto", None, None)
        ],
        "satellite CSV (worldwide, 1 day)": [
            (SHARED / "aisdb-testdata/test_data_20210701.csv", "auto", None, None)
        ],
        "NMEA (three files)": [
            (SHARED / "aisdb-testdata/test_data_20211101.nm4", "auto", None, None),
            (SHARED / "aisdb-testdata/test_data_201201.nmea", "auto", None, None),
            (
                SHARED / "pyais-nmea/nmea_data_sample.txt",
                "auto",
                None,
                datetime(2021, 1, 2, tzinfo=UTC),
            ),
        ],
    }


def vessel_days(dataset: AisDataset, mmsis: set[int] | None = None) -> int:
    files = sorted(dataset.positions_dir.glob("day=*/*.parquet"))
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    listed = ", ".join(f"'{f}'" for f in files)
    where = f"WHERE list_contains({sorted(mmsis)}, mmsi)" if mmsis else ""
    row = con.execute(
        f"SELECT count(DISTINCT (mmsi, CAST(ts AS DATE))) FROM read_parquet([{listed}]) {where}"
    ).fetchone()
    con.close()
    return int(row[0]) if row else 0


def anomaly_alerts(dataset: AisDataset) -> tuple[list[Any], dict[str, Any]]:
    """The anomaly alerts an analyst reads, and counts by kind of all detections."""
    ports = theater_ports()
    if not AFTER:
        found = detectors.detect(dataset, ports)
        return [d for d in found if d.kind != "port_call"], dict(Counter(d.kind for d in found))
    from watchkeeper.maritime.alerts import ais_facts, default_rules, flatten
    from watchkeeper.maritime.places import known_places

    places, _ = known_places(dataset)
    found = detectors.detect(dataset, ports, places=places)
    rules = default_rules()
    areas = {a.id: a for a in ports}
    alerts = []
    for d in found:
        level, reasons = rules.assess(flatten(ais_facts(d, areas.get(d.area or ""))))
        if level >= 1 and d.kind != "port_call":
            d.details["severity"] = rules.levels[level]
            d.details["reason"] = "; ".join(reasons)
            alerts.append(d)
    return alerts, dict(Counter(d.kind for d in found))


def run_samples(review: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, files in samples().items():
        with tempfile.TemporaryDirectory() as tmp:
            dataset = AisDataset(Path(tmp) / "ais")
            for path, fmt, layout, assume in files:
                report = ingest_file(dataset, path, fmt, layout, assume)
                assert report.error is None, report.error
            days = vessel_days(dataset)
            alerts, kinds = anomaly_alerts(dataset)
            chosen = random.Random(13).sample(alerts, min(review, len(alerts)))
            out[name] = {
                "vessel_days": days,
                "detections": kinds,
                "anomaly_alerts": len(alerts),
                "alerts_by_kind": dict(Counter(a.kind for a in alerts)),
                "per_1000_vessel_days": round(1000 * len(alerts) / days, 1),
                "review": [a.to_dict() for a in sorted(chosen, key=lambda a: a.start)],
            }
        print(name, {k: v for k, v in out[name].items() if k != "review"}, file=sys.stderr)
    return out


def run_simulation(folder: Path) -> dict[str, Any]:
    """Background ships of the simulator's scenario (written by run.py into ``folder``)."""
    truth = json.loads((folder / "truth.json").read_text())
    background = {int(m) for m in truth["background_mmsi"]}
    with tempfile.TemporaryDirectory() as tmp:
        dataset = AisDataset(Path(tmp) / "ais")
        ingest_file(dataset, folder / "positions.parquet")
        if AFTER:
            ingest_file(dataset, folder / "identities.parquet")
        else:  # the code before could not import the simulator's identities file
            import pyarrow.parquet as pq

            from watchkeeper.maritime.records import IDENTITY_SCHEMA

            table = pq.read_table(folder / "identities.parquet")
            dataset.add_identities(table.select(IDENTITY_SCHEMA.names).cast(IDENTITY_SCHEMA))
        days = vessel_days(dataset, background)
        alerts, kinds = anomaly_alerts(dataset)
        scripted = [a for a in alerts if not ({a.mmsi, a.other_mmsi} & background)]
        false = [a for a in alerts if {a.mmsi, a.other_mmsi} & background]
        return {
            "background_vessel_days": days,
            "detections": kinds,
            "false_alarms_on_background": len(false),
            "false_alarms_by_kind": dict(Counter(a.kind for a in false)),
            "per_1000_vessel_days": round(1000 * len(false) / days, 1),
            "alerts_on_scripted_vessels": len(scripted),
            "scripted_by_kind": dict(Counter(a.kind for a in scripted)),
        }


def main() -> None:
    what, target = sys.argv[1], Path(sys.argv[2])
    review = int(sys.argv[sys.argv.index("--review") + 1]) if "--review" in sys.argv else 20
    if what == "samples":
        result = run_samples(review)
    else:
        result = run_simulation(Path(sys.argv[sys.argv.index("--sim") + 1]))
    target.write_text(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main()
