"""GeoJSON for the maps: a vessel's track with its events, and the map page's layers.

A vessel's AIS track is found by the identifiers the viewer may see on it (IMO, MMSI);
its detections are the Events the viewer may see that involve it, placed at the track's
position nearest in time. Tracks are cached per identifiers and AIS dataset version, so
the cache itself holds nothing that depends on who asked.
"""

from __future__ import annotations

import bisect
from dataclasses import replace
from typing import Any

from watchkeeper.maritime import tracks
from watchkeeper.maritime.dataset import AisDataset
from watchkeeper.maritime.link import LABELS
from watchkeeper.store import EntityView, Reader
from watchkeeper.web import data
from watchkeeper.web.workbench import Workbench

Feature = dict[str, Any]


def collection(features: list[Feature]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def point(lon: float, lat: float, **props: Any) -> Feature:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": props,
    }


def ais_versions(bench: Workbench) -> tuple[tuple[str, tuple[tuple[str, int], ...]], ...]:
    """The AIS datasets' fingerprints: what a cached map answer must be keyed by besides
    the store (AIS files are not in the store's stamp)."""
    return tuple((str(ds.root), tracks.fingerprint(ds)) for ds in bench.ais_datasets())


def fixes(bench: Workbench, imos: list[str], mmsis: list[str]) -> list[tracks.Fix]:
    """Positions of the vessel with these identifiers, over every AIS dataset, in order."""
    out: list[tracks.Fix] = []
    for dataset in bench.ais_datasets():
        version = tracks.fingerprint(dataset)
        key = ("track", str(dataset.root), tuple(sorted(imos)), tuple(sorted(mmsis)))

        def read(ds: AisDataset = dataset) -> list[tracks.Fix]:
            return tracks.positions(ds, tracks.vessel_mmsis(ds, imos, mmsis))

        out.extend(bench.cached(key, version, read))
    out.sort(key=lambda f: (f.ts, f.mmsi))
    return out


def identity_history(bench: Workbench, imos: list[str], mmsis: list[str]) -> list[dict[str, Any]]:
    """What the vessel's MMSIs reported about themselves, cached like its track."""
    rows: list[dict[str, Any]] = []
    for dataset in bench.ais_datasets():
        key = ("identities", str(dataset.root), tuple(sorted(imos)), tuple(sorted(mmsis)))

        def read(ds: AisDataset = dataset) -> list[dict[str, Any]]:
            return tracks.identity_history(ds, tracks.vessel_mmsis(ds, imos, mmsis))

        rows.extend(bench.cached(key, tracks.fingerprint(dataset), read))
    return sorted(rows, key=lambda r: (str(r["first"]), int(str(r["mmsi"]))))


def nearest(track: list[tracks.Fix], when: str) -> tracks.Fix | None:
    if not track or not when:
        return None
    times = [f.ts for f in track]
    i = bisect.bisect_left(times, when)
    candidates = [track[j] for j in (i - 1, i) if 0 <= j < len(track)]
    return min(candidates, key=lambda f: abs(_seconds(f.ts) - _seconds(when)))


def _seconds(ts: str) -> float:
    from datetime import UTC, datetime

    try:
        parsed = datetime.fromisoformat(ts)
    except ValueError:
        return 0.0
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def unwrapped(track: list[tracks.Fix]) -> list[tracks.Fix]:
    """The track with each longitude moved by whole turns to within 180° of the one
    before: a ship crossing the anti-meridian (179.9° E to 179.9° W) goes on to 180.1°
    rather than back across the whole map (Leaflet draws longitudes past ±180 on the
    world's next copy, where the ship is). Per MMSI, as the lines are drawn."""
    out: list[tracks.Fix] = []
    last: dict[int, float] = {}
    for fix in track:
        lon = fix.lon
        before = last.get(fix.mmsi)
        if before is not None:
            lon += 360.0 * round((before - lon) / 360.0)
        last[fix.mmsi] = lon
        out.append(fix if lon == fix.lon else replace(fix, lon=lon))
    return out


def _gap_segment(track: list[tracks.Fix], event: data.Event) -> list[list[float]] | None:
    """Where a vessel went dark: from its last position before the gap's start to its
    first after the gap's end (the silent stretch, drawn as one straight segment)."""
    times = [f.ts for f in track]
    before = bisect.bisect_right(times, event.date) - 1
    after = bisect.bisect_left(times, event.end or event.date)
    if before < 0 or after >= len(track) or after <= before:
        return None
    a, b = track[before], track[after]
    return [[a.lon, a.lat], [b.lon, b.lat]]


def event_features(track: list[tracks.Fix], events: list[data.Event]) -> list[Feature]:
    """An event where it happened on the track: a gap as the segment the vessel was dark
    over, the others at the position nearest their start; each named by its title and
    carrying its period (for the map's time slider)."""
    out = []
    for event in events:
        if event.kind is None:
            continue
        props = {
            "kind": event.kind,
            "name": event.title,
            "note": f"{LABELS.get(event.kind, event.kind)}: {_period(event)}",
            "url": f"/entity/{event.id}",
            "alert": event.alert,
            "id": event.id,
            "start": event.date,
            "end": event.end or event.date,
        }
        segment = _gap_segment(track, event) if event.kind == "gap" else None
        if segment is not None:
            out.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": segment},
                    "properties": props,
                }
            )
            continue
        fix = nearest(track, event.date)
        if fix is None:
            continue
        out.append(point(fix.lon, fix.lat, **props))
    return out


def _period(event: data.Event) -> str:
    start, end = event.date[:16].replace("T", " "), (event.end or "")[:16].replace("T", " ")
    return f"{start} – {end}" if end and end != start else start


def line(track: list[tracks.Fix], name: str, url: str) -> list[Feature]:
    """One line per MMSI (a vessel that changed MMSI has two tracks), with the time of
    each position (for the map's time slider)."""
    by_mmsi: dict[int, list[tracks.Fix]] = {}
    for fix in track:
        by_mmsi.setdefault(fix.mmsi, []).append(fix)
    out = []
    for mmsi, fixes_ in sorted(by_mmsi.items()):
        coords = [[f.lon, f.lat] for f in fixes_]
        times = [f.ts for f in fixes_]
        if len(coords) < 2:
            coords, times = coords * 2, times * 2
        out.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": coords},
                "properties": {
                    "kind": "track",
                    "name": f"{name} (MMSI {mmsi})",
                    "note": f"{fixes_[0].ts[:16]} – {fixes_[-1].ts[:16]}, {len(fixes_)} positions",
                    "url": url,
                    "alert": False,
                    "id": url.rsplit("/", 1)[-1],
                    "start": times[0],
                    "end": times[-1],
                    "times": times,
                },
            }
        )
    return out


def vessel_events(reader: Reader, vessel_id: str) -> list[data.Event]:
    views = [v for v in reader.referencing(vessel_id) if v.schema == "Event"]
    captions = {vessel_id: vessel_id}
    return [data._event(v, captions) for v in views]


def vessel_track(bench: Workbench, reader: Reader, view: EntityView) -> dict[str, Any]:
    imos, mmsis = data.vessel_identifiers(view)
    track = unwrapped(fixes(bench, imos, mmsis))
    features = line(track, view.caption, f"/entity/{view.id}")
    features += event_features(track, vessel_events(reader, view.id))
    return collection(features)


def vessels_with_tracks(bench: Workbench, reader: Reader) -> list[str]:
    """The visible vessels with an MMSI that reported a position, or an IMO number that
    was reported, in some AIS dataset: the others have no track. (A store of 1 M
    entities holds 100,000 vessels; a track is looked up per vessel.)"""
    mmsis: set[int] = set()
    imos: set[str] = set()
    for dataset in bench.ais_datasets():
        found = bench.cached(
            ("ais identifiers", str(dataset.root)),
            tracks.fingerprint(dataset),
            lambda ds=dataset: tracks.identifiers(ds),
        )
        mmsis |= found[0]
        imos |= found[1]
    ids: set[str] = set()
    for entity_id, prop, value in reader.values_of("Vessel", ("mmsi", "imoNumber")):
        reported = (
            value.strip().isdigit() and int(value) in mmsis
            if prop == "mmsi"
            else value.upper().removeprefix("IMO").strip() in imos
        )
        if reported:
            ids.add(entity_id)
    return sorted(ids)


def layer(bench: Workbench, reader: Reader, name: str) -> dict[str, Any]:
    """The map page's layers: ports, tracks, detections, alerts."""
    if name == "ports":
        return collection(
            [
                point(
                    p["lon"],
                    p["lat"],
                    kind="port",
                    name=p["name"],
                    note=p["note"],
                    url=f"/entity/{p['id']}",
                    alert=False,
                    id=p["id"],
                )
                for p in data.watched_ports(reader)
            ]
        )
    vessels = list(reader.entities(vessels_with_tracks(bench, reader)))
    features: list[Feature] = []
    for view in vessels:
        imos, mmsis = data.vessel_identifiers(view)
        if not imos and not mmsis:
            continue
        track = unwrapped(fixes(bench, imos, mmsis))
        if not track:
            continue
        if name == "tracks":
            features += line(track, view.caption, f"/entity/{view.id}")
            continue
        events = vessel_events(reader, view.id)
        wanted = [e for e in events if e.kind and (e.alert if name == "alerts" else True)]
        features += event_features(track, wanted)
    return collection(features)


LAYERS = ("ports", "tracks", "detections", "alerts")
