"""The price chain from farm gate to retail, and monthly retail clearing: the formulas.

Prices form multiplicatively along the chain (Caulkins & Reuter): each stage
adds its business costs and an enforcement-risk premium, and divides by the
share of product that survives seizure and loss:

    wholesale = (source + business_wh + risk_wh x I_transit^e) / (1 - loss today)
    retail    = (wholesale + business_ret + risk_ret x I_retail^e) x scarcity

with I the enforcement intensity relative to 2021 and e
``market.risk_cost_elasticity``. A farm-gate price shock adds its few hundred
dollars to a retail price near $200,000 per kg, so it barely moves; retail
enforcement scales the largest term.

Each month a retail market releases a fixed share of its stock (inventory and
arrivals). Users' demand at the cost price is D_ref (P_cost/P_cost,2021)^e,
so enforcement that raises costs lowers consumption; the price per pure gram
then clears what is released against that demand, D(P) = D_cost (P/P_cost)^e,
and dealers absorb part of a shortage by cutting purity
(``market.purity_response``). Traffickers' deliveries follow D_cost, so supply
adjusts to the cost-price demand over months. Opioids are cleared in
heroin-equivalent grams, so fentanyl and heroin share one scarcity.
"""

from __future__ import annotations

import math


def clear(stock_he: float, demand_ref_he: float, cover: float, elasticity: float, max_scarcity: float):
    """Return (consumed heroin-equivalent kg, scarcity multiplier on the cost price)."""
    if stock_he <= 0.0:
        return 0.0, max_scarcity
    release = stock_he / (cover + 1.0)
    if demand_ref_he <= 0.0:
        return 0.0, 1.0 / max_scarcity
    scarcity = (demand_ref_he / release) ** (1.0 / -elasticity)
    scarcity = min(max_scarcity, max(1.0 / max_scarcity, scarcity))
    consumed = min(release, demand_ref_he * scarcity ** elasticity)
    return consumed, scarcity


def wholesale_cost(source: float, markup: dict, loss: float, transit_intensity: float, e: float) -> float:
    """Wholesale cost price at the destination, USD per pure kg."""
    add = markup["wh_business"] + markup["wh_risk"] * transit_intensity ** e
    return (source + add) / max(1e-6, 1.0 - loss)


def retail_cost(wholesale: float, markup: dict, retail_intensity: float, e: float) -> float:
    """Retail cost price before scarcity, USD per pure kg."""
    return wholesale + markup["ret_business"] + markup["ret_risk"] * retail_intensity ** e


def farmgate_update(price: float, wanted: float, harvested: float, adjust: float, supply_price: float,
                    anchor: float) -> float:
    """The farm-gate price: it rises when traffickers want more than the harvest and falls when less
    (``adjust``: elasticity a month, the move capped at x1.25 and x0.8), and closes ``anchor`` of its log
    gap to the long-run supply price each month (error correction: free entry brings it back)."""
    ratio = 1.25 if harvested <= 0.0 else min(1.25, max(0.8, (wanted / harvested) ** adjust))
    pull = (supply_price / price) ** anchor if price > 0.0 and supply_price > 0.0 else 1.0
    return price * ratio * pull


def anchor_weight(half_life_months: float) -> float:
    """Share of the log gap to the long-run supply price closed a month, from its half-life in months."""
    return 1.0 - 0.5 ** (1.0 / half_life_months)


def exp_clip(x: float, lo: float = -5.0, hi: float = 5.0) -> float:
    return math.exp(min(hi, max(lo, x)))
