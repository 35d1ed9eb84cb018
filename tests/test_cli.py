"""The drugmarket command line, with a fake simulate (hidden option --simulate module:function)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments import cli
from fakes import budget, frame, seed_noise

ROOT = Path(__file__).absolute().parent.parent
HERE = Path(__file__).absolute().parent
MOD = Path(__file__).stem  # this module as worker processes import it (tests/ on the path)
PROGRAMS = ("interdiction", "treatment", "harm_reduction")


def fake_simulate(scenario, seed: int) -> pd.DataFrame:
    """Each USD of treatment averts 4e-6 deaths a month; noise depends on the seed
    (and a seed-specific treatment response), never on the scenario."""
    d = scenario.to_dict()
    m = int(d["months"])
    rng = np.random.default_rng(seed)
    response = 4e-6 * (1 + 0.1 * rng.standard_normal())
    treat = budget(d, "treatment")
    columns = {
        "overdose_deaths": 9000.0 - response * treat + rng.normal(0, 30, m),
        "people_with_sud": 2.0e7 - 1e-3 * treat + rng.normal(0, 1e4, m),
        "in_treatment": 1.0e6 + 1e-4 * treat + rng.normal(0, 1e3, m),
        **seed_noise(rng, m, 0.55),
        "seized_kg_heroin": 1.0e4 + rng.normal(0, 10, m),
    }
    return frame(d, seed, columns, PROGRAMS)


def failing_simulate(scenario, seed: int) -> pd.DataFrame:
    if seed == 2:
        raise ValueError("fake failure for seed 2")
    return fake_simulate(scenario, seed)


def sleepy_simulate(scenario, seed: int) -> pd.DataFrame:
    """Logs (session, treatment budget, seed) of every finished run to $FAKE_LOG."""
    time.sleep(float(os.environ.get("FAKE_SLEEP", "0.1")))
    d = scenario.to_dict()
    with open(os.environ["FAKE_LOG"], "a") as fh:
        fh.write(json.dumps([os.environ.get("FAKE_SESSION"), budget(d, "treatment"), seed]) + "\n")
    return fake_simulate(scenario, seed)


def _main(capsys, *argv) -> tuple[int, str, str]:
    rc = cli.main(list(argv))
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


SIM = ["--simulate", f"{MOD}:fake_simulate"]


# --------------------------------------------------------------------------- run
def test_run_writes_results_figure_and_summary(tmp_path, capsys):
    out = tmp_path / "run"
    rc, stdout, stderr = _main(capsys, "run", "--set", "name=cli-run", "--set", "policy.budget.treatment=0", "--months", "24", "--seeds", "3",
                               "--preset", "tiny", "--out", str(out), "--backend", "serial", *SIM)
    assert rc == 0, stderr
    df = pd.read_parquet(out / "results.parquet")
    assert len(df) == 3 * 24 and sorted(df["seed"].unique()) == [1, 2, 3]
    assert (out / "outcomes.png").stat().st_size > 10_000
    m = json.loads((out / "manifest.json").read_text())
    assert m["command"][:2] == ["drugmarket", "run"] and m["kind"] == "run"
    assert "overdose deaths: 108,000 a year (95% interval 107," in stdout
    assert "people with SUD:" in stdout and " people (" in stdout
    assert "retail price of heroin: USD 150 per pure gram" in stdout
    assert "fentanyl share: 55.0%" in stdout
    assert "cultivation (all countries): 280,000 ha" in stdout
    assert "last 12 months" in stdout
    assert "Traceback" not in stderr


def test_run_default_out_and_local_pool(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(cli.SIMULATE_ENV, f"{MOD}:fake_simulate")
    rc, stdout, stderr = _main(capsys, "run", "--set", "name=my scenario", "--months", "6", "--seeds", "2",
                               "--workers", "2", "--no-figure")
    assert rc == 0, stderr
    out = tmp_path / "results" / "my_scenario"
    assert len(pd.read_parquet(out / "results.parquet")) == 12
    assert not (out / "outcomes.png").exists()
    # a second run into the same directory is refused, with the way out
    rc, _, stderr = _main(capsys, "run", "--set", "name=my scenario", "--months", "6", "--seeds", "2")
    assert rc == 2 and "--resume" in stderr and "--overwrite" in stderr
    rc, _, stderr = _main(capsys, "run", "--set", "name=my scenario", "--months", "6", "--seeds", "2", "--resume",
                          "--backend", "serial")
    assert rc == 0, stderr


def test_run_failure_exit_1(tmp_path, capsys):
    out = tmp_path / "o"
    rc, stdout, stderr = _main(capsys, "run", "--months", "6", "--seeds", "3", "--out", str(out),
                               "--backend", "serial", "--simulate", f"{MOD}:failing_simulate")
    assert rc == 1
    assert "error: 1 of 3 runs failed" in stderr and "fake failure for seed 2" in stderr
    m = json.loads((out / "manifest.json").read_text())
    assert [t["status"] for t in m["tasks"]] == ["done", "failed", "done"]
    assert len(pd.read_parquet(out / "results.parquet")) == 12


@pytest.mark.parametrize("argv, message", [
    (["run", "--set", "policy.budget.treatmnt=1e9"], "did you mean 'policy.budget.treatment'"),
    (["run", "--set", "policy.budget.treatment=-5"], "policy.budget.treatment"),
    (["run", "no_such_scenario_file.toml"], "no such scenario file"),
    (["run", "--preset", "huge"], "preset"),
    (["sweep", "no_such_sweep.toml"], "no such sweep file"),
    (["compare", "no_such_baseline.toml", "x.toml"], "no such scenario file"),
    (["run", "--simulate", "nocolon"], "module:function"),
    (["run", "--address", "tcp://127.0.0.1:9", "--backend", "local"], "--address needs the dask backend"),
])
def test_user_errors_exit_2_without_traceback(argv, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rc, stdout, stderr = _main(capsys, *argv, *([] if "--simulate" in argv else SIM))
    assert rc == 2
    assert stderr.startswith("error: ") and message in stderr
    assert "Traceback" not in stderr


def test_argparse_errors_exit_2(capsys):
    rc, _, stderr = _main(capsys, "run", "--seeds", "zero")
    assert rc == 2 and "--seeds" in stderr
    rc, _, stderr = _main(capsys)
    assert rc == 2 and "run" in stderr
    rc, stdout, _ = _main(capsys, "--help")
    assert rc == 0 and "sweep" in stdout


def test_delegates_not_available(capsys, monkeypatch):
    monkeypatch.setitem(cli.DELEGATES, "reproduce", ("experiments.no_such_module_xyz:main", "x"))
    rc, _, stderr = _main(capsys, "reproduce", "--fast")
    assert rc == 2 and "not available yet" in stderr and "Traceback" not in stderr
    monkeypatch.setitem(cli.DELEGATES, "bench", ("experiments.cli:no_such_function", "x"))
    rc, _, stderr = _main(capsys, "bench")
    assert rc == 2 and "not available yet" in stderr


def test_every_delegate_names_a_function_that_exists():
    """`drugmarket bench` once pointed at benchmarks:main, which does not exist: each subcommand handed to
    another module must name a real callable (importing it, not running it)."""
    import importlib

    for name, (target, _) in cli.DELEGATES.items():
        mod_name, attr = target.split(":")
        assert callable(getattr(importlib.import_module(mod_name), attr, None)), name


def test_delegate_passes_arguments(capsys, monkeypatch):
    monkeypatch.setitem(cli.DELEGATES, "app", (f"{MOD}:_fake_entry", "x"))
    rc, stdout, _ = _main(capsys, "app", "--port", "8765")
    assert rc == 3 and "['--port', '8765']" in stdout


def _fake_entry(argv):
    print(argv)
    return 3


# --------------------------------------------------------------------------- sweep
SWEEP = textwrap.dedent("""
    name = "cli-sweep"
    design = "factorial"
    replicates = 2
    [base]
    name = "sweep-base"
    months = 12
    [factors]
    "policy.budget.treatment" = [1.0e8, 2.0e8, 3.0e8, 4.0e8, 5.0e8, 6.0e8, 7.0e8, 8.0e8, 9.0e8, 1.0e9, 1.1e9, 1.2e9]
    [outputs]
    overdose_deaths = "mean_last_12"
""")


def test_sweep_cli(tmp_path, capsys):
    f = tmp_path / "s.toml"
    f.write_text(SWEEP.replace('design = "factorial"\nreplicates = 2',
                               'design = "morris"\nsamples = 4\n').replace(
        '"policy.budget.treatment" = [1.0e8, 2.0e8, 3.0e8, 4.0e8, 5.0e8, 6.0e8, 7.0e8, 8.0e8, 9.0e8, 1.0e9, 1.1e9, 1.2e9]',
        '"policy.budget.treatment" = [1.0e8, 1.2e9]\n"policy.budget.interdiction" = [1.0e9, 3.0e9]'))
    out = tmp_path / "out"
    rc, stdout, stderr = _main(capsys, "sweep", str(f), "--out", str(out), "--backend", "serial", *SIM)
    assert rc == 0, stderr
    assert "morris design, 2 factors, 12 rows x 1 seed = 12 runs" in stdout
    assert "mu*" in stdout
    for name in ("design.parquet", "outputs.parquet", "sensitivity.csv", "sensitivity.png", "manifest.json"):
        assert (out / name).exists(), name


def test_bad_sweep_file_exit_2(tmp_path, capsys):
    f = tmp_path / "s.toml"
    f.write_text(SWEEP.replace('design = "factorial"', 'design = "sobol"\nsamples = 10'))
    rc, _, stderr = _main(capsys, "sweep", str(f), *SIM)
    assert rc == 2 and "samples: Sobol' sampling needs a power of 2" in stderr and str(f) in stderr
    f.write_text(SWEEP.replace('"policy.budget.treatment"', '"policy.budget.treatmint"'))
    rc, _, stderr = _main(capsys, "sweep", str(f), *SIM)
    assert rc == 2 and "policy.budget.treatmint" in stderr and "Traceback" not in stderr


def _parts(out: Path) -> set[int]:
    return {int(p.stem) for p in (out / "parts").glob("*.parquet")}


def _cli_env(tmp_path, session: str) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(HERE), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.update(FAKE_LOG=str(tmp_path / "log.jsonl"), FAKE_SESSION=session, FAKE_SLEEP="0.15")
    return env


def _children(pid: int) -> list[int]:
    """Child processes of ``pid`` (Linux /proc; empty elsewhere)."""
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def _alive(pids: list[int]) -> list[str]:
    """The processes of ``pids`` still running (zombies, waiting to be reaped, do not count)."""
    alive = []
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        state = text.rsplit(")", 1)[1].split()[0]
        if state not in ("Z", "X"):
            alive.append(f"{pid} {state} {text.split(')')[0]})")
    return alive


@pytest.mark.slow
def test_sweep_killed_then_resumed_runs_each_row_once(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text(SWEEP)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "experiments.cli", "sweep", str(f), "--out", str(out),
           "--backend", "local", "--workers", "2", "--simulate", f"{MOD}:sleepy_simulate"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=_cli_env(tmp_path, "first"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if (out / "parts").is_dir() and len(_parts(out)) >= 6:
            break
        time.sleep(0.02)
    assert proc.poll() is None, proc.communicate()
    workers = _children(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    before = _parts(out)
    assert 6 <= len(before) < 24
    assert len(pd.read_parquet(out / "design.parquet")) == 12  # written before the first run
    # the orphaned pool workers notice their parent died and exit
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(workers):
        time.sleep(0.1)
    assert not _alive(workers)

    res = subprocess.run(cmd + ["--resume"], cwd=tmp_path, env=_cli_env(tmp_path, "resume"),
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    df = pd.read_parquet(out / "parts")
    runs = df.groupby(["design_row", "replicate"]).size()
    assert len(runs) == 24 and (runs == 12).all()  # every row and seed exactly once, 12 months each
    assert sorted(df["task_id"].unique()) == list(range(24))

    design = pd.read_parquet(out / "design.parquet")
    row_of = {v: r for r, v in zip(design["row"], design["policy.budget.treatment"])}
    log = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    resumed = [row_of[t] * 2 + (seed - 1) for session, t, seed in log if session == "resume"]
    assert len(resumed) == len(set(resumed)) == 24 - len(before)  # each missing task once
    assert not set(resumed) & before  # nothing finished before the kill ran again
    m = json.loads((out / "manifest.json").read_text())
    assert m["counts"] == {"done": 24, "failed": 0, "pending": 0}
    assert (out / "sensitivity.csv").exists()


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["serial", "local"])
def test_ctrl_c_keeps_finished_runs(tmp_path, backend):
    """SIGINT to the whole process group, as Ctrl-C in a terminal: exit 130, no traceback,
    the manifest agrees with the parts, no worker process left behind."""
    f = tmp_path / "s.toml"
    f.write_text(SWEEP)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "experiments.cli", "sweep", str(f), "--out", str(out),
           "--backend", backend, "--workers", "2", "--simulate", f"{MOD}:sleepy_simulate"]
    # 1 s a run (24 runs, 2 workers: about 12 s in all), so that on a loaded machine the sweep cannot
    # finish between seeing 3 parts and the interrupt (with 0.15 s it did, at load average 30)
    env = {**_cli_env(tmp_path, "first"), "FAKE_SLEEP": "1.0"}
    # Start the sweep as a terminal starts a command, with Ctrl-C not ignored. Run as a background job of a
    # non-interactive shell (or under nohup), pytest inherits an ignored SIGINT, the sweep would inherit it
    # too and finish despite the interrupt (this made both backends fail under such a shell). A handled signal is reset to
    # its default in the child on exec, an ignored one is not.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, start_new_session=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    finally:
        signal.signal(signal.SIGINT, previous)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if (out / "parts").is_dir() and len(_parts(out)) >= 3:
            break
        time.sleep(0.02)
    workers = _children(proc.pid)
    seen = len(_parts(out)) if (out / "parts").is_dir() else 0
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, (proc.returncode, f"{seen} parts before the interrupt", stderr[-2000:])
    assert "interrupted" in stderr and "--resume" in stderr and "Traceback" not in stderr
    m = json.loads((out / "manifest.json").read_text())
    done = {t["id"] for t in m["tasks"] if t["status"] == "done"}
    assert done == _parts(out) and 3 <= len(done) < 24
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(workers):
        time.sleep(0.1)
    assert not _alive(workers)


# --------------------------------------------------------------------------- compare
def test_compare_cli(tmp_path, capsys):
    base = tmp_path / "base.toml"
    base.write_text('name = "baseline"\nmonths = 24\n[policy.budget]\ntreatment = 4.0e8\ninterdiction = 2.0e9\n')
    more = tmp_path / "more.toml"
    more.write_text('name = "more-treatment"\nmonths = 24\n[policy.budget]\ntreatment = 1.4e9\ninterdiction = 2.0e9\n')
    shift = tmp_path / "shift.toml"
    shift.write_text('name = "shift"\nmonths = 24\n[policy.budget]\ntreatment = 1.4e9\ninterdiction = 5.0e8\n')
    cut = tmp_path / "cut.toml"
    cut.write_text('name = "cut"\nmonths = 24\n[policy.budget]\ntreatment = 4.0e8\ninterdiction = 1.0e9\n')
    out = tmp_path / "cmp"
    rc, stdout, stderr = _main(capsys, "compare", str(base), str(more), str(shift), str(cut), "--seeds", "8",
                               "--out", str(out), "--backend", "serial", *SIM)
    assert rc == 0, stderr
    t = pd.read_csv(out / "compare.csv").set_index(["policy", "outcome"])
    # 1e9 more treatment: 4e-6 x 1e9 = 4,000 deaths a month averted (seed responses vary by 10%)
    d = t.loc[("more-treatment", "overdose_deaths")]
    assert d["mean"] == pytest.approx(4000 * 24, rel=0.1) and d["low"] < d["mean"] < d["high"]
    s = t.loc[("more-treatment", "spend_usd")]
    assert s["mean"] == pytest.approx(1e9 * 2, rel=1e-9) and s["unit"] == "USD"
    c = t.loc[("more-treatment", "cost_per_death_averted")]
    assert c["mean"] == pytest.approx(2e9 / d["mean"], rel=1e-9)
    assert "not meaningful as a cost: the policy saves" in t.loc[("shift", "cost_per_death_averted"), "note"]
    assert "not distinguishable from zero" in t.loc[("cut", "cost_per_death_averted"), "note"]
    assert t.loc[("more-treatment", "cultivation_ha"), "unit"] == "ha"
    assert "overdose deaths:" in stdout and "fewer (better; 95% interval" in stdout and "per death averted" in stdout
    assert "averted -" not in stdout and "interval -" not in stdout  # no double negatives
    assert "USD 2 billion more" in stdout or "USD 2.00 billion more" in stdout
    assert (out / "compare.png").stat().st_size > 5000
    assert (out / "per_seed.csv").exists() and (out / "results.parquet").exists()
    assert "overdose_deaths" in (out / "columns.csv").read_text()  # the data dictionary


def test_compare_same_seeds_for_all_scenarios(tmp_path):
    from experiments.compare import compare
    from model.scenario import load_scenario

    a = load_scenario(None, ["name=a", "months=6"])
    b = load_scenario(None, ["name=a", "months=6", "policy.budget.treatment=2e9"])  # same name: renamed
    res = compare(a, [b], [4, 8], simulate=fake_simulate, backend="serial", progress=False)
    seeds = res.metrics.groupby("scenario")["seed"].apply(list).to_dict()
    assert seeds == {"a": [4, 8], "a-2": [4, 8]}
    assert set(res.table["policy"]) == {"a-2"}
