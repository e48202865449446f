"""Charts as SVG text, drawn here so that the PDF needs no browser and no plotting
library: estimates over time by source, events by sector and month, probabilities over
time, histograms and bands of model output, a schematic map and a network excerpt.

Every function takes plain data and returns an ``<svg>`` string; numbers are written
with fixed precision so the same data gives the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from watchkeeper.assessment.periods import year_fraction

# Okabe-Ito, then Paul Tol's muted scheme: distinguishable by most colour-blind readers.
PALETTE = (
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
    "#882255", "#44AA99", "#117733", "#332288", "#AA4499", "#999933", "#6699CC",
    "#888888", "#DDCC77",
)  # fmt: skip
FONT = "DejaVu Sans, Arial, sans-serif"


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def f(x: float) -> str:
    return f"{x:.1f}"


class Svg:
    def __init__(self, width: int, height: int, title: str) -> None:
        self.width, self.height = width, height
        self.parts: list[str] = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="10" '
            f'role="img" aria-label="{escape(title)}">',
            f"<title>{escape(title)}</title>",
        ]

    def add(self, element: str) -> None:
        self.parts.append(element)

    def text(
        self, x: float, y: float, text: str, anchor: str = "start", size: int = 10, **attrs: str
    ) -> None:
        extra = "".join(f' {k.replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())
        self.add(
            f'<text x="{f(x)}" y="{f(y)}" text-anchor="{anchor}" font-size="{size}"{extra}>'
            f"{escape(text)}</text>"
        )

    def line(
        self, x1: float, y1: float, x2: float, y2: float, stroke: str = "#444", width: float = 1
    ) -> None:
        self.add(
            f'<line x1="{f(x1)}" y1="{f(y1)}" x2="{f(x2)}" y2="{f(y2)}" stroke="{stroke}" '
            f'stroke-width="{width:g}"/>'
        )

    def rect(self, x: float, y: float, w: float, h: float, fill: str, **attrs: str) -> None:
        extra = "".join(f' {k.replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())
        self.add(
            f'<rect x="{f(x)}" y="{f(y)}" width="{f(w)}" height="{f(h)}" fill="{fill}"{extra}/>'
        )

    def render(self) -> str:
        return "\n".join([*self.parts, "</svg>"])


def compact(value: float) -> str:
    """1200000 -> 1.2M, 35000 -> 35k: axis labels."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:g}{suffix}"
    return f"{value:g}"


# -- estimates over time ---------------------------------------------------------------------


@dataclass(frozen=True)
class EstimatePoint:
    when: date
    point: float
    low: float | None
    high: float | None
    bound: str
    series: str
    """Who made it (legend entry and colour)."""
    hollow: bool = False
    """A capacity figure (a ceiling, not a count)."""
    square: bool = False
    """A figure for one year rather than a running total."""
    label: str = ""


def estimate_chart(points: Sequence[EstimatePoint], title: str, unit: str) -> str:
    """Every estimate at the date it speaks of, on a log scale, coloured by source: a
    range is a bar, "at least" an arrow up, "at most" an arrow down."""
    width, left, right, top, bottom = 720, 64, 220, 28, 44
    height = 360
    svg = Svg(width, height, title)
    svg.text(left, 16, title, size=12, font_weight="bold")
    if not points:
        svg.text(left, top + 40, "No estimate the viewer may see.")
        return svg.render()
    values = [v for p in points for v in (p.point, p.low, p.high) if v and v > 0] or [1.0]
    lo = 10 ** math.floor(math.log10(min(values)))
    # at least one decade: figures that are all one power of ten (1,000 and 1,000) made
    # the scale empty and the chart divide by zero
    hi = max(10 ** math.ceil(math.log10(max(values))), lo * 10)
    xs = [year_fraction(p.when) for p in points]
    x0, x1 = math.floor(min(xs) * 4) / 4, math.ceil(max(xs) * 4) / 4 + 0.25
    plot_w, plot_h = width - left - right, height - top - bottom

    def px(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * plot_w

    def py(v: float) -> float:
        v = min(max(v, lo), hi)
        return (
            top
            + plot_h
            - (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)) * plot_h
        )

    svg.rect(left, top, plot_w, plot_h, "none", stroke="#888")
    decade = lo
    while decade <= hi:
        for mult in (1, 2, 5):
            v = decade * mult
            if lo <= v <= hi:
                svg.line(left, py(v), left + plot_w, py(v), "#ddd" if mult > 1 else "#bbb", 0.5)
                svg.text(left - 4, py(v) + 3, compact(v), "end", 9)
        decade *= 10
    year = math.ceil(x0)
    while year <= x1:
        svg.line(px(year), top, px(year), top + plot_h, "#bbb", 0.5)
        svg.text(px(year), top + plot_h + 14, str(year), "middle", 9)
        year += 1
    svg.text(left + plot_w / 2, height - 8, "date the estimate speaks of", "middle", 9)
    svg.text(12, top + plot_h / 2, f"{unit} (log scale)", "middle", 9,
             transform=f"rotate(-90 12 {f(top + plot_h / 2)})")  # fmt: skip
    series = sorted({p.series for p in points})
    colours = {name: colour(i) for i, name in enumerate(series)}
    for p, x in zip(points, xs, strict=True):
        c = colours[p.series]
        cx, cy = px(x), py(p.point)
        if p.low is not None and p.high is not None and p.high > p.low:
            svg.line(cx, py(p.low), cx, py(p.high), c, 2)
        elif p.bound in ("at least", "more than"):
            svg.line(cx, cy, cx, cy - 16, c, 1.5)
            svg.add(
                f'<path d="M{f(cx - 3)},{f(cy - 12)} L{f(cx)},{f(cy - 18)} L{f(cx + 3)},{f(cy - 12)} Z" fill="{c}"/>'
            )
        elif p.bound == "at most":
            svg.line(cx, cy, cx, cy + 16, c, 1.5)
            svg.add(
                f'<path d="M{f(cx - 3)},{f(cy + 12)} L{f(cx)},{f(cy + 18)} L{f(cx + 3)},{f(cy + 12)} Z" fill="{c}"/>'
            )
        fill = "white" if p.hollow else c
        tip = escape(p.label or p.series)
        if p.square:
            svg.add(
                f'<rect x="{f(cx - 4)}" y="{f(cy - 4)}" width="8" height="8" fill="{fill}" stroke="{c}" stroke-width="1.5"><title>{tip}</title></rect>'
            )
        else:
            svg.add(
                f'<circle cx="{f(cx)}" cy="{f(cy)}" r="4" fill="{fill}" stroke="{c}" stroke-width="1.5"><title>{tip}</title></circle>'
            )
    lx, ly = width - right + 12, top + 4
    for name in series:
        svg.add(f'<circle cx="{f(lx)}" cy="{f(ly)}" r="4" fill="{colours[name]}"/>')
        svg.text(lx + 8, ly + 3, name[:36], size=8)
        ly += 13
    ly += 6
    svg.add(
        f'<circle cx="{f(lx)}" cy="{f(ly)}" r="4" fill="white" stroke="#444" stroke-width="1.5"/>'
    )
    svg.text(lx + 8, ly + 3, "capacity (ceiling, not a count)", size=8)
    ly += 13
    svg.add(f'<rect x="{f(lx - 4)}" y="{f(ly - 4)}" width="8" height="8" fill="#444"/>')
    svg.text(lx + 8, ly + 3, "one year's figure", size=8)
    ly += 13
    svg.text(lx - 4, ly + 3, "| range   ↑ at least   ↓ at most", size=8)
    return svg.render()


# -- events by sector ----------------------------------------------------------------------------


def stacked_bars(
    months: Sequence[str], series: dict[str, list[int]], labels: dict[str, str], title: str
) -> str:
    """Events per month, stacked by sector."""
    width, left, right, top, bottom = 720, 40, 160, 28, 40
    height = 300
    svg = Svg(width, height, title)
    svg.text(left, 16, title, size=12, font_weight="bold")
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(series[s][i] for s in series) for i in range(len(months))]
    peak = max(totals, default=0) or 1
    step = max(1, math.ceil(peak / 5))
    svg.rect(left, top, plot_w, plot_h, "none", stroke="#888")
    for tick in range(0, peak + 1, step):
        y = top + plot_h - tick / peak * plot_h
        svg.line(left, y, left + plot_w, y, "#ddd", 0.5)
        svg.text(left - 4, y + 3, str(tick), "end", 9)
    bar = plot_w / max(len(months), 1)
    names = sorted(series)
    colours = {name: colour(i) for i, name in enumerate(names)}
    for i, month in enumerate(months):
        y = top + plot_h
        for name in names:
            count = series[name][i]
            if not count:
                continue
            h = count / peak * plot_h
            y -= h
            svg.rect(left + i * bar + 1, y, max(bar - 2, 1), h, colours[name],
                     **{"data-sector": name, "data-month": month})  # fmt: skip
        if len(months) <= 13 or i % 3 == 0:
            svg.text(left + i * bar + bar / 2, top + plot_h + 12, month[2:], "middle", 8)
    ly = top + 4
    for name in names:
        svg.rect(width - right + 10, ly - 7, 9, 9, colours[name])
        svg.text(
            width - right + 24, ly + 1, f"{labels.get(name, name)} ({sum(series[name])})", size=8
        )
        ly += 13
    if not names:
        svg.text(left + 10, top + 20, "No event in this period.")
    return svg.render()


# -- probabilities over time ----------------------------------------------------------------------


ICD_BANDS = ((0.05, "#f3f3f3"), (0.20, "#ffffff"), (0.45, "#f3f3f3"), (0.55, "#ffffff"),
             (0.80, "#f3f3f3"), (0.95, "#ffffff"), (1.0, "#f3f3f3"))  # fmt: skip


def probability_chart(
    series: Sequence[tuple[str, dict[str, float]]], names: dict[str, str], title: str, until: date
) -> str:
    """Step lines of each scenario's probability, over bands of the ICD 203 ranges."""
    width, left, right, top, bottom = 720, 40, 230, 28, 36
    height = 280
    svg = Svg(width, height, title)
    svg.text(left, 16, title, size=12, font_weight="bold")
    plot_w, plot_h = width - left - right, height - top - bottom
    if not series:
        svg.text(left, top + 30, "No scenario the viewer may see.")
        return svg.render()
    x0 = year_fraction(date.fromisoformat(series[0][0]))
    x1 = max(year_fraction(until), x0 + 0.1)

    def px(d: str) -> float:
        return left + (min(year_fraction(date.fromisoformat(d)), x1) - x0) / (x1 - x0) * plot_w

    def py(p: float) -> float:
        return top + plot_h - p * plot_h

    below = 0.0
    for upper, fill in ICD_BANDS:
        svg.rect(left, py(upper), plot_w, py(below) - py(upper), fill)
        below = upper
    for p in (0.05, 0.2, 0.45, 0.55, 0.8, 0.95):
        svg.line(left, py(p), left + plot_w, py(p), "#ccc", 0.5)
        svg.text(left - 4, py(p) + 3, f"{p:.0%}", "end", 8)
    svg.rect(left, top, plot_w, plot_h, "none", stroke="#888")
    year = math.ceil(x0)
    while year <= x1:
        x = left + (year - x0) / (x1 - x0) * plot_w
        svg.line(x, top, x, top + plot_h, "#bbb", 0.5)
        svg.text(x, top + plot_h + 12, str(year), "middle", 9)
        year += 1
    scenarios = sorted(series[0][1])
    end = until.isoformat()
    for i, name in enumerate(scenarios):
        points: list[str] = []
        for j, (when, probs) in enumerate(series):
            nxt = series[j + 1][0] if j + 1 < len(series) else end
            points += [f"{f(px(when))},{f(py(probs[name]))}", f"{f(px(nxt))},{f(py(probs[name]))}"]
        svg.add(
            f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour(i)}" stroke-width="2" data-scenario="{escape(name)}"/>'
        )
        final = series[-1][1][name]
        svg.rect(width - right + 10, top + 4 + i * 14 - 7, 9, 9, colour(i))
        svg.text(
            width - right + 24,
            top + 4 + i * 14 + 1,
            f"{names.get(name, name)[:36]} {final:.0%}",
            size=8,
        )
    return svg.render()


# -- model output ------------------------------------------------------------------------------


def histogram_chart(edges: Sequence[float], counts: Sequence[int], title: str, unit: str,
                    marks: dict[str, float] | None = None) -> str:  # fmt: skip
    width, left, right, top, bottom = 640, 56, 20, 28, 40
    height = 240
    svg = Svg(width, height, title)
    svg.text(left, 16, title, size=12, font_weight="bold")
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(counts, default=0) or 1
    lo, hi = edges[0], edges[-1]
    span = (hi - lo) or 1.0

    def px(v: float) -> float:
        return left + (v - lo) / span * plot_w

    for count, a, b in zip(counts, edges, edges[1:], strict=False):
        h = count / peak * plot_h
        svg.rect(px(a), top + plot_h - h, max(px(b) - px(a) - 0.5, 0.5), h, "#6699CC")
    svg.rect(left, top, plot_w, plot_h, "none", stroke="#888")
    for i in range(6):
        v = lo + span * i / 5
        svg.text(px(v), top + plot_h + 12, compact(v), "middle", 9)
    svg.text(left + plot_w / 2, height - 6, unit, "middle", 9)
    for i, (label, value) in enumerate(sorted((marks or {}).items(), key=lambda kv: kv[1])):
        x = px(value)
        svg.line(x, top, x, top + plot_h, "#D55E00", 1)
        svg.text(
            x + 3, top + 10 + 11 * (i % 3), f"{label} {compact(value)}", size=8, fill="#D55E00"
        )
    return svg.render()


def band_chart(months: Sequence[str], bands: dict[str, list[tuple[float, float, float]]],
               title: str, unit: str) -> str:  # fmt: skip
    """Median lines with 5-95 % bands, one per series, by month."""
    width, left, right, top, bottom = 640, 56, 150, 28, 36
    height = 260
    svg = Svg(width, height, title)
    svg.text(left, 16, title, size=12, font_weight="bold")
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((hi for series in bands.values() for _, _, hi in series), default=1) or 1
    n = max(len(months) - 1, 1)

    def px(i: int) -> float:
        return left + i / n * plot_w

    def py(v: float) -> float:
        return top + plot_h - v / peak * plot_h

    svg.rect(left, top, plot_w, plot_h, "none", stroke="#888")
    for i in range(6):
        v = peak * i / 5
        svg.line(left, py(v), left + plot_w, py(v), "#eee", 0.5)
        svg.text(left - 4, py(v) + 3, compact(v), "end", 9)
    for i, month in enumerate(months):
        if i % 2 == 0:
            svg.text(px(i), top + plot_h + 12, month[2:], "middle", 8)
    for k, (name, series) in enumerate(sorted(bands.items())):
        c = colour(k)
        upper = [f"{f(px(i))},{f(py(hi))}" for i, (_, _, hi) in enumerate(series)]
        lower = [f"{f(px(i))},{f(py(lo))}" for i, (lo, _, _) in enumerate(series)]
        svg.add(
            f'<polygon points="{" ".join(upper + lower[::-1])}" fill="{c}" fill-opacity="0.18"/>'
        )
        mid = [f"{f(px(i))},{f(py(m))}" for i, (_, m, _) in enumerate(series)]
        svg.add(f'<polyline points="{" ".join(mid)}" fill="none" stroke="{c}" stroke-width="2"/>')
        svg.rect(width - right + 10, top + 4 + k * 14 - 7, 9, 9, c)
        svg.text(width - right + 24, top + 4 + k * 14 + 1, name, size=8)
    svg.text(width - right + 10, top + 4 + len(bands) * 14 + 4, "median, 5–95 % band", size=8)
    svg.text(left + plot_w / 2, height - 6, unit, "middle", 9)
    return svg.render()


# -- map ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MapPoint:
    label: str
    lat: float
    lon: float
    count: int
    kind: str  # "place" (events there) or "port" (a watched port)


PANELS = (
    ("Russia and Ukraine", (28.0, 50.0, 44.0, 58.0)),
    ("Korea and the Russian Far East", (124.0, 137.0, 37.0, 46.0)),
)


def map_chart(points: Sequence[MapPoint], title: str) -> str:
    """A schematic map in two equirectangular panels (no coastlines), west and east:
    places named by the period's events, sized by how many, and the watched ports.
    Points outside both panels are listed under the map."""
    width, height = 720, 340
    svg = Svg(width, height, title)
    svg.text(20, 16, title, size=12, font_weight="bold")
    gap, top, panel_h = 20, 40, 250
    panel_w = (width - 40 - gap) / 2
    outside = []
    placed = {id(p): False for p in points}
    for index, (name, (lon0, lon1, lat0, lat1)) in enumerate(PANELS):
        left = 20 + index * (panel_w + gap)
        scale = min(panel_w / (lon1 - lon0), panel_h / (lat1 - lat0))
        w, h = (lon1 - lon0) * scale, (lat1 - lat0) * scale

        def px(lon: float, left: float = left, lon0: float = lon0, scale: float = scale) -> float:
            return left + (lon - lon0) * scale

        def py(lat: float, lat1: float = lat1, scale: float = scale) -> float:
            return top + (lat1 - lat) * scale

        svg.text(left, top - 6, name, size=9, font_weight="bold")
        svg.rect(left, top, w, h, "#f4f7fb", stroke="#888")
        for lon in range(int(math.ceil(lon0 / 5) * 5), int(lon1) + 1, 5):
            svg.line(px(lon), top, px(lon), top + h, "#d8dee8", 0.5)
            svg.text(px(lon), top + h + 10, f"{lon}°E", "middle", 7)
        for lat in range(int(math.ceil(lat0 / 5) * 5), int(lat1) + 1, 5):
            svg.line(left, py(lat), left + w, py(lat), "#d8dee8", 0.5)
            svg.text(left + 2, py(lat) - 2, f"{lat}°N", size=7, fill="#889")
        inside = [p for p in points if lon0 <= p.lon <= lon1 and lat0 <= p.lat <= lat1]
        labels: list[tuple[float, float]] = []
        for p in sorted(inside, key=lambda p: (p.kind != "port", -p.lat, p.lon, p.label)):
            placed[id(p)] = True
            x, y = px(p.lon), py(p.lat)
            if p.kind == "port":
                svg.add(
                    f'<rect x="{f(x - 3)}" y="{f(y - 3)}" width="6" height="6" fill="#0072B2"><title>{escape(p.label)}</title></rect>'
                )
                continue  # unlabelled: the places beside them carry the names
            else:
                r = 3 + 2.5 * math.sqrt(p.count)
                svg.add(
                    f'<circle cx="{f(x)}" cy="{f(y)}" r="{f(r)}" fill="#D55E00" fill-opacity="0.55" stroke="#D55E00"><title>{escape(p.label)}: {p.count}</title></circle>'
                )
                text = f"{p.label} ({p.count})"
            # Labels go right of their point, pushed down past any label they would overlap.
            lx, ly = x + r + 2, y + 3
            while any(abs(ly - oy) < 9 and abs(lx - ox) < 80 for ox, oy in labels):
                ly += 9
            labels.append((lx, ly))
            if abs(ly - (y + 3)) > 1:
                svg.line(x, y, lx - 1, ly - 3, "#999", 0.4)
            svg.text(lx, ly, text, size=7)
    outside = [p.label for p in points if not placed[id(p)]]
    note = "Schematic: places named by events (circles, by number of events) and watched ports (squares); positions approximate."
    if outside:
        note += " Elsewhere: " + ", ".join(sorted(set(outside))) + "."
    svg.text(20, height - 8, note, size=7)
    return svg.render()


# -- network excerpt ------------------------------------------------------------------------------


def network_chart(
    nodes: Sequence[tuple[str, str, int]], edges: Sequence[tuple[str, str, int]], title: str
) -> str:
    """Entities on a circle (sized by events they appear in), joined where they appear
    together in an event or are linked directly."""
    width, height = 720, 400
    svg = Svg(width, height, title)
    svg.text(20, 16, title, size=12, font_weight="bold")
    if not nodes:
        svg.text(20, 40, "No entity the viewer may see in this period.")
        return svg.render()
    cx, cy, radius = width / 2, height / 2 + 10, 135.0
    pos = {}
    for i, (node_id, _, _) in enumerate(nodes):
        angle = 2 * math.pi * i / len(nodes) - math.pi / 2
        pos[node_id] = (cx + radius * math.cos(angle), cy + radius * math.sin(angle))
    heaviest = max((w for _, _, w in edges), default=1)
    for a, b, w in edges:
        if a in pos and b in pos:
            (x1, y1), (x2, y2) = pos[a], pos[b]
            svg.line(x1, y1, x2, y2, "#9bb", 0.5 + 2.5 * w / heaviest)
    for node_id, label, weight in nodes:
        x, y = pos[node_id]
        r = 4 + 2 * math.sqrt(weight)
        svg.add(
            f'<circle cx="{f(x)}" cy="{f(y)}" r="{f(r)}" fill="#0072B2" stroke="white"><title>{escape(node_id)}</title></circle>'
        )
        anchor = "start" if x >= cx else "end"
        dx = r + 3 if x >= cx else -r - 3
        svg.text(x + dx, y + 3, label if len(label) <= 30 else label[:29] + "…", anchor, 8)
    return svg.render()
