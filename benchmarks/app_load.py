"""Load test of the workshop app: many browser sessions stepping at once (issue 5, "Must show").

    python -m benchmarks.app_load                                  # 30 sessions for 5 minutes
    python -m benchmarks.app_load --sessions 5 --minutes 1 --after 20
    python -m benchmarks.app_load --sessions 30 --minutes 5 --out results/app-load

Starts ``drugmarket app`` as a subprocess on a free loopback port, opens N
independent browser sessions (each its own Playwright browser context, so its own
cookies and its own solara session and models; all in one headless Chromium
process, which is what a 2-core machine can hold), loads the workshop page in each
and then, for the given minutes, clicks Step in each at a jittered pace (every
``--pace`` seconds, default 5-15 s). Before every click it checks that the page
shows no error message and that the month counter advanced since the last click;
a step that has not shown its new month within ``--step-timeout`` seconds counts
as failed.

Meanwhile it samples the resident memory (RSS) of the server process and its
children every ``--every`` seconds: before the sessions open, while they load and
step, and for ``--after`` seconds after every context has closed (solara frees a
session's state when its websocket closes), to see whether the memory returns
towards the level before the load.

Errors counted: uncaught page errors, console errors (less the known noise of an
offline room: resources the page would fetch from outside, which are blocked),
failed steps and clicks, error messages shown on a page, and server log lines with
``Traceback`` or ``ERROR``. No request may leave 127.0.0.1: every other one is
blocked and counted.

Writes OUT/app_load.json, OUT/app_load_rss.png (RSS over time) and OUT/server.log,
and prints a table. The server and the browser are stopped at the end whatever
happens. Needs Debian's Chromium (``CHROMIUM``, default /usr/bin/chromium) and the
``playwright`` package (never ``playwright install``); ``psutil`` is optional.
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
                             "rss_mb": round(_tree_rss(self.pid) / MB, 1)})

    def mark(self, phase: str) -> None:
        self.phase = phase
        self.sample()

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

    def close(self) -> None:
        try:
            self.ctx.close()
        except Exception:  # noqa: BLE001
            pass


# --------------------------------------------------------------------------- the run
def parse(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.app_load", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sessions", type=int, default=30, help="browser sessions (default 30)")
    p.add_argument("--minutes", type=float, default=5.0, help="minutes of stepping once all are open (default 5)")
    p.add_argument("--port", type=int, default=0, help="the app's port (default: a free one)")
    p.add_argument("--out", default="results/app-load", help="output folder (default results/app-load)")
    p.add_argument("--pace", type=float, nargs=2, default=(5.0, 15.0), metavar=("MIN", "MAX"),
                   help="seconds between a session's steps, uniform in [MIN, MAX] (default 5 15)")
    p.add_argument("--every", type=float, default=2.0, help="seconds between RSS samples (default 2)")
    p.add_argument("--before", type=float, default=20.0, help="seconds of RSS samples before the load (default 20)")
    p.add_argument("--after", type=float, default=60.0, help="seconds of RSS samples after closing (default 60)")
    p.add_argument("--step-timeout", type=float, default=90.0, help="seconds before a step counts as failed")
    p.add_argument("--seed", type=int, default=1, help="seed of the jitter")
    p.add_argument("app_args", nargs="*", help="extra arguments for drugmarket app (after --)")
    a = p.parse_args(argv)
    if a.sessions < 1 or a.minutes <= 0 or a.pace[0] <= 0 or a.pace[1] < a.pace[0]:
        p.error("need --sessions >= 1, --minutes > 0 and 0 < MIN <= MAX for --pace")
    return a


def _plot(samples: list[dict], marks: dict, path: Path, title: str) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, ax = plt.subplots(figsize=(9, 4.5))
    ax.plot([s["t"] for s in samples], [s["rss_mb"] for s in samples], lw=1.5, color="C0")
    colors = {"opening": "C1", "stepping": "C2", "closed": "C3"}
    for name, t in marks.items():
        if name in colors:
            ax.axvline(t, color=colors[name], ls="--", lw=1, label=f"{name} from {t:.0f} s")
    ax.set_xlabel("seconds since the server started serving")
    ax.set_ylabel("server RSS, MB (process and children)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def run(a: argparse.Namespace) -> dict:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise SystemExit(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)")
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    random.seed(a.seed)
    port = a.port or free_port()
    errors: dict[str, list[str]] = {k: [] for k in ("page_errors", "console_errors", "console_noise", "page_messages",
                                                    "failed_steps", "failed_clicks", "failed_loads")}
    outside: list[str] = []
    sessions: list[Session] = []
    marks: dict[str, float] = {}
    server = Server(port, out / "server.log", a.app_args)
    sampler = None
    pw = browser = None
    opened = 0
    started = time.strftime("%Y-%m-%d %H:%M:%S %z")
    stepping_s = 0.0
    try:
        log(f"starting drugmarket app on 127.0.0.1:{port}")
        server.wait_ready()
        sampler = Sampler(server.proc.pid, a.every)
        sampler.start()
        log(f"serving; sampling RSS for {a.before:.0f} s before the load")
        time.sleep(a.before)

        pw = sync_playwright().start()
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        sampler.mark("opening")
        marks["opening"] = sampler.samples[-1]["t"]
        for i in range(a.sessions):
            s = Session(i, browser, server.url, errors, outside)
            sessions.append(s)
            t = time.time()
            try:
                s.load()
                opened += 1
                log(f"session {i + 1}/{a.sessions} loaded in {time.time() - t:.1f} s (RSS "
                    f"{sampler.samples[-1]['rss_mb']:.0f} MB)")
            except Exception as e:  # noqa: BLE001
                errors["failed_loads"].append(f"session {i}: {type(e).__name__}: {str(e).splitlines()[0]}")
                log(f"session {i + 1} failed to load: {e}")
        live = [s for s in sessions if s.loaded]
        now = time.time()
        for s in live:  # spread the first clicks over the first pace interval
            s.next_at = now + random.uniform(0, a.pace[1])
        sampler.mark("stepping")
        marks["stepping"] = sampler.samples[-1]["t"]
        log(f"{opened} sessions open; stepping for {a.minutes:g} minutes")
        t_start = time.time()
        end = t_start + a.minutes * 60
        last_report = t_start
        while time.time() < end:  # bounded: the clock
            for s in live:
                try:
                    s.poll(time.time(), tuple(a.pace), a.step_timeout)
                except Exception as e:  # noqa: BLE001
                    s._err("failed_clicks", f"{type(e).__name__}: {str(e).splitlines()[0]}")
                    s.expect, s.next_at = None, time.time() + a.pace[1]
            if time.time() - last_report > 30:
                last_report = time.time()
                log(f"{sum(s.steps for s in live)} steps, RSS {sampler.samples[-1]['rss_mb']:.0f} MB, "
                    f"{sum(len(errors[k]) for k in errors if k != 'console_noise')} errors")
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
        final_months = [s.month for s in live]
        log(f"closing {len(sessions)} contexts")
        for s in sessions:
            s.close()
        sessions = []
        sampler.mark("closed")
        marks["closed"] = sampler.samples[-1]["t"]
        log(f"contexts closed; sampling RSS for {a.after:.0f} s")
        time.sleep(a.after)
        sampler.mark("end")
        alive = server.proc.poll() is None
    finally:
        for s in sessions:
            s.close()
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
    rss = lambda ph: [s["rss_mb"] for s in samples if s["phase"] in ph]  # noqa: E731
    before = rss(("before",))
    after_tail = [s["rss_mb"] for s in samples if s["phase"] in ("closed", "end")
                  and s["t"] >= marks["closed"] + max(0.0, a.after - 15)]
    lat = sorted(x for s in live for x in s.latencies) if opened else []
    n_err = {k: len(v) for k, v in errors.items()}
    result = {
        "date": started,
        "command": "python -m benchmarks.app_load " + " ".join(sys.argv[1:]),
        "machine": {"cpus": os.cpu_count(), "chromium": CHROMIUM},
        "sessions_requested": a.sessions, "sessions_opened": opened, "minutes": a.minutes,
        "stepping_seconds": round(stepping_s, 1), "pace_s": list(a.pace),
        "steps": sum(s.steps for s in live), "steps_per_session": [s.steps for s in live],
        "final_months": final_months,
        "step_latency_s": ({"median": round(lat[len(lat) // 2], 2), "p90": round(lat[int(len(lat) * 0.9)], 2),
                            "max": round(lat[-1], 2)} if lat else None),
        "errors": n_err,
        "errors_total": sum(v for k, v in n_err.items() if k != "console_noise") + len(log_errors),
        "server_log_errors": len(log_errors), "server_alive_at_end": alive,
        "outside_requests_blocked": len(outside),
        "rss_mb": {"before": before[-1] if before else None,  # the last sample before the first page
                   "peak": max(s["rss_mb"] for s in samples),
                   "at_close": next(s["rss_mb"] for s in samples if s["phase"] == "closed"),
                   "after": round(sum(after_tail) / len(after_tail), 1) if after_tail else None,
                   "after_wait_s": a.after},
        "phase_marks_s": marks,
        "error_samples": {k: v[:20] for k, v in errors.items()},
        "server_log_error_lines": log_errors[:50],
        "outside_samples": sorted(set(outside))[:20],
        "rss_samples": samples,
    }
    (out / "app_load.json").write_text(json.dumps(result, indent=1))
    _plot(samples, marks, out / "app_load_rss.png",
          f"drugmarket app: {opened} browser sessions, {a.minutes:g} min of stepping")
    return result


def table(r: dict) -> str:
    m = r["rss_mb"]
    lat = r["step_latency_s"] or {}
    rows = [("sessions", f"{r['sessions_opened']} of {r['sessions_requested']}"),
            ("minutes", f"{r['minutes']:g} ({r['stepping_seconds']:.0f} s stepping)"),
            ("steps done", f"{r['steps']}"),
            ("step latency median / p90 / max (s)",
             f"{lat.get('median', '-')} / {lat.get('p90', '-')} / {lat.get('max', '-')}"),
            ("errors", f"{r['errors_total']}  " + ", ".join(f"{k} {v}" for k, v in r["errors"].items())
             + f", server log {r['server_log_errors']}"),
            ("RSS before / peak / at close / after (MB)",
             f"{m['before']} / {m['peak']} / {m['at_close']} / {m['after']} (after {m['after_wait_s']:g} s)")]
    w = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{w}}  {v}" for k, v in rows)


def main(argv=None) -> int:
    a = parse(argv)
    r = run(a)
    print(table(r))
    print(f"wrote {Path(a.out) / 'app_load.json'} and {Path(a.out) / 'app_load_rss.png'}")
    return 0 if r["errors_total"] == 0 and r["sessions_opened"] == r["sessions_requested"] else 1


if __name__ == "__main__":
    sys.exit(main())
