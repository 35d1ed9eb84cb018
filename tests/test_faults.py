"""Sweep faults: a Dask worker killed with SIGKILL, and result writes that fail midway.

Each test runs a small factorial sweep (6 design rows x 2 seeds = 12 tasks of 6
months, task id = row x 2 + replicate) with a cheap fake simulate that logs every
start to $FAKE_LOG, and checks that

- no corrupted or partial Parquet part is where a reader (or ``--resume``) would trust it,
- the manifest says what happened (which runs failed, which were rerun after a worker died),
- ``--resume`` then completes every design row and seed exactly once, rerunning only
  the runs that had not finished.

Write faults are injected at the file level (:class:`FaultyDisk`): the write that
crosses a byte limit writes what fits and raises (as a full disk does), or writes
what fits and SIGKILLs the process (a crash mid-write).
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from experiments import cli, runner, storage
from experiments.runner import StorageFailed
from experiments.sweep import run_sweep

ROOT = Path(__file__).absolute().parent.parent
HERE = Path(__file__).absolute().parent
MOD = Path(__file__).stem  # this module as worker processes import it (tests/ on the path)
MONTHS = 6
ROWS = 6
TASKS = ROWS * 2
KILL_BUDGET = 3.0e8  # design row 2
KILL_TASK = 4  # row 2, replicate 0 (seed 1)

SWEEP = textwrap.dedent(f"""
    name = "fault-sweep"
    design = "factorial"
    replicates = 2
    [base]
    name = "fault-base"
    months = {MONTHS}
    preset = "tiny"
    [factors]
    "policy.budget.treatment" = [1.0e8, 2.0e8, 3.0e8, 4.0e8, 5.0e8, 6.0e8]
    [outputs]
    overdose_deaths = "mean"
""")


# --------------------------------------------------------------------------- fake simulate
def _treatment(d: dict) -> float:
    b = d["policy"]["budget"].get("treatment", 0.0)
    return float(sum(b.values())) if isinstance(b, dict) else float(b)


def logged_simulate(scenario, seed: int) -> pd.DataFrame:
    """Logs [session, treatment, seed, pid] at each start. With FAKE_KILL=once the run of design
    row 2 and seed 1 SIGKILLs its own process the first time it runs; with FAKE_KILL=always every time.
    With FAKE_UNSAVEABLE set, that run returns a column Parquet cannot store."""
    d = scenario.to_dict()
    t = _treatment(d)
    log = os.environ["FAKE_LOG"]
    with open(log, "a") as fh:
        fh.write(json.dumps([os.environ.get("FAKE_SESSION"), t, seed, os.getpid()]) + "\n")
    target = t == KILL_BUDGET and seed == 1
    kill = os.environ.get("FAKE_KILL", "")
    if target and (kill == "always" or (kill == "once" and not os.path.exists(log + ".killed"))):
        with open(log + ".killed", "a") as fh:
            fh.write(f"{os.getpid()}\n")
        os.kill(os.getpid(), signal.SIGKILL)
    m = int(d["months"])
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"scenario": d["name"], "seed": seed, "month": np.arange(1, m + 1),
                       "overdose_deaths": 9000.0 - 1e-6 * t + rng.normal(0, 10, m)})
    if target and os.environ.get("FAKE_UNSAVEABLE"):
        df["note"] = [object()] * m
    return df


def _log(tmp_path) -> list[tuple[str, int]]:
    """(session, task id) of every start in the log."""
    rows = {b: r for r, b in enumerate([1.0e8, 2.0e8, 3.0e8, 4.0e8, 5.0e8, 6.0e8])}
    out = []
    for line in (tmp_path / "log.jsonl").read_text().splitlines():
        session, t, seed, _pid = json.loads(line)
        out.append((session, rows[t] * 2 + (seed - 1)))
    return out


@pytest.fixture
def sweep(tmp_path, monkeypatch):
    f = tmp_path / "s.toml"
    f.write_text(SWEEP)
    monkeypatch.setenv("FAKE_LOG", str(tmp_path / "log.jsonl"))
    monkeypatch.setenv("FAKE_SESSION", "first")
    for var in ("FAKE_KILL", "FAKE_UNSAVEABLE"):
        monkeypatch.delenv(var, raising=False)
    return f


def _session(monkeypatch, name: str) -> None:
    monkeypatch.setenv("FAKE_SESSION", name)
    for var in ("FAKE_KILL", "FAKE_UNSAVEABLE"):
        monkeypatch.delenv(var, raising=False)


# --------------------------------------------------------------------------- checks
def trusted_parts(out: Path) -> set[int]:
    """The task ids of the parts a reader would trust (``*.parquet`` not starting with '.' or '_'),
    after checking that each is a complete Parquet file holding exactly its own task's rows."""
    ids = set()
    for p in sorted((out / "parts").glob("*.parquet")):
        if p.name.startswith((".", "_")):
            continue
        df = pq.read_table(p).to_pandas()  # a truncated or corrupt file raises here
        tid = int(p.stem)
        assert len(df) == MONTHS and (df["task_id"] == tid).all() and sorted(df["month"]) == list(range(1, MONTHS + 1)), p
        ids.add(tid)
    return ids


def temp_files(out: Path) -> list[Path]:
    return sorted(out.rglob(".tmp-*"))


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())  # must always be complete JSON


def assert_each_run_once(out: Path) -> None:
    df = storage.read_results(out)
    runs = df.groupby(["design_row", "replicate"]).size()
    assert len(runs) == TASKS and (runs == MONTHS).all()
    assert sorted(df["task_id"].unique()) == list(range(TASKS))
    assert trusted_parts(out) == set(range(TASKS))
    assert not temp_files(out)
    assert manifest(out)["counts"] == {"done": TASKS, "failed": 0, "pending": 0}


def assert_resume_reruns_only(tmp_path, out: Path, missing: set[int], session: str, **kw) -> None:
    """--resume (through the CLI) runs exactly the ``missing`` tasks, once each, and completes the sweep."""
    argv = ["sweep", str(tmp_path / "s.toml"), "--out", str(out), "--resume", "--no-figure",
            "--simulate", f"{MOD}:logged_simulate", *kw.get("exec", ["--backend", "serial"])]
    rc = cli.main(argv)
    assert rc == 0
    resumed = [t for s, t in _log(tmp_path) if s == session]
    assert sorted(resumed) == sorted(missing)
    assert_each_run_once(out)


# --------------------------------------------------------------------------- Dask: a worker killed
def test_dask_worker_killed_once_the_run_is_rerun_and_recorded(sweep, tmp_path, monkeypatch):
    """A run SIGKILLs its Dask worker once: the nanny restarts the worker, the scheduler reruns the
    run (and any other run assigned to that worker or whose result it held), every run is saved
    once, and the manifest counts the worker deaths per run."""
    pytest.importorskip("distributed")
    monkeypatch.setenv("FAKE_KILL", "once")
    out = tmp_path / "out"
    res = run_sweep(sweep, out=out, simulate=f"{MOD}:logged_simulate", backend="dask", workers=2,
                    progress=False, figure=False)
    assert (tmp_path / "log.jsonl.killed").read_text().count("\n") == 1  # the kill happened, once
    assert res.report.n_done == TASKS and res.report.n_failed == 0
    assert_each_run_once(out)
    starts = [t for _, t in _log(tmp_path)]
    assert starts.count(KILL_TASK) == 2  # killed, then rerun on a live worker
    m = manifest(out)
    by_id = {e["id"]: e for e in m["tasks"]}
    assert by_id[KILL_TASK]["worker_deaths"] == 1 and by_id[KILL_TASK]["status"] == "done"
    assert res.report.worker_deaths[KILL_TASK] == 1
    assert m["worker_deaths"] == sum(e["worker_deaths"] for e in m["tasks"]) >= 1
    # a run is only started again if the manifest records a worker death under it
    for t in range(TASKS):
        assert starts.count(t) <= 1 + by_id[t]["worker_deaths"], t


def test_dask_run_that_always_kills_its_worker_fails_then_resume_completes(sweep, tmp_path, monkeypatch, capsys):
    """A run that kills every worker it lands on becomes KilledWorker after
    distributed.scheduler.allowed-failures (default 3) + 1 deaths: recorded as failed, the other
    runs are saved, exit status 1; --resume then runs that one run only."""
    pytest.importorskip("distributed")
    import dask

    allowed = dask.config.get("distributed.scheduler.allowed-failures")
    monkeypatch.setenv("FAKE_KILL", "always")
    out = tmp_path / "out"
    argv = ["sweep", str(sweep), "--out", str(out), "--no-figure", "--backend", "dask", "--workers", "2",
            "--simulate", f"{MOD}:logged_simulate"]
    rc = cli.main(argv)
    err = capsys.readouterr().err
    assert rc == 1
    assert (tmp_path / "log.jsonl.killed").read_text().count("\n") == allowed + 1
    m = manifest(out)
    by_id = {e["id"]: e for e in m["tasks"]}
    failed = {t for t, e in by_id.items() if e["status"] == "failed"}
    assert by_id[KILL_TASK]["status"] == "failed" and by_id[KILL_TASK]["error"].startswith("KilledWorker")
    assert by_id[KILL_TASK]["worker_deaths"] == allowed + 1
    # a run that waited on a dying worker counts that death too; after allowed + 1 it fails the same way
    assert all(by_id[t]["error"].startswith("KilledWorker") and by_id[t]["worker_deaths"] >= allowed + 1
               for t in failed)
    assert f"{len(failed)} of 12 runs failed" in err and "KilledWorker" in err and "Traceback" not in err
    assert "note: a Dask worker process died under" in err
    assert m["counts"] == {"done": TASKS - len(failed), "failed": len(failed), "pending": 0}
    assert trusted_parts(out) == set(range(TASKS)) - failed
    assert not temp_files(out)

    _session(monkeypatch, "resume")
    assert_resume_reruns_only(tmp_path, out, failed, "resume",
                              exec=["--backend", "dask", "--workers", "2"])
    m = manifest(out)
    assert m["resumed"] == 1
    earlier = m["earlier_sessions"][0]
    assert earlier["counts"] == {"done": TASKS - len(failed), "failed": len(failed), "pending": 0}
    assert earlier["failed"][str(KILL_TASK)].startswith("KilledWorker")
    assert earlier["worker_deaths"][str(KILL_TASK)] == allowed + 1
    assert (out / "sensitivity.csv").exists()


# --------------------------------------------------------------------------- write faults
class FaultyDisk:
    """Make the files experiments.storage writes fail like a disk.

    storage writes every file to a temporary ``.tmp-<name>-XXXX`` (tempfile.mkstemp) through
    ``os.fdopen``; this wraps those file objects. ``match``: a text the final file's path must
    contain (e.g. "/parts/" or "manifest.json"). ``nth``: fault only the nth matching file
    (1-based), after ``after`` bytes of it; ``nth=None``: a disk with ``after`` bytes free for all
    matching files together. At the fault the write writes what fits, then raises OSError(``err``)
    (or ``exc`` if given), or with ``kill=True`` syncs it and SIGKILLs the process.
    """

    def __init__(self, match: str, after: int, nth: int | None = 1, err: int = errno.ENOSPC,
                 exc: BaseException | None = None, kill: bool = False):
        self.match, self.after, self.nth, self.err, self.exc, self.kill = match, after, nth, err, exc, kill
        self.seen = 0  # matching files opened
        self.written = 0  # bytes written to matching files (nth=None)
        self.faults: list[str] = []
        self._fdopen = os.fdopen

    def fdopen(self, fd, *args, **kwargs):
        fh = self._fdopen(fd, *args, **kwargs)
        try:
            name = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            return fh
        base = os.path.basename(name)
        if not base.startswith(".tmp-") or self.match not in name:
            return fh
        self.seen += 1
        if self.nth is not None and self.seen != self.nth:
            return fh
        return _FaultyFile(fh, self, name)

    def install(self, monkeypatch=None) -> "FaultyDisk":
        if not Path("/proc/self/fd").is_dir():
            pytest.skip("needs /proc/self/fd (Linux)")
        if monkeypatch is not None:
            monkeypatch.setattr(storage.os, "fdopen", self.fdopen)
        else:
            storage.os.fdopen = self.fdopen
        return self


class _FaultyFile:
    def __init__(self, fh, disk: FaultyDisk, name: str):
        self._fh, self._disk, self._name, self._written = fh, disk, name, 0

    def write(self, data) -> int:
        data = memoryview(data).cast("B")
        d = self._disk
        used = d.written if d.nth is None else self._written
        room = max(d.after - used, 0)
        if len(data) <= room:
            self._fh.write(data)
            self._written += len(data)
            d.written += len(data) if d.nth is None else 0
            return len(data)
        self._fh.write(data[:room])
        self._written += room
        d.written += room if d.nth is None else 0
        self._fh.flush()
        d.faults.append(self._name)
        if d.kill:
            os.fsync(self._fh.fileno())
            os.kill(os.getpid(), signal.SIGKILL)
        if d.exc is not None:
            raise d.exc
        raise OSError(d.err, os.strerror(d.err), self._name)

    def __getattr__(self, name):
        return getattr(self._fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._fh.close()
        return False


def _sweep_api(sweep, out, **kw):
    return run_sweep(sweep, out=out, simulate=f"{MOD}:logged_simulate", backend=kw.pop("backend", "serial"),
                     progress=False, figure=False, **kw)


@pytest.mark.parametrize("backend, err", [("serial", errno.ENOSPC), ("serial", errno.EIO), ("local", errno.ENOSPC)])
def test_part_write_fails_midway_stops_the_sweep_cleanly(sweep, tmp_path, monkeypatch, backend, err):
    """The 4th part's write fails after 1,000 bytes (disk full / I/O error): the sweep stops with
    StorageFailed naming the cause and --resume (a process pool is stopped, its queued runs
    dropped); no partial part or temporary file is left; the manifest (complete JSON) records that
    run as failed with the error and the runs not finished as pending; --resume completes the rest."""
    disk = FaultyDisk("/parts/", after=1000, nth=4, err=err).install(monkeypatch)
    out = tmp_path / "out"
    with pytest.raises(StorageFailed) as info:
        _sweep_api(sweep, out, backend=backend, workers=2)
    assert disk.faults and os.strerror(err) in str(info.value) and "--resume" in str(info.value)
    assert not temp_files(out)
    done = trusted_parts(out)
    assert len(done) == 3
    m = manifest(out)
    status = {e["id"]: e["status"] for e in m["tasks"]}
    (lost,) = [t for t, s in status.items() if s == "failed"]
    error = m["tasks"][lost]["error"]
    assert error.startswith("results not saved: OSError") and os.strerror(err) in error
    assert {t for t, s in status.items() if s == "done"} == done
    assert {t for t, s in status.items() if s == "pending"} == set(range(TASKS)) - done - {lost}
    if backend == "serial":
        assert done == {0, 1, 2} and lost == 3
    monkeypatch.undo()
    _session(monkeypatch, "resume")
    monkeypatch.setenv("FAKE_LOG", str(tmp_path / "log.jsonl"))
    assert_resume_reruns_only(tmp_path, out, set(range(TASKS)) - done, "resume")
    assert manifest(out)["earlier_sessions"][0]["failed"][str(lost)].startswith("results not saved")


def test_writer_bug_midway_fails_that_run_only(sweep, tmp_path, monkeypatch):
    """The Parquet writer raises something other than an OSError after writing part of a file
    (a bug, not the disk): that run is recorded as failed, the others go on and are saved."""
    FaultyDisk("/parts/", after=500, nth=2, exc=RuntimeError("writer bug")).install(monkeypatch)
    out = tmp_path / "out"
    res = _sweep_api(sweep, out)
    assert res.report.failed == [1] and "results not saved: RuntimeError: writer bug" in res.report.errors[1]
    assert trusted_parts(out) == set(range(TASKS)) - {1}
    assert not temp_files(out)
    m = manifest(out)
    assert m["counts"] == {"done": TASKS - 1, "failed": 1, "pending": 0}
    assert "writer bug" in m["tasks"][1]["error"] and "Traceback" in m["tasks"][1]["traceback"]
    monkeypatch.undo()
    _session(monkeypatch, "resume")
    monkeypatch.setenv("FAKE_LOG", str(tmp_path / "log.jsonl"))
    assert_resume_reruns_only(tmp_path, out, {1}, "resume")


def test_result_parquet_cannot_store_fails_that_run_only(sweep, tmp_path, monkeypatch, capsys):
    """A run returns a column Parquet cannot store. That run is failed with the reason, exit status 1,
    and the other runs still run (the sweep does not crash with a traceback)."""
    monkeypatch.setenv("FAKE_UNSAVEABLE", "1")
    out = tmp_path / "out"
    rc = cli.main(["sweep", str(sweep), "--out", str(out), "--no-figure", "--backend", "local", "--workers", "2",
                   "--simulate", f"{MOD}:logged_simulate"])
    err = capsys.readouterr().err
    assert rc == 1 and "Traceback" not in err
    assert "1 of 12 runs failed" in err and "results not saved: ArrowInvalid" in err
    assert trusted_parts(out) == set(range(TASKS)) - {KILL_TASK}
    assert manifest(out)["tasks"][KILL_TASK]["status"] == "failed"
    _session(monkeypatch, "resume")
    assert_resume_reruns_only(tmp_path, out, {KILL_TASK}, "resume")


def test_disk_full_fails_parts_and_manifest_writes_alike(sweep, tmp_path, monkeypatch, capsys):
    """A disk with 40,000 bytes free for the output directory: part and manifest writes fail alike
    once it is full. The CLI exits with 1 and says so; the manifest on disk is the last complete one
    (its finished runs all have their parts); --resume completes the sweep."""
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(runner, "MANIFEST_INTERVAL", 0.0)  # a manifest write after every run
    disk = FaultyDisk(str(out), after=40_000, nth=None).install(monkeypatch)
    rc = cli.main(["sweep", str(sweep), "--out", str(out), "--no-figure", "--backend", "serial",
                   "--simulate", f"{MOD}:logged_simulate"])
    err = capsys.readouterr().err
    assert rc == 1 and "No space left on device" in err and "--resume" in err and "Traceback" not in err
    assert disk.faults
    assert not temp_files(out)
    done = trusted_parts(out)
    assert 0 < len(done) < TASKS
    m = manifest(out)
    recorded = {e["id"] for e in m["tasks"] if e["status"] == "done"}
    assert recorded <= done  # the manifest never claims a run whose part is missing
    monkeypatch.undo()
    _session(monkeypatch, "resume")
    monkeypatch.setenv("FAKE_LOG", str(tmp_path / "log.jsonl"))
    assert_resume_reruns_only(tmp_path, out, set(range(TASKS)) - done, "resume")


def test_last_manifest_write_fails_after_every_run_is_saved(sweep, tmp_path, monkeypatch):
    """Every part is saved but the final manifest write fails: StorageFailed says so (it is not
    swallowed), the manifest on disk is the complete first version, and --resume finds all 12
    parts, runs nothing and rewrites the manifest."""
    monkeypatch.setattr(runner, "MANIFEST_INTERVAL", 1e9)  # manifest written at the start and the end only
    FaultyDisk("manifest.json", after=100, nth=2).install(monkeypatch)
    out = tmp_path / "out"
    with pytest.raises(StorageFailed, match="cannot write .*manifest.json.*No space left on device.*--resume"):
        _sweep_api(sweep, out)
    assert trusted_parts(out) == set(range(TASKS)) and not temp_files(out)
    assert manifest(out)["counts"] == {"done": 0, "failed": 0, "pending": TASKS}
    monkeypatch.undo()
    _session(monkeypatch, "resume")
    monkeypatch.setenv("FAKE_LOG", str(tmp_path / "log.jsonl"))
    assert_resume_reruns_only(tmp_path, out, set(), "resume")


def test_manifest_write_fails_midway_the_old_manifest_stays(tmp_path, monkeypatch):
    path = tmp_path / "manifest.json"
    storage.atomic_write_json({"version": 1, "tasks": list(range(100))}, path)
    before = path.read_bytes()
    FaultyDisk("manifest.json", after=50, nth=1).install(monkeypatch)
    with pytest.raises(OSError) as info:
        storage.atomic_write_json({"version": 2, "tasks": list(range(200))}, path)
    assert info.value.errno == errno.ENOSPC
    assert path.read_bytes() == before and json.loads(before)["version"] == 1
    assert os.listdir(tmp_path) == ["manifest.json"]


# --------------------------------------------------------------------------- killed while writing
KILL_SCRIPT = """
import sys
from test_faults import FaultyDisk
from experiments import cli, runner
runner.MANIFEST_INTERVAL = 0.0  # a manifest write after every run
FaultyDisk(sys.argv[1], after=int(sys.argv[2]), nth=int(sys.argv[3]), kill=True).install()
sys.exit(cli.main(sys.argv[4:]))
"""


def _killed_while_writing(tmp_path, match: str, after: int, nth: int) -> Path:
    out = tmp_path / "out"
    script = tmp_path / "kill_while_writing.py"
    script.write_text(KILL_SCRIPT)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(HERE), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.update(FAKE_LOG=str(tmp_path / "log.jsonl"), FAKE_SESSION="first")
    res = subprocess.run([sys.executable, str(script), match, str(after), str(nth),
                          "sweep", str(tmp_path / "s.toml"), "--out", str(out), "--no-figure", "--backend", "serial",
                          "--simulate", f"{MOD}:logged_simulate"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == -signal.SIGKILL, res.stderr[-3000:]
    return out


def test_killed_while_writing_a_part(sweep, tmp_path, monkeypatch):
    """SIGKILL halfway through the 5th part: only a hidden temporary file holds the partial bytes;
    readers (pandas, pyarrow datasets, a *.parquet glob) see the 4 complete parts; --resume deletes
    the temporary file and runs the other 8 tasks once."""
    out = _killed_while_writing(tmp_path, "/parts/", after=1000, nth=5)
    tmp = temp_files(out)
    assert len(tmp) == 1 and tmp[0].parent.name == "parts" and tmp[0].name.startswith(".tmp-000004.parquet-")
    assert tmp[0].stat().st_size == 1000
    with pytest.raises(Exception):
        pq.ParquetFile(tmp[0])  # the partial bytes are not a Parquet file
    assert trusted_parts(out) == {0, 1, 2, 3}
    assert sorted(storage.read_results(out)["task_id"].unique()) == [0, 1, 2, 3]
    assert sorted(pd.read_parquet(out / "parts")["task_id"].unique()) == [0, 1, 2, 3]
    m = manifest(out)
    assert {e["id"] for e in m["tasks"] if e["status"] == "done"} <= {0, 1, 2, 3}
    _session(monkeypatch, "resume")
    assert_resume_reruns_only(tmp_path, out, set(range(4, TASKS)), "resume")


def test_killed_while_writing_the_manifest(sweep, tmp_path, monkeypatch):
    """SIGKILL halfway through a manifest write: manifest.json is the previous complete version,
    the partial one is a hidden temporary file; --resume deletes it and completes the sweep."""
    out = _killed_while_writing(tmp_path, "manifest.json", after=300, nth=4)
    tmp = temp_files(out)
    assert len(tmp) == 1 and tmp[0].name.startswith(".tmp-manifest.json-") and tmp[0].stat().st_size == 300
    m = manifest(out)  # complete JSON
    done = trusted_parts(out)
    assert {e["id"] for e in m["tasks"] if e["status"] == "done"} <= done
    assert 0 < len(done) < TASKS
    _session(monkeypatch, "resume")
    assert_resume_reruns_only(tmp_path, out, set(range(TASKS)) - done, "resume")
