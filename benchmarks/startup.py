"""The figures a user sees first: the first run on a machine, a warm run, and the import.

- cold first run: ``drugmarket run --seeds 1`` at the default preset with an empty numba cache
  (the kernels compile, then the run), end to end in a fresh process;
- warm default run: the same command again, with the cache the first one wrote;
- import: ``import model.model`` in a fresh process with a warm cache (median of 3).

Each is timed from outside, as the user waits for it (interpreter start included). The children write
Python's bytecode cache even where PYTHONDONTWRITEBYTECODE is set (some shells and CI set it), as a
user's first run does: without it every module of the warm run compiles from source again (4 s more
CPU time, 1.56 times the run's, measured on the busy 2-core machine).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import ROOT, child_env, log

#: the command a user runs first (README): the default scenario and preset, one seed
DEFAULT_RUN = ["run", "--seeds", "1"]
#: --quick: the same command at the smallest preset
QUICK = ["--preset", "tiny", "--months", "6"]
IMPORT_REPEATS = 3


def _cli() -> list[str]:
    return [sys.executable, "-m", "experiments.cli"]


def _timed(cmd: list[str], env: dict, timeout_s: float) -> dict:
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, cwd=str(ROOT), env=env, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return {"status": f"timeout: stopped after {timeout_s:.0f} s", "wall_s": None}
    wall = round(time.perf_counter() - t0, 2)
    if p.returncode != 0:
        return {"status": f"failed (exit {p.returncode}): {p.stderr[-500:]}", "wall_s": None}
    return {"status": "ok", "wall_s": wall, "stderr": p.stderr[-500:]}


def _import_s(env: dict) -> float | None:
    code = "import time; t = time.perf_counter(); import model.model; print(time.perf_counter() - t)"
    p = subprocess.run([sys.executable, "-c", code], cwd=str(ROOT), env=env, capture_output=True, text=True,
                       timeout=300)
    return round(float(p.stdout.strip()), 3) if p.returncode == 0 else None


def measure(quick: bool = False, timeout_s: float = 1800.0) -> dict:
    """The cold first run, the warm default run and the import time (see the module's docstring);
    ``quick``: the runs at the tiny preset for 6 months (the compile is the same)."""
    cache = tempfile.mkdtemp(prefix="drugmarket-bench-numba-")
    out = Path(tempfile.mkdtemp(prefix="drugmarket-bench-run-"))
    try:
        env = child_env(NUMBA_CACHE_DIR=cache)
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # a user's runs keep the bytecode (the docstring)
        cmd = [*_cli(), *DEFAULT_RUN, *(QUICK if quick else []), "--out", str(out / "run"), "--overwrite"]
        log(f"startup: cold first run ({' '.join(['drugmarket', *DEFAULT_RUN])}, empty numba cache)")
        cold = _timed(cmd, env, timeout_s)
        log(f"startup: cold {cold['wall_s']} s; warm default run")
        warm = _timed(cmd, env, timeout_s)
        log(f"startup: warm {warm['wall_s']} s; import model.model x{IMPORT_REPEATS}")
        imports = [_import_s(env) for _ in range(IMPORT_REPEATS)]
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
    ok = [x for x in imports if x is not None]
    return {"command": " ".join(["drugmarket", *DEFAULT_RUN, *(QUICK if quick else [])]), "cold": cold, "warm": warm,
            "announced_compile": "compiling the model's kernels once" in cold.get("stderr", ""),
            "import_s": imports, "import_median_s": statistics.median(ok) if ok else None}
