"""Scoring detections against a simulation's ground truth: recall and precision per kind."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from watchkeeper.maritime.detectors import Detection

TOLERANCE = timedelta(hours=1)


def matches(det: Detection, truth: dict[str, Any]) -> bool:
    if det.kind != truth["kind"]:
        return False
    pair = {det.mmsi, det.other_mmsi or 0}
    wanted = {truth["mmsi"], truth.get("other_mmsi") or 0}
    if det.kind in ("encounter",) or (
        det.kind == "identity_change" and truth.get("field") == "mmsi"
    ):
        if pair != wanted:
            return False
    elif det.mmsi != truth["mmsi"]:
        return False
    if det.kind == "identity_change" and det.details.get("field") != truth.get("field"):
        return False
    if truth.get("area") and det.area != truth["area"]:
        return False
    overlaps: bool = det.start <= truth["end"] + TOLERANCE and truth["start"] <= det.end + TOLERANCE
    return overlaps


def score(detections: list[Detection], truth: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """{kind: {recall, precision, truth, detected}} and an ``all`` row."""
    by_kind: dict[str, dict[str, float]] = defaultdict(
        lambda: {"found": 0, "truth": 0, "correct": 0, "detected": 0}
    )
    for t in truth:
        row = by_kind[t["kind"]]
        row["truth"] += 1
        row["found"] += any(matches(d, t) for d in detections)
    for d in detections:
        row = by_kind[d.kind]
        row["detected"] += 1
        row["correct"] += any(matches(d, t) for t in truth)
    result = {}
    totals = {"found": 0.0, "truth": 0.0, "correct": 0.0, "detected": 0.0}
    for kind, row in sorted(by_kind.items()):
        for key in totals:
            totals[key] += row[key]
        result[kind] = _rates(row)
    result["all"] = _rates(totals)
    return result


def _rates(row: dict[str, float]) -> dict[str, float]:
    return {
        "recall": row["found"] / row["truth"] if row["truth"] else 1.0,
        "precision": row["correct"] / row["detected"] if row["detected"] else 1.0,
        "truth": row["truth"],
        "detected": row["detected"],
    }
