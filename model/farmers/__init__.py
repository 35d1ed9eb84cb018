"""Coca and poppy farming households: the farmers' room.

What is here: the households as arrays (households.py), their rule as one household's Mesa agent
(agent.py, the reference path) and as a numba kernel over all of them (kernel.py), the monthly inputs the
rule reads and the calibration of its intercept (rates.py), and the output columns (outputs.py).
``Farmers`` below holds the room's state and plays its part of the month.
"""

from __future__ import annotations

import numpy as np

from model.farmers.agent import Farmer
from model.farmers.households import make_farmers
from model.farmers.kernel import step_farmers
from model.farmers.outputs import farmer_columns
from model.farmers.rates import country_rates, eradication_risk, farm_alpha, utilities
from model.world import CROP_DRUG


class Farmers:
    """The households' arrays and, per municipality (cell) and per country, what their rule reads."""

    def __init__(self, model, n_agents: int, expected_farmgate: dict):
        w, p = model.world, model.params
        # 2021 eradication risk a month, and the trust it leaves where eradication comes without an alternative
        self.p_erad0, trust0 = {}, {}
        for c, crop in w.producers:
            cs = w.data[c]["crops"][crop]
            pe = cs["eradicated_ha_per_year"] / 12.0 / cs["ha"] if cs["ha"] > 0 else 0.0
            self.p_erad0[c] = pe
            trust0[c] = min(1.0, max(0.0, 0.5 - p["farmer.trust_loss_forced_eradication"] * pe
                                     / max(p["farmer.trust_recovery_per_month"], 1e-9)))
        self.households = f = make_farmers(model.baseline, n_agents, model.seed, trust0)
        self.cell_country = np.repeat(np.arange(len(f.countries)), f.cell_n)
        # perceived eradication risk a year, per cell: starts at the 2021 risk
        self.perceived_risk = np.array([self.p_erad0[f.countries[ci][0]] * 12.0 for ci in self.cell_country])
        n_cells = int(f.cell_lo[-1] + f.cell_n[-1])
        self.p_erad = np.zeros(n_cells)   # this month's eradication risk per cell
        self.util_a, self.util_b, self.util_c = np.zeros(n_cells), np.zeros(n_cells), np.zeros(n_cells)
        self.rates = np.zeros((len(f.countries), 0))
        self.alpha = farm_alpha(self, w, p, expected_farmgate)
        self.agents = [Farmer(model, i) for i in range(f.n)] if model.path == "reference" else None

    def step(self, model) -> dict:
        """Enrolment, eradication, planting; returns the month's harvest, kg by (country, drug)."""
        w, p, f = model.world, model.params, self.households
        self.util_a, self.util_b, self.util_c = utilities(self, w, p, model.markets.expected_farmgate, self.alpha)
        pe = eradication_risk(self, w, model.enforcement)
        self.p_erad = pe[self.cell_country]
        self.rates = country_rates(self, p, model.enforcement, model.policy, pe)
        if self.agents is None:
            step_farmers(f.cell, f.country, f.land, f.illicit, f.trust, f.risk_av, f.enrolled, f.coerced,
                         f.erad_age, f.eradicated, f.voluntary, f.deforested, f.replanted, f.event, self.p_erad,
                         self.util_a, self.util_b, self.util_c, self.rates, f.cell_lo, f.cell_n, model.seed, model.t)
        else:
            for a in self.agents:
                a.step()
        self._perceive_risk(p)
        ill = np.bincount(f.country, weights=f.illicit, minlength=len(f.countries))
        shock = p["market.heroin_supply_shock"]
        harvest = {}
        for ci, (c, crop) in enumerate(f.countries):
            d = CROP_DRUG[crop]
            lost = shock if d == "heroin" else 0.0  # an exogenous disruption (experiment lever, T12)
            harvest[(c, d)] = ill[ci] * w.data[c]["crops"][crop]["yield"] / 12.0 * (1.0 - lost)
        return harvest

    def _perceive_risk(self, p) -> None:
        """Perceived eradication risk per cell: the smoothed share of the illicit area eradicated (a year)."""
        f = self.households
        n_cells = len(self.p_erad)
        erad = np.bincount(f.cell, weights=f.eradicated, minlength=n_cells)
        standing = np.bincount(f.cell, weights=f.illicit, minlength=n_cells) + erad
        share = np.divide(erad, standing, out=np.zeros(n_cells), where=standing > 0) * 12.0
        wt = p["farmer.price_expectation_weight"]
        self.perceived_risk = (1 - wt) * self.perceived_risk + wt * np.minimum(share, 12.0)

    def columns(self, model) -> dict:
        return farmer_columns(self.households, model.world, model.params, model.markets)
