"""The app under load: ``drugmarket app`` as a server process, a sampler of its memory, and what its log
says about the sessions it closed (used by the load test, benchmarks/app_load.py, and benchmarks/app_step.py)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from benchmarks.common import DEFAULT_CACHE, ROOT, child_env
from viz.process import stop_process_group

MB = 1024.0 * 1024.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serving(url: str, proc: subprocess.Popen, timeout: float) -> bool:
    """Whether ``url`` answers within ``timeout`` seconds (False at once if ``proc``, its server, exits)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            break
        try:
            urllib.request.urlopen(url, timeout=3)
            return True
        except OSError:
            time.sleep(0.5)
    return False


# --------------------------------------------------------------------------- the server
class Server:
    """``drugmarket app`` in its own process group on 127.0.0.1, its output in ``log``."""

    def __init__(self, port: int, log_path: Path, extra: list[str]):
        self.port = port
        self.url = f"http://127.0.0.1:{port}/"
        self.log_path = log_path
        env = child_env()
        env.setdefault("NUMBA_CACHE_DIR", str(DEFAULT_CACHE))
        self._fh = open(log_path, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "experiments.cli", "app", "--host", "127.0.0.1", "--port", str(port), *extra],
            cwd=ROOT, env=env, stdout=self._fh, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = 180.0) -> None:
        if not serving(self.url, self.proc, timeout):
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

