"""The sensitivity analysis of a sweep: each run's outputs summarised, then one table per design.

- sobol (SALib, Saltelli/Sobol' sequence): first-order ``S1`` and total-order
  ``ST`` indices with 95% confidence half-widths (``S1_conf``, ``ST_conf``);
- morris (SALib elementary effects): ``mu``, ``mu_star`` (mean absolute effect),
  ``sigma`` (interaction/non-linearity), ``mu_star_conf``;
- lhs (scipy.stats.qmc Latin hypercube): Spearman rank correlation of each
  factor with each output (``rho``, ``p_value``);
- factorial: main effects (mean output at each level, its difference from the
  grand mean).

The analysis uses each design row's mean over its seeds (common random numbers:
every row has the same seeds), and over its parameter draws when the sweep has them. With ``compare_to`` the outputs analysed are the
effects, base minus comparison per seed (:func:`effects`).
"""

from __future__ import annotations

import difflib
from typing import Sequence

import numpy as np
import pandas as pd

from .sweep_file import SweepError, SweepSpec, parse_summary, sweep_error


def effects(runs: pd.DataFrame, outputs: Sequence[str]) -> pd.DataFrame:
    """Per design row and seed: each output's base value minus its comparison value (``arm`` 0 minus 1),
    with both kept as ``<output>_base`` and ``<output>_comparison``. Pairs missing an arm are dropped."""
    key = ["design_row", "draw", "replicate", "seed"] if "draw" in runs.columns else ["design_row", "replicate", "seed"]
    a = runs[runs["arm"] == 0].set_index(key)[list(outputs)]
    b = runs[runs["arm"] == 1].set_index(key)[list(outputs)]
    both = a.merge(b, how="inner", left_index=True, right_index=True, suffixes=("_base", "_comparison"))
    for c in outputs:
        both[c] = both[f"{c}_base"] - both[f"{c}_comparison"]
    return both.reset_index()


def summarize_runs(df: pd.DataFrame, outputs: dict[str, str]) -> pd.DataFrame:
    """One row per task: ``task_id`` (and design_row, replicate, seed where present) and
    each output summarised over the run's months as ``outputs`` says."""
    keys = [c for c in ("task_id", "design_row", "draw", "replicate", "arm", "seed", "scenario") if c in df.columns]
    if "month" not in df.columns:
        df = df.assign(month=df.groupby("task_id").cumcount() + 1)
    df = df.sort_values(["task_id", "month"], kind="stable")
    out = df.groupby("task_id", sort=True)[[c for c in keys if c != "task_id"]].first()
    month = df["month"]
    for col, how in outputs.items():
        stat, window, n = parse_summary(how)
        sub = df
        if window == "last":
            sub = df[month > month.groupby(df["task_id"]).transform("max") - n]
        elif window == "first":
            sub = df[month < month.groupby(df["task_id"]).transform("min") + n]
        if stat in ("first", "last"):
            vals = sub.drop_duplicates("task_id", keep=stat).set_index("task_id")[col]
        else:
            vals = getattr(sub.groupby("task_id", sort=True)[col], stat)()
        out[col] = vals.astype(float)
    return out.reset_index()


def outputs_in_results(spec: SweepSpec, columns: Sequence[str]) -> dict[str, str]:
    missing = [c for c in spec.outputs if c not in columns]
    if missing and spec.outputs_given:
        c = missing[0]
        m = difflib.get_close_matches(c, [x for x in columns if x not in ("task_id", "month")], n=1, cutoff=0.6)
        raise sweep_error(spec.path, f"outputs.{c}", "is not an output column of the results"
                   + (f"; did you mean '{m[0]}'?" if m else ""))
    return {c: h for c, h in spec.outputs.items() if c in columns}


# --------------------------------------------------------------------------- analysis
def analyze(spec: SweepSpec, design: pd.DataFrame, X: np.ndarray | None, runs: pd.DataFrame) -> pd.DataFrame:
    """The sensitivity table for the design (see the module docstring for its columns).
    ``runs``: :func:`summarize_runs` output with ``design_row``."""
    outputs = [c for c in spec.outputs if c in runs.columns]
    per_row = runs.groupby("design_row", sort=True)[outputs].mean()
    n_rows = len(design)
    if len(per_row) != n_rows:
        raise SweepError(f"the analysis needs every design row; {n_rows - len(per_row)} rows have no finished run")
    names = [f.key for f in spec.factors]
    records: list[dict] = []
    if spec.design == "sobol":
        from SALib.analyze import sobol as sobol_analyze

        problem = spec.problem()
        for col in outputs:
            Y = per_row[col].to_numpy(dtype=float)
            Si = sobol_analyze.analyze(problem, Y, calc_second_order=spec.second_order, seed=spec.sample_seed)
            for j, f in enumerate(names):
                records.append({"output": col, "factor": f, "S1": Si["S1"][j], "S1_conf": Si["S1_conf"][j],
                                "ST": Si["ST"][j], "ST_conf": Si["ST_conf"][j]})
    elif spec.design == "morris":
        from SALib.analyze import morris as morris_analyze

        problem = spec.problem()
        for col in outputs:
            Y = per_row[col].to_numpy(dtype=float)
            Si = morris_analyze.analyze(problem, X, Y, num_levels=spec.levels, seed=spec.sample_seed)
            for j, f in enumerate(names):
                records.append({"output": col, "factor": f, "mu": Si["mu"][j], "mu_star": Si["mu_star"][j],
                                "sigma": Si["sigma"][j], "mu_star_conf": Si["mu_star_conf"][j]})
    elif spec.design == "lhs":
        from scipy.stats import spearmanr

        for col in outputs:
            Y = per_row[col].to_numpy(dtype=float)
            for j, f in enumerate(names):
                x = X[:, j]
                if np.ptp(Y) == 0 or np.ptp(x) == 0:
                    rho, pv = float("nan"), float("nan")
                else:
                    res = spearmanr(x, Y)
                    rho, pv = float(res.statistic), float(res.pvalue)
                records.append({"output": col, "factor": f, "rho": rho, "p_value": pv})
    else:  # factorial: main effects
        merged = design.set_index("row").join(per_row, how="inner")
        for col in outputs:
            grand = merged[col].mean()
            for f in names:
                for level, grp in merged.groupby(f, sort=False)[col]:
                    records.append({"output": col, "factor": f, "level": level, "mean": grp.mean(),
                                    "effect": grp.mean() - grand, "n_rows": len(grp)})
    return pd.DataFrame.from_records(records)



def format_sensitivity(table: pd.DataFrame, design: str) -> str:
    """A short text table of the sensitivity results, largest effects first. Morris mu*
    and sigma, and factorial effects, are in the output's units (per factor range)."""
    from .numbers import fmt_number as n

    if table is None or not len(table):
        return "(no sensitivity results)"
    lines = []
    key = {"sobol": "ST", "morris": "mu_star", "lhs": "rho", "factorial": "effect"}[design]
    for out, grp in table.groupby("output", sort=False):
        lines.append(f"{out}:")
        if design == "factorial":
            for _, r in grp.iterrows():
                lines.append(f"  {r['factor']} = {r['level']!s:<12} mean {n(r['mean'])} (effect {n(r['effect'])})")
            continue
        order = grp.reindex(grp[key].abs().sort_values(ascending=False).index)
        for _, r in order.iterrows():
            if design == "sobol":
                lines.append(f"  {r['factor']:<45} S1 {r['S1']:6.3f} +/- {r['S1_conf']:.3f}   "
                             f"ST {r['ST']:6.3f} +/- {r['ST_conf']:.3f}")
            elif design == "morris":
                lines.append(f"  {r['factor']:<45} mu* {n(r['mu_star'])} (+/- {n(r['mu_star_conf'])})   "
                             f"sigma {n(r['sigma'])}")
            else:
                lines.append(f"  {r['factor']:<45} Spearman rho {r['rho']:+.3f} (p = {r['p_value']:.2g})")
    return "\n".join(lines)
