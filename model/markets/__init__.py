"""The markets: stocks, prices and flows of each drug from the farm gate or lab to retail.

What is here: the price chain's formulas (prices.py), the month's retail clearing (retail.py), the supply
response of farm-gate prices and lab capacity (supply.py), routes and seizures (routes.py, with the
seizure loop in seizures.py) and the output columns (outputs.py). ``Markets`` holds the state.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from model.markets.outputs import market_columns
from model.markets.retail import clear_retail
from model.markets.routes import Routes, path_hazard, route_weights
from model.markets.supply import respond
from model.world import DRUGS, GROUP_DRUGS, GROUPS


class Markets:
    """Inventories, shipments in transit, prices, production and lab capacity; ``routes`` keeps the
    month's seizures. Quantities in kg pure a month; retail prices in USD per pure kg."""

    def __init__(self, model, hazard: dict):  # hazard: seizure hazard per (country, mode), kept by enforcement
        b, p, w = model.baseline, model.params, model.world
        self.baseline, self.params, self.world = b, p, w
        self.markets, self.all_markets = b.markets, b.all_markets
        self.routes = Routes(w, hazard, b.mode_hazard0, p["market.lost_fraction"], p["route.load_size_sigma"])
        cover = p["market.inventory_cover_months"]
        self.inventory, self.in_transit = {}, {}
        for m in self.all_markets:
            for d in DRUGS:
                c0 = b.consumption0.get((m, d), 0.0)
                self.inventory[(m, d)] = cover * c0
                self.in_transit[(m, d)] = b.delivered0.get((m, d), 0.0)
        self.in_transit_next = defaultdict(float)  # shipments arriving next month
        self.scarcity = {(m, g): 1.0 for m in self.all_markets for g in GROUPS}
        self.consumed = {(m, d): b.consumption0.get((m, d), 0.0) for m in self.all_markets for d in DRUGS}
        self.retail = {k: v["retail"] * 1000.0 for k, v in b.prices0.items()}
        self.purity = {k: v["purity"] for k, v in b.prices0.items()}
        self.retail_cost = dict(self.retail)  # the markup chain's price before scarcity
        self.wholesale = {k: v["wholesale"] for k, v in b.prices0.items()}
        self.farmgate = {d: w.farmgate[d] for d in DRUGS}  # USD per kg: leaf/paste or opium; labs' producer price
        self.expected_farmgate = dict(self.farmgate)        # what farmers expect (smoothed)
        self.supply_price = dict(self.farmgate)             # plant drugs: long-run supply price set by entry
        self.production = dict(b.production0)               # (origin, drug) -> kg this month
        self.lab_capacity = dict(b.lab_capacity0)
        self.relocated = {}  # (origin, drug) -> {market: kg a month taken up from labs scheduled elsewhere}
        self.heroin_expected = {m: b.delivered0.get((m, "heroin"), 0.0) for m in self.all_markets}
        self.fentanyl_share = {m: self.fent_share(b.consumption0.get((m, "heroin"), 0.0),
                                                  b.consumption0.get((m, "fentanyl"), 0.0)) for m in self.all_markets}
        self.fentanyl_share0 = dict(self.fentanyl_share)
        self.wants = {}  # (market, drug) -> wanted deliveries relative to 2021 (1 = as in 2021)
        self._weights0 = {}  # 2021 route weights for loss_now
        self._shipping, self._shipping_wants = {}, None  # ship shares and costs under the wants they follow
        self.balance = {}

    # ------------------------------------------------------------------ the month
    def new_month(self, seed: int, t: int) -> None:
        self.routes.new_month(seed, t)
        self._stock_before = self.total_stock()

    def step(self, model) -> None:
        """Clear retail markets, then the supply response (farm-gate prices, lab capacity)."""
        clear_retail(self, model)
        respond(self, model)

    def close_month(self) -> None:
        """Each drug's account of the month: produced, seized, consumed, lost on the way, change in stock."""
        stock = self.total_stock()
        produced = {d: sum(v for (o, dd), v in self.production.items() if dd == d) for d in DRUGS}
        self.balance = {d: (produced[d], self.routes.seized_total(d), sum(self.consumed[(m, d)] for m in self.all_markets),
                            self.routes.lost[d], stock[d] - self._stock_before[d]) for d in DRUGS}

    def columns(self, model) -> dict:
        return market_columns(self, model)

    # ------------------------------------------------------------------ what traffickers see
    def source_price(self, origin: str, drug: str) -> float:
        if self.world.drugs[drug]["kind"] == "plant":
            crop = self.world.crop_of(drug)
            return (self.farmgate[drug] * self.world.data[origin]["crops"][crop]["farmgate_multiplier"]
                    * self.params["market.farmgate_shock"])
        return self.farmgate[drug]

    def ship_shares(self, origin: str, drug: str) -> dict:
        """Where an origin's output goes: 2021 shares, tilted towards markets that want more than in 2021."""
        return self._for_shipping(origin, drug)[0]

    def shipping_cost(self, origin: str, drug: str) -> float:
        """USD per kg to ship an origin's output to its markets (``ship_shares``), each by its cheapest path."""
        return self._for_shipping(origin, drug)[1]

    def _for_shipping(self, origin: str, drug: str) -> tuple[dict, float]:
        # every organization reads these many times a month: kept until retail clearing sets new wants
        if self._shipping_wants is not self.wants:
            self._shipping, self._shipping_wants = {}, self.wants
        out = self._shipping.get((origin, drug))
        if out is None:
            base = self.baseline.ship_share0.get((origin, drug), {})
            moved = self.relocated.get((origin, drug))
            if moved and any(moved.values()):  # its own markets by 2021 output, and the supply it took up
                q0 = self.baseline.production0.get((origin, drug), 0.0)
                raw = {m: q0 * s * self.wants.get((m, drug), 1.0) for m, s in base.items()}
                for m, kg in moved.items():
                    raw[m] = raw.get(m, 0.0) + kg
            else:
                raw = {m: s * self.wants.get((m, drug), 1.0) for m, s in base.items()}
            tot = sum(raw.values())
            shares = {m: v / tot for m, v in raw.items()} if tot > 0 else base
            cost = sum(s * self.routes.path_costs(origin, m)[1] for m, s in shares.items() if s > 0.0)
            out = self._shipping[(origin, drug)] = (shares, cost)
        return out

    def wholesale_price(self, market: str, drug: str) -> float:
        return self.wholesale.get((market, drug), 0.0)

    # ------------------------------------------------------------------ what the price chain reads
    def loss_now(self, m: str, d: str) -> float:
        """Share of a shipment to ``m`` lost on the way at today's hazards (2021 route weights; = loss0 in 2021)."""
        b, p = self.baseline, self.params
        losses = []
        for o in b.sources(m, d):  # the 2021 sources: the chain's markups were set on their losses
            paths = self.world.paths[(o, m)]
            # the 2021 weights change only with the two parameters they read (which events may set)
            key = (o, m, d, p["trafficker.route_sensitivity"], p["market.lost_fraction"])
            wts = self._weights0.get(key)
            if wts is None:
                wts = self._weights0[key] = route_weights(self.world, b.mode_hazard0, paths, b.prices0[(m, d)]["wholesale"],
                                                          key[3], key[4])
            losses.append(float(sum(wt * self.routes.path_loss_now(pth) for wt, pth in zip(wts, paths))))
        return float(np.mean(losses)) if losses else 0.0

    def transit_intensity(self, m: str, d: str) -> float:
        """Seizure hazard along the paths to ``m`` relative to 2021."""
        origins = [o for o in self.world.origins(d) if (o, m) in self.world.paths
                   and (self.world.drugs[d]["kind"] == "plant" or self.baseline.production0.get((o, d), 0.0) > 0.0)]
        hazard, hazard0 = self.routes.hazard, self.baseline.mode_hazard0
        hs = [path_hazard(hazard, pth) for o in origins for pth in self.world.paths[(o, m)]]
        h0 = [path_hazard(hazard0, pth) for o in origins for pth in self.world.paths[(o, m)]]
        return (sum(hs) / sum(h0)) if sum(h0) > 0 else 1.0

    def cost_index(self, m: str, g: str) -> float:
        """Last month's retail cost price of the group's drugs relative to 2021 (consumption-weighted)."""
        return self._index(m, g, self.retail_cost)

    def price_index(self, m: str, g: str) -> float:
        """Retail price of the group's drugs relative to 2021 (consumption-weighted)."""
        return self._index(m, g, self.retail)

    def _index(self, m: str, g: str, prices: dict) -> float:
        b = self.baseline
        drugs = [d for d in GROUP_DRUGS[g] if (m, d) in b.prices0]
        w = [b.consumption0.get((m, d), 0.0) * (self.params["market.fentanyl_potency"] if d == "fentanyl" else 1.0)
             for d in drugs]
        if sum(w) <= 0:
            return 1.0
        return sum(wi * prices[(m, d)] / (b.prices0[(m, d)]["retail"] * 1000.0) for wi, d in zip(w, drugs)) / sum(w)

    def fent_share(self, heroin: float, fent: float) -> float:
        """Fentanyl's share of an opioid supply, in heroin-equivalent kg."""
        he = heroin + self.params["market.fentanyl_potency"] * fent
        return self.params["market.fentanyl_potency"] * fent / he if he > 0 else 0.0

    def demand(self, users) -> dict:
        """Heroin-equivalent kg a month each (market, group) would consume at 2021 prices: the users' own,
        and the 2021 consumption of markets without user agents."""
        out = users.demand(self.baseline)
        for m in self.world.exo_markets:
            out[(m, "cocaine")] = self.baseline.consumption0.get((m, "cocaine"), 0.0)
            out[(m, "opioid")] = self.baseline.consumption0.get((m, "heroin"), 0.0)
        return out

    def total_stock(self) -> dict:
        return {d: sum(self.inventory[(m, d)] + self.in_transit[(m, d)] + self.in_transit_next.get((m, d), 0.0)
                       for m in self.all_markets) for d in DRUGS}
