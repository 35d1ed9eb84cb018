"""The markets' output columns: prices and purity, the fentanyl share, and kilograms consumed, produced and
seized. Prices without a market suffix are consumption-weighted means over the markets with user agents."""

from __future__ import annotations

import numpy as np

from model.world import DRUGS


def market_columns(mkt, model) -> dict:
    b, p, w = model.baseline, model.params, model.world
    out: dict = {}
    for d in DRUGS:
        mk = [x for x in mkt.markets if (x, d) in b.prices0]
        wts = np.array([b.consumption0.get((x, d), 0.0) for x in mk])
        wts = wts / wts.sum() if wts.sum() > 0 else np.ones(len(mk)) / max(1, len(mk))
        out[f"retail_price_{d}"] = float(sum(wt * mkt.retail[(x, d)] / 1000.0 for wt, x in zip(wts, mk)))
        out[f"retail_purity_{d}"] = float(sum(wt * mkt.purity[(x, d)] for wt, x in zip(wts, mk)))
        out[f"wholesale_price_{d}"] = float(sum(wt * mkt.wholesale[(x, d)] for wt, x in zip(wts, mk)))
        out[f"farmgate_price_{d}"] = mkt.farmgate[d]
        if d in mkt.supply_price and mkt.world.drugs[d]["kind"] == "plant":
            out[f"farmgate_supply_price_{d}"] = mkt.supply_price[d]
        out[f"retail_cost_price_{d}"] = float(sum(wt * mkt.retail_cost[(x, d)] / 1000.0 for wt, x in zip(wts, mk)))
        for x in mk:
            out[f"retail_price_{d}_{x}"] = mkt.retail[(x, d)] / 1000.0
            out[f"retail_purity_{d}_{x}"] = mkt.purity[(x, d)]
    he = {x: b.consumption0.get((x, "heroin"), 0.0) + p["market.fentanyl_potency"] * b.consumption0.get((x, "fentanyl"), 0.0)
          for x in mkt.markets}
    tot = sum(he.values())
    out["fentanyl_share"] = sum(he[x] * mkt.fentanyl_share[x] for x in mkt.markets) / tot if tot > 0 else 0.0
    routes = mkt.routes
    for d in DRUGS:
        out[f"consumption_kg_{d}"] = sum(mkt.consumed[(x, d)] for x in mkt.all_markets)
        out[f"production_kg_{d}"] = sum(v for (o, dd), v in mkt.production.items() if dd == d)
        out[f"seized_kg_{d}"] = routes.seized_total(d)
        for x in mkt.all_markets:
            out[f"consumption_kg_{d}_{x}"] = mkt.consumed[(x, d)]
        for o in w.origins(d):
            out[f"production_kg_{d}_{o}"] = mkt.production[(o, d)]
        crossed = _seizure_countries(w, d)
        for c in w.countries:
            if c in crossed:
                out[f"seized_kg_{d}_{c}"] = routes.seized_by.get((d, c), 0.0)
    return out


def _seizure_countries(w, d: str) -> set:
    """Countries a shipment of ``d`` can cross (where it can be seized)."""
    return {c for o in w.origins(d) for mk in w.all_markets for pth in w.paths.get((o, mk), []) for c in pth}
