"""Coca and poppy farming households, and frontier plots outside them, as structure-of-arrays (one entry per
agent), initialized at the 2021 hectares. Initialization draws from a NumPy Generator seeded from (seed, stream), so it depends on nothing
but the seed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model import rng as rngmod
from model.calibrate import Baseline
from model.presets import apportion

@dataclass
class FarmerPopulation:
    cell: np.ndarray       # int32 municipality (global cell index)
    country: np.ndarray    # int16 index into FarmerPopulation.countries
    crop: np.ndarray       # int8 0 coca, 1 poppy
    land: np.ndarray       # float64 ha held by the households this agent stands for
    illicit: np.ndarray    # float64 ha under coca or poppy
    trust: np.ndarray      # float64 in [0, 1]
    risk_av: np.ndarray    # float64 weight on perceived eradication risk
    enrolled: np.ndarray   # int8 in alternative development
    coerced: np.ndarray    # int8 coerced by an armed group
    frontier: np.ndarray   # int8 1 = a frontier plot outside the 2021 households (planted whole or not at all)
    erad_age: np.ndarray   # int8 months since this plot was eradicated (0 = not recently)
    spray_age: np.ndarray  # int8 months the harvest stays cut by a spraying (0 = not sprayed in the last year)
    eradicated: np.ndarray  # float64 ha destroyed by manual eradication this month
    sprayed: np.ndarray     # float64 ha sprayed this month
    voluntary: np.ndarray   # float64 ha uprooted on enrolment this month
    deforested: np.ndarray  # float64 ha of forest cleared this month
    replanted: np.ndarray   # float64 ha planted this month by households eradicated in the last two years
    entered: np.ndarray     # float64 ha of frontier plots planted this month
    abandoned: np.ndarray   # float64 ha of frontier plots abandoned this month
    event: np.ndarray       # uint8 bits
    countries: list         # (country, crop) per country index
    households_per_agent: np.ndarray  # per country index
    cell_lo: np.ndarray     # first cell of each country index
    cell_n: np.ndarray      # number of cells of each country index

    @property
    def n(self) -> int:
        return self.cell.shape[0]


def make_farmers(b: Baseline, n_agents: int, seed: int, trust0: dict, frontier0: dict, pool: dict) -> FarmerPopulation:
    """Households by producer country, land and illicit hectares at the 2021 area less the area standing on
    frontier plots (``frontier0``, ha by country); then as many frontier plots per country as household
    agents, sharing the country's frontier land (``pool``, ha), of which enough are planted to hold
    ``frontier0``."""
    gen = np.random.default_rng([seed, rngmod.INIT_B])
    w, p = b.world, b.params
    countries = list(w.producers)
    hh = np.array([w.data[c]["crops"][k]["households"] for c, k in countries], float)
    per = np.maximum(1, apportion(max(n_agents, len(countries)), hh))
    cells_n = np.array([int(w.data[c].get("cells", 1)) for c, _ in countries], np.int32)
    cell_lo = np.concatenate([[0], np.cumsum(cells_n)[:-1]]).astype(np.int32)
    keys = ("cell", "country", "crop", "land", "illicit", "trust", "risk_av", "enrolled", "coerced", "frontier")
    cols = {k: [] for k in keys}
    for ci, (c, crop) in enumerate(countries):
        cs = w.data[c]["crops"][crop]
        n = int(per[ci])
        hpa = cs["households"] / n
        land = gen.lognormal(0.0, 0.5, n)
        land *= cs["households"] * cs["land_per_household"] / land.sum()
        enrolled = np.zeros(n, np.int8)
        n_enr = min(n - 1, int(round(cs["ad_families"] / hpa)))
        enrolled[gen.permutation(n)[:n_enr]] = 1
        coerced = ((gen.random(n) < p["farmer.coercion_share"]) & (enrolled == 0)).astype(np.int8)
        share = gen.uniform(0.5, 1.5, n) * (enrolled == 0)
        illicit = land * share
        illicit *= max(0.0, cs["ha"] - frontier0[c]) / illicit.sum()
        # rescale until no plot exceeds its land (few iterations; a 2021 area below total land is checked)
        for _ in range(50):
            over = illicit > land
            if not over.any():
                break
            excess = (illicit[over] - land[over]).sum()
            illicit[over] = land[over]
            room = (~over) & (enrolled == 0)
            illicit[room] += excess * illicit[room] / illicit[room].sum()
        cols["cell"].append(cell_lo[ci] + gen.integers(0, cells_n[ci], n).astype(np.int32))
        cols["country"].append(np.full(n, ci, np.int16))
        cols["crop"].append(np.full(n, 0 if crop == "coca" else 1, np.int8))
        cols["land"].append(land)
        cols["illicit"].append(illicit)
        cols["trust"].append(np.clip(trust0[c] + gen.uniform(-0.1, 0.1, n), 0.0, 1.0))
        cols["risk_av"].append(gen.exponential(p["farmer.risk_aversion_mean"], n))
        cols["enrolled"].append(enrolled)
        cols["coerced"].append(coerced)
        cols["frontier"].append(np.zeros(n, np.int8))
    for ci, (c, crop) in enumerate(countries):
        # frontier plots: equal shares of the frontier land, uniform over the municipalities; the planted
        # ones are a random draw whose number holds the 2021 frontier area
        n = int(per[ci])
        plot = pool[c] / n
        planted = np.zeros(n)
        planted[gen.permutation(n)[:min(n, int(round(frontier0[c] / plot)))]] = plot if plot > 0 else 0.0
        cols["cell"].append(cell_lo[ci] + gen.integers(0, cells_n[ci], n).astype(np.int32))
        cols["country"].append(np.full(n, ci, np.int16))
        cols["crop"].append(np.full(n, 0 if crop == "coca" else 1, np.int8))
        cols["land"].append(np.full(n, plot))
        cols["illicit"].append(planted)
        cols["trust"].append(np.full(n, 0.5))
        cols["risk_av"].append(np.ones(n))
        cols["enrolled"].append(np.zeros(n, np.int8))
        cols["coerced"].append(np.zeros(n, np.int8))
        cols["frontier"].append(np.ones(n, np.int8))
    a = {k: np.concatenate(v) for k, v in cols.items()}
    n = len(a["cell"])
    z = lambda: np.zeros(n)  # noqa: E731
    return FarmerPopulation(
        a["cell"], a["country"], a["crop"], a["land"], a["illicit"], a["trust"], a["risk_av"],
        a["enrolled"], a["coerced"], a["frontier"], np.zeros(n, np.int8), np.zeros(n, np.int8), z(), z(), z(), z(),
        z(), z(), z(), np.zeros(n, np.uint8), countries, hh / per, cell_lo, cells_n)
