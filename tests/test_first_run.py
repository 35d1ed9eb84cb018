"""The message before a first run: printed when numba's cache has none of the model's kernels, not after."""

import os
import subprocess
import sys

import pytest

from experiments.first_run import cache_is_cold, compile_message
from model import DrugMarketModel
from model.scenario import load_scenario


def _message_with_cache(cache_dir) -> str:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache_dir)}
    code = "from experiments.first_run import compile_message; print(compile_message())"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


@pytest.mark.slow
def test_an_empty_cache_announces_the_compile(tmp_path):
    msg = _message_with_cache(tmp_path / "empty")
    assert msg.startswith("compiling the model's kernels once (about ") and " s)" in msg


def test_a_warm_cache_says_nothing():
    # building and stepping a tiny model compiles (or loads) the kernels into this process's cache
    model = DrugMarketModel(scenario=load_scenario(None, ['preset="tiny"', "months=1"]), seed=1)
    model.step()
    assert cache_is_cold() is False
    assert compile_message() is None


@pytest.mark.slow
def test_the_run_command_prints_it_before_the_first_model(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "empty")}
    code = ("import sys, experiments.runner as r\n"
            "r.run_scenarios = lambda *a, **k: sys.exit(0)\n"  # stop where the first model would be built
            "from experiments.cli import main; main(['run', '--preset', 'tiny', '--seeds', '1'])")
    err = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=tmp_path).stderr
    assert "compiling the model's kernels once" in err
