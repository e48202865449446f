"""Vessel tracks for maps: which MMSIs a vessel used, where they reported, and when.

Read from the AIS dataset (Parquet, by day) with DuckDB. Callers name the vessel by the
identifiers they may see (an IMO, an MMSI); nothing here knows about viewers. Long tracks
are thinned to ``max_points`` evenly spaced positions (the first and last kept), which is
what a map can draw.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

from watchkeeper.maritime.dataset import AisDataset, sql_files
from watchkeeper.maritime.flags import flag_of


@dataclass(frozen=True)
class Fix:
    mmsi: int
    ts: str
    lat: float
    lon: float


def _connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


def fingerprint(dataset: AisDataset) -> tuple[tuple[str, int], ...]:
    """Changes whenever a partition file is written (files are replaced, never edited)."""
    files = sorted(dataset.positions_dir.glob("day=*/*.parquet")) + sorted(
        dataset.identities_dir.glob("day=*/*.parquet")
    )
    return tuple((str(f), f.stat().st_mtime_ns) for f in files)


def vessel_mmsis(dataset: AisDataset, imos: Iterable[str], mmsis: Iterable[str]) -> list[int]:
    """The MMSIs given, and those that reported one of the IMO numbers given."""
    found = {int(m) for m in mmsis if m.strip().isdigit()}
    wanted = sorted({i.upper().removeprefix("IMO").strip() for i in imos} - {""})
    files = sorted(dataset.identities_dir.glob("day=*/*.parquet"))
    if wanted and files:
        con = _connect()
        rows = con.execute(
            f"SELECT DISTINCT mmsi FROM read_parquet([{sql_files(files)}])"
            " WHERE list_contains(?, imo)",
            [wanted],
        ).fetchall()
        con.close()
        found.update(int(r[0]) for r in rows)
    return sorted(found)


def identifiers(dataset: AisDataset) -> tuple[frozenset[int], frozenset[str]]:
    """The MMSIs that reported a position, and the IMO numbers reported: a vessel with
    neither has no track here (``vessel_mmsis``, ``positions``)."""
    positions_files = sorted(dataset.positions_dir.glob("day=*/*.parquet"))
    identity_files = sorted(dataset.identities_dir.glob("day=*/*.parquet"))
    con = _connect()
    mmsis: frozenset[int] = frozenset()
    imos: frozenset[str] = frozenset()
    if positions_files:
        rows = con.execute(
            f"SELECT DISTINCT mmsi FROM read_parquet([{sql_files(positions_files)}])"
        ).fetchall()
        mmsis = frozenset(int(r[0]) for r in rows)
    if identity_files:
        rows = con.execute(
            f"SELECT DISTINCT imo FROM read_parquet([{sql_files(identity_files)}])"
            " WHERE imo IS NOT NULL"
        ).fetchall()
        imos = frozenset(str(r[0]) for r in rows)
    con.close()
    return mmsis, imos


def positions(dataset: AisDataset, mmsis: list[int], max_points: int = 2000) -> list[Fix]:
    """Positions of ``mmsis`` in time order, thinned to at most ``max_points``."""
    files = sorted(dataset.positions_dir.glob("day=*/*.parquet"))
    if not files or not mmsis:
        return []
    con = _connect()
    rows = con.execute(
        f"""SELECT mmsi, ts, lat, lon FROM (
                SELECT mmsi, ts, lat, lon,
                       row_number() OVER (ORDER BY ts, mmsi) AS n, count(*) OVER () AS total
                FROM read_parquet([{sql_files(files)}]) WHERE list_contains(?, mmsi)
            ) WHERE total <= ? OR n = 1 OR n = total OR n % ceil(total / ?) = 0
            ORDER BY ts, mmsi""",
        [mmsis, max_points, max_points],
    ).fetchall()
    con.close()
    return [Fix(int(m), ts.isoformat(), float(lat), float(lon)) for m, ts, lat, lon in rows]


def last_positions(dataset: AisDataset, mmsis: list[int]) -> dict[int, Fix]:
    """Each MMSI's last reported position."""
    files = sorted(dataset.positions_dir.glob("day=*/*.parquet"))
    if not files or not mmsis:
        return {}
    con = _connect()
    rows = con.execute(
        f"""SELECT mmsi, max(ts), arg_max(lat, ts), arg_max(lon, ts)
            FROM read_parquet([{sql_files(files)}]) WHERE list_contains(?, mmsi)
            GROUP BY mmsi""",
        [mmsis],
    ).fetchall()
    con.close()
    return {int(m): Fix(int(m), ts.isoformat(), float(la), float(lo)) for m, ts, la, lo in rows}


def identity_history(dataset: AisDataset, mmsis: list[int]) -> list[dict[str, object]]:
    """What each MMSI said it was (name, IMO, call sign), each change once, in time order."""
    files = sorted(dataset.identities_dir.glob("day=*/*.parquet"))
    if not files or not mmsis:
        return []
    con = _connect()
    rows = con.execute(
        f"""SELECT mmsi, min(ts), max(ts), name, imo, call_sign
            FROM read_parquet([{sql_files(files)}]) WHERE list_contains(?, mmsi)
            GROUP BY mmsi, name, imo, call_sign ORDER BY min(ts), mmsi""",
        [mmsis],
    ).fetchall()
    con.close()
    return [
        {
            "mmsi": int(m),
            "flag": flag_of(int(m)),
            "first": first.isoformat(),
            "last": last.isoformat(),
            "name": name,
            "imo": imo,
            "call_sign": call_sign,
        }
        for m, first, last, name, imo, call_sign in rows
    ]
