"""How long the cards' parameter band (How sure is this?) takes, and what it costs a participant's steps.

    python -m benchmarks.app_band                      # the app's scale and seeds, 12 months
    python -m benchmarks.app_band --preset tiny --months 3

Server side, as the page does it: a session at the app's scale applies the Full reform package and steps
``--months``; then the band is computed in the server's band worker process (viz/band_worker.py), three
times: the first question (the worker starts, burns in every (draw, seed) and runs the status quo), the
same question with another lever moved (burn-ins and status quo from the worker's caches: only the policy
runs), and that second question again while the session steps month after month in this process (what a
participant playing meanwhile sees: the step time with the band running, against the same months without). Wall times: on
a shared machine they grow with the load, which is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import time


def _steps(session, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        session.step(1)
        out.append(time.perf_counter() - t0)
    return out


def measure(preset: str, n_seeds: int, months: int) -> dict:
    from viz.band import BAND_DRAWS
    from viz.band_worker import compute, worker_pool
    from viz.presets import card
    from viz.state import MAX_MONTHS, Session, status_quo_run

    s = Session(preset=preset, n_seeds=n_seeds)
    s.apply_card(card("reform_package"))
    for seed in s.seeds:  # as the server's warm-up: a step then costs only the policy models
        status_quo_run(preset, seed).run_ahead(MAX_MONTHS)
    s.step(months)
    res = {"preset": preset, "seeds": n_seeds, "draws": BAND_DRAWS, "months": months,
           "load_before": os.getloadavg()[0]}
    t0 = time.perf_counter()
    worker_pool().submit(os.getpid).result()
    res["worker_start_s"] = round(time.perf_counter() - t0, 1)

    def band(label: str) -> None:
        t0 = time.perf_counter()
        r = compute(s.band_request(), lambda d, n: None, lambda: False)
        res[label + "_s"] = round(time.perf_counter() - t0, 1)
        res[label + "_draws_used"] = len(r.draws_used)

    band("first")
    s.set_budget("treatment", 2.0e9)
    s.reset()
    s.step(months)
    band("other_levers")
    s.reset()
    s.step(months)
    res["step_alone_ms"] = round(1e3 * statistics.median(_steps(s, 20)), 1)
    s.reset()
    s.step(months)
    done = threading.Event()
    t = threading.Thread(target=lambda: (band("while_stepping"), done.set()))
    t.start()
    during: list[float] = []
    while not done.is_set() and s.month < MAX_MONTHS:
        during += _steps(s, 1)
    t.join()
    res["step_during_band_ms"] = round(1e3 * statistics.median(during), 1) if during else None
    res["steps_during_band"] = len(during)
    res["load_after"] = os.getloadavg()[0]
    res["worker_rss_mb"] = _worker_rss_mb()
    return res


def _worker_rss_mb() -> float | None:
    """The band worker's resident memory (Linux), with its caches of 2 x draws x seeds models."""
    from viz import band_worker

    try:
        [pid] = list(band_worker._pool._processes)  # noqa: SLF001 - a measurement, not a use
        with open(f"/proc/{pid}/status") as f:
            kb = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        return round(kb / 1024, 1)
    except (AttributeError, OSError, ValueError, StopIteration):
        return None


def main(argv: list[str] | None = None) -> int:
    from viz.state import DEFAULT_ENSEMBLE, app_preset

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default=app_preset())
    ap.add_argument("--seeds", type=int, default=DEFAULT_ENSEMBLE)
    ap.add_argument("--months", type=int, default=12)
    a = ap.parse_args(argv)
    print(json.dumps(measure(a.preset, a.seeds, a.months), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
