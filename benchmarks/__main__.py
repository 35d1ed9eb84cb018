"""``python -m benchmarks``: measure drugmarket's performance against its targets.

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

SECTIONS = ("startup", "jit", "bandwidth", "kernels", "runs", "scaling", "sweep", "draws", "app")


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
    from benchmarks import SCHEMA_VERSION, report, summary
    from benchmarks.common import machine_info

    out_dir = Path(a.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    # months, burn-in (None = the model's 24)
    months, burn = (6, 2) if a.quick else (120, None)
    t_start = time.perf_counter()
    r: dict = {"schema": SCHEMA_VERSION, "quick": a.quick, "seed": a.seed, "months": months,
               "burn_in": 24 if burn is None else burn}
    details, loads = run_sections(a, months, burn, out_dir)
    bw = details.get("bandwidth")
    bw_gbps = bw["best_gbps"] if bw else None
    r.update(summary.kernel_keys(details.get("kernels"), bw_gbps))
    r["bandwidth_gbps"] = bw_gbps
    r.update(summary.run_keys(details.get("runs") or {}))
    sc = details.get("scaling")
    r.update(summary.scaling_keys(sc))
    if sc:
        r["plot"] = report.plot_scaling(sc, out_dir / "scaling.png")
    sw = details.get("sweep")
    r["runs_per_hour"] = sw["runs_per_hour"] if sw else None
    dr = details.get("draws")
    r["draws_s_per_run"] = dr["s_per_run"] if dr else None
    r["draws_research_estimated_h"] = dr["research"]["estimated_wall_h"] if dr and dr.get("research") else None
    r["draws_research_idle_2core_h"] = (dr["research"]["estimated_idle_2core_h"]
                                        if dr and dr.get("research") else None)
    j = details.get("jit")
    r["jit_cold_s"] = j["cold"].get("total_s") if j else None
    r["jit_warm_s"] = j["warm"].get("total_s") if j else None
    r.update(summary.startup_keys(details.get("startup")))
    r.update(summary.app_keys(details.get("app")))
    r["load"] = summary.load_keys(loads)
    r["machine"] = machine_info()
    r["elapsed_s"] = round(time.perf_counter() - t_start, 1)
    r["details"] = details
    r["targets"] = report.evaluate(r)
    write(r, report.table(r), out_dir, a.json)
    return 0


def run_sections(a: argparse.Namespace, months: int, burn: int | None, out_dir: Path) -> tuple[dict, dict]:
    """Run the chosen sections in order; returns each one's details and the machine's load during it."""
    from benchmarks import bandwidth, draws, kernels, runs, startup, sweep

    q = a.quick
    details: dict = {}
    loads: dict = {}

    def section(name, fn):
        if name not in a.sections:
            return None
        with Load() as ld:
            res = fn()
        loads[name] = {**ld.as_dict(), "wall_s": round(ld.wall_s, 2)}
        details[name] = res
        return res

    section("startup", lambda: startup.measure(q))
    section("jit", lambda: runs.jit_times(a.seed))
    bw = section("bandwidth", lambda: bandwidth.stream_copy(1 << 23 if q else 1 << 26, reps=3 if q else 5))
    if bw:
        log(f"bandwidth: best {bw['best_gbps']} GB/s ({bw['best_of']})")
    bw_gbps = bw["best_gbps"] if bw else None
    section("kernels", lambda: kernels.measure(a.seed, q, bw_gbps))
    section("runs", lambda: preset_runs(a, months, burn, out_dir))
    section("scaling", lambda: runs.scaling(runs.SCALING_USERS_QUICK if q else runs.SCALING_USERS, months, burn,
                                             a.seed, 10_000 if q else runs.SCALING_FARMERS, a.timeout,
                                             a.mem_limit_gib))
    section("sweep", lambda: sweep.throughput(2 if q else 8, 6 if q else 36, a.workers,
                                              burn_in=2 if q else None))
    section("draws", lambda: draws.measure(q, a.workers))
    section("app", lambda: app_section(q))
    return details, loads


def app_section(quick: bool) -> dict:
    """The workshop app's step with its redraw and a 120-month play at each speed (benchmarks/app_step.py,
    benchmarks/app_play.py); quick: the tiny scale, one seed, 12 months at the top speed."""
    from benchmarks import app_play, app_step
    from viz.state import DEFAULT_ENSEMBLE, app_preset
    from viz.validate import SPEED_MAX

    preset, seeds = ("tiny", 1) if quick else (app_preset(), DEFAULT_ENSEMBLE)
    step = app_step.server_side(preset, seeds, 4 if quick else 24, 1 if quick else 3)
    speeds = [SPEED_MAX] if quick else [4, 8, 12, SPEED_MAX]
    play = app_play.measure(preset, seeds, 12 if quick else app_play.MONTHS, speeds)
    return {"step": step, "play": play}


def preset_runs(a: argparse.Namespace, months: int, burn: int | None, out_dir: Path) -> dict:
    """The whole runs of the runs section, each in a fresh process."""
    from benchmarks import runs

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
    if not (a.quick or a.skip_full):
        res["full"] = runs.preset_run("full", months, burn, a.seed, a.timeout, a.mem_limit_gib)
    return res


def write(r: dict, text: str, out_dir: Path, as_json: bool) -> None:
    """bench.json and bench.txt in ``out_dir``; the table (and with ``as_json`` the JSON) on the console."""
    (out_dir / "bench.json").write_text(json.dumps(r, indent=1, default=str) + "\n")
    (out_dir / "bench.txt").write_text(text + "\n")
    if as_json:
        print(text, file=sys.stderr)
        print(json.dumps(r, default=str))
    else:
        print(text)
        print(f"\n(written: {out_dir / 'bench.json'}, {out_dir / 'bench.txt'}"
              + (f", {r['plot']}" if r.get("plot") else "") + f"; {r['elapsed_s']:.0f} s)")


if __name__ == "__main__":
    sys.exit(main())
