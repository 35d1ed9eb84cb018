"""The message before a first run on a machine: numba compiles the model's kernels once (cold cache).

numba keeps one index file per cached kernel in its cache directory (model/__init__.py sets where);
the index holds the compiled signatures and the source file's time stamp, and numba ignores an
index whose stamp does not match the source. When no kernel of the model has a fresh, non-empty
index (a fresh clone, a new machine, an emptied cache), the first model built compiles them all,
which takes many seconds without any output: this module tells, so the command line can say so
before it starts.
"""

from __future__ import annotations

import sys

#: seconds to compile the kernels on this project's 2-core machines: 16.8 s idle (the benchmarks'
#: cold start), about 29 s when the machine is busy (docs/performance.md, "What a user waits for")
COMPILE_SECONDS = 20


def kernel_modules() -> dict[str, list]:
    """The model's modules with cached numba kernels, each with its cached kernels (imports the model)."""
    import model.model  # noqa: F401 - imports every kernel module of a run (nothing compiles at import)
    from numba.core.caching import NullCache
    from numba.core.dispatcher import Dispatcher

    found: dict[str, list] = {}
    for name, mod in list(sys.modules.items()):
        if not (name == "model" or name.startswith("model.")) or mod is None:
            continue
        for obj in list(vars(mod).values()):
            if (isinstance(obj, Dispatcher) and obj.__module__ == name
                    and not isinstance(getattr(obj, "_cache", None), NullCache)):
                found.setdefault(name, []).append(obj)
    return found


def _has_fresh_index(kernel) -> bool:
    # numba's own reader: {} when the index file is missing, of another numba version or stale
    return bool(kernel._cache._cache_file._load_index())


def cache_is_cold() -> bool | None:
    """True when numba's cache holds no compiled kernel of this checkout (a fresh clone, a new
    machine, an emptied cache); None when that cannot be told (numba's cache internals changed).

    Only some kernels get an index of their own (those called from Python; the helpers they inline,
    such as model/rng.py's, have none), so the test is "no kernel has one", not "one kernel lacks one".
    """
    try:
        return not any(_has_fresh_index(k) for kernels in kernel_modules().values() for k in kernels)
    except Exception:  # noqa: BLE001 - only a message depends on it: say nothing rather than fail a run
        return None


def compile_message() -> str | None:
    """The line to print before the first model is built, or None on a warm cache."""
    if not cache_is_cold():
        return None
    return (f"compiling the model's kernels once (about {COMPILE_SECONDS} s); "
            "numba keeps them, so later runs start at once")


def announce_compile(simulate: str | None = None) -> None:
    """Print :func:`compile_message` to stderr (not when a test replaces the model by ``simulate``)."""
    if simulate:
        return
    msg = compile_message()
    if msg:
        print(msg, file=sys.stderr, flush=True)
