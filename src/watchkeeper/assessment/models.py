"""Monte Carlo models with cited, editable assumptions (``data/models.yaml``).

Every model draws its assumptions from the stated distributions with a seeded PCG64
generator, so a seed and a set of assumptions give the same numbers every time. Where a
closed form exists for the mean and variance of the output (products of independent
draws, the expected path of a linear recursion), :func:`closed_form` gives it, and the
tests hold the simulation to it.

Draws are never clipped: where a model's output has a bound it cannot pass (a share above
100 %), the share of draws beyond it is counted (:attr:`ModelResult.impossible`) and
reported as a sign that the assumptions contradict one another.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from watchkeeper.assessment.dataset import data_file
from watchkeeper.errors import InputError

Array = np.ndarray[Any, np.dtype[np.float64]]
DISTRIBUTIONS = ("fixed", "uniform", "triangular", "dirichlet", "by_category", "schedule")
REQUIRED = {
    "shells_from_containers": (
        "containers",
        "munitions_share",
        "calibre_mix",
        "rounds_per_container",
    ),
    "nk_share_of_russian_fire": ("nk_rounds_per_year", "usable_fraction", "russian_rounds_per_day"),
    "troop_rotations": (
        "arrivals",
        "combat_months",
        "monthly_casualty_rate",
        "quiet_casualty_rate",
        "killed_share",
    ),
}


def _n(value: float) -> str:
    """3000000 -> '3,000,000'; 0.6 -> '0.6'."""
    return f"{value:,.0f}" if float(value) == int(value) else f"{value:g}"


@dataclass(frozen=True)
class Assumption:
    name: str
    distribution: str
    params: dict[str, Any]
    cites: tuple[str, ...]
    reason: str

    def describe(self) -> str:
        p = self.params
        if self.distribution == "fixed":
            return f"{_n(p['value'])}"
        if self.distribution == "uniform":
            return f"uniform {_n(p['low'])}–{_n(p['high'])}"
        if self.distribution == "triangular":
            return f"triangular {_n(p['low'])}–{_n(p['high'])}, mode {_n(p['mode'])}"
        if self.distribution == "dirichlet":
            weights = ", ".join(f"{k} {_n(v)}" for k, v in p["weights"].items())
            return f"Dirichlet around {weights} (concentration {_n(p['concentration'])})"
        if self.distribution == "by_category":
            parts = [
                f"{name}: {Assumption(name, c['distribution'], c, (), '').describe()}"
                for name, c in p["categories"].items()
            ]
            return "; ".join(parts)
        months = ", ".join(f"{k}: {_n(v)}" for k, v in p["months"].items())
        return f"by month ({months})"


@dataclass(frozen=True)
class ModelSpec:
    name: str
    title: str
    unit: str
    assumptions: dict[str, Assumption]
    settings: dict[str, Any] = field(default_factory=dict)


def _check_distribution(where: str, spec: dict[str, Any]) -> None:
    kind = spec.get("distribution")
    if kind not in DISTRIBUTIONS:
        raise InputError(where, f"distribution must be one of {', '.join(DISTRIBUTIONS)}")

    def num(key: str, positive: bool = False) -> float:
        value = spec.get(key)
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise InputError(where, f"{key} must be a number >= 0, got {value!r}")
        if positive and value <= 0:
            raise InputError(where, f"{key} must be > 0")
        return float(value)

    if kind == "fixed":
        num("value")
    elif kind == "uniform":
        if num("low") > num("high"):
            raise InputError(where, "low must not exceed high")
    elif kind == "triangular":
        if not num("low") <= num("mode") <= num("high"):
            raise InputError(where, "needs low <= mode <= high")
    elif kind == "dirichlet":
        weights = spec.get("weights")
        if not isinstance(weights, dict) or not weights:
            raise InputError(where, "weights must map categories to numbers")
        for key, value in weights.items():
            if not isinstance(value, int | float) or value <= 0:
                raise InputError(where, f"weight of {key!r} must be > 0")
        num("concentration", positive=True)
    elif kind == "by_category":
        cats = spec.get("categories")
        if not isinstance(cats, dict) or not cats:
            raise InputError(where, "categories must map names to distributions")
        for name, sub in cats.items():
            if not isinstance(sub, dict):
                raise InputError(where, f"category {name!r} must be a distribution")
            _check_distribution(f"{where}.{name}", sub)
    elif kind == "schedule":
        months = spec.get("months")
        if not isinstance(months, dict):
            raise InputError(where, "months must map YYYY-MM to numbers")
        for key, value in months.items():
            if not isinstance(value, int | float) or value < 0:
                raise InputError(where, f"month {key!r} needs a number >= 0")


def load_models(override: Path | None = None) -> dict[str, ModelSpec]:
    """The models with their bundled assumptions, replaced one by one by ``override``'s."""
    data = data_file("models.yaml")["models"]
    if override is not None:
        try:
            extra = yaml.safe_load(override.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise InputError(str(override), f"cannot read assumptions ({exc})") from None
        models = (extra or {}).get("models") if isinstance(extra, dict) else None
        if not isinstance(models, dict):
            raise InputError(str(override), "expected 'models: NAME: assumptions: ...'")
        for name, model in models.items():
            if name not in data:
                raise InputError(str(override), f"unknown model {name!r}")
            for key, spec in ((model or {}).get("assumptions") or {}).items():
                if key not in data[name]["assumptions"]:
                    raise InputError(str(override), f"{name} has no assumption {key!r}")
                data[name]["assumptions"][key] = dict(spec) | {
                    "reason": spec.get("reason") or f"set in {override.name}",
                    "cites": spec.get("cites", []),
                }
    out = {}
    for name, model in data.items():
        where = str(override) if override is not None else "models.yaml"
        assumptions = {}
        for key, spec in model["assumptions"].items():
            _check_distribution(f"{where}: {name}.{key}", spec)
            params = {k: v for k, v in spec.items() if k not in ("distribution", "cites", "reason")}
            assumptions[key] = Assumption(
                key, spec["distribution"], params, tuple(spec.get("cites", [])), spec["reason"]
            )
        missing = [k for k in REQUIRED[name] if k not in assumptions]
        if missing:
            raise InputError(where, f"{name} lacks assumption(s) {', '.join(missing)}")
        settings = {k: v for k, v in model.items() if k not in ("title", "unit", "assumptions")}
        _check_settings(f"models.yaml: {name}", settings)
        out[name] = ModelSpec(name, model["title"], model["unit"], assumptions, settings)
    return out


CHECK_RELATIONS = ("part", "same")


def _check_settings(where: str, settings: dict[str, Any]) -> None:
    """The checks against estimates need the model's period and a known relation; a
    bound the output cannot pass needs its reason."""
    checks = settings.get("checks") or []
    period = settings.get("period") or {}
    if checks and not (isinstance(period, dict) and period.get("start") and period.get("end")):
        raise InputError(where, "checks need the model's period (start, end)")
    for rule in checks:
        if not isinstance(rule, dict) or not rule.get("measure"):
            raise InputError(where, "a check names a measure")
        if rule.get("relation") not in CHECK_RELATIONS:
            raise InputError(where, f"a check's relation is one of {', '.join(CHECK_RELATIONS)}")
    if "at_most" in settings and not settings.get("at_most_reason"):
        raise InputError(where, "at_most needs at_most_reason")


# -- drawing ------------------------------------------------------------------------------------


def draw(assumption: Assumption | dict[str, Any], rng: np.random.Generator, n: int) -> Array:
    spec = (
        assumption.params | {"distribution": assumption.distribution}
        if isinstance(assumption, Assumption)
        else assumption
    )
    kind = spec["distribution"]
    if kind == "fixed":
        return np.full(n, float(spec["value"]))
    if kind == "uniform":
        return rng.uniform(float(spec["low"]), float(spec["high"]), n)
    if kind == "triangular":
        low, mode, high = float(spec["low"]), float(spec["mode"]), float(spec["high"])
        return np.full(n, low) if low == high else rng.triangular(low, mode, high, n)
    raise InputError(str(spec), f"cannot draw numbers from a {kind} distribution")


def moments(spec: dict[str, Any]) -> dict[str, float] | None:
    """E[X], E[X^2], E[1/X], E[1/X^2] of a scalar distribution, where they exist."""
    kind = spec["distribution"]
    if kind == "fixed":
        v = float(spec["value"])
        inv = 1 / v if v > 0 else math.nan
        return {"m1": v, "m2": v * v, "inv1": inv, "inv2": inv * inv}
    if kind == "uniform":
        a, b = float(spec["low"]), float(spec["high"])
        if a == b:
            return moments({"distribution": "fixed", "value": a})
        inv1 = math.log(b / a) / (b - a) if a > 0 else math.nan
        inv2 = 1 / (a * b) if a > 0 else math.nan
        return {"m1": (a + b) / 2, "m2": (a * a + a * b + b * b) / 3, "inv1": inv1, "inv2": inv2}
    if kind == "triangular":
        a, c, b = float(spec["low"]), float(spec["mode"]), float(spec["high"])
        mean = (a + b + c) / 3
        var = (a * a + b * b + c * c - a * b - a * c - b * c) / 18
        return {"m1": mean, "m2": var + mean * mean, "inv1": math.nan, "inv2": math.nan}
    return None


def _spec(a: Assumption) -> dict[str, Any]:
    return a.params | {"distribution": a.distribution}


@dataclass
class Summary:
    mean: float
    sd: float
    p5: float
    p50: float
    p95: float

    @classmethod
    def of(cls, values: Array) -> Summary:
        p5, p50, p95 = np.percentile(values, [5, 50, 95])
        return cls(
            float(values.mean()), float(values.std(ddof=1)), float(p5), float(p50), float(p95)
        )


@dataclass
class ModelResult:
    spec: ModelSpec
    seed: int
    draws: int
    values: Array
    summary: Summary
    closed: dict[str, float] | None
    path: dict[str, dict[str, Summary]] = field(default_factory=dict)
    """For models over time: month -> series -> summary."""

    @property
    def impossible(self) -> float:
        """The share of draws beyond the bound the output cannot pass (``at_most`` in
        ``models.yaml``): 0 when the assumptions agree with one another."""
        bound = self.spec.settings.get("at_most")
        if bound is None or not len(self.values):
            return 0.0
        return float((self.values > float(bound)).mean())


# -- the models ----------------------------------------------------------------------------------


def _shells(
    spec: ModelSpec, rng: np.random.Generator, n: int
) -> tuple[Array, dict[str, dict[str, Summary]]]:
    a = spec.assumptions
    containers = draw(a["containers"], rng, n)
    share = draw(a["munitions_share"], rng, n)
    weights = a["calibre_mix"].params["weights"]
    cats = list(weights)
    alpha = np.array([float(weights[c]) for c in cats]) * float(
        a["calibre_mix"].params["concentration"]
    )
    mix = rng.dirichlet(alpha, n)
    per = a["rounds_per_container"].params["categories"]
    missing = [c for c in cats if c not in per]
    if missing:
        raise InputError(
            "rounds_per_container", f"no rounds per container for {', '.join(missing)}"
        )
    loads = np.column_stack([draw(per[c], rng, n) for c in cats])
    return containers * share * (mix * loads).sum(axis=1), {}


def _shells_closed(spec: ModelSpec) -> dict[str, float] | None:
    a = spec.assumptions
    mc, ms = moments(_spec(a["containers"])), moments(_spec(a["munitions_share"]))
    weights = a["calibre_mix"].params["weights"]
    cats = list(weights)
    per = a["rounds_per_container"].params["categories"]
    found = [moments(per[c]) for c in cats]
    if mc is None or ms is None:
        return None
    loads = [m for m in found if m is not None]
    if len(loads) != len(cats):
        return None
    alpha = [float(weights[c]) * float(a["calibre_mix"].params["concentration"]) for c in cats]
    total = sum(alpha)
    # Dirichlet moments: E[m_i] = a_i/A; E[m_i m_j] = a_i a_j / (A(A+1)), + a_i/(A(A+1)) if i=j.
    z1 = sum(alpha[i] / total * loads[i]["m1"] for i in range(len(cats)))
    z2 = 0.0
    for i in range(len(cats)):
        for j in range(len(cats)):
            emm = alpha[i] * alpha[j] / (total * (total + 1))
            if i == j:
                emm += alpha[i] / (total * (total + 1))
                err = loads[i]["m2"]
            else:
                err = loads[i]["m1"] * loads[j]["m1"]
            z2 += emm * err
    mean = mc["m1"] * ms["m1"] * z1
    second = mc["m2"] * ms["m2"] * z2
    return {"mean": mean, "variance": second - mean * mean}


def _share(
    spec: ModelSpec, rng: np.random.Generator, n: int
) -> tuple[Array, dict[str, dict[str, Summary]]]:
    a = spec.assumptions
    supplied = draw(a["nk_rounds_per_year"], rng, n)
    usable = draw(a["usable_fraction"], rng, n)
    per_day = draw(a["russian_rounds_per_day"], rng, n)
    # Not clipped at 1: a draw above is impossible, and how many there are is reported.
    return supplied * usable / (per_day * 365.0), {}


def _upper(spec: dict[str, Any]) -> float:
    return float(spec.get("high", spec.get("value", 0)))


def _lower(spec: dict[str, Any]) -> float:
    return float(spec.get("low", spec.get("value", 0)))


def _share_closed(spec: ModelSpec) -> dict[str, float] | None:
    a = spec.assumptions
    sn, su, sr = (
        _spec(a[k]) for k in ("nk_rounds_per_year", "usable_fraction", "russian_rounds_per_day")
    )
    if _lower(sr) <= 0:
        return None
    mn, mu, mr = moments(sn), moments(su), moments(sr)
    if mn is None or mu is None or mr is None or math.isnan(mr["inv1"]):
        return None
    mean = mn["m1"] * mu["m1"] * mr["inv1"] / 365
    second = mn["m2"] * mu["m2"] * mr["inv2"] / 365**2
    return {"mean": mean, "variance": second - mean * mean}


def _months(spec: ModelSpec) -> list[str]:
    start = str(spec.settings.get("start", "2024-11"))
    year, month = int(start[:4]), int(start[5:7])
    out = []
    for _ in range(int(spec.settings.get("months", 12))):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _troops(
    spec: ModelSpec, rng: np.random.Generator, n: int
) -> tuple[Array, dict[str, dict[str, Summary]]]:
    a = spec.assumptions
    arrivals = a["arrivals"].params["months"]
    combat = a["combat_months"].params["months"]
    rate = draw(a["monthly_casualty_rate"], rng, n)
    quiet = draw(a["quiet_casualty_rate"], rng, n)
    killed_share = draw(a["killed_share"], rng, n)
    strength = np.zeros(n, dtype=np.int64)
    casualties = np.zeros(n, dtype=np.int64)
    killed = np.zeros(n, dtype=np.int64)
    path: dict[str, dict[str, Summary]] = {}
    for month in _months(spec):
        strength += int(arrivals.get(month, 0))
        monthly = rate if combat.get(month) else quiet
        hit = rng.binomial(strength, monthly)
        dead = rng.binomial(hit, killed_share)
        strength -= hit
        casualties += hit
        killed += dead
        path[month] = {
            "strength": Summary.of(strength.astype(np.float64)),
            "casualties": Summary.of(casualties.astype(np.float64)),
            "killed": Summary.of(killed.astype(np.float64)),
        }
    return casualties.astype(np.float64), path


def expected_troop_path(spec: ModelSpec) -> dict[str, dict[str, float]] | None:
    """E[strength], E[cumulative casualties], E[cumulative killed] by month, in closed form
    when the rates are fixed (the recursion is then linear in expectation)."""
    a = spec.assumptions
    rates = [_spec(a[k]) for k in ("monthly_casualty_rate", "quiet_casualty_rate", "killed_share")]
    if any(_lower(r) != _upper(r) for r in rates):
        return None
    rate, quiet, share = (_lower(r) for r in rates)
    arrivals = a["arrivals"].params["months"]
    combat = a["combat_months"].params["months"]
    strength = casualties = killed = 0.0
    out = {}
    for month in _months(spec):
        strength += float(arrivals.get(month, 0))
        hit = strength * (rate if combat.get(month) else quiet)
        strength -= hit
        casualties += hit
        killed += hit * share
        out[month] = {"strength": strength, "casualties": casualties, "killed": killed}
    return out


def _troops_closed(spec: ModelSpec) -> dict[str, float] | None:
    path = expected_troop_path(spec)
    if path is None:
        return None
    return {"mean": path[max(path)]["casualties"]}


Runner = Callable[
    [ModelSpec, np.random.Generator, int], tuple[Array, dict[str, dict[str, Summary]]]
]
MODELS: dict[str, tuple[Runner, Callable[[ModelSpec], dict[str, float] | None]]] = {
    "shells_from_containers": (_shells, _shells_closed),
    "nk_share_of_russian_fire": (_share, _share_closed),
    "troop_rotations": (_troops, _troops_closed),
}


def closed_form(spec: ModelSpec) -> dict[str, float] | None:
    return MODELS[spec.name][1](spec)


def run(spec: ModelSpec, draws: int = 100_000, seed: int = 1) -> ModelResult:
    """Run ``spec`` with ``draws`` draws from a PCG64 generator seeded with ``seed``."""
    if draws < 2:
        raise InputError("--draws", "needs at least 2 draws")
    runner, closed = MODELS[spec.name]
    rng = np.random.Generator(np.random.PCG64(seed))
    values, path = runner(spec, rng, draws)
    return ModelResult(spec, seed, draws, values, Summary.of(values), closed(spec), path)


def histogram(values: Array, bins: int = 30) -> tuple[list[float], list[int]]:
    counts, edges = np.histogram(values, bins=bins)
    return [float(e) for e in edges], [int(c) for c in counts]
