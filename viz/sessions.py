"""Freeing a browser session's simulation when solara closes its kernel, and saying so in the log.

Solara gives every browser tab a virtual kernel. It closes the kernel at once when the
tab goes away normally (the page's ``pagehide`` handler sends a close beacon), and
otherwise (a crashed browser, a dropped network, a laptop put to sleep) after the
kernel has been disconnected for ``SOLARA_KERNEL_CULL_TIMEOUT`` (solara's default is
24 hours; ``drugmarket app --cull-after`` sets it, see viz/app.py).

:func:`kernel_started` runs for every kernel (``solara.lab.on_kernel_start``, registered
by viz/app.py) and returns the cleanup solara calls when it closes the kernel: it closes
the kernel's :class:`viz.state.Session` objects, which drops their models and arrays
whether or not something else still references the Session. A short while later (after
solara's own garbage collection of the closed kernel) one log line gives the census of
what the process still holds: open sessions, Session and model objects still alive, and
the resident memory. Before that it asks glibc to give freed heap memory back to the
system (``malloc_trim(0)``): without it the freed memory stays in the process for reuse
and the RSS does not fall (measured in docs/app.md). ``DRUGMARKET_APP_MALLOC_TRIM=0``
turns that off.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import os
import sys
import threading
import time
import weakref
from collections import OrderedDict

from viz import state

log = logging.getLogger(__name__)

#: "0": do not call malloc_trim(0) after the sessions of a closed kernel are freed (glibc only; default on)
MALLOC_TRIM_ENV = "DRUGMARKET_APP_MALLOC_TRIM"
#: seconds between a kernel's close and the census line (solara collects a closed kernel after 1 s);
#: closes within this window share one census
CENSUS_DELAY = 3.0

_lock = threading.Lock()
_by_kernel: dict[str, list[weakref.ref]] = {}   # kernel id -> its sessions
_closed_kernels = 0
_closed_ids: "OrderedDict[str, None]" = OrderedDict()   # the latest closed kernel ids (bounded)
CLOSED_IDS_KEPT = 10_000
_census_timer: threading.Timer | None = None


def _kernel_id() -> str | None:
    try:
        from solara.server import kernel_context

        if kernel_context.has_current_context():
            return kernel_context.get_current_context().id
    except Exception:  # noqa: BLE001 - no solara server (a script, a test without a kernel)
        pass
    return None


def _context(kid: str):
    """Solara's kernel context ``kid`` while it is open, else None."""
    try:
        from solara.server import kernel_context

        ctx = kernel_context.contexts.get(kid)
    except Exception:  # noqa: BLE001
        return None
    return None if ctx is None or ctx.closed_event.is_set() else ctx


def kernel_started():
    """``solara.lab.on_kernel_start`` callback: start the kernel's list; return its cleanup."""
    kid = _kernel_id()
    if kid is None:
        return None
    with _lock:
        _by_kernel.setdefault(kid, [])

    def cleanup() -> None:
        close_kernel(kid)

    return cleanup


def adopt(session: state.Session, kid: str | None = None) -> state.Session:
    """Tie ``session`` to kernel ``kid`` (default: the current one) so that it is closed with it; a no-op
    outside a kernel. A session whose kernel closed while it was being built is closed at once.

    Pass ``kid`` from the component's render when the session is built in a thread: once the kernel
    has closed, such a thread no longer knows its kernel."""
    kid = kid or _kernel_id()
    if kid is None:
        return session
    with _lock:
        refs = _by_kernel.get(kid)
        if refs is not None:
            refs.append(weakref.ref(session))
            return session
        closed = kid in _closed_ids
    if closed:
        session.close()
        log.info("session built for kernel %s after it closed: freed", kid[:8])
        return session
    ctx = _context(kid)
    if ctx is not None:  # a kernel started before kernel_started was registered: hook its close directly
        with _lock:
            _by_kernel[kid] = [weakref.ref(session)]
        ctx.on_close(lambda: close_kernel(kid))
    return session


def close_kernel(kid: str) -> int:
    """Close the sessions of kernel ``kid``; returns how many models were dropped."""
    global _closed_kernels
    with _lock:
        refs = _by_kernel.pop(kid, [])
        _closed_kernels += 1
        _closed_ids[kid] = None
        while len(_closed_ids) > CLOSED_IDS_KEPT:
            _closed_ids.popitem(last=False)
    n_sessions = n_models = 0
    for r in refs:
        s = r()
        if s is not None and not s.closed:
            n_models += s.close()
            n_sessions += 1
    log.info("kernel %s closed: freed %d session(s), %d model(s)", kid[:8], n_sessions, n_models)
    _schedule_census()
    return n_models


def _schedule_census() -> None:
    global _census_timer
    with _lock:
        if _census_timer is not None and _census_timer.is_alive():
            return
        _census_timer = threading.Timer(CENSUS_DELAY, log_census)
        _census_timer.daemon = True
        _census_timer.name = "drugmarket-census"
        # solara's patched Thread captures the current kernel context: this thread must not keep it alive
        _census_timer.current_context = None  # type: ignore[attr-defined]
        _census_timer.start()


def rss_mb() -> float:
    """This process's resident memory in MB (Linux; NaN elsewhere)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


def malloc_trim() -> bool:
    """Ask glibc to return free heap memory (all arenas) to the system; False where there is no glibc."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(ctypes.c_size_t(0))
        return True
    except (OSError, AttributeError):
        return False


def _solara_kernels() -> int:
    try:
        from solara.server import kernel_context

        return sum(not c.closed_event.is_set() for c in list(kernel_context.contexts.values()))
    except Exception:  # noqa: BLE001
        return -1


def census_line() -> str:
    c = state.census()
    with _lock:
        listed = len(_by_kernel)
        closed = _closed_kernels
    return (f"census: solara kernels {_solara_kernels()}, kernels listed {listed}, kernels closed {closed}, "
            f"sessions open {c['sessions_open']}, Session objects alive {c['sessions_alive']}, models alive "
            f"{c['models_alive']} (templates {c['templates']}, shared status quo runs {c['status_quo_runs']}, in open "
            f"sessions {c['models_in_open_sessions']}), "
            f"Python memory blocks {sys.getallocatedblocks()}, threads {threading.active_count()}")


def trim_enabled() -> bool:
    return os.environ.get(MALLOC_TRIM_ENV, "1") != "0"


def log_census() -> None:
    """Collect garbage, trim the heap (unless DRUGMARKET_APP_MALLOC_TRIM=0), and log what the process still
    holds and its RSS."""
    before = rss_mb()
    t0 = time.perf_counter()
    gc.collect()
    trimmed = trim_enabled() and malloc_trim()
    ms = (time.perf_counter() - t0) * 1000
    after = rss_mb()
    log.info("%s; RSS %.0f MB (%s in %.0f ms: %.0f -> %.0f MB)", census_line(), after,
             "gc and malloc_trim" if trimmed else "gc", ms, before, after)
