"""Memory bandwidth with a STREAM-like copy, and the bytes each kernel moves per agent-step.

STREAM counts a copy ``b[i] = a[i]`` of N doubles as 16 N bytes (one read, one write) and
ignores the extra read a cache does before it writes a line (write-allocate). The kernels'
bytes per agent-step below are counted the same way, so the two are comparable:

- each array a kernel reads, once per agent (its item size);
- each array a kernel may write, once per agent, even where a write happens only for some
  agents (an upper bound: it makes the bandwidth fraction generous, never harsh);
- small tables indexed per agent (rates per market and group, per-cell utilities) stay in
  cache and are counted as their size divided by the number of agents;
- the users' peer-group counts (two float64 tables of groups x drug groups) likewise.

The users kernel screens its draws and runs the rule only for the ~1% it flags (model/users/kernel.py),
so the count above is far from what it moves. ``users_bytes_moved`` counts that instead, array by array
(the "strict" figure): the five columns read, the event written, for everyone; state, flags and risk
written only for the people the rule acted on; and the tables, the kernel's own included, written or
read once each.
"""

from __future__ import annotations

import time

import numpy as np
from numba import njit, prange

# What the kernels touch per agent (see model/users/kernel.py and model/farmers/kernel.py).
USERS_READ = ("market", "group", "state", "flags", "risk")
USERS_WRITE = ("state", "flags", "risk", "event")
FARMERS_READ = ("cell", "country", "land", "illicit", "trust", "risk_av", "enrolled", "coerced", "frontier",
                "erad_age", "spray_age")
FARMERS_WRITE = ("cell", "illicit", "trust", "enrolled", "erad_age", "spray_age", "eradicated", "sprayed", "voluntary",
                 "deforested", "replanted", "entered", "abandoned", "event")


@njit(cache=True)
def copy_serial(a, b):
    for i in range(a.shape[0]):
        b[i] = a[i]


@njit(cache=True, parallel=True)
def copy_parallel(a, b):
    for i in prange(a.shape[0]):
        b[i] = a[i]


def copy_numpy(a, b):
    np.copyto(b, a)


def best_time(fn, a, b, reps: int, warm: bool = True) -> float:
    """The least of ``reps`` timings of ``fn(a, b)``; ``warm``: one untimed call first (first touch, compile)."""
    if warm:
        fn(a, b)
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn(a, b)
        best = min(best, time.perf_counter() - t0)
    return best


def stream_copy(n_doubles: int = 1 << 26, reps: int = 5) -> dict:
    """GB/s (1e9 bytes/s) of a copy of ``n_doubles`` float64 (default 512 MiB per array, far above
    the 32 MiB L3): NumPy (one thread), a numba loop on one thread and on all numba threads."""
    import numba

    a = np.full(n_doubles, 1.5)
    b = np.zeros(n_doubles)
    nbytes = 2 * a.nbytes
    out = {"array_mib": a.nbytes / 2**20, "reps": reps}
    out["numpy_copy_gbps"] = nbytes / best_time(copy_numpy, a, b, reps) / 1e9
    out["numba_copy_1thread_gbps"] = nbytes / best_time(copy_serial, a, b, reps) / 1e9
    nt = numba.get_num_threads()
    out["numba_threads"] = nt
    out["numba_copy_parallel_gbps"] = nbytes / best_time(copy_parallel, a, b, reps) / 1e9
    keys = ("numpy_copy_gbps", "numba_copy_1thread_gbps", "numba_copy_parallel_gbps")
    out["best_gbps"] = max(out[k] for k in keys)
    out["best_of"] = max(keys, key=lambda k: out[k])
    for k in keys:
        out[k] = round(out[k], 2)
    out["best_gbps"] = round(out["best_gbps"], 2)
    return out


def achieved_gbps(msteps_per_s: float, bytes_per_step: float) -> float:
    """GB/s (1e9 bytes/s) a kernel moves at ``msteps_per_s`` million agent-steps a second."""
    return msteps_per_s * 1e6 * bytes_per_step / 1e9


def users_bytes_per_step(pop) -> dict:
    """Bytes the user kernel moves per agent-step, counted as in STREAM (see the module)."""
    n = pop.n
    read = sum(getattr(pop, k).itemsize for k in USERS_READ)
    write = sum(getattr(pop, k).itemsize for k in USERS_WRITE)
    peers = (pop.peer_light.nbytes + pop.peer_never.nbytes) / n
    return {"read": read, "write": write, "peer_tables": round(peers, 3), "total": read + write + peers}


def farmers_bytes_per_step(pop, model) -> dict:
    """Bytes the farmer kernel moves per agent-step: its columns, plus the per-cell tables."""
    n = pop.n
    read = sum(getattr(pop, k).itemsize for k in FARMERS_READ)
    write = sum(getattr(pop, k).itemsize for k in FARMERS_WRITE)
    room = model.farmers
    tables = (room.xrates.nbytes + room.rates.nbytes) / n
    return {"read": read, "write": write, "cell_tables": round(tables, 4), "total": read + write + tables}


def users_bytes_moved(pop, rates, n_acted: int) -> dict:
    """Bytes the users kernel actually moves per agent-step, array by array (the strict count; see the
    module). ``n_acted``: the people the rule acted on in the month timed (their state, flags or risk
    changed, or they have an event): about the people the screen flags, whose writes are counted as
    all three columns."""
    from model.users.kernel import N_FLAG_CODES, N_STATES, chunk_size

    n = pop.n
    n_m, n_g = rates.shape[0], rates.shape[1]
    n_pg = (n + pop.group_size - 1) // pop.group_size
    ch = chunk_size(pop.group_size)  # as step_users chunks the population
    n_words = ((n + ch - 1) // ch) * ((ch + 63) // 64)
    arrays = {f"{k} (read, everyone)": getattr(pop, k).itemsize for k in USERS_READ}
    arrays["event (written, everyone)"] = pop.event.itemsize
    for k in ("state", "flags", "risk"):
        arrays[f"{k} (written, the people acted on)"] = getattr(pop, k).itemsize * n_acted / n
    arrays["peer tables (read)"] = (pop.peer_light.nbytes + pop.peer_never.nbytes) / n
    arrays["rates (read)"] = rates.nbytes / n
    arrays["class bounds (written, read)"] = 2 * 8 * n_m * n_g * N_STATES * N_FLAG_CODES / n
    arrays["never-users' bounds (written, read)"] = 2 * 8 * n_pg * n_g / n
    arrays["screen's flag words (written, read)"] = 2 * 8 * n_words / n
    arrays["peer-group slots (written, read)"] = 2 * 8 * ch / n
    arrays["initiation rates by chunk entry (written, read)"] = 2 * 8 * n_m * 2 * (ch // pop.group_size) * n_g / n
    return {"arrays": {k: round(v, 4) for k, v in arrays.items()}, "acted_fraction": round(n_acted / n, 5),
            "total": sum(arrays.values())}
