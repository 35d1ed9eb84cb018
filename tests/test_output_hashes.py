"""Whole-run outputs are bit-identical to the hashes recorded in tests/data/output_hashes.json.

A restructuring that claims to change no output must pass this unchanged; a change meant to move outputs
records new hashes (``python tests/golden.py --record``) and says why in its commit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from golden import CASES, case_scenario, digest, recorded, run_case

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", [c[0] for c in CASES if c[2] == "tiny"])
def test_a_fixed_seed_run_has_its_recorded_hash(name):
    assert digest(run_case(name)) == recorded()[name]


@pytest.mark.slow
def test_the_workshop_run_has_its_recorded_hash_on_one_and_two_threads():
    name = "rebalance_workshop_kernel"
    for threads in ("1", "2"):
        env = dict(os.environ, NUMBA_NUM_THREADS=threads, PYTHONPATH=str(ROOT / "tests"))
        script = f"from golden import digest, run_case; print(digest(run_case({name!r})))"
        r = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, cwd=ROOT,
                           timeout=900)
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip().splitlines()[-1] == recorded()[name], f"{threads} thread(s)"


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["serial", "local", "dask"])
def test_a_recorded_run_is_the_same_through_every_backend(backend):
    """The runner changes nothing (it adds only its task_id): the events case, run through a backend (two
    workers where it has workers), has its recorded hash."""
    from experiments.runner import run_ensemble

    name = "events_tiny_kernel"
    seed = next(c[5] for c in CASES if c[0] == name)
    df = run_ensemble(case_scenario(name), [seed], backend=backend, workers=2, progress=False)
    assert digest(df.drop(columns="task_id").reset_index(drop=True)) == recorded()[name]
