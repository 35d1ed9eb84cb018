"""Where runs execute: one executor interface for in-process, a local process pool and Dask.

:func:`make_executor` is a context manager that yields a
:class:`concurrent.futures.Executor`; the runner only calls ``submit`` on it, so
the same code runs

- ``serial``: in this process, one run after another (debugging, tests, profiling);
- ``local`` (default): a :class:`~concurrent.futures.ProcessPoolExecutor` with the
  ``spawn`` start method (safe with threads and numba; the same on Linux, macOS and
  Windows), ``workers`` processes (default: the number of CPUs);
- ``dask``: a Dask distributed ``Client`` -- on a zero-configuration
  ``LocalCluster`` (``workers`` single-threaded worker processes) or, given
  ``address``, on any running scheduler (e.g. one started by dask-jobqueue on
  SLURM or PBS; see docs/scaling.md) -- through ``client.get_executor()``.

The simulation is deterministic given (scenario, seed), so every backend gives
bit-identical results; the runner orders the combined rows by task id, never by
completion order.

When several worker processes share a machine, each is told to use
``cpus // workers`` threads for numba and BLAS (``NUMBA_NUM_THREADS`` etc.), so
that parallel kernels inside parallel runs do not oversubscribe the cores.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from typing import Iterator

BACKENDS = ("local", "serial", "dask")

_THREAD_VARS = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


class BackendError(ValueError):
    """A backend cannot be used as asked (unknown name, unreachable scheduler, missing package)."""


def cpu_count() -> int:
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def threads_per_worker(workers: int) -> int:
    return max(cpu_count() // max(int(workers), 1), 1)


def thread_env(workers: int) -> dict[str, str]:
    """Environment variables that cap each of ``workers`` processes to its share of the CPUs."""
    n = str(threads_per_worker(workers))
    return {var: n for var in _THREAD_VARS}


def _init_worker(env: dict[str, str]) -> None:
    """Process-pool initializer: set thread caps before the model imports numba, and leave
    Ctrl-C to the parent (which stops the pool), so workers print no tracebacks."""
    for k, v in env.items():
        os.environ.setdefault(k, v)
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except (ValueError, OSError):  # pragma: no cover - not the main thread
        pass
    _watch_parent()


def _watch_parent(interval: float = 0.5) -> None:
    """End this worker soon after its parent dies (e.g. SIGKILL): a pool worker holds both
    ends of its task queue, so it would otherwise wait for work forever."""
    parent = os.getppid()
    if parent <= 1:
        return

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="drugmarket-parent-watch", daemon=True).start()


def _stop_pool(ex: cf.ProcessPoolExecutor) -> None:
    """Stop a process pool now: drop queued runs and end the running ones (Ctrl-C, errors)."""
    terminate = getattr(ex, "terminate_workers", None)  # Python >= 3.14
    if terminate is not None:
        terminate()
        return
    procs = list((getattr(ex, "_processes", None) or {}).values())  # shutdown() forgets them
    ex.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        try:
            proc.terminate()
        except (OSError, AttributeError, ValueError):
            pass


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore SIGINT while child processes are started (they inherit the disposition)."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except (ValueError, OSError):  # not the main thread: leave it
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class SerialExecutor(cf.Executor):
    """Runs each submitted call at once, in this process. Exceptions go into the future;
    KeyboardInterrupt and SystemExit propagate."""

    max_in_flight = 1

    def __init__(self) -> None:
        self._shutdown = False

    def submit(self, fn, /, *args, **kwargs) -> cf.Future:
        if self._shutdown:
            raise RuntimeError("cannot schedule new futures after shutdown")
        fut: cf.Future = cf.Future()
        fut.set_running_or_notify_cancel()
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - stored in the future like any executor
            fut.set_exception(exc)
        else:
            fut.set_result(result)
        return fut

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._shutdown = True


@contextlib.contextmanager
def make_executor(
    backend: str | None = None,
    workers: int | None = None,
    address: str | None = None,
    *,
    n_tasks: int | None = None,
) -> Iterator[cf.Executor]:
    """Yield an Executor for ``backend`` (None: ``local``, ``dask`` if ``address`` is given, ``serial`` for
    one task with no ``workers``); shut it (and any cluster it started) down on exit.

    ``workers``: processes for ``local`` and for a Dask ``LocalCluster`` (default:
    CPUs, and never more than ``n_tasks`` when that is given). ``address``: a Dask
    scheduler to connect to instead of starting a LocalCluster (implies ``dask``).
    The yielded executor has an attribute ``max_in_flight``: how many tasks the
    runner keeps submitted at once.
    """
    if backend is None and not address and not workers and n_tasks == 1:
        # one run and no backend asked for (``drugmarket run --seeds 1``): a pool would start a process
        # that imports everything again (seconds) only to run it; the results are the same either way
        backend = "serial"
    backend = _check_backend(backend, workers, address)
    n = _pool_size(workers, n_tasks)
    if backend == "serial":
        executor = _serial_executor()
    elif backend == "local":
        executor = _process_pool(n)
    else:
        executor = _dask_client_executor(n, address)
    with executor as ex:
        yield ex


def _check_backend(backend: str | None, workers: int | None, address: str | None) -> str:
    """The backend to use, or BackendError for a combination that cannot work."""
    if backend is None:
        backend = "dask" if address else "local"
    if backend not in BACKENDS:
        raise BackendError(f"unknown backend {backend!r}: choose one of {', '.join(BACKENDS)}")
    if workers is not None and int(workers) < 1:
        raise BackendError(f"workers must be at least 1, got {workers}")
    if address and backend != "dask":
        raise BackendError(f"--address needs the dask backend, not {backend!r}")
    return backend


def _pool_size(workers: int | None, n_tasks: int | None) -> int:
    """``workers`` if given, else the CPUs but no more than the tasks."""
    if workers:
        return int(workers)
    n = cpu_count()
    if n_tasks is not None:
        n = max(min(n, int(n_tasks)), 1)
    return n


@contextlib.contextmanager
def _serial_executor() -> Iterator[cf.Executor]:
    ex = SerialExecutor()
    try:
        yield ex
    finally:
        ex.shutdown()


@contextlib.contextmanager
def _process_pool(n: int) -> Iterator[cf.Executor]:
    ex = cf.ProcessPoolExecutor(
        max_workers=n,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(thread_env(n),),
    )
    ex.max_in_flight = 2 * n  # type: ignore[attr-defined]
    ok = False
    try:
        yield ex
        ok = True
    finally:
        if ok:
            ex.shutdown(wait=True)
        else:  # an error or Ctrl-C: do not wait for running simulations
            _stop_pool(ex)


@contextlib.contextmanager
def _dask_client_executor(n: int, address: str | None) -> Iterator[cf.Executor]:
    """An executor on the scheduler at ``address``, or on a LocalCluster of ``n`` workers."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - distributed is a dependency
        raise BackendError("the dask backend needs the 'distributed' package (pip install 'dask[distributed]')") from exc

    cluster = None
    if address:
        try:
            client = Client(address, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise BackendError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
    else:
        with _sigint_ignored():  # worker processes inherit it: Ctrl-C is the parent's to handle
            cluster = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,  # no warnings about runs cancelled by Ctrl-C
                env=thread_env(n),
            )
        client = Client(cluster)
    try:
        ex = _dask_executor(client)
        nthreads = sum(client.nthreads().values()) or n
        ex.max_in_flight = max(4 * nthreads, 16)  # type: ignore[attr-defined]
        ok = False
        try:
            yield ex
            ok = True
        finally:
            ex.shutdown(wait=ok)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _dask_executor(client):
    """``client.get_executor(pure=False)`` whose futures carry their Dask key (``dask_key``), with
    ``worker_deaths()``: Dask key -> how many times a worker process died while that call was
    assigned to it (running or waiting there) or while it held the call's result, from the
    scheduler's ``remove-worker`` events. Dask reruns such calls on another worker (a call
    that is running when ``distributed.scheduler.allowed-failures`` + 1 workers die fails with
    KilledWorker), so without this the runner could not tell that a run was retried."""
    from distributed.cfexecutor import ClientExecutor

    class DaskExecutor(ClientExecutor):
        def submit(self, fn, /, *args, **kwargs):
            if self._shutdown:
                raise RuntimeError("cannot schedule new futures after shutdown")
            future = self._client.submit(fn, *args, **{**self._kwargs, **kwargs})
            self._futures.add(future)
            cf_future = self._wrap_future(future)
            cf_future.dask_key = future.key  # type: ignore[attr-defined]
            return cf_future

        def worker_deaths(self) -> dict:
            counts: dict = {}
            try:
                events = self._client.get_events("all")
            except Exception:  # noqa: BLE001 - only a note for the manifest; never stop a run for it
                return counts
            for _, msg in events:
                if not isinstance(msg, dict) or msg.get("action") != "remove-worker":
                    continue
                for key in {*msg.get("processing-tasks", ()), *msg.get("lost-computed-tasks", ())}:
                    counts[key] = counts.get(key, 0) + 1
            return counts

    return DaskExecutor(client, pure=False)


def slurm_cluster(
    *,
    cores: int = 1,
    memory: str = "4GB",
    walltime: str = "02:00:00",
    queue: str | None = None,
    account: str | None = None,
    python: str | None = None,
    job_extra_directives: list[str] | None = None,
    **kwargs,
):
    """A dask-jobqueue ``SLURMCluster`` set up for drugmarket runs (one single-threaded
    worker process per core). Scale it with ``cluster.scale(jobs=N)`` and pass
    ``cluster.scheduler_address`` as ``--address``. See docs/scaling.md.
    Needs ``pip install dask-jobqueue``; ``cluster.job_script()`` works without SLURM.
    """
    try:
        from dask_jobqueue import SLURMCluster
    except ImportError as exc:
        raise BackendError("slurm_cluster needs dask-jobqueue: pip install dask-jobqueue") from exc
    env = [f"export {k}=1" for k in _THREAD_VARS]
    return SLURMCluster(
        cores=cores,
        processes=cores,
        memory=memory,
        walltime=walltime,
        queue=queue,
        account=account,
        python=python,
        job_script_prologue=env,
        job_extra_directives=job_extra_directives or [],
        **kwargs,
    )
