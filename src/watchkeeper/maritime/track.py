"""One vessel's history: identities it reported, its positions, and its voyage in order."""

from __future__ import annotations

from typing import Any

import duckdb

from watchkeeper.errors import InputError
from watchkeeper.maritime.areas import Area
from watchkeeper.maritime.dataset import AisDataset, identities_sql, sql_files
from watchkeeper.maritime.detectors import detect
from watchkeeper.maritime.flags import flag_of
from watchkeeper.maritime.places import Place


def track(
    dataset: AisDataset, vessel: str, areas: list[Area], places: list[Place] | None = None
) -> dict[str, Any]:
    number = vessel.strip().upper().removeprefix("IMO").strip()
    if not number.isdigit():
        raise InputError(vessel, "give an MMSI (9 digits) or an IMO number (7 digits)")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    ident_files = sorted(dataset.identities_dir.glob("day=*/*.parquet"))
    mmsis = {int(number)} if len(number) != 7 else set()
    identities: list[dict[str, Any]] = []
    if ident_files:
        spans = identities_sql(con, ident_files)
        if len(number) == 7:
            mmsis |= {
                r[0]
                for r in con.execute(
                    f"SELECT DISTINCT mmsi FROM ({spans}) WHERE imo = ?", [number]
                ).fetchall()
            }
        if mmsis:
            cursor = con.execute(
                f"""SELECT mmsi, ts, last_ts, reports, name, imo, call_sign FROM ({spans})
                    WHERE list_contains(?, mmsi) ORDER BY ts, last_ts, name""",
                [sorted(mmsis)],
            )
            identities = [
                {
                    "mmsi": m,
                    "flag": flag_of(m),
                    "ts": ts.isoformat(),
                    "last": last.isoformat(),
                    "reports": reports,
                    "name": n,
                    "imo": i,
                    "call_sign": c,
                }
                for m, ts, last, reports, n, i, c in cursor.fetchall()
            ]
    pos_files = sorted(dataset.positions_dir.glob("day=*/*.parquet"))
    positions, first, last = 0, None, None
    if pos_files and mmsis:
        listed = sql_files(pos_files)
        row = con.execute(
            f"SELECT count(*), min(ts), max(ts) FROM read_parquet([{listed}]) WHERE list_contains(?, mmsi)",
            [sorted(mmsis)],
        ).fetchone()
        if row:
            positions, first, last = int(row[0]), row[1], row[2]
    con.close()
    voyage = [
        {
            "kind": d.kind,
            "start": d.start.isoformat(timespec="minutes"),
            "end": d.end.isoformat(timespec="minutes"),
            "area": d.area,
            "details": d.details,
        }
        for d in detect(dataset, areas, kinds=("port_call", "gap"), places=places)
        if d.mmsi in mmsis
    ]
    return {
        "mmsi": sorted(mmsis),
        "flags": sorted({f for f in (flag_of(m) for m in mmsis) if f}),
        "positions": positions,
        "first": first.isoformat() if first else None,
        "last": last.isoformat() if last else None,
        "identities": identities,
        "voyage": voyage,
    }
