"""The month's retail clearing: arrivals join the stock, each market's drug groups clear against users'
demand (model/markets/prices.py has the formulas), prices and purity follow, and traffickers learn what
each market wants delivered next."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from model.markets.prices import clear, retail_cost, wholesale_cost
from model.world import DRUGS, GROUP_DRUGS, GROUPS


def clear_retail(mkt, model) -> None:
    """Clear every market's drug groups; set prices, purity, consumption, what traffickers want delivered
    next and the fentanyl share; move shipments due next month into transit."""
    b = model.baseline
    demand = mkt.demand(model.users)
    wants = {}
    for m in mkt.all_markets:
        for d in DRUGS:
            mkt.inventory[(m, d)] += mkt.in_transit[(m, d)]
        for g in GROUPS:
            drugs = [d for d in GROUP_DRUGS[g] if (m, d) in b.prices0]
            if not drugs:
                continue
            d_ref, stock_he, consumed_he, scar = _clear_group(mkt, model, m, g, drugs, demand)
            _set_prices(mkt, model, m, g, drugs, scar)
            _want(mkt, model, m, g, drugs, d_ref, stock_he, consumed_he, wants)
        if m in mkt.markets:
            mkt.fentanyl_share[m] = mkt.fent_share(mkt.consumed[(m, "heroin")], mkt.consumed[(m, "fentanyl")])
    mkt.wants = wants
    for (m, d) in list(mkt.in_transit):
        mkt.in_transit[(m, d)] = mkt.in_transit_next.get((m, d), 0.0)
    mkt.in_transit_next = defaultdict(float)


def _clear_group(mkt, model, m, g, drugs, demand):
    """Release part of the stock against users' demand at today's cost price; returns the demand, the stock
    and what was consumed (heroin-equivalent kg) and the scarcity multiplier."""
    p = model.params
    cover = p["market.inventory_cover_months"]
    eps = p["user.consumption_price_elasticity"]
    potency = p["market.fentanyl_potency"]
    pot = {d: (potency if d == "fentanyl" else 1.0) for d in drugs}
    stock_he = sum(mkt.inventory[(m, d)] * pot[d] for d in drugs)
    # users' demand at today's cost price (enforcement and seizures raise it) before scarcity
    d_ref = demand.get((m, g), 0.0) * mkt.cost_index(m, g) ** eps
    consumed_he, scar = clear(stock_he, d_ref, cover, eps, p["market.max_scarcity"])
    frac = consumed_he / stock_he if stock_he > 0 else 0.0
    for d in drugs:
        mkt.consumed[(m, d)] = mkt.inventory[(m, d)] * frac
        mkt.inventory[(m, d)] -= mkt.consumed[(m, d)]
    mkt.scarcity[(m, g)] = scar
    return d_ref, stock_he, consumed_he, scar


def _set_prices(mkt, model, m, g, drugs, scar) -> None:
    """Wholesale and retail prices along the chain, and purity (dealers cut it in a shortage). The retail
    risk premium follows domestic enforcement against the group's own market."""
    b, p = model.baseline, model.params
    e_risk = p["market.risk_cost_elasticity"]
    purity_factor = scar ** (-p["market.purity_response"])
    for d in drugs:
        mk = b.markups.get((m, d))
        if mk is None:
            continue
        src = np.mean([mkt.source_price(o, d) for o in b.sources(m, d)])
        transit_int = mkt.transit_intensity(m, d)
        wh = wholesale_cost(src, mk, mkt.loss_now(m, d), transit_int, e_risk)
        retail_int = model.enforcement.domestic_intensity(m, g) if m in mkt.markets else 1.0
        mkt.wholesale[(m, d)] = wh * scar ** (1.0 - p["market.purity_response"])
        mkt.retail_cost[(m, d)] = retail_cost(wh, mk, retail_int, e_risk)
        mkt.retail[(m, d)] = mkt.retail_cost[(m, d)] * scar
        mkt.purity[(m, d)] = min(0.99, b.prices0[(m, d)]["purity"] * purity_factor)


def _want(mkt, model, m, g, drugs, d_ref, stock_he, consumed_he, wants) -> None:
    """What traffickers want to deliver next, relative to 2021: demand relative to 2021, plus restocking.
    Fentanyl fills what heroin does not: the opioid market's wanted doses less the heroin expected."""
    b, p = model.baseline, model.params
    cover = p["market.inventory_cover_months"]
    potency = p["market.fentanyl_potency"]
    ratio = d_ref / b.users[(m, g)]["he0"] if (m, g) in b.users and b.users[(m, g)]["he0"] > 0 else 1.0
    restock_m = p["market.restock_months"]
    for d in drugs:
        base = b.delivered0.get((m, d), 0.0)
        if base <= 0:
            continue
        gap = (cover * b.consumption0.get((m, d), 0.0) * ratio - mkt.inventory[(m, d)]) / restock_m
        wants[(m, d)] = min(3.0, max(0.0, base * ratio + gap) / base)
    if "fentanyl" in drugs and b.delivered0.get((m, "fentanyl"), 0.0) > 0:
        he0 = b.delivered0.get((m, "heroin"), 0.0) + potency * b.delivered0[(m, "fentanyl")]
        want_he = he0 * ratio + (cover * b.users[(m, g)]["he0"] * ratio - stock_he + consumed_he) / restock_m
        mkt.heroin_expected[m] = 0.7 * mkt.heroin_expected[m] + 0.3 * mkt.in_transit[(m, "heroin")]
        want_f = max(0.0, want_he - mkt.heroin_expected[m]) / potency
        wants[(m, "fentanyl")] = min(3.0, want_f / b.delivered0[(m, "fentanyl")])
