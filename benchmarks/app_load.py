"""Load test and soak of the workshop app: many browser sessions stepping at once.

    python -m benchmarks.app_load                                  # 2 rounds of 30 sessions, 5 minutes each
    python -m benchmarks.app_load --sessions 5 --minutes 1 --after 40 --rounds 1
    python -m benchmarks.app_load --sessions 30 --minutes 30 --rounds 1    # the soak (benchmarks/app_soak.py)

Starts ``drugmarket app`` as a subprocess on a free loopback port, opens N
independent browser sessions (each its own Playwright browser context, so its own
cookies and its own solara session and models; all in one headless Chromium
process, which is what a 2-core machine can hold), loads the workshop page in each
and then, for the given minutes, clicks Step in each at a jittered pace (every
``--pace`` seconds, default 5-15 s). Before every click it checks that the page
shows no error message and that the month counter advanced since the last click;
a step that has not shown its new month within ``--step-timeout`` seconds counts
as failed. Then it closes every session (``--close tab``: the page first, as a
participant closing the tab, which sends solara's close beacon; ``--close
context``: the browser context at once, like a browser that vanishes, which
leaves the kernel to solara's cull after ``--cull-after``) and waits ``--after``
seconds. With ``--rounds 2`` (the default) it then does all of it again with N
new sessions: if the memory of the first round was leaked, the second round
raises the RSS again by as much; if it was kept by the allocator for reuse, the
second round reuses it.

Meanwhile it samples the resident memory (RSS) of the server process and its
children and the machine's load average every ``--every`` seconds, and every
``--report-every`` minutes of stepping adds a row to a table (steps, errors, RSS,
load, latency). From the server's log it reads what the app says when solara
closes a session's kernel (viz/sessions.py): the kernels closed, and the census
of sessions and models the process still holds.

Errors counted: uncaught page errors, console errors (less the known noise of an
offline room: resources the page would fetch from outside, which are blocked),
failed steps and clicks, error messages shown on a page, and server log lines with
``Traceback`` or ``ERROR``. No request may leave 127.0.0.1: every other one is
blocked and counted.

Writes OUT/NAME.json, OUT/NAME_rss.png (RSS over time) and OUT/server.log (NAME
is ``--name``, default app_load), and prints a table. The server and the browser
are stopped at the end whatever happens. Needs Debian's Chromium (``CHROMIUM``,
default /usr/bin/chromium) and the ``playwright`` package (never ``playwright
install``); ``psutil`` is optional.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

from benchmarks.app_browser import CHROMIUM, FLAGS, Session
from benchmarks.app_load_report import plot_rss, table
from benchmarks.app_server import Sampler, Server, free_port, kernels_closed, last_census


def log(msg: str) -> None:
    print(f"[app-load {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


ERROR_KINDS = ("page_errors", "console_errors", "console_noise", "page_messages", "failed_steps", "failed_clicks",
               "failed_loads")


def parse(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.app_load", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sessions", type=int, default=30, help="browser sessions of a round (default 30)")
    p.add_argument("--minutes", type=float, default=5.0, help="minutes of stepping once all are open (default 5)")
    p.add_argument("--rounds", type=int, default=2, help="rounds of sessions, one after the other (default 2)")
    p.add_argument("--port", type=int, default=0, help="the app's port (default: a free one)")
    p.add_argument("--out", default="results/app-load", help="output folder (default results/app-load)")
    p.add_argument("--name", default="app_load", help="name of the output files (default app_load)")
    p.add_argument("--pace", type=float, nargs=2, default=(5.0, 15.0), metavar=("MIN", "MAX"),
                   help="seconds between a session's steps, uniform in [MIN, MAX] (default 5 15)")
    p.add_argument("--every", type=float, default=2.0, help="seconds between RSS samples (default 2)")
    p.add_argument("--report-every", type=float, default=None, metavar="MIN",
                   help="minutes between rows of the table over time (default 1, or 5 above 10 minutes)")
    p.add_argument("--before", type=float, default=20.0, help="seconds of RSS samples before the load (default 20)")
    p.add_argument("--after", type=float, default=60.0,
                   help="seconds of RSS samples after closing a round's sessions (default 60)")
    p.add_argument("--close", choices=("tab", "context"), default="tab",
                   help="how a session ends: tab (close the page, then its context; default) or context (at once)")
    p.add_argument("--cull-after", default="30s",
                   help="drugmarket app --cull-after: a disconnected session's kernel is freed after this (default "
                        "30s, so that within --after even a session whose close beacon was lost is freed)")
    p.add_argument("--malloc-trim", choices=("0", "1"), default=None,
                   help="DRUGMARKET_APP_MALLOC_TRIM for the server (default: the app's default)")
    p.add_argument("--step-timeout", type=float, default=90.0, help="seconds before a step counts as failed")
    p.add_argument("--seed", type=int, default=1, help="seed of the jitter")
    p.add_argument("app_args", nargs="*", help="extra arguments for drugmarket app (after --)")
    argv = list(sys.argv[1:] if argv is None else argv)
    a = p.parse_args(argv)
    a.argv = argv
    if a.sessions < 1 or a.minutes <= 0 or a.rounds < 1 or a.pace[0] <= 0 or a.pace[1] < a.pace[0]:
        p.error("need --sessions >= 1, --minutes > 0, --rounds >= 1 and 0 < MIN <= MAX for --pace")
    if a.report_every is None:
        a.report_every = 1.0 if a.minutes <= 10 else 5.0
    if a.report_every <= 0:
        p.error("--report-every must be > 0")
    return a

def _quantiles(xs: list[float]) -> dict | None:
    xs = sorted(xs)
    if not xs:
        return None
    return {"median": round(xs[len(xs) // 2], 2), "p90": round(xs[int(len(xs) * 0.9)], 2), "max": round(xs[-1], 2)}


def _n_errors(errors: dict[str, list[str]]) -> int:
    """The errors counted so far (the known noise of an offline room apart)."""
    return sum(len(v) for kind, v in errors.items() if kind != "console_noise")


class Round:
    """One round: open the sessions, step them for the minutes, close them and watch the server free them."""

    def __init__(self, k: int, a: argparse.Namespace, browser, server: Server, sampler: Sampler, outside: list,
                 marks: dict):
        self.k, self.a, self.browser, self.server, self.sampler = k, a, browser, server, sampler
        self.outside, self.marks = outside, marks
        self.errors: dict[str, list[str]] = {kind: [] for kind in ERROR_KINDS}
        self.sessions: list[Session] = []
        self.live: list[Session] = []
        self.load_s: list[float] = []
        self.rows: list[dict] = []
        self.rss: dict = {}

    def run(self) -> dict:
        self.rss["start"] = self.sampler.samples[-1]["rss_mb"]
        self.open()
        stepping_s = self.step()
        close_times, census = self.close()
        return self.summary(stepping_s, close_times, census)

    def mark(self, phase: str) -> None:
        """Start a phase of this round: the samples from now on carry its name, and ``marks`` its time."""
        name = f"r{self.k} {phase}"
        self.marks[name] = self.sampler.mark(name)

    def open(self) -> None:
        """Open and load the sessions one after the other; a session that fails to load is counted."""
        k, a, sampler = self.k, self.a, self.sampler
        self.mark("opening")
        for i in range(a.sessions):
            s = Session(i, self.browser, self.server.url, self.errors, self.outside)
            self.sessions.append(s)
            t = time.time()
            try:
                s.load()
                self.load_s.append(time.time() - t)
                log(f"round {k}: session {i + 1}/{a.sessions} loaded in {self.load_s[-1]:.1f} s "
                    f"(RSS {sampler.samples[-1]['rss_mb']:.0f} MB)")
            except Exception as e:  # noqa: BLE001
                self.errors["failed_loads"].append(f"session {i}: {type(e).__name__}: {str(e).splitlines()[0]}")
                log(f"round {k}: session {i + 1} failed to load: {e}")
        self.live = [s for s in self.sessions if s.loaded]

    def step(self) -> float:
        """Click Step in every open session at its pace for the minutes, a row of the table every
        ``--report-every`` minutes; then let pending steps land. Returns the seconds of stepping."""
        k, a, live = self.k, self.a, self.live
        now = time.time()
        for s in live:  # spread the first clicks over the first pace interval
            s.next_at = now + random.uniform(0, a.pace[1])
        self.mark("stepping")
        self.rss["opened"] = self.sampler.samples[-1]["rss_mb"]
        log(f"round {k}: {len(live)} sessions open; stepping for {a.minutes:g} minutes")
        t_start = time.time()
        end = t_start + a.minutes * 60
        seen = [0] * len(live)
        next_row = t_start + a.report_every * 60
        while time.time() < end:  # bounded: the clock
            for s in live:
                try:
                    s.poll(time.time(), tuple(a.pace), a.step_timeout)
                except Exception as e:  # noqa: BLE001
                    s.count_error("failed_clicks", f"{type(e).__name__}: {str(e).splitlines()[0]}")
                    s.expect, s.next_at = None, time.time() + a.pace[1]
            if time.time() >= next_row:
                self.add_row(t_start, seen)
                next_row += a.report_every * 60
            time.sleep(0.2)
        stepping_s = time.time() - t_start
        # let pending steps land (bounded)
        t_drain = time.time() + a.step_timeout
        while any(s.expect is not None for s in live) and time.time() < t_drain:
            for s in live:
                if s.expect is not None:
                    try:
                        s.poll(time.time(), (1e9, 1e9), a.step_timeout)
                    except Exception:  # noqa: BLE001
                        s.expect = None
            time.sleep(0.5)
        if not self.rows or self.rows[-1]["minute"] < round(stepping_s / 60, 1):
            self.add_row(t_start, seen)
        return stepping_s

    def add_row(self, t_start: float, seen: list[int]) -> None:
        """A row of the table over time: steps, errors, RSS, load, and the latency of the steps since the last
        row (``seen``: how many of each session's latencies earlier rows took)."""
        lat = []
        for j, s in enumerate(self.live):
            lat.extend(s.latencies[seen[j]:])
            seen[j] = len(s.latencies)
        self.sampler.sample()
        last = self.sampler.samples[-1]
        self.rows.append({"minute": round((time.time() - t_start) / 60, 1), "steps": sum(s.steps for s in self.live),
                          "errors": _n_errors(self.errors), "rss_mb": last["rss_mb"], "load1": last["load1"],
                          "latency_s": _quantiles(lat)})
        r = self.rows[-1]
        log(f"round {self.k}, minute {r['minute']:g}: {r['steps']} steps, {r['errors']} errors, "
            f"RSS {r['rss_mb']:.0f} MB, load {r['load1']:.1f}")

    def close(self) -> tuple[list[float], dict | None]:
        """Close every session, then watch the server free their kernels for ``--after`` seconds. Returns the
        seconds after closing at which each kernel was freed, and the census the server logged last."""
        k, a, server = self.k, self.a, self.server
        text0 = server.log_text()
        closed0 = kernels_closed(text0)
        self.mark("closed")
        self.rss["at_close"] = self.sampler.samples[-1]["rss_mb"]
        log(f"round {k}: closing {len(self.sessions)} sessions ({a.close})")
        t_closed = time.time()
        if a.close == "tab":
            for s in self.sessions:
                s.close_page()
            time.sleep(2.0)  # closing a context at once could cancel the beacon of its closed tab
        for s in self.sessions:
            s.close()
        close_times: list[float] = []
        while time.time() < t_closed + a.after:  # bounded: the clock
            n = kernels_closed(server.log_text()) - closed0
            close_times.extend([round(time.time() - t_closed, 1)] * (n - len(close_times)))
            time.sleep(1.0)
        census = last_census(server.log_text()[len(text0):])
        log(f"round {k}: {len(close_times)} kernels closed within {a.after:.0f} s; census {census}")
        return close_times, census

    def summary(self, stepping_s: float, close_times: list[float], census: dict | None) -> dict:
        k, a, errors, load_s = self.k, self.a, self.errors, self.load_s
        samples, t_closed = self.sampler.samples, self.marks[f"r{k} closed"]
        after = [s["rss_mb"] for s in samples if s["phase"] == f"r{k} closed"
                 and s["t"] >= t_closed + max(0.0, a.after - 15)]
        in_round = [s["rss_mb"] for s in samples if s["phase"].startswith(f"r{k} ")]
        lat = [x for s in self.live for x in s.latencies]
        final_months = [s.month for s in self.live]
        steps = [s.steps for s in self.live]
        return {
            "round": k,
            "sessions_requested": a.sessions, "sessions_opened": len(self.live),
            "load_s": {"min": round(min(load_s), 1), "max": round(max(load_s), 1)} if load_s else None,
            "stepping_seconds": round(stepping_s, 1),
            "steps": sum(steps), "steps_per_session": steps, "final_months": final_months,
            "months_match_steps": all(m == n for m, n in zip(final_months, steps)),
            "step_latency_s": _quantiles(lat),
            "errors": {kind: len(v) for kind, v in errors.items()}, "errors_total": _n_errors(errors),
            # an error kind counts events (a message on a page is counted at every poll that sees it): which sessions
            "sessions_with_errors": sorted({int(e.split()[1].rstrip(":")) for kind, v in errors.items()
                                            if kind != "console_noise" for e in v if e.startswith("session ")}),
            "error_samples": {kind: v[:20] for kind, v in errors.items()},
            "rss_mb": {"start": self.rss["start"], "opened": self.rss["opened"], "peak": max(in_round),
                       "at_close": self.rss["at_close"],
                       "after": round(sum(after) / len(after), 1) if after else None,
                       "min_after": min(after) if after else None, "after_wait_s": a.after},
            "kernels_closed": {"count": len(close_times), "within_5s": sum(t <= 5 for t in close_times),
                               "seconds_after_close": close_times},
            "census_after": census,
            "rows": self.rows,
        }


def run(a: argparse.Namespace) -> dict:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise SystemExit(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)")
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    random.seed(a.seed)
    port = a.port or free_port()
    outside: list[str] = []
    marks: dict[str, float] = {}
    rounds: list[dict] = []
    app_args = list(a.app_args)
    if "--cull-after" not in app_args:
        app_args += ["--cull-after", a.cull_after]
    if a.malloc_trim is not None:
        os.environ["DRUGMARKET_APP_MALLOC_TRIM"] = a.malloc_trim
    server = Server(port, out / "server.log", app_args)
    sampler = None
    pw = browser = None
    alive = False
    baseline = None
    started = time.strftime("%Y-%m-%d %H:%M:%S %z")
    try:
        log(f"starting drugmarket app on 127.0.0.1:{port} ({' '.join(app_args)})")
        server.wait_ready()
        sampler = Sampler(server.proc.pid, a.every)
        sampler.start()
        log(f"serving; sampling RSS for {a.before:.0f} s before the load")
        time.sleep(a.before)
        baseline = last_census(server.log_text())  # logged when the warm-up has burned in the default seeds
        pw = sync_playwright().start()
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        for k in range(1, a.rounds + 1):
            rounds.append(Round(k, a, browser, server, sampler, outside, marks).run())
        marks["end"] = sampler.mark("end")
        alive = server.proc.poll() is None
    finally:
        if browser is not None:
            try:
                browser.close()
            except Exception:  # noqa: BLE001
                pass
        if pw is not None:
            try:
                pw.stop()
            except Exception:  # noqa: BLE001
                pass
        if sampler is not None:
            sampler.stop()
        server.stop()

    text = server.log_text()
    log_errors = [ln for ln in text.splitlines() if "Traceback" in ln or "ERROR" in ln]
    samples = sampler.samples
    before = [s["rss_mb"] for s in samples if s["phase"] == "before"]
    stepping_load = sorted(s["load1"] for s in samples if s["phase"].endswith("stepping"))
    result = {
        "date": started,
        "command": "python -m benchmarks.app_load " + " ".join(a.argv),
        "machine": {"cpus": os.cpu_count(), "chromium": CHROMIUM},
        "settings": {"sessions": a.sessions, "minutes": a.minutes, "rounds": a.rounds, "pace_s": list(a.pace),
                     "close": a.close, "app_args": app_args,
                     "malloc_trim": os.environ.get("DRUGMARKET_APP_MALLOC_TRIM", "app default (on)")},
        "rss_mb": {"before": before[-1] if before else None, "peak": max(s["rss_mb"] for s in samples)},
        "census_before": baseline,
        "load1_while_stepping": ({"median": stepping_load[len(stepping_load) // 2], "max": stepping_load[-1]}
                                 if stepping_load else None),
        "rounds": rounds,
        "errors_total": sum(r["errors_total"] for r in rounds) + len(log_errors),
        "server_log_errors": len(log_errors), "server_log_error_lines": log_errors[:50],
        "server_alive_at_end": alive,
        "outside_requests_blocked": len(outside), "outside_samples": sorted(set(outside))[:20],
        "phase_marks_s": marks,
        "rss_samples": samples,
    }
    (out / f"{a.name}.json").write_text(json.dumps(result, indent=1))
    plot_rss(samples, marks, out / f"{a.name}_rss.png",
          f"drugmarket app: {a.rounds} x {a.sessions} browser sessions, {a.minutes:g} min of stepping each")
    return result


def main(argv=None) -> int:
    a = parse(argv)
    r = run(a)
    print(table(r))
    print(f"wrote {Path(a.out) / (a.name + '.json')} and {Path(a.out) / (a.name + '_rss.png')}")
    ok = r["errors_total"] == 0 and all(rd["sessions_opened"] == rd["sessions_requested"] for rd in r["rounds"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
