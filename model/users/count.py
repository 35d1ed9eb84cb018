"""Counting the users after each month, and the output columns the counts give.

``count_month`` (numba) counts people and events by market, group and state, next month's peer tables,
and person-months and deaths by the state people were in; ``user_columns`` turns the counts into the
users' output columns, in people (not agents)."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from model.users.states import (
    DEAD, DEPENDENT, E_ARREST, E_HIV, E_INIT, E_OD_DEATH, E_REFERRAL, E_REVERSED, E_TX_ENTRY, F_HIV, F_INJECTS,
    F_METHADONE, F_WAS_DEPENDENT, FLAG_CODE_MASK, N_RISKS, NEVER, OCCASIONAL, PRISON, TREATMENT, X_ARREST, X_HIV,
    X_OD_DEATH, X_REVERSED,
)
from model.world import GROUPS

@njit(cache=True)
def _count_block(lo_pg, hi_pg, market, group, state, before, flags, risk, event, group_size, n_bits, counts, events,
                 inj, prison_dep, light, never, pm, dead, classes):
    """count_month's pass over peer groups lo_pg..hi_pg-1 into the given tables."""
    n = state.shape[0]
    for pg in range(lo_pg, hi_pg):
        lo = pg * group_size
        hi = min(n, lo + group_size)
        for i in range(lo, hi):
            m = market[i]
            g = group[i]
            s = state[i]
            counts[m, g, s] += 1
            # states are mixed within a peer group, so a branch on the state mispredicts often; adding the
            # comparison (0 or 1) does not branch (1.3x faster on one thread)
            light[pg, g] += s == OCCASIONAL
            never[pg, g] += s == NEVER
            e = event[i]
            if e:  # about 1% of people have an event
                for b in range(n_bits):
                    if e & (1 << b):
                        events[m, g, b] += 1
            f = flags[i]
            classes[m, g, s, f & FLAG_CODE_MASK, risk[i]] += 1
            b0 = before[i]
            pool = ((f & F_INJECTS) != 0) & ((f & F_WAS_DEPENDENT) != 0) & (b0 != DEAD)
            inj[m, g, 0] += pool
            inj[m, g, 1] += pool & ((f & F_HIV) != 0)
            inj[m, g, 2] += pool & (s == DEAD)
            prison_dep[m, g] += (s == PRISON) & ((f & F_WAS_DEPENDENT) != 0)
            dt = (b0 == DEPENDENT) | (b0 == TREATMENT)  # added, not branched on: about 17% are, at random
            k = 0 if b0 == DEPENDENT else (1 if (f & F_METHADONE) else 2)
            pm[g, k] += dt
            dead[g, k] += dt & (s == DEAD)


COUNT_BLOCK = 1 << 17  # people per block of count_month (whole peer groups; each block has its own tables)


@njit(cache=True)
def count_month(market, group, state, before, flags, risk, event, group_size, n_markets, n_groups, n_states, n_bits):
    """Everything the month needs counted, in one pass after the step (``before``: the states at the
    start of the month):

    - people by (market, group, state) and events by (market, group, bit), in agents;
    - people by class, (market, group, state, flag code, risk), for next month's expected events;
    - the HIV pool by (market, group): people who inject, have been dependent and were alive at the start
      of the month (model/users/hiv.py); of them, those with HIV and those who died this month;
    - people in prison with a history of dependence, by (market, group) (they count as having a disorder);
    - next month's peer tables: occasional and never-users by (peer group, drug group); peer groups
      are blocks of ``group_size`` consecutive indices;
    - person-months and deaths by the state people were in at the start of the month, by group
      (0 dependent, 1 methadone, 2 buprenorphine), for the mortality hazard ratios (T9).

    One pass instead of a pass per table: at one agent per person the month is bound by these passes.
    The pass runs in parallel over blocks of whole peer groups (``_count_blocks``). Each block counts into
    tables of its own (the peer tables' rows are its own already), which are then added up: the counts
    are integers, so the result is the same on any number of threads. Only the loop over blocks is compiled
    with parallel=True: numba's parallel pass over this function's allocations and sums took 4 s more to
    compile, on every cold start."""
    n = state.shape[0]
    n_pg = (n + group_size - 1) // group_size
    pg_per = max(1, COUNT_BLOCK // group_size)
    n_blocks = max(1, (n_pg + pg_per - 1) // pg_per)
    counts_b = np.zeros((n_blocks, n_markets, n_groups, n_states), np.int64)
    events_b = np.zeros((n_blocks, n_markets, n_groups, n_bits), np.int64)
    inj_b = np.zeros((n_blocks, n_markets, n_groups, 3), np.int64)
    prison_b = np.zeros((n_blocks, n_markets, n_groups), np.int64)
    pm_b = np.zeros((n_blocks, n_groups, 3), np.int64)
    dead_b = np.zeros((n_blocks, n_groups, 3), np.int64)
    classes_b = np.zeros((n_blocks, n_markets, n_groups, n_states, FLAG_CODE_MASK + 1, N_RISKS), np.int64)
    light = np.zeros((n_pg, n_groups), np.float64)
    never = np.zeros((n_pg, n_groups), np.float64)
    _count_blocks(n_blocks, pg_per, n_pg, market, group, state, before, flags, risk, event, group_size, n_bits,
                  counts_b, events_b, inj_b, prison_b, light, never, pm_b, dead_b, classes_b)
    return (_add_blocks(counts_b), _add_blocks(events_b), _add_blocks(inj_b), _add_blocks(prison_b), light, never,
            _add_blocks(pm_b), _add_blocks(dead_b), _add_blocks(classes_b))


@njit(cache=True, parallel=True)
def _count_blocks(n_blocks, pg_per, n_pg, market, group, state, before, flags, risk, event, group_size, n_bits,
                  counts_b, events_b, inj_b, prison_b, light, never, pm_b, dead_b, classes_b):
    for blk in prange(n_blocks):
        _count_block(blk * pg_per, min(n_pg, (blk + 1) * pg_per), market, group, state, before, flags, risk, event,
                     group_size, n_bits, counts_b[blk], events_b[blk], inj_b[blk], prison_b[blk], light, never,
                     pm_b[blk], dead_b[blk], classes_b[blk])


@njit(cache=True)
def _add_blocks(tables):
    """The sum of the blocks' tables (axis 0), in one small loop (np.sum over an axis compiles far slower)."""
    flat = tables.reshape(tables.shape[0], -1)
    out = np.zeros(flat.shape[1], tables.dtype)
    for b in range(flat.shape[0]):
        for k in range(flat.shape[1]):
            out[k] += flat[b, k]
    return out.reshape(tables.shape[1:])


# --- the columns ------------------------------------------------------------------------
BIT = {E_INIT: 0, E_OD_DEATH: 1, E_REVERSED: 2, E_HIV: 3, E_ARREST: 4, E_TX_ENTRY: 5, E_REFERRAL: 7}


def user_columns(users, markets: list[str], fentanyl_share: dict, nonfatal_per_fatal: float) -> dict:
    """This month's columns from the users' counts (``fentanyl_share``: of each market's opioid supply)."""
    s = users.people.scale
    counts, events = users.counts, users.events
    out: dict = {}
    ev = events.sum(axis=1)  # by market, bit
    out["overdose_deaths"] = ev[:, BIT[E_OD_DEATH]].sum() * s
    out["overdoses_reversed"] = ev[:, BIT[E_REVERSED]].sum() * s
    # overdoses that were not life-threatening: expected number, from the ratio to would-be-fatal ones
    out["overdoses_nonfatal"] = (out["overdose_deaths"] + out["overdoses_reversed"]) * nonfatal_per_fatal
    # a substance use disorder: dependent use, in treatment, or in prison with a history of dependence
    prison_dep = users.prison_dep.sum(axis=1)  # by market
    out["people_with_sud"] = (counts[:, :, DEPENDENT].sum() + counts[:, :, TREATMENT].sum() + prison_dep.sum()) * s
    out["in_treatment"] = counts[:, :, TREATMENT].sum() * s
    # the reform question's "use": people who used this month (occasional or dependent, not in treatment)
    out["people_using"] = (counts[:, :, OCCASIONAL].sum() + counts[:, :, DEPENDENT].sum()) * s
    out["initiations"] = ev[:, BIT[E_INIT]].sum() * s
    out["new_hiv_pwid"] = ev[:, BIT[E_HIV]].sum() * s
    out["arrests"] = ev[:, BIT[E_ARREST]].sum() * s
    out["referrals"] = ev[:, BIT[E_REFERRAL]].sum() * s
    out["treatment_entries"] = ev[:, BIT[E_TX_ENTRY]].sum() * s
    out["incarcerated"] = counts[:, :, PRISON].sum() * s
    # expected counts: the sums of the event chances of the people at risk (rule.py: event_chances); unlike
    # the realised counts above they do not move in steps of one agent (``s`` people)
    x = users.expected
    out["overdose_deaths_expected"] = x[:, X_OD_DEATH].sum() * s
    out["overdoses_reversed_expected"] = x[:, X_REVERSED].sum() * s
    out["new_hiv_pwid_expected"] = x[:, X_HIV].sum() * s
    out["arrests_expected"] = x[:, X_ARREST].sum() * s
    for mi, mk in enumerate(markets):
        out[f"overdose_deaths_{mk}"] = ev[mi, BIT[E_OD_DEATH]] * s
        out[f"overdose_deaths_expected_{mk}"] = x[mi, X_OD_DEATH] * s
        out[f"new_hiv_pwid_expected_{mk}"] = x[mi, X_HIV] * s
        out[f"people_with_sud_{mk}"] = (counts[mi, :, DEPENDENT].sum() + counts[mi, :, TREATMENT].sum()
                                        + prison_dep[mi]) * s
        out[f"fentanyl_share_{mk}"] = fentanyl_share[mk]
    for (state, g), pm in users.person_months.items():
        out[f"person_months_{state}_{g}"] = pm
        out[f"deaths_{state}_{g}"] = users.deaths_by_prior[(state, g)]
    for gi, g in enumerate(GROUPS):
        out[f"overdose_deaths_{g}"] = events[:, gi, BIT[E_OD_DEATH]].sum() * s
        for mi, mk in enumerate(markets):
            out[f"overdose_deaths_{g}_{mk}"] = events[mi, gi, BIT[E_OD_DEATH]] * s
        out[f"users_dependent_{g}"] = counts[:, gi, DEPENDENT].sum() * s
        out[f"users_occasional_{g}"] = counts[:, gi, OCCASIONAL].sum() * s
    return out
