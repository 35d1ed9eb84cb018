"""Global sensitivity of each policy's *effect* (policy minus baseline, paired by draw and seed) to the
uncertain parameters, on the parameter draws.

The draws are not a Saltelli or Morris design, so the indices are PAWN's (Pianosi & Wagener 2015,
"A simple and efficient method for global sensitivity analysis based on cumulative distribution
functions", Environmental Modelling & Software 67), which SALib computes from any sample: for each
parameter, its range is cut into ``SLICES`` slices, and the index is a statistic (median, maximum)
over the slices of the Kolmogorov-Smirnov distance between the effect's distribution within the slice
and its distribution over all draws. 0: the effect's distribution does not depend on the parameter.

With a few dozen draws every KS distance is large by chance. ``DUMMIES`` parameters of pure noise
(uniform numbers from the same counter-based generator as the draws) go through the same analysis;
the largest of their indices is the noise level, and only a parameter above it is reported as
influential (a parameter of no influence passes it with probability 1 / (DUMMIES + 1), about 5%).
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pandas as pd

SLICES = 4
DUMMIES = 20
DUMMY_SEED = 777


def _dummies(draws: list[int]) -> np.ndarray:
    from .draws import unit_value

    return np.array([[unit_value(k, DUMMY_SEED, f"dummy.{j}") for j in range(DUMMIES)] for k in draws])


def pawn_indices(X: pd.DataFrame, y: np.ndarray, *, seed: int = 1) -> pd.DataFrame:
    """PAWN median and maximum of ``y`` against each column of ``X`` (one row per draw), with the noise
    level of :data:`DUMMIES` noise parameters (the largest of their medians) and whether each
    parameter is above it."""
    from SALib.analyze import pawn

    draws = list(X.index)
    full = np.hstack([X.to_numpy(float), _dummies(draws)])
    names = [*X.columns, *[f"dummy.{j}" for j in range(DUMMIES)]]
    lo, hi = full.min(axis=0), full.max(axis=0)
    problem = {"num_vars": len(names), "names": names,
               "bounds": [[a, b if b > a else a + 1.0] for a, b in zip(lo, hi)]}
    with contextlib.redirect_stdout(io.StringIO()):
        r = pawn.analyze(problem, full, np.asarray(y, float), S=SLICES, seed=seed, print_to_console=False)
    out = pd.DataFrame({"parameter": names, "pawn_median": r["median"], "pawn_max": r["maximum"]})
    dummy = out["parameter"].str.startswith("dummy.")
    noise = float(out.loc[dummy, "pawn_median"].max())
    out = out[~dummy].copy()
    out["noise_level"] = noise
    out["influential"] = out["pawn_median"] > noise
    return out.sort_values("pawn_median", ascending=False).reset_index(drop=True)


def effect_sensitivity(per_draw: pd.DataFrame, theta: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """One table over policies and outcomes. ``per_draw``: experiments.compare.per_draw_effects (policy,
    draw, effects); ``theta``: the draws' parameter values (index draw). Parameters are analysed on a
    log scale, as the priors are drawn."""
    from model.params import PARAMS

    X = np.log(theta.astype(float))
    X = X.loc[:, X.nunique() > 1]
    frames = []
    for pol, g in per_draw.groupby("policy", sort=False):
        g = g.set_index("draw").loc[[d for d in X.index if d in set(g["draw"])]]
        for o in outcomes:
            if o not in g.columns or g[o].nunique() < 2:
                continue
            t = pawn_indices(X.loc[g.index], g[o].to_numpy())
            t.insert(0, "outcome", o)
            t.insert(0, "policy", pol)
            t["grade"] = [PARAMS[p].grade for p in t["parameter"]]
            t["rank"] = np.arange(1, len(t) + 1)
            frames.append(t)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def format_effect_sensitivity(table: pd.DataFrame, outcome: str, top: int = 3) -> list[str]:
    """The ``top`` parameters of each policy's effect on ``outcome``, and how many are above the noise."""
    lines = []
    for pol, g in table[table["outcome"] == outcome].groupby("policy", sort=False):
        above = g[g["influential"]]
        best = ", ".join(f"{r.parameter} ({r.pawn_median:.2f}, {r.grade})" for r in g.head(top).itertuples())
        lines.append(f"  {pol}: {best}; {len(above)} of {len(g)} above the noise level {g['noise_level'].iloc[0]:.2f}")
    return lines
