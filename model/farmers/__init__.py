"""Coca and poppy farming households, and the frontier plots outside them: the farmers' room.

What is here: the households and frontier plots as arrays (households.py), their rule as one agent's Mesa
class (agent.py, the reference path) and as a numba kernel over all of them (kernel.py), the monthly inputs
the rule reads and the calibration of its intercept and of the frontier (rates.py), and the output columns
(outputs.py). ``Farmers`` below holds the room's state and plays its part of the month.
"""

from __future__ import annotations

import numpy as np

from model.farmers.agent import Farmer
from model.farmers.households import make_farmers
from model.farmers.kernel import step_farmers
from model.farmers.outputs import farmer_columns
from model.farmers.rates import (
    cell_rates, country_rates, eradication_effort, expected_loss, farm_alpha, frontier_calibration, illicit_incomes,
    licit_incomes,
)
from model.world import CROP_DRUG


class Farmers:
    """The arrays and, per municipality (cell) and per country, what their rule reads."""

    def __init__(self, model, n_agents: int, expected_farmgate: dict):
        w, p = model.world, model.params
        # 2021 manual eradication and spraying chances a month, and the trust they leave where they come
        # without an alternative
        self.p_erad0, self.p_spray0, trust0 = {}, {}, {}
        for c, crop in w.producers:
            cs = w.data[c]["crops"][crop]
            pe = cs["eradicated_ha_per_year"] / 12.0 / cs["ha"] if cs["ha"] > 0 else 0.0
            ps = cs.get("sprayed_ha_per_year", 0.0) / 12.0 / cs["ha"] if cs["ha"] > 0 else 0.0
            self.p_erad0[c], self.p_spray0[c] = pe, ps
            trust0[c] = min(1.0, max(0.0, 0.5 - p["farmer.trust_loss_forced_eradication"] * (pe + ps)
                                     / max(p["farmer.trust_recovery_per_month"], 1e-9)))
        self.frontier0 = frontier_calibration(w, p, self.p_erad0)
        self.households = f = make_farmers(model.baseline, n_agents, model.seed, trust0,
                                           {c: v["area"] for c, v in self.frontier0.items()},
                                           {c: v["land"] for c, v in self.frontier0.items()})
        self.cell_country = np.repeat(np.arange(len(f.countries)), f.cell_n)
        n_cells = int(f.cell_lo[-1] + f.cell_n[-1])
        # perceived manual eradication and spraying risk a year, per cell: start at the 2021 risk
        self.perceived_risk = np.array([self.p_erad0[f.countries[ci][0]] * 12.0 for ci in self.cell_country])
        self.perceived_spray = np.array([self.p_spray0[f.countries[ci][0]] * 12.0 for ci in self.cell_country])
        # the area the eradication agency sees per cell (a detection lag behind the standing area)
        self.seen = np.bincount(f.cell, weights=f.illicit, minlength=n_cells).astype(float)
        # the entrant's break-even in 2021: reservation income = expected illicit income net of the 2021 loss
        self.licit0 = licit_incomes(self, w, p, 0)
        self.loss0 = np.array([float(expected_loss(np.array([12.0 * self.p_erad0[c]]), p,
                                                   np.array([12.0 * self.p_spray0[c]]))[0]) for c, _ in f.countries])
        self.reservation0 = illicit_incomes(self, w, expected_farmgate) * (1.0 - self.loss0)
        self.supply_price_ratio = np.ones(len(f.countries))
        self.xrates = np.zeros((n_cells, 0))
        self.rates = np.zeros((len(f.countries), 0))
        self.alpha = np.zeros(len(f.countries))
        self.alpha = farm_alpha(self, w, p, expected_farmgate)
        self.agents = [Farmer(model, i) for i in range(f.n)] if model.path == "reference" else None

    def step(self, model) -> dict:
        """Enrolment, eradication and spraying, planting, frontier entry and abandonment; returns the month's
        harvest, kg by (country, drug)."""
        w, p, f = model.world, model.params, self.households
        self.xrates = cell_rates(self, w, p, model.enforcement, model.markets.expected_farmgate, model.t)
        manual, _ = eradication_effort(self, w, model.enforcement)
        self.rates = country_rates(self, p, model.enforcement, model.policy, manual)
        if self.agents is None:
            step_farmers(f.cell, f.country, f.land, f.illicit, f.trust, f.risk_av, f.enrolled, f.coerced, f.frontier,
                         f.erad_age, f.spray_age, f.eradicated, f.sprayed, f.voluntary, f.deforested, f.replanted,
                         f.entered, f.abandoned, f.event, self.xrates, self.rates, f.cell_lo, f.cell_n, model.seed,
                         model.t)
        else:
            for a in self.agents:
                a.step()
        self._perceive_risk(p)
        # a sprayed plot stands but yields 1 - spray_yield_loss of its harvest while the spraying lasts
        effective = f.illicit * np.where(f.spray_age > 0, 1.0 - p["farmer.spray_yield_loss"], 1.0)
        ill = np.bincount(f.country, weights=effective, minlength=len(f.countries))
        shock = p["market.heroin_supply_shock"]
        harvest = {}
        for ci, (c, crop) in enumerate(f.countries):
            d = CROP_DRUG[crop]
            lost = shock if d == "heroin" else 0.0  # an exogenous disruption (experiment lever, T12)
            harvest[(c, d)] = ill[ci] * w.data[c]["crops"][crop]["yield"] / 12.0 * (1.0 - lost)
        return harvest

    def _perceive_risk(self, p) -> None:
        """Perceived manual eradication and spraying risk per cell: smoothed shares of the standing area
        destroyed and sprayed (a year); and the area the agency sees, a detection lag behind."""
        f = self.households
        n_cells = len(self.cell_country)
        erad = np.bincount(f.cell, weights=f.eradicated, minlength=n_cells)
        spray = np.bincount(f.cell, weights=f.sprayed, minlength=n_cells)
        area = np.bincount(f.cell, weights=f.illicit, minlength=n_cells)
        standing = area + erad
        share = np.divide(erad, standing, out=np.zeros(n_cells), where=standing > 0) * 12.0
        share_s = np.divide(spray, standing, out=np.zeros(n_cells), where=standing > 0) * 12.0
        wt = p["farmer.price_expectation_weight"]
        self.perceived_risk = (1 - wt) * self.perceived_risk + wt * np.minimum(share, 12.0)
        self.perceived_spray = (1 - wt) * self.perceived_spray + wt * np.minimum(share_s, 12.0)
        self.seen += (area - self.seen) / p["agency.eradication_detection_lag_months"]

    def supply_price_index(self, drug: str, weights: dict) -> float:
        """Long-run supply price of a plant drug relative to 2021: each producer's break-even price for entry
        (model/farmers/rates.py, cell_rates), weighted by ``weights`` (country -> share)."""
        f = self.households
        num = sum(weights.get(c, 0.0) * self.supply_price_ratio[ci] for ci, (c, crop) in enumerate(f.countries)
                  if CROP_DRUG[crop] == drug)
        den = sum(weights.get(c, 0.0) for c, crop in f.countries if CROP_DRUG[crop] == drug)
        return num / den if den > 0 else 1.0

    def columns(self, model) -> dict:
        return farmer_columns(self.households, model.world, model.params, model.markets, model.t)
