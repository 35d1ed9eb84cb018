"""The workshop app's Play: a 10-year (120-month) play at each speed, with the app's own play loop.

    python -m benchmarks.app_play                       # workshop scale, 2 seeds, speeds 4 8 12 24
    python -m benchmarks.app_play --speeds 1,2,4,8,12,24
    python -m benchmarks.app_play --browser             # also the top speed end to end in Chromium

Server side, the loop is viz/play.py's ``Play`` (what the Play button runs), and each
redraw does what the page's redraw computes: the snapshot, the charts' ECharts options
and the summary cards (with their "why"), and their JSON. With ``--browser`` it starts
``drugmarket app``, chooses the top speed, presses Play and times until the status line
shows month 120 (the page's websocket, widget updates and the browser's drawing
included). ``drugmarket bench`` runs the server side (section ``app``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

MONTHS = 120


def _redraw(session, times: list[float]):
    from viz.charts import outcome_options
    from viz.summary import cards

    def redraw():
        t0 = time.perf_counter()
        snap = session.snapshot()
        json.dumps(outcome_options(snap))
        json.dumps([c.__dict__ for c in cards(snap, session.levers)], default=str)
        times.append(time.perf_counter() - t0)

    return redraw


def play(preset: str, n_seeds: int, months: int, speed: float, card: str = "reform_package") -> dict:
    """One play of ``months`` months at ``speed`` (a fresh session with the policy card ``card``)."""
    from viz.play import Play
    from viz.presets import card as get_card
    from viz.state import Session

    s = Session(preset=preset, n_seeds=n_seeds)
    s.apply_card(get_card(card))
    times: list[float] = []
    p = Play(s, speed, _redraw(s, times))
    c0 = time.process_time()
    p.run(max_months=months)
    cpu = time.process_time() - c0
    step_s = s.last_step_seconds
    s.close()
    return {"speed": speed, "months": p.months, "seconds": round(p.seconds, 2), "months_per_s": round(p.rate, 2),
            "cpu_s": round(cpu, 2), "redraws": p.redraws, "redraw_ms_median": round(1e3 * statistics.median(times), 1) if times else None,
            "last_step_ms": round(1e3 * step_s, 1)}


def measure(preset: str, n_seeds: int, months: int, speeds: list[float]) -> dict:
    """A play per speed, after a warm-up session (numba compiled, templates burned in)."""
    from viz.state import Session

    from viz.state import DEFAULT_SEED, status_quo_run

    t0 = time.perf_counter()
    w = Session(preset=preset, n_seeds=n_seeds)
    w.step(1)
    w.close()
    warm = time.perf_counter() - t0
    # as the server's warm-up does: the seeds' shared status quo run ahead, before any participant plays
    t0 = time.perf_counter()
    for seed in range(DEFAULT_SEED, DEFAULT_SEED + n_seeds):
        status_quo_run(preset, seed).run_ahead(months)
    ahead = time.perf_counter() - t0
    rows = [play(preset, n_seeds, months, sp) for sp in speeds]
    return {"preset": preset, "seeds": n_seeds, "policy_models": n_seeds, "months": months,
            "warm_up_s": round(warm, 1), "status_quo_ahead_s": round(ahead, 1), "plays": rows}


def browser(preset: str, months: int) -> dict:
    """The top speed end to end: Play pressed until the page shows month ``months``."""
    import subprocess

    from playwright.sync_api import sync_playwright

    from benchmarks.app_browser import CHROMIUM, FLAGS, VIEWPORT
    from benchmarks.app_server import free_port, serving
    from benchmarks.common import ROOT, child_env
    from viz.process import stop_process_group

    import tempfile

    from viz.app import WARMED_UP

    port = free_port()
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", prefix="app-play-")
    proc = subprocess.Popen([sys.executable, "-m", "experiments.cli", "app", "--port", str(port), "--preset", preset],
                            cwd=ROOT, env=child_env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        if not serving(url, proc, timeout=120):
            raise RuntimeError("the app did not start")
        # as in a workshop, where the server starts well before anyone plays: its warm-up has run the status
        # quo ahead (otherwise the play would share the cores with it)
        t0 = time.perf_counter()
        while WARMED_UP not in open(log.name).read():
            if proc.poll() is not None or time.perf_counter() - t0 > 600:
                raise RuntimeError("the app's warm-up did not finish")
            time.sleep(1)
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            page = b.new_page(viewport=VIEWPORT)
            page.goto(url, timeout=180_000)
            page.wait_for_selector("[data-testid=status][data-month='0']", timeout=180_000)
            page.click("button[data-testid=card-reform_package]")
            page.wait_for_selector("button[data-testid=step]:not([disabled])", timeout=60_000)
            page.click("button[data-testid=step]")  # one month first: the first step warms up what is cold
            page.wait_for_selector("[data-testid=status][data-month='1']", timeout=120_000)
            thumb = page.locator("[data-testid=speed][role=slider]")
            thumb.focus()
            page.keyboard.press("End")
            page.wait_for_timeout(500)
            t0 = time.perf_counter()
            page.click("button[data-testid=play]")
            page.wait_for_function(f"() => +document.querySelector('[data-testid=status]').dataset.month >= "
                                   f"{months + 1}", timeout=600_000, polling=50)
            seconds = time.perf_counter() - t0
            page.click("button[data-testid=pause]")
            b.close()
        return {"browser_months": months, "browser_seconds": round(seconds, 2),
                "browser_months_per_s": round(months / seconds, 2)}
    finally:
        stop_process_group(proc)
        log.close()


def main(argv=None) -> int:
    from viz.state import DEFAULT_ENSEMBLE, app_preset
    from viz.validate import SPEED_MAX

    p = argparse.ArgumentParser(prog="python -m benchmarks.app_play", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", default=app_preset())
    p.add_argument("--seeds", type=int, default=DEFAULT_ENSEMBLE)
    p.add_argument("--months", type=int, default=MONTHS)
    p.add_argument("--speeds", default=f"4,8,12,{SPEED_MAX}", help="comma-separated months a second")
    p.add_argument("--browser", action="store_true", help="also the top speed end to end in Chromium")
    p.add_argument("--json", action="store_true")
    a = p.parse_args(argv)
    speeds = [float(x) for x in a.speeds.split(",") if x.strip()]
    res = measure(a.preset, a.seeds, a.months, speeds)
    if a.browser:
        res.update(browser(a.preset, a.months))
    if a.json:
        print(json.dumps(res))
        return 0
    print(f"app play, preset {res['preset']}, {res['seeds']} seeds ({res['policy_models']} policy models; the status "
          f"quo run ahead in {res['status_quo_ahead_s']} s, as the server's warm-up does), {res['months']} months:")
    for r in res["plays"]:
        print(f"  speed {r['speed']:g}: {r['seconds']} s, CPU {r['cpu_s']} s ({r['months_per_s']} months a second; "
              f"{r['redraws']} redraws "
              f"of {r['redraw_ms_median']} ms; last step {r['last_step_ms']} ms)")
    if "browser_seconds" in res:
        print(f"  in Chromium at the top speed: {res['browser_seconds']} s ({res['browser_months_per_s']} months a "
              "second)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
