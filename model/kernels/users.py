"""The user rule as a numba kernel over the population arrays.

Read it against agents/user.py (User.step), the same rule for one person in
plain Python: both take the same monthly rates and the same counter-based draws,
and tests/test_model.py checks that they give identical populations.

Every probability is computed beforehand per (market, group) by
model/rates.py; here each person only compares draws with them, so the
kernel holds the state machine and nothing else.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from model import rng
from model.states import (
    DEAD, DEPENDENT, E_ARREST, E_HIV, E_INIT, E_OD_DEATH, E_OTHER_DEATH, E_REFERRAL, E_REVERSED, E_TX_ENTRY,
    F_HIV, F_INJECTS, F_METHADONE, F_WAS_DEPENDENT, NEVER, NOT_METHADONE, OCCASIONAL, PRISON, R_ARREST_DEP, R_ARREST_OCC,
    R_BG_DEATH, R_ESCALATE, R_HIV, R_IMIT, R_INCARCERATE, R_INNOV, R_METH_SHARE, R_NALOXONE, R_OD,
    R_OD_OCC_W, R_OD_TX_BUP, R_OD_TX_METH, R_POST_EXIT, R_POST_RELEASE, R_QUIT_DEP, R_QUIT_LIGHT,
    R_REFERRAL, R_REFERRAL_OCC, R_REFERRAL_TX, R_RELAPSE_DEP, R_RELAPSE_LIGHT, R_RELEASE, R_RELEASE_DEP, R_TX_DONE,
    R_TX_DROP, R_TX_ENTRY, REMISSION, RISK_NONE, RISK_POST_RELEASE, RISK_POST_TREATMENT, TREATMENT,
)


@njit(cache=True, parallel=True)
def step_users(market, group, state, flags, risk, event, rates, peer_light, peer_never, group_size,
               seed, month):
    """Advance every person one month. Writes state, flags, risk and this month's event bits."""
    ka = rng.key(seed, rng.USER, month)
    kb = rng.key(seed, rng.USER_B, month)
    kc = rng.key(seed, rng.USER_C, month)
    n = state.shape[0]
    for i in prange(n):
        m = market[i]
        g = group[i]
        r = rates[m, g]
        s = state[i]
        ev = 0
        if s == DEAD:
            event[i] = 0
            continue
        u1 = rng.uniform(ka, i)
        u2 = rng.uniform(kb, i)
        u3 = rng.uniform(kc, i)
        if s == NEVER:
            pg = i // group_size
            nn = peer_never[pg, g]
            p = r[R_INNOV]
            if nn > 0:
                p += r[R_IMIT] * peer_light[pg, g] / nn
            if u1 < p:
                state[i] = OCCASIONAL
                ev = E_INIT
            event[i] = ev
            continue
        if s == PRISON:
            if u1 < r[R_BG_DEATH]:
                state[i] = DEAD
                ev = E_OTHER_DEATH
            elif u2 < r[R_RELEASE]:
                if not (flags[i] & F_WAS_DEPENDENT):
                    state[i] = OCCASIONAL
                elif u3 < r[R_RELEASE_DEP]:
                    state[i] = DEPENDENT
                    risk[i] = RISK_POST_RELEASE
                else:
                    state[i] = REMISSION
            event[i] = ev
            continue
        # overdose: one draw split into death, death prevented by naloxone, non-fatal
        if s != REMISSION:
            h = r[R_OD]
            if s == OCCASIONAL:
                h *= r[R_OD_OCC_W]
            elif s == TREATMENT:
                h *= r[R_OD_TX_METH] if (flags[i] & F_METHADONE) else r[R_OD_TX_BUP]
            if risk[i] == RISK_POST_TREATMENT:
                h *= r[R_POST_EXIT]
            elif risk[i] == RISK_POST_RELEASE:
                h *= r[R_POST_RELEASE]
            fatal = h * (1.0 - r[R_NALOXONE])
            if u1 < fatal:
                state[i] = DEAD
                event[i] = E_OD_DEATH
                continue
            if u1 < h:
                ev |= E_REVERSED
        risk[i] = RISK_NONE
        if s != OCCASIONAL and u2 < r[R_BG_DEATH]:
            state[i] = DEAD
            event[i] = ev | E_OTHER_DEATH
            continue
        if s == OCCASIONAL:
            a = r[R_QUIT_LIGHT]
            b = a + r[R_ESCALATE]
            c = b + r[R_ARREST_OCC]
            d = c + r[R_REFERRAL_OCC]
            if u3 < a:
                state[i] = NEVER  # a light user who stops is susceptible again (LHY)
            elif u3 < b:
                state[i] = DEPENDENT
                flags[i] |= F_WAS_DEPENDENT
            elif u3 < c:
                ev |= E_ARREST
                if u2 < r[R_INCARCERATE]:
                    state[i] = PRISON
            elif u3 < d:
                ev |= E_REFERRAL
        elif s == DEPENDENT:
            a = r[R_QUIT_DEP]
            b = a + r[R_TX_ENTRY]
            c = b + r[R_ARREST_DEP]
            d = c + r[R_REFERRAL]
            if u3 < a:
                state[i] = REMISSION
            elif u3 < b:
                state[i] = TREATMENT
                ev |= E_TX_ENTRY
                if u2 < r[R_METH_SHARE]:
                    flags[i] |= F_METHADONE
                else:
                    flags[i] &= NOT_METHADONE
            elif u3 < c:
                ev |= E_ARREST
                if u2 < r[R_INCARCERATE]:
                    state[i] = PRISON
            elif u3 < d:
                ev |= E_REFERRAL
                if u2 < r[R_REFERRAL_TX]:
                    state[i] = TREATMENT
                    ev |= E_TX_ENTRY
                    flags[i] &= NOT_METHADONE
            elif (flags[i] & F_INJECTS) and not (flags[i] & F_HIV) and u2 > 1.0 - r[R_HIV]:
                flags[i] |= F_HIV
                ev |= E_HIV
        elif s == TREATMENT:
            if u3 < r[R_TX_DROP]:
                state[i] = DEPENDENT
                risk[i] = RISK_POST_TREATMENT
            elif u3 < r[R_TX_DROP] + r[R_TX_DONE]:
                state[i] = REMISSION
        else:  # REMISSION
            if flags[i] & F_WAS_DEPENDENT:
                if u3 < r[R_RELAPSE_DEP]:
                    state[i] = DEPENDENT
            elif u3 < r[R_RELAPSE_LIGHT]:
                state[i] = OCCASIONAL
        event[i] = ev


@njit(cache=True)
def count_users(market, group, state, flags, event, n_markets, n_groups, n_states, n_bits):
    """People by (market, group, state) and events by (market, group, bit), in agents (integers)."""
    counts = np.zeros((n_markets, n_groups, n_states), np.int64)
    events = np.zeros((n_markets, n_groups, n_bits), np.int64)
    inj = np.zeros((n_markets, n_groups, 2), np.int64)  # injecting dependent users: all, with HIV
    for i in range(state.shape[0]):
        m = market[i]
        g = group[i]
        s = state[i]
        counts[m, g, s] += 1
        e = event[i]
        if e:
            for b in range(n_bits):
                if e & (1 << b):
                    events[m, g, b] += 1
        if s == DEPENDENT and (flags[i] & F_INJECTS):
            inj[m, g, 0] += 1
            if flags[i] & F_HIV:
                inj[m, g, 1] += 1
    return counts, events, inj


@njit(cache=True, parallel=True)
def count_peers(group, state, group_size, n_peer_groups, n_groups):
    """Occasional users and never-users by (peer group, drug group); peer groups are index blocks."""
    light = np.zeros((n_peer_groups, n_groups), np.float64)
    never = np.zeros((n_peer_groups, n_groups), np.float64)
    n = state.shape[0]
    for pg in prange(n_peer_groups):
        lo = pg * group_size
        hi = min(n, lo + group_size)
        for i in range(lo, hi):
            if state[i] == OCCASIONAL:
                light[pg, group[i]] += 1.0
            elif state[i] == NEVER:
                never[pg, group[i]] += 1.0
    return light, never
