"""Send tasks to an executor and hand each result to the recorder as it comes.

A bounded window of tasks is kept submitted (``max_in_flight`` of the executor), so a
large design does not sit in memory as futures. If a worker process dies, a process
pool is broken: the runs in progress fail, and the rest run on a fresh pool (at most
:data:`MAX_POOL_RESTARTS` times). Dask instead reruns the runs of a dead worker
elsewhere; the deaths are told to the recorder at the end (``worker_deaths``).
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
from concurrent.futures import BrokenExecutor
from typing import Any, Callable, Sequence

from .backends import make_executor
from .options import RunOptions
from .record import Recorder
from .tasks import Task, TaskResult, execute_task, failed_result

MAX_POOL_RESTARTS = 10  # fresh process pools after worker deaths before giving up on the rest


def run_queue(tasks: Sequence[Task], recorder: Recorder, simulate: Callable, options: RunOptions) -> None:
    """Run ``tasks`` with ``simulate`` on ``options.backend``, recording every result."""
    queue = collections.deque(tasks)
    restarts = 0
    while queue:
        broken = _run_on_executor(queue, recorder, simulate, options)
        if not broken:
            break
        restarts += 1
        if restarts > MAX_POOL_RESTARTS:
            for t in list(queue):
                recorder.record(failed_result(t.task_id, f"not run: worker processes died {restarts} times"))
            queue.clear()


def _run_on_executor(queue: collections.deque, recorder: Recorder, simulate: Callable, options: RunOptions) -> bool:
    """Run the tasks of ``queue`` on one executor. Returns True if a worker process died (the
    pool is broken): the runs in progress are recorded as failed and the rest stay in ``queue``."""
    with make_executor(options.backend, options.workers, options.address, n_tasks=len(queue)) as ex:
        window = max(int(getattr(ex, "max_in_flight", 1)), 1)
        in_flight: dict[cf.Future, Task] = {}
        dask_keys: dict[Any, int] = {}  # Dask key -> task id

        def fill() -> None:
            while len(in_flight) < window and queue:
                t = queue.popleft()
                try:
                    fut = _submit(ex, t, simulate)
                except BrokenExecutor:
                    queue.appendleft(t)  # for the next pool
                    raise
                in_flight[fut] = t
                key = getattr(fut, "dask_key", None)
                if key is not None:
                    dask_keys[key] = t.task_id

        try:
            fill()
        except BrokenExecutor:
            return True
        broken = False
        while in_flight:
            done, _ = cf.wait(list(in_flight), return_when=cf.FIRST_COMPLETED)
            for fut in sorted(done, key=lambda f: in_flight[f].task_id):
                t = in_flight.pop(fut)
                res, died = _result(fut, t)
                broken = broken or died
                recorder.record(res)
            if not broken:
                try:
                    fill()
                except BrokenExecutor:
                    broken = True
        _note_worker_deaths(ex, dask_keys, recorder)
        return broken


def _submit(ex: cf.Executor, t: Task, simulate: Callable) -> cf.Future:
    """Submit one task. BrokenExecutor (a dead pool) propagates; any other error becomes
    that task's failed future."""
    try:
        return ex.submit(execute_task, t.task_id, t.scenario, t.seed, simulate, t.extra)
    except BrokenExecutor:
        raise
    except Exception as exc:  # e.g. the task cannot be sent: record, go on
        fut: cf.Future = cf.Future()
        fut.set_exception(exc)
        return fut


def _result(fut: cf.Future, t: Task) -> tuple[TaskResult, bool]:
    """The result of a finished future, and whether it shows that a worker process died."""
    try:
        return fut.result(), False
    except BrokenExecutor as exc:
        return failed_result(
            t.task_id,
            f"{type(exc).__name__}: a worker process died while this run was queued or running "
            "(killed by the system, e.g. out of memory, or crashed in this or another run)", exc), True
    except Exception as exc:  # e.g. a Dask worker died repeatedly on this task
        return failed_result(t.task_id, f"{type(exc).__name__}: {exc}", exc), False


def _note_worker_deaths(ex: cf.Executor, dask_keys: dict[Any, int], recorder: Recorder) -> None:
    """Tell the recorder how many Dask worker deaths hit each task (Dask only)."""
    deaths = getattr(ex, "worker_deaths", None)
    if deaths is None or not dask_keys:
        return
    for key, n in deaths().items():
        if key in dask_keys:
            recorder.note_deaths(dask_keys[key], n)
