"""The cost of parameter draws x seeds: a paired comparison over draws, per run, and the estimate for
the research setting (100 draws x 4 seeds of a 10-year national comparison).

``experiments.compare.compare`` of the status quo against the combined reform package, ``draws`` x
``seeds`` each, on a local process pool of ``workers`` processes. The clock includes starting the pool
and the workers' imports and numba cache loads, as a real comparison pays them. The same comparison
without draws (``draws`` x ``seeds`` seeds instead) gives the draws' own overhead: building each draw's
parameters and a scenario per draw, which should be nothing next to a run.

The two scenarios of a (draw, seed) share their burn-in: they go to one worker together, which builds
and burns in once (model/run.py, experiments/dispatch.py), as in any comparison. Four draws give each of
the two workers four runs, so their start-up (imports, numba cache loads) is spread as it would be over
many more runs only in part: the estimate is an upper one.

The estimate of the research setting is the measured seconds per run times its runs (2 scenarios x
100 draws x 4 seeds = 800), twice: from the wall time (the pool's parallelism and the machine's other
load in it) and from the CPU seconds the workers used, spread over two idle cores (what the same
machine would take with nothing else running). On Dask the
same tasks spread over the cluster's workers (``--backend dask --address ...``; docs/scaling.md): the
runs are independent, so the wall time divides by the number of worker processes until the
scheduler's few milliseconds per task matter.
"""

from __future__ import annotations

import time

from benchmarks.common import Load, log

RESEARCH = {"draws": 100, "seeds": 4, "scenarios": 2, "months": 120, "preset": "national"}


def _children_cpu_s() -> float:
    """CPU seconds (user + system, every thread) of this process's finished child processes."""
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _compare(preset: str, months: int, burn_in: int | None, draws: int | None, seeds: int,
             workers: int) -> tuple[float, float]:
    """Wall seconds of the comparison, and the CPU seconds its worker processes used."""
    from experiments.compare import compare
    from model.scenario import load_scenario

    over = [f'preset="{preset}"', f"months={months}"] + ([f"sim.burn_in_months={burn_in}"] if burn_in is not None else [])
    base = load_scenario("status_quo", over)
    pol = load_scenario("combined_package", over)
    cpu0 = _children_cpu_s()
    t0 = time.perf_counter()
    # two or more runs: the local backend uses a process pool, whose workers are children of this process
    res = compare(base, [pol], seeds, draws=draws, backend="local", workers=workers, progress=False, figure=False)
    elapsed = time.perf_counter() - t0
    if res.report.n_failed:
        log(f"draws: {res.report.n_failed} runs failed ({res.report.failure_summary()})")
    return elapsed, _children_cpu_s() - cpu0


def measure(quick: bool, workers: int) -> dict:
    """Seconds per run of a paired comparison with draws, the overhead of the draws, and the estimate."""
    preset, months, burn = ("tiny", 6, 2) if quick else ("national", 120, None)
    draws, seeds = (2, 1) if quick else (4, 1)
    n_runs = 2 * draws * seeds
    log(f"draws: compare status quo vs combined package, {preset}, {months} months, {draws} draws x {seeds} seeds "
        f"= {n_runs} runs, {workers} workers")
    with Load() as load:
        with_draws, cpu = _compare(preset, months, burn, draws, seeds, workers)
        without, cpu_without = _compare(preset, months, burn, None, draws * seeds, workers)
    per_run = with_draws / n_runs
    cpu_per_run = cpu / n_runs
    research_runs = RESEARCH["scenarios"] * RESEARCH["draws"] * RESEARCH["seeds"]
    out = {
        "preset": preset, "months": months, "draws": draws, "seeds": seeds, "runs": n_runs, "workers": workers,
        "wall_s_with_draws": round(with_draws, 2), "wall_s_without_draws": round(without, 2),
        "s_per_run": round(per_run, 3), "cpu_s_per_run": round(cpu_per_run, 3),
        "cpu_s_per_run_without_draws": round(cpu_without / n_runs, 3),
        "draws_overhead": round(with_draws / without - 1.0, 3), "load": load.as_dict(),
    }
    if not quick:
        # wall: as measured, on this machine as loaded; cpu: the CPU seconds over the 2 cores, as if idle
        out["research"] = {**RESEARCH, "runs": research_runs,
                           "estimated_wall_h": round(per_run * research_runs / 3600.0, 2),
                           "estimated_idle_2core_h": round(cpu_per_run * research_runs / 2 / 3600.0, 2)}
    log(f"draws: {per_run:.2f} s wall and {cpu_per_run:.2f} CPU s a run with draws, {without / n_runs:.2f} s wall "
        "without" + (f"; 100 draws x 4 seeds national 10-year comparison: about {out['research']['estimated_wall_h']:.2f} h "
                     f"as loaded, {out['research']['estimated_idle_2core_h']:.2f} h on 2 idle cores" if not quick else ""))
    return out
