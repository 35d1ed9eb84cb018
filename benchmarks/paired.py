"""Each kernel's share of the memory bandwidth, with the bandwidth measured in the same moment.

The share is a ratio of two timings: a kernel's GB/s over the machine's copy GB/s. On these 2-vCPU
KVM guests the host gives and takes the second core in phases of seconds, and the two timings move
differently when it does: the copy on two threads measured 42 GB/s in some phases and 58-69 GB/s in
others, while the kernels, bound by their instructions, slowed to a single core's speed in others
(measured 2026-11-23, docs/performance.md). Measured minutes apart, as the bandwidth and kernels sections are,
the ratio then compares one phase with another, and came out anywhere from 15% to 37% for the same
code: flattering when the copy ran in a one-core phase and the kernel in a two-core one, harsh the
other way round.

So the share is measured in rounds. Each round times the copy (best of ``copy_reps`` on all threads
and in NumPy on one thread) and then each kernel (best of ``reps``) on the national arrays, and its
share is the kernel's GB/s over that round's copy. A round takes about a fifth of a second, so both
timings of a round usually fall in one phase. The benchmark reports the median share over the rounds,
its range, how many rounds reached 25%, and, as the strictest reading, the kernel's median speed against
the fastest copy of all the rounds. It also counts, per kernel, the rounds in which it ran under
``SLOW_ROUND`` of its fastest round: with two cores a kernel runs 1.6-2.2 times as fast as with one, so
such a round most likely had one core, and a reader can tell a run the host slowed from a slow kernel.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from benchmarks.bandwidth import achieved_gbps, best_time, copy_numpy, copy_parallel
from benchmarks.common import SLOW_ROUND
from benchmarks.kernel_calls import farmers_call, time_restoring, users_call


def rounds(m, n_rounds: int, reps: int, copy_doubles: int, copy_reps: int, bytes_per_step: dict,
           threshold: float = 0.25) -> dict:
    """Paired rounds on model ``m`` (built and set to the next month by ``kernels.build``).

    ``bytes_per_step``: {name: (kernel, bytes per agent-step)} with kernel "users" or "farmers"; one share
    per name, so the users kernel can be counted both the STREAM way and by the bytes it moves."""
    calls = {"users": users_call(m), "farmers": farmers_call(m)}
    a = np.full(copy_doubles, 1.5)
    b = np.zeros(copy_doubles)
    nbytes = 2 * a.nbytes  # STREAM's count for a copy: one read and one write per element

    def copy_gbps() -> float:
        t = min(best_time(copy_parallel, a, b, copy_reps, warm=False),
                best_time(copy_numpy, a, b, copy_reps, warm=False))
        return nbytes / t / 1e9

    # compile or load, and touch the arrays, outside the clock (once, not every round); the kernels' arrays
    # end as they started
    copy_parallel(a, b)
    copy_numpy(a, b)
    for fn, writable, _ in calls.values():
        time_restoring(fn, writable, 1)
    rows = []
    for _ in range(n_rounds):
        row = {"copy_gbps": copy_gbps()}
        for kernel, (fn, writable, n) in calls.items():
            times, _ = time_restoring(fn, writable, reps)
            row[f"{kernel}_msteps_per_s"] = n / min(times) / 1e6
        for name, (kernel, bps) in bytes_per_step.items():
            row[name] = achieved_gbps(row[f"{kernel}_msteps_per_s"], bps) / row["copy_gbps"]
        rows.append(row)

    def sig(x: float) -> float:
        return float(f"{x:.5g}")

    def summary(key: str) -> dict:
        v = [r[key] for r in rows]
        return {"median": sig(statistics.median(v)), "min": sig(min(v)), "max": sig(max(v))}

    out = {"rounds": n_rounds, "reps": reps, "copy_reps": copy_reps, "copy_mib": a.nbytes / 2**20,
           "threshold": threshold,
           "copy_gbps": summary("copy_gbps"),
           "msteps_per_s": {k: summary(f"{k}_msteps_per_s") for k in calls},
           "shares": {}}
    for k, x in out["msteps_per_s"].items():
        x["slow_rounds"] = sum(r[f"{k}_msteps_per_s"] < SLOW_ROUND * x["max"] for r in rows)
    top_copy = max(r["copy_gbps"] for r in rows)
    for name, (kernel, bps) in bytes_per_step.items():
        s = summary(name)
        s["rounds_reaching_threshold"] = sum(r[name] >= threshold for r in rows)
        # the strictest reading of "the bandwidth limit": the kernel's median speed against the fastest copy
        # of all the rounds, whichever phase each came from
        s["median_kernel_vs_top_copy"] = sig(achieved_gbps(out["msteps_per_s"][kernel]["median"], bps) / top_copy)
        out["shares"][name] = s
    out["per_round"] = [{k: sig(v) for k, v in r.items()} for r in rows]
    return out


def timed_rounds(m, quick: bool, bytes_per_step: dict) -> dict:
    """``rounds`` with the benchmark's sizes: 25 rounds on 512 MiB arrays (about 6 s), or 4 small ones."""
    t0 = time.perf_counter()
    if quick:
        res = rounds(m, n_rounds=4, reps=5, copy_doubles=1 << 23, copy_reps=2, bytes_per_step=bytes_per_step)
    else:
        res = rounds(m, n_rounds=25, reps=10, copy_doubles=1 << 26, copy_reps=3, bytes_per_step=bytes_per_step)
    res["elapsed_s"] = round(time.perf_counter() - t0, 2)
    return res
