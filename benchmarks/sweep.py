"""Sweep throughput: runs per hour at workshop scale on the local backend.

``experiments.runner.run_ensemble`` on a process pool of ``workers`` processes (spawned,
each capped to its share of the cores), over seeds 1..n. The clock includes starting the
pool and each worker's imports and numba cache loads, as a real sweep pays them.
"""

from __future__ import annotations

import time

from benchmarks.common import Load, log
from benchmarks.scenarios import scenario


def throughput(n_runs: int, months: int, workers: int, preset: str = "workshop", burn_in: int | None = None) -> dict:
    from experiments.runner import run_ensemble
    sc = scenario(preset, months, burn_in, name="benchmark-sweep")
    log(f"sweep: {n_runs} runs of {preset}, {months} months + burn-in, local backend, {workers} workers")
    with Load() as load:
        t0 = time.perf_counter()
        df = run_ensemble(sc, n_runs, backend="local", workers=workers, progress=False)
        elapsed = time.perf_counter() - t0
    rows = len(df)
    assert rows == n_runs * months, f"expected {n_runs * months} rows, got {rows}"
    rph = n_runs / elapsed * 3600.0
    log(f"sweep: {n_runs} runs in {elapsed:.1f} s = {rph:.0f} runs/hour")
    return {"preset": preset, "runs": n_runs, "months": months, "workers": workers, "elapsed_s": round(elapsed, 2),
            "runs_per_hour": round(rph, 1), "load": load.as_dict()}
