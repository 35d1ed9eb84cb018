"""The performance targets, the readable table, and the scaling plot."""

from __future__ import annotations

from pathlib import Path

from benchmarks.common import SLOW_ROUND

# (label, key, comparison, target, unit). The kernels' share of memory bandwidth is reported (the
# bandwidth section) but is not a target: on these VMs it measured the host's phases, not the code
# (18-38% for the same code, docs/performance.md).
TARGETS = (
    ("warm default run (drugmarket run --seeds 1) <= 3 s", "default_run_warm_s", "<=", 3.0, "s"),
    ("import model.model <= 1 s", "import_s", "<=", 1.0, "s"),
    ("users kernel >= 100x the Mesa path", "kernel_vs_mesa_ratio", ">=", 100.0, "x"),
    ("farmers kernel >= 100x the Mesa path", "kernel_vs_mesa_ratio_farmers", ">=", 100.0, "x"),
    ("national run <= 10 s wall", "national_wall_s", "<=", 10.0, "s"),
    ("national run <= 2 GiB peak", "national_peak_mb", "<=", 2048.0, "MiB"),
    ("cost linear in users 1e4..4e7 (R^2 >= 0.99)", "scaling_r2", ">=", 0.99, ""),
    ("warm start (import + tiny model + 1 month) <= 2 s", "jit_warm_s", "<=", 2.0, "s"),
    ("full run <= 5 min wall", "full_wall_s", "<=", 300.0, "s"),
    ("full run <= 16 GiB peak", "full_peak_mb", "<=", 16384.0, "MiB"),
    ("100 draws x 4 seeds, national 10-year comparison <= 1 h (estimated, 2 idle cores)",
     "draws_research_idle_2core_h", "<=", 1.0, "h"),
    ("app: 120-month play at the top speed <= 10 s", "app_play_top_speed_s", "<=", 10.0, "s"),
)


_OPS = {key: op for _, key, op, _, _ in TARGETS}


def _pct(v):
    """A fraction as a percentage (None stays None: not measured)."""
    return None if v is None else 100 * v


def _fmt(v, unit: str = "") -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, (int, float)):
        a = abs(v)
        s = f"{v:,.0f}" if a >= 1000 else f"{v:.1f}" if a >= 100 else f"{v:.2f}" if a >= 1 else f"{v:.3g}"
        return f"{s} {unit}".strip()
    return str(v)


def evaluate(r: dict) -> list[dict]:
    """PASS / MISS / SKIPPED per target, with the margin: positive = headroom, negative = short by."""
    out = []
    for label, key, op, target, unit in TARGETS:
        v = r.get(key)
        note = ""
        if key == "scaling_r2" and v is not None and not r.get("scaling_full_range"):
            note = f"range only up to {r.get('scaling_max_users'):,.0f} users"
        if key.startswith("full_") and v is None:
            st = r.get("full_status") or "skipped"
            status = "SKIPPED" if st == "skipped" else "MISS"
            note = st if st != "skipped" else "--skip-full or --quick"
            out.append({"target": label, "key": key, "measured": None, "limit": target, "unit": unit,
                        "status": status, "margin_pct": None, "note": note})
            continue
        if v is None:
            out.append({"target": label, "key": key, "measured": None, "limit": target, "unit": unit,
                        "status": "SKIPPED", "margin_pct": None, "note": "not measured"})
            continue
        if op == ">=":
            ok = v >= target
            margin = (v / target - 1.0) * 100.0
        else:
            ok = v <= target
            margin = (1.0 - v / target) * 100.0
        status = "PASS" if ok else "MISS"
        notes = [note] if note else []
        note = "; ".join(notes)
        if note and key == "scaling_r2":
            status = "MISS" if r.get("quick") is False else "n/a (quick)"
        if key == "default_run_warm_s" and r.get("quick"):
            status, note = "n/a (quick)", "--quick runs the tiny preset, not the default"
        if key == "app_play_top_speed_s" and r.get("quick"):
            status, note = "n/a (quick)", "--quick plays 12 months of the tiny preset"
        out.append({"target": label, "key": key, "measured": v, "limit": target, "unit": unit, "status": status,
                    "margin_pct": round(margin, 1), "note": note})
    return out


def margin_text(t: dict) -> str:
    m = t["margin_pct"]
    if m is None:
        return t["note"]
    op = "more than" if _OPS.get(t["key"]) == ">=" else "under"
    if m >= 0:
        s = f"headroom {m:.0f}%"
    elif op == "under":
        s = f"{-m:.0f}% over the limit"
    else:
        s = f"{-m:.0f}% short"
    return s + (f"; {t['note']}" if t["note"] else "")


def table(r: dict) -> str:
    """The readable report."""
    d = r.get("details", {})
    k = d.get("kernels") or {}
    L = _header(r)
    if d.get("startup"):
        L += _startup(d["startup"])
    if k:
        L += _kernels(k)
    if d.get("bandwidth"):
        L += _bandwidth(d["bandwidth"], k, r)
    if d.get("runs"):
        L += _runs(d["runs"])
    if d.get("scaling"):
        L += _scaling(d["scaling"])
    sw = d.get("sweep")
    if sw:
        L.append("Sweep throughput:")
        L.append(_row(f"{sw['runs']} x {sw['preset']} {sw['months']} months, local, {sw['workers']} workers",
                      sw["runs_per_hour"], "runs/hour", f"{sw['elapsed_s']:.1f} s in all"))
    dr = d.get("draws")
    if dr:
        L.append("Parameter draws x seeds (status quo vs combined package, paired):")
        L.append(_row(f"{dr['runs']} x {dr['preset']} {dr['months']} months, {dr['draws']} draws x {dr['seeds']} seeds, "
                      f"{dr['workers']} workers", dr["s_per_run"], "s/run",
                      f"{dr['cpu_s_per_run']:.1f} CPU s/run; {dr['wall_s_with_draws']:.1f} s in all; "
                      f"without draws {dr['wall_s_without_draws']:.1f} s"))
        if dr.get("research"):
            rs = dr["research"]
            L.append(_row(f"estimate: {rs['runs']} runs ({rs['draws']} draws x {rs['seeds']} seeds x 2), "
                          f"{rs['preset']} {rs['months']} months", rs["estimated_wall_h"], "h",
                          f"as loaded; {rs['estimated_idle_2core_h']:.2f} h from the CPU time on 2 idle cores"))
    if d.get("jit"):
        L += _jit(d["jit"])
    if d.get("app"):
        L += _app(d["app"])
    L.append("")
    L.append("Targets:")
    for t in r.get("targets", []):
        L.append(f"  {t['status']:<8} {t['target']:<50} {_fmt(t['measured'], t['unit']):>12}  {margin_text(t)}")
    return "\n".join(L)


def _app(app: dict) -> list[str]:
    st, pl = app["step"], app["play"]
    L = ["Workshop app:",
         _row(f"step + redraw, {st['preset']}, {st['models']} policy models (median)", st["total_ms_median"], "ms",
              f"step {st['step_ms_median']} ms, redraw {st['redraw_ms_median']} ms")]
    for p in pl["plays"]:
        L.append(_row(f"{pl['months']}-month play at speed {p['speed']:g} months/s", p["seconds"], "s",
                      f"{p['months_per_s']} months/s reached, CPU {p.get('cpu_s')} s, {p['redraws']} redraws"))
    return L


def _row(label, value, unit="", note="") -> str:
    return f"  {label:<52} {_fmt(value, unit):>16}  {note}"


def _header(r: dict) -> list[str]:
    """Which code, on which machine, under what load."""
    mi = r.get("machine", {})
    ld = r.get("load", {})
    return [f"drugmarket benchmarks  (git {mi.get('git', '?')}{' +local changes' if mi.get('git_dirty') else ''}, "
            f"{'quick' if r.get('quick') else 'full'} mode, seed {r.get('seed')})",
            f"machine: {mi.get('cpu', '?')}, {mi.get('cpus')} CPUs, {mi.get('mem_total_gib')} GiB; "
            f"Python {mi.get('python')}, numba {mi.get('numba')} ({mi.get('numba_threads')} threads, "
            f"OMP_WAIT_POLICY {mi.get('omp_wait_policy', 'unset')}), Mesa {mi.get('mesa')}",
            f"load: other processes used {_fmt(ld.get('other_cores_mean'))} cores on average "
            f"(max {_fmt(ld.get('other_cores_max'))} in one section); load average "
            f"{ld.get('loadavg_start')} at start, {ld.get('loadavg_end')} at end",
            ""]


def _kernels(k: dict) -> list[str]:
    """The kernels section: both paths at one size, the kernels at national size, the paired rounds and the
    kernels out of cache."""
    ss = k["same_size"]
    L = [f"Population phase, same size on both paths ({ss['users']['kernel']['agents']:,} users, "
         f"{ss['farmers']['kernel']['agents']:,} farmers):"]
    for pop in ("users", "farmers"):
        L.append(_row(f"{pop} kernel", ss[pop]["kernel"]["msteps_per_s"], "M agent-steps/s"))
        L.append(_row(f"{pop} via Mesa agents .do('step')", ss[pop]["mesa"]["msteps_per_s"], "M agent-steps/s"))
        L.append(_row(f"{pop} kernel / Mesa", ss[pop]["ratio"], "x", f"paths agree: {ss[pop]['paths_agree']}"))
    nat = k["national"]
    L.append(f"Kernels at national size ({nat['users']['agents']:,} users, {nat['farmers']['agents']:,} farmers):")
    for pop in ("users", "farmers"):
        x = nat[pop]
        L.append(_row(f"{pop} kernel", x["msteps_per_s"], "M agent-steps/s",
                      f"{x['bytes_per_agent_step']:.2f} B/agent-step -> {x['achieved_gbps']:.2f} GB/s"))
    if "users_strict" in nat:
        x, b = nat["users_strict"], nat["users_bytes_moved"]
        L.append(_row("users kernel, by the bytes it actually moves", x["achieved_gbps"], "GB/s",
                      f"{x['bytes_per_agent_step']:.2f} B/agent-step (rule acted on {100 * b['acted_fraction']:.2f}%)"))
        for name, v in b["arrays"].items():
            L.append(_row(f"  {name}", v, "B/agent-step"))
    for h, x in nat["helpers"].items():
        L.append(_row(f"users phase helper {h}", x["msteps_per_s"], "M agents/s", f"{1e3 * x['best_s']:.2f} ms a month"))
    for label, row_ in (k.get("anatomy") or {}).items():
        L.append(f"Anatomy of the users kernel at national size, {label}:")
        for name, v in row_.items():
            L.append(_row(name, v, "M agent-steps/s"))
    if k.get("paired"):
        L += _paired(k["paired"])
    if "out_of_cache" in k:
        oc = k["out_of_cache"]
        L.append("Kernels out of cache (national population tiled):")
        for pop in ("users", "farmers"):
            x = oc[pop]
            share = (f" = {100 * x['bandwidth_fraction']:.1f}% of bandwidth"
                     if x["bandwidth_fraction"] is not None else " (bandwidth not measured in this run)")
            L.append(_row(f"{pop} kernel, {x['agents']:,} agents", x["msteps_per_s"], "M agent-steps/s",
                          f"{x['achieved_gbps']:.2f} GB/s{share}"))
    return L


def _paired(pr: dict) -> list[str]:
    """The shares of bandwidth in rounds that time the copy and the kernels in the same moment."""
    c = pr["copy_gbps"]
    L = [f"Shares of bandwidth in {pr['rounds']} paired rounds (each: the copy, best of {pr['copy_reps']} "
         f"on {pr['copy_mib']:.0f} MiB arrays, then each kernel, best of {pr['reps']}; "
         f"benchmarks/paired.py):",
         _row("copy in the rounds (median)", c["median"], "GB/s", f"range {c['min']:.1f}-{c['max']:.1f}")]
    for kernel, x in pr["msteps_per_s"].items():
        L.append(_row(f"{kernel} kernel in the rounds (median)", x["median"], "M agent-steps/s",
                      f"range {x['min']:,.0f}-{x['max']:,.0f}; {x['slow_rounds']} of {pr['rounds']} rounds under "
                      f"{100 * SLOW_ROUND:.0f}% of the fastest (likely one core)"))
    labels = {"users": "users kernel, counted the STREAM way", "users_strict": "users kernel, by bytes moved",
              "farmers": "farmers kernel"}
    for name, x in pr["shares"].items():
        L.append(_row(f"{labels.get(name, name)} (median share)", 100 * x["median"], "%",
                      f"range {100 * x['min']:.1f}-{100 * x['max']:.1f}%; {x['rounds_reaching_threshold']} of "
                      f"{pr['rounds']} rounds at >= {100 * pr['threshold']:.0f}%; "
                      f"{100 * x['median_kernel_vs_top_copy']:.1f}% of the fastest copy ({c['max']:.1f} GB/s)"))
    return L


def _bandwidth(bw: dict, k: dict, r: dict) -> list[str]:
    """The copy's GB/s, and the national kernels against it."""
    L = [f"Memory bandwidth (STREAM-like copy of {bw['array_mib']:.0f} MiB arrays, 16 B per element):",
         _row("numpy copy (1 thread)", bw["numpy_copy_gbps"], "GB/s"),
         _row("numba loop, 1 thread", bw["numba_copy_1thread_gbps"], "GB/s"),
         _row(f"numba prange, {bw['numba_threads']} threads", bw["numba_copy_parallel_gbps"], "GB/s"),
         _row("best", bw["best_gbps"], "GB/s")]
    if k:  # the kernels section's timings against this copy, minutes apart (the targets use the rounds)
        nat = k["national"]
        L.append(_row("users kernel / this copy (national)", _pct(nat["users"]["bandwidth_fraction"]), "%"))
        L.append(_row("users kernel by bytes moved / this copy (national)",
                      _pct(nat["users_strict"]["bandwidth_fraction"]), "%"))
        if r.get("users_two_thread_speedup") is not None:
            L.append(_row("  the same on one thread", _pct(r.get("bandwidth_fraction_strict_1thread")), "%",
                          f"two threads {r['users_two_thread_speedup']:.2f}x one thread"))
        L.append(_row("farmers kernel / this copy (national)", _pct(nat["farmers"]["bandwidth_fraction"]), "%"))
    return L


def _runs(runs: dict) -> list[str]:
    """Each whole run, where the national and full runs' time goes, and the national run's profile."""
    L = ["Whole runs, fresh process each (wall = build + burn-in + months; imports apart):"]
    for name, x in runs.items():
        if x.get("status") != "ok":
            L.append(_row(f"{name}", None, "", f"{x.get('status')}: {x.get('error')}; "
                          f"peak seen {x.get('observed_peak_mb')} MiB after {x.get('process_wall_s')} s"))
            continue
        L.append(_row(f"{name}: {x['n_users']:,} users, {x['steps']} months", x["wall_s"], "s",
                      f"build {x['build_s']:.1f} + run {x['run_s']:.1f} s ({x['step_ms']:.0f} ms a month, CPU "
                      f"{x.get('run_cpu_s', 0):.1f} s, {x.get('numba_threads')} thr); peak {x['peak_mb']:,.0f} MiB; "
                      f"other load {x['load'].get('other_cores')} cores"))
    for name in ("national", "full"):
        x = runs.get(name)
        if not x or x.get("status") != "ok" or "phases_s" not in x:
            continue
        L.append(f"Where the {name} run's time goes ({x['run_s']:.1f} s of run, {x['steps']} months; "
                 f"first kernel calls {x.get('kernel_first_calls_s', 0):.2f} s of it):")
        for label, v in x["phases_s"].items():
            L.append(_row(label, v, "s", f"{100 * v / x['run_s']:.0f}%  ({1e3 * v / x['steps']:.1f} ms a month)"))
    prof = runs.get("national_profile")
    if prof and prof.get("status") == "ok":
        L.append(f"cProfile of the national run (top by own time; {prof['run_s']:.1f} s under the profiler):")
        for f in prof["profile_top_tottime"][:12]:
            L.append(_row(f["function"][-52:], f["tottime_s"], "s",
                          f"cum {f['cumtime_s']:.2f} s, {f['calls']:,} calls"))
    return L


def _scaling(sc: dict) -> list[str]:
    """Wall time at each number of user agents, and the linear fit."""
    L = [f"Scaling ({sc['farmers']:,} farmers, {sc['steps']} months each):"]
    for p in sc["points"]:
        if p["status"] == "ok":
            L.append(_row(f"{p['n_users']:,} users", p["wall_s"], "s",
                          f"{p['us_per_agent_month']:.4f} us/agent-month; peak {p['peak_mb']:,.0f} MiB"))
        else:
            L.append(_row(f"{p['n_users']:,} users", None, "", f"{p['status']}: {p['error']}"))
    f = sc["fit"]
    if f["slope"] is not None:
        L.append(_row("linear fit: intercept", f["intercept"], "s"))
        L.append(_row("linear fit: slope", sc["slope_ns_per_agent_month"], "ns/agent-month"))
        L.append(_row("linear fit: R^2", f["r2"], "", f"largest residual {100 * f['max_rel_residual']:.0f}% of the fit"))
    return L


def _startup(st: dict) -> list[str]:
    """What a user waits for: the first run on a machine, a warm run, the import."""
    L = [f"Start-up as a user sees it ({st['command']}, end to end in a fresh process):"]
    for kind, label in (("cold", "first run, empty numba cache (compile + run)"), ("warm", "warm run")):
        x = st[kind]
        L.append(_row(label, x.get("wall_s"), "s", "" if x.get("status") == "ok" else x.get("status", "")))
    L.append(_row("  the first run said it was compiling", st.get("announced_compile")))
    imports = ", ".join(f"{v:.2f}" for v in st.get("import_s", []) if v is not None)
    L.append(_row("import model.model (median)", st.get("import_median_s"), "s", f"runs: {imports} s"))
    return L


def _jit(j: dict) -> list[str]:
    """Start-up with an empty and with a filled numba cache."""
    L = ["Start-up (import + tiny model + first month, fresh process):"]
    for kind in ("cold", "warm"):
        x = j[kind]
        if x.get("status") == "ok":
            L.append(_row(f"{kind} numba cache", x["total_s"], "s",
                          f"import {x['import_s']:.2f} + build {x['build_s']:.2f} + month {x['first_month_s']:.2f} s "
                          f"(next month {1e3 * x['second_month_s']:.0f} ms)"))
        else:
            L.append(_row(f"{kind} numba cache", None, "", f"{x.get('status')}: {x.get('error')}"))
    return L


def plot_scaling(sc: dict, path: Path) -> str | None:
    """Wall time per run against user agents, with the linear fit (linear and log-log panels)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    ok = [p for p in sc["points"] if p["status"] == "ok"]
    if len(ok) < 2:
        return None
    x = np.array([p["n_users"] for p in ok], float)
    y = np.array([p["wall_s"] for p in ok], float)
    f = sc["fit"]
    xs = np.linspace(0, x.max() * 1.05, 200)
    xl = np.logspace(np.log10(x.min()), np.log10(x.max()), 200)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    label = f"fit: {f['intercept']:.1f} s + {sc['slope_ns_per_agent_month']:.1f} ns x users x months, R$^2$={f['r2']:.4f}"
    for ax, xx, log in ((axes[0], xs, False), (axes[1], xl, True)):
        ax.plot(xx, f["intercept"] + f["slope"] * xx, "-", color="tab:blue", label=label)
        ax.plot(x, y, "o", color="tab:red", label="measured (fresh process each)")
        ax.set_xlabel("user agents")
        ax.set_ylabel(f"wall time per run, s ({sc['steps']} months)")
        if log:
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_title("log-log")
        else:
            ax.set_title(f"wall time vs users ({sc['farmers']:,} farmers)")
        ax.grid(True, alpha=0.3)
    for p in ok:  # the CPU other processes used meanwhile: wall times on a shared machine grow with it
        oc = (p.get("load") or {}).get("other_cores")
        if oc is not None:
            axes[1].annotate(f"load {oc:.1f}", (p["n_users"], p["wall_s"]), textcoords="offset points",
                             xytext=(4, -11), fontsize=7, color="gray")
    failed = [p for p in sc["points"] if p["status"] != "ok"]
    if failed:
        axes[0].text(0.02, 0.9, "; ".join(f"{p['n_users']:,}: {p['status']}" for p in failed),
                     transform=axes[0].transAxes, fontsize=8, color="tab:red")
    axes[0].legend(fontsize=8, loc="upper left")
    axes[1].text(0.02, 0.95, "load = cores used by other processes meanwhile", transform=axes[1].transAxes,
                 fontsize=7, color="gray", va="top")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return str(path)
