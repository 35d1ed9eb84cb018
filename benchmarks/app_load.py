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
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from viz.process import stop_process_group

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
VIEWPORT = {"width": 1600, "height": 1000}   # as tests/test_app_browser.py
LOAD_TIMEOUT = 300_000                        # ms: the first page waits for the burn-in
STEP_SEL = "button[data-testid=step]:not([disabled])"
NOISE = re.compile(r"katex|jsdelivr|unpkg|cdn|fonts\.g|Failed to load resource: net::ERR_FAILED", re.I)
MB = 1024.0 * 1024.0

# the page's state in one round trip: month, Step enabled, and any error shown on the page
PROBE = """() => {
    const s = document.querySelector('[data-testid=status]');
    const b = document.querySelector('button[data-testid=step]');
    const alerts = [...document.querySelectorAll('.v-alert.error, .v-alert.warning')].map(e => e.innerText.trim());
    const body = document.body ? document.body.innerText : '';
    if (body.includes('Traceback')) alerts.push('Traceback on the page');
    return {month: s ? +s.dataset.month : null, enabled: !!b && !b.disabled, alerts: alerts};
}"""


def log(msg: str) -> None:
    print(f"[app-load {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- the server
class Server:
    """``drugmarket app`` in its own process group on 127.0.0.1, its output in ``log``."""

    def __init__(self, port: int, log_path: Path, extra: list[str]):
        self.port = port
        self.url = f"http://127.0.0.1:{port}/"
        self.log_path = log_path
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
        env.setdefault("NUMBA_CACHE_DIR", str(Path.home() / ".cache" / "drugmarket" / "numba"))
        self._fh = open(log_path, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "experiments.cli", "app", "--host", "127.0.0.1", "--port", str(port), *extra],
            cwd=ROOT, env=env, stdout=self._fh, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = 180.0) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                urllib.request.urlopen(self.url, timeout=3)
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"drugmarket app did not start:\n{self.log_text()[-3000:]}")

    def stop(self) -> None:
        stop_process_group(self.proc)  # the app and its children
        if not self._fh.closed:
            self._fh.close()

    def log_text(self) -> str:
        if not self._fh.closed:
            self._fh.flush()
        return self.log_path.read_text(errors="replace")


def _tree_rss(pid: int) -> float:
    """RSS in bytes of ``pid`` and all its descendants (psutil, else /proc)."""
    try:
        import psutil

        p = psutil.Process(pid)
        total = 0
        for q in [p, *p.children(recursive=True)]:
            try:
                total += q.memory_info().rss
            except psutil.Error:
                pass
        return float(total)
    except ImportError:
        pass
    except Exception:  # noqa: BLE001 - the process is gone
        return 0.0
    # /proc fallback: walk the parent links
    kids: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    total, todo = 0.0, [pid]
    while todo:
        q = todo.pop()
        todo.extend(kids.get(q, []))
        try:
            with open(f"/proc/{q}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


class Sampler(threading.Thread):
    """Samples the server's RSS every ``every`` seconds, each sample tagged with the current phase."""

    def __init__(self, pid: int, every: float):
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.phase = "before"
        self.samples: list[dict] = []
        self.t0 = time.time()
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.sample()
            self._halt.wait(self.every)

    def sample(self) -> None:
        self.samples.append({"t": round(time.time() - self.t0, 2), "phase": self.phase,
                             "rss_mb": round(_tree_rss(self.pid) / MB, 1), "load1": round(os.getloadavg()[0], 2)})

    def mark(self, phase: str) -> float:
        """Start a phase; returns its time (seconds since the sampler started)."""
        self.phase = phase
        self.sample()
        return self.samples[-1]["t"]

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=10)


# --------------------------------------------------------------------------- the sessions
class Session:
    def __init__(self, i: int, browser, url: str, errors: dict, outside: list):
        self.i = i
        self.ctx = browser.new_context(viewport=VIEWPORT)
        self.ctx.set_default_timeout(30_000)
        self.errors = errors
        self.month = 0
        self.expect: int | None = None       # the month a pending step should show
        self.clicked = 0.0
        self.steps = 0
        self.latencies: list[float] = []
        self.next_at = 0.0
        self.loaded = False

        def route(r):
            u = r.request.url
            if u.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")):
                r.continue_()
            else:
                outside.append(u)
                r.abort()

        self.ctx.route("**/*", route)
        self.page = self.ctx.new_page()
        self.page.on("pageerror", lambda e: self._err("page_errors", str(e)))
        self.page.on("console", self._console)
        self.url = url

    def _err(self, kind: str, text: str) -> None:
        self.errors[kind].append(f"session {self.i}: {text}"[:500])

    def _console(self, msg) -> None:
        if msg.type != "error":
            return
        if NOISE.search(msg.text):
            self.errors["console_noise"].append(f"session {self.i}: {msg.text}"[:300])
        else:
            self._err("console_errors", msg.text)

    def load(self) -> None:
        self.page.goto(self.url, timeout=LOAD_TIMEOUT)
        self.page.wait_for_selector("[data-testid=status]", timeout=LOAD_TIMEOUT)
        self.page.wait_for_selector(STEP_SEL, timeout=LOAD_TIMEOUT)
        self.month = int(self.page.get_attribute("[data-testid=status]", "data-month"))
        self.loaded = True

    def poll(self, now: float, pace: tuple[float, float], step_timeout: float) -> None:
        """Check a pending step; click Step when due. Never blocks for long."""
        st = self.page.evaluate(PROBE)
        if st["alerts"]:
            self._err("page_messages", " | ".join(st["alerts"]))
        m = st["month"]
        if self.expect is not None:
            if m is not None and m >= self.expect:
                self.latencies.append(now - self.clicked)
                self.steps += 1
                self.month, self.expect = m, None
                self.next_at = now + random.uniform(*pace)
            elif now - self.clicked > step_timeout:
                self._err("failed_steps", f"month {m} did not reach {self.expect} in {step_timeout:.0f} s")
                self.month, self.expect = (m if m is not None else self.month), None
                self.next_at = now + random.uniform(*pace)
            return
        if now < self.next_at or not st["enabled"]:
            return
        try:
            self.page.click(STEP_SEL, timeout=5_000)
        except Exception as e:  # noqa: BLE001 - counted, and the load goes on
            self._err("failed_clicks", f"{type(e).__name__}: {str(e).splitlines()[0]}")
            self.next_at = now + random.uniform(*pace)
            return
        self.clicked, self.expect = time.time(), self.month + 1

    def close_page(self) -> None:
        """Close the tab: its pagehide handler sends solara's close beacon."""
        try:
            if not self.page.is_closed():
                self.page.close()
        except Exception:  # noqa: BLE001
            pass

    def close(self) -> None:
        """Close the browser context (what is left of it)."""
        try:
            self.ctx.close()
        except Exception:  # noqa: BLE001
            pass


# --------------------------------------------------------------------------- the server's log
CLOSED_RE = re.compile(r"viz\.sessions INFO kernel \w+ closed: freed (\d+) session\(s\), (\d+) model")
CENSUS_RE = re.compile(r"census: solara kernels (-?\d+), kernels listed (\d+), kernels closed (\d+), sessions open "
                       r"(\d+), Session objects alive (\d+), models alive (\d+) \(templates (\d+), in open sessions "
                       r"(\d+)\), Python memory blocks (\d+), threads (\d+); RSS (\d+) MB \((gc and malloc_trim|gc) in (\d+) ms: "
                       r"(\d+) -> (\d+) MB\)")
CENSUS_KEYS = ("solara_kernels", "kernels_listed", "kernels_closed", "sessions_open", "sessions_alive",
               "models_alive", "templates", "models_in_open_sessions", "python_blocks", "threads", "rss_mb", "freed_by",
               "collect_ms", "collect_from_mb", "collect_to_mb")


def kernels_closed(text: str) -> int:
    return len(CLOSED_RE.findall(text))


def last_census(text: str) -> dict | None:
    found = CENSUS_RE.findall(text)
    if not found:
        return None
    return {k: (v if k == "freed_by" else int(v)) for k, v in zip(CENSUS_KEYS, found[-1])}


# --------------------------------------------------------------------------- the run
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


def _plot(samples: list[dict], marks: dict, path: Path, title: str) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, ax = plt.subplots(figsize=(10, 4.8))
    t = [s["t"] / 60 for s in samples]
    ax.plot(t, [s["rss_mb"] for s in samples], lw=1.5, color="C0", label="server RSS")
    colors = {"opening": "C1", "stepping": "C2", "closed": "C3"}
    seen = set()
    for name, tm in marks.items():
        kind = name.split()[-1]
        if kind in colors:
            ax.axvline(tm / 60, color=colors[kind], ls="--", lw=1, label=None if kind in seen else f"sessions {kind}")
            seen.add(kind)
    ax.set_xlabel("minutes since the server started serving")
    ax.set_ylabel("server RSS, MB (process and children)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    if any("load1" in s for s in samples):
        ax2 = ax.twinx()
        ax2.plot(t, [s.get("load1", float("nan")) for s in samples], lw=0.8, color="0.6", label="load average (1 min)")
        ax2.set_ylabel("load average, 1 min (2 cores)", color="0.4")
        ax2.set_ylim(bottom=0)
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        ax.legend(h1 + h2, l1 + l2, loc="upper left", fontsize=8)
    else:
        ax.legend(loc="upper left", fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def _quantiles(xs: list[float]) -> dict | None:
    xs = sorted(xs)
    if not xs:
        return None
    return {"median": round(xs[len(xs) // 2], 2), "p90": round(xs[int(len(xs) * 0.9)], 2), "max": round(xs[-1], 2)}


def run_round(k: int, a: argparse.Namespace, browser, server: Server, sampler: Sampler, outside: list,
              marks: dict) -> dict:
    """Open a round of sessions, step them for the minutes, close them and watch the memory."""
    errors: dict[str, list[str]] = {kind: [] for kind in ERROR_KINDS}
    n_err = lambda: sum(len(v) for kind, v in errors.items() if kind != "console_noise")  # noqa: E731
    sessions: list[Session] = []
    rss_start = sampler.samples[-1]["rss_mb"]
    marks[f"r{k} opening"] = sampler.mark(f"r{k} opening")
    load_s = []
    for i in range(a.sessions):
        s = Session(i, browser, server.url, errors, outside)
        sessions.append(s)
        t = time.time()
        try:
            s.load()
            load_s.append(time.time() - t)
            log(f"round {k}: session {i + 1}/{a.sessions} loaded in {load_s[-1]:.1f} s "
                f"(RSS {sampler.samples[-1]['rss_mb']:.0f} MB)")
        except Exception as e:  # noqa: BLE001
            errors["failed_loads"].append(f"session {i}: {type(e).__name__}: {str(e).splitlines()[0]}")
            log(f"round {k}: session {i + 1} failed to load: {e}")
    live = [s for s in sessions if s.loaded]
    now = time.time()
    for s in live:  # spread the first clicks over the first pace interval
        s.next_at = now + random.uniform(0, a.pace[1])
    marks[f"r{k} stepping"] = sampler.mark(f"r{k} stepping")
    rss_opened = sampler.samples[-1]["rss_mb"]
    log(f"round {k}: {len(live)} sessions open; stepping for {a.minutes:g} minutes")
    t_start = time.time()
    end = t_start + a.minutes * 60
    rows: list[dict] = []
    seen = [0] * len(live)
    next_row = t_start + a.report_every * 60

    def add_row() -> None:
        lat = []
        for j, s in enumerate(live):
            lat.extend(s.latencies[seen[j]:])
            seen[j] = len(s.latencies)
        sampler.sample()
        last = sampler.samples[-1]
        rows.append({"minute": round((time.time() - t_start) / 60, 1), "steps": sum(s.steps for s in live),
                     "errors": n_err(), "rss_mb": last["rss_mb"], "load1": last["load1"],
                     "latency_s": _quantiles(lat)})
        r = rows[-1]
        log(f"round {k}, minute {r['minute']:g}: {r['steps']} steps, {r['errors']} errors, RSS {r['rss_mb']:.0f} MB, "
            f"load {r['load1']:.1f}")

    while time.time() < end:  # bounded: the clock
        for s in live:
            try:
                s.poll(time.time(), tuple(a.pace), a.step_timeout)
            except Exception as e:  # noqa: BLE001
                s._err("failed_clicks", f"{type(e).__name__}: {str(e).splitlines()[0]}")
                s.expect, s.next_at = None, time.time() + a.pace[1]
        if time.time() >= next_row:
            add_row()
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
    if not rows or rows[-1]["minute"] < round(stepping_s / 60, 1):
        add_row()
    final_months = [s.month for s in live]
    steps = [s.steps for s in live]

    # close, and watch the server free the sessions' kernels
    text0 = server.log_text()
    closed0 = kernels_closed(text0)
    marks[f"r{k} closed"] = sampler.mark(f"r{k} closed")
    rss_at_close = sampler.samples[-1]["rss_mb"]
    log(f"round {k}: closing {len(sessions)} sessions ({a.close})")
    t_closed = time.time()
    if a.close == "tab":
        for s in sessions:
            s.close_page()
        time.sleep(2.0)  # closing a context at once could cancel the beacon of its closed tab
    for s in sessions:
        s.close()
    close_times: list[float] = []
    while time.time() < t_closed + a.after:  # bounded: the clock
        n = kernels_closed(server.log_text()) - closed0
        close_times.extend([round(time.time() - t_closed, 1)] * (n - len(close_times)))
        time.sleep(1.0)
    text1 = server.log_text()
    census = last_census(text1[len(text0):])
    after = [s["rss_mb"] for s in sampler.samples if s["phase"] == f"r{k} closed"
             and s["t"] >= marks[f"r{k} closed"] + max(0.0, a.after - 15)]
    in_round = [s["rss_mb"] for s in sampler.samples if s["phase"].startswith(f"r{k} ")]
    lat = [x for s in live for x in s.latencies]
    log(f"round {k}: {len(close_times)} kernels closed within {a.after:.0f} s; census {census}")
    return {
        "round": k,
        "sessions_requested": a.sessions, "sessions_opened": len(live),
        "load_s": {"min": round(min(load_s), 1), "max": round(max(load_s), 1)} if load_s else None,
        "stepping_seconds": round(stepping_s, 1),
        "steps": sum(steps), "steps_per_session": steps, "final_months": final_months,
        "months_match_steps": all(m == n for m, n in zip(final_months, steps)),
        "step_latency_s": _quantiles(lat),
        "errors": {kind: len(v) for kind, v in errors.items()}, "errors_total": n_err(),
        # an error kind counts events (a message on a page is counted at every poll that sees it): which sessions
        "sessions_with_errors": sorted({int(e.split()[1].rstrip(":")) for kind, v in errors.items()
                                        if kind != "console_noise" for e in v if e.startswith("session ")}),
        "error_samples": {kind: v[:20] for kind, v in errors.items()},
        "rss_mb": {"start": rss_start, "opened": rss_opened, "peak": max(in_round), "at_close": rss_at_close,
                   "after": round(sum(after) / len(after), 1) if after else None,
                   "min_after": min(after) if after else None, "after_wait_s": a.after},
        "kernels_closed": {"count": len(close_times), "within_5s": sum(t <= 5 for t in close_times),
                           "seconds_after_close": close_times},
        "census_after": census,
        "rows": rows,
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
            rounds.append(run_round(k, a, browser, server, sampler, outside, marks))
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
    _plot(samples, marks, out / f"{a.name}_rss.png",
          f"drugmarket app: {a.rounds} x {a.sessions} browser sessions, {a.minutes:g} min of stepping each")
    return result


def table(r: dict) -> str:
    lines = []
    for rd in r["rounds"]:
        m = rd["rss_mb"]
        lat = rd["step_latency_s"] or {}
        c = rd["census_after"] or {}
        kc = rd["kernels_closed"]
        rows = [("sessions", f"{rd['sessions_opened']} of {rd['sessions_requested']}"
                 + (f", loaded in {rd['load_s']['min']}-{rd['load_s']['max']} s" if rd["load_s"] else "")),
                ("stepping", f"{rd['stepping_seconds']:.0f} s, {rd['steps']} steps "
                             f"({min(rd['steps_per_session'], default=0)}-{max(rd['steps_per_session'], default=0)} "
                             f"a session), months match steps: {rd['months_match_steps']}"),
                ("step latency median / p90 / max (s)",
                 f"{lat.get('median', '-')} / {lat.get('p90', '-')} / {lat.get('max', '-')}"),
                ("errors", f"{rd['errors_total']}  " + ", ".join(f"{k} {v}" for k, v in rd["errors"].items())
                 + f"; in sessions {rd['sessions_with_errors'] or 'none'}"),
                ("RSS start / opened / peak / at close / after (MB)",
                 f"{m['start']} / {m['opened']} / {m['peak']} / {m['at_close']} / {m['after']} "
                 f"(mean of the last 15 of {m['after_wait_s']:g} s)"),
                ("kernels closed", f"{kc['count']} ({kc['within_5s']} within 5 s of closing)"),
                ("census after", ", ".join(f"{k} {v}" for k, v in c.items() if v is not None) or "none logged")]
        w = max(len(k) for k, _ in rows)
        lines.append(f"round {rd['round']}")
        lines += [f"  {k:<{w}}  {v}" for k, v in rows]
        lines.append("  | minute | steps | errors | RSS MB | load 1 min | latency median / p90 s |")
        lines.append("  |---|---|---|---|---|---|")
        for row in rd["rows"]:
            q = row["latency_s"] or {}
            lines.append(f"  | {row['minute']:g} | {row['steps']} | {row['errors']} | {row['rss_mb']:.0f} | "
                         f"{row['load1']:.1f} | {q.get('median', '-')} / {q.get('p90', '-')} |")
    ld = r["load1_while_stepping"] or {}
    c0 = r["census_before"] or {}
    lines.append("census before the load: " + (", ".join(f"{k} {v}" for k, v in c0.items()) or "none logged"))
    lines.append(f"server RSS before {r['rss_mb']['before']} MB, peak {r['rss_mb']['peak']} MB; load average while "
                 f"stepping median {ld.get('median', '-')}, max {ld.get('max', '-')}; errors in all "
                 f"{r['errors_total']} (server log {r['server_log_errors']}); outside requests blocked "
                 f"{r['outside_requests_blocked']}; server alive at end {r['server_alive_at_end']}")
    return "\n".join(lines)


def main(argv=None) -> int:
    a = parse(argv)
    r = run(a)
    print(table(r))
    print(f"wrote {Path(a.out) / (a.name + '.json')} and {Path(a.out) / (a.name + '_rss.png')}")
    ok = r["errors_total"] == 0 and all(rd["sessions_opened"] == rd["sessions_requested"] for rd in r["rounds"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
