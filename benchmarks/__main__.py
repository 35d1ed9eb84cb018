"""``python -m benchmarks``: measure drugmarket's performance against its performance targets.

    python -m benchmarks                  # everything, including the full preset (about 16 minutes here)
    python -m benchmarks --skip-full      # without the one-agent-per-person run
    python -m benchmarks --quick          # small sizes, no full preset (under a minute; for tests)
    python -m benchmarks --json           # one JSON object on stdout (the table goes to stderr)
    python -m benchmarks --only kernels,bandwidth --out results/bench

Writes OUT/bench.json, OUT/bench.txt and OUT/scaling.png (OUT defaults to results/bench).
See docs/performance.md for what each figure means and the measured results.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from benchmarks.common import Load, ensure_cache_dir, log

SECTIONS = ("jit", "bandwidth", "kernels", "runs", "scaling", "sweep")


def parse(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="small sizes and few months, no full preset (< 1 min)")
    p.add_argument("--skip-full", action="store_true", help="do not run the full preset (one agent per person)")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    p.add_argument("--out", default="results/bench", help="directory for bench.json, bench.txt, scaling.png")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--only", default=None, help=f"comma-separated sections: {','.join(SECTIONS)}")
    p.add_argument("--profile", action="store_true",
                   help="also run the national preset under cProfile (OUT/national.prof, top functions in the JSON)")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds before a run is stopped (default 600)")
    p.add_argument("--mem-limit-gib", type=float, default=16.0, help="resident memory at which a run is stopped")
    p.add_argument("--workers", type=int, default=2, help="processes for the sweep throughput (default 2)")
    a = p.parse_args(argv)
    default = SECTIONS
    a.sections = default if a.only is None else tuple(s.strip() for s in a.only.split(",") if s.strip())
    bad = [s for s in a.sections if s not in SECTIONS]
    if bad:
        p.error(f"unknown section(s) {bad}; choose from {', '.join(SECTIONS)}")
    return a


def main(argv=None) -> int:
    a = parse(argv)
    ensure_cache_dir()  # before numba is imported (it reads the cache dir once, at import): children inherit it
    import numba

    from benchmarks import SCHEMA_VERSION, bandwidth, kernels, report, runs, sweep
    from benchmarks.common import machine_info

    out_dir = Path(a.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    q = a.quick
    # months, burn-in (None = the model's 24)
    months, burn = (6, 2) if q else (120, None)
    t_start = time.perf_counter()
    details: dict = {}
    loads: dict = {}
    r: dict = {"schema": SCHEMA_VERSION, "quick": q, "seed": a.seed, "months": months,
               "burn_in": 24 if burn is None else burn}

    def section(name, fn):
        if name not in a.sections:
            return None
        with Load() as ld:
            res = fn()
        loads[name] = {**ld.as_dict(), "wall_s": round(ld.wall_s, 2)}
        details[name] = res
        return res

    section("jit", lambda: runs.jit_times(a.seed))
    bw = section("bandwidth", lambda: bandwidth.stream_copy(1 << 23 if q else 1 << 26, reps=3 if q else 5))
    if bw:
        log(f"bandwidth: best {bw['best_gbps']} GB/s ({bw['best_of']})")
    bw_gbps = bw["best_gbps"] if bw else None
    section("kernels", lambda: kernels.measure(a.seed, q, bw_gbps))

    def _runs():
        res = {}
        res["workshop"] = runs.preset_run("workshop", months, burn, a.seed, a.timeout, a.mem_limit_gib)
        res["national"] = runs.preset_run("national", months, burn, a.seed, a.timeout, a.mem_limit_gib)
        if a.profile:
            prof = str((out_dir / "national.prof").resolve())
            res["national_profile"] = runs.preset_run("national", months, burn, a.seed, a.timeout,
                                                      a.mem_limit_gib, profile=prof)
        # the same national run with numba kernels on one thread: how much the parallel regions gain or lose
        res["national_1thread"] = runs.preset_run("national", months, burn, a.seed, a.timeout, a.mem_limit_gib,
                                                  threads=1)
        if not (q or a.skip_full):
            res["full"] = runs.preset_run("full", months, burn, a.seed, a.timeout, a.mem_limit_gib)
        return res

    section("runs", _runs)
    sc = section("scaling", lambda: runs.scaling(runs.SCALING_USERS_QUICK if q else runs.SCALING_USERS, months, burn,
                                                  a.seed, 10_000 if q else runs.SCALING_FARMERS, a.timeout,
                                                  a.mem_limit_gib))
    section("sweep", lambda: sweep.throughput(2 if q else 8, 6 if q else 36, a.workers,
                                              burn_in=2 if q else None))

    # ---------------------------------------------------------------- flat keys
    k = details.get("kernels")
    if k:
        ss, nat = k["same_size"], k["national"]
        r.update(
            kernel_vs_mesa_ratio=ss["users"]["ratio"],
            kernel_vs_mesa_ratio_farmers=ss["farmers"]["ratio"],
            paths_agree=ss["users"]["paths_agree"] and ss["farmers"]["paths_agree"],
            mesa_users_msteps_per_s=ss["users"]["mesa"]["msteps_per_s"],
            mesa_farmers_msteps_per_s=ss["farmers"]["mesa"]["msteps_per_s"],
            users_kernel_msteps_per_s=nat["users"]["msteps_per_s"],
            farmers_kernel_msteps_per_s=nat["farmers"]["msteps_per_s"],
            users_bytes_per_agent_step=nat["users"]["bytes_per_agent_step"],
            farmers_bytes_per_agent_step=nat["farmers"]["bytes_per_agent_step"],
            users_bytes_moved_per_agent_step=nat["users_strict"]["bytes_per_agent_step"],
        )
        # the shares of bandwidth: medians over rounds that time the copy and the kernels in the same moment
        # (benchmarks/paired.py); the kernels section's figures against the bandwidth section's copy, measured
        # minutes apart, stay in the details
        sh = k["paired"]["shares"]
        r.update(bandwidth_fraction=sh["users"]["median"], bandwidth_fraction_strict=sh["users_strict"]["median"],
                 bandwidth_fraction_farmers=sh["farmers"]["median"],
                 bandwidth_fraction_range=[sh["users"]["min"], sh["users"]["max"]],
                 bandwidth_fraction_strict_range=[sh["users_strict"]["min"], sh["users_strict"]["max"]],
                 bandwidth_fraction_farmers_range=[sh["farmers"]["min"], sh["farmers"]["max"]],
                 bandwidth_fraction_strict_vs_top_copy=sh["users_strict"]["median_kernel_vs_top_copy"],
                 bandwidth_fraction_farmers_vs_top_copy=sh["farmers"]["median_kernel_vs_top_copy"],
                 bandwidth_rounds=k["paired"]["rounds"],
                 bandwidth_rounds_users_slow=k["paired"]["msteps_per_s"]["users"]["slow_rounds"],
                 bandwidth_rounds_farmers_slow=k["paired"]["msteps_per_s"]["farmers"]["slow_rounds"],
                 bandwidth_rounds_copy_gbps=k["paired"]["copy_gbps"])
        # the same kernel on one thread (the anatomy, same month and process): with two vCPUs whose second
        # core the host sometimes takes, the two-thread speed-up tells a reader which case a run was
        one = (k.get("anatomy") or {}).get("1 thread(s), M agent-steps/s", {}).get(
            "step_users (as is: screen + rule for the flagged)")
        if one and numba.get_num_threads() > 1:
            r.update(users_kernel_1thread_msteps_per_s=one,
                     users_two_thread_speedup=round(nat["users"]["msteps_per_s"] / one, 2),
                     bandwidth_fraction_strict_1thread=round(bandwidth.achieved_gbps(
                         one, nat["users_strict"]["bytes_per_agent_step"]) / bw_gbps, 4) if bw_gbps else None)
        if "out_of_cache" in k:
            oc = k["out_of_cache"]
            r.update(bandwidth_fraction_out_of_cache=oc["users"]["bandwidth_fraction"],
                     bandwidth_fraction_farmers_out_of_cache=oc["farmers"]["bandwidth_fraction"],
                     users_kernel_out_of_cache_msteps_per_s=oc["users"]["msteps_per_s"],
                     farmers_kernel_out_of_cache_msteps_per_s=oc["farmers"]["msteps_per_s"])
    else:
        r.update(kernel_vs_mesa_ratio=None, kernel_vs_mesa_ratio_farmers=None, bandwidth_fraction=None,
                 bandwidth_fraction_strict=None, bandwidth_fraction_farmers=None)
    r["bandwidth_gbps"] = bw_gbps
    rr = details.get("runs") or {}
    for name in ("workshop", "national", "full"):
        x = rr.get(name)
        ok = bool(x) and x.get("status") == "ok"
        r[f"{name}_wall_s"] = x["wall_s"] if ok else None
        r[f"{name}_peak_mb"] = x["peak_mb"] if ok else None
        r[f"{name}_n_users"] = x.get("n_users") if ok else None
    n1 = rr.get("national_1thread")
    r["national_1thread_wall_s"] = n1["wall_s"] if n1 and n1.get("status") == "ok" else None
    full = rr.get("full")
    r["full_status"] = "skipped" if full is None else (
        "ok" if full["status"] == "ok" else f"{full['status']}: {full.get('error')}")
    if full is not None and full["status"] != "ok":
        r["full_observed_peak_mb"] = full.get("observed_peak_mb")
        r["full_stopped_after_s"] = full.get("process_wall_s")
    if sc:
        okp = [p for p in sc["points"] if p["status"] == "ok"]
        r["scaling_r2"] = sc["fit"]["r2"]
        r["scaling_slope_ns_per_agent_month"] = sc["slope_ns_per_agent_month"]
        r["scaling_intercept_s"] = sc["fit"]["intercept"]
        r["scaling_max_users"] = max((p["n_users"] for p in okp), default=None)
        r["scaling_full_range"] = r["scaling_max_users"] is not None and r["scaling_max_users"] >= 4e7
        r["plot"] = report.plot_scaling(sc, out_dir / "scaling.png")
    else:
        r["scaling_r2"] = None
    sw = details.get("sweep")
    r["runs_per_hour"] = sw["runs_per_hour"] if sw else None
    j = details.get("jit")
    r["jit_cold_s"] = j["cold"].get("total_s") if j else None
    r["jit_warm_s"] = j["warm"].get("total_s") if j else None

    others = [v["other_cores"] for v in loads.values() if v.get("other_cores") is not None]
    r["load"] = {"sections": loads, "other_cores_mean": round(sum(others) / len(others), 2) if others else None,
                 "other_cores_max": max(others) if others else None,
                 "loadavg_start": next(iter(loads.values()), {}).get("loadavg_start"),
                 "loadavg_end": list(loads.values())[-1].get("loadavg_end") if loads else None}
    r["machine"] = machine_info()
    r["elapsed_s"] = round(time.perf_counter() - t_start, 1)
    r["details"] = details
    r["targets"] = report.evaluate(r)

    text = report.table(r)
    (out_dir / "bench.json").write_text(json.dumps(r, indent=1, default=str) + "\n")
    (out_dir / "bench.txt").write_text(text + "\n")
    if a.json:
        print(text, file=sys.stderr)
        print(json.dumps(r, default=str))
    else:
        print(text)
        print(f"\n(written: {out_dir / 'bench.json'}, {out_dir / 'bench.txt'}"
              + (f", {r['plot']}" if r.get("plot") else "") + f"; {r['elapsed_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
