"""Whole runs in fresh processes: presets, the scaling curve, and numba's compile time.

Every run is a new ``python -m benchmarks.child`` process (benchmarks.common.run_child), so its
peak resident memory (VmHWM, see child._peak_mb) is its own, and a run that would pass the time or memory
limit is stopped and reported as such. Wall time = building the model + burn-in + the months
(interpreter start and imports are reported apart, as ``import_s``).
"""

from __future__ import annotations

import shutil
import tempfile

from benchmarks.common import child_env, linear_fit, log, run_child

SCALING_USERS = (1e4, 1e5, 1e6, 4e6, 1e7, 4e7)
SCALING_USERS_QUICK = (1e4, 3e4, 1e5)
SCALING_FARMERS = 100_000


def _run_args(months: int, burn_in: int | None, seed: int, phases: bool = True) -> list[str]:
    a = ["--months", str(months), "--seed", str(seed)]
    if burn_in is not None:
        a += ["--burn-in", str(burn_in)]
    if phases:
        a.append("--phases")
    return a


def preset_run(preset: str, months: int, burn_in: int | None, seed: int, timeout_s: float,
               mem_limit_gib: float, profile: str | None = None, threads: int | None = None) -> dict:
    args = ["run", "--preset", preset, *_run_args(months, burn_in, seed, phases=profile is None)]
    if profile:
        args += ["--profile", profile]
    log(f"runs: {preset} ({months} months + burn-in) in a fresh process"
        + (f", under cProfile -> {profile}" if profile else "")
        + (f", NUMBA_NUM_THREADS={threads}" if threads else "")
        + f"; limits {timeout_s:.0f} s, {mem_limit_gib:g} GiB")
    env = child_env(NUMBA_NUM_THREADS=str(threads)) if threads else None
    r = run_child(args, env=env, timeout_s=timeout_s, mem_limit_gib=mem_limit_gib)
    if r["status"] == "ok":
        log(f"runs: {preset}: {r['wall_s']:.1f} s (build {r['build_s']:.1f} s + run {r['run_s']:.1f} s), "
            f"peak {r['peak_mb']:.0f} MiB, {r['n_users']:,} users")
    else:
        log(f"runs: {preset}: {r['status']}: {r.get('error')}")
    return r


def scaling(users: tuple, months: int, burn_in: int | None, seed: int, farmers: int, timeout_s: float,
            mem_limit_gib: float) -> dict:
    """Wall time per run against the number of user agents (farmers fixed), and a linear fit."""
    points = []
    for n in users:
        log(f"scaling: {int(n):,} users, {farmers:,} farmers, {months} months + burn-in")
        r = run_child(["run", "--users", str(int(n)), "--farmers", str(farmers), "--base", "national",
                       *_run_args(months, burn_in, seed)], timeout_s=timeout_s, mem_limit_gib=mem_limit_gib)
        p = {"n_users": int(n), "status": r["status"], "wall_s": r.get("wall_s"), "build_s": r.get("build_s"),
             "run_s": r.get("run_s"), "peak_mb": r.get("peak_mb") or r.get("observed_peak_mb"),
             "users_phase_s": (r.get("phases_s") or {}).get("6 users"), "load": r["load"], "error": r.get("error")}
        points.append(p)
        log(f"scaling: {int(n):,} users: {p['status']} {p['wall_s']} s, peak {p['peak_mb']} MiB")
        if r["status"] != "ok":
            break  # larger sizes would fail the same way
    ok = [p for p in points if p["status"] == "ok"]
    fit = linear_fit([p["n_users"] for p in ok], [p["wall_s"] for p in ok])
    fit_run = linear_fit([p["n_users"] for p in ok], [p["run_s"] for p in ok])
    steps = months + (24 if burn_in is None else burn_in)
    for p in ok:
        p["us_per_agent_month"] = round(1e6 * p["wall_s"] / steps / p["n_users"], 4)
    return {"farmers": farmers, "months": months, "steps": steps, "points": points, "fit": fit,
            "fit_run_only": fit_run,
            "slope_ns_per_agent_month": round(1e9 * fit["slope"] / steps, 3) if fit["slope"] is not None else None}


def jit_times(seed: int) -> dict:
    """Import + tiny model + one month, in a fresh process with an empty numba cache (cold), then
    again with the cache it wrote (warm)."""
    cache = tempfile.mkdtemp(prefix="drugmarket-bench-numba-")
    try:
        env = child_env(NUMBA_CACHE_DIR=cache)
        log(f"jit: cold start (empty NUMBA_CACHE_DIR {cache})")
        cold = run_child(["jit", "--seed", str(seed)], env=env, timeout_s=600)
        log(f"jit: cold {cold.get('total_s')} s; warm start (same cache dir)")
        warm = run_child(["jit", "--seed", str(seed)], env=env, timeout_s=600)
        log(f"jit: warm {warm.get('total_s')} s")
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    return {"cold": cold, "warm": warm}
