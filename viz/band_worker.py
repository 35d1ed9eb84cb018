"""The parameter band's runs, in one worker process per server, one (draw, seed) pair at a time.

A worker process, not a thread: the model's step holds Python's lock, so a thread would slow every
participant's Play and the page itself. The worker runs at a lower priority (:data:`NICE`), so that on
cores short of time the participants' steps go first. One process for the whole server, started at the first
question and kept (it keeps the burned-in models of viz/band.py), so that on a 2-core laptop the band
takes one core whatever the number of participants asking: their questions take turns, pair by pair.

:func:`compute` submits the pairs one by one and checks between them whether the question was
cancelled (the levers moved, the page reset or closed): a cancelled question stops at once on the page,
while the worker finishes the pair it is running (at most a burn-in and two runs of the months so far)
and then takes the next question's.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import multiprocessing
import os
import threading
import time
from typing import Callable

from viz.band import BandRequest, BandResult, pairs, run_pair, summarize

log = logging.getLogger(__name__)

#: the worker's numba and BLAS threads: one, so that it leaves the other core to the page
_ONE_THREAD = {v: "1" for v in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}

#: the worker's niceness: when the cores are short, the participants' steps go first
NICE = 5

_pool: cf.ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def _init_band_worker(env: dict[str, str]) -> None:
    from experiments.backends import _init_worker

    _init_worker(env)
    try:
        os.nice(NICE)
    except (AttributeError, OSError):  # not on this system: the worker runs at the server's priority
        pass


def worker_pool() -> cf.Executor:
    """The server's band worker (started on first use)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = cf.ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                           initializer=_init_band_worker, initargs=(_ONE_THREAD,))
            log.info("parameter band: worker process started")
        return _pool


def _drop_pool(broken: cf.Executor) -> None:
    """Forget a broken worker (it died): the next question starts a new one."""
    global _pool
    with _pool_lock:
        if _pool is broken:
            _pool = None
    broken.shutdown(wait=False, cancel_futures=True)


def compute(req: BandRequest, progress: Callable[[int, int], None], cancelled: Callable[[], bool],
            executor: cf.Executor | None = None) -> BandResult | None:
    """The band of ``req``, or None if ``cancelled()`` turned true first. ``progress(done, total)`` after each pair.
    ``executor``: where the pairs run (default: the server's worker process; tests pass a serial one)."""
    ps = pairs(req)
    ex = executor or worker_pool()
    runs = []
    t0 = time.perf_counter()
    progress(0, len(ps))
    for i, p in enumerate(ps):
        if cancelled():
            return None
        try:
            fut = ex.submit(run_pair, p, req.months)
        except RuntimeError:  # the worker died and the pool is shut: start another
            if executor is None:
                _drop_pool(ex)
                ex = worker_pool()
                fut = ex.submit(run_pair, p, req.months)
            else:
                raise
        while True:
            try:
                runs.append(fut.result(timeout=0.25))
                break
            except cf.TimeoutError:
                if cancelled():
                    return None  # the worker finishes this pair, then takes the next question's
            except cf.process.BrokenProcessPool:
                _drop_pool(ex)
                raise RuntimeError("the background worker of the parameter band stopped; press the button "
                                   "again") from None
        progress(i + 1, len(ps))
    log.info("parameter band: %d pairs (%d draws x %d seeds, %d months, %s) in %.1f s", len(ps), req.plan.n,
             len(req.seeds), req.months, req.preset, time.perf_counter() - t0)
    return summarize(req, ps, runs)
