"""Calibration by construction: solve the flow parameters from the observed 2021 stocks.

Each equation is stated where it is solved and listed in docs/ODD.md
("Initialization"). Given the world's stocks and the status-quo policy:
- users: escalation balances the dependent stock, initiation balances the
  occasional stock, the treatment entry rate keeps treatment at capacity, the
  release rate balances prison, the overdose hazard reproduces the observed
  deaths, HIV transmission reproduces new diagnoses;
- markets: per-user consumption reproduces consumption; each stage's additive
  markup reproduces the observed prices; the rest of the world absorbs what
  production leaves after seizures, losses and the modelled markets;
- programmes: each budget-to-activity curve passes through the 2021 activity;
- farmers: the logit intercept per country makes the 2021 hectares the steady
  state under 2021 eradication.
A user who changes a stock or a world file gets a consistent baseline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from model.policy import STATUS_QUO_BUDGET
from model.world import DRUGS, GROUP_DRUGS, GROUPS, World, WorldError


def per_month(rate_per_year: float) -> float:
    """Monthly probability of an event with the given yearly hazard."""
    return 1.0 - math.exp(-rate_per_year / 12.0)


def activity_curve_cost(budget_total: float, a0: float, k: float) -> float:
    """Unit cost c so that K(1 - exp(-B/(cK))) = a0 at B = budget_total."""
    return budget_total / (k * -math.log(1.0 - a0 / k))


def activity(budget: float, cost: float, k: float) -> float:
    """Diminishing returns: activity bought by ``budget`` at marginal unit cost ``cost``, saturating at ``k``."""
    if k <= 0.0 or budget <= 0.0:
        return 0.0
    return k * (1.0 - math.exp(-budget / (cost * k)))


@dataclass
class Programme:
    """One programme in one place: its 2021 activity and budget-to-activity curve."""
    program: str
    place: str | None
    a0: float          # activity in 2021 (units of the programme)
    k: float           # saturation
    cost: float        # effective marginal unit cost at low effort (USD per unit)
    other: float       # spending by others (partner governments, domestic budgets) in USD a year
    budget0: float     # the status-quo US budget here, USD a year

    def activity(self, budget: float) -> float:
        return activity(budget + self.other, self.cost, self.k)


@dataclass
class Baseline:
    world: World
    params: dict
    markets: list[str]
    all_markets: list[str]
    users: dict = field(default_factory=dict)          # (m, g) -> dict of stocks and rates
    consumption0: dict = field(default_factory=dict)   # (m, d) -> kg pure a month
    prices0: dict = field(default_factory=dict)        # (m, d) -> dict(retail per g, purity, wholesale per kg)
    markups: dict = field(default_factory=dict)        # (m, d) -> dict of additive costs per kg
    production0: dict = field(default_factory=dict)    # (origin, d) -> kg a month
    ship_share0: dict = field(default_factory=dict)    # (origin, d) -> {market: share of shipments}
    delivered0: dict = field(default_factory=dict)     # (m, d) -> kg a month arriving
    path_loss0: dict = field(default_factory=dict)     # (origin, m) -> average loss on the way
    hazard0: dict = field(default_factory=dict)        # country -> seizure hazard a crossing
    row_demand: dict = field(default_factory=dict)     # d -> kg a month consumed in the rest of the world
    lab_capacity0: dict = field(default_factory=dict)  # (country, d) -> kg a month
    precursor_need0: dict = field(default_factory=dict)  # precursor index -> kg a month
    programmes: dict = field(default_factory=dict)     # (program, place) -> Programme
    budget_share: dict = field(default_factory=dict)   # program -> {place: share} of a single-number budget
    violence0: dict = field(default_factory=dict)      # country -> deaths a month
    farm: dict = field(default_factory=dict)           # (country, crop) -> dict


def calibrate(world: World, params: dict) -> Baseline:
    p = params
    b = Baseline(world=world, params=p, markets=list(world.markets), all_markets=world.all_markets)
    _prices(b)
    _users(b)
    _programmes_demand(b)
    _hazards_and_flows(b)
    _supply(b)
    _programmes_supply(b)
    _violence(b)
    return b


# ------------------------------------------------------------------ prices
def _prices(b: Baseline) -> None:
    w = b.world
    for m in b.all_markets:
        for d, pr in w.data[m].get("prices", {}).items():
            b.prices0[(m, d)] = {"retail": pr["retail"], "purity": pr["purity"], "wholesale": pr["wholesale"]}


# ------------------------------------------------------------------ users
def _users(b: Baseline) -> None:
    """Stocks by state and the monthly rates that hold them steady (see module docstring)."""
    p, w = b.params, b.world
    potency = p["market.fentanyl_potency"]
    for m in b.markets:
        md = w.data[m]
        arrests_m = md.get("arrests", 0.0)
        weight_total = sum(u.get("dependent", 0.0) + p["user.occasional_arrest_weight"] * u.get("occasional", 0.0)
                           for u in md["users"].values())
        arrest_dep = per_month(arrests_m / weight_total) if weight_total > 0 else 0.0
        injectors = sum(p["user.injecting_share"] * md["users"].get(g, {}).get("dependent", 0.0)
                        for g in ("opioid", "methamphetamine"))
        susceptible = injectors * (1.0 - p["user.hiv_prevalence_pwid"])
        hiv0 = (md.get("new_hiv_pwid", 0.0) / 12.0) / susceptible if susceptible > 0 else 0.0
        if hiv0 >= 0.5:
            raise WorldError(f"countries.{m}.new_hiv_pwid", "implies more than half of susceptible injectors infected a month")
        for g in GROUPS:
            u = md["users"].get(g)
            if u is None:
                continue
            occ, dep, tx, inc = (float(u.get(k, 0.0)) for k in ("occasional", "dependent", "treatment", "incarcerated"))
            opioid = g == "opioid"
            r = {}
            r["quit_light"] = per_month(p["user.light_quit_per_year"])
            r["quit_dep"] = per_month(p["user.heavy_quit_per_year"])
            r["relapse_dep"] = p["user.relapse_per_month"]
            r["relapse_light"] = p["user.light_relapse_per_month"]
            r["tx_drop"] = p["user.treatment_dropout_per_month"]
            r["tx_done"] = p["user.treatment_completion_per_month"]
            r["bg"] = p["user.background_mortality_per_month"]
            r["arrest_dep"] = arrest_dep
            r["arrest_occ"] = arrest_dep * p["user.occasional_arrest_weight"]
            r["incarcerate"] = p["user.arrest_incarceration_share"]
            prison_in_dep = r["incarcerate"] * r["arrest_dep"] * dep
            prison_in = prison_in_dep + r["incarcerate"] * r["arrest_occ"] * occ
            r["release"] = min(0.9, prison_in / inc) if inc > 0 else 0.5
            r["prison_dep_share"] = prison_in_dep / prison_in if prison_in > 0 else 1.0
            r["release_dep"] = p["user.release_to_dependent_share"]
            r["meth_share"] = p["user.methadone_share"] if opioid else 0.0
            r["rr_meth"] = p["user.overdose_treatment_rr_methadone"] if opioid else 1.0
            r["rr_bup"] = p["user.overdose_treatment_rr_buprenorphine"] if opioid else 1.0
            r["bg_rr_meth"] = p["user.other_death_treatment_rr_methadone"] if opioid else 1.0
            r["bg_rr_bup"] = p["user.other_death_treatment_rr_buprenorphine"] if opioid else 1.0
            r["post_exit"] = p["user.post_exit_overdose_multiplier"] if opioid else 1.0
            r["post_release"] = p["user.post_release_overdose_multiplier"] if opioid else 1.0
            r["od_occ_w"] = p["user.occasional_overdose_weight"]
            naloxone = md.get("naloxone_coverage", 0.0) * p["user.naloxone_reversal_probability"]
            r["naloxone0"] = naloxone
            # overdose: expected deaths = h (1 - naloxone) x exposure = observed deaths a month
            releases = r["release"] * inc * r["prison_dep_share"]          # former dependent users released
            releases_occ = r["release"] * inc * (1 - r["prison_dep_share"])  # back to occasional use
            exposure = (dep + r["od_occ_w"] * occ
                        + tx * (r["meth_share"] * r["rr_meth"] + (1 - r["meth_share"]) * r["rr_bup"])
                        + tx * r["tx_drop"] * (r["post_exit"] - 1.0)
                        + releases * r["release_dep"] * (r["post_release"] - 1.0))
            deaths_m = float(u.get("deaths", 0.0)) / 12.0
            r["od"] = deaths_m / ((1.0 - naloxone) * exposure) if exposure > 0 else 0.0
            if r["od"] >= 0.5:
                raise WorldError(f"countries.{m}.users.{g}.deaths", "too many deaths for the number of users")
            od_dep_deaths = r["od"] * (1 - naloxone)
            # treatment: entries keep it full (the treatment stock is the capacity)
            # other-cause deaths of the treatment stock (methadone and buprenorphine places mixed)
            r["bg_tx"] = r["bg"] * (r["meth_share"] * r["bg_rr_meth"] + (1 - r["meth_share"]) * r["bg_rr_bup"])
            tx_exit = r["tx_drop"] + r["tx_done"] + r["bg_tx"] + od_dep_deaths * r["rr_bup"]
            r["tx_entry"] = min(0.5, tx * tx_exit / dep) if dep > 0 else 0.0
            # remission (former dependent users): steady state of its inflow over relapse
            rem_in = dep * r["quit_dep"] + tx * r["tx_done"] + releases * (1 - r["release_dep"])
            rem_dep = rem_in / r["relapse_dep"] if r["relapse_dep"] > 0 else 0.0
            # escalation balances the dependent stock
            dep_out = dep * (r["quit_dep"] + r["tx_entry"] + r["arrest_dep"] * r["incarcerate"] + r["bg"] + od_dep_deaths)
            dep_in_other = tx * r["tx_drop"] + rem_dep * r["relapse_dep"] + releases * r["release_dep"]
            if p["user.lhy_escalation_fixed"]:
                esc_rate = per_month(p["user.escalation_per_year"] * (p["user.escalation_multiplier_opioid"] if opioid else 1.0))
            else:
                esc_rate = max(0.0, (dep_out - dep_in_other) / occ) if occ > 0 else 0.0
            r["escalate"] = min(0.5, esc_rate)
            # initiation balances the occasional stock
            occ_out = occ * (r["quit_light"] + r["escalate"] + r["arrest_occ"] * r["incarcerate"] + r["od_occ_w"] * od_dep_deaths)
            initiations = max(0.0, occ_out - releases_occ)
            y0 = (dep + tx) / p["user.lhy_delta"]
            if p["user.lhy_tau_per_year"] > 0 or p["user.lhy_s_per_year"] > 0:
                r["innov_people"] = p["user.lhy_tau_per_year"] / 12.0 if occ + dep > 0 else 0.0
                r["imit_per_light"] = p["user.lhy_s_per_year"] / 12.0 * math.exp(-p["user.lhy_q"] * y0 / max(occ, 1.0))
            else:
                r["innov_people"] = (1.0 - p["user.imitation_share"]) * initiations
                r["imit_per_light"] = p["user.imitation_share"] * initiations / occ if occ > 0 else 0.0
            r["hiv"] = hiv0 if g != "cocaine" else 0.0
            # consumption per person a month (kg pure; heroin-equivalent for opioids)
            cons = u.get("consumption_t", {})
            he = sum(cons.get(d, 0.0) * (potency if d == "fentanyl" else 1.0) for d in GROUP_DRUGS[g]) * 1000.0 / 12.0
            denom = occ + p["user.dependent_consumption_ratio"] * dep
            r["q_occ"] = he / denom if denom > 0 else 0.0
            r["q_dep"] = r["q_occ"] * p["user.dependent_consumption_ratio"]
            for d in GROUP_DRUGS[g]:
                b.consumption0[(m, d)] = cons.get(d, 0.0) * 1000.0 / 12.0
            stocks = {"occasional": occ, "dependent": dep, "treatment": tx, "incarcerated": inc,
                      "remission": rem_dep, "initiations": initiations, "y0": y0, "he0": he}
            b.users[(m, g)] = {**r, **stocks}
        total = sum(s["occasional"] + s["dependent"] + s["treatment"] + s["incarcerated"] + s["remission"]
                    for (mm, _), s in b.users.items() if mm == m)
        at_risk = float(md.get("population_at_risk", 0.0))
        if at_risk <= total:
            raise WorldError(f"countries.{m}.population_at_risk",
                             f"= {at_risk:,.0f} is not larger than the {total:,.0f} people who use or used (with remission)")
        b.users[(m, "never")] = {"never": at_risk - total}


# ------------------------------------------------------------------ demand-side programmes
def _programmes_demand(b: Baseline) -> None:
    p, w = b.params, b.world
    sat = p["agency.saturation_multiple"]
    dep_by_m = {m: sum(b.users[(m, g)]["dependent"] for g in GROUPS if (m, g) in b.users) for m in b.markets}
    tot = sum(dep_by_m.values())
    share = {m: dep_by_m[m] / tot for m in b.markets}
    for prog in ("domestic_enforcement", "treatment", "harm_reduction", "prevention"):
        b.budget_share[prog] = share
    hr_split = {"naloxone": p["agency.harm_reduction_split_naloxone"], "ssp": p["agency.harm_reduction_split_ssp"]}
    hr_split["drug_checking"] = max(0.0, 1.0 - hr_split["naloxone"] - hr_split["ssp"])
    for m in b.markets:
        md = w.data[m]
        us = {g: b.users[(m, g)] for g in GROUPS if (m, g) in b.users}
        opioid = us.get("opioid", {})
        at_risk_opioid = opioid.get("dependent", 0.0) + opioid.get("occasional", 0.0)
        injectors = sum(p["user.injecting_share"] * us[g]["dependent"] for g in ("opioid", "methamphetamine") if g in us)
        dependents = sum(u["dependent"] for u in us.values())
        units = {
            "domestic_enforcement": (md.get("arrests", 0.0), p["agency.arrest_cost"]),
            "treatment": (sum(u["treatment"] for u in us.values()), p["agency.treatment_cost_per_year"]),
            "naloxone": (md.get("naloxone_coverage", 0.0) * p["agency.kits_per_covered_user"] * at_risk_opioid,
                         p["agency.naloxone_kit_cost"]),
            "ssp": (md.get("ssp_coverage", 0.0) * injectors, p["agency.ssp_cost_per_client"]),
            "drug_checking": (md.get("drug_checking_coverage", 0.0) * dependents, p["agency.drug_checking_cost_per_user"]),
            "prevention": (md.get("prevention_reach", 0.0) * b.users[(m, "never")]["never"], p["agency.prevention_cost_per_person"]),
        }
        for name, (a0, cost) in units.items():
            prog = name if name in STATUS_QUO_BUDGET else "harm_reduction"
            budget0 = STATUS_QUO_BUDGET[prog] * share[m] * (hr_split[name] if prog == "harm_reduction" else 1.0)
            b.programmes[(name, m)] = _curve(name, m, a0, cost, budget0, 0.0, sat)
    b.hr_split = hr_split


def _curve(program, place, a0, cost, budget0, cofund, sat) -> Programme:
    """The budget-to-activity curve through the 2021 activity a0 (see docs/ODD.md)."""
    funded = budget0 * (1.0 + cofund)
    if a0 <= 0.0:
        a0 = funded / cost  # no observed activity: the status-quo money buys it at the unit cost
    if a0 <= 0.0:
        return Programme(program, place, 0.0, 0.0, cost, 0.0, budget0)
    k = sat * a0
    need = cost * k * -math.log(1.0 - a0 / k)
    if funded > need:
        # the status-quo money alone would buy more than was observed: the effective cost is higher
        cost = activity_curve_cost(funded, a0, k)
        need = funded
    return Programme(program, place, a0, k, cost, need - budget0, budget0)


# ------------------------------------------------------------------ routes, seizures, flows
def path_loss(world: World, hazard: dict, path: tuple, lost: float) -> float:
    """Share of a shipment seized or lost on a path (seizure hazards add along the countries crossed)."""
    h = sum(hazard[c] for c in path)
    return 1.0 - math.exp(-h) * (1.0 - lost)


def route_weights(world: World, hazard: dict, paths: list, value: float, sensitivity: float, lost: float,
                  expected_loss=None) -> np.ndarray:
    """Logit shares over paths in expected loss plus transport cost relative to the cargo's value."""
    costs = []
    for j, pth in enumerate(paths):
        el = expected_loss[j] if expected_loss is not None else path_loss(world, hazard, pth, lost)
        tc = sum(world.graph.edges[a, c]["cost"] for a, c in zip(pth[:-1], pth[1:]))
        costs.append(el + tc / value)
    x = -sensitivity * np.asarray(costs)
    x -= x.max()
    e = np.exp(x)
    return e / e.sum()


def _hazards_and_flows(b: Baseline) -> None:
    """Seizure hazards with status-quo interdiction, and the shares origin -> market that deliver 2021 consumption."""
    p, w = b.params, b.world
    lost = p["market.lost_fraction"]
    base = {c: float(w.data[c].get("seizure_hazard", 0.0)) for c in w.countries}
    # where interdiction money goes by default: transit countries (weight 3) and cooperating producers (weight 1)
    transit = [c for c in w.countries if "consumer" not in w.roles[c] and (
        "transit" in w.roles[c] or ("producer" in w.roles[c] and w.data[c].get("cooperates", False)))]
    weights = {c: (3.0 if "transit" in w.roles[c] else 1.0) for c in transit}
    tot = sum(weights.values())
    b.budget_share["interdiction"] = {c: weights[c] / tot for c in transit}
    sat = p["agency.saturation_multiple"]
    for c in transit:
        budget0 = STATUS_QUO_BUDGET["interdiction"] * b.budget_share["interdiction"][c]
        b.programmes[("interdiction", c)] = _curve("interdiction", c, 0.0, p["agency.interdiction_cost_per_patrol"],
                                                   budget0, p["agency.host_cofunding"], sat)
    b.hazard_base = base
    b.hazard0 = {c: base[c] + (p["agency.interdiction_hazard_per_patrol"] * b.programmes[("interdiction", c)].a0
                               if ("interdiction", c) in b.programmes else 0.0) for c in w.countries}
    for (o, m), paths in w.paths.items():
        for d in DRUGS:
            if o not in w.origins(d) or (m, d) not in b.prices0:
                continue
            wts = route_weights(w, b.hazard0, paths, b.prices0[(m, d)]["wholesale"], p["trafficker.route_sensitivity"], lost)
            loss = float(sum(wt * path_loss(w, b.hazard0, pth, lost) for wt, pth in zip(wts, paths)))
            b.path_loss0[(o, m, d)] = loss


def _supply(b: Baseline) -> None:
    """Production, lab capacity and the origin -> market shares that deliver the 2021 consumption."""
    p, w = b.params, b.world
    for c, crop in w.producers:
        cs = w.data[c]["crops"][crop]
        d = "cocaine" if crop == "coca" else "heroin"
        b.production0[(c, d)] = cs["ha"] * cs["yield"] / 12.0
    for d in DRUGS:
        origins = w.origins(d)
        need = {}  # (o, m) -> kg a month shipped
        for m in b.markets:
            c0 = b.consumption0.get((m, d), 0.0)
            if c0 <= 0:
                continue
            reach = [o for o in origins if (o, m, d) in b.path_loss0]
            if w.drugs[d]["kind"] == "plant":
                cap = {o: b.production0[(o, d)] for o in reach}
            else:  # labs: by the production share of the precursor routes feeding each lab country
                cap = {o: sum(pr["production_share"] for pr in w.precursors if pr["drug"] == d and pr["lab_country"] == o)
                       for o in reach}
            tot = sum(cap.values())
            for o in reach:
                loss = b.path_loss0[(o, m, d)]
                if loss > 1.0 - 1e-9:
                    raise WorldError("agency.interdiction_hazard_per_patrol",
                                     f"with these seizure hazards every shipment of {d} from {o} to {m} is seized "
                                     f"(loss {loss:.6f}), so the 2021 consumption cannot be delivered: lower "
                                     "countries.<c>.seizure_hazard or agency.interdiction_hazard_per_patrol, or raise "
                                     "agency.interdiction_cost_per_patrol")
                need[(o, m)] = c0 * cap[o] / tot / (1.0 - loss)
        if w.drugs[d]["kind"] == "synthetic":
            for o in origins:
                shipped = sum(v for (oo, _), v in need.items() if oo == o)
                b.production0[(o, d)] = shipped
                b.lab_capacity0[(o, d)] = shipped
        row_delivered = 0.0
        for o in origins:
            q = b.production0[(o, d)]
            shipped = sum(v for (oo, _), v in need.items() if oo == o)
            shares = {m: v / q for (oo, m), v in need.items() if oo == o} if q > 0 else {}
            rest = q - shipped
            if rest < -1e-9 * max(q, 1.0):
                raise WorldError(f"countries.{o}", f"produces {q * 12 / 1000:.1f} t of {d} a year but the markets it "
                                 f"reaches need {shipped * 12 / 1000:.1f} t: raise production or lower consumption")
            exo = [m for m in w.exo_markets if (o, m, d) in b.path_loss0]
            if rest > 1e-9 and exo:
                shares[exo[0]] = rest / q
                row_delivered += rest * (1.0 - b.path_loss0[(o, exo[0], d)])
            elif rest > 1e-6 * max(q, 1.0):
                # no outlet for the surplus: it goes to the modelled markets in proportion
                scale = q / shipped
                shares = {m: s * scale for m, s in shares.items()}
            b.ship_share0[(o, d)] = shares
        if w.exo_markets:
            b.row_demand[d] = row_delivered
            if row_delivered > 0:
                b.consumption0[(w.exo_markets[0], d)] = row_delivered
        for m in b.all_markets:
            b.delivered0[(m, d)] = sum(b.production0[(o, d)] * b.ship_share0.get((o, d), {}).get(m, 0.0)
                                       * (1.0 - b.path_loss0.get((o, m, d), 0.0)) for o in origins)
    # precursor needs of the labs at 2021 capacity
    for j, pr in enumerate(w.precursors):
        cap = b.lab_capacity0.get((pr["lab_country"], pr["drug"]), 0.0)
        b.precursor_need0[j] = cap * share_in_lab(w, j) * pr["kg_per_kg"]
    # markups: additive costs per kg at the wholesale (transit) and retail stages
    es = p["market.enforcement_share_of_markup"]
    for (m, d), pr in b.prices0.items():
        origins = [o for o in w.origins(d) if (o, m, d) in b.path_loss0]
        if not origins:
            continue
        src = np.mean([b.farmgate0(o, d) for o in origins])
        loss = np.mean([b.path_loss0[(o, m, d)] for o in origins])
        wh_add = pr["wholesale"] * (1.0 - loss) - src
        if wh_add <= 0:
            raise WorldError(f"countries.{m}.prices.{d}.wholesale", "is below the source price after losses on the way")
        ret_add = pr["retail"] * 1000.0 - pr["wholesale"]
        if ret_add <= 0:
            raise WorldError(f"countries.{m}.prices.{d}.retail", "must be above the wholesale price (per pure kg / 1000)")
        b.markups[(m, d)] = {"wh_business": wh_add * (1 - es), "wh_risk": wh_add * es, "loss0": loss,
                             "ret_business": ret_add * (1 - es), "ret_risk": ret_add * es, "src0": src}


def share_in_lab(w: World, j: int) -> float:
    """Share of its lab country's output of the drug that precursor route j feeds."""
    pr = w.precursors[j]
    tot = sum(q["production_share"] for q in w.precursors if q["drug"] == pr["drug"] and q["lab_country"] == pr["lab_country"])
    return pr["production_share"] / tot if tot > 0 else 0.0


def _farmgate0(self: Baseline, origin: str, d: str) -> float:
    w = self.world
    if w.drugs[d]["kind"] == "plant":
        crop = w.crop_of(d)
        return w.farmgate[d] * w.data[origin]["crops"][crop]["farmgate_multiplier"]
    return w.farmgate[d]


Baseline.farmgate0 = _farmgate0


# ------------------------------------------------------------------ supply-side programmes
def _programmes_supply(b: Baseline) -> None:
    p, w = b.params, b.world
    sat = p["agency.saturation_multiple"]
    cofund = p["agency.host_cofunding"]
    coop = [(c, crop) for c, crop in w.producers if w.data[c].get("cooperates", False)]
    ha = {c: sum(w.data[c]["crops"][k]["ha"] for k in w.data[c]["crops"]) for c, _ in w.producers}
    hh = {c: sum(w.data[c]["crops"][k]["households"] for k in w.data[c]["crops"]) for c, _ in w.producers}
    coop_c = sorted({c for c, _ in coop})
    # a single-number budget goes where the activity was in 2021 (among cooperating countries), so the
    # status quo reproduces the 2021 state; a per-country table sends money anywhere
    erad = {c: sum(v["eradicated_ha_per_year"] for v in w.data[c]["crops"].values()) for c in coop_c}
    fams = {c: sum(v["ad_families"] for v in w.data[c]["crops"].values()) for c in coop_c}
    b.budget_share["eradication"] = {c: erad[c] / sum(erad.values()) for c in coop_c if erad[c] > 0}
    b.budget_share["alternative_development"] = {c: fams[c] / sum(fams.values()) for c in coop_c if fams[c] > 0}
    for c in sorted({c for c, _ in w.producers}):
        crops = w.data[c]["crops"]
        erad0 = sum(v["eradicated_ha_per_year"] for v in crops.values())
        ad0 = sum(v["ad_families"] for v in crops.values())
        be = STATUS_QUO_BUDGET["eradication"] * b.budget_share["eradication"].get(c, 0.0)
        ba = STATUS_QUO_BUDGET["alternative_development"] * b.budget_share["alternative_development"].get(c, 0.0)
        pe = _curve("eradication", c, erad0, p["agency.eradication_cost_per_ha"], be, cofund, sat)
        if pe.k < 0.5 * ha[c]:
            pe = Programme("eradication", c, pe.a0, 0.5 * ha[c], pe.cost, pe.other, be)
        b.programmes[("eradication", c)] = pe
        pa = _curve("alternative_development", c, ad0, p["agency.ad_cost_per_family"], ba, cofund, sat) if ad0 > 0 else \
            Programme("alternative_development", c, 0.0, 0.0, p["agency.ad_cost_per_family"], 0.0, 0.0)
        if pa.k < 0.5 * hh[c]:
            pa = Programme("alternative_development", c, pa.a0, 0.5 * hh[c], pa.cost, pa.other, ba)
        b.programmes[("alternative_development", c)] = pa
    # precursor control: inspections where precursors are diverted, by baseline diversion
    div = {}
    for j, pr in enumerate(w.precursors):
        for c, s in pr["sources"].items():
            div[c] = div.get(c, 0.0) + b.precursor_need0[j] * s
    tot = sum(div.values())
    b.budget_share["precursor_control"] = {c: v / tot for c, v in div.items()} if tot > 0 else {}
    for c, sh in b.budget_share["precursor_control"].items():
        b.programmes[("precursor_control", c)] = _curve(
            "precursor_control", c, 0.0, p["agency.precursor_cost_per_inspection"],
            STATUS_QUO_BUDGET["precursor_control"] * sh, 0.0, sat)
    b.budget_share["financial_targeting"] = {"world": 1.0}
    b.programmes[("financial_targeting", "world")] = _curve(
        "financial_targeting", "world", 0.0, p["agency.financial_cost_per_investigation"],
        STATUS_QUO_BUDGET["financial_targeting"], cofund, sat)


def _violence(b: Baseline) -> None:
    for c in b.world.countries:
        v = float(b.world.data[c].get("drug_violence_deaths", 0.0))
        if v > 0:
            b.violence0[c] = v / 12.0
