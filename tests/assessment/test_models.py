"""Monte Carlo models: seeded results reproduce; summary statistics match closed forms."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from watchkeeper.assessment import models
from watchkeeper.errors import InputError

DRAWS = 200_000


def test_the_same_seed_gives_the_same_numbers() -> None:
    spec = models.load_models()["shells_from_containers"]
    first, again = models.run(spec, 5_000, seed=42), models.run(spec, 5_000, seed=42)
    assert np.array_equal(first.values, again.values)
    assert not np.array_equal(first.values, models.run(spec, 5_000, seed=43).values)


def _within(sample: float, expected: float, sd: float, n: int) -> bool:
    return abs(sample - expected) <= 4 * sd / math.sqrt(n)


def test_shells_match_the_closed_form_mean_and_variance() -> None:
    spec = models.load_models()["shells_from_containers"]
    result = models.run(spec, DRAWS, seed=7)
    closed = models.closed_form(spec)
    assert closed is not None
    sd = math.sqrt(closed["variance"])
    assert _within(result.summary.mean, closed["mean"], sd, DRAWS)
    assert result.summary.sd == pytest.approx(sd, rel=0.02)
    # Sanity of the closed form itself on a degenerate case: fixed everything.
    fixed = models.ModelSpec(
        spec.name, spec.title, spec.unit,
        {
            "containers": models.Assumption("containers", "fixed", {"value": 1000}, (), ""),
            "munitions_share": models.Assumption("munitions_share", "fixed", {"value": 0.5}, (), ""),
            "calibre_mix": models.Assumption("calibre_mix", "dirichlet", {"weights": {"a": 1.0}, "concentration": 5}, (), ""),
            "rounds_per_container": models.Assumption(
                "rounds_per_container", "by_category",
                {"categories": {"a": {"distribution": "fixed", "value": 400}}}, (), "",
            ),
        },
    )  # fmt: skip
    assert models.closed_form(fixed) == pytest.approx({"mean": 200_000, "variance": 0}, abs=1e-6)
    assert models.run(fixed, 10, seed=1).values == pytest.approx([200_000] * 10)


def test_share_matches_the_closed_form_when_it_cannot_reach_one(tmp_path: Path) -> None:
    override = tmp_path / "a.yaml"
    override.write_text(
        "models:\n  nk_share_of_russian_fire:\n    assumptions:\n"
        "      nk_rounds_per_year: {distribution: uniform, low: 1000000, high: 2000000, reason: test}\n"
        "      russian_rounds_per_day: {distribution: uniform, low: 15000, high: 25000}\n"
    )
    spec = models.load_models(override)["nk_share_of_russian_fire"]
    assert spec.assumptions["russian_rounds_per_day"].reason == "set in a.yaml"
    closed = models.closed_form(spec)
    assert closed is not None
    result = models.run(spec, DRAWS, seed=3)
    sd = math.sqrt(closed["variance"])
    assert _within(result.summary.mean, closed["mean"], sd, DRAWS)
    assert result.summary.sd == pytest.approx(sd, rel=0.02)
    assert result.impossible == 0


def test_impossible_share_draws_are_counted_not_clipped() -> None:
    """The bundled ranges let North Korea's usable rounds exceed all Russia fires: those
    draws are kept and counted (and the closed form still holds), not clipped to 100 %."""
    spec = models.load_models()["nk_share_of_russian_fire"]
    result = models.run(spec, DRAWS, seed=3)
    closed = models.closed_form(spec)
    assert closed is not None
    assert _within(result.summary.mean, closed["mean"], math.sqrt(closed["variance"]), DRAWS)
    assert result.values.max() > 1
    assert result.impossible == pytest.approx(float((result.values > 1).mean()))
    assert 0.1 < result.impossible < 0.25


def test_troop_losses_follow_the_expected_path_when_rates_are_fixed(tmp_path: Path) -> None:
    override = tmp_path / "t.yaml"
    override.write_text(
        "models:\n  troop_rotations:\n    assumptions:\n"
        "      monthly_casualty_rate: {distribution: fixed, value: 0.1}\n"
        "      killed_share: {distribution: fixed, value: 0.2}\n"
    )
    spec = models.load_models(override)["troop_rotations"]
    expected = models.expected_troop_path(spec)
    assert expected is not None
    # By hand for the first months: 11,000 arrive in 2024-11 (quiet, 0.5 %): 55 hit.
    assert expected["2024-11"]["casualties"] == pytest.approx(55)
    # 2024-12 in combat: (11,000 - 55) * 0.1 = 1,094.5 more.
    assert expected["2024-12"]["casualties"] == pytest.approx(55 + 1094.5)
    assert expected["2024-12"]["killed"] == pytest.approx(0.2 * (55 + 1094.5))
    result = models.run(spec, 20_000, seed=11)
    for month, values in expected.items():
        got = result.path[month]
        for series in ("strength", "casualties", "killed"):
            assert got[series].mean == pytest.approx(values[series], rel=0.01, abs=2), (
                month,
                series,
            )


def test_assumption_files_are_checked(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "models:\n  shells_from_containers:\n    assumptions:\n      containers: {distribution: uniform, low: 5, high: 1}\n"
    )
    with pytest.raises(
        InputError, match=r"bad\.yaml: shells_from_containers\.containers: low must not exceed high"
    ):
        models.load_models(bad)
    bad.write_text(
        "models:\n  shells_from_containers:\n    assumptions:\n      cans: {distribution: fixed, value: 1}\n"
    )
    with pytest.raises(InputError, match="has no assumption 'cans'"):
        models.load_models(bad)
    bad.write_text("models:\n  nonsense: {}\n")
    with pytest.raises(InputError, match="unknown model 'nonsense'"):
        models.load_models(bad)


def test_every_bundled_assumption_cites_and_explains() -> None:
    for spec in models.load_models().values():
        for assumption in spec.assumptions.values():
            assert assumption.reason
            if assumption.distribution != "fixed":
                assert assumption.cites, (spec.name, assumption.name)
            assert assumption.describe()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"checks": [{"measure": "m", "relation": "part"}]}, "checks need the model's period"),
        ({"period": {"start": "2024", "end": "2024"}, "checks": [{"measure": "m", "relation": "near"}]}, "relation is one of part, same"),
        ({"at_most": 1.0}, "at_most needs at_most_reason"),
    ],
)  # fmt: skip
def test_bad_model_settings_are_refused(settings: dict[str, object], message: str) -> None:
    from watchkeeper.errors import InputError

    with pytest.raises(InputError, match=message):
        models._check_settings("models.yaml: m", settings)
    for spec in models.load_models().values():  # the bundled settings are sound
        models._check_settings(spec.name, spec.settings)
