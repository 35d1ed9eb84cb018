"""Send tasks to an executor and hand each result to the recorder as it comes.

A bounded window of tasks is kept submitted (``max_in_flight`` of the executor), so a
large design does not sit in memory as futures. If a worker process dies, a process
pool is broken: the runs in progress fail, and the rest run on a fresh pool (at most
:data:`MAX_POOL_RESTARTS` times). Dask instead reruns the runs of a dead worker
elsewhere; the deaths are told to the recorder at the end (``worker_deaths``).

Runs of ``model.simulate`` that share a burn-in (same world, preset, parameters and seed; they
differ in policy, events or horizon) go to a worker together, as one bundle of a few runs, so the
worker builds and burns in once (model/run.py keeps the burned-in model). A bundle's runs are still
recorded one by one; if its worker dies, all of them fail, as any run in progress would.
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import json
import os
from concurrent.futures import BrokenExecutor
from typing import Any, Callable, Sequence

from .backends import make_executor
from .options import RunOptions
from .record import Recorder
from .simulator import default_simulate
from .tasks import Task, TaskResult, execute_task, execute_tasks, failed_result

MAX_POOL_RESTARTS = 10  # fresh process pools after worker deaths before giving up on the rest
#: runs sharing a burn-in sent to one worker together, at most (more would coarsen the progress and
#: the loss when a worker dies)
MAX_BUNDLE = 8


def run_queue(tasks: Sequence[Task], recorder: Recorder, simulate: Callable, options: RunOptions) -> None:
    """Run ``tasks`` with ``simulate`` on ``options.backend``, recording every result."""
    queue = collections.deque(bundles(tasks, simulate, options))
    restarts = 0
    while queue:
        broken = _run_on_executor(queue, recorder, simulate, options)
        if not broken:
            break
        restarts += 1
        if restarts > MAX_POOL_RESTARTS:
            for bundle in list(queue):
                for t in bundle:
                    recorder.record(failed_result(t.task_id, f"not run: worker processes died {restarts} times"))
            queue.clear()


def bundles(tasks: Sequence[Task], simulate: Callable, options: RunOptions) -> list[tuple[Task, ...]]:
    """The units sent to workers: runs of ``model.simulate`` that share a burn-in together (at most
    :data:`MAX_BUNDLE`, in task order), on the serial and local backends, when that leaves at least
    one bundle per worker; otherwise (Dask, another simulate, too few bundles) one run each."""
    singles = [(t,) for t in tasks]
    if simulate is not default_simulate() or options.backend not in ("serial", "local"):
        return singles
    groups: dict = {}
    for t in tasks:
        groups.setdefault(_burn_in_of(t), []).append(t)
    out = [tuple(g[i:i + MAX_BUNDLE]) for g in groups.values() for i in range(0, len(g), MAX_BUNDLE)]
    workers = 1 if options.backend == "serial" else (options.workers or os.cpu_count() or 1)
    return out if len(out) >= workers and len(out) < len(singles) else singles


def _burn_in_of(t: Task) -> tuple:
    """What the task's burn-in depends on, read off its scenario dict (a hint for grouping only:
    model.simulate decides for itself whether it can reuse a burned-in model)."""
    from model.run import keeps_burn_in

    d = t.scenario
    if not keeps_burn_in(d.get("preset", "workshop")):  # each run alone
        return ("alone", t.task_id)
    return (d.get("world"), d.get("preset"), json.dumps(d.get("params", {}), sort_keys=True, default=repr), t.seed)


def _run_on_executor(queue: collections.deque, recorder: Recorder, simulate: Callable, options: RunOptions) -> bool:
    """Run the bundles of ``queue`` on one executor. Returns True if a worker process died (the
    pool is broken): the runs in progress are recorded as failed and the rest stay in ``queue``."""
    n_tasks = sum(len(b) for b in queue)
    with make_executor(options.backend, options.workers, options.address, n_tasks=n_tasks) as ex:
        window = max(int(getattr(ex, "max_in_flight", 1)), 1)
        in_flight: dict[cf.Future, tuple[Task, ...]] = {}
        dask_keys: dict[Any, tuple[Task, ...]] = {}  # Dask key -> its runs

        def fill() -> None:
            while len(in_flight) < window and queue:
                b = queue.popleft()
                try:
                    fut = _submit(ex, b, simulate)
                except BrokenExecutor:
                    queue.appendleft(b)  # for the next pool
                    raise
                in_flight[fut] = b
                key = getattr(fut, "dask_key", None)
                if key is not None:
                    dask_keys[key] = b

        try:
            fill()
        except BrokenExecutor:
            return True
        broken = False
        while in_flight:
            done, _ = cf.wait(list(in_flight), return_when=cf.FIRST_COMPLETED)
            for fut in sorted(done, key=lambda f: in_flight[f][0].task_id):
                b = in_flight.pop(fut)
                results, died = _results(fut, b)
                broken = broken or died
                for res in results:
                    recorder.record(res)
            if not broken:
                try:
                    fill()
                except BrokenExecutor:
                    broken = True
        _note_worker_deaths(ex, dask_keys, recorder)
        return broken


def _submit(ex: cf.Executor, b: tuple[Task, ...], simulate: Callable) -> cf.Future:
    """Submit one bundle (a single run as :func:`execute_task`). BrokenExecutor (a dead pool)
    propagates; any other error becomes that bundle's failed future."""
    try:
        if len(b) == 1:
            t = b[0]
            return ex.submit(execute_task, t.task_id, t.scenario, t.seed, simulate, t.extra)
        return ex.submit(execute_tasks, [(t.task_id, t.scenario, t.seed, t.extra) for t in b], simulate)
    except BrokenExecutor:
        raise
    except Exception as exc:  # e.g. the task cannot be sent: record, go on
        fut: cf.Future = cf.Future()
        fut.set_exception(exc)
        return fut


def _results(fut: cf.Future, b: tuple[Task, ...]) -> tuple[list[TaskResult], bool]:
    """The results of a finished bundle, and whether it shows that a worker process died."""
    try:
        res = fut.result()
        return (res if isinstance(res, list) else [res]), False
    except BrokenExecutor as exc:
        return [failed_result(
            t.task_id,
            f"{type(exc).__name__}: a worker process died while this run was queued or running "
            "(killed by the system, e.g. out of memory, or crashed in this or another run)", exc) for t in b], True
    except Exception as exc:  # e.g. a Dask worker died repeatedly on this task
        return [failed_result(t.task_id, f"{type(exc).__name__}: {exc}", exc) for t in b], False


def _note_worker_deaths(ex: cf.Executor, dask_keys: dict[Any, tuple[Task, ...]], recorder: Recorder) -> None:
    """Tell the recorder how many Dask worker deaths hit each task (Dask only)."""
    deaths = getattr(ex, "worker_deaths", None)
    if deaths is None or not dask_keys:
        return
    for key, n in deaths().items():
        for t in dask_keys.get(key, ()):
            recorder.note_deaths(t.task_id, n)
