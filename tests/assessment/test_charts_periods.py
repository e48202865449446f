"""Charts are well-formed SVG drawn from the data alone; periods parse as documented."""

from __future__ import annotations

from datetime import date
from xml.etree import ElementTree

import pytest

from watchkeeper.assessment import charts
from watchkeeper.assessment.periods import parse_period
from watchkeeper.errors import InputError

SVG = "{http://www.w3.org/2000/svg}"


def _points() -> list[charts.EstimatePoint]:
    return [
        charts.EstimatePoint(
            date(2023, 10, 16), 250_000, 200_000, 300_000, "range", "ROK MND", hollow=True
        ),
        charts.EstimatePoint(date(2023, 11, 30), 1_000_000, None, None, "more than", "NIS"),
        charts.EstimatePoint(date(2024, 6, 14), 4_800_000, None, None, "at most", "Shin"),
        charts.EstimatePoint(
            date(2024, 12, 31), 9_000_000, None, None, "about", "MSMT", square=True
        ),
    ]


def test_the_estimate_chart_draws_every_estimate_once() -> None:
    svg = charts.estimate_chart(_points(), "Rounds & <shells>", "rounds")
    root = ElementTree.fromstring(svg)
    marks = [
        e
        for e in root.iter()
        if e.tag in (f"{SVG}circle", f"{SVG}rect") and e.find(f"{SVG}title") is not None
    ]
    assert len(marks) == 4
    assert "Rounds &amp; &lt;shells&gt;" in svg
    assert svg == charts.estimate_chart(_points(), "Rounds & <shells>", "rounds")
    legend = {t.text for t in root.iter(f"{SVG}text")}
    assert {"ROK MND", "NIS", "Shin", "MSMT"} <= legend


def test_every_chart_is_well_formed_even_when_empty() -> None:
    series = [("2023-07-01", {"a": 0.5, "b": 0.5}), ("2024-06-19", {"a": 0.7, "b": 0.3})]
    for svg in (
        charts.estimate_chart([], "none", "rounds"),
        charts.stacked_bars(["2024-01", "2024-02"], {"missiles": [1, 2], "space": [0, 1]}, {}, "t"),
        charts.stacked_bars([], {}, {}, "t"),
        charts.probability_chart(series, {"a": "A"}, "t", date(2025, 1, 1)),
        charts.probability_chart([], {}, "t", date(2025, 1, 1)),
        charts.histogram_chart([0, 1, 2], [3, 4], "t", "rounds", {"median": 1.0}),
        charts.band_chart(
            ["2024-11", "2024-12"], {"killed": [(0, 1, 2), (1, 2, 3)]}, "t", "persons"
        ),
        charts.map_chart(
            [
                charts.MapPoint("Rajin", 42.25, 130.3, 3, "place"),
                charts.MapPoint("Port", 42.7, 133.1, 0, "port"),
            ],
            "t",
        ),
        charts.network_chart([("a", "A", 2), ("b", "B", 1)], [("a", "b", 1)], "t"),
        charts.network_chart([], [], "t"),
    ):
        assert ElementTree.fromstring(svg).tag == f"{SVG}svg"


def test_bars_stack_counts_by_sector() -> None:
    root = ElementTree.fromstring(
        charts.stacked_bars(["2024-01", "2024-02"], {"missiles": [1, 2], "space": [0, 1]}, {}, "t")
    )
    bars = [
        (e.get("data-sector"), e.get("data-month"))
        for e in root.iter(f"{SVG}rect")
        if e.get("data-sector")
    ]
    assert sorted(bars) == [("missiles", "2024-01"), ("missiles", "2024-02"), ("space", "2024-02")]


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("2024-Q3", date(2024, 7, 1), date(2024, 9, 30)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2024-01..2024-06", date(2024, 1, 1), date(2024, 6, 30)),
        ("2024-03-05..2025", date(2024, 3, 5), date(2025, 12, 31)),
    ],
)
def test_periods(text: str, start: date, end: date) -> None:
    period = parse_period(text)
    assert (period.start, period.end) == (start, end)
    assert period.contains(start.isoformat()) and not period.contains("2026")


@pytest.mark.parametrize("text", ["2024-13", "24", "2025..2024", "last year", "2024-Q5"])
def test_bad_periods_are_one_line_errors(text: str) -> None:
    with pytest.raises(InputError):
        parse_period(text)


@pytest.mark.parametrize("values", [[1000.0], [1000.0, 1000.0], [0.0], [1.0]])
def test_the_estimate_chart_takes_figures_of_one_power_of_ten(values: list[float]) -> None:
    """Figures that are all one power of ten (or none above zero) once gave an empty scale
    and a division by zero: the chart spans at least a decade."""
    points = [
        charts.EstimatePoint(date(2024, 1 + i, 1), v, None, None, "about", "X")
        for i, v in enumerate(values)
    ]
    ElementTree.fromstring(charts.estimate_chart(points, "one decade", "rounds"))
