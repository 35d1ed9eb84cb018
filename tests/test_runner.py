"""The experiment runner, backends, storage and progress, with a cheap fake simulate.

The fakes are top-level functions of this module so that worker processes (spawned
process pools, Dask workers) can import them; they stand in for model.simulate.
"""

from __future__ import annotations

import io
import json
import os
import time

import numpy as np
import pandas as pd
import pytest

from experiments import backends, storage
from experiments.progress import Progress, format_duration
from experiments.runner import (
    ExperimentError,
    Task,
    TasksFailed,
    execute_task,
    make_seeds,
    resolve_simulate,
    run_ensemble,
    run_scenarios,
    run_tasks,
)
from model.scenario import Scenario, load_scenario

from fakes import budget, frame, seed_noise

PROGRAMS = ("eradication", "interdiction", "treatment", "harm_reduction", "prevention")


def fake_simulate(scenario, seed: int) -> pd.DataFrame:
    """Deterministic in (scenario, seed); noise depends on the seed only (common random numbers)."""
    d = scenario.to_dict() if hasattr(scenario, "to_dict") else scenario
    m = int(d["months"])
    rng = np.random.default_rng(seed)
    treat = budget(d, "treatment")
    columns = {
        "overdose_deaths": 9000.0 - 1e-6 * treat + rng.normal(0, 50, m),
        "people_with_sud": 2.0e7 + rng.normal(0, 1e4, m),
        "in_treatment": 1e6 + treat * 1e-4 + rng.normal(0, 1e3, m),
        **seed_noise(rng, m, 0.5),
        "seized_kg_cocaine_colombia": 5.0e4 + rng.normal(0, 100, m),
    }
    return frame(d, seed, columns, PROGRAMS)


def failing_simulate(scenario, seed: int) -> pd.DataFrame:
    if seed == 2:
        raise ValueError("fake failure for seed 2")
    return fake_simulate(scenario, seed)


def slow_first_simulate(scenario, seed: int) -> pd.DataFrame:
    """Low seeds take longest, so tasks finish out of order on a pool."""
    time.sleep(0.05 * (5 - min(seed, 5)))
    return fake_simulate(scenario, seed)


CALLS: list[int] = []


def counting_simulate(scenario, seed: int) -> pd.DataFrame:
    CALLS.append(seed)
    return fake_simulate(scenario, seed)


#: a file holding the number of process pools made so far in the dead-worker test (see below)
POOL_FILE_ENV = "DRUGMARKET_TEST_POOL_FILE"


def crashing_simulate(scenario, seed: int) -> pd.DataFrame:
    """Seed 3 kills its worker process (as the kernel's OOM killer or a segfault would).

    In the first pool, the runs after seed 3 never finish: they wait until the broken pool
    terminates their worker. So which runs fail does not depend on how fast the pool notices the
    death (a loaded machine can let other workers finish several runs first); the runs sent to
    the fresh pools run normally."""
    if seed == 3:
        os._exit(1)
    pool_file = os.environ.get(POOL_FILE_ENV)
    if seed > 3 and pool_file and open(pool_file).read().strip() == "1":
        deadline = time.monotonic() + 300  # only a guard against a hang: the pool terminates us long before
        while time.monotonic() < deadline:
            time.sleep(0.05)
    return fake_simulate(scenario, seed)


def not_a_frame(scenario, seed: int):
    return {"month": [1]}


@pytest.fixture
def scenario() -> Scenario:
    return load_scenario(None, ["name=test-ens", "months=12", 'preset="tiny"'])


# --------------------------------------------------------------------------- backends
def test_serial_and_local_pools_identical(scenario):
    serial = run_ensemble(scenario, 4, simulate=fake_simulate, backend="serial", progress=False)
    assert len(serial) == 4 * 12
    assert list(serial["seed"].unique()) == [1, 2, 3, 4]
    assert list(serial["task_id"].unique()) == [0, 1, 2, 3]
    for workers in (1, 2):
        local = run_ensemble(scenario, 4, simulate=fake_simulate, backend="local", workers=workers, progress=False)
        pd.testing.assert_frame_equal(serial, local)


def test_dask_local_cluster_identical(scenario):
    pytest.importorskip("distributed")
    serial = run_ensemble(scenario, 3, simulate=fake_simulate, backend="serial", progress=False)
    dask = run_ensemble(scenario, 3, simulate=fake_simulate, backend="dask", workers=2, progress=False)
    pd.testing.assert_frame_equal(serial, dask)


def test_order_is_by_task_not_completion(scenario, tmp_path):
    serial = run_ensemble(scenario, 5, simulate=fake_simulate, backend="serial", progress=False)
    pooled = run_ensemble(scenario, 5, simulate=slow_first_simulate, backend="local", workers=2,
                          out=tmp_path / "o", progress=False)
    pd.testing.assert_frame_equal(serial, pooled)
    pd.testing.assert_frame_equal(serial, storage.read_results(tmp_path / "o"))


def test_serial_executor_and_bad_backend():
    with backends.make_executor("serial") as ex:
        assert ex.submit(pow, 2, 5).result() == 32
        fut = ex.submit(int, "x")
        assert isinstance(fut.exception(), ValueError)
    with pytest.raises(backends.BackendError, match="unknown backend"):
        with backends.make_executor("spark"):
            pass
    with pytest.raises(backends.BackendError, match="at least 1"):
        with backends.make_executor("local", workers=0):
            pass


def test_thread_env_divides_cpus():
    env = backends.thread_env(backends.cpu_count())
    assert env["NUMBA_NUM_THREADS"] == "1"
    assert backends.threads_per_worker(1) == backends.cpu_count()


def test_slurm_job_script():
    pytest.importorskip("dask_jobqueue")
    cluster = backends.slurm_cluster(cores=4, memory="8GB", walltime="01:00:00", queue="short")
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    assert "#SBATCH" in script
    assert "-p short" in script or "--partition=short" in script
    assert "NUMBA_NUM_THREADS=1" in script


# --------------------------------------------------------------------------- failures
def test_failed_task_recorded_others_complete(scenario, tmp_path):
    out = tmp_path / "o"
    with pytest.raises(TasksFailed) as info:
        run_ensemble(scenario, 4, simulate=failing_simulate, backend="local", workers=2, out=out, progress=False)
    report = info.value.report
    assert report.n_failed == 1 and report.n_done == 3
    assert "1 of 4 runs failed" in str(info.value)
    m = json.loads((out / "manifest.json").read_text())
    by_seed = {t["seed"]: t for t in m["tasks"]}
    assert by_seed[2]["status"] == "failed"
    assert "fake failure for seed 2" in by_seed[2]["error"]
    assert "Traceback" in by_seed[2]["traceback"] and "failing_simulate" in by_seed[2]["traceback"]
    assert all(by_seed[s]["status"] == "done" and by_seed[s]["wall_seconds"] >= 0 for s in (1, 3, 4))
    assert m["counts"] == {"done": 3, "failed": 1, "pending": 0}
    df = report.results()
    assert sorted(df["seed"].unique()) == [1, 3, 4]
    assert sorted(p.name for p in (out / "parts").iterdir()) == ["000000.parquet", "000002.parquet", "000003.parquet"]


def test_dead_worker_fails_its_runs_and_the_rest_go_on(scenario, tmp_path, monkeypatch):
    from experiments import dispatch

    pool_file = tmp_path / "pools"
    pool_file.write_text("0")
    monkeypatch.setenv(POOL_FILE_ENV, str(pool_file))
    real_make_executor = dispatch.make_executor

    def counting_make_executor(*args, **kwargs):  # the workers read which pool they belong to
        pool_file.write_text(str(int(pool_file.read_text()) + 1))
        return real_make_executor(*args, **kwargs)

    monkeypatch.setattr(dispatch, "make_executor", counting_make_executor)
    out = tmp_path / "o"
    report = run_scenarios([scenario], 12, simulate=crashing_simulate, backend="local", workers=2,
                           out=out, progress=False)
    assert report.status[2] == "failed" and "worker process died" in report.errors[2]
    failed = [t for t in range(12) if report.status[t] == "failed"]
    assert all("worker process died" in report.errors[t] for t in failed)
    # only the runs queued or running with it (2 x 2 workers) fail; a fresh pool runs the rest
    assert report.n_failed <= 4 and report.n_done >= 8 and report.n_done + report.n_failed == 12
    assert all(report.status[t] == "done" for t in range(6, 12))
    assert int(pool_file.read_text()) == 2
    again = run_scenarios([scenario], 12, simulate=fake_simulate, backend="local", workers=2,
                          out=out, resume=True, progress=False)
    assert again.n_done == 12 and again.resumed == report.n_done


def test_failures_without_raising_and_bad_return(scenario):
    report = run_scenarios([scenario], 2, simulate=not_a_frame, backend="serial", progress=False)
    assert report.n_failed == 2
    assert "not a pandas DataFrame" in report.errors[0]
    df = run_ensemble(scenario, 3, simulate=failing_simulate, backend="serial", progress=False, raise_on_failure=False)
    assert sorted(df["seed"].unique()) == [1, 3]


def test_execute_task_catches_errors():
    res = execute_task(7, {"name": "x", "months": 3}, 2, failing_simulate)
    assert res.status == "failed" and res.task_id == 7 and "ValueError" in res.error


def test_simulate_spec_resolution():
    assert resolve_simulate(f"{__name__}:fake_simulate") is fake_simulate
    with pytest.raises(ExperimentError, match="module:function"):
        resolve_simulate("nocolon")
    with pytest.raises(ExperimentError, match="cannot import"):
        resolve_simulate("no_such_module_xyz:f")
    with pytest.raises(ExperimentError, match="has no function"):
        resolve_simulate(f"{__name__}:nope")


# --------------------------------------------------------------------------- storage and resume
def test_manifest_contents(scenario, tmp_path):
    out = tmp_path / "o"
    run_ensemble(scenario, 2, simulate=fake_simulate, backend="serial", out=out, progress=False,
                 command=["drugmarket", "run", "x"])
    m = json.loads((out / "manifest.json").read_text())
    assert "git_commit" in m  # a SHA, or None outside a repository with commits
    assert m["git_commit"] is None or len(m["git_commit"]) == 40
    for pkg in ("python", "mesa", "numpy", "numba", "pandas"):
        assert m["versions"][pkg]
    assert m["seeds"] == [1, 2]
    assert m["command"] == ["drugmarket", "run", "x"]
    assert m["simulate"] == f"{__name__}:fake_simulate"
    assert m["design"]["scenarios"][0]["name"] == "test-ens"
    assert [t["id"] for t in m["tasks"]] == [0, 1]
    assert not [p for p in out.rglob(".tmp-*")]


def test_resume_reruns_only_missing_and_corrupt_parts(scenario, tmp_path):
    out = tmp_path / "o"
    first = run_ensemble(scenario, 5, simulate=fake_simulate, backend="serial", out=out, progress=False)
    parts = out / "parts"
    (parts / "000001.parquet").write_bytes(b"PAR1 truncated")  # a corrupt part
    (parts / "000003.parquet").unlink()  # a missing part
    (parts / ".tmp-000004.parquet-abc").write_bytes(b"partial")  # a killed writer's temp file
    CALLS.clear()
    again = run_ensemble(scenario, 5, simulate=counting_simulate, backend="serial", out=out, resume=True, progress=False)
    assert sorted(CALLS) == [2, 4]  # seeds of tasks 1 and 3
    pd.testing.assert_frame_equal(first, again)
    assert not list(parts.glob(".tmp-*"))
    m = json.loads((out / "manifest.json").read_text())
    assert m["resumed"] == 1 and m["counts"]["done"] == 5


def test_out_with_results_needs_resume_or_overwrite(scenario, tmp_path):
    out = tmp_path / "o"
    run_ensemble(scenario, 2, simulate=fake_simulate, backend="serial", out=out, progress=False)
    with pytest.raises(ExperimentError, match="--resume"):
        run_ensemble(scenario, 2, simulate=fake_simulate, backend="serial", out=out, progress=False)
    other = load_scenario(None, ["name=test-ens", "months=6"])
    with pytest.raises(ExperimentError, match="different scenario"):
        run_ensemble(other, 2, simulate=fake_simulate, backend="serial", out=out, resume=True, progress=False)
    df = run_ensemble(other, 2, simulate=fake_simulate, backend="serial", out=out, overwrite=True, progress=False)
    assert df["month"].max() == 6 and len(storage.read_results(out)) == 12


def test_read_results_columns_and_empty(tmp_path):
    assert storage.read_results(tmp_path).empty
    with pytest.raises(FileNotFoundError):
        storage.read_results(tmp_path / "nothing")
    store = storage.ResultStore(tmp_path / "o")
    store.prepare()
    for i in (2, 0, 1):
        store.write_part(i, pd.DataFrame({"task_id": i, "month": [2, 1], "x": [i + 0.5, i + 0.25]}))
    df = storage.read_results(tmp_path / "o", columns=["x"])
    assert list(df.columns) == ["task_id", "month", "x"]
    assert df["task_id"].tolist() == [0, 0, 1, 1, 2, 2] and df["month"].tolist() == [1, 2] * 3


def test_common_random_numbers_and_task_ids(scenario):
    other = load_scenario(None, ["name=more-treatment", "months=12", "policy.budget.treatment=2e9"])
    report = run_scenarios([scenario, other], [5, 9], simulate=fake_simulate, backend="serial", progress=False)
    df = report.results()
    ids = df.groupby("task_id")[["scenario", "seed"]].first()
    assert ids.to_dict("index") == {0: {"scenario": "test-ens", "seed": 5}, 1: {"scenario": "test-ens", "seed": 9},
                                    2: {"scenario": "more-treatment", "seed": 5}, 3: {"scenario": "more-treatment", "seed": 9}}
    with pytest.raises(ExperimentError, match="names must differ"):
        run_scenarios([scenario, scenario], 1, simulate=fake_simulate, backend="serial", progress=False)


def test_make_seeds():
    assert make_seeds(3) == [1, 2, 3]
    assert make_seeds([7, 3]) == [7, 3]
    assert make_seeds(None) == list(range(1, 11))
    for bad in (0, [1, 1], [], [1.5], True):
        with pytest.raises(ExperimentError):
            make_seeds(bad)


def test_run_tasks_rejects_duplicate_ids():
    t = Task(0, {"name": "x", "months": 2}, 1)
    with pytest.raises(ExperimentError, match="unique"):
        run_tasks([t, t], simulate=fake_simulate, backend="serial", progress=False)


# --------------------------------------------------------------------------- progress
class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_silent_when_not_a_tty():
    buf = io.StringIO()
    p = Progress(3, stream=buf).start()
    p.advance()
    p.close()
    assert buf.getvalue() == ""


def test_progress_line_on_a_tty():
    t = [0.0]
    buf = _Tty()
    p = Progress(4, stream=buf, clock=lambda: t[0], min_interval=0).start(already=1)
    t[0] = 10.0
    p.advance(ok=False)
    text = buf.getvalue()
    assert "\r" in text and "2/4 done, 1 failed, 0:10 elapsed, ~0:20 left" in text
    p.advance()
    p.advance()
    p.close()
    assert buf.getvalue().endswith("\n") and "4/4 done" in buf.getvalue()
    assert format_duration(3725) == "1:02:05" and format_duration(None) == "?"


def test_runner_progress_counts(scenario):
    buf = _Tty()
    p = Progress(0, stream=buf, min_interval=0)
    run_ensemble(scenario, 3, simulate=failing_simulate, backend="serial", progress=p, raise_on_failure=False)
    assert "3/3 done, 1 failed" in buf.getvalue()


def test_atomic_write_json_and_bytes(tmp_path):
    storage.atomic_write_json({"a": np.int64(3), "b": np.float32(0.5)}, tmp_path / "m.json")
    assert json.loads((tmp_path / "m.json").read_text()) == {"a": 3, "b": 0.5}
    assert os.listdir(tmp_path) == ["m.json"]
