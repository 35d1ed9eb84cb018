"""The user rule as a numba kernel over the population arrays.

Every probability is computed beforehand per (market, group) by model/users/rates.py; each person only
compares draws with them. ``step_person`` (model/users/rule.py) is the state machine, the same rule as
model/users/agent.py (User.step) for one person in plain Python; ``step_users`` applies it only to the
people a vectorized screen of their draws flags (see its docstring), with the same results.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange
from numba.cpython.unsafe.numbers import trailing_zeros

from model import rng
from model.users.rule import (
    event_chances, exits, fatal_share, initiation, other_death, overdose_hazard, step_person, treatment_dropout,
)
from model.users.states import (
    DEAD, DEPENDENT, F_HIV, F_INJECTS, F_METHADONE, F_WAS_DEPENDENT, NEVER, OCCASIONAL, PRISON, R_HIV, R_HIV_TX,
    R_IMIT, R_INNOV, R_OD_PRISON, R_RELAPSE_DEP, R_RELAPSE_LIGHT, R_RELEASE, R_TX_DONE, R_BG_DEATH, REMISSION,
    RISK_NONE, TREATMENT, N_EXPECTED,
)


# --- the screen ------------------------------------------------------------------------
# A draw is u = (z >> 11) / 2**53 for the 64 random bits z of rng.bits. Its top 15 bits v = z >> 49 bound it:
# v / 2**15 <= u < (v + 1) / 2**15. So "u < t" implies "v < _below(t)" and "u > t" implies
# "v >= _above(t)": compared on v, with bounds rounded outwards, the screen can flag a person the rule then
# leaves alone (at most 1 in 32,768 per bound), never miss one. Integer compares on 16-bit fields also pack
# a person's four bounds into one 64-bit word, fetched with one gather.
_V_SHIFT = np.uint64(49)
_V_ONE = 1 << 15  # v < _V_ONE for every draw
_FIELD = np.uint64(0xFFFF)
N_STATES = DEAD + 1  # states are 0..DEAD
N_FLAG_CODES = 16  # the rule reads flag bits F_INJECTS, F_HIV, F_WAS_DEPENDENT, F_METHADONE (0-15)
# The class table has a row for every state 0..DEAD and every combination of the four flag bits the rule
# reads (the screen masks flags with 15). A new state or flag bit needs a row here and a case in _quiet_bounds,
# or the screen would pass over people the rule changes: fail at import rather than silently.
if (NEVER, OCCASIONAL, DEPENDENT, TREATMENT, REMISSION, PRISON, DEAD) != tuple(range(N_STATES)) or (
        F_INJECTS | F_HIV | F_WAS_DEPENDENT | F_METHADONE) != N_FLAG_CODES - 1:
    raise ImportError("model/users/kernel.py: the screen assumes user states 0..DEAD and flag bits 0-3, and "
                      "model/users/states.py no longer matches: extend N_STATES, N_FLAG_CODES and _quiet_bounds")
CHUNK = 1000  # people per chunk (rounded to whole peer groups): its draws' bounds and bytes stay in L1


@njit(cache=True)
def chunk_size(group_size):
    """People per chunk of the screen: CHUNK rounded down to whole peer groups (at least one)."""
    return group_size * max(1, CHUNK // group_size)


@njit(cache=True, inline="always")
def _below(t):
    """The least field b with: u < t implies v < b. Selects, not branches: the screen computes it for every
    peer group in a vector loop."""
    b = np.ceil(t * 32768.0)  # exact: scaling by a power of two
    b = 32768.0 if t >= 1.0 else b
    return np.uint64(b if t > 0.0 else 0.0)  # NaN too: u < NaN is never true


@njit(cache=True)
def _above(t):
    """The greatest field a with: u > t implies v >= a (from (v + 1) / 2**15 > u > t)."""
    if not (t < 1.0):  # NaN too
        return np.uint64(_V_ONE)
    if t < 0.0:
        return np.uint64(0)
    return np.uint64(np.floor(t * 32768.0))


@njit(cache=True)
def _pack(b1, b2, b3, a2):
    """Something may happen to a person only if v1 < b1, v2 < b2, v3 < b3 or v2 >= a2."""
    return (np.uint64(b1) | (np.uint64(b2) << np.uint64(16)) | (np.uint64(b3) << np.uint64(32))
            | (np.uint64(a2) << np.uint64(48)))

@njit(cache=True, inline="always")
def _quiet_bounds(rates, m, g, s, f):
    """The packed bounds for people in market m, group g, state s with flags f and risk RISK_NONE (anyone at
    raised risk is flagged anyway): one bound for every comparison by which step_person could change
    them, computed with the same arithmetic. Never-users are bounded per peer group in _screen_chunk.

    Inlined into step_users' table of about 1,000 classes: as calls, the table took 15 us of each month's
    step, on one thread while the other waited (15 of the roughly 540 us the kernel takes on two threads at
    national size)."""
    b1 = np.uint64(0)  # unsigned like _below's and _above's fields (numba would unify int and uint as float)
    b2 = np.uint64(0)
    b3 = np.uint64(0)
    a2 = np.uint64(_V_ONE)
    if s == PRISON:
        b1 = max(_below(rates[m, g, R_BG_DEATH]), _below(rates[m, g, R_BG_DEATH] + rates[m, g, R_OD_PRISON]))
        b2 = _below(rates[m, g, R_RELEASE])
    elif s == OCCASIONAL or s == DEPENDENT or s == TREATMENT or s == REMISSION:
        if s != REMISSION:
            h = overdose_hazard(rates, m, g, s, f)
            fatal = h * fatal_share(rates, m, g)
            b1 = max(_below(fatal), _below(h))
        if s != OCCASIONAL:
            b2 = _below(other_death(rates, m, g, s, f))
        # every other use of u2 sits under a u3 branch, so it is covered by b3
        if s == OCCASIONAL or s == DEPENDENT:
            a, b, c, d = exits(rates, m, g, s)
            b3 = max(max(_below(a), _below(b)), max(_below(c), _below(d)))
            if s == DEPENDENT and (f & F_INJECTS) and not (f & F_HIV):
                a2 = _above(1.0 - rates[m, g, R_HIV])
        elif s == TREATMENT:
            drop = treatment_dropout(rates, m, g, f)
            b3 = max(_below(drop), _below(drop + rates[m, g, R_TX_DONE]))
            if (f & F_INJECTS) and not (f & F_HIV):
                a2 = _above(1.0 - rates[m, g, R_HIV_TX])
        else:
            b3 = _below(rates[m, g, R_RELAPSE_DEP] if (f & F_WAS_DEPENDENT) else rates[m, g, R_RELAPSE_LIGHT])
    return _pack(b1, b2, b3, a2)


@njit(cache=True, inline="always")
def _screen_chunk(lo, hi, masks, pg_slot, bounds, n_cls, init_rates, light, never, market, group, state, flags, risk,
                  event, rates, peer_light, peer_never, group_size, ka, kb, kc):
    """Both passes over people lo..hi-1, a whole number of peer groups. ``masks``: the chunk's flag words,
    one per 64 people; ``pg_slot[j]``: (j // group_size) * number of groups, the offset of person lo + j's
    peer group among the never-users' bounds. ``light``, ``never``: the peer tables, flattened;
    ``init_rates[m, 0 or 1, k]``: R_INNOV or R_IMIT of market m for entry k of a chunk's stretch of them.

    Inlined into step_users' parallel loop: as a call per chunk, numba would take and release a reference
    to each of its arrays and slices (atomic updates of counters both threads share), and that cost
    about 15% of the kernel (measured on one thread)."""
    n_g = rates.shape[1]
    n_gu = np.uint64(n_g)
    n = hi - lo
    mk = market[lo:hi]
    gr = group[lo:hi]
    st = state[lo:hi]
    fl = flags[lo:hi]
    rk = risk[lo:hi]
    ev = event[lo:hi]
    # Never-users' bound: their peer group's initiation probability, with the chunk's market. The
    # population is sorted by market, so few chunks hold two; there every never-user is flagged.
    # (Arrays are indexed with unsigned integers below: no negative-index check, so loops vectorize.)
    m0 = mk[0]
    mixed = 0
    for j in range(np.uint64(n)):
        mixed |= mk[j] ^ m0
    all_never = np.uint64(_V_ONE if mixed else 0)
    kp = np.uint64((lo // group_size) * n_g)  # the chunk's first (peer group, drug group) entry
    base = np.uint64(n_cls) + kp
    # one vector loop over the chunk's entries of the peer tables (about 60), a division each: as nested
    # loops over peer and drug groups with branches, this took about 8% of the kernel (one thread, national)
    for k in range(np.uint64(((n + group_size - 1) // group_size) * n_g)):
        p = initiation(init_rates[m0, 0, k], init_rates[m0, 1, k], light[kp + k], never[kp + k])
        bounds[base + k] = _pack(max(_below(p), all_never), 0, 0, _V_ONE)
    for j in range(np.uint64(n)):
        ev[j] = 0  # the quiet majority's event; flagged people overwrite it
    n_w = (n + 63) // 64
    # pass 1, branch-free, over the whole chunk before any of pass 2: flag the people whose draws fall
    # where the rule acts, 64 to a word (the vector loop is not interrupted by the rule's branches)
    for w in range(n_w):
        w0 = w * 64
        flagged = np.uint64(0)
        # the draws' counter for person lo + j, stepped by additions: LLVM then adds 8 * STEP per vector
        # instead of multiplying every lane (one 64-bit multiply in eight; 1.5% faster on one thread)
        z = np.uint64(lo + w0 + 1) * rng.STEP
        for j in range(w0, min(n, w0 + 64)):
            ju = np.uint64(j)
            # the class index in unsigned arithmetic: a signed one costs the gather a negative-index fix-up
            # per lane (about 5% of the kernel, one thread)
            s = np.uint64(st[ju])
            g = np.uint64(gr[ju])
            k_class = ((np.uint64(mk[ju]) * n_gu + g) * np.uint64(N_STATES) + s) * np.uint64(N_FLAG_CODES) + (
                fl[ju] & np.uint8(15))
            k_never = base + pg_slot[ju] + g  # a table lookup, not a division by group_size
            e = bounds[k_never if s == NEVER else k_class]
            v1 = rng.bits_at(ka, z) >> _V_SHIFT  # = rng.bits(ka, lo + j) >> _V_SHIFT
            v2 = rng.bits_at(kb, z) >> _V_SHIFT
            v3 = rng.bits_at(kc, z) >> _V_SHIFT
            z += rng.STEP
            hit = ((v1 < (e & _FIELD)) | (v2 < ((e >> np.uint64(16)) & _FIELD))
                   | (v3 < ((e >> np.uint64(32)) & _FIELD)) | (v2 >= (e >> np.uint64(48))) | (rk[ju] != RISK_NONE))
            flagged |= np.uint64(hit) << np.uint64(j - w0)
        masks[w] = flagged
    # pass 2: the rule, for the flagged people only
    for w in range(n_w):
        flagged = masks[w]
        while flagged:
            i = lo + w * 64 + np.int64(trailing_zeros(flagged))
            flagged &= flagged - np.uint64(1)
            step_person(i, rng.uniform(ka, i), rng.uniform(kb, i), rng.uniform(kc, i), market, group, state, flags,
                         risk, event, rates, peer_light, peer_never, group_size)


@njit(cache=True, parallel=True, error_model="numpy")
def step_users(market, group, state, flags, risk, event, rates, peer_light, peer_never, group_size,
               seed, month):
    """Advance every person one month. Writes state, flags, risk and this month's event bits.

    In a month most people do nothing: at national size about 98% keep their state, flags and risk, and
    only their event (0) is written. Which ones is decided by their draws alone: someone in state s does
    something only if a draw falls below (or, for HIV, above) one of the rule's probabilities for their
    market, group, state and flags, or, for never-users, below their peer group's initiation probability.
    So each chunk of the population takes two passes:

    1. a branch-free screen: per person, three counter-hash draws, one lookup of the packed bounds of
       their class (a table made once a month, by ``_quiet_bounds``) and integer compares, into a bit
       mask per 64 people. It has no data-dependent branch, so LLVM vectorizes it (AVX-512 on the
       benchmark machine); it writes only the events (0) and the masks.
    2. once the whole chunk is screened, ``step_person``, the rule as before, for each flagged person
       (about 2% at national size).

    The bounds are rounded outwards (see ``_below``), so the screen may flag a few people the rule leaves
    alone but never passes over one it would change; anyone at raised overdose risk is flagged, since the
    rule resets it. The draws are counter-based, so when a draw is made does not change its value: the
    result is bit-identical to running ``step_person`` on everyone (tests/test_model.py checks this)."""
    ka = rng.key(seed, rng.USER, month)
    kb = rng.key(seed, rng.USER_B, month)
    kc = rng.key(seed, rng.USER_C, month)
    n = state.shape[0]
    n_m, n_g = rates.shape[0], rates.shape[1]
    n_pg = (n + group_size - 1) // group_size
    # classes first, then one slot per (peer group, drug group) for never-users, filled chunk by chunk
    n_cls = n_m * n_g * N_STATES * N_FLAG_CODES
    bounds = np.empty(n_cls + n_pg * n_g, np.uint64)
    for m in range(n_m):
        for g in range(n_g):
            for s in range(N_STATES):
                for f in range(N_FLAG_CODES):
                    bounds[((m * n_g + g) * N_STATES + s) * N_FLAG_CODES + f] = _quiet_bounds(rates, m, g, s, f)
    ch = chunk_size(group_size)
    pg_slot = np.empty(ch, np.uint64)
    for j in range(ch):
        pg_slot[j] = (j // group_size) * n_g
    # R_INNOV and R_IMIT laid out as a chunk's stretch of the flattened peer tables (drug group fastest)
    n_k = (ch // group_size) * n_g
    init_rates = np.empty((n_m, 2, n_k))
    for m in range(n_m):
        for k in range(n_k):
            init_rates[m, 0, k] = rates[m, k % n_g, R_INNOV]
            init_rates[m, 1, k] = rates[m, k % n_g, R_IMIT]
    light = peer_light.reshape(-1)
    never = peer_never.reshape(-1)
    n_w = (ch + 63) // 64
    masks = np.empty(((n + ch - 1) // ch) * n_w, np.uint64)  # pass 1's flag words, n_w per chunk
    for c in prange((n + ch - 1) // ch):
        _screen_chunk(c * ch, min(n, (c + 1) * ch), masks[c * n_w:(c + 1) * n_w], pg_slot, bounds, n_cls, init_rates,
                      light, never, market, group, state, flags, risk, event, rates, peer_light, peer_never, group_size,
                      ka, kb, kc)


@njit(cache=True, parallel=True, error_model="numpy")
def step_every_person(market, group, state, flags, risk, event, rates, peer_light, peer_never, group_size,
                      seed, month):
    """``step_users`` without the screen: the rule for everyone, as the kernel was before it. For tests
    and the benchmark's anatomy; ``step_users`` must give exactly the same arrays."""
    ka = rng.key(seed, rng.USER, month)
    kb = rng.key(seed, rng.USER_B, month)
    kc = rng.key(seed, rng.USER_C, month)
    for i in prange(state.shape[0]):
        step_person(i, rng.uniform(ka, i), rng.uniform(kb, i), rng.uniform(kc, i), market, group, state, flags,
                     risk, event, rates, peer_light, peer_never, group_size)


@njit(cache=True)
def expected_events(rates, classes):
    """Expected events this month by market, in agents: [market, X_OD_DEATH .. X_HIV]. ``classes``: people
    by (market, group, state, flag code, risk) at the start of the month (count_month's last count); each
    class's people times its ``event_chances``, summed in a fixed order (so the same on any number of
    threads, and on the reference path, User.expected_events)."""
    n_m, n_g, n_s, n_f, n_r = classes.shape
    out = np.zeros((n_m, N_EXPECTED))
    for m in range(n_m):
        for g in range(n_g):
            for s in range(n_s):
                for f in range(n_f):
                    for r in range(n_r):
                        k = classes[m, g, s, f, r]
                        if k == 0:
                            continue
                        died, rev, arrest, hiv = event_chances(rates, m, g, s, f, r)
                        out[m, 0] += k * died
                        out[m, 1] += k * rev
                        out[m, 2] += k * arrest
                        out[m, 3] += k * hiv
    return out
