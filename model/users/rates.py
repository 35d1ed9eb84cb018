"""The users' monthly rates, one row per (market, group): every probability the rule compares draws with.

Both paths (the kernel and the reference agents) read this array, so each rule's aggregate inputs live in
one place. Every modifier is relative to 2021: at the status quo each factor is 1 and the calibrated rates
(model/calibrate/users.py) hold the stocks steady.
"""

from __future__ import annotations

import numpy as np

from model.markets.prices import exp_clip
from model.users.states import (
    N_RATES, R_ARREST_DEP, R_ARREST_OCC, R_BG_DEATH, R_BG_TX_BUP, R_BG_TX_METH, R_ESCALATE, R_HIV, R_IMIT,
    R_INCARCERATE, R_INNOV, R_METH_SHARE, R_NALOXONE, R_OD, R_OD_OCC_W, R_OD_TX_BUP, R_OD_TX_METH, R_POST_EXIT,
    R_POST_RELEASE, R_QUIT_DEP, R_QUIT_LIGHT, R_REFERRAL, R_REFERRAL_OCC, R_REFERRAL_TX, R_RELAPSE_DEP,
    R_RELAPSE_LIGHT, R_RELEASE, R_RELEASE_DEP, R_TX_DONE, R_TX_DROP, R_TX_ENTRY, R_BYSTANDER, R_HIV_TX, R_OD_PRISON,
    R_TX_DROP_METH, R_PRISON_OAT, R_PRISON_OAT_RR, R_PRISON_OAT_TX,
)
from model.world import GROUPS


def user_rates(model) -> np.ndarray:
    """This month's rates[market, group, :] from the users' counts, the programmes' activity and the markets."""
    b, p = model.baseline, model.params
    users = model.users
    counts = users.people_counts()
    scale = users.people.scale
    rates = np.zeros((len(b.markets), len(GROUPS), N_RATES))
    light, reachable = _imitation_reach(users.people, len(b.markets))
    for mi, m in enumerate(b.markets):
        cover = _programme_cover(model, m)
        places = treatment_places(model, m)
        prevalence = users.hiv.prevalence_ratio(mi)
        for gi, g in enumerate(GROUPS):
            if (m, g) not in b.users:
                continue
            occ, dep, tx = (counts[mi, gi, k] * scale for k in (1, 2, 3))
            r = rates[mi, gi]
            u = b.users[(m, g)]
            price = model.markets.price_index(m, g)
            _initiation_and_quitting(r, u, p, price, cover["prevention"], users.memory_y[(m, g)], occ,
                                     counts[mi, gi, 0] * scale, reachable[mi, gi], light[mi, gi])
            _treatment_and_justice(r, u, p, cover, places.get(g, 0.0), dep, tx)
            if g == "opioid":  # agonist treatment in prison is for opioid dependence
                _prison_treatment(r, p, prison_oat_places(model, m), users.prison_dep, mi, gi, scale)
            _overdose(r, u, p, g, cover, model.markets.scarcity.get((m, g), 1.0),
                      model.markets.fentanyl_share[m], model.markets.fentanyl_share0[m])
            if g == "opioid":  # naloxone reverses opioid overdoses
                r[R_NALOXONE] = users.kits.reversed_given_bystander(m, _would_be_fatal(r, u, occ, dep, tx))
            _hiv(r, u, p, cover, prevalence)
    return rates


def _imitation_reach(people, n_markets: int) -> tuple[np.ndarray, np.ndarray]:
    """Light users by (market, group), and those of them whose peer group has a susceptible person of their
    drug. Imitation happens within peer groups, so light users with no one to recruit recruit no one: the
    imitation rate is scaled up by the share that can (the aggregate stays LHY's)."""
    pg_market = people.market[:: people.group_size][: people.peer_light.shape[0]]
    reachable = np.zeros((n_markets, len(GROUPS)))
    light = np.zeros((n_markets, len(GROUPS)))
    for gi in range(len(GROUPS)):
        lg = people.peer_light[:, gi]
        light[:, gi] = np.bincount(pg_market, weights=lg, minlength=n_markets)
        reachable[:, gi] = np.bincount(pg_market, weights=lg * (people.peer_never[:, gi] > 0), minlength=n_markets)
    return light, reachable


def _programme_cover(model, m: str) -> dict:
    """What the demand-side programmes and domestic enforcement buy in market ``m`` this month."""
    p, md, enf = model.params, model.world.data[m], model.enforcement
    reach = md.get("prevention_reach", 0.0) * enf.effect("prevention", m)
    return {
        "prevention": (1.0 - p["user.prevention_max_effect"] * min(1.0, reach)) / (
            1.0 - p["user.prevention_max_effect"] * md.get("prevention_reach", 0.0)),
        "ssp": min(0.95, md.get("ssp_coverage", 0.0) * enf.effect("ssp", m)),
        "ssp0": md.get("ssp_coverage", 0.0),
        "drug_checking": min(0.95, md.get("drug_checking_coverage", 0.0) * enf.effect("drug_checking", m)),
        "drug_checking0": md.get("drug_checking_coverage", 0.0),
        "arrest_ratio": enf.effect("domestic_enforcement", m),
        "decriminalized": bool(model.policy.switch("decriminalize_possession", m)),
    }


def _initiation_and_quitting(r, u, p, price, prevention, ymem, occ, never_people, reachable, light) -> None:
    """Initiation by innovators and imitation (LHY: deterred by the memory of heavy use); quitting,
    escalation and relapse."""
    e_part = p["user.participation_price_elasticity"]
    occ0 = u["occasional"]
    if p["user.lhy_s_per_year"] > 0:
        # the LHY experiment: Behrens et al.'s deterrence exp(-q Y/L), absolute
        deter = exp_clip(-p["user.lhy_q"] * ymem / max(occ, 1.0), -50.0, 5.0) / exp_clip(
            -p["user.lhy_q"] * u["y0"] / max(occ0, 1.0), -50.0, 5.0)
    else:
        # relative to 2021 (see docs/ODD.md: LHY's q was estimated where Y/L was ~0.3, not ~5)
        ratio = (ymem / max(occ, 1.0)) / (u["y0"] / max(occ0, 1.0))
        deter = min(20.0, ratio ** -p["user.deterrence_elasticity"])
    factor = price ** e_part * prevention
    r[R_INNOV] = min(1.0, u["innov_people"] * factor / never_people) if never_people > 0 else 0.0
    reach = reachable / light if reachable > 0 else 1.0
    r[R_IMIT] = u["imit_per_light"] * factor * deter / reach
    quit = price ** -e_part
    r[R_QUIT_LIGHT] = min(0.5, u["quit_light"] * quit)
    r[R_ESCALATE] = u["escalate"]
    r[R_QUIT_DEP] = min(0.5, u["quit_dep"] * quit)
    r[R_RELAPSE_DEP] = u["relapse_dep"]
    r[R_RELAPSE_LIGHT] = u["relapse_light"]


def _treatment_and_justice(r, u, p, cover, slots, dep, tx) -> None:
    """Treatment keeps its places full; arrest, or under decriminalization referral to treatment; prison."""
    # treatment keeps its places full: entries replace exits and fill new places
    exits = tx * (u["tx_drop_mix"] + u["tx_done"] + u["bg_tx"])
    r[R_TX_ENTRY] = min(0.5, max(0.0, slots - tx + exits) / dep) if dep > 0 else 0.0
    r[R_TX_DROP] = u["tx_drop"]
    r[R_TX_DROP_METH] = u["tx_drop_meth"]
    r[R_TX_DONE] = u["tx_done"]
    # arrest; under decriminalization possession arrests become referrals to treatment
    arrest = u["arrest_dep"] * cover["arrest_ratio"]
    poss = p["user.possession_arrest_share"] if cover["decriminalized"] else 0.0
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


def _prison_treatment(r, p, places, prison_dep, mi, gi, scale) -> None:
    """Agonist treatment begun in prison: the share of people with a history of opioid dependence it reaches
    (its places over them), their overdose hazard ratio in the month after release, and their chance of
    entering community treatment that month (Marsden et al. 2017: odds ratio 2.47 over a dependent user's
    monthly entry)."""
    people = prison_dep[mi, gi] * scale if prison_dep is not None else 0.0
    r[R_PRISON_OAT] = min(1.0, places / people) if people > 0 else 0.0
    r[R_PRISON_OAT_RR] = p["user.prison_oat_post_release_rr"]
    odds = p["user.prison_oat_treatment_entry_or"] * r[R_TX_ENTRY] / (1.0 - r[R_TX_ENTRY])
    r[R_PRISON_OAT_TX] = odds / (1.0 + odds)


def _overdose(r, u, p, g, cover, scarcity, fs, fs0) -> None:
    """Overdose hazard a month (fatal without naloxone), scaled by the potency and purity of the supply and
    cut by drug checking; treatment's and lost tolerance's multipliers; other-cause deaths."""
    pur = (scarcity ** (-p["market.purity_response"])) ** p["user.purity_overdose_elasticity"]
    dc, dc0 = cover["drug_checking"], cover["drug_checking0"]
    wf = p["user.fentanyl_overdose_weight"]
    if g == "opioid":
        potency = ((1 - fs) + fs * wf) / ((1 - fs0) + fs0 * wf)
        checking = (1 - dc * p["user.drug_checking_effect"] * fs) / (1 - dc0 * p["user.drug_checking_effect"] * fs0)
    else:
        c = p["user.stimulant_fentanyl_contamination"]
        potency = (1 + c * fs) / (1 + c * fs0)
        checking = (1 - dc * p["user.drug_checking_effect"] * c * fs / (1 + c * fs)) / (
            1 - dc0 * p["user.drug_checking_effect"] * c * fs0 / (1 + c * fs0))
    r[R_OD] = min(0.5, u["od"] * potency * pur * checking)
    r[R_OD_OCC_W] = u["od_occ_w"]
    r[R_OD_TX_METH] = u["rr_meth"]
    r[R_OD_TX_BUP] = u["rr_bup"]
    r[R_POST_EXIT] = u["post_exit"]
    r[R_POST_RELEASE] = u["post_release"]
    r[R_BYSTANDER] = p["user.overdose_bystander_share"]
    r[R_OD_PRISON] = u["od_prison"]
    r[R_BG_DEATH] = u["bg"]
    r[R_BG_TX_METH] = u["bg_rr_meth"]
    r[R_BG_TX_BUP] = u["bg_rr_bup"]
    r[R_METH_SHARE] = u["meth_share"]


def _hiv(r, u, p, cover, prevalence_ratio: float) -> None:
    """HIV transmission scales with prevalence among injectors (over the start's; hiv.py) and syringe-service
    coverage; in agonist treatment it is lower by its own rate ratio (MacArthur et al. 2012), the two effects
    multiplied."""
    ssp, ssp0 = cover["ssp"], cover["ssp0"]
    hiv_f = (1 - ssp * (1 - p["user.ssp_hiv_rr"])) / (1 - ssp0 * (1 - p["user.ssp_hiv_rr"]))
    r[R_HIV] = min(0.5, u["hiv"] * hiv_f * prevalence_ratio)
    r[R_HIV_TX] = r[R_HIV] * u["hiv_tx_rr"]  # agonist treatment's own effect, on top of syringe services'


def _would_be_fatal(r, u, occ, dep, tx) -> float:
    """Would-be-fatal opioid overdoses a month: 2021's, scaled by this month's hazard and exposure (the users
    out of treatment, occasional users' weight, and treatment's multipliers) over 2021's."""
    exposure = dep + u["od_occ_w"] * occ + tx * (u["meth_share"] * u["rr_meth"] + (1 - u["meth_share"]) * u["rr_bup"])
    base = u["od"] * u["exposure0"]
    return u["potential0"] * r[R_OD] * exposure / base if base > 0 else 0.0


def treatment_places(model, m: str) -> dict:
    """Treatment places in market ``m`` by drug group: the treatment programme's activity (places), shared
    like the 2021 places, except that places above the 2021 capacity go to the group named by
    ``agency.treatment_new_places_to`` when it has users there."""
    b = model.baseline
    tx0 = {g: b.users[(m, g)]["treatment"] for g in GROUPS if (m, g) in b.users}
    total0 = sum(tx0.values())
    if total0 <= 0:
        return {g: 0.0 for g in tx0}
    a = model.enforcement.agency.get(("treatment", m))
    total = a.activity if a else total0
    to = model.params["agency.treatment_new_places_to"]
    if to != "as_2021" and to in tx0 and total > total0:
        return {g: v + (total - total0 if g == to else 0.0) for g, v in tx0.items()}
    return {g: total * v / total0 for g, v in tx0.items()}


def prison_oat_places(model, m: str) -> float:
    """People-years of agonist treatment in prison the treatment budget buys in market ``m`` (its share
    ``agency.treatment_split_prison``)."""
    a = model.enforcement.agency.get(("treatment_prison", m))
    return a.activity if a else 0.0
