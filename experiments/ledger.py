"""The outcome ledger: what a comparison's outcomes cost and are worth, in the units health economists use.

For every run (scenario, seed) over the horizon, from the model's monthly outputs and the weights in
model/data/ledger.toml (each with its unit, range, source and grade):

- costs (USD, discounted): programme spending (``spend_usd_*``), HIV care (lifetime cost an infection
  adds, in the month of infection), prison and jail (person-months in prison);
- health (discounted): years of life lost to overdose deaths, quality-adjusted life years (QALYs)
  lost to deaths, to HIV and to months lived dependent or in treatment, and disability-adjusted life
  years (DALYs: years of life lost plus years lived with disability);
- justice and environment (undiscounted): incarceration-years, violence deaths, hectares of coca and
  poppy (monthly mean), deforestation, farmers' income.

Against the baseline, paired by seed as in :mod:`experiments.compare`: the change in each, the
incremental cost-effectiveness ratio (extra cost per QALY gained) and the net monetary benefit at a
willingness to pay per QALY. Discounting runs from the first output month at ``ledger.discount_rate``
a year. Overdose emergency care is left out (only hospital charges, not costs, were found sourced).
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import pandas as pd

from model.params import Param, load_table

from .columns import cultivation_columns
from .errors import ExperimentError
from .numbers import fmt_number, fmt_usd, t_interval


#: the ledger's weights and costs, by dotted name (docs/ODD.md section 10.1 lists them)
LEDGER_PARAMS: dict[str, Param] = load_table("ledger.toml")
GROUPS = ("opioid", "cocaine", "methamphetamine")


def ledger_values(overrides: dict[str, Any] | None = None) -> dict[str, float]:
    """The weights: defaults, with ``overrides`` (dotted names, with or without ``ledger.``) checked."""
    values = {n: float(p.default) for n, p in LEDGER_PARAMS.items()}
    for key, v in (overrides or {}).items():
        name = key if key.startswith("ledger.") else f"ledger.{key}"
        if name not in LEDGER_PARAMS:
            raise ExperimentError(f"{key}: unknown ledger setting; allowed: {', '.join(sorted(LEDGER_PARAMS))}")
        problem = LEDGER_PARAMS[name].check(v)
        if problem:
            raise ExperimentError(f"{name} = {v!r}: {problem}")
        values[name] = float(v)
    return values


def life_years(years: float, rate: float) -> float:
    """Discounted value of ``years`` of life starting now (a continuous stream at ``rate`` a year)."""
    return years if rate == 0 else (1 - (1 + rate) ** -years) / math.log(1 + rate)


def _keys(df: pd.DataFrame) -> list[str]:
    """What one run is: the scenario, the parameter draw (with --draws) and the seed."""
    return [k for k in ("scenario", "draw", "seed") if k in df.columns]


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    return df[name] if name in df.columns else pd.Series(0.0, index=df.index)


def per_run_ledger(df: pd.DataFrame, values: dict[str, float] | None = None,
                   horizon: int | None = None) -> pd.DataFrame:
    """One row per (scenario, seed): every ledger quantity over months 1..horizon (all if None)."""
    v = values or ledger_values()
    if horizon is not None:
        df = df[df["month"] <= horizon]
    r = v["ledger.discount_rate"]
    d = (1 + r) ** (-(df["month"] - 1) / 12.0)  # discount factor of each month, 1 in month 1
    spend = df[[c for c in df.columns if c.startswith("spend_usd_")]].sum(axis=1)
    hiv = _col(df, "new_hiv_pwid")
    deaths = _col(df, "overdose_deaths")
    prison = _col(df, "incarcerated")
    treatment = _col(df, "in_treatment")
    dep = {g: _col(df, f"users_dependent_{g}") for g in GROUPS}
    dependent = sum(dep.values())
    u_w = v["ledger.utility_without_disorder"]
    yll = deaths * life_years(v["ledger.yll_per_overdose_death"], r)
    monthly = pd.DataFrame({
        "cost_programmes_usd": d * spend,
        "cost_hiv_care_usd": d * hiv * v["ledger.hiv_care_cost_usd"],
        "cost_prison_usd": d * prison * v["ledger.prison_cost_usd_per_year"] / 12,
        "yll_overdose": d * yll,
        "qalys_lost_deaths": d * yll * u_w,
        "qalys_lost_hiv": d * hiv * v["ledger.hiv_qalys_lost_per_infection"],
        "qalys_lost_disorder": d * (dependent * (u_w - v["ledger.utility_dependent"])
                                    + treatment * (u_w - v["ledger.utility_treatment"])) / 12,
        "yld_disorder": d * sum(dep[g] * v[f"ledger.disability_weight_{g}"] for g in GROUPS) / 12,
        "incarceration_years": prison / 12,
        "violence_deaths": _col(df, "violence_deaths"),
        "deforestation_ha": _col(df, "deforestation_ha"),
        "farmer_income_usd": _col(df, "farmer_income_licit_usd") + _col(df, "farmer_income_illicit_usd"),
        "cultivation_ha": df[cultivation_columns(df)].sum(axis=1) if cultivation_columns(df) else 0.0,
    })
    keys = [df[k] for k in _keys(df)]
    g = monthly.groupby(keys, sort=False)
    out = g.sum()
    out["cultivation_ha"] = g["cultivation_ha"].mean()
    out["cost_total_usd"] = out[["cost_programmes_usd", "cost_hiv_care_usd", "cost_prison_usd"]].sum(axis=1)
    out["qalys_lost"] = out[["qalys_lost_deaths", "qalys_lost_hiv", "qalys_lost_disorder"]].sum(axis=1)
    # an infection's QALYs lost stand in for its DALYs: no sourced DALYs per infection were found
    out["dalys"] = out["yll_overdose"] + out["yld_disorder"] + out["qalys_lost_hiv"]
    return out.reset_index()


#: (key, label, unit, sign): sign +1 reports policy - baseline, -1 reports baseline - policy (a gain)
ROWS: tuple[tuple[str, str, str, int], ...] = (
    ("cost_programmes_usd", "extra cost: programme spending", "USD", +1),
    ("cost_hiv_care_usd", "extra cost: HIV care", "USD", +1),
    ("cost_prison_usd", "extra cost: prison and jail", "USD", +1),
    ("cost_total_usd", "extra cost: total", "USD", +1),
    ("yll_overdose", "years of life lost to overdose, averted", "years", -1),
    ("qalys_lost", "QALYs gained", "QALYs", -1),
    ("dalys", "DALYs averted", "DALYs", -1),
    ("incarceration_years", "incarceration-years averted", "person-years", -1),
    ("violence_deaths", "violence deaths averted", "deaths", -1),
    ("cultivation_ha", "less cultivation (monthly mean)", "ha", -1),
    ("deforestation_ha", "less deforestation", "ha", -1),
    ("farmer_income_usd", "change in farmers' income", "USD", +1),
)


def compare_ledger(runs: pd.DataFrame, baseline: str, policies: Sequence[str],
                   values: dict[str, float] | None = None) -> pd.DataFrame:
    """The ledger's changes against ``baseline`` (from :func:`per_run_ledger`), paired by seed, with the
    incremental cost-effectiveness ratio and the net monetary benefit."""
    v = values or ledger_values()
    pair = [k for k in ("draw", "seed") if k in runs.columns]  # the same draw and seed under every policy
    base = runs[runs["scenario"] == baseline].set_index(pair)
    rows = []
    for pol in policies:
        p = runs[runs["scenario"] == pol].set_index(pair)
        seeds = base.index.intersection(p.index)
        diffs = {}
        for key, label, unit, sign in ROWS:
            diff = (p.loc[seeds, key] - base.loc[seeds, key]) * sign
            diffs[key] = diff
            rows.append(_row(pol, baseline, key, label, unit, diff))
        nmb = v["ledger.wtp_per_qaly_usd"] * diffs["qalys_lost"] - diffs["cost_total_usd"]
        rows.append(_row(pol, baseline, "net_monetary_benefit_usd",
                         f"net monetary benefit at {fmt_usd(v['ledger.wtp_per_qaly_usd'])} per QALY", "USD", nmb))
        rows.append(_icer(pol, baseline, diffs["cost_total_usd"], diffs["qalys_lost"]))
    return pd.DataFrame(rows)


def _row(pol, baseline, key, label, unit, diff: pd.Series, note: str = "") -> dict:
    mean, low, high = t_interval(diff.astype(float))
    return {"policy": pol, "baseline": baseline, "outcome": key, "label": label, "unit": unit, "mean": mean,
            "low": low, "high": high, "n_seeds": int(diff.notna().sum()), "note": note}


def _icer(pol, baseline, cost: pd.Series, qalys: pd.Series) -> dict:
    """Extra cost per QALY gained, reported only where it means something (as cost per death in compare)."""
    c, (q, q_lo, q_hi) = float(cost.mean()), t_interval(qalys.astype(float))
    row = _row(pol, baseline, "icer_usd_per_qaly", "incremental cost per QALY gained", "USD per QALY",
               pd.Series([math.nan]))
    row.update(mean=math.nan, low=math.nan, high=math.nan, n_seeds=int(qalys.notna().sum()))
    if q_lo == q_lo and q_lo <= 0 <= q_hi:
        row["note"] = "not meaningful: the QALYs gained are not distinguishable from zero (95% interval includes 0)"
    elif q < 0:
        row["note"] = ("dominated: costs more and loses QALYs" if c > 0 else
                       f"saves {fmt_usd(-c)} but loses {fmt_number(-q)} QALYs")
    elif c <= 0:
        row["note"] = f"dominant: gains QALYs and saves {fmt_usd(-c)}"
    else:
        row["mean"] = c / q
    return row


def format_ledger(table: pd.DataFrame, *, horizon_months: int, values: dict[str, float] | None = None,
                  n_seeds: int | None = None) -> str:
    """The ledger as text, with the reporting items of the CHEERS 2022 statement that a model run fixes."""
    v = values or ledger_values()
    lines = [
        "Health-economic ledger (CHEERS 2022 items: perspective, horizon, discounting, outcomes, uncertainty)",
        "  perspective: health care (programmes, HIV care) and justice system (prison); overdose emergency "
        "care not counted",
        f"  horizon: {horizon_months} months; discount rate {v['ledger.discount_rate']:.1%} a year on costs and "
        "health; prices as the sources give them (USD, no inflation adjustment)",
        f"  uncertainty: 95% t-intervals over {n_seeds or 'the'} paired runs (the same seed, and draw if any, "
        "under every policy); the weights at their defaults",
        "  weights graded L: " + ", ".join(sorted(n for n, p in LEDGER_PARAMS.items() if p.grade == "L")),
    ]
    for pol, g in table.groupby("policy", sort=False):
        lines.append(f"\n{pol} against {g['baseline'].iloc[0]}:")
        for _, r in g.iterrows():
            if r["note"] and r["mean"] != r["mean"]:
                lines.append(f"  {r['label']:<48} {r['note']}")
                continue
            usd = r["unit"].startswith("USD")
            fmt = fmt_usd if usd else fmt_number
            unit = r["unit"][3:] if usd else f" {r['unit']}"  # "USD per QALY" prints as "$x per QALY"
            ci = f" ({fmt(r['low'])} to {fmt(r['high'])})" if r["low"] == r["low"] and r["low"] != r["high"] else ""
            lines.append(f"  {r['label']:<48} {fmt(r['mean'])}{unit}{ci}")
    return "\n".join(lines)


def ledger_table(df: pd.DataFrame, baseline: str, policies: Sequence[str],
                 overrides: dict[str, Any] | None = None, horizon: int | None = None) -> pd.DataFrame:
    """The comparison's ledger from its monthly results (``df``: scenario, seed, month and outputs)."""
    values = ledger_values(overrides)
    return compare_ledger(per_run_ledger(df, values, horizon), baseline, policies, values)


__all__ = ["LEDGER_PARAMS", "ledger_values", "life_years", "per_run_ledger", "compare_ledger", "format_ledger",
           "ledger_table"]
