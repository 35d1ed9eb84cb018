"""Programmes: each budget-to-activity curve passes through the 2021 activity.

Diminishing returns, activity = K (1 - exp(-B / (c K))): K is ``agency.saturation_multiple`` times the 2021
activity, and the unit cost c is the one at which the status-quo money (with what others spend) buys the
2021 activity. A budget given as one number is shared among places as the 2021 activity was
(``Baseline.budget_share``; model/budgets.py reads it).
"""

from __future__ import annotations

import math

from model.budgets import budget_key, programme_budget, split_of
from model.calibrate.baseline import Baseline
from model.calibrate.users import injecting_share
from model.enforcement.agent import Programme, activity_curve_cost
from model.policy import STATUS_QUO_BUDGET
from model.world import GROUPS


def demand_programmes(b: Baseline) -> None:
    """Domestic enforcement, treatment (community places and agonist treatment in prison), harm
    reduction's three programmes and prevention, per market."""
    p, w = b.params, b.world
    sat = p["agency.saturation_multiple"]
    dep_by_m = {m: sum(b.users[(m, g)]["dependent"] for g in GROUPS if (m, g) in b.users) for m in b.markets}
    tot = sum(dep_by_m.values())
    share = {m: dep_by_m[m] / tot for m in b.markets}
    for prog in ("domestic_enforcement", "treatment", "harm_reduction", "prevention"):
        b.budget_share[prog] = share
    for m in b.markets:
        md = w.data[m]
        us = {g: b.users[(m, g)] for g in GROUPS if (m, g) in b.users}
        injectors = sum(injecting_share(p, g) * u["dependent"] for g, u in us.items())
        dependents = sum(u["dependent"] for u in us.values())
        units = {
            "domestic_enforcement": (md.get("arrests", 0.0), p["agency.arrest_cost"]),
            "treatment": (sum(u["treatment"] for u in us.values()), p["agency.treatment_cost_per_year"]),
            # the budget buys community-programme kits (pharmacy and emergency-department kits are paid by others)
            "naloxone": (md.get("naloxone_kits", {}).get("community", 0.0), p["agency.naloxone_kit_cost"]),
            "ssp": (md.get("ssp_coverage", 0.0) * injectors, p["agency.ssp_cost_per_client"]),
            "drug_checking": (md.get("drug_checking_coverage", 0.0) * dependents, p["agency.drug_checking_cost_per_user"]),
            "prevention": (md.get("prevention_reach", 0.0) * b.users[(m, "never")]["never"], p["agency.prevention_cost_per_person"]),
        }
        for name, (a0, cost) in units.items():
            budget0 = programme_budget(STATUS_QUO_BUDGET[budget_key(name)], m, share[m], split_of(name, p, True))
            b.programmes[(name, m)] = curve(name, m, a0, cost, budget0, 0.0, sat)
        # agonist treatment in prison: what the status-quo share buys, up to every person in prison with a
        # history of opioid dependence (no observed activity: the money buys it at the unit cost)
        budget0 = programme_budget(STATUS_QUO_BUDGET["treatment"], m, share[m], split_of("treatment_prison", p, True))
        b.programmes[("treatment_prison", m)] = curve("treatment_prison", m, 0.0, p["agency.prison_oat_cost_per_year"],
                                                      budget0, 0.0, sat, prison_opioid_dependent(b, m))


def prison_opioid_dependent(b: Baseline, m: str) -> float:
    """People in prison in market ``m`` with a history of opioid dependence, in 2021."""
    u = b.users.get((m, "opioid"))
    return u["incarcerated"] * u["prison_dep_share"] if u else 0.0


def curve(program, place, a0, cost, budget0, cofund, sat, k_min: float = 0.0) -> Programme:
    """The budget-to-activity curve through the 2021 activity a0 (see docs/ODD.md), saturating at
    ``sat`` x a0 or at ``k_min`` if that is larger. With no activity and no money, the curve starts at 0 and
    buys at the unit cost up to ``k_min``."""
    funded = budget0 * (1.0 + cofund)
    if a0 <= 0.0:
        a0 = funded / cost  # no observed activity: the status-quo money buys it at the unit cost
    if a0 <= 0.0:
        return Programme(program, place, 0.0, k_min, cost, 0.0, budget0)
    k = max(sat * a0, k_min)
    if a0 >= k:
        k = a0 / 0.99
    need = cost * k * -math.log(1.0 - a0 / k)
    if funded > need:
        # the status-quo money alone would buy more than was observed: the effective cost is higher
        cost = activity_curve_cost(funded, a0, k)
        need = funded
    return Programme(program, place, a0, k, cost, need - budget0, budget0)


def interdiction_programmes(b: Baseline) -> None:
    """Interdiction where its money goes by default: transit countries (weight 3) and cooperating producers
    (weight 1)."""
    p, w = b.params, b.world
    transit = [c for c in w.countries if "consumer" not in w.roles[c] and (
        "transit" in w.roles[c] or ("producer" in w.roles[c] and w.data[c].get("cooperates", False)))]
    weights = {c: (3.0 if "transit" in w.roles[c] else 1.0) for c in transit}
    tot = sum(weights.values())
    b.budget_share["interdiction"] = {c: weights[c] / tot for c in transit}
    sat = p["agency.saturation_multiple"]
    for c in transit:
        budget0 = STATUS_QUO_BUDGET["interdiction"] * b.budget_share["interdiction"][c]
        b.programmes[("interdiction", c)] = curve("interdiction", c, 0.0, p["agency.interdiction_cost_per_patrol"],
                                                  budget0, p["agency.host_cofunding"], sat)


def supply_programmes(b: Baseline) -> None:
    """Eradication and alternative development per producer country, precursor inspections where precursors
    are diverted, financial targeting worldwide."""
    p, w = b.params, b.world
    sat = p["agency.saturation_multiple"]
    cofund = p["agency.host_cofunding"]
    coop = [(c, crop) for c, crop in w.producers if w.data[c].get("cooperates", False)]
    ha = {c: sum(w.data[c]["crops"][k]["ha"] for k in w.data[c]["crops"]) for c, _ in w.producers}
    hh = {c: sum(w.data[c]["crops"][k]["households"] for k in w.data[c]["crops"]) for c, _ in w.producers}
    coop_c = sorted({c for c, _ in coop})
    # a single-number budget goes where the activity was in 2021 (among cooperating countries), so the
    # status quo reproduces the 2021 state; a per-country table sends money anywhere
    erad = {c: sum(v["eradicated_ha_per_year"] + v.get("sprayed_ha_per_year", 0.0) for v in w.data[c]["crops"].values())
            for c in coop_c}
    fams = {c: sum(v["ad_families"] for v in w.data[c]["crops"].values()) for c in coop_c}
    b.budget_share["eradication"] = {c: erad[c] / sum(erad.values()) for c in coop_c if erad[c] > 0}
    b.budget_share["alternative_development"] = {c: fams[c] / sum(fams.values()) for c in coop_c if fams[c] > 0}
    c_manual, c_spray = p["agency.eradication_cost_per_ha"], p["agency.spraying_cost_per_ha"]
    for c in sorted({c for c, _ in w.producers}):
        crops = w.data[c]["crops"]
        erad0 = sum(v["eradicated_ha_per_year"] for v in crops.values())
        spray0 = sum(v.get("sprayed_ha_per_year", 0.0) for v in crops.values())
        ad0 = sum(v["ad_families"] for v in crops.values())
        # the 2021 split of eradication money: each activity at its literature unit cost (the lever's default)
        money = erad0 * c_manual + spray0 * c_spray
        s0 = b.spray_share0[c] = spray0 * c_spray / money if money > 0 else 0.0
        be = STATUS_QUO_BUDGET["eradication"] * b.budget_share["eradication"].get(c, 0.0)
        ba = STATUS_QUO_BUDGET["alternative_development"] * b.budget_share["alternative_development"].get(c, 0.0)
        # manual eradication (ha destroyed a year) and spraying (ha sprayed a year), each through its 2021
        # activity; capacity at least half the country's 2021 area
        for name, a0, cost, part in (("eradication", erad0, c_manual, 1.0 - s0), ("spraying", spray0, c_spray, s0)):
            b.programmes[(name, c)] = curve(name, c, a0, cost, be * part, cofund, sat, 0.5 * ha[c]) if a0 > 0 else \
                curve(name, c, 0.0, cost, 0.0, cofund, sat, 0.5 * ha[c])
        # alternative development: capacity follows the budget up to every household of the country, at the
        # unit cost per family (raised where the 2021 money buys fewer families than it would)
        b.programmes[("alternative_development", c)] = curve("alternative_development", c, ad0,
                                                             p["agency.ad_cost_per_family"], ba if ad0 > 0 else 0.0,
                                                             cofund, sat, hh[c])
    # precursor control: inspections where precursors are diverted, by baseline diversion
    div = {}
    for j, pr in enumerate(w.precursors):
        for c, s in pr["sources"].items():
            div[c] = div.get(c, 0.0) + b.precursor_need0[j] * s
    tot = sum(div.values())
    b.budget_share["precursor_control"] = {c: v / tot for c, v in div.items()} if tot > 0 else {}
    for c, sh in b.budget_share["precursor_control"].items():
        b.programmes[("precursor_control", c)] = curve(
            "precursor_control", c, 0.0, p["agency.precursor_cost_per_inspection"],
            STATUS_QUO_BUDGET["precursor_control"] * sh, 0.0, sat)
    b.budget_share["financial_targeting"] = {"world": 1.0}
    b.programmes[("financial_targeting", "world")] = curve(
        "financial_targeting", "world", 0.0, p["agency.financial_cost_per_investigation"],
        STATUS_QUO_BUDGET["financial_targeting"], cofund, sat)
