"""What a published experiment is: scenarios, seeds, a statistic, a band from the published finding, a source.

Each experiment file in this folder defines ``EXPERIMENT = Experiment(...)``.
``scenarios(tier)`` returns the scenarios to run (all on the same seeds: common
random numbers); ``statistic(results)`` turns the runs into one number per
seed for each named statistic; ``check(summary)`` says pass or fail from the
ensemble's means and 95% intervals and explains the verdict in words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from model.policy import STATUS_QUO_BUDGET
from model.scenario import Scenario, scenario_from_dict

FAST, FULL = "fast", "full"


@dataclass(frozen=True)
class Tier:
    name: str
    seeds: int
    preset: str


TIERS = {FAST: Tier(FAST, 3, "workshop"), FULL: Tier(FULL, 30, "national")}


@dataclass
class Stat:
    """One statistic over seeds: mean and the 95% t-interval of the mean."""
    values: np.ndarray

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def sd(self) -> float:
        return float(np.std(self.values, ddof=1)) if len(self.values) > 1 else 0.0

    @property
    def ci(self) -> tuple[float, float]:
        n = len(self.values)
        if n < 2:
            return (self.mean, self.mean)
        from scipy import stats
        h = stats.t.ppf(0.975, n - 1) * self.sd / math.sqrt(n)
        return (self.mean - h, self.mean + h)


@dataclass
class Experiment:
    name: str
    title: str
    finding: str
    band: str
    source: str
    scenarios: Callable[[Tier], dict[str, Scenario]]
    statistic: Callable[[dict[str, pd.DataFrame]], dict[str, np.ndarray]]
    check: Callable[[dict[str, Stat]], tuple[bool, str]]
    main_stat: str
    preset: dict[str, str] = field(default_factory=lambda: {FAST: "workshop", FULL: "national"})
    notes: str = ""
    plot: Callable | None = None
    #: shown only when the check fails: why the model disagrees, and what would change it
    if_failed: str = ""
    #: full tier only: Markdown of recorded runs the section rests on besides its own seeds
    appendix: Callable[[], str] | None = None


def scenario(name: str, tier: Tier, months: int, preset: str | None = None, policy=None, events=None,
             params=None, world=None) -> Scenario:
    d = {"name": name, "preset": preset or tier.preset, "months": months, "policy": policy or {},
         "events": events or [], "params": params or {}}
    if world:
        d["world"] = world
    return scenario_from_dict(d)


def budget(**changes) -> dict:
    """A policy with the status-quo budget and some programmes changed (USD a year)."""
    return {"budget": {**STATUS_QUO_BUDGET, **changes}}


def status_quo_table(program: str) -> dict:
    """The status-quo budget of ``program`` as a table country -> USD a year (by the model's sharing rule),
    to change one country's amount and keep the others."""
    from model.calibrate import calibrate
    from model.params import defaults
    from model.world import load_world

    shares = calibrate(load_world(), defaults()).budget_share[program]
    return {c: STATUS_QUO_BUDGET[program] * s for c, s in shares.items()}


def per_seed(df: pd.DataFrame, fn) -> np.ndarray:
    """Apply ``fn`` to each seed's rows (sorted by seed) and return the values."""
    return np.array([fn(g.sort_values("month")) for _, g in df.groupby("seed", sort=True)], dtype=float)


def paired(a: pd.DataFrame, b: pd.DataFrame, fn) -> np.ndarray:
    """``fn(a_seed, b_seed)`` for each seed common to both (common random numbers)."""
    ga = {s: g.sort_values("month") for s, g in a.groupby("seed")}
    gb = {s: g.sort_values("month") for s, g in b.groupby("seed")}
    return np.array([fn(ga[s], gb[s]) for s in sorted(ga) if s in gb], dtype=float)
