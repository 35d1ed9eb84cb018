"""The kernels as the benchmarks call them: each kernel's arguments on a built model, and a timer that
restores the arrays the kernel writes, so every repetition starts from the same month.

Shared by ``benchmarks.kernels`` (the kernels against Mesa) and ``benchmarks.paired`` (the kernels
against the copy in the same moment).
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks.bandwidth import FARMERS_WRITE, USERS_WRITE


def users_args(m, tile: int = 1) -> tuple[list, dict]:
    """step_users' arguments for model ``m``; ``tile`` > 1 repeats the population (the same
    rules and rates over a larger, out-of-cache population)."""
    u = m.users.people
    cols = {k: getattr(u, k) for k in ("market", "group", "state", "flags", "risk", "event")}
    pl, pn = u.peer_light, u.peer_never
    if tile > 1:
        cols = {k: np.tile(v, tile) for k, v in cols.items()}
        pl, pn = np.tile(pl, (tile, 1)), np.tile(pn, (tile, 1))
    args = [cols["market"], cols["group"], cols["state"], cols["flags"], cols["risk"], cols["event"],
            m.users.rates, pl, pn, u.group_size, m.seed, m.t]
    return args, {k: cols[k] for k in USERS_WRITE}


def farmers_args(m, tile: int = 1) -> tuple[list, dict]:
    """step_farmers' arguments for model ``m`` (``tile`` as for users)."""
    room = m.farmers
    f = room.households
    names = ("cell", "country", "land", "illicit", "trust", "risk_av", "enrolled", "coerced", "frontier", "erad_age",
             "spray_age", "eradicated", "sprayed", "voluntary", "deforested", "replanted", "entered", "abandoned",
             "event")
    cols = {k: getattr(f, k) for k in names}
    if tile > 1:
        cols = {k: np.tile(v, tile) for k, v in cols.items()}
    args = [cols[k] for k in names] + [room.xrates, room.rates, f.cell_lo, f.cell_n, m.seed, m.t]
    return args, {k: cols[k] for k in FARMERS_WRITE}


def users_call(m, tile: int = 1) -> tuple:
    """(a call of step_users on ``m``'s arrays, the arrays it writes, the number of agents)."""
    from model.users.kernel import step_users

    args, writable = users_args(m, tile)
    return (lambda: step_users(*args)), writable, args[2].shape[0]


def farmers_call(m, tile: int = 1) -> tuple:
    """(a call of step_farmers on ``m``'s arrays, the arrays it writes, the number of agents)."""
    from model.farmers.kernel import step_farmers

    args, writable = farmers_args(m, tile)
    return (lambda: step_farmers(*args)), writable, args[0].shape[0]


def time_restoring(fn, writable: dict, reps: int) -> tuple[list[float], dict]:
    """Time ``fn()`` ``reps`` times, restoring ``writable`` arrays before each; returns the times
    and the arrays after one run from the saved state. The arrays end as they started."""
    snap = {k: v.copy() for k, v in writable.items()}

    def restore():
        for k, v in writable.items():
            v[...] = snap[k]

    times = []
    for _ in range(reps):
        restore()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    after = {k: v.copy() for k, v in writable.items()}
    restore()
    return times, after
