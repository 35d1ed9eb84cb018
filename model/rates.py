"""Monthly rates for the two populations, computed once per month per (market, group) or per country.

Both paths (kernels and reference agents) read these arrays, so each rule's
aggregate inputs live in one place. Every modifier is relative to 2021: at the
status quo each factor is 1 and the calibrated rates hold the stocks steady.
"""

from __future__ import annotations

import numpy as np

from model.markets import exp_clip
from model.states import (
    C_ADJUST, C_COERCION, C_COMPLIANCE, C_DECIDE, C_DROP, C_ENROL, C_FRONTIER, C_MOVE, C_OFFER,
    C_TRUST_BROKEN, C_TRUST_FORCED, C_TRUST_RECOVER, C_TRUST_W, N_RATES, R_ARREST_DEP, R_ARREST_OCC,
    R_BG_DEATH, R_BG_TX_BUP, R_BG_TX_METH, R_ESCALATE, R_HIV, R_IMIT, R_INCARCERATE, R_INNOV, R_METH_SHARE,
    R_NALOXONE, R_OD,
    R_OD_OCC_W, R_OD_TX_BUP, R_OD_TX_METH, R_POST_EXIT, R_POST_RELEASE, R_QUIT_DEP, R_QUIT_LIGHT, R_REFERRAL,
    R_REFERRAL_OCC, R_REFERRAL_TX, R_RELAPSE_DEP, R_RELAPSE_LIGHT, R_RELEASE, R_RELEASE_DEP, R_TX_DONE,
    R_TX_DROP, R_TX_ENTRY,
)
from model.world import GROUPS, WorldError


def user_rates(model) -> None:
    """Fill model.user_rates[market, group, :] for this month."""
    b, p = model.baseline, model.params
    counts = model.people_counts()
    scale = model.users.scale
    rates = np.zeros((len(model.markets), len(GROUPS), N_RATES))
    e_part = p["user.participation_price_elasticity"]
    # imitation happens within peer groups; light users in a group with no susceptible person of their
    # drug recruit no one, so the rate is scaled up by the share that can (the aggregate stays LHY's)
    u_pop = model.users
    pg_market = u_pop.market[:: u_pop.group_size][: u_pop.peer_light.shape[0]]
    reachable = np.zeros((len(model.markets), len(GROUPS)))
    light = np.zeros((len(model.markets), len(GROUPS)))
    for gi in range(len(GROUPS)):
        lg = u_pop.peer_light[:, gi]
        light[:, gi] = np.bincount(pg_market, weights=lg, minlength=len(model.markets))
        reachable[:, gi] = np.bincount(pg_market, weights=lg * (u_pop.peer_never[:, gi] > 0), minlength=len(model.markets))
    for mi, m in enumerate(model.markets):
        md = model.world.data[m]
        prev = model.agency.get(("prevention", m))
        reach = md.get("prevention_reach", 0.0) * (prev.effect if prev else 1.0)
        prevention = (1.0 - p["user.prevention_max_effect"] * min(1.0, reach)) / (
            1.0 - p["user.prevention_max_effect"] * md.get("prevention_reach", 0.0))
        nal = model.agency.get(("naloxone", m))
        naloxone_cov = min(0.95, md.get("naloxone_coverage", 0.0) * (nal.effect if nal else 1.0)
                           * p["user.naloxone_coverage_scale"])
        ssp = model.agency.get(("ssp", m))
        ssp_cov = min(0.95, md.get("ssp_coverage", 0.0) * (ssp.effect if ssp else 1.0))
        ssp_cov0 = md.get("ssp_coverage", 0.0)
        dc = model.agency.get(("drug_checking", m))
        dc_cov = min(0.95, md.get("drug_checking_coverage", 0.0) * (dc.effect if dc else 1.0))
        dc_cov0 = md.get("drug_checking_coverage", 0.0)
        arrest_ratio = model.effect("domestic_enforcement", m)
        decrim = bool(model.policy.switch("decriminalize_possession", m))
        places = treatment_places(model, m)
        fs, fs0 = model.fentanyl_share[m], model.fentanyl_share0[m]
        wf = p["user.fentanyl_overdose_weight"]
        inj = model._inj[mi] if getattr(model, "_inj", None) is not None else None
        for gi, g in enumerate(GROUPS):
            if (m, g) not in b.users:
                continue
            u = b.users[(m, g)]
            r = rates[mi, gi]
            price = model.price_index(m, g)
            purity = model.scarcity.get((m, g), 1.0) ** (-p["market.purity_response"])
            occ, dep, tx = (counts[mi, gi, k] * scale for k in (1, 2, 3))
            # initiation: innovators and imitation (LHY: deterred by the memory of heavy use)
            ymem, occ0 = model.memory_y[(m, g)], u["occasional"]
            if p["user.lhy_s_per_year"] > 0:
                # the LHY experiment: Behrens et al.'s deterrence exp(-q Y/L), absolute
                deter = exp_clip(-p["user.lhy_q"] * ymem / max(occ, 1.0), -50.0, 5.0) / exp_clip(
                    -p["user.lhy_q"] * u["y0"] / max(occ0, 1.0), -50.0, 5.0)
            else:
                # relative to 2021 (see docs/ODD.md: LHY's q was estimated where Y/L was ~0.3, not ~5)
                ratio = (ymem / max(occ, 1.0)) / (u["y0"] / max(occ0, 1.0))
                deter = min(20.0, ratio ** -p["user.deterrence_elasticity"])
            factor = price ** e_part * prevention
            never_people = counts[mi, gi, 0] * scale
            r[R_INNOV] = min(1.0, u["innov_people"] * factor / never_people) if never_people > 0 else 0.0
            reach = reachable[mi, gi] / light[mi, gi] if reachable[mi, gi] > 0 else 1.0
            r[R_IMIT] = u["imit_per_light"] * factor * deter / reach
            quit = price ** -e_part
            r[R_QUIT_LIGHT] = min(0.5, u["quit_light"] * quit)
            r[R_ESCALATE] = u["escalate"]
            r[R_QUIT_DEP] = min(0.5, u["quit_dep"] * quit)
            r[R_RELAPSE_DEP] = u["relapse_dep"]
            r[R_RELAPSE_LIGHT] = u["relapse_light"]
            # treatment keeps its places full: entries replace exits and fill new places
            slots = places.get(g, 0.0)
            exits = tx * (u["tx_drop"] + u["tx_done"] + u["bg_tx"])
            r[R_TX_ENTRY] = min(0.5, max(0.0, slots - tx + exits) / dep) if dep > 0 else 0.0
            r[R_TX_DROP] = u["tx_drop"]
            r[R_TX_DONE] = u["tx_done"]
            # arrest; under decriminalization possession arrests become referrals to treatment
            arrest = u["arrest_dep"] * arrest_ratio
            poss = p["user.possession_arrest_share"] if decrim else 0.0
            r[R_ARREST_DEP] = arrest * (1.0 - poss)
            r[R_ARREST_OCC] = arrest * p["user.occasional_arrest_weight"] * (1.0 - poss)
            r[R_REFERRAL] = arrest * poss
            r[R_REFERRAL_OCC] = arrest * p["user.occasional_arrest_weight"] * poss
            # referrals enter treatment only where there are places left after voluntary entries
            referred = r[R_REFERRAL] * dep * p["user.referral_treatment_probability"]
            free = max(0.0, slots - tx + exits - r[R_TX_ENTRY] * dep)
            r[R_REFERRAL_TX] = p["user.referral_treatment_probability"] * (min(1.0, free / referred) if referred > 0 else 1.0)
            r[R_INCARCERATE] = u["incarcerate"]
            r[R_RELEASE] = u["release"]
            r[R_RELEASE_DEP] = u["release_dep"]
            # overdose: hazard a month (fatal without naloxone), scaled by potency and purity of the supply
            pur = purity ** p["user.purity_overdose_elasticity"]
            if g == "opioid":
                potency = ((1 - fs) + fs * wf) / ((1 - fs0) + fs0 * wf)
                checking = (1 - dc_cov * p["user.drug_checking_effect"] * fs) / (1 - dc_cov0 * p["user.drug_checking_effect"] * fs0)
            else:
                c = p["user.stimulant_fentanyl_contamination"]
                potency = (1 + c * fs) / (1 + c * fs0)
                checking = (1 - dc_cov * p["user.drug_checking_effect"] * c * fs / (1 + c * fs)) / (
                    1 - dc_cov0 * p["user.drug_checking_effect"] * c * fs0 / (1 + c * fs0))
            r[R_OD] = min(0.5, u["od"] * potency * pur * checking)
            r[R_OD_OCC_W] = u["od_occ_w"]
            r[R_OD_TX_METH] = u["rr_meth"]
            r[R_OD_TX_BUP] = u["rr_bup"]
            r[R_POST_EXIT] = u["post_exit"]
            r[R_POST_RELEASE] = u["post_release"]
            r[R_NALOXONE] = naloxone_cov * p["user.naloxone_reversal_probability"]
            r[R_BG_DEATH] = u["bg"]
            r[R_BG_TX_METH] = u["bg_rr_meth"]
            r[R_BG_TX_BUP] = u["bg_rr_bup"]
            r[R_METH_SHARE] = u["meth_share"]
            # HIV: transmission scales with prevalence among injectors and syringe-service coverage
            hiv_f = (1 - ssp_cov * (1 - p["user.ssp_hiv_rr"])) / (1 - ssp_cov0 * (1 - p["user.ssp_hiv_rr"]))
            prev_ratio = 1.0
            if inj is not None:
                tot_inj, hiv_inj = inj[:, 0].sum(), inj[:, 1].sum()
                if tot_inj > 0:
                    prev_ratio = (hiv_inj / tot_inj) / p["user.hiv_prevalence_pwid"]
            r[R_HIV] = min(0.5, u["hiv"] * hiv_f * prev_ratio)
    model.user_rates = rates


def treatment_places(model, m: str) -> dict:
    """Treatment places in market ``m`` by drug group: the treatment programme's activity (places), shared
    like the 2021 places, except that places above the 2021 capacity go to the group named by
    ``agency.treatment_new_places_to`` when it has users there."""
    b = model.baseline
    tx0 = {g: b.users[(m, g)]["treatment"] for g in GROUPS if (m, g) in b.users}
    total0 = sum(tx0.values())
    if total0 <= 0:
        return {g: 0.0 for g in tx0}
    a = model.agency.get(("treatment", m))
    total = a.activity if a else total0
    to = model.params["agency.treatment_new_places_to"]
    if to != "as_2021" and to in tx0 and total > total0:
        return {g: v + (total - total0 if g == to else 0.0) for g, v in tx0.items()}
    return {g: total * v / total0 for g, v in tx0.items()}


# ------------------------------------------------------------------ farmers
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


def _utilities(model, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-cell logit terms: a = alpha + s x (illicit - licit)/licit; b = s x illicit x expected loss/licit;
    c = s x illicit/licit, the cap on a farmer's weighted loss (the whole harvest)."""
    f, p, w = model.farmers, model.params, model.world
    s = p["farmer.income_sensitivity"]
    loss = expected_loss(model.perceived_risk, p)
    a = np.zeros(len(model.cell_country))
    bb = np.zeros(len(model.cell_country))
    cap = np.zeros(len(model.cell_country))
    n = np.bincount(f.country, minlength=len(f.countries))
    enrolled = np.bincount(f.country, weights=f.enrolled.astype(float), minlength=len(f.countries))
    for ci, (c, crop) in enumerate(f.countries):
        cs = w.data[c]["crops"][crop]
        d = "cocaine" if crop == "coca" else "heroin"
        illicit = model.expected_farmgate[d] * cs["farmgate_multiplier"] * cs["yield"]
        licit = cs["licit_income"] * licit_access(p, enrolled[ci] / max(1, n[ci]))
        cells = model.cell_country == ci
        a[cells] = alpha[ci] + s * (illicit - licit) / licit
        bb[cells] = s * illicit * loss[cells] / licit
        cap[cells] = s * illicit / licit
    return a, bb, cap


def licit_access(p, enrolled_share: float) -> float:
    """Alternative development's roads, processing and guaranteed purchase raise licit income for the
    whole country in proportion to the share of households enrolled."""
    return 1.0 + (p["farmer.ad_licit_income_uplift"] - 1.0) * enrolled_share


def wanted_area(alpha, a0, weighted_loss, tilt, coercion, land) -> float:
    """Hectares the farmers want under the illicit crop at intercept ``alpha``: the kernel's
    ``target_share`` (model/kernels/farmers.py) times land, summed over farmers, written in NumPy for the
    calibration's bisection (``a0``: the per-farmer logit term without the intercept; ``weighted_loss``:
    min(risk aversion x b, c); ``tilt``: the trust term; ``coercion``: coerced x the coercion logit).
    tests/test_model.py checks that it sums what the kernel's rule gives."""
    z = (alpha + a0) - weighted_loss + tilt + coercion
    return float((land / (1.0 + np.exp(-z))).sum())


def calibrate_farm_alpha(model) -> None:
    """Intercepts that make the 2021 hectares the steady state under 2021 eradication.

    Steady state of a farmer's illicit area A under reconsideration rate k
    (decision probability x adjust fraction) and monthly eradication probability e:
    A = T k / (k + e). So the wanted area is T = A (k + e) / k, and alpha solves
    sum over non-enrolled farmers of target_share(alpha) x land = T.
    """
    f, p = model.farmers, model.params
    k = recovery_rate(p)
    tw = p["farmer.trust_weight"]
    # only the intercept changes during the search: the logit terms are computed once (with alpha = 0, so
    # a0 is the income term alone and x + a0 is what _utilities would give for alpha = x)
    a0, bb, loss_cap = _utilities(model, np.zeros(len(f.countries)))
    for ci, (c, crop) in enumerate(f.countries):
        sel = (f.country == ci) & (f.enrolled == 0)
        e = model.p_erad0[c]
        wanted = f.illicit[sel].sum() * (k + e) / k
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
        model.farm_alpha[ci] = 0.5 * (lo + hi)


def farmer_rates(model) -> None:
    """Fill eradication probabilities per cell, logit terms per cell and rates per country for this month."""
    f, p = model.farmers, model.params
    model.util_a, model.util_b, model.util_c = _utilities(model, model.farm_alpha)
    enrolled = np.bincount(f.country, weights=f.enrolled.astype(float), minlength=len(f.countries))
    eligible = np.bincount(f.country, weights=((f.enrolled == 0) & (f.coerced == 0)).astype(float),
                           minlength=len(f.countries))
    decide = 1.0 / p["farmer.decision_interval_months"]
    for ci, (c, crop) in enumerate(f.countries):
        # eradication is search effort: the budget buys a monthly chance of finding and destroying each
        # hectare, set so that at the 2021 area it eradicates the programme's activity; fewer hectares,
        # fewer eradicated (a fixed hectare target would chase the last fields and collapse cultivation)
        erad = model.agency.get(("eradication", c))
        area0 = model.world.data[c]["crops"][crop]["ha"]
        pe = min(0.9, (erad.activity if erad else 0.0) / 12.0 / area0) if area0 > 0 else 0.0
        model.p_erad[model.cell_country == ci] = pe
        ad = model.agency.get(("alternative_development", c))
        slots = (ad.activity if ad else 0.0) / f.households_per_agent[ci]
        r = model.farmer_rates[ci]
        r[C_ENROL] = min(1.0, max(0.0, slots - enrolled[ci]) / eligible[ci]) if eligible[ci] > 0 else 0.0
        r[C_DROP] = min(1.0, max(0.0, enrolled[ci] - slots) / enrolled[ci]) if enrolled[ci] > 0 else 0.0
        if model.policy.switch("alternative_development_before_eradication", c):
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
