"""The farmer rule as a numba kernel over the farmer arrays.

Read it against model/farmers/agent.py (Farmer.step), the same rule for one
household in plain Python; tests/test_model.py checks they agree exactly.
Per-cell inputs (eradication and spraying chances, frontier entry and abandonment,
the logit's terms) and per-country rates are computed beforehand by
model/farmers/rates.py.
"""

from __future__ import annotations

import math

from numba import njit, prange

from model import rng
from model.farmers.states import (
    C_ADJUST, C_COERCION, C_COMPLIANCE, C_DECIDE, C_DROP, C_ENROL, C_FRONTIER, C_MOVE, C_OFFER,
    C_TRUST_BROKEN, C_TRUST_FORCED, C_TRUST_RECOVER, C_TRUST_W, FE_ABANDONED, FE_DROPPED, FE_ENROLLED,
    FE_ENTERED, FE_ERADICATED, FE_MOVED, FE_SPRAYED, SPRAY_MONTHS, X_ENTER, X_LEAVE, X_MANUAL, X_SPRAY,
    X_UTIL_A, X_UTIL_B, X_UTIL_C,
)


@njit(cache=True, inline="always")
def target_share(a, b, c, risk_aversion, trust, trust_w, coerced, coercion):
    """Logit share of land a farmer wants under the illicit crop.

    ``risk_aversion * b`` is the harvest a farmer expects to lose, weighted by its aversion; it is capped at
    ``c``, the whole harvest: no one can lose more than the crop, so a higher price never makes coca look
    worse (without the cap, a farmer whose weighted loss share exceeded 1 wanted less coca the higher its
    price)."""
    x = a - min(risk_aversion * b, c) + trust_w * (0.5 - trust)
    if coerced:
        x += coercion
    return 1.0 / (1.0 + math.exp(-x))


@njit(cache=True, inline="always")
def _enrol(i, r, u4, enrolled, voluntary, illicit, spray_age):
    """Enrolment in alternative development: most enrolled farmers uproot their crop (Farmer._enrol)."""
    enrolled[i] = 1
    if u4 < r[C_COMPLIANCE]:
        voluntary[i] = illicit[i]
        illicit[i] = 0.0
        spray_age[i] = 0
    return FE_ENROLLED


@njit(cache=True, inline="always")
def _frontier_plot(i, x, r, u2, u3, land, illicit, eradicated, sprayed, abandoned, entered, deforested, replanted,
                   erad_age, spray_age):
    """A frontier plot outside the 2021 households: destroyed, sprayed, abandoned, or planted."""
    if illicit[i] > 0.0:
        if u2 < x[X_MANUAL]:
            eradicated[i] = illicit[i]
            illicit[i] = 0.0
            erad_age[i] = 1
            spray_age[i] = 0
            return FE_ERADICATED
        if u2 < x[X_MANUAL] + x[X_SPRAY]:
            sprayed[i] = illicit[i]
            spray_age[i] = SPRAY_MONTHS
            return FE_SPRAYED
        if u3 < x[X_LEAVE]:
            abandoned[i] = illicit[i]
            illicit[i] = 0.0
            spray_age[i] = 0
            return FE_ABANDONED
        return 0
    if u3 < x[X_ENTER]:
        illicit[i] = land[i]
        entered[i] = land[i]
        deforested[i] = land[i] * r[C_FRONTIER]
        if erad_age[i] > 0:
            replanted[i] = land[i]
        return FE_ENTERED
    return 0


@njit(cache=True, inline="always")
def _alternative_development(i, r, u1, u4, enrolled, coerced, trust, voluntary, illicit, spray_age):
    """Enrolment offers, and enrolments dropped when funding falls (a broken promise costs trust)."""
    if enrolled[i]:
        if u1 < r[C_DROP]:
            enrolled[i] = 0
            trust[i] = max(0.0, trust[i] - r[C_TRUST_BROKEN])
            return FE_DROPPED
        trust[i] = trust[i] + r[C_TRUST_RECOVER] * (1.0 - trust[i])
        return 0
    trust[i] = trust[i] + r[C_TRUST_RECOVER] * (0.5 - trust[i])
    if not coerced[i] and u1 < r[C_ENROL]:
        return _enrol(i, r, u4, enrolled, voluntary, illicit, spray_age)
    return 0


@njit(cache=True, inline="always")
def _reconsider(i, c, x, r, u5, cell, land, illicit, trust, risk_av, enrolled, coerced, erad_age, deforested,
                replanted, cell_lo, cell_n):
    """About once a year a household moves its illicit area towards the logit's target; replanting after
    eradication is often in the next municipality, clearing forest."""
    if enrolled[i]:
        target = 0.0
    else:
        target = target_share(x[X_UTIL_A], x[X_UTIL_B], x[X_UTIL_C], risk_av[i], trust[i],
                              r[C_TRUST_W], coerced[i], r[C_COERCION])
    gap = target * land[i] - illicit[i]
    change = r[C_ADJUST] * gap
    ev = 0
    if change > 0.0 and erad_age[i] > 0:
        replanted[i] = change
    if change > 0.0 and erad_age[i] > 0 and u5 < r[C_MOVE]:
        lo = cell_lo[c]
        k = cell[i] - lo
        step = -1 if u5 < 0.5 * r[C_MOVE] else 1
        cell[i] = lo + (k + step + cell_n[c]) % cell_n[c]
        deforested[i] = change * r[C_FRONTIER]
        ev = FE_MOVED
    illicit[i] = illicit[i] + change
    return ev


@njit(cache=True, parallel=True)
def step_farmers(cell, country, land, illicit, trust, risk_av, enrolled, coerced, frontier, erad_age, spray_age,
                 eradicated, sprayed, voluntary, deforested, replanted, entered, abandoned, event,
                 xrates, crates, cell_lo, cell_n, seed, month):
    """Advance every household one month (model/farmers/agent.py: Farmer.step, situation by situation)."""
    ka = rng.key(seed, rng.FARMER, month)
    n = cell.shape[0]
    for i in prange(n):
        c = country[i]
        r = crates[c]
        u1 = rng.uniform(ka, 5 * i)
        u2 = rng.uniform(ka, 5 * i + 1)
        u3 = rng.uniform(ka, 5 * i + 2)
        u4 = rng.uniform(ka, 5 * i + 3)
        u5 = rng.uniform(ka, 5 * i + 4)
        eradicated[i] = 0.0
        sprayed[i] = 0.0
        voluntary[i] = 0.0
        deforested[i] = 0.0
        replanted[i] = 0.0
        entered[i] = 0.0
        abandoned[i] = 0.0
        if spray_age[i] > 0:
            spray_age[i] -= 1
        x = xrates[cell[i]]
        if frontier[i]:
            ev = _frontier_plot(i, x, r, u2, u3, land, illicit, eradicated, sprayed, abandoned, entered, deforested,
                                replanted, erad_age, spray_age)
        else:
            ev = _alternative_development(i, r, u1, u4, enrolled, coerced, trust, voluntary, illicit, spray_age)
            # manual eradication (with sequencing, an enrolment offer comes first), or spraying
            if illicit[i] > 0.0 and u2 < x[X_MANUAL]:
                if r[C_OFFER] > 0.0 and not enrolled[i] and not coerced[i] and u3 < r[C_OFFER]:
                    ev |= _enrol(i, r, u4, enrolled, voluntary, illicit, spray_age)
                else:
                    eradicated[i] = illicit[i]
                    illicit[i] = 0.0
                    erad_age[i] = 1
                    spray_age[i] = 0
                    ev |= FE_ERADICATED
                    if not enrolled[i]:
                        trust[i] = max(0.0, trust[i] - r[C_TRUST_FORCED])
            elif illicit[i] > 0.0 and u2 < x[X_MANUAL] + x[X_SPRAY]:
                # sprayed: the plot stands, its harvest is cut for SPRAY_MONTHS months
                sprayed[i] = illicit[i]
                spray_age[i] = SPRAY_MONTHS
                ev |= FE_SPRAYED
                if not enrolled[i]:
                    trust[i] = max(0.0, trust[i] - r[C_TRUST_FORCED])
            elif u3 < r[C_DECIDE]:
                ev |= _reconsider(i, c, x, r, u5, cell, land, illicit, trust, risk_av, enrolled, coerced, erad_age,
                                  deforested, replanted, cell_lo, cell_n)
        if erad_age[i] > 0:
            erad_age[i] = erad_age[i] + 1 if erad_age[i] < 24 else 0
        event[i] = ev
