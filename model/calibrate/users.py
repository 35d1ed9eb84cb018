"""Users' stocks by state and the monthly rates that hold them steady in 2021.

Given the world's stocks and the status-quo policy: escalation balances the dependent stock, initiation
balances the occasional stock, the treatment entry rate keeps treatment at capacity, the release rate
balances prison, the overdose hazard reproduces the observed deaths, HIV transmission reproduces new
diagnoses, and consumption per person reproduces consumption.
"""

from __future__ import annotations

import math

from model.calibrate.baseline import Baseline, per_month
from model.calibrate.naloxone import deaths_averted, potential_deaths, steady_stock
from model.world import GROUP_DRUGS, GROUPS, WorldError


def calibrate_users(b: Baseline) -> None:
    for m in b.markets:
        md = b.world.data[m]
        arrest_dep = _arrest_rate(b, m)
        for g in GROUPS:
            u = md["users"].get(g)
            if u is None:
                continue
            b.users[(m, g)] = _group(b, m, g, u, arrest_dep)
        hiv0 = _hiv_rate(b, m)
        for g in GROUPS:
            if (m, g) in b.users:
                b.users[(m, g)]["hiv"] = hiv0  # one transmission pool: opioid and stimulant injectors alike
        total = sum(s["occasional"] + s["dependent"] + s["treatment"] + s["incarcerated"] + s["remission"]
                    for (mm, _), s in b.users.items() if mm == m)
        at_risk = float(md.get("population_at_risk", 0.0))
        if at_risk <= total:
            raise WorldError(f"countries.{m}.population_at_risk",
                             f"= {at_risk:,.0f} is not larger than the {total:,.0f} people who use or used (with remission)")
        b.users[(m, "never")] = {"never": at_risk - total}


def _arrest_rate(b: Baseline, m: str) -> float:
    """The monthly arrest rate of a dependent user."""
    p, md = b.params, b.world.data[m]
    arrests_m = md.get("arrests", 0.0)
    weight_total = sum(u.get("dependent", 0.0) + p["user.occasional_arrest_weight"] * u.get("occasional", 0.0)
                       for u in md["users"].values())
    return per_month(arrests_m / weight_total) if weight_total > 0 else 0.0


def _hiv_rate(b: Baseline, m: str) -> float:
    """The monthly HIV transmission rate of a susceptible injector that gives the market's 2021 new diagnoses
    among people who inject. The rule infects only someone who neither dies of an overdose nor leaves their
    state that month (model/users/rule.py), so each injector is weighted by that chance; those in opioid
    agonist treatment also by its rate ratio."""
    p, md = b.params, b.world.data[m]
    exposed = 0.0
    for g in GROUPS:
        r = b.users.get((m, g))
        if r is None:
            continue
        died = r["od"] * (1.0 - r["naloxone0"])  # a dependent user's overdose death a month
        stays_dep = (1.0 - died) * (1.0 - (r["quit_dep"] + r["tx_entry"] + r["arrest_dep"]))
        stays_tx = sum(share * (1.0 - died * rr) * (1.0 - drop - r["tx_done"]) for share, rr, drop in (
            (r["meth_share"], r["rr_meth"], r["tx_drop_meth"]), (1.0 - r["meth_share"], r["rr_bup"], r["tx_drop"])))
        exposed += injecting_share(p, g) * (r["dependent"] * stays_dep + r["treatment"] * r["hiv_tx_rr"] * stays_tx)
    susceptible = exposed * (1.0 - p["user.hiv_prevalence_pwid"])
    hiv0 = (md.get("new_hiv_pwid", 0.0) / 12.0) / susceptible if susceptible > 0 else 0.0
    if hiv0 >= 0.5:
        raise WorldError(f"countries.{m}.new_hiv_pwid", "implies more than half of susceptible injectors infected a month")
    return hiv0
    return arrest_dep, hiv0


def _group(b: Baseline, m: str, g: str, u: dict, arrest_dep: float) -> dict:
    """Stocks and rates of one drug group in one market."""
    p = b.params
    occ, dep, tx, inc = (float(u.get(k, 0.0)) for k in ("occasional", "dependent", "treatment", "incarcerated"))
    r = _given_rates(p, g == "opioid", arrest_dep)
    prison_in_dep = r["incarcerate"] * r["arrest_dep"] * dep
    prison_in = prison_in_dep + r["incarcerate"] * r["arrest_occ"] * occ
    r["release"] = min(0.9, prison_in / inc) if inc > 0 else 0.5
    r["prison_dep_share"] = prison_in_dep / prison_in if prison_in > 0 else 1.0
    releases = r["release"] * inc * r["prison_dep_share"]          # former dependent users released
    releases_occ = r["release"] * inc * (1 - r["prison_dep_share"])  # back to occasional use
    # overdose: expected deaths = h (1 - naloxone) x exposure = observed deaths a month, less those in prison
    r["exposure0"] = dep + r["od_occ_w"] * occ + tx * (
        r["meth_share"] * r["rr_meth"] + (1 - r["meth_share"]) * r["rr_bup"])
    exposure = (r["exposure0"] + tx * r["tx_drop_mix"] * (r["post_exit"] - 1.0)
                + releases * r["release_dep"] * (r["post_release"] - 1.0))
    deaths_m = max(0.0, float(u.get("deaths", 0.0)) / 12.0 - inc * r["od_prison"])
    naloxone = _naloxone(b, m, r, deaths_m) if g == "opioid" else 0.0
    r["naloxone0"] = naloxone
    r["od"] = deaths_m / ((1.0 - naloxone) * exposure) if exposure > 0 else 0.0
    if r["od"] >= 0.5:
        raise WorldError(f"countries.{m}.users.{g}.deaths", "too many deaths for the number of users")
    od_dep_deaths = r["od"] * (1 - naloxone)
    # treatment: entries keep it full (the treatment stock is the capacity)
    # other-cause deaths of the treatment stock (methadone and buprenorphine places mixed)
    r["bg_tx"] = r["bg"] * (r["meth_share"] * r["bg_rr_meth"] + (1 - r["meth_share"]) * r["bg_rr_bup"])
    tx_exit = r["tx_drop_mix"] + r["tx_done"] + r["bg_tx"] + od_dep_deaths * r["rr_bup"]
    r["tx_entry"] = min(0.5, tx * tx_exit / dep) if dep > 0 else 0.0
    # remission (former dependent users): steady state of its inflow over relapse
    rem_in = dep * r["quit_dep"] + tx * r["tx_done"] + releases * (1 - r["release_dep"])
    rem_dep = rem_in / r["relapse_dep"] if r["relapse_dep"] > 0 else 0.0
    # escalation balances the dependent stock
    dep_out = dep * (r["quit_dep"] + r["tx_entry"] + r["arrest_dep"] * r["incarcerate"] + r["bg"] + od_dep_deaths)
    dep_in_other = tx * r["tx_drop_mix"] + rem_dep * r["relapse_dep"] + releases * r["release_dep"]
    if p["user.lhy_escalation_fixed"]:
        esc_rate = per_month(p["user.escalation_per_year"] * (p["user.escalation_multiplier_opioid"] if g == "opioid" else 1.0))
    else:
        esc_rate = max(0.0, (dep_out - dep_in_other) / occ) if occ > 0 else 0.0
    r["escalate"] = min(0.5, esc_rate)
    # initiation balances the occasional stock
    occ_out = occ * (r["quit_light"] + r["escalate"] + r["arrest_occ"] * r["incarcerate"] + r["od_occ_w"] * od_dep_deaths)
    initiations = max(0.0, occ_out - releases_occ)
    y0 = (dep + tx) / p["user.lhy_delta"]
    _initiation(r, p, occ, dep, initiations, y0)
    r["hiv_tx_rr"] = p["user.oat_hiv_rr"] if g == "opioid" else 1.0
    he = _consumption(b, m, g, u, r, occ, dep)
    stocks = {"occasional": occ, "dependent": dep, "treatment": tx, "incarcerated": inc,
              "remission": rem_dep, "initiations": initiations, "y0": y0, "he0": he}
    return {**r, **stocks}


def injecting_share(p: dict, g: str) -> float:
    """Share of a drug group's dependent users who inject (``user.injecting_share`` for opioids)."""
    return p["user.injecting_share" if g == "opioid" else f"user.injecting_share_{g}"]


def _given_rates(p: dict, opioid: bool, arrest_dep: float) -> dict:
    """The rates taken from parameters as they stand (treatment's and lost tolerance's multipliers apply to
    opioids only)."""
    r = {}
    r["quit_light"] = per_month(p["user.light_quit_per_year"])
    r["quit_dep"] = per_month(p["user.heavy_quit_per_year"])
    r["relapse_dep"] = p["user.relapse_per_month"]
    r["relapse_light"] = p["user.light_relapse_per_month"]
    # dropout by modality for opioid treatment (the rate without the methadone flag is buprenorphine's)
    drop = "user.treatment_dropout_per_month"
    r["tx_drop"] = p[drop + "_buprenorphine" if opioid else drop]
    r["tx_drop_meth"] = p[drop + "_methadone" if opioid else drop]
    r["tx_done"] = p["user.treatment_completion_per_month"]
    r["bg"] = p["user.background_mortality_per_month"]
    r["arrest_dep"] = arrest_dep
    r["arrest_occ"] = arrest_dep * p["user.occasional_arrest_weight"]
    r["incarcerate"] = p["user.arrest_incarceration_share"]
    r["release_dep"] = p["user.release_to_dependent_share"]
    r["rr_meth"] = p["user.overdose_treatment_rr_methadone"] if opioid else 1.0
    r["rr_bup"] = p["user.overdose_treatment_rr_buprenorphine"] if opioid else 1.0
    r["bg_rr_meth"] = p["user.other_death_treatment_rr_methadone"] if opioid else 1.0
    r["bg_rr_bup"] = p["user.other_death_treatment_rr_buprenorphine"] if opioid else 1.0
    r["meth_share"] = p["user.methadone_share"] if opioid else 0.0
    r["tx_drop_mix"] = r["meth_share"] * r["tx_drop_meth"] + (1 - r["meth_share"]) * r["tx_drop"]
    r["post_exit"] = post_exit_multiplier(p) if opioid else 1.0
    r["post_release"] = post_release_multiplier(p) if opioid else 1.0
    r["od_prison"] = per_month(p["user.prison_overdose_deaths_per_100k"] / 1e5)
    r["od_occ_w"] = p["user.occasional_overdose_weight"]
    return r


def _initiation(r: dict, p: dict, occ: float, dep: float, initiations: float, y0: float) -> None:
    """Innovation and imitation rates: LHY's own where its parameters are given, else the 2021 initiations
    split by ``user.imitation_share``."""
    if p["user.lhy_tau_per_year"] > 0 or p["user.lhy_s_per_year"] > 0:
        r["innov_people"] = p["user.lhy_tau_per_year"] / 12.0 if occ + dep > 0 else 0.0
        r["imit_per_light"] = p["user.lhy_s_per_year"] / 12.0 * math.exp(-p["user.lhy_q"] * y0 / max(occ, 1.0))
    else:
        r["innov_people"] = (1.0 - p["user.imitation_share"]) * initiations
        r["imit_per_light"] = p["user.imitation_share"] * initiations / occ if occ > 0 else 0.0


def _consumption(b: Baseline, m: str, g: str, u: dict, r: dict, occ: float, dep: float) -> float:
    """Consumption per person a month (kg pure; heroin-equivalent for opioids); returns the group's total."""
    p = b.params
    potency = p["market.fentanyl_potency"]
    cons = u.get("consumption_t", {})
    he = sum(cons.get(d, 0.0) * (potency if d == "fentanyl" else 1.0) for d in GROUP_DRUGS[g]) * 1000.0 / 12.0
    denom = occ + p["user.dependent_consumption_ratio"] * dep
    r["q_occ"] = he / denom if denom > 0 else 0.0
    r["q_dep"] = r["q_occ"] * p["user.dependent_consumption_ratio"]
    for d in GROUP_DRUGS[g]:
        b.consumption0[(m, d)] = cons.get(d, 0.0) * 1000.0 / 12.0
    return he


def post_exit_weekly(p: dict) -> tuple[float, float, float]:
    """Mortality in weeks 1-2, weeks 3-4 and later after leaving opioid treatment, over the later rate
    (Cornish et al. 2010)."""
    later = p["user.post_exit_deaths_later"]
    return p["user.post_exit_deaths_week1_2"] / later, p["user.post_exit_deaths_week3_4"] / later, 1.0


def post_exit_multiplier(p: dict) -> float:
    """The overdose hazard in the month after leaving opioid treatment over a dependent user's: weeks 1-2
    and 3-4, two weeks each ((4.8 + 4.3) / 2 / 0.95 = 4.8). Later months are at 1."""
    w12, w34, _ = post_exit_weekly(p)
    return 0.5 * (w12 + w34)


def post_release_weekly(p: dict) -> tuple[float, float, float]:
    """Drug-related deaths in weeks 1-2, 3-4 and 5-12 after release from prison, over those of weeks 5-12
    (Merrall et al. 2010), taken as the hazard of a dependent user outside (an assumption). Weeks 1-2 are
    given against weeks 3-12, whose mean is (2 x 1.7 + 8) / 10 = 1.14 times weeks 5-12."""
    a = p["user.post_release_drd_rr_week3_4"]
    return p["user.post_release_drd_rr_week1_2"] * (2.0 * a + 8.0) / 10.0, a, 1.0


def post_release_multiplier(p: dict) -> float:
    """The overdose hazard in the month after release over a dependent user's: weeks 1-2 and 3-4, two weeks
    each ((5.75 x 1.14 + 1.7) / 2 = 4.1). Later months are at 1."""
    w12, w34, _ = post_release_weekly(p)
    return 0.5 * (w12 + w34)


def _naloxone(b: Baseline, m: str, r: dict, deaths_m: float) -> float:
    """The share of would-be-fatal opioid overdoses naloxone reversed in 2021, from the kits distributed by
    channel (model/calibrate/naloxone.py); records the would-be-fatal overdoses a month."""
    p = b.params
    stock = steady_stock(b.world.data[m].get("naloxone_kits", {}), p)
    averted = deaths_averted(stock, p)
    potential = potential_deaths(deaths_m, averted, p)
    r["potential0"] = potential
    return (potential - deaths_m) / potential if potential > 0 else 0.0
