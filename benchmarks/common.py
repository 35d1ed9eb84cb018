"""Shared helpers: paths, the environment of child processes, machine load, child runs, fits."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.child import RESULT_MARK  # the line a child prints its result on

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CACHE = Path.home() / ".cache" / "drugmarket" / "numba"  # as the Makefile
# A paired round (benchmarks/paired.py) whose kernel ran under this share of its fastest round most likely had
# one of the two cores: with two, the kernels run 1.6-2.2 times as fast as with one (docs/performance.md)
SLOW_ROUND = 0.6


def log(msg: str) -> None:
    """Progress goes to stderr, so that ``--json`` output on stdout stays one JSON object."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def ensure_cache_dir() -> str:
    """numba's on-disk cache outside the repository (the Makefile's default unless set)."""
    d = os.environ.get("NUMBA_CACHE_DIR") or str(DEFAULT_CACHE)
    Path(d).mkdir(parents=True, exist_ok=True)
    os.environ["NUMBA_CACHE_DIR"] = d
    return d


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a benchmark child: this one, the repository on PYTHONPATH, ``extra``."""
    env = dict(os.environ)
    pp = env.get("PYTHONPATH", "")
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + pp if pp else "")
    env.update({k: str(v) for k, v in extra.items()})
    return env


# --------------------------------------------------------------------------- machine load
def _proc_stat() -> tuple[float, float] | None:
    """(busy, steal) CPU seconds of the whole machine since boot, from /proc/stat (Linux)."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    hz = os.sysconf("SC_CLK_TCK")
    user, nice, system, idle, iowait, irq, softirq = v[:7]
    steal = v[7] if len(v) > 7 else 0
    return (user + nice + system + irq + softirq) / hz, steal / hz


def _own_cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


@dataclass
class Load:
    """CPU used by *other* processes while a measurement ran (cores on average), and the load average.

    other = (machine busy CPU time - this process's and its waited-for children's CPU time) / wall.
    On this 2-core machine, other > 0.3 means the measurement shared the CPUs with someone else.
    """

    wall_s: float = 0.0
    other_cores: float | None = None
    steal_cores: float | None = None
    loadavg_start: float | None = None
    loadavg_end: float | None = None
    _t0: float = field(default=0.0, repr=False)
    _stat0: tuple | None = field(default=None, repr=False)
    _own0: float = field(default=0.0, repr=False)

    def __enter__(self) -> "Load":
        self._t0 = time.perf_counter()
        self._stat0 = _proc_stat()
        self._own0 = _own_cpu()
        self.loadavg_start = round(os.getloadavg()[0], 2)
        return self

    def __exit__(self, *exc) -> None:
        self.wall_s = time.perf_counter() - self._t0
        self.loadavg_end = round(os.getloadavg()[0], 2)
        st = _proc_stat()
        if st is not None and self._stat0 is not None and self.wall_s > 0:
            busy = st[0] - self._stat0[0]
            own = _own_cpu() - self._own0
            self.other_cores = round(max(0.0, (busy - own) / self.wall_s), 2)
            self.steal_cores = round(max(0.0, (st[1] - self._stat0[1]) / self.wall_s), 2)

    def as_dict(self) -> dict:
        return {"other_cores": self.other_cores, "steal_cores": self.steal_cores,
                "loadavg_start": self.loadavg_start, "loadavg_end": self.loadavg_end}


# --------------------------------------------------------------------------- child processes
def _rss_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in KiB, 0 if unknown."""
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return rss, hwm


def run_child(args: list[str], *, env: dict | None = None, timeout_s: float = 600.0,
              mem_limit_gib: float = 16.0, poll_s: float = 0.2) -> dict:
    """Run ``python -m benchmarks.child ARGS`` in a fresh process; stop it (this process's child,
    by its pid) past ``timeout_s`` or when its resident memory passes ``mem_limit_gib``.

    Returns the child's JSON result plus ``status`` ("ok", "timeout", "memory", "failed"),
    ``process_wall_s`` (including interpreter start) and ``observed_peak_mb`` (VmHWM seen
    from here, MiB), and the load of other processes meanwhile.
    """
    cmd = [sys.executable, "-m", "benchmarks.child", *args]
    limit_kib = mem_limit_gib * 1024 * 1024
    peak = 0
    status = "ok"
    with Load() as load:
        proc = subprocess.Popen(cmd, cwd=str(ROOT), env=env or child_env(), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        t0 = time.perf_counter()
        out_chunks: list[str] = []
        err_chunks: list[str] = []
        readers = [threading.Thread(target=lambda s=proc.stdout, b=out_chunks: b.append(s.read()), daemon=True),
                   threading.Thread(target=lambda s=proc.stderr, b=err_chunks: b.append(s.read()), daemon=True)]
        for r in readers:
            r.start()
        while proc.poll() is None:
            rss, hwm = _rss_kib(proc.pid)
            peak = max(peak, rss, hwm)
            if peak > limit_kib:
                status = "memory"
                proc.kill()
                break
            if time.perf_counter() - t0 > timeout_s:
                status = "timeout"
                proc.kill()
                break
            time.sleep(poll_s)
        proc.wait()
        for r in readers:
            r.join(timeout=10)
    wall = time.perf_counter() - t0
    stdout, stderr = "".join(out_chunks), "".join(err_chunks)
    res: dict = {}
    for line in stdout.splitlines():
        if line.startswith(RESULT_MARK):
            res = json.loads(line[len(RESULT_MARK):])
    if status == "ok" and (proc.returncode != 0 or not res):
        status = "failed"
        res["error"] = stderr.strip().splitlines()[-5:] if stderr.strip() else f"exit status {proc.returncode}"
    res.update(status=status, returncode=proc.returncode, process_wall_s=round(wall, 3),
               observed_peak_mb=round(peak / 1024.0, 1), load=load.as_dict())
    if status == "timeout":
        res["error"] = f"stopped after {timeout_s:.0f} s (time limit)"
    elif status == "memory":
        res["error"] = f"stopped at {peak / 1024 / 1024:.1f} GiB resident (limit {mem_limit_gib:g} GiB)"
    return res


# --------------------------------------------------------------------------- small maths
def linear_fit(x, y) -> dict:
    """Least-squares y = a + b x, with R^2 and the largest relative residual."""
    import numpy as np

    x = np.asarray(x, float)
    y = np.asarray(y, float)
    if len(x) < 2:
        return {"intercept": None, "slope": None, "r2": None, "max_rel_residual": None}
    b, a = np.polyfit(x, y, 1)
    fit = a + b * x
    ss_res = float(((y - fit) ** 2).sum())
    ss_tot = float(((y - y.mean()) ** 2).sum())
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else 1.0
    rel = np.abs(y - fit) / np.maximum(np.abs(fit), 1e-12)
    return {"intercept": float(a), "slope": float(b), "r2": float(r2), "max_rel_residual": float(rel.max())}


def machine_info() -> dict:
    import numba
    import numpy

    info = {
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "numba": numba.__version__,
        "cpus": os.cpu_count(),
        "numba_threads": numba.config.NUMBA_NUM_THREADS,
        # how idle OpenMP threads wait between parallel regions: on a VM, waking a sleeping vCPU for a
        # region of about a millisecond can cost a large share of it (docs/performance.md)
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "unset"),
        "platform": platform.platform(),
    }
    try:
        import mesa

        info["mesa"] = mesa.__version__
    except Exception:  # noqa: BLE001
        pass
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            info["mem_total_gib"] = round(int(f.readline().split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    try:
        info["git"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                     text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        info["git_dirty"] = bool(dirty)
    except (OSError, subprocess.SubprocessError):
        pass
    if not info.get("git"):
        # a source tree without .git (e.g. ``git archive`` of a commit, to measure a frozen snapshot)
        info["git"] = os.environ.get("DRUGMARKET_GIT_COMMIT", "unknown")
    info["source"] = str(ROOT)
    return info
