"""Production moves between the sources of a synthetic drug.

When the finished product is scheduled in a country (model/markets/labs.py), what its labs no longer
deliver to each market is taken up, over ``lab.relocation_months``, by the labs of the drug in the other
countries that reach the market and are not scheduled: fentanyl shipped from China by mail and express
consignment gave way to fentanyl made in Mexico after China's class-wide scheduling of 1 May 2019, and
fentanyl made in China could take up the supply again if Mexico's labs were shut. The labs taking up
the supply share it by their 2021 deliveries to the market, equally if none delivered in 2021.

``Markets.relocated[(origin, drug)]`` holds, by market, the kg a month the origin's labs are to make for
the supply they took up; their capacity then follows (model/markets/supply.py) and so do the shipments
(``Markets.ship_shares``).
"""

from __future__ import annotations

from collections import defaultdict

from model.markets.labs import output_factor


def relocate(mkt, model, d: str) -> None:
    """Move this month's share of the supply of ``d`` lost to scheduling towards the other sources."""
    b, p, w = model.baseline, model.params, model.world
    origins = w.origins(d)
    factor = {o: output_factor(model.policy, p, o) for o in origins}
    if all(f == 1.0 for f in factor.values()) and not any(any(mkt.relocated.get((o, d), {}).values())
                                                          for o in origins):
        return  # nothing scheduled and nothing moved: the 2021 sources as they are
    lost = defaultdict(float)  # market -> kg a month delivered there that scheduled labs no longer make
    for o in origins:
        if factor[o] < 1.0:
            for m, s in b.ship_share0.get((o, d), {}).items():
                lost[m] += (b.production0[(o, d)] * s * mkt.wants.get((m, d), 1.0) * (1.0 - factor[o])
                            * (1.0 - b.path_loss0.get((o, m, d), 0.0)))
    target = defaultdict(dict)  # origin -> market -> kg a month to make
    for m, kg in lost.items():
        takers = [o for o in origins if factor[o] == 1.0 and (o, m, d) in b.path_loss0]
        delivered0 = {o: b.production0[(o, d)] * b.ship_share0.get((o, d), {}).get(m, 0.0)
                      * (1.0 - b.path_loss0[(o, m, d)]) for o in takers}
        tot = sum(delivered0.values())
        for o in takers:
            wt = delivered0[o] / tot if tot > 0 else 1.0 / len(takers)
            target[o][m] = kg * wt / (1.0 - b.path_loss0[(o, m, d)])
    rate = 1.0 / p["lab.relocation_months"]
    for o in origins:
        cur = mkt.relocated.setdefault((o, d), {})
        for m in set(cur) | set(target[o]):
            cur[m] = cur.get(m, 0.0) + rate * (target[o].get(m, 0.0) - cur.get(m, 0.0))
    mkt._shipping_wants = None  # the ship shares follow the supply taken up
