"""Detector thresholds, with defaults taken from Global Fishing Watch's published methods."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Thresholds:
    gap_hours: float = 12.0
    """AIS silence that counts as a gap (GFW: 12 h or more for likely intentional disabling)."""
    outage_km: float = 100.0
    """Gaps of other vessels starting within an hour and this distance of a gap are
    counted with it (``silent_nearby``): many at once is a receiver outage."""
    port_exit_margin_km: float = 1.0
    """A port call starts inside an area's radius and ends beyond radius + margin
    (GFW: entry within 3 km of an anchorage, exit beyond 4 km)."""
    stop_knots: float = 0.2
    """A port call needs a stop below this speed inside the area (GFW: 0.2 kn); a ship
    that passes through without stopping has made no call."""
    loiter_knots: float = 2.0
    """Loitering: moving slower than this (GFW: under 2 kn)..."""
    loiter_hours: float = 4.0
    """...for at least this long..."""
    loiter_merge_minutes: float = 180.0
    """Slow stretches of one vessel at one spot (within 2 km) less than this apart are one
    loitering episode."""
    away_from_port_km: float = 10.0
    """...and this far from every watched port (GFW encounters: at least 10 km from a port)."""
    encounter_meters: float = 500.0
    """Encounter: two vessels within this distance (GFW: 500 m)..."""
    encounter_hours: float = 2.0
    """...for at least this long (GFW: 2 h)..."""
    encounter_knots: float = 2.0
    """...both slower than this (GFW: under 2 kn)."""
    encounter_bucket_minutes: int = 10
    """Positions are compared per time bucket of this size (the mean position in the bucket)."""
    jump_knots: float = 60.0
    """Consecutive positions implying more than this speed are an impossible jump (spoofing)."""
    jump_min_km: float = 5.0
    """...when they are also at least this far apart (GPS noise over seconds is not a jump)."""
    spoof_min_positions: int = 1
    """A spoofed stretch has at least this many positions away from the vessel's track.
    One stray position is still reported (it may be a spoof of one message); the alert
    rules rank it down, since it is often a damaged message."""
    episode_gap_hours: float = 6.0
    """Spoofed stretches of one vessel less than this apart are one spoofing episode."""
    shared_min_positions: int = 10
    """Two ships on one MMSI: each of the two tracks has at least this many positions...
    """
    shared_min_switches: int = 6
    """...and the reports switch between the two tracks at least this many times."""
