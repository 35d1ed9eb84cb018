"""Run many simulations: ensembles over seeds, several scenarios, sweep designs.

Everything is a list of tasks ``(task_id, scenario dict, seed)`` (:mod:`experiments.tasks`)
executed by the top-level (picklable) function :func:`execute_task` on any backend
(:mod:`experiments.backends`, :mod:`experiments.dispatch`). Each finished task is
written at once to ``OUT/parts/<task_id>.parquet`` (:mod:`experiments.record`,
:mod:`experiments.storage`), so a killed run resumes where it stopped; the combined
rows are always in task order, whatever order the tasks finished in.

Common random numbers: every scenario of an experiment is run with the same
seeds (by default 1..N), so differences between scenarios compare like with like.
With parameter draws (``draws=N``, :mod:`experiments.draws`) each run is a (scenario,
draw, seed), and every scenario gets the same draws too.

The options of a run (:class:`~experiments.options.RunOptions`) are given one by
one as keyword arguments or together as ``options=``. ``simulate`` is
``model.simulate`` unless a callable (a top-level function, so worker processes can
import it) or a ``"module:function"`` string is given; tests pass cheap
deterministic fakes this way.
"""

from __future__ import annotations

import sys
from typing import Any, Iterable, Sequence

import pandas as pd

from .dispatch import run_queue
from .draws import DrawPlan, apply_draw, draws_table, fixed_by, make_plan
from .errors import ExperimentError, StorageFailed, TasksFailed
from .options import RunOptions, run_options
from .record import Recorder, check_output_dir
from .report import RunReport
from .simulator import resolve_simulate
from .tasks import Task, execute_task, make_seeds, scenario_to_dict

__all__ = [
    "ExperimentError", "StorageFailed", "TasksFailed", "RunOptions", "RunReport", "Task",
    "check_output_dir", "execute_task", "make_seeds", "resolve_simulate", "scenario_to_dict",
    "run_tasks", "run_scenarios", "run_ensemble", "draw_tasks",
]

MANIFEST_INTERVAL = 2.0  # seconds between manifest rewrites while running (always at the end)


def run_tasks(
    tasks: Sequence[Task],
    options: RunOptions | None = None,
    *,
    kind: str = "ensemble",
    design: dict | None = None,
    seeds: Sequence[int] = (),
    **given: Any,
) -> RunReport:
    """Run ``tasks``; with ``out``, write parts and manifest there (:mod:`experiments.record`).

    ``options`` or the keyword arguments ``given``: the :class:`RunOptions`. ``kind``,
    ``design`` and ``seeds`` describe the run in the manifest.
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
    options = run_options(options, given)
    ids = [t.task_id for t in tasks]
    if len(set(ids)) != len(ids):
        raise ExperimentError("task ids must be unique")
    simulate = resolve_simulate(options.simulate)  # fail early, in this process, with a clear message
    recorder = Recorder(tasks, options, kind=kind, design=design, seeds=seeds, manifest_interval=MANIFEST_INTERVAL)
    try:
        run_queue(recorder.pending(), recorder, simulate, options)
    finally:
        recorder.close(stopping=sys.exc_info()[1])
    return recorder.report


def run_scenarios(
    scenarios: Sequence[Any],
    seeds: int | Iterable[int] | None = None,
    options: RunOptions | None = None,
    *,
    kind: str = "ensemble",
    design: dict | None = None,
    draws: int | DrawPlan | None = None,
    **given: Any,
) -> RunReport:
    """Run every scenario with the same seeds (common random numbers) and, given ``draws`` (a number
    or a :class:`~experiments.draws.DrawPlan`), the same parameter draws: each task is a (scenario,
    draw, seed), and the rows gain a ``draw`` column. Task id = (scenario index x number of draws +
    draw index) x number of seeds + seed index (without draws: scenario index x seeds + seed index).
    Scenario names must differ. The manifest records the plan, every draw's values and the
    parameters each scenario fixes itself (not redrawn)."""
    seed_list = make_seeds(seeds)
    plan = make_plan(draws)
    dicts = [scenario_to_dict(s) for s in scenarios]
    names = [d.get("name") for d in dicts]
    if len(set(names)) != len(names):
        raise ExperimentError(f"scenario names must differ, got {names}")
    if design is None:
        design = {"scenarios": dicts}
    if plan is None:
        tasks = [
            Task(i * len(seed_list) + j, d, s)
            for i, d in enumerate(dicts)
            for j, s in enumerate(seed_list)
        ]
    else:
        tasks = draw_tasks(dicts, plan, seed_list)
        design = {**design, "draws": {**plan.describe(), "values": draws_table(plan),
                                      "fixed_by_scenario": {d["name"]: sorted(fixed_by(d)) for d in dicts}}}
    return run_tasks(tasks, options, kind=kind, design=design, seeds=seed_list, **given)


def draw_tasks(dicts: Sequence[dict], plan: DrawPlan, seed_list: Sequence[int]) -> list[Task]:
    """One task per (scenario, draw, seed), with the draw's values in the scenario's params."""
    n_d, n_s = plan.n, len(seed_list)
    tasks = []
    for i, d in enumerate(dicts):
        for a, k in enumerate(plan.indices()):
            drawn, _ = apply_draw(d, k, plan)
            for j, s in enumerate(seed_list):
                tasks.append(Task((i * n_d + a) * n_s + j, drawn, s, {"draw": k}))
    return tasks


def run_ensemble(
    scenario: Any,
    seeds: int | Iterable[int] | None = None,
    *,
    raise_on_failure: bool = True,
    options: RunOptions | None = None,
    draws: int | DrawPlan | None = None,
    **given: Any,
) -> pd.DataFrame:
    """Run ``scenario`` once per seed and return all rows (task = seed order, then month).

    ``seeds``: N (seeds 1..N, default 10) or a list; ``draws``: parameter draws crossed with the
    seeds (see :func:`run_scenarios`). ``options`` or the keyword arguments
    ``given`` (``simulate``, ``backend``, ``workers``, ``address``, ``out``, ``resume``,
    ``overwrite``, ``progress``, ``command``): the :class:`RunOptions`. If some runs
    fail, the others still finish and are saved; then :class:`TasksFailed` is raised (its
    ``.report.results()`` has the finished rows), unless ``raise_on_failure=False``.
    """
    report = run_scenarios([scenario], seeds, options, kind="ensemble", draws=draws, **given)
    if report.n_failed and raise_on_failure:
        raise TasksFailed(report)
    return report.results()
