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
    USER_STATE_NAMES,
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
        cell = grp.astype(np.int64) * len(USER_STATE_NAMES) + st  # (group, state)
        flags[exact_share(u_inj, cell, inj_share[grp])] |= F_INJECTS
        flags[np.isin(st, (DEPENDENT, TREATMENT, REMISSION))] |= F_WAS_DEPENDENT
        dep_share = np.array([b.users[(m, g)]["prison_dep_share"] if (m, g) in b.users else 1.0 for g in GROUPS])
        flags[(st == PRISON) & (gen.random(len(st)) < dep_share[grp])] |= F_WAS_DEPENDENT
        # HIV prevalence among people who inject and have been dependent, in whatever state (the HIV pool,
        # hiv.py): people in remission or prison who injected carry HIV as those still injecting do
        pool = ((flags & F_INJECTS) > 0) & ((flags & F_WAS_DEPENDENT) > 0)
        flags[exact_share(u_hiv, np.where(pool, cell, -1), b.params["user.hiv_prevalence_pwid"])] |= F_HIV
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


def exact_share(u: np.ndarray, cell: np.ndarray, share) -> np.ndarray:
    """In each cell (cells < 0 take no part), the round(share x size) people with the lowest draws ``u``.

    Drawing each person's flag alone would give each cell a binomial count: at the default preset the
    150 or so agents who carry HIV among a market's injectors would then differ by about 8% from seed to
    seed, and so would every HIV count after them. An exact share leaves only who carries it to chance.
    """
    share = np.broadcast_to(np.asarray(share, float), u.shape)
    out = np.zeros(u.shape, bool)
    order = np.lexsort((u, cell))  # by cell, then by draw
    cells, start, size = np.unique(cell[order], return_index=True, return_counts=True)
    for c, lo, k in zip(cells, start, size):
        if c < 0:
            continue
        idx = order[lo:lo + k]
        out[idx[: int(round(share[idx[0]] * k))]] = True
    return out
