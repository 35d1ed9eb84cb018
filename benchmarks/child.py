"""What a benchmark child process runs: ``python -m benchmarks.child run|jit ...``.

Started by benchmarks.common.run_child, one fresh process per measurement, so that
peak memory (VmHWM) and compile caches belong to that measurement alone.
Prints one line ``BENCH_RESULT {json}`` on stdout.

Nothing heavy is imported before the clock starts: ``jit`` times the import of the
model, building a tiny model and its first month, which is where numba compiles
or loads its cache.
"""

from __future__ import annotations

import time

T_START = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402

from benchmarks.scenarios import scenario  # noqa: E402

RESULT_MARK = "BENCH_RESULT "


def _peak_mb() -> float:
    """Peak resident memory of this process, MiB: VmHWM of /proc/self/status.

    Not ``ru_maxrss``: Linux keeps the high-water mark across fork + exec, so a child of a
    big parent reports the parent's size (checked: a child of a 1 GB parent reported
    979 MiB, VmHWM 9 MiB). ``ru_maxrss`` is the fallback where /proc is missing."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except (OSError, ValueError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def _cpu_s() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _threading_layer() -> str | None:
    try:
        import numba

        return numba.threading_layer()
    except Exception:  # noqa: BLE001 - no parallel region has run
        return None


def _numba_threads() -> int:
    import numba

    return int(numba.get_num_threads())


def _short(fname: str) -> str:
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[1]) + "/"
    return fname.replace(root, "")


def _emit(d: dict) -> None:
    sys.stdout.write(RESULT_MARK + json.dumps(d) + "\n")
    sys.stdout.flush()


class _Timer:
    """Accumulated seconds and calls per label; wraps callables."""

    def __init__(self) -> None:
        self.t: dict[str, float] = {}
        self.n: dict[str, int] = {}
        self.first: dict[str, float] = {}  # the first call: for a kernel, numba's cache load or compile

    def wrap(self, label: str, fn):
        def timed(*a, **k):
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                dt = time.perf_counter() - t0
                if label not in self.n:
                    self.first[label] = dt
                self.t[label] = self.t.get(label, 0.0) + dt
                self.n[label] = self.n.get(label, 0) + 1

        return timed


def _instrument(m, timer: _Timer) -> None:
    """Time the month's phases (model.model.DrugMarketModel.step: each room's step) and the kernels inside them.

    Wraps methods of this model's rooms and names in the rooms' modules in this child only; the cost is
    two clock reads per call (about 20 calls a month)."""
    import model.farmers as farmers_room
    import model.markets.routes as routes
    import model.model as mm
    import model.users as users_room
    from agents import EnforcementAgency, Trafficker

    for label, room, name in (("1 agencies: effects", m.enforcement, "step"), ("2 farmers", m.farmers, "step"),
                              ("3 precursors and labs", m.precursors, "step"), ("5 markets", m.markets, "step"),
                              ("6 users", m.users, "step"),
                              ("7 violence and leadership", m.traffickers, "violence_and_leadership")):
        setattr(room, name, timer.wrap(label, getattr(room, name)))
    mm.row = timer.wrap("7 outputs (row)", mm.row)
    Trafficker.step = timer.wrap("4 traffickers (Trafficker.step)", Trafficker.step)
    EnforcementAgency.step = timer.wrap("1 agencies (EnforcementAgency.step)", EnforcementAgency.step)
    for label, module, name in (("  users: user_rates", users_room, "user_rates"),
                                ("  users: step_users kernel", users_room, "step_users"),
                                ("  users: count_month kernel", users_room, "count_month"),
                                ("  markets: loads_seized_at kernel", routes, "loads_seized_at"),
                                ("  farmers: cell_rates", farmers_room, "cell_rates"),
                                ("  farmers: country_rates", farmers_room, "country_rates"),
                                ("  farmers: step_farmers kernel", farmers_room, "step_farmers")):
        setattr(module, name, timer.wrap(label, getattr(module, name)))


def cmd_run(a: argparse.Namespace) -> None:
    """Build the model, run burn-in + months (timed by phase, or under cProfile), emit the figures."""
    m, t_import, t_build = _build(a)
    rss_built = _peak_mb()
    timer = _Timer()
    if a.phases:
        _instrument(m, timer)
    prof = None
    if a.profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    cpu0 = _cpu_s()
    t0 = time.perf_counter()
    df = m.run()
    t_run = time.perf_counter() - t0
    cpu_run = _cpu_s() - cpu0
    if prof is not None:
        prof.disable()
    steps = int(m.burn_in + a.months)
    import hashlib

    import pandas as pd

    digest = hashlib.sha256(pd.util.hash_pandas_object(df, index=True).values.tobytes()).hexdigest()[:16]
    out = {
        "preset": a.preset if a.users is None else f"{a.base}+users={a.users}",
        "n_users": int(m.users.people.n),
        "n_farmers": int(m.farmers.households.n),
        "people_per_user_agent": float(m.users.people.scale),
        "months": int(a.months),
        "burn_in": int(m.burn_in),
        "steps": steps,
        "rows": int(len(df)),
        "outputs_hash": digest,  # of every output column and month: equal hashes = identical outputs
        "import_s": round(t_import, 3),
        "build_s": round(t_build, 3),
        "run_s": round(t_run, 3),
        "wall_s": round(t_build + t_run, 3),  # build + all months; not interpreter start or imports
        "step_ms": round(1e3 * t_run / steps, 3),
        "run_cpu_s": round(cpu_run, 3),  # CPU time of all this process's threads during the run
        "peak_mb_after_build": round(rss_built, 1),
        "peak_mb": round(_peak_mb(), 1),
        "numba_threads": _numba_threads(),
        "threading_layer": _threading_layer(),
        "user_bytes": int(sum(getattr(m.users.people, k).nbytes for k in ("market", "group", "state", "flags", "risk", "event"))),
    }
    if a.phases:
        out.update(_phase_times(timer, t_run))
    if prof is not None:
        out.update(_profile_top(prof, a.profile))
    _emit(out)


def _build(a: argparse.Namespace) -> tuple:
    """The model of ``a.preset`` (or of a custom size based on ``a.base``), with the seconds its import and
    its build took."""
    t0 = time.perf_counter()
    from model.model import DrugMarketModel
    from model.presets import PRESETS

    t_import = time.perf_counter() - t0
    preset = a.preset
    if a.users is not None:
        base = dict(PRESETS[a.base])
        base["n_users"] = int(a.users)
        if a.farmers is not None:
            base["n_farmers"] = int(a.farmers)
        PRESETS["benchmark"] = base
        preset = "benchmark"
    sc = scenario(preset, a.months, a.burn_in)
    t0 = time.perf_counter()
    m = DrugMarketModel(scenario=sc, seed=a.seed)
    t_build = time.perf_counter() - t0
    return m, t_import, t_build


def _phase_times(timer: _Timer, t_run: float) -> dict:
    """Seconds per phase and kernel, with what each phase spends outside its kernels and the rest of the step."""
    out: dict = {}
    out["phases_s"] = {k: round(v, 4) for k, v in sorted(timer.t.items())}
    top = sum(v for k, v in timer.t.items() if k[0].isdigit())
    inner = sum(v for k, v in timer.t.items() if k.startswith("  users:"))
    if "6 users" in timer.t:  # what the users' step spends outside its kernels and rates (NumPy bookkeeping)
        out["phases_s"]["  users: rest of the users' step (NumPy)"] = round(max(0.0, timer.t["6 users"] - inner), 4)
    inner_f = sum(v for k, v in timer.t.items() if k.startswith("  farmers:"))
    if "2 farmers" in timer.t:
        out["phases_s"]["  farmers: rest of the farmers' step (NumPy)"] = round(max(0.0, timer.t["2 farmers"] - inner_f), 4)
    out["phases_s"]["8 rest of step (balance, ledgers, Mesa)"] = round(max(0.0, t_run - top), 4)
    # first calls of the kernels load them from numba's cache (or compile them): a fixed cost per process
    out["kernel_first_calls_s"] = round(sum(v for k, v in timer.first.items() if "kernel" in k), 4)
    out["phases_first_call_s"] = {k: round(v, 4) for k, v in sorted(timer.first.items())}
    return out


def _profile_top(prof, path: str) -> dict:
    """Write the profile to ``path``; the 25 functions with the most own time."""
    import io
    import pstats

    prof.dump_stats(path)
    s = io.StringIO()
    st = pstats.Stats(prof, stream=s)
    top_fns = []
    for (fname, line, fn), (_, nc, tt, ct, _) in sorted(st.stats.items(), key=lambda kv: -kv[1][2])[:25]:
        top_fns.append({"function": f"{_short(fname)}:{line}({fn})", "calls": nc,
                        "tottime_s": round(tt, 3), "cumtime_s": round(ct, 3)})
    return {"profile_top_tottime": top_fns, "profile_file": path}


def cmd_jit(a: argparse.Namespace) -> None:
    """Import the model, build a tiny one and run one month; then a second month (steady cost)."""
    import os

    t0 = time.perf_counter()
    from model.model import DrugMarketModel

    t_import = time.perf_counter() - t0
    sc = scenario("tiny", 1, 1)
    t0 = time.perf_counter()
    m = DrugMarketModel(scenario=sc, seed=a.seed)
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    m.step()
    t_first = time.perf_counter() - t0
    t0 = time.perf_counter()
    m.step()
    t_second = time.perf_counter() - t0
    _emit({
        "since_process_start_s": round(time.perf_counter() - T_START - t_second, 3),
        "import_s": round(t_import, 3),
        "build_s": round(t_build, 3),
        "first_month_s": round(t_first, 3),
        "second_month_s": round(t_second, 3),
        "total_s": round(t_import + t_build + t_first, 3),  # import + tiny model + one month
        "numba_cache_dir": os.environ.get("NUMBA_CACHE_DIR"),
        "peak_mb": round(_peak_mb(), 1),
    })


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.child")
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="build a model and run burn-in + months")
    r.add_argument("--preset", default="workshop")
    r.add_argument("--users", type=float, default=None, help="custom preset: this many user agents")
    r.add_argument("--farmers", type=float, default=None, help="custom preset: this many farmer agents")
    r.add_argument("--base", default="national", help="custom preset: orgs and suppliers from this preset")
    r.add_argument("--months", type=int, default=120)
    r.add_argument("--burn-in", type=int, default=None, help="default: the model's (24)")
    r.add_argument("--seed", type=int, default=1)
    r.add_argument("--phases", action="store_true", help="time the month's phases and kernels")
    r.add_argument("--profile", default=None, help="run under cProfile and write the stats here")
    j = sub.add_parser("jit", help="import + tiny model + one month (compile or cache load)")
    j.add_argument("--seed", type=int, default=1)
    a = p.parse_args(argv)
    {"run": cmd_run, "jit": cmd_jit}[a.cmd](a)


if __name__ == "__main__":
    main()
