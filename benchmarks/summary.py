"""The flat keys of bench.json: each section's headline figures, lifted out of its details for the targets
and the table (the details stay in the JSON, under ``details``)."""

from __future__ import annotations

from benchmarks import bandwidth


def kernel_keys(k: dict | None, bw_gbps: float | None) -> dict:
    """Kernel speeds, the kernel/Mesa ratios and the shares of bandwidth."""
    if not k:
        return dict(kernel_vs_mesa_ratio=None, kernel_vs_mesa_ratio_farmers=None, bandwidth_fraction=None,
                    bandwidth_fraction_strict=None, bandwidth_fraction_farmers=None)
    import numba

    r: dict = {}
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
    return r


def run_keys(rr: dict) -> dict:
    """Wall time, peak memory and size of each whole run; how the full run ended."""
    r: dict = {}
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
    return r


def scaling_keys(sc: dict | None) -> dict:
    """The linear fit of wall time against user agents, and the range it covers."""
    if not sc:
        return {"scaling_r2": None}
    r: dict = {}
    okp = [p for p in sc["points"] if p["status"] == "ok"]
    r["scaling_r2"] = sc["fit"]["r2"]
    r["scaling_slope_ns_per_agent_month"] = sc["slope_ns_per_agent_month"]
    r["scaling_intercept_s"] = sc["fit"]["intercept"]
    r["scaling_max_users"] = max((p["n_users"] for p in okp), default=None)
    r["scaling_full_range"] = r["scaling_max_users"] is not None and r["scaling_max_users"] >= 4e7
    return r


def load_keys(loads: dict) -> dict:
    """What other processes used of the CPUs during the sections, and the load average."""
    others = [v["other_cores"] for v in loads.values() if v.get("other_cores") is not None]
    return {"sections": loads, "other_cores_mean": round(sum(others) / len(others), 2) if others else None,
            "other_cores_max": max(others) if others else None,
            "loadavg_start": next(iter(loads.values()), {}).get("loadavg_start"),
            "loadavg_end": list(loads.values())[-1].get("loadavg_end") if loads else None}


def startup_keys(st: dict | None) -> dict:
    """The user-facing start-up figures of benchmarks/startup.py (None when not measured)."""
    st = st or {}
    return {"first_run_cold_s": (st.get("cold") or {}).get("wall_s"),
            "default_run_warm_s": (st.get("warm") or {}).get("wall_s"),
            "import_s": st.get("import_median_s"),
            "first_run_announced": st.get("announced_compile")}


def app_keys(app: dict | None) -> dict:
    """The workshop app: its step with the redraw, and a play of the months at the top speed."""
    if not app:
        return {"app_step_ms": None, "app_play_top_speed_s": None}
    plays = app["play"]["plays"]
    top = max(plays, key=lambda p: p["speed"]) if plays else None
    return {"app_step_ms": app["step"]["total_ms_median"],
            "app_play_top_speed_s": top["seconds"] if top else None,
            "app_play_months": app["play"]["months"],
            "app_play_s_by_speed": {f"{p['speed']:g}": p["seconds"] for p in plays}}
