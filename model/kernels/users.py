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
    R_BG_DEATH, R_BG_TX_BUP, R_BG_TX_METH, R_ESCALATE, R_HIV, R_IMIT, R_INCARCERATE, R_INNOV, R_METH_SHARE,
    R_NALOXONE, R_OD,
    R_OD_OCC_W, R_OD_TX_BUP, R_OD_TX_METH, R_POST_EXIT, R_POST_RELEASE, R_QUIT_DEP, R_QUIT_LIGHT,
    R_REFERRAL, R_REFERRAL_OCC, R_REFERRAL_TX, R_RELAPSE_DEP, R_RELAPSE_LIGHT, R_RELEASE, R_RELEASE_DEP, R_TX_DONE,
    R_TX_DROP, R_TX_ENTRY, REMISSION, RISK_NONE, RISK_POST_RELEASE, RISK_POST_TREATMENT, TREATMENT,
)


@njit(cache=True, parallel=True)
def step_users(market, group, state, flags, risk, event, rates, peer_light, peer_never, group_size,
               seed, month):
    """Advance every person one month. Writes state, flags, risk and this month's event bits.

    Rates are read as ``rates[m, g, R_X]`` (a row view per person would build a small array object each
    time), and the second and third draws are made after the never-user branch, which needs only one.
    The draws are counter-based, so when a draw is made does not change its value."""
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
        # overdose: one draw split into death, death prevented by naloxone, non-fatal
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
        if s != OCCASIONAL:
            bg = rates[m, g, R_BG_DEATH]
            if s == TREATMENT:  # treatment also lowers deaths from other causes (Sordo et al. 2017)
                bg *= rates[m, g, R_BG_TX_METH] if (flags[i] & F_METHADONE) else rates[m, g, R_BG_TX_BUP]
            if u2 < bg:
                state[i] = DEAD
                event[i] = ev | E_OTHER_DEATH
                continue
        if s == OCCASIONAL:
            a = rates[m, g, R_QUIT_LIGHT]
            b = a + rates[m, g, R_ESCALATE]
            c = b + rates[m, g, R_ARREST_OCC]
            d = c + rates[m, g, R_REFERRAL_OCC]
            if u3 < a:
                state[i] = NEVER  # a light user who stops is susceptible again (LHY)
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
        else:  # REMISSION
            if flags[i] & F_WAS_DEPENDENT:
                if u3 < rates[m, g, R_RELAPSE_DEP]:
                    state[i] = DEPENDENT
            elif u3 < rates[m, g, R_RELAPSE_LIGHT]:
                state[i] = OCCASIONAL
        event[i] = ev


@njit(cache=True)
def count_month(market, group, state, before, flags, event, group_size, n_markets, n_groups, n_states, n_bits):
    """Everything the month needs counted, in one serial pass after the step (``before``: the states at
    the start of the month):

    - people by (market, group, state) and events by (market, group, bit), in agents;
    - injecting dependent users by (market, group): all, with HIV;
    - people in prison with a history of dependence, by market (they count as having a disorder);
    - next month's peer tables: occasional and never-users by (peer group, drug group); peer groups
      are blocks of ``group_size`` consecutive indices;
    - person-months and deaths by the state people were in at the start of the month, by group
      (0 dependent, 1 methadone, 2 buprenorphine), for the mortality hazard ratios (T9).

    One pass instead of a pass per table: at one agent per person the month is memory-bound on
    these passes, not on the step."""
    counts = np.zeros((n_markets, n_groups, n_states), np.int64)
    events = np.zeros((n_markets, n_groups, n_bits), np.int64)
    inj = np.zeros((n_markets, n_groups, 2), np.int64)
    prison_dep = np.zeros(n_markets, np.int64)
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
            elif s == PRISON and (f & F_WAS_DEPENDENT):
                prison_dep[m] += 1
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
    return counts, events, inj, prison_dep, light, never, pm, dead
