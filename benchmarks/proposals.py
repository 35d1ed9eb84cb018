"""Proposed changes to the users phase, measured against the model's code (nothing here is used by the model).

The ``proposals`` section of ``python -m benchmarks`` (not in ``--quick``) builds the national
model, and from the same saved state runs one month's users phase (``DrugMarketModel._users_step``)
as the model does it and as proposed below, checks that both give identical arrays, counts,
peer tables and deaths-by-prior-state tallies, and times them. It then repeats the national
and full runs of the ``runs`` section in fresh processes with the proposed users phase
installed (``python -m benchmarks.child run --proposed``) and compares every output.
docs/performance.md discusses the result.

The proposals keep every draw and every rule as they are (bit-identical outputs):

1. ``step_users_v2``: the model's ``step_users`` with two mechanical changes: the monthly
   rates are read as ``rates[m, g, R_X]`` instead of through a per-person row view
   ``r = rates[m, g]`` (a view is a small array object built for each person), and the
   second and third draws are computed after the never-user branch (56% of agents use
   only the first draw).
2. ``count_month``: one serial pass after the step that counts what the model now counts
   in three: ``count_users`` (people and events by market and group), next month's peer
   tables (``count_peers``, a separate parallel pass at the start of the phase), and the
   person-months and deaths by prior state (about 60 NumPy operations over the whole
   population in ``_users_step``).
"""

from __future__ import annotations

import time

import numpy as np
from numba import njit, prange

from model import rng
from model.states import (
    DEAD, DEPENDENT, E_ARREST, E_HIV, E_INIT, E_OD_DEATH, E_OTHER_DEATH, E_REFERRAL, E_REVERSED, E_TX_ENTRY,
    F_HIV, F_INJECTS, F_METHADONE, F_WAS_DEPENDENT, NEVER, NOT_METHADONE, OCCASIONAL, PRISON, R_ARREST_DEP,
    R_ARREST_OCC, R_BG_DEATH, R_ESCALATE, R_HIV, R_IMIT, R_INCARCERATE, R_INNOV, R_METH_SHARE, R_NALOXONE, R_OD,
    R_OD_OCC_W, R_OD_TX_BUP, R_OD_TX_METH, R_POST_EXIT, R_POST_RELEASE, R_QUIT_DEP, R_QUIT_LIGHT,
    R_REFERRAL, R_REFERRAL_OCC, R_REFERRAL_TX, R_RELAPSE_DEP, R_RELAPSE_LIGHT, R_RELEASE, R_RELEASE_DEP, R_TX_DONE,
    R_TX_DROP, R_TX_ENTRY, REMISSION, RISK_NONE, RISK_POST_RELEASE, RISK_POST_TREATMENT, TREATMENT,
)

from benchmarks.common import log


@njit(cache=True, parallel=True)
def step_users_v2(market, group, state, flags, risk, event, rates, peer_light, peer_never, group_size,
                  seed, month):
    """model.kernels.users.step_users, rates read without a row view, draws 2 and 3 after the never branch."""
    ka = rng.key(seed, rng.USER, month)
    kb = rng.key(seed, rng.USER_B, month)
    kc = rng.key(seed, rng.USER_C, month)
    n = state.shape[0]
    for i in prange(n):
        m = market[i]
        g = group[i]
        s = state[i]
        ev = 0
        if s == DEAD:
            event[i] = 0
            continue
        u1 = rng.uniform(ka, i)
        if s == NEVER:
            pg = i // group_size
            nn = peer_never[pg, g]
            p = rates[m, g, R_INNOV]
            if nn > 0:
                p += rates[m, g, R_IMIT] * peer_light[pg, g] / nn
            if u1 < p:
                state[i] = OCCASIONAL
                ev = E_INIT
            event[i] = ev
            continue
        u2 = rng.uniform(kb, i)
        u3 = rng.uniform(kc, i)
        if s == PRISON:
            if u1 < rates[m, g, R_BG_DEATH]:
                state[i] = DEAD
                ev = E_OTHER_DEATH
            elif u2 < rates[m, g, R_RELEASE]:
                if not (flags[i] & F_WAS_DEPENDENT):
                    state[i] = OCCASIONAL
                elif u3 < rates[m, g, R_RELEASE_DEP]:
                    state[i] = DEPENDENT
                    risk[i] = RISK_POST_RELEASE
                else:
                    state[i] = REMISSION
            event[i] = ev
            continue
        if s != REMISSION:
            h = rates[m, g, R_OD]
            if s == OCCASIONAL:
                h *= rates[m, g, R_OD_OCC_W]
            elif s == TREATMENT:
                h *= rates[m, g, R_OD_TX_METH] if (flags[i] & F_METHADONE) else rates[m, g, R_OD_TX_BUP]
            if risk[i] == RISK_POST_TREATMENT:
                h *= rates[m, g, R_POST_EXIT]
            elif risk[i] == RISK_POST_RELEASE:
                h *= rates[m, g, R_POST_RELEASE]
            fatal = h * (1.0 - rates[m, g, R_NALOXONE])
            if u1 < fatal:
                state[i] = DEAD
                event[i] = E_OD_DEATH
                continue
            if u1 < h:
                ev |= E_REVERSED
        risk[i] = RISK_NONE
        if s != OCCASIONAL and u2 < rates[m, g, R_BG_DEATH]:
            state[i] = DEAD
            event[i] = ev | E_OTHER_DEATH
            continue
        if s == OCCASIONAL:
            a = rates[m, g, R_QUIT_LIGHT]
            b = a + rates[m, g, R_ESCALATE]
            c = b + rates[m, g, R_ARREST_OCC]
            d = c + rates[m, g, R_REFERRAL_OCC]
            if u3 < a:
                state[i] = NEVER
            elif u3 < b:
                state[i] = DEPENDENT
                flags[i] |= F_WAS_DEPENDENT
            elif u3 < c:
                ev |= E_ARREST
                if u2 < rates[m, g, R_INCARCERATE]:
                    state[i] = PRISON
            elif u3 < d:
                ev |= E_REFERRAL
        elif s == DEPENDENT:
            a = rates[m, g, R_QUIT_DEP]
            b = a + rates[m, g, R_TX_ENTRY]
            c = b + rates[m, g, R_ARREST_DEP]
            d = c + rates[m, g, R_REFERRAL]
            if u3 < a:
                state[i] = REMISSION
            elif u3 < b:
                state[i] = TREATMENT
                ev |= E_TX_ENTRY
                if u2 < rates[m, g, R_METH_SHARE]:
                    flags[i] |= F_METHADONE
                else:
                    flags[i] &= NOT_METHADONE
            elif u3 < c:
                ev |= E_ARREST
                if u2 < rates[m, g, R_INCARCERATE]:
                    state[i] = PRISON
            elif u3 < d:
                ev |= E_REFERRAL
                if u2 < rates[m, g, R_REFERRAL_TX]:
                    state[i] = TREATMENT
                    ev |= E_TX_ENTRY
                    flags[i] &= NOT_METHADONE
            elif (flags[i] & F_INJECTS) and not (flags[i] & F_HIV) and u2 > 1.0 - rates[m, g, R_HIV]:
                flags[i] |= F_HIV
                ev |= E_HIV
        elif s == TREATMENT:
            if u3 < rates[m, g, R_TX_DROP]:
                state[i] = DEPENDENT
                risk[i] = RISK_POST_TREATMENT
            elif u3 < rates[m, g, R_TX_DROP] + rates[m, g, R_TX_DONE]:
                state[i] = REMISSION
        else:
            if flags[i] & F_WAS_DEPENDENT:
                if u3 < rates[m, g, R_RELAPSE_DEP]:
                    state[i] = DEPENDENT
            elif u3 < rates[m, g, R_RELAPSE_LIGHT]:
                state[i] = OCCASIONAL
        event[i] = ev


@njit(cache=True)
def count_month(market, group, state, before, flags, event, group_size, n_markets, n_groups, n_states, n_bits):
    """One pass after the step: count_users' three tables, next month's peer tables (count_peers),
    and person-months and deaths by prior state (0 dependent, 1 methadone, 2 buprenorphine)."""
    counts = np.zeros((n_markets, n_groups, n_states), np.int64)
    events = np.zeros((n_markets, n_groups, n_bits), np.int64)
    inj = np.zeros((n_markets, n_groups, 2), np.int64)
    n = state.shape[0]
    n_pg = (n + group_size - 1) // group_size
    light = np.zeros((n_pg, n_groups), np.float64)
    never = np.zeros((n_pg, n_groups), np.float64)
    pm = np.zeros((n_groups, 3), np.int64)
    dead = np.zeros((n_groups, 3), np.int64)
    for pg in range(n_pg):
        lo = pg * group_size
        hi = min(n, lo + group_size)
        for i in range(lo, hi):
            m = market[i]
            g = group[i]
            s = state[i]
            counts[m, g, s] += 1
            if s == OCCASIONAL:
                light[pg, g] += 1.0
            elif s == NEVER:
                never[pg, g] += 1.0
            e = event[i]
            if e:
                for b in range(n_bits):
                    if e & (1 << b):
                        events[m, g, b] += 1
            f = flags[i]
            if s == DEPENDENT and (f & F_INJECTS):
                inj[m, g, 0] += 1
                if f & F_HIV:
                    inj[m, g, 1] += 1
            b0 = before[i]
            k = -1
            if b0 == DEPENDENT:
                k = 0
            elif b0 == TREATMENT:
                k = 1 if (f & F_METHADONE) else 2
            if k >= 0:
                pm[g, k] += 1
                if s == DEAD:
                    dead[g, k] += 1
    return counts, events, inj, light, never, pm, dead


def users_step_proposed(m) -> None:
    """DrugMarketModel._users_step with the two proposals; the peer tables come from the previous
    month's count_month (here: set up by the caller), so count_peers disappears."""
    from model.rates import user_rates
    from model.states import EVENT_BITS, USER_STATE_NAMES
    from model.world import GROUPS

    u = m.users
    user_rates(m)
    before = u.state.copy()
    if m.path == "kernel":
        step_users_v2(u.market, u.group, u.state, u.flags, u.risk, u.event, m.user_rates, u.peer_light,
                      u.peer_never, u.group_size, m.seed, m.t)
    else:
        for a in m.user_agents:
            a.step()
    (m._counts, m._events, m._inj, u.peer_light, u.peer_never, pm, dead) = count_month(
        u.market, u.group, u.state, before, u.flags, u.event, u.group_size, len(m.markets), len(GROUPS),
        len(USER_STATE_NAMES), EVENT_BITS)
    m.deaths_by_prior, m.person_months = {}, {}
    for gi, g in enumerate(GROUPS):
        for k, name in enumerate(("dependent", "methadone", "buprenorphine")):
            m.person_months[(name, g)] = int(pm[gi, k]) * u.scale
            m.deaths_by_prior[(name, g)] = int(dead[gi, k]) * u.scale
    for (mk, g), y in m.memory_y.items():
        mi, gi = m.markets.index(mk), GROUPS.index(g)
        heavy = (m._counts[mi, gi, 2] + m._counts[mi, gi, 3]) * u.scale
        m.memory_y[(mk, g)] = y + (heavy - m.params["user.lhy_delta"] * y) / 12.0


def install(m) -> None:
    """Make model ``m`` run its users phase as proposed (for whole-run measurements in a benchmark child).

    The first month's peer tables are counted here; after that each month's count_month leaves
    the next month's. Nothing else changes the users' states between two users phases."""
    from model.kernels.users import count_peers
    from model.world import GROUPS

    u = m.users
    n_pg = (u.n + u.group_size - 1) // u.group_size
    u.peer_light, u.peer_never = count_peers(u.group, u.state, u.group_size, n_pg, len(GROUPS))
    m._users_step = lambda: users_step_proposed(m)


def whole_runs(current: dict, seed: int, months: int, burn_in: int | None, timeout_s: float,
               mem_limit_gib: float) -> dict:
    """The runs of ``current`` (preset -> the runs section's result) again with the proposed users phase,
    in fresh processes: wall time, and whether the outputs (every column, every month) are identical."""
    from benchmarks.common import run_child

    out = {}
    for preset, c in current.items():
        if not c or c.get("status") != "ok":
            continue
        args = ["run", "--preset", preset, "--months", str(months), "--seed", str(seed), "--phases", "--proposed"]
        if burn_in is not None:
            args += ["--burn-in", str(burn_in)]
        log(f"proposals: whole {preset} run with the proposed users phase")
        p = run_child(args, timeout_s=timeout_s, mem_limit_gib=mem_limit_gib)
        keep = ("status", "wall_s", "run_s", "run_cpu_s", "build_s", "peak_mb", "outputs_hash", "phases_s", "load",
                "error")
        o = {"current": {k: c.get(k) for k in keep}, "proposed": {k: p.get(k) for k in keep}}
        o["outputs_identical"] = bool(c.get("outputs_hash")) and c.get("outputs_hash") == p.get("outputs_hash")
        if c.get("wall_s") and p.get("wall_s"):
            o["speedup"] = round(c["wall_s"] / p["wall_s"], 2)
        log(f"proposals: {preset}: {c.get('wall_s')} s -> {p.get('wall_s')} s; outputs identical: "
            f"{o['outputs_identical']}")
        out[preset] = o
    return out


def measure(seed: int, reps: int = 15, preset: str = "national") -> dict:
    """Current vs proposed users phase on the same saved month; identical results checked."""
    import copy

    import numba

    from benchmarks.kernels import build
    from model.kernels.users import count_peers, step_users
    from model.world import GROUPS

    log(f"proposals: {preset} model; current vs proposed users phase")
    m = build(preset, seed)
    u = m.users
    cols = ("state", "flags", "risk", "event")
    snap = {k: getattr(u, k).copy() for k in cols}
    n_pg = (u.n + u.group_size - 1) // u.group_size
    peers0 = count_peers(u.group, u.state, u.group_size, n_pg, len(GROUPS))
    mem0 = copy.deepcopy(m.memory_y)
    counts0 = (m._counts.copy(), m._events.copy(), m._inj.copy())  # user_rates reads the month-start counts

    def restore(with_peers: bool) -> None:
        for k in cols:
            getattr(u, k)[...] = snap[k]
        m.memory_y = copy.deepcopy(mem0)
        m._counts, m._events, m._inj = (c.copy() for c in counts0)
        if with_peers:
            u.peer_light, u.peer_never = peers0[0].copy(), peers0[1].copy()

    def outcome() -> dict:
        nxt = count_peers(u.group, u.state, u.group_size, n_pg, len(GROUPS))
        return {"arrays": {k: getattr(u, k).copy() for k in cols}, "counts": (m._counts.copy(), m._events.copy(),
                m._inj.copy()), "pm": dict(m.person_months), "dbp": dict(m.deaths_by_prior),
                "mem": dict(m.memory_y), "next_peers": nxt}

    restore(True)
    m._users_step()
    cur = outcome()
    restore(True)
    users_step_proposed(m)
    new = outcome()
    new_peers = (u.peer_light.copy(), u.peer_never.copy())
    same = (all(np.array_equal(cur["arrays"][k], new["arrays"][k]) for k in cols)
            and all(np.array_equal(a, b) for a, b in zip(cur["counts"], new["counts"]))
            and cur["pm"] == new["pm"] and cur["dbp"] == new["dbp"] and cur["mem"] == new["mem"]
            and all(np.array_equal(a, b) for a, b in zip(cur["next_peers"], new_peers)))

    def best(fn, with_peers: bool) -> float:
        ts = []
        for _ in range(reps):
            restore(with_peers)
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
        return min(ts)

    args = lambda: (u.market, u.group, u.state, u.flags, u.risk, u.event, m.user_rates, u.peer_light,  # noqa: E731
                    u.peer_never, u.group_size, m.seed, m.t)
    out = {"agents": int(u.n), "identical": bool(same), "threads": {}}
    nt0 = numba.get_num_threads()
    for nt in sorted({1, nt0}):
        numba.set_num_threads(nt)
        row = {
            "users_phase_current_ms": 1e3 * best(m._users_step, True),
            "users_phase_proposed_ms": 1e3 * best(lambda: users_step_proposed(m), True),
            "step_users_ms": 1e3 * best(lambda: step_users(*args()), True),
            "step_users_v2_ms": 1e3 * best(lambda: step_users_v2(*args()), True),
        }
        row = {k: round(v, 3) for k, v in row.items()}
        row["phase_speedup"] = round(row["users_phase_current_ms"] / row["users_phase_proposed_ms"], 2)
        row["kernel_speedup"] = round(row["step_users_ms"] / row["step_users_v2_ms"], 2)
        out["threads"][str(nt)] = row
        log(f"proposals: {nt} thread(s): users phase {row['users_phase_current_ms']:.1f} -> "
            f"{row['users_phase_proposed_ms']:.1f} ms; step_users {row['step_users_ms']:.1f} -> "
            f"{row['step_users_v2_ms']:.1f} ms; identical={same}")
    numba.set_num_threads(nt0)
    restore(True)
    return out
