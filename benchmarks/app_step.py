"""The workshop app's step with its redraw (the target: under 200 ms at the app's default scale).

    python -m benchmarks.app_step                 # server side, at the app's defaults
    python -m benchmarks.app_step --browser       # also end to end in headless Chromium
    python -m benchmarks.app_step --preset tiny --seeds 1 --steps 12

Server side, one step is what the Step button does in viz/components.py:
``Session.step(1)`` (the policy model of every seed of the ensemble; the seeds'
status quo is the server's shared run, run ahead here first as the server's warm-up
does), then the redraw: the snapshot of the outputs, the ECharts options of the
default view (ten charts), the summary cards with their "why", and their JSON as the
widgets send it. The browser draws the charts itself.

With ``--browser``, the same is timed in Chromium against a running ``drugmarket
app``: from the click on Step until the status line shows the new month and the
browser has painted the charts (two animation frames later).

Prints the median and 90th percentile of each part, and the CPU that other
processes used meanwhile (the figures are wall time: on a shared machine they
grow with the load).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time


def _load():
    try:
        from benchmarks.common import Load

        return Load()
    except Exception:  # noqa: BLE001 - the load report is optional
        import contextlib

        return contextlib.nullcontext()


def _q(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def server_side(preset: str, n_seeds: int, steps: int, warm: int) -> dict:
    from viz.charts import outcome_options
    from viz.state import Session

    from viz.state import status_quo_run
    from viz.summary import cards

    t0 = time.perf_counter()
    s = Session(preset=preset, n_seeds=n_seeds)
    assert s.preset == preset, f"preset {preset!r} unknown"
    build = time.perf_counter() - t0
    for seed in s.seeds:
        status_quo_run(preset, seed).run_ahead(warm + steps)
    for _ in range(warm):
        s.step(1)
        json.dumps(outcome_options(s.snapshot()))
    step_ms, redraw_ms, cpu_ms = [], [], []
    with _load() as load:
        for _ in range(steps):
            c0 = time.process_time()
            t0 = time.perf_counter()
            s.step(1)
            t1 = time.perf_counter()
            snap = s.snapshot()
            payload = json.dumps(outcome_options(snap))
            json.dumps([c.__dict__ for c in cards(snap, s.levers)], default=str)
            t2 = time.perf_counter()
            step_ms.append((t1 - t0) * 1e3)
            redraw_ms.append((t2 - t1) * 1e3)
            cpu_ms.append((time.process_time() - c0) * 1e3)
    total = [a + b for a, b in zip(step_ms, redraw_ms)]
    return {
        "preset": preset, "models": n_seeds, "seeds": n_seeds, "steps": steps, "first_session_s": round(build, 2),
        "step_ms_median": round(statistics.median(step_ms), 1),
        "redraw_ms_median": round(statistics.median(redraw_ms), 1),
        "total_ms_median": round(statistics.median(total), 1), "total_ms_p90": round(_q(total, 0.9), 1),
        "cpu_ms_median": round(statistics.median(cpu_ms), 1), "payload_kb": round(len(payload) / 1024, 1),
        "other_cores": getattr(load, "other_cores", None), "loadavg": getattr(load, "loadavg_end", None),
    }


def browser(preset: str, steps: int, port: int | None) -> dict:
    """End to end in Chromium: starts ``drugmarket app`` on a free port, clicks Step ``steps`` times."""
    import subprocess

    from playwright.sync_api import sync_playwright

    from benchmarks.app_browser import CHROMIUM, FLAGS, VIEWPORT
    from benchmarks.app_server import free_port, serving
    from benchmarks.common import ROOT, child_env
    from viz.process import stop_process_group

    port = port or free_port()
    proc = subprocess.Popen([sys.executable, "-m", "experiments.cli", "app", "--port", str(port), "--preset", preset],
                            cwd=ROOT, env=child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        if not serving(url, proc, timeout=120):
            raise RuntimeError("the app did not start")
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            page = b.new_page(viewport=VIEWPORT)
            page.goto(url, timeout=120_000)
            page.wait_for_selector("[data-testid=status][data-month='0']", timeout=180_000)
            page.wait_for_selector("button[data-testid=step]:not([disabled])", timeout=60_000)
            times = []
            for i in range(1, steps + 1):
                t = page.evaluate("""async (month) => {
                    const t0 = performance.now();
                    document.querySelector('[data-testid=step]').click();
                    const sel = `[data-testid=status][data-month='${month}']`;
                    while (!document.querySelector(sel)) { await new Promise(r => setTimeout(r, 2)); }
                    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
                    return performance.now() - t0;
                }""", i)
                times.append(t)
            b.close()
        warm = times[2:] or times
        return {"browser_steps": len(times), "browser_ms_median": round(statistics.median(warm), 1),
                "browser_ms_p90": round(_q(warm, 0.9), 1)}
    finally:
        stop_process_group(proc)  # the app and its children


def main(argv=None) -> int:
    from viz.state import DEFAULT_ENSEMBLE, app_preset

    p = argparse.ArgumentParser(prog="python -m benchmarks.app_step", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", default=app_preset(), help="agent scale (default: the app's, workshop)")
    p.add_argument("--seeds", type=int, default=DEFAULT_ENSEMBLE, help="seeds in the ensemble (default: the app's)")
    p.add_argument("--steps", type=int, default=24, help="steps measured (default 24)")
    p.add_argument("--warm", type=int, default=3, help="steps before measuring (default 3)")
    p.add_argument("--define", default=None, metavar="K=V,...",
                   help="try a scale not in model/presets.py: defines --preset in this process only, e.g. "
                        "--preset app --define n_users=20000,n_farmers=3000,n_orgs=12,n_suppliers=40 "
                        "(not with --browser)")
    p.add_argument("--browser", action="store_true", help="also measure end to end in headless Chromium")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    a = p.parse_args(argv)
    from model.presets import PRESETS

    if a.define:
        if a.browser:
            p.error("--define applies to this process only; it cannot be combined with --browser")
        try:
            PRESETS[a.preset] = {k.strip(): int(v) for k, v in (kv.split("=") for kv in a.define.split(","))}
        except ValueError:
            p.error(f"--define: expected key=whole number,..., got {a.define!r}")
    elif a.preset not in PRESETS:
        p.error(f"--preset: one of {', '.join(PRESETS)} (or define one with --define)")
    res = server_side(a.preset, a.seeds, a.steps, a.warm)
    if a.browser:
        res.update(browser(a.preset, min(a.steps, 24), None))
    if a.json:
        print(json.dumps(res))
        return 0
    print(f"app step with its redraw, preset {res['preset']} {PRESETS[res['preset']]}, {res['seeds']} seeds = "
          f"{res['models']} policy models (the status quo shared, run ahead), "
          f"{res['steps']} steps:")
    print(f"  step {res['step_ms_median']} ms + redraw {res['redraw_ms_median']} ms = {res['total_ms_median']} ms "
          f"median ({res['total_ms_p90']} ms 90th percentile; CPU {res['cpu_ms_median']} ms; charts "
          f"{res['payload_kb']} KiB of JSON)")
    if "browser_ms_median" in res:
        print(f"  in Chromium, click to painted charts: {res['browser_ms_median']} ms median "
              f"({res['browser_ms_p90']} ms 90th percentile)")
    if res.get("other_cores") is not None:
        print(f"  other processes used {res['other_cores']} cores meanwhile (load average {res['loadavg']})")
    verdict = "under" if res["total_ms_median"] < 200 else "OVER"
    print(f"  target: under 200 ms -> {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
