"""The user rule for one person, compiled by numba: the state machine both the kernel and its tests run.

Read it against model/users/agent.py (User.step), the same rule in plain Python through Mesa: both take the
same monthly rates (model/users/rates.py) and the same counter-based draws, and tests/test_model.py checks
that they give identical populations. The rule's probabilities are computed in one place here
(``initiation``, ``overdose_hazard``, ``other_death``, ``exits``) and read both by the rule and by the
kernel's screen (model/users/kernel.py).
"""

from __future__ import annotations

from numba import njit

from model.users.states import (
    DEAD, DEPENDENT, E_ARREST, E_HIV, E_INIT, E_OD_DEATH, E_OTHER_DEATH, E_REFERRAL, E_REVERSED, E_TX_ENTRY,
    F_HIV, F_INJECTS, F_METHADONE, F_WAS_DEPENDENT, NEVER, NOT_METHADONE, OCCASIONAL, PRISON, R_ARREST_DEP,
    R_ARREST_OCC, R_BG_DEATH, R_BG_TX_BUP, R_BG_TX_METH, R_ESCALATE, R_HIV, R_IMIT, R_INCARCERATE, R_INNOV,
    R_METH_SHARE, R_NALOXONE, R_OD, R_OD_OCC_W, R_OD_TX_BUP, R_OD_TX_METH, R_POST_EXIT, R_POST_RELEASE,
    R_QUIT_DEP, R_QUIT_LIGHT, R_REFERRAL, R_REFERRAL_OCC, R_REFERRAL_TX, R_RELAPSE_DEP, R_RELAPSE_LIGHT,
    R_RELEASE, R_RELEASE_DEP, R_TX_DONE, R_TX_DROP, R_TX_ENTRY, REMISSION, RISK_NONE, RISK_POST_RELEASE,
    RISK_POST_TREATMENT, TREATMENT, R_BYSTANDER, R_HIV_TX, R_OD_PRISON, R_TX_DROP_METH, R_PRISON_OAT,
    R_PRISON_OAT_RR, R_PRISON_OAT_TX, RISK_POST_RELEASE_OAT,
)


@njit(cache=True, inline="always")
def _p(t):
    """P(u < t) for a uniform draw u in [0, 1)."""
    return min(1.0, max(0.0, t))


@njit(cache=True, inline="always")
def initiation(innov, imit, light, never):
    """A never-user's chance to start this month: innovation (rate R_INNOV) plus imitation (R_IMIT) of the
    light users among the never-users of their peer group. A select, not a branch, so that the screen's loop
    over peer groups vectorizes (callers compile with error_model="numpy": never = 0 gives inf, not an
    exception, and the select drops it)."""
    return innov + imit * light / never if never > 0 else innov


@njit(cache=True, inline="always")
def overdose_hazard(rates, m, g, s, f):
    """Overdose hazard (fatal without naloxone) of someone using in state s with flags f, before any raised
    risk after treatment or prison."""
    h = rates[m, g, R_OD]
    if s == OCCASIONAL:
        h *= rates[m, g, R_OD_OCC_W]
    elif s == TREATMENT:
        h *= rates[m, g, R_OD_TX_METH] if (f & F_METHADONE) else rates[m, g, R_OD_TX_BUP]
    return h


@njit(cache=True, inline="always")
def fatal_share(rates, m, g):
    """Share of overdoses that are fatal: all but those with a bystander (R_BYSTANDER) whom naloxone revives
    (R_NALOXONE, given a bystander). An overdose no one witnesses is never reversed."""
    return 1.0 - rates[m, g, R_BYSTANDER] * rates[m, g, R_NALOXONE]


@njit(cache=True, inline="always")
def treatment_dropout(rates, m, g, f):
    """Monthly chance of leaving treatment early: methadone's or (unflagged) buprenorphine's."""
    return rates[m, g, R_TX_DROP_METH] if (f & F_METHADONE) else rates[m, g, R_TX_DROP]


@njit(cache=True, inline="always")
def other_death(rates, m, g, s, f):
    """Chance of death from other causes; treatment lowers it too (Sordo et al. 2017)."""
    bg = rates[m, g, R_BG_DEATH]
    if s == TREATMENT:
        bg *= rates[m, g, R_BG_TX_METH] if (f & F_METHADONE) else rates[m, g, R_BG_TX_BUP]
    return bg


@njit(cache=True, inline="always")
def exits(rates, m, g, s):
    """Cumulative thresholds of draw 3 for an occasional or dependent user: quit, escalate or enter
    treatment, arrest, referral."""
    if s == OCCASIONAL:
        a = rates[m, g, R_QUIT_LIGHT]
        b = a + rates[m, g, R_ESCALATE]
        c = b + rates[m, g, R_ARREST_OCC]
        return a, b, c, c + rates[m, g, R_REFERRAL_OCC]
    a = rates[m, g, R_QUIT_DEP]
    b = a + rates[m, g, R_TX_ENTRY]
    c = b + rates[m, g, R_ARREST_DEP]
    return a, b, c, c + rates[m, g, R_REFERRAL]


@njit(cache=True, inline="always")
def event_chances(rates, m, g, s, f, rk):
    """This month's chances of an overdose death, a reversed overdose, an arrest and HIV for someone in
    state s with flags f and raised risk rk: the measures of the draws for which step_person takes those
    branches (User.event_chances is the same in plain Python). Summed over the people at risk they are the
    expected counts, which do not move in steps of one agent as the realised counts do."""
    died = 0.0
    rev = 0.0
    arrest = 0.0
    hiv = 0.0
    if s == PRISON:
        died = _p(rates[m, g, R_BG_DEATH] + rates[m, g, R_OD_PRISON]) - _p(rates[m, g, R_BG_DEATH])
    elif s == OCCASIONAL or s == DEPENDENT or s == TREATMENT:
        h = overdose_hazard(rates, m, g, s, f)
        if rk == RISK_POST_TREATMENT:
            h *= rates[m, g, R_POST_EXIT]
        elif rk == RISK_POST_RELEASE:
            h *= rates[m, g, R_POST_RELEASE]
        elif rk == RISK_POST_RELEASE_OAT:
            h *= rates[m, g, R_POST_RELEASE] * rates[m, g, R_PRISON_OAT_RR]
        died = _p(h * fatal_share(rates, m, g))
        rev = _p(h) - died
        alive = 1.0 - died
        at_risk_hiv = ((f & F_INJECTS) != 0) and ((f & F_HIV) == 0)
        if s == OCCASIONAL:
            a, b, c, d = exits(rates, m, g, s)
            arrest = alive * (_p(c) - _p(b))
        elif s == DEPENDENT:
            lives = 1.0 - _p(other_death(rates, m, g, s, f))
            a, b, c, d = exits(rates, m, g, s)
            arrest = alive * lives * (_p(c) - _p(b))
            if at_risk_hiv:  # u2 > 1 - hiv and u2 >= bg, and u3 past every exit
                hiv = alive * (1.0 - _p(d)) * min(lives, _p(rates[m, g, R_HIV]))
        else:
            lives = 1.0 - _p(other_death(rates, m, g, s, f))
            drop = treatment_dropout(rates, m, g, f)
            if at_risk_hiv:
                hiv = alive * (1.0 - _p(drop + rates[m, g, R_TX_DONE])) * min(lives, _p(rates[m, g, R_HIV_TX]))
    return died, rev, arrest, hiv


@njit(cache=True, inline="always")
def _arrested(i, u2, rates, m, g, state, ev):
    """An arrest: prison with the incarceration probability (User._arrested)."""
    if u2 < rates[m, g, R_INCARCERATE]:
        state[i] = PRISON
    return ev | E_ARREST


@njit(cache=True, inline="always")
def _released_to_use(i, u2, u3, rates, m, g, state, flags, risk):
    """Someone with a history of dependence released back to use (User._released_to_use). Those on agonist
    treatment begun in prison (u2 below the release chance times the coverage R_PRISON_OAT: given release,
    u2 / R_RELEASE is a uniform draw of its own) enter community treatment with R_PRISON_OAT_TX, else use at
    the post-release risk cut by R_PRISON_OAT_RR; the others use at the full post-release risk."""
    if u2 < rates[m, g, R_RELEASE] * rates[m, g, R_PRISON_OAT]:
        if u3 < rates[m, g, R_RELEASE_DEP] * rates[m, g, R_PRISON_OAT_TX]:
            state[i] = TREATMENT
            flags[i] &= NOT_METHADONE
            return E_TX_ENTRY
        state[i] = DEPENDENT
        risk[i] = RISK_POST_RELEASE_OAT
        return 0
    state[i] = DEPENDENT
    risk[i] = RISK_POST_RELEASE
    return 0


@njit(cache=True, inline="always")
def step_person(i, u1, u2, u3, market, group, state, flags, risk, event, rates, peer_light, peer_never,
                group_size):
    """The rule for person i, given their three draws (model/users/agent.py: User.step, line for line)."""
    # long by design: the whole state machine in one piece, so it reads in order against User.step
    m = market[i]
    g = group[i]
    s = state[i]
    ev = 0
    if s == DEAD:
        event[i] = 0
        return
    if s == NEVER:
        pg = i // group_size
        if u1 < initiation(rates[m, g, R_INNOV], rates[m, g, R_IMIT], peer_light[pg, g], peer_never[pg, g]):
            state[i] = OCCASIONAL
            ev = E_INIT
        event[i] = ev
        return
    if s == PRISON:
        if u1 < rates[m, g, R_BG_DEATH]:
            state[i] = DEAD
            ev = E_OTHER_DEATH
        elif u1 < rates[m, g, R_BG_DEATH] + rates[m, g, R_OD_PRISON]:
            state[i] = DEAD
            ev = E_OD_DEATH
        elif u2 < rates[m, g, R_RELEASE]:
            if not (flags[i] & F_WAS_DEPENDENT):
                state[i] = OCCASIONAL
            elif u3 < rates[m, g, R_RELEASE_DEP]:
                ev = _released_to_use(i, u2, u3, rates, m, g, state, flags, risk)
            else:
                state[i] = REMISSION
        event[i] = ev
        return
    # overdose: one draw split into death, death prevented by naloxone, non-fatal
    if s != REMISSION:
        h = overdose_hazard(rates, m, g, s, flags[i])
        if risk[i] == RISK_POST_TREATMENT:
            h *= rates[m, g, R_POST_EXIT]
        elif risk[i] == RISK_POST_RELEASE:
            h *= rates[m, g, R_POST_RELEASE]
        elif risk[i] == RISK_POST_RELEASE_OAT:
            h *= rates[m, g, R_POST_RELEASE] * rates[m, g, R_PRISON_OAT_RR]
        fatal = h * fatal_share(rates, m, g)
        if u1 < fatal:
            state[i] = DEAD
            event[i] = E_OD_DEATH
            return
        if u1 < h:
            ev |= E_REVERSED
    risk[i] = RISK_NONE
    if s != OCCASIONAL:
        if u2 < other_death(rates, m, g, s, flags[i]):
            state[i] = DEAD
            event[i] = ev | E_OTHER_DEATH
            return
    if s == OCCASIONAL:
        a, b, c, d = exits(rates, m, g, s)
        if u3 < a:
            state[i] = NEVER  # a light user who stops is susceptible again (LHY)
        elif u3 < b:
            state[i] = DEPENDENT
            flags[i] |= F_WAS_DEPENDENT
        elif u3 < c:
            ev = _arrested(i, u2, rates, m, g, state, ev)
        elif u3 < d:
            ev |= E_REFERRAL
    elif s == DEPENDENT:
        a, b, c, d = exits(rates, m, g, s)
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
            ev = _arrested(i, u2, rates, m, g, state, ev)
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
        drop = treatment_dropout(rates, m, g, flags[i])
        if u3 < drop:
            state[i] = DEPENDENT
            risk[i] = RISK_POST_TREATMENT
        elif u3 < drop + rates[m, g, R_TX_DONE]:
            state[i] = REMISSION
        elif (flags[i] & F_INJECTS) and not (flags[i] & F_HIV) and u2 > 1.0 - rates[m, g, R_HIV_TX]:
            flags[i] |= F_HIV
            ev |= E_HIV
    else:  # REMISSION
        if flags[i] & F_WAS_DEPENDENT:
            if u3 < rates[m, g, R_RELAPSE_DEP]:
                state[i] = DEPENDENT
        elif u3 < rates[m, g, R_RELAPSE_LIGHT]:
            state[i] = OCCASIONAL
    event[i] = ev
