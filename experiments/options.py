"""How and where an experiment runs its simulations: one set of options for run, sweep and compare."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping


@dataclass(frozen=True)
class RunOptions:
    """The options every experiment passes down to the runner.

    ``simulate``: the function of one run (None: ``model.simulate``; a top-level callable
    or ``"module:function"``, see :mod:`experiments.simulator`). ``backend``, ``workers``,
    ``address``: where the runs execute (:func:`experiments.backends.make_executor`).
    ``out``: the output directory (None: keep the rows in memory); ``resume`` skips the
    runs already saved there, ``overwrite`` replaces them. ``progress``: a
    :class:`~experiments.progress.Progress`, True/False, or None (only on a terminal).
    ``command``: the command line recorded in the manifest (None: this process's).
    """

    simulate: Callable | str | None = None
    backend: str | None = None
    workers: int | None = None
    address: str | None = None
    out: str | Path | None = None
    resume: bool = False
    overwrite: bool = False
    progress: Any = None
    command: list[str] | str | None = None

    def but(self, **changes: Any) -> "RunOptions":
        """A copy with ``changes``; an unknown option raises TypeError."""
        return dataclasses.replace(self, **changes)


def run_options(options: RunOptions | None, given: Mapping[str, Any]) -> RunOptions:
    """``options`` (default: all defaults) with the keyword arguments ``given`` applied, so that
    the public functions take either ``options=RunOptions(...)`` or the options one by one."""
    return (options or RunOptions()).but(**given)
