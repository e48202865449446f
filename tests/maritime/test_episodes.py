"""split_tracks, the step that runs once per position of every vessel that jumped, is
written for speed (the distance inlined, radians and cosines computed once): it must label
every position exactly as the plain algorithm does."""

from __future__ import annotations

import math
import random

import pytest

from watchkeeper.maritime.episodes import MAX_TRACKS, split_tracks
from watchkeeper.maritime.thresholds import Thresholds


def _km(a_lat: float, a_lon: float, b_lat: float, b_lon: float) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (a_lat, a_lon, b_lat, b_lon))
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def reference(points: list[tuple[float, float, float]], t: Thresholds) -> list[int]:
    """The algorithm as stated: each position joins the nearest track it can plausibly
    continue (any track once MAX_TRACKS exist), else starts a new one."""
    tracks: list[list[float]] = []
    labels = []
    for when_s, lat, lon in points:
        best, best_km = -1, math.inf
        for index, (t1, lat1, lon1) in enumerate(tracks):
            d = _km(lat1, lon1, lat, lon)
            dt = when_s - t1
            plausible = d < t.jump_min_km or (dt > 0 and d / dt * 3600 / 1.852 <= t.jump_knots)
            if (plausible or len(tracks) >= MAX_TRACKS) and d < best_km:
                best, best_km = index, d
        if best < 0:
            tracks.append([when_s, lat, lon])
            best = len(tracks) - 1
        tracks[best] = [when_s, lat, lon]
        labels.append(best)
    return labels


def _track(rng: random.Random, n: int, jumps: int, edge: bool) -> list[tuple[float, float, float]]:
    t = Thresholds()
    when_s, lat, lon = 1.7e9, rng.uniform(-60, 60), rng.uniform(-179, 179)
    at = set(rng.sample(range(1, n), jumps)) if jumps else set()
    out = []
    for i in range(n):
        step = rng.choice([0, 0, 30, 180, 600, 4000])
        when_s += step
        if i in at:
            lat += rng.choice([-3.0, 3.0, 0.5])
        elif edge and step:
            # a step within a few parts in 1e9 of the jump speed or the jump distance
            km = rng.choice([t.jump_knots * 1.852 * step / 3600, t.jump_min_km])
            lat += km / 111.195 * rng.choice([0.999999999, 1.0, 1.000000001])
        else:
            lat += rng.uniform(-0.01, 0.01)
            lon += rng.uniform(-0.01, 0.01)
        out.append((when_s, max(-89.9, min(89.9, lat)), lon))
    return out


@pytest.mark.parametrize("seed", range(40))
def test_split_tracks_labels_as_the_plain_algorithm(seed: int) -> None:
    rng = random.Random(seed)
    t = Thresholds()
    for _ in range(20):
        n = rng.choice([1, 2, 3, 5, 50, 400])
        points = _track(rng, n, rng.randint(0, min(6, n - 1)), edge=rng.random() < 0.5)
        assert split_tracks(points, t) == reference(points, t)


def test_split_tracks_splits_a_stray_position_off() -> None:
    t = Thresholds()
    points = [(1.7e9 + 180 * i, 40.0 + 0.004 * i, 130.0) for i in range(20)]
    points[7] = (points[7][0], points[7][1] + 3.0, 130.0)
    labels = split_tracks(points, t)
    assert labels == [0] * 7 + [1] + [0] * 12
    assert labels == reference(points, t)


def _crowded(rng: random.Random, n: int) -> list[tuple[float, float, float]]:
    """Several ships (or spoofed positions) on one MMSI, reporting in turn: up to six
    tracks, more than MAX_TRACKS, some close together."""
    centres = [(rng.uniform(-50, 50), rng.uniform(-170, 170)) for _ in range(rng.randint(2, 6))]
    centres += [(centres[0][0] + 0.04, centres[0][1])]  # one within the jump distance
    when_s, out = 1.7e9, []
    for i in range(n):
        when_s += rng.choice([0, 10, 60, 180, 3600])
        lat, lon = centres[rng.randrange(len(centres))] if rng.random() < 0.3 else centres[0]
        out.append((when_s, lat + 0.0001 * i, lon))
    return out


@pytest.mark.parametrize("seed", range(30))
def test_split_track_arrays_labels_as_the_plain_algorithm(seed: int) -> None:
    """The labels from arrays (runs decided in numpy) are those of the comparisons one
    by one: steps within a few parts in 1e9 of the jump speed or distance, tracks
    alternating, more tracks than MAX_TRACKS."""
    import numpy as np

    from watchkeeper.maritime.episodes import split_track_arrays

    rng = random.Random(seed)
    t = Thresholds()
    for _ in range(20):
        n = rng.choice([1, 2, 3, 5, 50, 400, 1500])
        if rng.random() < 0.25:
            points = _crowded(rng, n)
        else:
            points = _track(rng, n, rng.randint(0, min(12, n - 1)), edge=rng.random() < 0.5)
        when, lat, lon = (np.array([p[i] for p in points]) for i in range(3))
        assert split_track_arrays(when, lat, lon, t) == reference(points, t)
