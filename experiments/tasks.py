"""One simulation to run (a task) and how a worker runs it.

A task is ``(task_id, scenario dict, seed)``, plus constant columns for its rows.
:func:`execute_task` is a top-level function, so every backend can ship it to a
worker process; it returns the task's rows or the error the simulation raised.

Common random numbers: every scenario of an experiment is run with the same
seeds (by default 1..N, :func:`make_seeds`), so differences between scenarios
compare like with like.
"""

from __future__ import annotations

import copy
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import pandas as pd

from .errors import ExperimentError
from .simulator import default_simulate
from .storage import task_fingerprint

DEFAULT_SEEDS = 10


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


def failed_result(task_id: int, error: str, exc: BaseException | None = None, wall_seconds: float = 0.0) -> TaskResult:
    """A failed task's result: ``error`` and, given ``exc``, its traceback."""
    tb = "".join(traceback.format_exception(exc)) if exc is not None else None
    return TaskResult(task_id, "failed", None, error, tb, wall_seconds)


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


def execute_task(task_id: int, scenario: dict, seed: int, simulate: Callable | None = None,
                 extra: dict | None = None) -> TaskResult:
    """Run one task with ``simulate`` (None: ``model.simulate``) and return its rows, or the
    error it raised. Runs in a worker."""
    t0 = time.perf_counter()
    try:
        fn = simulate if simulate is not None else default_simulate()
        sc = build_scenario(scenario)
        df = fn(sc, int(seed))
        df = _finish_frame(df, task_id, scenario, seed, extra or {})
        return TaskResult(task_id, "done", df, None, None, time.perf_counter() - t0)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded, the others go on
        return failed_result(task_id, f"{type(exc).__name__}: {exc}", exc, time.perf_counter() - t0)


def execute_tasks(items: list[tuple], simulate: Callable | None = None) -> list[TaskResult]:
    """Run several tasks ``(task_id, scenario, seed, extra)`` one after the other in this worker (runs
    that share a burn-in: model/run.py burns in once for them). Each gets its own result."""
    return [execute_task(tid, sc, seed, simulate, extra) for tid, sc, seed, extra in items]


def _finish_frame(df: Any, task_id: int, scenario: dict, seed: int, extra: dict) -> pd.DataFrame:
    """The rows of a task with its id first, and its scenario, seed and ``extra`` columns."""
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
