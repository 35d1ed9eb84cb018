"""The farmers' monthly inputs: eradication and spraying chances per municipality (targeted where the agency
saw coca), the frontier's entry and abandonment chances and the logit's terms per municipality, the rates per
country that the rule (kernel and reference agent) reads; the calibration of the logit's intercept and of the
frontier. Every modifier is relative to 2021, so at the status quo the 2021 hectares hold."""

from __future__ import annotations

import numpy as np

from model.farmers.states import (
    C_ADJUST, C_COERCION, C_COMPLIANCE, C_DECIDE, C_DROP, C_ENROL, C_FRONTIER, C_MOVE, C_OFFER, C_TRUST_BROKEN,
    C_TRUST_FORCED, C_TRUST_RECOVER, C_TRUST_W, N_CELL_RATES, N_COUNTRY_RATES, X_ENTER, X_LEAVE, X_MANUAL, X_SPRAY,
    X_UTIL_A, X_UTIL_B, X_UTIL_C,
)
from model.world import CROP_DRUG, WorldError


def recovery_rate(p) -> float:
    """Monthly rate at which a household closes the gap an eradication leaves (decision probability x
    adjust fraction): the rate at which it replants."""
    return p["farmer.adjust_fraction"] / p["farmer.decision_interval_months"]


def expected_loss(perceived_risk, p, perceived_spray=None) -> np.ndarray:
    """Expected share of a plot's harvest lost to eradication (manual) and spraying.

    Manual: a plot found at the monthly rate e = perceived_risk / 12 and replanted at the recovery rate c
    stands destroyed a share e / (e + c) of the time. This is what a farmer who knows it will replant stands
    to lose; it is below 1 however high the risk, and it rises with risk less steeply the higher the risk
    already is (a second eradication cannot destroy a plot that is already gone).
    Spraying: a plot sprayed at the yearly rate r loses ``farmer.spray_yield_loss`` of its harvest in the
    share 1 - exp(-r) of the time that follows a spraying within the year. The two combine as independent
    losses."""
    e = np.asarray(perceived_risk, dtype=float) / 12.0
    c = recovery_rate(p)
    manual = np.divide(e, e + c, out=np.zeros_like(e), where=(e + c) > 0)
    if perceived_spray is None:
        return manual
    spray = p["farmer.spray_yield_loss"] * (1.0 - np.exp(-np.asarray(perceived_spray, dtype=float)))
    return 1.0 - (1.0 - manual) * (1.0 - spray)


def licit_access(p, enrolled_share: float) -> float:
    """Alternative development's roads, processing and guaranteed purchase raise licit income for the
    whole country in proportion to the share of households enrolled."""
    return 1.0 + (p["farmer.ad_licit_income_uplift"] - 1.0) * enrolled_share


def licit_path(p, t: int) -> float:
    """Licit income relative to 2021 along its path: ``farmer.licit_income_index`` (a level events can set)
    times growth at ``farmer.licit_income_growth_per_year`` from output month 1 on."""
    years = max(0, t) / 12.0
    return p["farmer.licit_income_index"] * (1.0 + p["farmer.licit_income_growth_per_year"]) ** years


def licit_incomes(farmers, world, p, t: int) -> np.ndarray:
    """Licit income per ha a year per country now: the 2021 figure x AD's access x the income path."""
    f = farmers.households
    hh = f.frontier == 0
    n = np.bincount(f.country[hh], minlength=len(f.countries))
    enrolled = np.bincount(f.country, weights=f.enrolled.astype(float), minlength=len(f.countries))
    path = licit_path(p, t)
    return np.array([world.data[c]["crops"][crop]["licit_income"] * licit_access(p, enrolled[ci] / max(1, n[ci])) * path
                     for ci, (c, crop) in enumerate(f.countries)])


def illicit_incomes(farmers, world, expected_farmgate: dict) -> np.ndarray:
    """Expected illicit income per ha a year per country (expected farm-gate price x multiplier x yield)."""
    return np.array([expected_farmgate[CROP_DRUG[crop]] * world.data[c]["crops"][crop]["farmgate_multiplier"]
                     * world.data[c]["crops"][crop]["yield"] for c, crop in farmers.households.countries])


def utilities(farmers, world, p, expected_farmgate: dict, alpha: np.ndarray, t: int = 0):
    """Per-cell logit terms: a = alpha + s x (illicit - licit)/licit; b = s x illicit x expected loss/licit;
    c = s x illicit/licit, the cap on a farmer's weighted loss (the whole harvest)."""
    f = farmers.households
    s = p["farmer.income_sensitivity"]
    loss = expected_loss(farmers.perceived_risk, p, farmers.perceived_spray)
    n_cells = len(farmers.cell_country)
    a, bb, cap = np.zeros(n_cells), np.zeros(n_cells), np.zeros(n_cells)
    illicit_c = illicit_incomes(farmers, world, expected_farmgate)
    licit_c = licit_incomes(farmers, world, p, t)
    for ci in range(len(f.countries)):
        illicit, licit = illicit_c[ci], licit_c[ci]
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
    """Intercepts that make the households' 2021 hectares the steady state under 2021 eradication.

    Steady state of a farmer's illicit area A under reconsideration rate k
    (decision probability x adjust fraction) and monthly eradication probability e:
    A = T k / (k + e). So the wanted area is T = A (k + e) / k, and alpha solves
    sum over non-enrolled households of target_share(alpha) x land = T.
    """
    f = farmers.households
    alpha = np.zeros(len(f.countries))
    k = recovery_rate(p)
    tw = p["farmer.trust_weight"]
    # only the intercept changes during the search: the logit terms are computed once (with alpha = 0, so
    # a0 is the income term alone and x + a0 is what utilities would give for alpha = x)
    a0, bb, loss_cap = utilities(farmers, world, p, expected_farmgate, np.zeros(len(f.countries)))
    for ci, (c, crop) in enumerate(f.countries):
        sel = (f.country == ci) & (f.enrolled == 0) & (f.frontier == 0)
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


def frontier_calibration(world, p, p_erad0: dict) -> dict:
    """The frontier at the status quo, per producer country: the area standing on frontier plots, the
    frontier land, and the monthly entry and abandonment chances that hold them.

    Gross entry is ``farmer.frontier_entry_per_year`` of the 2021 area a year; a planted plot leaves at
    1 / (12 x ``farmer.frontier_plot_life_years``) a month by abandonment plus the 2021 manual eradication
    chance. So the standing frontier area is F0 = entry / (leave + eradication), and a free plot is planted
    at entry / (land - F0) a month."""
    out = {}
    for c, crop in world.producers:
        ha = world.data[c]["crops"][crop]["ha"]
        entry = p["farmer.frontier_entry_per_year"] * ha / 12.0
        leave = 1.0 / (12.0 * p["farmer.frontier_plot_life_years"])
        f0 = min(0.9 * ha, entry / (leave + p_erad0[c])) if ha > 0 else 0.0
        pool = p["farmer.frontier_land_multiple"] * ha
        if ha > 0 and pool <= f0:
            raise WorldError("params.farmer.frontier_land_multiple", f"the frontier land of {c} ({pool:,.0f} ha) "
                             f"cannot hold its status-quo frontier area ({f0:,.0f} ha): raise it")
        enter = entry / (pool - f0) if ha > 0 else 0.0
        out[c] = {"area": f0, "land": pool, "enter": min(1.0, enter), "leave": leave}
    return out


def entry_rates(x: np.ndarray, enter0: float, leave0: float, p):
    """Monthly chances that a free frontier plot is planted and a planted one abandoned, given the relative
    profit of entry x (0 at the status quo): logistic in x, equal to the status-quo chances at x = 0 and
    saturating at ``farmer.frontier_entry_capacity`` times them."""
    q = p["farmer.frontier_entry_capacity"] - 1.0
    z = np.clip(p["farmer.frontier_profit_sensitivity"] * x, -50.0, 50.0)
    enter = np.minimum(1.0, enter0 * (1.0 + q) / (1.0 + q * np.exp(-z)))
    leave = np.minimum(1.0, leave0 * (1.0 + q) / (1.0 + q * np.exp(z)))
    return enter, leave


def eradication_effort(farmers, world, enforcement):
    """Per country, the monthly chance a hectare is destroyed by manual teams and the chance it is sprayed, at
    the 2021 area: search effort. The budget buys a monthly chance of finding each hectare, set so that at
    the 2021 area it eradicates (sprays) the programme's activity; fewer hectares, fewer eradicated (a fixed
    hectare target would chase the last fields and collapse cultivation)."""
    countries = farmers.households.countries
    manual, spray = np.zeros(len(countries)), np.zeros(len(countries))
    for ci, (c, crop) in enumerate(countries):
        area0 = world.data[c]["crops"][crop]["ha"]
        if area0 <= 0:
            continue
        m = enforcement.agency.get(("eradication", c))
        s = enforcement.agency.get(("spraying", c))
        manual[ci] = min(0.9, (m.activity if m else 0.0) / 12.0 / area0)
        spray[ci] = min(0.9, (s.activity if s else 0.0) / 12.0 / area0)
    return manual, spray


def targeted(per_ha: np.ndarray, area: np.ndarray, seen: np.ndarray, cell_country: np.ndarray) -> np.ndarray:
    """Per cell, the chance a standing hectare is hit this month when the country's effort (``per_ha`` x its
    area: the hectares it finds) is shared among municipalities in proportion to the area the agency sees
    there (``seen``: the area with a detection lag). Where coca grew since it was seen the risk is lower,
    where it shrank higher; where nothing stands nothing is found."""
    n_c = int(cell_country.max()) + 1 if len(cell_country) else 0
    total = np.bincount(cell_country, weights=area, minlength=n_c)
    seen_total = np.bincount(cell_country, weights=seen, minlength=n_c)
    found = per_ha[cell_country] * total[cell_country] * np.divide(
        seen, seen_total[cell_country], out=np.zeros_like(seen), where=seen_total[cell_country] > 0)
    return np.minimum(0.9, np.divide(found, area, out=np.zeros_like(area), where=area > 0))


def cell_rates(farmers, world, p, enforcement, expected_farmgate: dict, t: int) -> np.ndarray:
    """xrates[cell, :]: manual and spraying chances, frontier entry and abandonment, the logit's terms."""
    f = farmers.households
    n_cells = len(farmers.cell_country)
    x = np.zeros((n_cells, N_CELL_RATES))
    area = np.bincount(f.cell, weights=f.illicit, minlength=n_cells)
    manual, spray = eradication_effort(farmers, world, enforcement)
    x[:, X_MANUAL] = targeted(manual, area, farmers.seen, farmers.cell_country)
    x[:, X_SPRAY] = np.minimum(1.0 - x[:, X_MANUAL], targeted(spray, area, farmers.seen, farmers.cell_country))
    x[:, X_UTIL_A], x[:, X_UTIL_B], x[:, X_UTIL_C] = utilities(farmers, world, p, expected_farmgate, farmers.alpha, t)
    # the frontier: relative profit of planting a new plot in each municipality against the entrant's
    # reservation income (licit income plus entry cost; break-even in 2021). An entrant chooses where to plant:
    # it weighs the municipality's expected loss relative to its country's (the agency looks where it saw
    # coca), not the national level of eradication, which it meets wherever it plants
    loss = expected_loss(farmers.perceived_risk, p, farmers.perceived_spray)
    illicit = illicit_incomes(farmers, world, expected_farmgate)
    licit = licit_incomes(farmers, world, p, t)
    reservation = farmers.reservation0 * licit / farmers.licit0
    fl = np.bincount(f.cell, weights=f.land * f.frontier, minlength=n_cells)
    lbar = np.array([float(np.average(loss[farmers.cell_country == ci], weights=fl[farmers.cell_country == ci]))
                     if fl[farmers.cell_country == ci].sum() > 0 else 0.0 for ci in range(len(f.countries))])
    rel_loss = np.clip(farmers.loss0[farmers.cell_country] + loss - lbar[farmers.cell_country], 0.0, 0.99)
    rel = illicit[farmers.cell_country] * (1.0 - rel_loss) / reservation[farmers.cell_country] - 1.0
    enter0 = np.array([farmers.frontier0[c]["enter"] for c, _ in f.countries])[farmers.cell_country]
    leave0 = np.array([farmers.frontier0[c]["leave"] for c, _ in f.countries])[farmers.cell_country]
    x[:, X_ENTER], x[:, X_LEAVE] = entry_rates(rel, enter0, leave0, p)
    # the long-run supply price relative to 2021, per country: where entry breaks even, which moves with
    # the entrant's reservation income (licit income), not with eradication (escaped by choosing where to plant)
    farmers.supply_price_ratio = licit / farmers.licit0
    return x


def country_rates(farmers, p, enforcement, policy, p_erad: np.ndarray) -> np.ndarray:
    """rates[country, :]: enrolment in and dropping out of alternative development, the offer before
    eradication (``p_erad``: manual eradication risk per country), and the rule's constants."""
    f = farmers.households
    hh = f.frontier == 0
    rates = np.zeros((len(f.countries), N_COUNTRY_RATES))
    enrolled = np.bincount(f.country, weights=f.enrolled.astype(float), minlength=len(f.countries))
    eligible = np.bincount(f.country, weights=(hh & (f.enrolled == 0) & (f.coerced == 0)).astype(float),
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
