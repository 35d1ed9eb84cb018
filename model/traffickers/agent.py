"""Trafficker: a trafficking organization.

Each month an organization
- buys its share of the harvest (leaf and paste, opium) in the producer
  countries it controls, and of the labs' output where it runs synthetic labs;
- ships to consumer markets along routes chosen by the expected loss it has
  learned from its own recent seizures (adaptive routing: when interdiction
  rises on one route or mode, flow moves to others within months). Each
  shipment is split into loads, smaller where the expected loss has risen;
  a path is used only for whole loads; each load may be seized in any
  country it crosses;
- sells at the destination's wholesale price, pays the farm gate and
  transport, and keeps the rest as capital; a share of each month's revenue is
  laundered, and financial targeting seizes part of that and of the assets
  held. Product and transport are paid from capital before the sale, so an
  organization buys and ships only what its working capital covers;
- recruits members in proportion to its cash flow and to replace those
  removed, and loses members to incarceration (more where enforcement is
  stronger) and to violence; removals of members and of leaders open
  succession contests, which raise its violence.
Rivalry between organizations sharing a country, and the splitting of an
organization whose leaders are removed, are handled by the room
(model/traffickers/__init__.py: violence and leadership), since they involve
several organizations at once.
"""

from __future__ import annotations


import mesa
import numpy as np

from model import rng
from model.markets.routes import mean_load, route_weights, used_paths


class Trafficker(mesa.Agent):
    def __init__(self, model, home: str, members: float, capital: float):
        super().__init__(model)
        self.draw_id = model.next_draw_id()  # keys this organization's random draws (not unique_id, which
        self.home = home                       # depends on how many other agents exist)
        self.members = members
        self.capital = capital
        self.expected_loss: dict[tuple[str, str], np.ndarray] = {}
        self.revenue = 0.0
        self.profit = 0.0
        self.recruits = 0.0
        self.profit_ref: float | None = None
        self.contest = 0.0  # succession contest: 1 = as just after its leaders' removal

    # --- what an organization does each month -----------------------------------------
    def step(self) -> None:
        m = self.model
        mkt, room = m.markets, m.traffickers
        self.revenue = 0.0
        costs = 0.0
        # financial targeting freezes part of the laundered assets held as well as of the month's proceeds
        rate = m.enforcement.financial_seizure_rate() * m.params["trafficker.laundered_share"]
        frozen = rate * self.capital
        self.capital -= frozen
        buys = {(o, d): produced * room.territory_share(self, o, m.t)
                for (o, d), produced in mkt.production.items() if produced > 0.0}
        funded = self.funded_share(buys)
        for (origin, drug), kg in buys.items():
            if kg <= 0.0:
                continue
            mkt.routes.lost[drug] += kg * (1.0 - funded)  # what it cannot pay for stays unsold at the source
            kg *= funded
            costs += kg * mkt.source_price(origin, drug)
            for market, s in mkt.ship_shares(origin, drug).items():
                if s > 0.0:
                    costs += self.ship(origin, market, drug, kg * s)
        seized_assets = rate * max(self.revenue, 0.0)
        room.assets_seized += seized_assets + frozen
        self.profit = self.revenue - costs - seized_assets
        # capital is spent as well as earned (members, bribes, investment): it settles at
        # trafficker.capital_months of profit instead of growing without end
        self.capital = max(0.0, self.capital + self.profit - self.capital / m.params["trafficker.capital_months"])
        self.update_members()

    def funded_share(self, buys: dict) -> float:
        """Share of this month's purchases its working capital pays for: product and transport are paid
        before the sale, so an organization whose assets are seized buys and ships less."""
        mkt = self.model.markets
        need = 0.0
        for (origin, drug), kg in buys.items():
            need += kg * (mkt.source_price(origin, drug) + mkt.shipping_cost(origin, drug))
        return min(1.0, self.capital / need) if need > 0.0 else 1.0

    def ship(self, origin: str, market: str, drug: str, kg: float) -> float:
        """Send ``kg`` from ``origin`` to ``market``; returns transport cost. Seizures are drawn per load."""
        m = self.model
        w, p = m.world, m.params
        mkt, routes = m.markets, m.markets.routes
        paths = w.paths[(origin, market)]
        key = (origin, market)
        if key not in self.expected_loss:
            self.expected_loss[key] = np.array([routes.path_loss_now(pth) for pth in paths])
        el = self.expected_loss[key]
        value = mkt.wholesale_price(market, drug)
        transport = routes.path_costs(origin, market)[0]
        weights = route_weights(w, routes.hazard, paths, value, p["trafficker.route_sensitivity"],
                                p["market.lost_fraction"], expected_loss=el, transport=transport)
        loads = np.array([mean_load(p, w.drugs[drug]["load_kg"], pth.node_modes[0], routes.loss0(pth), el[j])
                          for j, pth in enumerate(paths)])
        xs = used_paths(kg * weights, loads, p["trafficker.min_loads_on_path"], routes.path_use_draws(len(paths)))
        cost = 0.0
        lr = p["trafficker.route_learning_rate"]
        for j, (pth, x) in enumerate(zip(paths, xs)):
            if x <= 1e-9:
                continue
            seized_kg = routes.seize(pth, drug, x, loads[j], value)
            arrived = (x - seized_kg) * (1.0 - p["market.lost_fraction"])
            routes.lost[drug] += (x - seized_kg) - arrived
            mkt.in_transit_next[(market, drug)] += arrived
            routes.flow[pth] = routes.flow.get(pth, 0.0) + x
            self.revenue += arrived * value
            cost += x * transport[j]
            el[j] = (1.0 - lr) * el[j] + lr * (seized_kg / x)
        return cost

    def update_members(self) -> None:
        """Recruit from cash flow and to replace those removed; lose members to prison (enforcement at home)
        and attrition. Removals open a succession contest (decaying over trafficker.contest_months)."""
        m = self.model
        p = m.params
        cash = self.profit / self.members if self.members > 0 else 0.0
        if self.profit_ref is None:  # its own 2021 profit per member: recruitment is relative to it
            self.profit_ref = max(cash, 1e-9)
        ref = self.profit_ref
        drive = min(3.0, max(0.0, cash / ref)) if ref > 0 else 1.0
        jailed = (self.members * p["trafficker.incarceration_per_member"] * p["trafficker.member_removal_multiplier"]
                  * m.enforcement.enforcement_index(self.home))
        # the 2021 recruitment replaces the 2021 removals; only the rest follows cash flow
        replaced0 = p["trafficker.replacement_share"] * p["trafficker.incarceration_per_member"]
        growth = max(0.0, p["trafficker.recruitment_per_member"] - replaced0)
        self.recruits = self.members * growth * drive + p["trafficker.replacement_share"] * jailed
        attrition = self.members * m.traffickers.member_attrition
        self.contest = (self.contest * (1.0 - 1.0 / p["trafficker.contest_months"])
                        + p["trafficker.contest_per_member_removed"] * jailed / max(self.members, 1.0))
        self.members = max(1.0, self.members + self.recruits - jailed - attrition)

    # --- leadership removal splits an organization -------------------------------------
    def split(self) -> "Trafficker":
        """Leaders removed: a faction breaks away with half the members and capital."""
        child = Trafficker(self.model, self.home, self.members / 2.0, self.capital / 2.0)
        child.expected_loss = {k: v.copy() for k, v in self.expected_loss.items()}
        child.profit_ref = self.profit_ref
        self.contest += 1.0  # the removed leaders' succession is contested, by the breakaway faction too
        child.contest = self.contest
        self.members /= 2.0
        self.capital /= 2.0
        return child

    def absorb(self, other: "Trafficker") -> None:
        """A rival is taken over: its members and capital join this organization."""
        self.members += other.members
        self.capital += other.capital
        other.remove()


def leadership_draw(model, org: Trafficker) -> float:
    return rng.uniform_py(model.draw_keys["org"], 2 * org.draw_id)


def merge_draw(model, country_index: int) -> float:
    return rng.uniform_py(model.draw_keys["org"], 2 * (10_000_000 + country_index) + 1)


