"""The farmers' monthly inputs: eradication risk per municipality, the logit's terms per municipality and
the rates per country that the rule (kernel and reference agent) reads; and the calibration of the logit's
intercept. Every modifier is relative to 2021, so at the status quo the 2021 hectares hold."""

from __future__ import annotations

import numpy as np

from model.farmers.states import (
    C_ADJUST, C_COERCION, C_COMPLIANCE, C_DECIDE, C_DROP, C_ENROL, C_FRONTIER, C_MOVE, C_OFFER, C_TRUST_BROKEN,
    C_TRUST_FORCED, C_TRUST_RECOVER, C_TRUST_W, N_COUNTRY_RATES,
)
from model.world import CROP_DRUG, WorldError


def recovery_rate(p) -> float:
    """Monthly rate at which a household closes the gap an eradication leaves (decision probability x
    adjust fraction): the rate at which it replants."""
    return p["farmer.adjust_fraction"] / p["farmer.decision_interval_months"]


def expected_loss(perceived_risk: np.ndarray, p) -> np.ndarray:
    """Expected share of a plot's harvest lost to eradication.

    A plot found at the monthly rate e = perceived_risk / 12 and replanted at the recovery rate c stands
    destroyed a share e / (e + c) of the time. This is what a farmer who knows it will replant stands to
    lose; it is below 1 however high the risk, and it rises with risk less steeply the higher the risk
    already is (a second eradication cannot destroy a plot that is already gone)."""
    e = np.asarray(perceived_risk, dtype=float) / 12.0
    c = recovery_rate(p)
    return np.divide(e, e + c, out=np.zeros_like(e), where=(e + c) > 0)


def licit_access(p, enrolled_share: float) -> float:
    """Alternative development's roads, processing and guaranteed purchase raise licit income for the
    whole country in proportion to the share of households enrolled."""
    return 1.0 + (p["farmer.ad_licit_income_uplift"] - 1.0) * enrolled_share


def utilities(farmers, world, p, expected_farmgate: dict, alpha: np.ndarray):
    """Per-cell logit terms: a = alpha + s x (illicit - licit)/licit; b = s x illicit x expected loss/licit;
    c = s x illicit/licit, the cap on a farmer's weighted loss (the whole harvest)."""
    f = farmers.households
    s = p["farmer.income_sensitivity"]
    loss = expected_loss(farmers.perceived_risk, p)
    n_cells = len(farmers.cell_country)
    a, bb, cap = np.zeros(n_cells), np.zeros(n_cells), np.zeros(n_cells)
    n = np.bincount(f.country, minlength=len(f.countries))
    enrolled = np.bincount(f.country, weights=f.enrolled.astype(float), minlength=len(f.countries))
    for ci, (c, crop) in enumerate(f.countries):
        cs = world.data[c]["crops"][crop]
        illicit = expected_farmgate[CROP_DRUG[crop]] * cs["farmgate_multiplier"] * cs["yield"]
        licit = cs["licit_income"] * licit_access(p, enrolled[ci] / max(1, n[ci]))
        cells = farmers.cell_country == ci
        a[cells] = alpha[ci] + s * (illicit - licit) / licit
        bb[cells] = s * illicit * loss[cells] / licit
        cap[cells] = s * illicit / licit
    return a, bb, cap


def wanted_area(alpha, a0, weighted_loss, tilt, coercion, land) -> float:
    """Hectares the farmers want under the illicit crop at intercept ``alpha``: the kernel's
    ``target_share`` (model/farmers/kernel.py) times land, summed over farmers, written in NumPy for the
    calibration's bisection (``a0``: the per-farmer logit term without the intercept; ``weighted_loss``:
    min(risk aversion x b, c); ``tilt``: the trust term; ``coercion``: coerced x the coercion logit).
    tests/test_model.py checks that it sums what the kernel's rule gives."""
    z = (alpha + a0) - weighted_loss + tilt + coercion
    return float((land / (1.0 + np.exp(-z))).sum())


def farm_alpha(farmers, world, p, expected_farmgate: dict) -> np.ndarray:
    """Intercepts that make the 2021 hectares the steady state under 2021 eradication.

    Steady state of a farmer's illicit area A under reconsideration rate k
    (decision probability x adjust fraction) and monthly eradication probability e:
    A = T k / (k + e). So the wanted area is T = A (k + e) / k, and alpha solves
    sum over non-enrolled farmers of target_share(alpha) x land = T.
    """
    f = farmers.households
    alpha = np.zeros(len(f.countries))
    k = recovery_rate(p)
    tw = p["farmer.trust_weight"]
    # only the intercept changes during the search: the logit terms are computed once (with alpha = 0, so
    # a0 is the income term alone and x + a0 is what utilities would give for alpha = x)
    a0, bb, loss_cap = utilities(farmers, world, p, expected_farmgate, np.zeros(len(f.countries)))
    for ci, (c, crop) in enumerate(f.countries):
        sel = (f.country == ci) & (f.enrolled == 0)
        wanted = f.illicit[sel].sum() * (k + farmers.p_erad0[c]) / k
        land = f.land[sel]
        if wanted >= 0.999 * land.sum():
            raise WorldError(f"countries.{c}.crops.{crop}", "the 2021 area under 2021 eradication needs more land than "
                             "the households hold: raise households or land_per_household")
        cell = f.cell[sel]
        a_cell = a0[cell]
        weighted_loss = np.minimum(f.risk_av[sel] * bb[cell], loss_cap[cell])
        tilt = tw * (0.5 - f.trust[sel])
        coercion = f.coerced[sel] * p["farmer.coercion_logit"]
        lo, hi = -30.0, 30.0
        for _ in range(80):
            mid = 0.5 * (lo + hi)
            if wanted_area(mid, a_cell, weighted_loss, tilt, coercion, land) < wanted:
                lo = mid
            else:
                hi = mid
        alpha[ci] = 0.5 * (lo + hi)
    return alpha


def eradication_risk(farmers, world, enforcement) -> np.ndarray:
    """Monthly chance that a plot is found and destroyed, per country.

    Eradication is search effort: the budget buys a monthly chance of finding and destroying each hectare,
    set so that at the 2021 area it eradicates the programme's activity; fewer hectares, fewer eradicated
    (a fixed hectare target would chase the last fields and collapse cultivation)."""
    countries = farmers.households.countries
    p_erad = np.zeros(len(countries))
    for ci, (c, crop) in enumerate(countries):
        erad = enforcement.agency.get(("eradication", c))
        area0 = world.data[c]["crops"][crop]["ha"]
        p_erad[ci] = min(0.9, (erad.activity if erad else 0.0) / 12.0 / area0) if area0 > 0 else 0.0
    return p_erad


def country_rates(farmers, p, enforcement, policy, p_erad: np.ndarray) -> np.ndarray:
    """rates[country, :]: enrolment in and dropping out of alternative development, the offer before
    eradication (``p_erad``: eradication risk per country), and the rule's constants."""
    f = farmers.households
    rates = np.zeros((len(f.countries), N_COUNTRY_RATES))
    enrolled = np.bincount(f.country, weights=f.enrolled.astype(float), minlength=len(f.countries))
    eligible = np.bincount(f.country, weights=((f.enrolled == 0) & (f.coerced == 0)).astype(float),
                           minlength=len(f.countries))
    decide = 1.0 / p["farmer.decision_interval_months"]
    for ci, (c, crop) in enumerate(f.countries):
        pe = p_erad[ci]
        ad = enforcement.agency.get(("alternative_development", c))
        slots = (ad.activity if ad else 0.0) / f.households_per_agent[ci]
        r = rates[ci]
        r[C_ENROL] = min(1.0, max(0.0, slots - enrolled[ci]) / eligible[ci]) if eligible[ci] > 0 else 0.0
        r[C_DROP] = min(1.0, max(0.0, enrolled[ci] - slots) / enrolled[ci]) if enrolled[ci] > 0 else 0.0
        if policy.switch("alternative_development_before_eradication", c):
            # an eradication team offers enrolment first while there are places left
            r[C_OFFER] = min(1.0, max(0.0, slots - enrolled[ci]) / max(1.0, pe * eligible[ci])) if pe > 0 else 0.0
            r[C_ENROL] = 0.0 if r[C_OFFER] > 0 else r[C_ENROL]
        else:
            r[C_OFFER] = 0.0
        r[C_DECIDE] = decide
        r[C_ADJUST] = p["farmer.adjust_fraction"]
        r[C_MOVE] = p["farmer.replant_move_probability"]
        r[C_FRONTIER] = p["farmer.frontier_deforestation_share"]
        r[C_COMPLIANCE] = p["farmer.ad_compliance"]
        r[C_TRUST_FORCED] = p["farmer.trust_loss_forced_eradication"]
        r[C_TRUST_BROKEN] = p["farmer.trust_loss_broken_promise"]
        r[C_TRUST_RECOVER] = p["farmer.trust_recovery_per_month"]
        r[C_TRUST_W] = p["farmer.trust_weight"]
        r[C_COERCION] = p["farmer.coercion_logit"]
    return rates
