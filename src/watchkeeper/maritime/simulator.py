"""A traffic simulator: background trade between ports plus scripted scenarios, with the
ground truth.

Background ships trade between ports of the Sea of Japan that are *not* on the watch
list (Korean, Japanese and Russian ports of the gazetteer): they sail at 10–16 kn
reporting every 2–6 minutes, lose reception now and then for less than the gap
threshold, wait at their destination's anchorage for a few hours now and then, and lie
at berth for half a day to two days, several of them at one berth at a time. Nothing
they do is an anomaly: every alert on them is a false alarm.

The scripted scenarios are what exposed the Rajin–Vostochny shuttle and what sanctions
monitors look for: a shuttle that goes dark on its North Korean legs, a ship-to-ship
meeting at sea, a vessel renamed and re-flagged (a new MMSI with another country's MID,
the same IMO), a spoofed track (hours of positions reported far from the ship), and one
MMSI used by two ships at once. ``truth`` lists every event they contain.
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
from watchkeeper.maritime.places import Place, gazetteer
from watchkeeper.maritime.records import (
    MATERIAL_KEY,
    SIMULATED_ORIGIN,
    Identity,
    Position,
    identities_table,
    positions_table,
)

SIMULATOR = SIMULATED_ORIGIN + "simulator"
"""The ``source`` of the simulator's rows."""

EARTH_KM = 6371.0088
BOX = (35.5, 44.5, 129.0, 139.5)  # Sea of Japan: lat min/max, lon min/max
# Ports the background trades between: in the gazetteer, none on the theater watch list.
TRADE_PORTS = (
    "port-krpus", "port-krusn", "port-krkpo", "port-krtgh-2", "port-krsho", "port-rupse",
    "port-ruzar", "port-jpkij", "port-jptoy", "port-jpknz", "port-jpmai", "port-jptrg",
    "port-jpsmn", "port-jpaxt", "port-jpotr", "port-jpnao",
)  # fmt: skip
# These have an outer anchorage beyond the gazetteer's 10 km: only learning finds it.
OUTER_ANCHORAGES = ("port-krpus", "port-krusn", "port-jpkij")


def _dist_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (*a, *b))
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    )
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def _towards(a: tuple[float, float], b: tuple[float, float], km: float) -> tuple[float, float]:
    total = _dist_km(a, b)
    if total <= km or total == 0:
        return b
    f = km / total
    return (a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f)


def _offset(p: tuple[float, float], km: float, bearing: float) -> tuple[float, float]:
    return (
        p[0] + km * math.cos(bearing) / 111.2,
        p[1] + km * math.sin(bearing) / (111.2 * math.cos(math.radians(p[0]))),
    )


def with_check_digit(six: str) -> str:
    """An IMO number: six digits and their check digit (weights 7 to 2, mod 10)."""
    return six + str(sum(int(d) * w for d, w in zip(six, range(7, 1, -1), strict=True)) % 10)


@dataclass
class Simulation:
    positions: list[Position] = field(default_factory=list)
    identities: list[Identity] = field(default_factory=list)
    truth: list[dict[str, Any]] = field(default_factory=list)
    background: list[int] = field(default_factory=list)
    """The MMSIs of the background ships: nothing they do is an anomaly."""
    days: float = 0.0

    def write(self, folder: Path) -> None:
        """positions.parquet, identities.parquet and truth.json, side by side."""
        import pyarrow.parquet as pq

        folder.mkdir(parents=True, exist_ok=True)
        # Marked as simulated in the files themselves: `ais import` keeps the mark, and
        # what `ais detect` finds in them is stored as simulated material.
        for name, table in (
            ("positions", positions_table(self.positions, SIMULATOR)),
            ("identities", identities_table(self.identities, SIMULATOR)),
        ):
            marked = table.replace_schema_metadata(
                {**(table.schema.metadata or {}), MATERIAL_KEY: b"simulated"}
            )
            pq.write_table(marked, folder / f"{name}.parquet")
        (folder / "truth.json").write_text(json.dumps(self.truth_document(), indent=1))

    def truth_document(self) -> dict[str, Any]:
        return {
            "events": [
                {**t, "start": t["start"].isoformat(), "end": t["end"].isoformat()}
                for t in self.truth
            ],
            "background_mmsi": self.background,
            "days": self.days,
        }


def read_truth(path: Path) -> tuple[list[dict[str, Any]], list[int]]:
    """The scripted events and the background MMSIs of a truth.json."""
    data = json.loads(path.read_text())
    events = [
        {**e, "start": datetime.fromisoformat(e["start"]), "end": datetime.fromisoformat(e["end"])}
        for e in data["events"]
    ]
    return events, [int(m) for m in data["background_mmsi"]]


class Simulator:
    def __init__(
        self,
        ports: list[Area],
        seed: int = 1,
        start: datetime | None = None,
        trade: list[Place] | None = None,
    ) -> None:
        self.ports = {p.name: p for p in ports}
        self.trade = trade if trade is not None else trade_ports()
        self.rng = random.Random(seed)
        self.start = start or datetime(2024, 3, 1, tzinfo=UTC)
        self.sim = Simulation()
        # Each trade port: two or three berths and an anchorage where ships wait.
        self.berths: dict[str, list[tuple[float, float]]] = {}
        self.anchorage: dict[str, tuple[float, float]] = {}
        for port in self.trade:
            centre = port.points[0]
            self.berths[port.id] = [
                _offset(centre, self.rng.uniform(0.5, 3.0), self.rng.uniform(0, 2 * math.pi))
                for _ in range(self.rng.randint(2, 3))
            ]
            reach = 12.5 if port.id in OUTER_ANCHORAGES else self.rng.uniform(5.0, 8.0)
            self.anchorage[port.id] = _offset(centre, reach, self.rng.uniform(0, 2 * math.pi))

    # -- primitives ---------------------------------------------------------------------

    def _report(
        self,
        mmsi: int,
        when: datetime,
        where: tuple[float, float],
        knots: float,
        course: float = 0.0,
        jitter_deg: float = 0.00005,
    ) -> None:
        self.sim.positions.append(
            Position(
                mmsi,
                when,
                where[0] + self.rng.gauss(0, jitter_deg),
                where[1] + self.rng.gauss(0, jitter_deg),
                round(max(0.0, knots), 1),
                course,
            )
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
        swing_deg: float = 0.00005,
    ) -> datetime:
        end = when + timedelta(hours=hours)
        while when < end:
            when += timedelta(seconds=self.rng.randint(*every))
            speed = knots + self.rng.uniform(-0.05, 0.05)
            self._report(mmsi, when, where, speed, jitter_deg=swing_deg)
        return when

    def _truth(self, kind: str, mmsi: int, start: datetime, end: datetime, **extra: Any) -> None:
        self.sim.truth.append({"kind": kind, "mmsi": mmsi, "start": start, "end": end, **extra})

    def _point_at_sea(self, min_km_from_port: float = 40.0) -> tuple[float, float]:
        places = [(a.lat, a.lon) for a in self.ports.values()] + [p.points[0] for p in self.trade]
        while True:
            p = (self.rng.uniform(BOX[0], BOX[1]), self.rng.uniform(BOX[2], BOX[3]))
            if all(_dist_km(p, q) > min_km_from_port for q in places):
                return p

    # -- background trade -----------------------------------------------------------------

    def background(self, vessels: int, days: float) -> None:
        end = self.start + timedelta(days=days)
        self.sim.days = days
        for n in range(vessels):
            mmsi = 440_000_000 + n  # Korean MID, no relation to real vessels
            self.sim.background.append(mmsi)
            imo = with_check_digit(str(910_000 + n))
            port = self.rng.choice(self.trade)
            berth = self.rng.choice(self.berths[port.id])
            when = self.start + timedelta(minutes=self.rng.randint(0, 120))
            when = self._stay(mmsi, when, berth, self.rng.uniform(2, 20))
            here = berth
            self._identity(mmsi, when, f"SIM TRADER {n}", imo, f"SIMT{n}")
            while when < end:
                target = self.rng.choice([p for p in self.trade if p.id != port.id])
                knots = self.rng.uniform(10, 16)
                approach = self.anchorage[target.id]
                when, here = self._voyage(mmsi, when, here, approach, knots, end)
                if when >= end:
                    break
                if self.rng.random() < 0.5:  # wait at the anchorage for a berth
                    when = self._stay(
                        mmsi, when, here, self.rng.uniform(2, 8), knots=0.3, swing_deg=0.0015
                    )
                berth = self.rng.choice(self.berths[target.id])
                when, here = self._sail(mmsi, when, here, berth, 6)
                when = self._stay(mmsi, when, berth, self.rng.uniform(12, 48))
                self._identity(mmsi, when, f"SIM TRADER {n}", imo, f"SIMT{n}")
                port = target

    def _voyage(
        self,
        mmsi: int,
        when: datetime,
        here: tuple[float, float],
        to: tuple[float, float],
        knots: float,
        end: datetime,
    ) -> tuple[datetime, tuple[float, float]]:
        """Sail in legs, losing reception now and then (always for less than a gap)."""
        while here != to and when < end:
            leg = _towards(here, to, self.rng.uniform(60, 200))
            when, here = self._sail(mmsi, when, here, leg, knots)
            if here != to and self.rng.random() < 0.3:
                silent = _towards(here, to, self.rng.uniform(10, 50))
                when, here = self._sail(mmsi, when, here, silent, knots, transmit=False)
        return when, here

    def _identity(self, mmsi: int, when: datetime, name: str, imo: str, call: str) -> None:
        self.sim.identities.append(
            Identity(mmsi, when, name=name, imo=imo, call_sign=call, ship_type=70)
        )

    # -- scripted scenarios -----------------------------------------------------------------

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

    def spoof(self, mmsi: int, hours: float = 3.0) -> None:
        """Hours of positions reported on a false track ~300 km from the true one (a ship
        hiding where it is), then the true track again."""
        when = self.start + timedelta(hours=5)
        here = self._point_at_sea()
        self.sim.identities.append(Identity(mmsi, when, name="SIM SPOOFER", ship_type=70))
        when, here = self._sail(mmsi, when, here, _towards(here, self._point_at_sea(), 60), 12)
        before = when
        fake = (min(here[0] + 2.7, 44.9), here[1])
        fake_end = _towards(fake, (fake[0], fake[1] + 1.0), 10 * 1.852 * hours)
        # The true ship goes on unseen while the false one is reported.
        when, _ = self._sail(mmsi, when, fake, fake_end, 10)
        _, here = self._sail(mmsi, before, here, _towards(here, self._point_at_sea(), 40), 8, False)
        after = when + timedelta(minutes=3)
        self._report(mmsi, after, here, 8)
        self._truth("spoofing", mmsi, before, after)
        self._sail(mmsi, after, here, _towards(here, self._point_at_sea(), 60), 12)

    def shared_mmsi(self, mmsi: int, days: float) -> None:
        """Two ships, each with its own name, IMO and call sign, transmit one MMSI at the
        same time on different routes: positions and identities interleave."""
        first_start, first_end = self._point_at_sea(), self._point_at_sea()
        second_start, second_end = self._point_at_sea(), self._point_at_sea()
        start = self.start + timedelta(hours=3)
        end = start + timedelta(days=min(days, 3.0))
        for name, imo, call, a, b in (
            ("SIM TWIN ALPHA", with_check_digit("955501"), "SIMTA", first_start, first_end),
            ("SIM TWIN BRAVO", with_check_digit("955502"), "SIMTB", second_start, second_end),
        ):
            when, here = start, a
            while when < end:
                target = b if _dist_km(here, b) > 1 else a
                leg_end = _towards(here, target, 90)
                when, here = self._sail(mmsi, when, here, leg_end, 11)
                self._identity(mmsi, when, name, imo, call)
        self._truth("shared_mmsi", mmsi, start, end)


def trade_ports() -> list[Place]:
    ports = {p.id: p for p in gazetteer()}
    return [ports[i] for i in TRADE_PORTS]


def scenario(
    ports: list[Area],
    seed: int = 1,
    background: int = 20,
    days: float = 4.0,
    shuttle: tuple[str, str] = ("9999993", "SIM SHUTTLE"),
) -> Simulation:
    """The standard scenario set used by tests and the demo. ``shuttle`` is the (IMO, name)
    the simulated shuttle reports; the demo gives it a theater vessel's to show linking."""
    sim = Simulator(ports, seed)
    sim.background(background, days)
    sim.shuttle(273_900_001, shuttle[0], shuttle[1], trips=2)
    sim.ship_to_ship(273_900_002, 445_900_003)
    sim.identity_change(273_900_004, 351_900_004, with_check_digit("999998"))
    sim.spoof(445_900_005)
    sim.shared_mmsi(273_900_006, days)
    sim.sim.positions.sort(key=lambda p: (p.mmsi, p.ts))
    return sim.sim
