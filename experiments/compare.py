"""Compare policies against a baseline: outcomes averted and cost per death averted.

Every scenario runs with the same seeds (common random numbers), so for each seed
the difference baseline - policy compares like with like; the table reports the
mean of these paired differences over seeds and a 95% t-interval.

Outcomes over the horizon (all simulated months common to the scenarios, or the
first ``horizon`` months):

- overdose deaths, new HIV infections among people who inject drugs
  (``new_hiv_pwid``), violence deaths: totals over the horizon, averted =
  baseline - policy;
- people with a substance use disorder, people incarcerated: mean over the
  months, reduction = baseline - policy;
- cultivation: hectares summed over the ``cultivation_ha_<country>`` columns (not
  crop aggregates such as ``cultivation_ha_coca``), mean over the months,
  reduction = baseline - policy;
- spending: the ``spend_usd_<program>`` columns summed over the horizon, extra
  spending = policy - baseline (USD; differences below a relative 1e-9 are rounding
  and count as 0);
- cost per overdose death averted = mean extra spending / mean deaths averted (USD
  per death), reported only when it means something: not when the deaths-averted
  interval includes 0, not when the policy causes more deaths, and not when the
  policy spends less (then it saves money *and* averts deaths: it dominates). A
  budget-neutral policy (the same total) that averts deaths costs USD 0 per death
  averted. When spending is the same in every seed, the deaths-averted interval
  gives the cost's interval (extra spending / upper and lower bound).

Missing columns are skipped (the outcome is left out of the table).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from .columns import outcome_columns
from .compare_text import format_table  # noqa: F401 - the table as text; imported from here too
from .numbers import fmt_number, fmt_usd, t_interval
from .errors import ExperimentError
from .ledger import ledger_table
from .draws import DrawPlan
from .intervals import two_intervals
from .options import RunOptions, run_options
from .report import RunReport
from .runner import run_scenarios
from .tasks import scenario_to_dict
from .storage import atomic_write_bytes, atomic_write_parquet

#: key, label, unit, how to reduce the months of one run, columns (a name or a prefix ending in "_")
OUTCOMES: tuple[tuple[str, str, str, str, str], ...] = (
    ("overdose_deaths", "overdose deaths averted", "deaths", "sum", "overdose_deaths"),
    ("new_hiv_pwid", "new HIV infections (PWID) averted", "infections", "sum", "new_hiv_pwid"),
    ("violence_deaths", "violence deaths averted", "deaths", "sum", "violence_deaths"),
    ("people_with_sud", "fewer people with SUD (monthly mean)", "people", "mean", "people_with_sud"),
    ("incarcerated", "fewer people incarcerated (monthly mean)", "people", "mean", "incarcerated"),
    ("cultivation_ha", "less cultivation (monthly mean)", "ha", "mean", "cultivation_ha_"),
)
SPEND = ("spend_usd", "extra spending", "USD", "sum", "spend_usd_")
#: relative difference in total spending below which two policies spend the same (rounding)
SPEND_TOLERANCE = 1e-9


# --------------------------------------------------------------------------- per run
def per_run_metrics(df: pd.DataFrame, horizon: int | None = None) -> pd.DataFrame:
    """One row per (scenario, seed), or (scenario, draw, seed) with parameter draws: each outcome of
    :data:`OUTCOMES` and spending, reduced over months 1..horizon (all months if None)."""
    if horizon is not None and "month" in df.columns:
        df = df[df["month"] <= horizon]
    keys = ["scenario", "draw", "seed"] if "draw" in df.columns else ["scenario", "seed"]
    g = df.groupby(keys, sort=False)
    out = g.size().rename("months").to_frame()
    for key, _label, _unit, how, spec in (*OUTCOMES, SPEND):
        cols = outcome_columns(df, spec)
        if not cols:
            continue
        monthly = df[cols].sum(axis=1, min_count=1)
        red = monthly.groupby([df[k] for k in keys], sort=False)
        out[key] = red.sum(min_count=1) if how == "sum" else red.mean()
    return out.reset_index()


# --------------------------------------------------------------------------- comparison
def compare_metrics(metrics: pd.DataFrame, baseline: str, policies: Sequence[str]) -> pd.DataFrame:
    """The comparison table from :func:`per_run_metrics`, paired by seed (and by draw, with parameter
    draws: then ``low``/``high`` are the chance interval and :data:`experiments.intervals.COLUMNS` are
    added, see :mod:`experiments.intervals`)."""
    keys = ["draw", "seed"] if "draw" in metrics.columns else ["seed"]
    base = metrics[metrics["scenario"] == baseline].set_index(keys)
    rows: list[dict[str, Any]] = []
    for pol in policies:
        p = metrics[metrics["scenario"] == pol].set_index(keys)
        seeds = base.index.intersection(p.index)
        deaths = None
        spend = None
        for key, label, unit, _how, _spec in (*OUTCOMES, SPEND):
            if key not in base.columns or key not in p.columns:
                continue
            b, q = base.loc[seeds, key].astype(float), p.loc[seeds, key].astype(float)
            diff = (q - b) if key == SPEND[0] else (b - q)
            if key == SPEND[0]:
                # the same budgets summed in another order differ by rounding (1e-5 USD of 5.5e10):
                # a budget-neutral policy's extra spending is 0, not -0.000023
                diff = diff.where(diff.abs() > SPEND_TOLERANCE * np.maximum(b.abs(), q.abs()), 0.0)
            mean, low, high = t_interval(diff)
            row = {
                "policy": pol, "baseline": baseline, "outcome": key, "label": label, "unit": unit,
                "mean": mean, "low": low, "high": high, "n_seeds": int(diff.notna().sum()),
                "baseline_mean": float(b.mean()), "policy_mean": float(q.mean()), "note": "",
            }
            if "draw" in keys:
                row.update(_with_draws(diff))
            rows.append(row)
            if key == "overdose_deaths":
                deaths = row
            if key == SPEND[0]:
                spend = row
        rows.append(_cost_per_death(pol, baseline, deaths, spend))
    return pd.DataFrame(rows)


def _with_draws(diff: pd.Series) -> dict:
    """A paired difference's estimate and two intervals over draws x seeds; ``low``/``high`` are the
    chance interval, ``n_seeds`` the seeds per draw."""
    draws = diff.index.get_level_values("draw")
    iv = two_intervals(diff, draws)
    n_seeds = int(diff.notna().groupby(draws).sum().min()) if len(diff) else 0
    return {**iv, "low": iv["chance_low"], "high": iv["chance_high"], "n_seeds": n_seeds}


def _cost_per_death(pol: str, baseline: str, deaths: dict | None, spend: dict | None) -> dict:
    row = {"policy": pol, "baseline": baseline, "outcome": "cost_per_death_averted",
           "label": "cost per overdose death averted", "unit": "USD per death averted",
           "mean": float("nan"), "low": float("nan"), "high": float("nan"),
           "n_seeds": deaths["n_seeds"] if deaths else 0, "baseline_mean": float("nan"),
           "policy_mean": float("nan"), "note": ""}
    if deaths is None or spend is None:
        row["note"] = "not available: the results lack overdose_deaths or spend_usd_* columns"
        return row
    d, lo, hi, s = deaths["mean"], deaths["low"], deaths["high"], spend["mean"]
    if hi == hi and hi < 0:
        row["note"] = (f"not meaningful: the policy causes more overdose deaths than the baseline "
                       f"({fmt_number(-d)} more)")
    elif (lo == lo and lo <= 0 <= hi) or d == 0 or (lo != lo and d <= 0):
        row["note"] = ("not meaningful: the deaths averted are not distinguishable from zero "
                       "(their 95% interval includes 0)")
    elif s == 0:
        row["mean"], row["low"], row["high"] = 0.0, 0.0, 0.0
        row["note"] = "budget-neutral: the same spending as the baseline, differently allocated"
    elif s < 0:
        row["note"] = (f"not meaningful as a cost: the policy saves {fmt_usd(-s)} and averts deaths "
                       "(it costs less and does better than the baseline)")
    else:
        row["mean"] = s / d
        if lo == lo and spend["low"] == spend["high"]:
            # spending is the same in every seed (budgets are not random): the interval of the
            # deaths averted maps to one of the cost per death averted
            row["low"], row["high"] = s / hi, s / lo
        row["note"] = "one seed: no interval for the deaths averted" if lo != lo else ""
    return row


def per_draw_effects(metrics: pd.DataFrame, baseline: str, policies: Sequence[str]) -> pd.DataFrame:
    """One row per (policy, draw): each outcome's paired effect (signed as in the table: averted, or
    extra spending), mean over the draw's seeds, and the number of seeds."""
    keys = ["draw", "seed"]
    base = metrics[metrics["scenario"] == baseline].set_index(keys)
    cols = [k for k, *_ in (*OUTCOMES, SPEND) if k in metrics.columns]
    frames = []
    for pol in policies:
        p = metrics[metrics["scenario"] == pol].set_index(keys)
        idx = base.index.intersection(p.index)
        diff = base.loc[idx, cols] - p.loc[idx, cols]
        if SPEND[0] in cols:
            diff[SPEND[0]] = -diff[SPEND[0]]
        g = diff.groupby(level="draw")
        f = g.mean()
        f.insert(0, "n_seeds", g.size())
        f.insert(0, "policy", pol)
        frames.append(f.reset_index())
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


@dataclass
class ComparisonResult:
    table: pd.DataFrame
    metrics: pd.DataFrame
    report: RunReport
    out: Path | None
    horizon: int | None
    ledger: pd.DataFrame | None = None  # the outcome ledger (experiments/ledger.py)

    def __str__(self) -> str:
        return format_table(self.table)


def _unique_names(dicts: list[dict]) -> list[dict]:
    seen: dict[str, int] = {}
    for d in dicts:
        name = str(d.get("name", "scenario"))
        if name in seen:
            seen[name] += 1
            d["name"] = f"{name}-{seen[name]}"
        else:
            seen[name] = 1
    return dicts


def compare(
    baseline_scenario: Any,
    policy_scenarios: Sequence[Any],
    seeds: int | Iterable[int] | None = None,
    *,
    horizon: int | None = None,
    figure: bool = True,
    options: RunOptions | None = None,
    draws: int | DrawPlan | None = None,
    **given: Any,
) -> ComparisonResult:
    """Run baseline and policies with the same seeds and compare each policy to the baseline.

    ``draws``: parameter draws crossed with the seeds (:func:`experiments.runner.run_scenarios`):
    every policy runs with the same draws and seeds as the baseline, the pairs are (draw, seed), and
    the table gains the chance and parameter intervals (:mod:`experiments.intervals`); with ``out``
    also ``per_draw.csv`` (each policy's effect on each outcome in each draw, mean over the seeds).

    ``options`` or the keyword arguments ``given`` (``simulate``, ``backend``, ``workers``,
    ``address``, ``out``, ``resume``, ``overwrite``, ``progress``, ``command``): the
    :class:`~experiments.options.RunOptions`. With ``out``: writes parts, manifest,
    results.parquet, per_seed.csv, compare.csv and compare.png there. Failed runs are
    left out of the pairing (and reported by ``result.report``).
    """
    options = run_options(options, given)
    out = options.out
    if not policy_scenarios:
        raise ExperimentError("compare needs at least one policy scenario besides the baseline")
    dicts = _unique_names([scenario_to_dict(s) for s in [baseline_scenario, *policy_scenarios]])
    report = run_scenarios(dicts, seeds, options, kind="compare", draws=draws,
                           design={"baseline": dicts[0], "policies": dicts[1:], "horizon": horizon})
    df = report.results()
    if not len(df):
        raise ExperimentError("no run finished: nothing to compare" + (f" ({report.failure_summary()})" if report.n_failed else ""))
    if horizon is None and "month" in df.columns:
        horizon = int(df.groupby("scenario")["month"].max().min())
    metrics = per_run_metrics(df, horizon)
    names = [d["name"] for d in dicts]
    table = compare_metrics(metrics, names[0], names[1:])
    ledger = ledger_table(df, names[0], names[1:], horizon=horizon)
    res = ComparisonResult(table, metrics, report, Path(out) if out is not None else None, horizon, ledger)
    if out is not None:
        out = Path(out)
        atomic_write_parquet(df, out / "results.parquet")
        atomic_write_bytes(out / "per_seed.csv", metrics.to_csv(index=False).encode())
        atomic_write_bytes(out / "compare.csv", table.to_csv(index=False).encode())
        atomic_write_bytes(out / "ledger.csv", ledger.to_csv(index=False).encode())
        if "draw" in metrics.columns:
            atomic_write_bytes(out / "per_draw.csv", per_draw_effects(metrics, names[0], names[1:]).to_csv(index=False).encode())
        if figure:
            from viz.figures import compare_figure

            compare_figure(table, out / "compare.png")
    return res
