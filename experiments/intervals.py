"""Two intervals for a number measured over parameter draws x seeds: chance and what we do not know.

For one quantity (a level in ``run``, a paired effect in ``compare``) with a value ``y[d, s]`` for
draw ``d`` and seed ``s``:

- the estimate is the mean over draws of each draw's mean over its seeds, ``m[d]``;
- the *chance interval* (between seeds, within draws) is the estimate +/- the 95% half-width of a
  mean over the seeds of one draw: ``t(0.975, df) x s_w / sqrt(S)``, with ``s_w`` the standard
  deviation between seeds pooled over the draws (``df`` = the pooled degrees of freedom) and ``S``
  the seeds per draw. It says how far the seeds alone move the number at one set of parameter
  values; more seeds narrow it;
- the *parameter interval* (between draws) is the 5% and 95% quantiles of the per-draw means
  ``m[d]``: where the number lies for 90% of the parameter values the priors allow. More draws
  make its ends firmer but do not narrow it; only better knowledge of the parameters does;
- which dominates: the variance of the ``m[d]`` is that of the parameters (``var_p``) plus the
  seeds' ``s_w**2 / S``; ``var_p`` is estimated as the difference (at least 0), and the parameters
  dominate when ``var_p`` is larger than ``s_w**2 / S`` (``param_share`` > 0.5).

A sign is *robust across draws* when the parameter interval excludes 0; otherwise the text says
in how many draws the number is positive and negative.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

#: quantiles of the per-draw means that bound the parameter interval
PARAM_QUANTILES = (0.05, 0.95)
CHANCE_LEVEL = 0.95
#: the columns :func:`two_intervals` adds to a table row
COLUMNS = ("n_draws", "chance_low", "chance_high", "param_low", "param_high", "param_share", "dominates",
           "draws_positive", "draws_negative", "sign_robust")


def two_intervals(values: pd.Series, draws: pd.Series, *, lower: float | None = None,
                  upper: float | None = None) -> dict:
    """The estimate and both intervals of ``values`` (one per run) grouped by ``draws`` (each run's
    draw). ``lower``/``upper`` cut the chance interval where the quantity cannot go (a count is never
    below 0). Keys: ``mean`` and :data:`COLUMNS`; NaN where a draw count or seed count is too small."""
    df = pd.DataFrame({"y": np.asarray(values, float), "d": np.asarray(draws)}).dropna()
    g = df.groupby("d")["y"]
    per_draw = g.mean()
    n = g.count()
    out: dict = {"mean": float(per_draw.mean()) if len(per_draw) else float("nan"), "n_draws": int(len(per_draw))}
    nan = float("nan")
    out.update(chance_low=nan, chance_high=nan, param_low=nan, param_high=nan, param_share=nan, dominates="",
               draws_positive=int((per_draw > 0).sum()), draws_negative=int((per_draw < 0).sum()),
               sign_robust=True)
    dof = int((n - 1).clip(lower=0).sum())
    chance_var = nan  # variance of a draw's mean over its seeds
    if dof > 0:
        ss = float(((df["y"] - g.transform("mean")) ** 2).sum())
        s_w = math.sqrt(ss / dof)
        seeds = len(n) / float((1.0 / n).sum())  # seeds per draw (harmonic mean, if they differ)
        from scipy.stats import t

        half = float(t.ppf(0.5 + CHANCE_LEVEL / 2, dof) * s_w / math.sqrt(seeds))
        lo, hi = out["mean"] - half, out["mean"] + half
        out["chance_low"] = max(lo, lower) if lower is not None else lo
        out["chance_high"] = min(hi, upper) if upper is not None else hi
        chance_var = s_w ** 2 / seeds
    if len(per_draw) >= 2:
        q = np.quantile(per_draw.to_numpy(), PARAM_QUANTILES)
        out["param_low"], out["param_high"] = float(q[0]), float(q[1])
        out["sign_robust"] = bool(q[0] > 0 or q[1] < 0 or (q[0] == q[1] == 0))
        if chance_var == chance_var:
            var_p = max(float(per_draw.var(ddof=1)) - chance_var, 0.0)
            total = var_p + chance_var
            if total > 0:
                out["param_share"] = var_p / total
                out["dominates"] = "parameters" if var_p > chance_var else "chance"
    return out

