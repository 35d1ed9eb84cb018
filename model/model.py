"""DrugMarketModel: the ordered month.

One tick is one month. After a burn-in under the status-quo policy (which the model is calibrated to
hold), the scenario's policy applies from output month 1 and its events change levers at their months.
Each population and market has a room of its own under model/ (its state, its rule as a Mesa agent and,
for the large populations, as a numba kernel, its monthly rates and its output columns); this class holds
the world, the random streams and the rooms, and plays the month in this order:

1. policy events; agencies turn budgets into activity (model/enforcement);
2. farmers: enrolment, eradication, planting; harvest (model/farmers);
3. precursor suppliers divert (controls and substitution); labs produce (model/precursors);
4. traffickers buy, route and ship (seizures drawn per load), sell, recruit (model/traffickers);
5. retail markets clear arrivals against demand: prices, purity, consumption; the farm-gate price and
   lab capacity respond to what traffickers want (model/markets);
6. users: initiation, overdose, treatment, arrest, HIV (model/users);
7. violence and leadership removal among organizations; the month's outputs (model/outputs.py).
"""

from __future__ import annotations

import copy

import mesa
import networkx as nx
import numpy as np
import pandas as pd
from mesa.discrete_space import Network

from model import rng
from model.calibrate import calibrate
from model.enforcement import Enforcement
from model.farmers import Farmers
from model.markets import Markets
from model.outputs import row
from model.params import scenario_params
from model.policy import Policy
from model.precursors import Precursors
from model.presets import PRESETS
from model.traffickers import Traffickers
from model.users import Users
from model.world import load_world

PATHS = ("kernel", "reference")


class DrugMarketModel(mesa.Model):
    """The illicit drug market and the policies aimed at it.

    ``DrugMarketModel(scenario=..., seed=...)``; ``.step()`` advances a month;
    ``.run(months)`` runs the burn-in (once) and ``months`` output months and
    returns the outputs as a DataFrame (one row a month, see model/outputs.py).
    ``path="reference"`` runs farmers and users through the plain-Mesa agent
    classes instead of the numba kernels (for small worlds and tests).
    """

    def __init__(self, scenario=None, seed: int = 0, path: str = "kernel", world=None, baseline=None):
        from model.scenario import Scenario  # local: scenario imports policy/params only

        if path not in PATHS:
            raise ValueError(f"path must be one of {PATHS}, got {path!r}")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
        super().__init__(rng=int(seed))
        # a copy: events change the scenario's policy during a run, and the caller's object must not change
        self.scenario = copy.deepcopy(scenario) if scenario is not None else Scenario()
        self.seed = int(seed)
        self.path = path
        self.params = scenario_params(self.scenario)
        self.world = world if world is not None else load_world(self.scenario.world)
        self.baseline = baseline if baseline is not None else calibrate(self.world, self.params)
        self.policy = Policy()  # the status quo during the burn-in
        self.burn_in = int(self.params["sim.burn_in_months"])
        self.t = -self.burn_in  # output months are 1..months
        self.space = Network(_undirected(self.world.graph), random=self.random)
        self.cell_of = {c.coordinate: c for c in self.space.all_cells}
        preset = PRESETS[self.scenario.preset]
        # the rooms, in the order their set-up needs (the suppliers' and organizations' draw ids follow it)
        self.enforcement = Enforcement(self)
        self.markets = Markets(self, self.enforcement.mode_hazard)
        self.users = Users(self, preset["n_users"])
        self.farmers = Farmers(self, preset["n_farmers"], self.markets.expected_farmgate)
        self.precursors = Precursors(self)
        self.traffickers = Traffickers(self, preset["n_orgs"])
        self.outputs: list[dict] = []

    def next_draw_id(self) -> int:
        """Ids for the small populations' random draws, independent of how many Mesa agents exist."""
        self._draw_ids = getattr(self, "_draw_ids", 0) + 1
        return self._draw_ids

    def set_draw_keys(self) -> None:
        """This month's keys of the random streams the Mesa agents draw from (the kernels make their own)."""
        self.draw_keys = {
            "user_a": rng.key_py(self.seed, rng.USER, self.t), "user_b": rng.key_py(self.seed, rng.USER_B, self.t),
            "user_c": rng.key_py(self.seed, rng.USER_C, self.t), "farmer": rng.key_py(self.seed, rng.FARMER, self.t),
            "supplier": rng.key_py(self.seed, rng.SUPPLIER, self.t), "org": rng.key_py(self.seed, rng.ORG, self.t),
        }

    def _apply_policy_for_month(self) -> None:
        """From output month 1 the scenario's policy applies; its events change levers at their months."""
        if self.t == 1:
            self.policy = self.scenario.policy
        if self.t >= 1 and self.scenario.apply_events(self.t, self.params):
            self.policy = self.scenario.policy

    def step(self) -> None:
        self.t += 1
        self._apply_policy_for_month()
        self.set_draw_keys()
        self.markets.new_month(self.seed, self.t)
        self.traffickers.new_month()

        self.enforcement.step()                                        # 1
        self.markets.production.update(self.farmers.step(self))        # 2
        self.markets.production.update(self.precursors.step(self))     # 3
        self.traffickers.step()                                        # 4
        self.markets.step(self)                                        # 5
        self.users.step(self)                                          # 6
        self.traffickers.violence_and_leadership(self)                 # 7
        self.markets.close_month()
        if self.t >= 1:
            self.outputs.append(row(self))

    def run(self, months: int | None = None) -> pd.DataFrame:
        """Run the burn-in (if not done) and ``months`` output months (default: the scenario's)."""
        months = self.scenario.months if months is None else int(months)
        while self.t < 0:
            self.step()
        end = self.t + months
        while self.t < end:
            self.step()
        return self.results()

    def results(self) -> pd.DataFrame:
        df = pd.DataFrame(self.outputs)
        df.insert(0, "seed", self.seed)
        df.insert(0, "scenario", self.scenario.name)
        return df


def _undirected(g):
    h = nx.Graph()
    h.add_nodes_from(g.nodes)
    h.add_edges_from(g.edges)
    return h
