"""Run many simulations: ensembles over seeds, several scenarios, sweep designs.

Everything is a list of tasks ``(task_id, scenario dict, seed)`` executed by the
top-level (picklable) function :func:`execute_task` on any backend
(:mod:`experiments.backends`). Each finished task is written at once to
``OUT/parts/<task_id>.parquet`` (:mod:`experiments.storage`), so a killed run
resumes where it stopped; the combined rows are always in task order, whatever
order the tasks finished in.

Common random numbers: every scenario of an experiment is run with the same
seeds (by default 1..N), so differences between scenarios compare like with like.

``simulate`` is ``model.simulate`` unless a callable (a top-level function, so
worker processes can import it) or a ``"module:function"`` string is given;
tests pass cheap deterministic fakes this way.
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import copy
import importlib
import sys
import time
import traceback
from concurrent.futures import BrokenExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import pandas as pd

from .backends import make_executor
from .progress import Progress
from .storage import ResultStore, new_manifest, read_results, task_fingerprint

DEFAULT_SEEDS = 10
DEFAULT_SIMULATE = "model:simulate"
MANIFEST_INTERVAL = 2.0  # seconds between manifest rewrites while running (always at the end)
MAX_POOL_RESTARTS = 10  # fresh process pools after worker deaths before giving up on the rest


class ExperimentError(ValueError):
    """Bad input to an experiment (a sweep file, an output directory, options).
    The CLI prints it as ``error: <message>`` and exits with status 2."""


class StorageFailed(RuntimeError):
    """A finished run's results could not be written (disk full, no permission, I/O error).
    The run stops: the runs saved before are kept, the others stay pending, and
    ``--resume`` continues once the cause is fixed. The CLI prints it and exits with 1."""

    def __init__(self, message: str, report: "RunReport"):
        self.report = report
        super().__init__(message)


class TasksFailed(RuntimeError):
    """Some runs raised. Raised after all other runs finished and were saved; ``.report``
    holds the details (errors and tracebacks are also in OUT/manifest.json)."""

    def __init__(self, report: "RunReport"):
        self.report = report
        super().__init__(report.failure_summary())


# --------------------------------------------------------------------------- tasks
@dataclass
class Task:
    """One simulation: ``scenario`` (a dict, ``Scenario.to_dict()``) with ``seed``.
    ``extra``: constant columns added to its rows (e.g. ``design_row``, ``replicate``)."""

    task_id: int
    scenario: dict
    seed: int
    extra: dict = field(default_factory=dict)

    def describe(self) -> dict:
        return {
            "id": self.task_id,
            "scenario": self.scenario.get("name"),
            "seed": int(self.seed),
            **self.extra,
            "fingerprint": task_fingerprint(self.scenario, self.seed),
        }


@dataclass
class TaskResult:
    task_id: int
    status: str  # "done" | "failed"
    frame: pd.DataFrame | None
    error: str | None
    traceback: str | None
    wall_seconds: float


_SIMULATE_CACHE: dict[str, Callable] = {}


def resolve_simulate(spec: str | Callable | None) -> Callable:
    """The simulate function: a callable as is, ``"module:function"`` imported, None ->
    ``model.simulate``. Raises ExperimentError if it cannot be imported."""
    if spec is None:
        spec = DEFAULT_SIMULATE
    if callable(spec):
        return spec
    if spec in _SIMULATE_CACHE:
        return _SIMULATE_CACHE[spec]
    mod_name, sep, attr = str(spec).partition(":")
    if not sep or not mod_name or not attr:
        raise ExperimentError(f"simulate must be given as module:function, got {spec!r}")
    try:
        mod = importlib.import_module(mod_name)
    except ImportError as exc:
        raise ExperimentError(f"cannot import {mod_name} (for {spec}): {exc}") from exc
    try:
        fn = getattr(mod, attr)
    except AttributeError:
        raise ExperimentError(f"{mod_name} has no function {attr!r} (for {spec})") from None
    if not callable(fn):
        raise ExperimentError(f"{spec} is not callable")
    _SIMULATE_CACHE[spec] = fn
    return fn


def scenario_to_dict(scenario: Any) -> dict:
    """A scenario as a plain (picklable, JSON-able) dict: ``Scenario.to_dict()`` or a dict copy."""
    if isinstance(scenario, dict):
        return copy.deepcopy(scenario)
    if hasattr(scenario, "to_dict"):
        return scenario.to_dict()
    raise ExperimentError(f"not a scenario: {scenario!r}")


def build_scenario(d: dict) -> Any:
    """Rebuild a Scenario in a worker (``model.scenario.scenario_from_dict``). If the
    model's scenario module does not exist at all, the simulate function gets the dict."""
    try:
        from model.scenario import scenario_from_dict
    except ModuleNotFoundError as exc:
        if exc.name in ("model", "model.scenario"):
            return d
        raise
    return scenario_from_dict(d)


def execute_task(task_id: int, scenario: dict, seed: int, simulate=None, extra: dict | None = None) -> TaskResult:
    """Run one task and return its rows, or the error it raised. Runs in a worker."""
    t0 = time.perf_counter()
    try:
        fn = resolve_simulate(simulate)
        sc = build_scenario(scenario)
        df = fn(sc, int(seed))
        df = _finish_frame(df, task_id, scenario, seed, extra or {})
        return TaskResult(task_id, "done", df, None, None, time.perf_counter() - t0)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded, the others go on
        return TaskResult(
            task_id, "failed", None, f"{type(exc).__name__}: {exc}", traceback.format_exc(), time.perf_counter() - t0
        )


def _finish_frame(df: Any, task_id: int, scenario: dict, seed: int, extra: dict) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"simulate returned {type(df).__name__}, not a pandas DataFrame")
    df = df.reset_index(drop=True).copy()
    if "scenario" not in df.columns:
        df.insert(0, "scenario", str(scenario.get("name", "")))
    if "seed" not in df.columns:
        df.insert(1, "seed", int(seed))
    pos = list(df.columns).index("seed") + 1
    for k, v in extra.items():
        if k in df.columns:
            df[k] = v
        else:
            df.insert(pos, k, v)
            pos += 1
    df.insert(0, "task_id", int(task_id))
    df["task_id"] = df["task_id"].astype("int64")
    return df


def make_seeds(seeds: int | Iterable[int] | None) -> list[int]:
    """``N`` -> ``[1, ..., N]``; a list is kept (must be distinct integers); None -> 1..10."""
    if seeds is None:
        seeds = DEFAULT_SEEDS
    if isinstance(seeds, bool):
        raise ExperimentError("seeds must be a number of seeds or a list of integers")
    if isinstance(seeds, int):
        if seeds < 1:
            raise ExperimentError(f"the number of seeds must be at least 1, got {seeds}")
        return list(range(1, seeds + 1))
    out = []
    for s in seeds:
        if isinstance(s, bool) or not float(s).is_integer():
            raise ExperimentError(f"seeds must be integers, got {s!r}")
        out.append(int(s))
    if not out:
        raise ExperimentError("no seeds given")
    if len(set(out)) != len(out):
        raise ExperimentError(f"seeds must be distinct, got {out}")
    return out


# --------------------------------------------------------------------------- the report
@dataclass
class RunReport:
    tasks: list[Task]
    status: dict[int, str]
    errors: dict[int, str]
    out: Path | None
    resumed: int = 0
    elapsed: float = 0.0
    #: task id -> times a Dask worker process died while the task was assigned to it or it held
    #: the task's result (Dask then ran it again elsewhere; see backends._dask_executor)
    worker_deaths: dict[int, int] = field(default_factory=dict)
    _frames: dict[int, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def n_done(self) -> int:
        return sum(1 for s in self.status.values() if s == "done")

    @property
    def n_failed(self) -> int:
        return sum(1 for s in self.status.values() if s == "failed")

    @property
    def failed(self) -> list[int]:
        return [t for t, s in self.status.items() if s == "failed"]

    def failure_summary(self) -> str:
        n, total = self.n_failed, len(self.tasks)
        if not n:
            return f"all {total} runs finished"
        first = self.failed[0]
        where = f"; errors and tracebacks are in {self.out / 'manifest.json'}" if self.out else ""
        return f"{n} of {total} runs failed (first: task {first}: {self.errors.get(first)}){where}"

    def results(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Rows of all finished tasks of this run, in task order then month."""
        ids = [t.task_id for t in self.tasks if self.status.get(t.task_id) == "done"]
        if self.out is not None:
            df = read_results(self.out, columns=columns)
            if len(df) and "task_id" in df.columns:
                df = df[df["task_id"].isin(ids)].reset_index(drop=True)
            return df
        frames = [self._frames[i] for i in sorted(ids) if i in self._frames]
        if not frames:
            return pd.DataFrame()
        df = pd.concat(frames, ignore_index=True)
        return df[list(columns)] if columns is not None else df


def _as_progress(progress, total: int) -> Progress:
    if isinstance(progress, Progress):
        progress.total = total
        return progress
    if progress is None:
        return Progress(total)
    return Progress(total, enabled=bool(progress))


# --------------------------------------------------------------------------- running
def run_tasks(
    tasks: Sequence[Task],
    *,
    simulate=None,
    backend: str | None = None,
    workers: int | None = None,
    address: str | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress=None,
    kind: str = "ensemble",
    command: list[str] | str | None = None,
    design: dict | None = None,
    seeds: Sequence[int] = (),
) -> RunReport:
    """Run ``tasks`` on ``backend``; write parts and manifest to ``out`` if given.

    Failed tasks are recorded (status, error, traceback) and do not stop the others; so is a
    task whose rows cannot be written as Parquet. A write that fails with an OSError (disk
    full, permissions, I/O) stops the run with :class:`StorageFailed`, as it would fail every
    later task too. On Dask the manifest counts, per task, the worker deaths that made Dask
    rerun it (``worker_deaths``); a resumed run keeps what earlier sessions left in
    ``earlier_sessions``. See docs/reliability.md.
    ``resume``: tasks whose part exists and is readable are not run again (an
    unreadable part is deleted and rerun). Without ``resume`` or ``overwrite`` an
    ``out`` that already holds parts is refused. On KeyboardInterrupt the manifest
    is brought up to date and the interrupt re-raised; finished parts are kept.
    """
    ids = [t.task_id for t in tasks]
    if len(set(ids)) != len(ids):
        raise ExperimentError("task ids must be unique")
    if isinstance(simulate, str) or simulate is None:
        resolve_simulate(simulate)  # fail early, in this process, with a clear message
    store = ResultStore(out) if out is not None else None
    status: dict[int, str] = {t.task_id: "pending" for t in tasks}
    errors: dict[int, str] = {}
    report = RunReport(list(tasks), status, errors, store.out if store else None)
    manifest = None
    entries: dict[int, dict] = {}

    if store is not None:
        check_output_dir(store, tasks, resume=resume, overwrite=overwrite)
        if overwrite and not resume:
            store.clear()
        store.prepare()
        old = store.read_manifest() if resume else None
        old_entries = {e.get("id"): e for e in (old or {}).get("tasks", [])}
        manifest = new_manifest(
            kind=kind, command=command, design=design, seeds=seeds,
            tasks=[t.describe() for t in tasks], backend=backend or ("dask" if address else "local"),
        )
        manifest["simulate"] = _simulate_name(simulate)
        if old:
            manifest["created"] = old.get("created", manifest["created"])
            manifest["resumed"] = int(old.get("resumed", 0)) + 1
            manifest["earlier_sessions"] = [*old.get("earlier_sessions", []), _session_summary(old)]
        entries = {e["id"]: e for e in manifest["tasks"]}
        if resume:
            for t in tasks:
                if store.part_ok(t.task_id):
                    status[t.task_id] = "done"
                    e = entries[t.task_id]
                    e["status"] = "done"
                    e["wall_seconds"] = old_entries.get(t.task_id, {}).get("wall_seconds")
        _write_manifest(store, manifest)  # with counts from the start, so every version has them

    pending = [t for t in tasks if status[t.task_id] != "done"]
    report.resumed = len(tasks) - len(pending)
    prog = _as_progress(progress, len(tasks))
    prog.start(already=report.resumed)
    t_start = time.perf_counter()
    last_manifest = time.monotonic()

    def record(res: TaskResult) -> None:
        nonlocal last_manifest
        lost: OSError | None = None
        if res.status == "done":
            if store is not None:
                try:
                    store.write_part(res.task_id, res.frame)
                except Exception as exc:  # noqa: BLE001 - the run is recorded as failed, not lost silently
                    lost = exc if isinstance(exc, OSError) else None
                    res = TaskResult(res.task_id, "failed", None,
                                     f"results not saved: {type(exc).__name__}: {exc}",
                                     traceback.format_exc(), res.wall_seconds)
            else:
                report._frames[res.task_id] = res.frame
        status[res.task_id] = res.status
        if res.status != "done":
            errors[res.task_id] = res.error or "unknown error"
        if manifest is not None:
            e = entries[res.task_id]
            e.update(status=res.status, error=res.error, traceback=res.traceback,
                     wall_seconds=round(res.wall_seconds, 4))
            now = time.monotonic()
            if res.status == "failed" or now - last_manifest >= MANIFEST_INTERVAL:
                try:
                    _write_manifest(store, manifest)
                except OSError:
                    pass  # the parts are the record; the manifest is written again at the end
                last_manifest = now
        prog.advance(ok=res.status == "done")
        if lost is not None:
            # a storage fault (disk full, permissions, I/O) would lose every later run too: stop
            raise StorageFailed(
                f"cannot save the results of task {res.task_id} in {store.parts}: {lost}; "
                f"{sum(1 for s in status.values() if s == 'done')} finished runs are kept in {store.out} "
                "(fix the cause, e.g. free disk space, and rerun the same command with --resume)", report)

    def note_deaths(task_id: int, n: int) -> None:
        report.worker_deaths[task_id] = n
        if manifest is not None:
            entries[task_id]["worker_deaths"] = n

    try:
        queue = collections.deque(pending)
        restarts = 0
        while queue:
            broken = _run_on_executor(queue, record, simulate, backend, workers, address, note_deaths)
            if not broken:
                break
            restarts += 1
            if restarts > MAX_POOL_RESTARTS:
                for t in list(queue):
                    record(TaskResult(t.task_id, "failed", None,
                                      f"not run: worker processes died {restarts} times", None, 0.0))
                queue.clear()
    finally:
        stopping = sys.exc_info()[1]  # the error or interrupt that stopped the run, if any
        report.elapsed = time.perf_counter() - t_start
        prog.close()
        if manifest is not None:
            # an interrupt may land between writing a part and recording it: the parts decide
            for tid, e in entries.items():
                if e["status"] == "pending" and store.part_path(tid).exists():
                    e["status"] = status[tid] = "done"
            try:
                _write_manifest(store, manifest)
            except OSError as exc:
                if stopping is None:  # else do not hide the error that stopped the run
                    raise StorageFailed(
                        f"cannot write {store.manifest_path}: {exc}; the {report.n_done} finished runs are in "
                        f"{store.parts} (fix the cause and rerun the same command with --resume)", report) from exc
    return report


def _run_on_executor(queue: collections.deque, record, simulate, backend, workers, address,
                     note_deaths=None) -> bool:
    """Run the tasks of ``queue`` on one executor, calling ``record`` with each result.
    Returns True if a worker process died (the pool is broken): the runs in progress are
    recorded as failed and the rest stay in ``queue`` for a fresh pool. On Dask, whose
    scheduler reruns the runs of a dead worker elsewhere, ``note_deaths(task_id, n)`` is
    told at the end how many worker deaths hit each run."""
    with make_executor(backend, workers, address, n_tasks=len(queue)) as ex:
        window = max(int(getattr(ex, "max_in_flight", 1)), 1)
        in_flight: dict[cf.Future, Task] = {}
        broken = False
        dask_keys: dict[Any, int] = {}  # Dask key -> task id

        def fill() -> None:
            while len(in_flight) < window and queue and not broken:
                t = queue.popleft()
                try:
                    fut = ex.submit(execute_task, t.task_id, t.scenario, t.seed, simulate, t.extra)
                except BrokenExecutor:
                    queue.appendleft(t)
                    raise
                except Exception as exc:  # e.g. the task cannot be sent: record, go on
                    fut = cf.Future()
                    fut.set_exception(exc)
                in_flight[fut] = t
                key = getattr(fut, "dask_key", None)
                if key is not None:
                    dask_keys[key] = t.task_id

        try:
            fill()
        except BrokenExecutor:
            return True
        while in_flight:
            done, _ = cf.wait(list(in_flight), return_when=cf.FIRST_COMPLETED)
            for fut in sorted(done, key=lambda f: in_flight[f].task_id):
                t = in_flight.pop(fut)
                try:
                    res = fut.result()
                except BrokenExecutor as exc:
                    broken = True
                    res = TaskResult(
                        t.task_id, "failed", None,
                        f"{type(exc).__name__}: a worker process died while this run was queued or running "
                        "(killed by the system, e.g. out of memory, or crashed in this or another run)",
                        "".join(traceback.format_exception(exc)), 0.0,
                    )
                except Exception as exc:  # e.g. a Dask worker died repeatedly on this task
                    res = TaskResult(
                        t.task_id, "failed", None, f"{type(exc).__name__}: {exc}",
                        "".join(traceback.format_exception(exc)), 0.0,
                    )
                record(res)
            try:
                fill()
            except BrokenExecutor:
                broken = True
        deaths = getattr(ex, "worker_deaths", None)
        if deaths is not None and note_deaths is not None and dask_keys:
            for key, n in deaths().items():
                if key in dask_keys:
                    note_deaths(dask_keys[key], n)
        return broken


def _simulate_name(simulate) -> str:
    """What ran the simulations, for the manifest (``model:simulate`` unless a test replaced it)."""
    if simulate is None:
        return DEFAULT_SIMULATE
    if isinstance(simulate, str):
        return simulate
    return f"{getattr(simulate, '__module__', '?')}:{getattr(simulate, '__qualname__', repr(simulate))}"


def _write_manifest(store: ResultStore, manifest: dict) -> None:
    manifest["updated"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    counts = {"done": 0, "failed": 0, "pending": 0}
    for e in manifest["tasks"]:
        counts[e["status"]] = counts.get(e["status"], 0) + 1
    manifest["counts"] = counts
    manifest["worker_deaths"] = sum(int(e.get("worker_deaths") or 0) for e in manifest["tasks"])
    store.write_manifest(manifest)


def _session_summary(old: dict) -> dict:
    """What an earlier session of a resumed run left: its counts, the errors of its failed runs
    and the worker deaths its runs met (the new session's entries replace them)."""
    tasks = old.get("tasks", [])
    return {
        "created": old.get("created"),
        "updated": old.get("updated"),
        "command": old.get("command"),
        "backend": old.get("backend"),
        "counts": old.get("counts"),
        "failed": {str(e.get("id")): e.get("error") for e in tasks if e.get("status") == "failed"},
        "worker_deaths": {str(e.get("id")): e.get("worker_deaths") for e in tasks if e.get("worker_deaths")},
    }


def check_output_dir(store: ResultStore, tasks: Sequence[Task], *, resume: bool, overwrite: bool) -> None:
    """Refuse an output directory that holds other results: with parts but neither ``resume``
    nor ``overwrite``, or (``resume``) started with different tasks."""
    if resume and overwrite:
        raise ExperimentError("choose one of --resume and --overwrite")
    parts = store.existing_parts()
    if resume:
        old = store.read_manifest()
        if old is None:
            if parts:
                raise ExperimentError(f"{store.out} has result parts but no readable manifest.json; cannot resume safely")
            return
        old_fp = {e.get("id"): e.get("fingerprint") for e in old.get("tasks", [])}
        new_fp = {t.task_id: task_fingerprint(t.scenario, t.seed) for t in tasks}
        if old_fp != new_fp:
            raise ExperimentError(
                f"{store.out} was started with a different scenario, design or seeds; "
                "resume with the same inputs, choose another --out, or pass --overwrite"
            )
        return
    if parts and not overwrite:
        raise ExperimentError(
            f"{store.out} already holds {len(parts)} finished runs; pass --resume to continue them, "
            "--overwrite to replace them, or choose another --out"
        )


def run_scenarios(
    scenarios: Sequence[Any],
    seeds: int | Iterable[int] | None = None,
    **kwargs,
) -> RunReport:
    """Run every scenario with the same seeds (common random numbers).
    Task id = scenario index x number of seeds + seed index. Scenario names must differ."""
    seed_list = make_seeds(seeds)
    dicts = [scenario_to_dict(s) for s in scenarios]
    names = [d.get("name") for d in dicts]
    if len(set(names)) != len(names):
        raise ExperimentError(f"scenario names must differ, got {names}")
    tasks = [
        Task(i * len(seed_list) + j, d, s)
        for i, d in enumerate(dicts)
        for j, s in enumerate(seed_list)
    ]
    kwargs.setdefault("design", {"scenarios": dicts})
    return run_tasks(tasks, seeds=seed_list, **kwargs)


def run_ensemble(
    scenario: Any,
    seeds: int | Iterable[int] | None = None,
    *,
    simulate=None,
    backend: str | None = None,
    workers: int | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    progress=None,
    address: str | None = None,
    overwrite: bool = False,
    command: list[str] | str | None = None,
    raise_on_failure: bool = True,
) -> pd.DataFrame:
    """Run ``scenario`` once per seed and return all rows (task = seed order, then month).

    ``seeds``: N (seeds 1..N, default 10) or a list. If some runs fail, the others
    still finish and are saved; then :class:`TasksFailed` is raised (its
    ``.report.results()`` has the finished rows), unless ``raise_on_failure=False``.
    """
    report = run_scenarios(
        [scenario], seeds, simulate=simulate, backend=backend, workers=workers, address=address,
        out=out, resume=resume, overwrite=overwrite, progress=progress, kind="ensemble", command=command,
    )
    if report.n_failed and raise_on_failure:
        raise TasksFailed(report)
    return report.results()
