"""People at risk as structure-of-arrays (one entry per agent), initialized at the 2021 stocks.

Initialization is the only place that uses a NumPy Generator; it is seeded from
(seed, stream) so that it, too, depends on nothing but the seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model import rng as rngmod
from model.calibrate import Baseline
from model.calibrate.users import injecting_share
from model.presets import apportion
from model.users.states import (
    DEPENDENT, F_HIV, F_INJECTS, F_METHADONE, F_WAS_DEPENDENT, NEVER, OCCASIONAL, PRISON, REMISSION, TREATMENT,
)
from model.world import GROUPS


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
    per_market = apportion(n_agents, np.array([people[m] for m in b.markets]))
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
        counts = apportion(int(per_market[mi]), np.array([c[2] for c in cells]))
        grp = np.concatenate([np.full(k, c[0], np.int8) for c, k in zip(cells, counts)])
        st = np.concatenate([np.full(k, c[1], np.int8) for c, k in zip(cells, counts)])
        perm = gen.permutation(len(st))
        grp, st = grp[perm], st[perm]
        flags = np.zeros(len(st), np.uint8)
        u_inj, u_hiv, u_meth = gen.random(len(st)), gen.random(len(st)), gen.random(len(st))
        inj_share = np.array([injecting_share(b.params, g) for g in GROUPS])
        flags[u_inj < inj_share[grp]] |= F_INJECTS
        # HIV prevalence among people who inject, in or out of treatment (calibration counts both as at risk)
        flags[((flags & F_INJECTS) > 0) & np.isin(st, (DEPENDENT, TREATMENT))
              & (u_hiv < b.params["user.hiv_prevalence_pwid"])] |= F_HIV
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
