"""The two large populations as structure-of-arrays, initialized at the 2021 stocks.

Initialization is the only place that uses a NumPy Generator; it is seeded from
(seed, stream) so that it, too, depends on nothing but the seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model import rng as rngmod
from model.calibrate import Baseline
from model.states import (
    DEPENDENT, F_HIV, F_INJECTS, F_METHADONE, F_WAS_DEPENDENT, NEVER, OCCASIONAL, PRISON, REMISSION, TREATMENT,
)
from model.world import GROUPS


def _apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """Whole numbers proportional to ``weights`` that add up to ``total`` (largest remainder)."""
    w = np.asarray(weights, float)
    if total <= 0 or w.sum() <= 0:
        return np.zeros(len(w), np.int64)
    exact = w / w.sum() * total
    base = np.floor(exact).astype(np.int64)
    rest = total - base.sum()
    order = np.argsort(-(exact - base), kind="stable")
    base[order[:rest]] += 1
    return base


@dataclass
class UserPopulation:
    market: np.ndarray   # int8 index into Baseline.markets
    group: np.ndarray    # int8 index into GROUPS
    state: np.ndarray    # int8 user state
    flags: np.ndarray    # uint8 bits
    risk: np.ndarray     # int8 lost-tolerance flag for this month
    event: np.ndarray    # uint8 bits of this month's events
    scale: float         # people per agent
    group_size: int
    peer_light: np.ndarray | None = None
    peer_never: np.ndarray | None = None

    @property
    def n(self) -> int:
        return self.state.shape[0]


def make_users(b: Baseline, n_agents: int, seed: int, group_size: int) -> UserPopulation:
    """People by market, group and state, in agents; shuffled within each market so peer groups mix."""
    gen = np.random.default_rng([seed, rngmod.INIT])
    people = {m: b.users[(m, "never")]["never"] + sum(
        sum(b.users[(m, g)][k] for k in ("occasional", "dependent", "treatment", "incarcerated", "remission"))
        for g in GROUPS if (m, g) in b.users) for m in b.markets}
    total_people = sum(people.values())
    if n_agents <= 0:
        n_agents = int(round(total_people))  # one agent per person
    scale = total_people / n_agents
    per_market = _apportion(n_agents, np.array([people[m] for m in b.markets]))
    parts = []
    for mi, m in enumerate(b.markets):
        cells = []  # (group, state, weight)
        never = b.users[(m, "never")]["never"]
        init = np.array([b.users[(m, g)]["initiations"] if (m, g) in b.users else 0.0 for g in GROUPS])
        init = init / init.sum() if init.sum() > 0 else np.ones(len(GROUPS)) / len(GROUPS)
        for gi, g in enumerate(GROUPS):
            cells.append((gi, NEVER, never * init[gi]))
            if (m, g) not in b.users:
                continue
            u = b.users[(m, g)]
            for key, st in (("occasional", OCCASIONAL), ("dependent", DEPENDENT), ("treatment", TREATMENT),
                            ("incarcerated", PRISON), ("remission", REMISSION)):
                cells.append((gi, st, u[key]))
        counts = _apportion(int(per_market[mi]), np.array([c[2] for c in cells]))
        grp = np.concatenate([np.full(k, c[0], np.int8) for c, k in zip(cells, counts)])
        st = np.concatenate([np.full(k, c[1], np.int8) for c, k in zip(cells, counts)])
        perm = gen.permutation(len(st))
        grp, st = grp[perm], st[perm]
        flags = np.zeros(len(st), np.uint8)
        u_inj, u_hiv, u_meth = gen.random(len(st)), gen.random(len(st)), gen.random(len(st))
        inj_ok = (grp == GROUPS.index("opioid")) | (grp == GROUPS.index("methamphetamine"))
        flags[inj_ok & (u_inj < b.params["user.injecting_share"])] |= F_INJECTS
        flags[((flags & F_INJECTS) > 0) & (st == DEPENDENT) & (u_hiv < b.params["user.hiv_prevalence_pwid"])] |= F_HIV
        flags[np.isin(st, (DEPENDENT, TREATMENT, REMISSION))] |= F_WAS_DEPENDENT
        dep_share = np.array([b.users[(m, g)]["prison_dep_share"] if (m, g) in b.users else 1.0 for g in GROUPS])
        flags[(st == PRISON) & (gen.random(len(st)) < dep_share[grp])] |= F_WAS_DEPENDENT
        meth = (st == TREATMENT) & (grp == GROUPS.index("opioid")) & (u_meth < b.params["user.methadone_share"])
        flags[meth] |= F_METHADONE
        parts.append((np.full(len(st), mi, np.int8), grp, st, flags))
    market = np.concatenate([p[0] for p in parts])
    group = np.concatenate([p[1] for p in parts])
    state = np.concatenate([p[2] for p in parts])
    flags = np.concatenate([p[3] for p in parts])
    n = len(state)
    return UserPopulation(market, group, state, flags, np.zeros(n, np.int8), np.zeros(n, np.uint8), scale,
                          int(group_size))


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
    erad_age: np.ndarray   # int8 months since this plot was eradicated (0 = not recently)
    eradicated: np.ndarray  # float64 ha eradicated this month
    voluntary: np.ndarray   # float64 ha uprooted on enrolment this month
    deforested: np.ndarray  # float64 ha of forest cleared this month
    replanted: np.ndarray   # float64 ha planted this month by households eradicated in the last two years
    event: np.ndarray       # uint8 bits
    countries: list         # (country, crop) per country index
    households_per_agent: np.ndarray  # per country index
    cell_lo: np.ndarray     # first cell of each country index
    cell_n: np.ndarray      # number of cells of each country index

    @property
    def n(self) -> int:
        return self.cell.shape[0]


def make_farmers(b: Baseline, n_agents: int, seed: int, erad_prob_month: dict, trust0: dict) -> FarmerPopulation:
    """Households by producer country, land and illicit hectares at the 2021 area."""
    gen = np.random.default_rng([seed, rngmod.INIT_B])
    w, p = b.world, b.params
    countries = list(w.producers)
    hh = np.array([w.data[c]["crops"][k]["households"] for c, k in countries], float)
    per = np.maximum(1, _apportion(max(n_agents, len(countries)), hh))
    cells_n = np.array([int(w.data[c].get("cells", 1)) for c, _ in countries], np.int32)
    cell_lo = np.concatenate([[0], np.cumsum(cells_n)[:-1]]).astype(np.int32)
    cols = {k: [] for k in ("cell", "country", "crop", "land", "illicit", "trust", "risk_av", "enrolled", "coerced")}
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
        illicit *= cs["ha"] / illicit.sum()
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
    a = {k: np.concatenate(v) for k, v in cols.items()}
    n = len(a["cell"])
    return FarmerPopulation(
        a["cell"], a["country"], a["crop"], a["land"], a["illicit"], a["trust"], a["risk_av"],
        a["enrolled"], a["coerced"], np.zeros(n, np.int8), np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n),
        np.zeros(n, np.uint8), countries, hh / per, cell_lo, cells_n)
