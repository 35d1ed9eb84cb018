"""The expected value of partial perfect information (EVPPI) by regression on parameter draws.

The estimator of Strong, Oakley & Brennan (2014, "Estimating multiparameter partial expected value of
perfect information from a probabilistic sensitivity analysis sample: a nonparametric regression
approach", Medical Decision Making 34(3)). For options ``d`` with a net benefit ``NB[d, k]`` in draw
``k`` and a group ``G`` of parameters with values ``theta_G[k]``:

1. regress each option's net benefit on ``theta_G``: the fitted values ``g[d, k]`` estimate
   ``E[NB_d | theta_G = theta_G[k]]`` (what one would expect of option ``d`` if ``theta_G`` were known
   and everything else still uncertain);
2. ``EVPPI_G = mean_k max_d g[d, k] - max_d mean_k g[d, k]``: how much better, on average, the choice
   made knowing ``theta_G`` is than the choice made now.

The net benefit here is an outcome averted against the baseline (paired by draw and seed), so the
baseline's is 0 and only the policies are regressed; the difference is the same EVPPI with less
noise. The regression is a generalized additive model: a cubic spline basis of each parameter of the
group (on a log scale, as the priors are), penalised by ridge regression whose penalty is chosen by
leave-one-out cross-validation (scikit-learn's ``SplineTransformer`` and ``RidgeCV``). A group with
more parameters than the draws can inform is shrunk towards no information rather than overfitted.
Interactions within a group are left out (an additive model), which can understate a group's EVPPI.

The Monte Carlo error is the standard deviation of the EVPPI over bootstrap resamples of the draws
(the regression refitted on each). With a few dozen draws the estimator is biased upwards, the more
so the more parameters a group has: a regression on 30 parameters finds chance patterns in 40 draws.
That bias is measured by a permutation test: the group's values are shuffled across the draws (so
they carry no information) and the EVPPI estimated again, many times. The *noise floor* is the mean
of those EVPPIs, ``noise_95`` their 95th percentile and ``p_value`` the share of them at least as
large as the EVPPI found; an EVPPI not above ``noise_95`` is not distinguishable from none.
"""

from __future__ import annotations

import numpy as np

#: cubic spline knots per parameter (few: a few dozen draws cannot support more)
KNOTS = 4
#: ridge penalties tried by leave-one-out cross-validation
ALPHAS = np.logspace(-3, 5, 33)


def fitted_values(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``E[y | X]`` at each row of ``X`` by the additive spline ridge regression (see the module)."""
    from sklearn.preprocessing import SplineTransformer

    X = np.asarray(X, float)
    y = np.asarray(y, float)
    keep = np.ptp(X, axis=0) > 0 if X.size else np.zeros(0, bool)
    if not keep.any() or np.ptp(y) == 0:
        return np.full(len(y), y.mean())
    B = SplineTransformer(n_knots=KNOTS, degree=3).fit_transform(X[:, keep])
    B = B - B.mean(axis=0)
    sd = B.std(axis=0)
    B = B[:, sd > 0] / sd[sd > 0]
    return y.mean() + _ridge_loo(B, y - y.mean())


def _ridge_loo(B: np.ndarray, yc: np.ndarray) -> np.ndarray:
    """Ridge fitted values of centred ``yc`` on centred, scaled ``B``, the penalty (of :data:`ALPHAS`)
    chosen by leave-one-out error, computed exactly from one eigendecomposition of ``B B'``."""
    lam, U = np.linalg.eigh(B @ B.T)
    lam = np.clip(lam, 0.0, None)
    uy = U.T @ yc
    best, fit = np.inf, np.zeros_like(yc)
    for a in ALPHAS:
        shrink = lam / (lam + a)
        yhat = U @ (shrink * uy)
        h = 1.0 / len(yc) + (U ** 2) @ shrink  # the hat matrix's diagonal, the intercept's 1/n included
        loo = np.mean(((yc - yhat) / np.clip(1.0 - h, 1e-9, None)) ** 2)
        if loo < best:
            best, fit = loo, yhat
    return fit


def evppi_from_fitted(fitted: np.ndarray) -> float:
    """``mean_k max_d g[d, k] - max_d mean_k g[d, k]`` for fitted net benefits ``g`` (options x draws)."""
    return float(fitted.max(axis=0).mean() - fitted.mean(axis=1).max())


def evppi(X: np.ndarray, nb: np.ndarray) -> float:
    """The EVPPI of the parameters ``X`` (draws x parameters) for net benefits ``nb`` (options x draws;
    a row of zeros, the baseline, may be among them)."""
    fitted = np.vstack([fitted_values(X, row) if np.any(row) else row for row in nb])
    return evppi_from_fitted(fitted)


def evpi(nb: np.ndarray) -> float:
    """The expected value of perfect information on every parameter, from the net benefits as
    measured (their seed noise included, which makes it an upper estimate)."""
    return evppi_from_fitted(np.asarray(nb, float))


def evppi_with_error(X: np.ndarray, nb: np.ndarray, *, bootstrap: int = 200, shuffles: int = 40,
                     seed: int = 0) -> dict:
    """The EVPPI, its Monte Carlo error (bootstrap over draws) and the permutation test of its bias
    (``noise_floor``, ``noise_95``, ``p_value``; see the module docstring)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # small matrices: threads of BLAS cost far more than they save
        return _evppi_with_error(X, nb, bootstrap, shuffles, np.random.default_rng(seed))


def _evppi_with_error(X: np.ndarray, nb: np.ndarray, bootstrap: int, shuffles: int, rng) -> dict:
    n = nb.shape[1]
    value = evppi(X, nb)
    boots = []
    for _ in range(bootstrap):
        i = rng.integers(0, n, n)
        boots.append(evppi(X[i], nb[:, i]))
    floor = np.array([evppi(X[rng.permutation(n)], nb) for _ in range(shuffles)])
    nan = float("nan")
    return {"evppi": value, "se": float(np.std(boots, ddof=1)) if bootstrap > 1 else nan,
            "noise_floor": float(floor.mean()) if shuffles else nan,
            "noise_95": float(np.quantile(floor, 0.95)) if shuffles else nan,
            "p_value": float((1 + (floor >= value).sum()) / (1 + shuffles)) if shuffles else nan}
