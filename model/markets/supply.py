"""The supply response at the end of the month: farm-gate prices respond to the gap between what traffickers
want and the harvest and are pulled back to the long-run supply price that entry at the frontier sets; lab
capacity follows what traffickers want (and the supply it takes up from labs scheduled elsewhere,
relocation.py), and a precursor shortage raises the price of what labs can still make."""

from __future__ import annotations

from model.markets.prices import anchor_weight, farmgate_update
from model.markets.relocation import relocate
from model.markets.labs import output_factor
from model.world import DRUGS


def respond(mkt, model) -> None:
    b, p, w = model.baseline, model.params, model.world
    for d in DRUGS:
        origins = w.origins(d)
        target = 0.0
        for o in origins:
            for m, s in b.ship_share0.get((o, d), {}).items():
                target += b.production0[(o, d)] * s * mkt.wants.get((m, d), 1.0)
        if w.drugs[d]["kind"] == "plant":
            harvest = sum(mkt.production[(o, d)] for o in origins)
            weights = {o: b.production0[(o, d)] for o in origins}
            supply_price = w.farmgate[d] * model.farmers.supply_price_index(d, weights)
            mkt.supply_price[d] = supply_price
            mkt.farmgate[d] = farmgate_update(mkt.farmgate[d], target, harvest, p["market.farmgate_adjust"],
                                              supply_price, anchor_weight(p["market.farmgate_half_life_months"]))
            wt = p["farmer.price_expectation_weight"]
            mkt.expected_farmgate[d] = (1 - wt) * mkt.expected_farmgate[d] + wt * mkt.farmgate[d]
        else:
            relocate(mkt, model, d)
            for o in origins:
                want_o = sum(b.production0[(o, d)] * s * mkt.wants.get((m, d), 1.0)
                             for m, s in b.ship_share0.get((o, d), {}).items())
                moved = mkt.relocated.get((o, d))
                if moved:  # supply taken up from scheduled labs elsewhere
                    want_o += sum(moved.values())
                now = mkt.lab_capacity[(o, d)]
                mkt.lab_capacity[(o, d)] = max(0.0, now + p["market.supply_adjust"] * (want_o - now))
            # producer price: precursor shortages raise the cost of what labs can still make (of the
            # capacity finished-product scheduling leaves them)
            cap = sum(mkt.lab_capacity[(o, d)] * output_factor(model.policy, p, o) for o in origins)
            made = sum(mkt.production[(o, d)] for o in origins)
            short = cap / made if made > 0 else 5.0
            mkt.farmgate[d] = w.farmgate[d] * min(5.0, max(1.0, short))
