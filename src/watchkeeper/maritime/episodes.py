"""One event per episode: jumps and identity reports turned into what happened.

- The positions of each MMSI that made an impossible jump are split into tracks (each
  position joins the track it can plausibly continue, the nearest first). Two tracks
  that both carry many positions and keep alternating are **two ships sharing the MMSI**:
  one ``shared_mmsi`` event over the time both were heard, with both identities. Short
  stretches away from the vessel's main track are **spoofing**: stretches close in time
  form one episode, its jumps listed as evidence.
- Identity reports (stored as spans, dataset.py) give **identity changes**: a new name,
  IMO number or call sign; changes reported at once are one event, and values that
  keep flipping back and forth are one event naming them all. An IMO number reported by
  a new MMSI (a re-flag, or fraud) is one event per new MMSI. Changes on an MMSI two
  ships share are part of the ``shared_mmsi`` event, not events of their own.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from watchkeeper.maritime.events import Detection, when
from watchkeeper.maritime.flags import flag_of
from watchkeeper.maritime.thresholds import Thresholds

EARTH_KM = 6371.0088
MAX_TRACKS = 4
MAX_LISTED = 20
IDENTITY_FIELDS = ("imo", "name", "call_sign")


def _km(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (a_lat, a_lon, b_lat, b_lon))
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    )
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def split_tracks(points: list[tuple[float, float, float]], t: Thresholds) -> list[int]:
    """A track label for each (time, lat, lon), in order: the track whose last position
    this one can follow (within jump speed, or closer than the jump distance), the
    nearest if several; a new track when none can.

    This runs once per position of every vessel that jumped (most of a large dataset:
    a feed damages a position on about a fifth of vessel-days), so the distance is
    :func:`_km` inlined, with each position's radians and cosine computed once: the same
    operations in the same order, so the same floats. :func:`split_track_arrays` gives
    the same labels faster."""
    lasts: list[tuple[float, float, float, float]] = []
    return [_follow(lasts, when_s, lat, lon, t) for when_s, lat, lon in points]


def _follow(
    lasts: list[tuple[float, float, float, float]],
    when_s: float,
    lat: float,
    lon: float,
    t: Thresholds,
) -> int:
    """The track (index in ``lasts``, each track's last position as (time, lat radians,
    lon radians, cos(lat))) that the position joins, ``lasts`` updated."""
    sin, cos, asin, sqrt, radians = math.sin, math.cos, math.asin, math.sqrt, math.radians
    two_r = 2 * EARTH_KM
    min_km, max_knots = t.jump_min_km, t.jump_knots
    la2, lo2 = radians(lat), radians(lon)
    c2 = cos(la2)
    best, best_km = -1, math.inf
    crowded = len(lasts) >= MAX_TRACKS
    for index, (t1, la1, lo1, c1) in enumerate(lasts):
        h = sin((la2 - la1) / 2) ** 2 + c1 * c2 * sin((lo2 - lo1) / 2) ** 2
        d = two_r * asin(min(1.0, sqrt(h)))
        if d < best_km:
            dt = when_s - t1
            if crowded or d < min_km or (dt > 0 and d / dt * 3600 / 1.852 <= max_knots):
                best, best_km = index, d
    if best < 0:
        lasts.append((when_s, la2, lo2, c2))
        return len(lasts) - 1
    lasts[best] = (when_s, la2, lo2, c2)
    return best


PLAIN_MARGIN = 1e-6
"""How far (relatively) inside the jump distance or speed a step must be, and how much
nearer than every other track, to be decided in numpy by :func:`split_track_arrays`
(numpy's and math's sines may differ in the last bits; this is far more than that)."""


def _km_np(
    la1: Any, lo1: Any, c1: Any, la2: NDArray[Any], lo2: NDArray[Any], c2: NDArray[Any]
) -> NDArray[Any]:
    h = np.sin((la2 - la1) / 2) ** 2 + c1 * c2 * np.sin((lo2 - lo1) / 2) ** 2
    km: NDArray[Any] = 2 * EARTH_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    return km


def split_track_arrays(
    when: NDArray[Any], lat: NDArray[Any], lon: NDArray[Any], t: Thresholds
) -> list[int]:
    """:func:`split_tracks` of one vessel's positions given as arrays: the same labels.

    Most positions plainly continue the track of the position before them: the step is
    well within the jump distance or speed, and every other track's last position is
    well farther away. Those are decided in numpy, a run at a time; only the others (a
    jump, a doubtful step) go through :func:`split_tracks`' own comparisons."""
    n = len(when)
    times, lats, lons = when.tolist(), lat.tolist(), lon.tolist()
    la, lo = np.radians(lat), np.radians(lon)
    cl = np.cos(la)
    step = np.zeros(n)
    step[1:] = _km_np(la[:-1], lo[:-1], cl[:-1], la[1:], lo[1:], cl[1:])
    dt = np.zeros(n)
    dt[1:] = when[1:] - when[:-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        knots = np.where(dt > 0, step / np.where(dt > 0, dt, 1.0) * 3600 / 1.852, np.inf)
    plain = (step < t.jump_min_km * (1 - PLAIN_MARGIN)) | (
        knots <= t.jump_knots * (1 - PLAIN_MARGIN)
    )
    nearer = step * (1 + PLAIN_MARGIN) + 1e-9  # other tracks must be farther than this
    lasts: list[tuple[float, float, float, float]] = []
    last_at: list[int] = []  # each track's last position's index
    labels = [0] * n
    i = 0
    while i < n:
        label = _follow(lasts, times[i], lats[i], lons[i], t)
        if label == len(last_at):
            last_at.append(i)
        last_at[label] = i
        labels[i] = label
        i += 1
        # Then the positions that plainly follow on this track, a block at a time.
        start, block = i, 64
        while i < n:
            end = min(n, i + block)
            ok = plain[i:end].copy()
            for other, at in enumerate(last_at):
                if other != label:
                    ok &= (
                        _km_np(la[at], lo[at], cl[at], la[i:end], lo[i:end], cl[i:end])
                        > nearer[i:end]
                    )
            doubtful = np.flatnonzero(~ok)
            if len(doubtful):
                i += int(doubtful[0])
                break
            i, block = end, block * 2
        if i > start:
            labels[start:i] = [label] * (i - start)
            la_last = math.radians(lats[i - 1])
            lasts[label] = (times[i - 1], la_last, math.radians(lons[i - 1]), math.cos(la_last))
            last_at[label] = i - 1
    return labels


def _identities_between(
    spans: list[dict[str, Any]], start: float, end: float
) -> list[dict[str, Any]]:
    found: dict[tuple[Any, ...], dict[str, Any]] = {}
    for s in spans:
        if s["last_t"] < start or s["t"] > end:
            continue
        key = (_norm(s["name"]), s["imo"], _norm(s["call_sign"]))
        if key == (None, None, None):
            continue
        row = found.setdefault(
            key, {"name": key[0], "imo": key[1], "call_sign": key[2], "reports": 0}
        )
        row["reports"] += int(s["reports"] or 1)
    return sorted(found.values(), key=lambda r: -r["reports"])[:MAX_LISTED]


def _norm(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).replace("@", " ").upper().split())
    return text or None


def _position_episodes(
    mmsi: int,
    points: list[tuple[float, float, float]],
    spans: list[dict[str, Any]],
    t: Thresholds,
    labels: list[int] | None = None,
) -> tuple[list[Detection], list[tuple[float, float]]]:
    """Spoofing and shared-MMSI events of one vessel; and the periods shared. ``labels``:
    the positions' tracks, when already split."""
    if not points:
        return [], []
    labels = split_tracks(points, t) if labels is None else labels
    counts: dict[int, int] = defaultdict(int)
    for label in labels:
        counts[label] += 1
    ranked = sorted(counts, key=lambda k: (-counts[k], k))
    main = ranked[0]
    out: list[Detection] = []
    shared_periods: list[tuple[float, float]] = []
    if len(ranked) > 1 and counts[ranked[1]] >= t.shared_min_positions:
        pair = {main, ranked[1]}
        sequence = [(i, label) for i, label in enumerate(labels) if label in pair]
        switches = [i for (i, a), (_, b) in itertools.pairwise(sequence) if a != b]
        if len(switches) >= t.shared_min_switches:
            first = next(i for i, label in enumerate(labels) if label == ranked[1])
            last = max(i for i, label in enumerate(labels) if label == ranked[1])
            start = points[max(0, min(first, switches[0]) - 1)][0]
            end = points[min(len(points) - 1, max(last, switches[-1] + 1))][0]
            shared_periods.append((start, end))
            centres = {
                k: (
                    sum(points[i][1] for i, lab in enumerate(labels) if lab == k) / counts[k],
                    sum(points[i][2] for i, lab in enumerate(labels) if lab == k) / counts[k],
                )
                for k in pair
            }
            identities = _identities_between(spans, start, end)
            out.append(
                Detection(
                    "shared_mmsi",
                    mmsi,
                    when(start),
                    when(end),
                    points[first][1],
                    points[first][2],
                    details={
                        "identities": identities,
                        "names": sorted({i["name"] for i in identities if i["name"]}),
                        "imos": sorted({i["imo"] for i in identities if i["imo"]}),
                        "hours": round((end - start) / 3600, 1),
                        "tracks_km_apart": round(_km(*centres[main], *centres[ranked[1]]), 1),
                    },
                    evidence={
                        "positions": counts[main] + counts[ranked[1]],
                        "positions_track_1": counts[main],
                        "positions_track_2": counts[ranked[1]],
                        "jumps": len(switches),
                        "identity_messages": sum(i["reports"] for i in identities),
                    },
                )
            )
            return out, shared_periods
    # Stretches off the main track: (first index, last index).
    stretches: list[tuple[int, int]] = []
    for i, label in enumerate(labels):
        if label == main:
            continue
        if stretches and stretches[-1][1] == i - 1:
            stretches[-1] = (stretches[-1][0], i)
        else:
            stretches.append((i, i))
    stretches = [s for s in stretches if s[1] - s[0] + 1 >= t.spoof_min_positions]
    episode: list[tuple[int, int]] = []
    for stretch in [*stretches, (-1, -1)]:
        if episode and (
            stretch[0] < 0
            or points[stretch[0]][0] - points[episode[-1][1]][0] > t.episode_gap_hours * 3600
        ):
            out.append(_spoofing(mmsi, points, episode))
            episode = []
        if stretch[0] >= 0:
            episode.append(stretch)
    return out, shared_periods


def _spoofing(
    mmsi: int, points: list[tuple[float, float, float]], stretches: list[tuple[int, int]]
) -> Detection:
    first, last = stretches[0][0], stretches[-1][1]
    before, after = max(0, first - 1), min(len(points) - 1, last + 1)
    jumps = []
    away = 0
    far = 0.0
    for a, b in stretches:
        away += b - a + 1
        for i, j in ((a - 1, a), (b, b + 1)):
            if i >= 0 and j < len(points):
                d = _km(points[i][1], points[i][2], points[j][1], points[j][2])
                far = max(far, d)
                dt = points[j][0] - points[i][0]
                jumps.append(
                    {
                        "at": when(points[j][0]).isoformat(timespec="seconds"),
                        "km": round(d, 1),
                        "implied_knots": round(d / dt * 3600 / 1.852, 1) if dt > 0 else None,
                    }
                )
    return Detection(
        "spoofing",
        mmsi,
        when(points[before][0]),
        when(points[after][0]),
        points[first][1],
        points[first][2],
        details={
            "max_km": round(far, 1),
            "stretches": len(stretches),
            "hours": round((points[after][0] - points[before][0]) / 3600, 2),
            "jumps_listed": jumps[:MAX_LISTED],
            "true_lat": round(points[before][1], 5),
            "true_lon": round(points[before][2], 5),
        },
        evidence={"jumps": len(jumps), "positions_away": away, "positions": away + 2},
    )


@dataclass
class _Value:
    value: str
    first: float
    last: float
    reports: int = 0
    mmsis: set[int] = field(default_factory=set)


def _values(spans: list[dict[str, Any]], column: str) -> list[_Value]:
    found: dict[str, _Value] = {}
    for s in spans:
        value = s[column] if column == "imo" else _norm(s[column])
        if not value:
            continue
        v = found.setdefault(value, _Value(value, s["t"], s["last_t"]))
        v.first, v.last = min(v.first, s["t"]), max(v.last, s["last_t"])
        v.reports += int(s["reports"] or 1)
    return sorted(found.values(), key=lambda v: (v.first, v.value))


def _identity_changes(
    mmsi: int, spans: list[dict[str, Any]], shared: list[tuple[float, float]]
) -> list[Detection]:
    def is_shared(at: float) -> bool:
        return any(start <= at <= end for start, end in shared)

    changes: dict[float, dict[str, dict[str, Any]]] = defaultdict(dict)
    out: list[Detection] = []
    for column in IDENTITY_FIELDS:
        values = _values(spans, column)
        # Values whose report periods overlap keep flipping back and forth: one group.
        # A value reported once inside another's period is a damaged report, not a flip.
        groups: list[list[_Value]] = []
        for v in values:
            if groups and v.first < max(g.last for g in groups[-1]):
                if v.reports < 2:
                    continue
                groups[-1].append(v)
            else:
                groups.append([v])
        for previous, group in itertools.pairwise(groups):
            new = group[0]
            if not is_shared(new.first):
                changes[new.first][column] = {"from": previous[-1].value, "to": new.value}
        for group in groups:
            flipping = [v for v in group if v.reports >= 2]
            if len(flipping) < 2 or is_shared(group[0].first):
                continue
            start, end = min(v.first for v in flipping), max(v.last for v in flipping)
            out.append(
                Detection(
                    "identity_change",
                    mmsi,
                    when(start),
                    when(end),
                    details={
                        "field": column,
                        "fields": [column],
                        "alternating": True,
                        "values": [v.value for v in flipping][:MAX_LISTED],
                    },
                    evidence={"messages": sum(v.reports for v in flipping)},
                )
            )
    for at, fields in sorted(changes.items()):
        ordered = [f for f in IDENTITY_FIELDS if f in fields]
        out.append(
            Detection(
                "identity_change",
                mmsi,
                when(at),
                when(at),
                details={
                    "field": ordered[0],
                    "fields": ordered,
                    "alternating": False,
                    "changes": {f: fields[f] for f in ordered},
                    "from": fields[ordered[0]]["from"],
                    "to": fields[ordered[0]]["to"],
                },
                evidence={"messages": sum(int(s["reports"] or 1) for s in spans if s["t"] == at)},
            )
        )
    return out


def valid_imo(value: str | None) -> bool:
    """Seven digits whose last is the check digit of the first six (weights 7 to 2)."""
    if not value or len(value) != 7 or not value.isdigit() or value == "0000000":
        return False
    digits = [int(c) for c in value]
    return sum(d * w for d, w in zip(digits[:6], range(7, 1, -1), strict=True)) % 10 == digits[6]


def _reflags(spans: list[dict[str, Any]]) -> list[Detection]:
    """An IMO number reported under a new MMSI: a re-flag (the MMSI's first three
    digits, the MID, name the flag state) or identity fraud."""
    by_imo: dict[str, dict[int, _Value]] = defaultdict(dict)
    for s in spans:
        if not valid_imo(s["imo"]):
            continue
        v = by_imo[s["imo"]].setdefault(s["mmsi"], _Value(s["imo"], s["t"], s["last_t"]))
        v.first, v.last = min(v.first, s["t"]), max(v.last, s["last_t"])
        v.reports += int(s["reports"] or 1)
    out = []
    for imo, mmsis in sorted(by_imo.items()):
        ordered = sorted(mmsis.items(), key=lambda kv: (kv[1].first, kv[0]))
        for (old, old_v), (new, new_v) in itertools.pairwise(ordered):
            old_mid, new_mid = str(old)[:3], str(new)[:3]
            out.append(
                Detection(
                    "identity_change",
                    new,
                    when(new_v.first),
                    when(new_v.first),
                    other_mmsi=old,
                    details={
                        "field": "mmsi",
                        "fields": ["mmsi"],
                        "imo": imo,
                        "from": old,
                        "to": new,
                        "flag_changed": old_mid != new_mid,
                        "from_mid": old_mid,
                        "to_mid": new_mid,
                        "from_flag": flag_of(old),
                        "to_flag": flag_of(new),
                        "both_reporting": new_v.first <= old_v.last,
                    },
                    evidence={"messages": new_v.reports + old_v.reports},
                )
            )
    return out


def spans_by_mmsi(spans: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    by_mmsi: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for span in spans:
        by_mmsi[int(span["mmsi"])].append(span)
    return by_mmsi


def position_episodes(
    tracks: dict[int, list[tuple[float, float, float]]],
    by_mmsi: dict[int, list[dict[str, Any]]],
    t: Thresholds,
    labels: dict[int, list[int]] | None = None,
) -> tuple[list[Detection], dict[int, list[tuple[float, float]]]]:
    """Spoofing and shared-MMSI events of the vessels whose positions are in ``tracks``
    (each vessel on its own, so the detectors hand them over a few vessels at a time),
    and the periods each MMSI was shared. ``labels``: per MMSI, its positions' tracks
    when already split (:func:`split_track_arrays`)."""
    out: list[Detection] = []
    shared: dict[int, list[tuple[float, float]]] = {}
    known = labels or {}
    for mmsi in sorted(tracks):
        found, periods = _position_episodes(
            mmsi, tracks[mmsi], by_mmsi.get(mmsi, []), t, known.get(mmsi)
        )
        out.extend(found)
        shared[mmsi] = periods
    return out, shared


def identity_episodes(
    spans: list[dict[str, Any]],
    by_mmsi: dict[int, list[dict[str, Any]]],
    shared: dict[int, list[tuple[float, float]]],
) -> list[Detection]:
    """Identity changes (outside the periods an MMSI was shared) and re-flags."""
    out: list[Detection] = []
    for mmsi, vessel_spans in sorted(by_mmsi.items()):
        out.extend(_identity_changes(mmsi, vessel_spans, shared.get(mmsi, [])))
    out.extend(_reflags(spans))
    return out


def episodes(
    jumps: list[dict[str, Any]],
    tracks: dict[int, list[tuple[float, float, float]]],
    spans: list[dict[str, Any]],
    t: Thresholds,
    kinds: tuple[str, ...],
) -> list[Detection]:
    """Spoofing, shared-MMSI and identity-change events from the detectors' raw jumps,
    the jumping vessels' tracks and the identity spans."""
    by_mmsi = spans_by_mmsi(spans)
    jumped = {int(j["mmsi"]) for j in jumps}
    out, shared = position_episodes({m: tracks.get(m, []) for m in jumped}, by_mmsi, t)
    if "identity_change" in kinds:
        out.extend(identity_episodes(spans, by_mmsi, shared))
    return out


__all__ = [
    "episodes",
    "identity_episodes",
    "position_episodes",
    "spans_by_mmsi",
    "split_track_arrays",
    "split_tracks",
    "valid_imo",
]
