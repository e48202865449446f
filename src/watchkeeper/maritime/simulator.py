"""A traffic simulator: background traffic plus scripted scenarios, with the ground truth.

Background vessels cruise between waypoints in the Sea of Japan at realistic speeds,
report every 2–6 minutes (class A at sea) and lose reception now and then for less than
the gap threshold. Scenarios script what exposed the Rajin–Vostochny shuttle: a shuttle
that goes dark on its North Korean legs, a ship-to-ship meeting at sea, a vessel that is
renamed and re-flagged (a new MMSI with another country's MID, the same IMO), and a
spoofed position. ``truth`` lists every event the scenarios contain.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from watchkeeper.maritime.areas import Area
from watchkeeper.maritime.records import Identity, Position, identities_table, positions_table

EARTH_KM = 6371.0088
BOX = (35.5, 44.5, 129.0, 139.5)  # Sea of Japan: lat min/max, lon min/max


def _dist_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    )
    return 2 * EARTH_KM * math.asin(math.sqrt(h))


def _towards(a: tuple[float, float], b: tuple[float, float], km: float) -> tuple[float, float]:
    total = _dist_km(a, b)
    if total <= km or total == 0:
        return b
    f = km / total
    return (a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f)


@dataclass
class Simulation:
    positions: list[Position] = field(default_factory=list)
    identities: list[Identity] = field(default_factory=list)
    truth: list[dict[str, Any]] = field(default_factory=list)

    def write(self, folder: Path) -> None:
        """positions.parquet, identities.parquet and truth.json, side by side."""
        import pyarrow.parquet as pq

        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(positions_table(self.positions, "simulator"), folder / "positions.parquet")
        pq.write_table(
            identities_table(self.identities, "simulator"), folder / "identities.parquet"
        )
        truth = [
            {**t, "start": t["start"].isoformat(), "end": t["end"].isoformat()} for t in self.truth
        ]
        (folder / "truth.json").write_text(json.dumps(truth, indent=1))


class Simulator:
    def __init__(self, ports: list[Area], seed: int = 1, start: datetime | None = None) -> None:
        self.ports = {p.name: p for p in ports}
        self.rng = random.Random(seed)
        self.start = start or datetime(2024, 3, 1, tzinfo=UTC)
        self.sim = Simulation()

    # -- primitives ---------------------------------------------------------------------

    def _report(
        self,
        mmsi: int,
        when: datetime,
        where: tuple[float, float],
        knots: float,
        course: float = 0.0,
    ) -> None:
        jitter = self.rng.gauss(0, 0.00005)
        self.sim.positions.append(
            Position(mmsi, when, where[0] + jitter, where[1] + jitter, round(knots, 1), course)
        )

    def _sail(
        self,
        mmsi: int,
        when: datetime,
        a: tuple[float, float],
        b: tuple[float, float],
        knots: float,
        transmit: bool = True,
        every: tuple[int, int] = (120, 360),
    ) -> tuple[datetime, tuple[float, float]]:
        """Move from a to b; report every few minutes when transmitting."""
        here = a
        while here != b:
            step_s = self.rng.randint(*every)
            here = _towards(here, b, knots * 1.852 * step_s / 3600)
            when += timedelta(seconds=step_s)
            if transmit:
                self._report(mmsi, when, here, knots + self.rng.uniform(-0.5, 0.5))
        return when, here

    def _stay(
        self,
        mmsi: int,
        when: datetime,
        where: tuple[float, float],
        hours: float,
        knots: float = 0.0,
        every: tuple[int, int] = (180, 600),
    ) -> datetime:
        end = when + timedelta(hours=hours)
        while when < end:
            when += timedelta(seconds=self.rng.randint(*every))
            self._report(mmsi, when, where, max(0.0, knots + self.rng.uniform(-0.05, 0.05)))
        return when

    def _truth(self, kind: str, mmsi: int, start: datetime, end: datetime, **extra: Any) -> None:
        self.sim.truth.append({"kind": kind, "mmsi": mmsi, "start": start, "end": end, **extra})

    def _point_at_sea(self, min_km_from_port: float = 40.0) -> tuple[float, float]:
        while True:
            p = (self.rng.uniform(BOX[0], BOX[1]), self.rng.uniform(BOX[2], BOX[3]))
            if all(_dist_km(p, (a.lat, a.lon)) > min_km_from_port for a in self.ports.values()):
                return p

    # -- traffic and scenarios ------------------------------------------------------------

    def background(self, vessels: int, days: float) -> None:
        for n in range(vessels):
            mmsi = 440_000_000 + n  # Korean MID, no relation to real vessels
            when = self.start + timedelta(minutes=self.rng.randint(0, 120))
            here = self._point_at_sea()
            self.sim.identities.append(
                Identity(mmsi, when, name=f"SIM TRAFFIC {n}", imo=None, ship_type=70)
            )
            end = self.start + timedelta(days=days)
            while when < end:
                target = self._point_at_sea()
                knots = self.rng.uniform(10, 16)
                # Occasional reception loss, always shorter than the gap threshold.
                transmit_until = when + timedelta(hours=self.rng.uniform(3, 10))
                when, here = self._sail(mmsi, when, here, _towards(here, target, 120), knots)
                if when > transmit_until:
                    when += timedelta(hours=self.rng.uniform(0.5, 4))

    def shuttle(self, mmsi: int, imo: str, name: str, trips: int) -> None:
        """Vostochny -> Rajin -> Vostochny, AIS off from leaving Russian waters until back."""
        vostochny, rajin = self.ports["Vostochny"], self.ports["Rajin"]
        berth = (vostochny.lat, vostochny.lon)
        offshore = (vostochny.lat - 0.35, vostochny.lon - 0.25)  # ~40 km out: goes dark here
        when = self.start + timedelta(hours=6)
        self.sim.identities.append(
            Identity(mmsi, when, name=name, imo=imo, call_sign="UBSIM", ship_type=70)
        )
        for _ in range(trips):
            arrived = when
            when = self._stay(mmsi, when, berth, hours=self.rng.uniform(20, 30))
            self._truth("port_call", mmsi, arrived, when, area=vostochny.id)
            when, _ = self._sail(mmsi, when, berth, offshore, 12)
            dark_from = when
            # The dark leg: to Rajin, a day alongside, and back to the same spot.
            leg_hours = 2 * _dist_km(offshore, (rajin.lat, rajin.lon)) / (12 * 1.852) + 24
            when += timedelta(hours=leg_hours)
            self._report(mmsi, when, offshore, 12)
            self._truth("gap", mmsi, dark_from, when)
            when, _ = self._sail(mmsi, when, offshore, berth, 12)
        arrived = when
        when = self._stay(mmsi, when, berth, hours=6)
        self._truth("port_call", mmsi, arrived, when, area=vostochny.id)

    def ship_to_ship(self, a: int, b: int, hours: float = 5.0) -> None:
        """Two vessels meet at sea and lie alongside (< 200 m) at under 1 kn."""
        meet = self._point_at_sea(80)
        when = self.start + timedelta(days=1, hours=3)
        for mmsi, offset in ((a, 0.0), (b, 0.0012)):
            self.sim.identities.append(
                Identity(mmsi, when, name=f"SIM STS {mmsi % 1000}", ship_type=80)
            )
            spot = (meet[0] + offset, meet[1])
            approach = (spot[0] - 0.5, spot[1] - 0.5)
            t, _ = self._sail(mmsi, when - timedelta(hours=6), approach, spot, 11)
            end = self._stay(mmsi, max(t, when), spot, hours, knots=0.4, every=(120, 300))
            self._sail(mmsi, end, spot, (spot[0] + 0.5, spot[1] + 0.5), 11)
            self._truth("loitering", mmsi, when, end)
        self._truth(
            "encounter", min(a, b), when, when + timedelta(hours=hours), other_mmsi=max(a, b)
        )

    def identity_change(self, mmsi: int, new_mmsi: int, imo: str) -> None:
        """Renamed mid-voyage, then re-flagged: a new MMSI (another MID) with the same IMO."""
        when = self.start + timedelta(hours=2)
        here = self._point_at_sea()
        self.sim.identities.append(
            Identity(mmsi, when, name="SIM OLD NAME", imo=imo, call_sign="SIMA1")
        )
        when, here = self._sail(mmsi, when, here, _towards(here, self._point_at_sea(), 100), 12)
        self.sim.identities.append(
            Identity(mmsi, when, name="SIM NEW NAME", imo=imo, call_sign="SIMA1")
        )
        self._truth("identity_change", mmsi, when, when, field="name")
        when, here = self._sail(mmsi, when, here, _towards(here, self._point_at_sea(), 100), 12)
        self.sim.identities.append(
            Identity(new_mmsi, when, name="SIM NEW NAME", imo=imo, call_sign="SIMB2")
        )
        self._truth("identity_change", new_mmsi, when, when, field="mmsi", other_mmsi=mmsi)
        self._sail(new_mmsi, when, here, _towards(here, self._point_at_sea(), 100), 12)

    def spoof(self, mmsi: int) -> None:
        """One position reported ~300 km from the true track, then back."""
        when = self.start + timedelta(hours=5)
        here = self._point_at_sea()
        self.sim.identities.append(Identity(mmsi, when, name="SIM SPOOFER", ship_type=70))
        when, here = self._sail(mmsi, when, here, _towards(here, self._point_at_sea(), 60), 12)
        fake = (here[0] + 2.7, here[1])
        fake = (min(fake[0], 44.9), fake[1])
        when += timedelta(minutes=3)
        self._report(mmsi, when, fake, 12)
        self._truth("jump", mmsi, when - timedelta(minutes=6), when)
        back = when + timedelta(minutes=3)
        self._report(mmsi, back, here, 12)
        self._truth("jump", mmsi, when, back)
        self._sail(mmsi, back, here, _towards(here, self._point_at_sea(), 60), 12)


def scenario(
    ports: list[Area],
    seed: int = 1,
    background: int = 20,
    days: float = 4.0,
    shuttle: tuple[str, str] = ("9999996", "SIM SHUTTLE"),
) -> Simulation:
    """The standard scenario set used by tests and the demo. ``shuttle`` is the (IMO, name)
    the simulated shuttle reports; the demo gives it a theater vessel's to show linking."""
    sim = Simulator(ports, seed)
    sim.background(background, days)
    sim.shuttle(273_900_001, shuttle[0], shuttle[1], trips=2)
    sim.ship_to_ship(273_900_002, 445_900_003)
    sim.identity_change(273_900_004, 351_900_004, "9999998")
    sim.spoof(445_900_005)
    sim.sim.positions.sort(key=lambda p: (p.mmsi, p.ts))
    return sim.sim
