"""Parameter sweeps and sensitivity analysis from a sweep file (TOML).

A sweep file names a base scenario, a design over factors (dotted scenario keys),
how many seeds each design row gets, and which outputs to summarise and analyse;
experiments/sweeps/example.toml documents every key, :mod:`experiments.sweep_file`
reads it. :mod:`experiments.designs` samples the design, the runner runs it, and
:mod:`experiments.sensitivity` analyses the outputs.

Writes to OUT: ``design.parquet`` (row, factor values, seeds), ``parts/`` and
``manifest.json`` (see :mod:`experiments.storage`), ``outputs.parquet`` (one row
per run: design row, seed, factor values, summarised outputs),
``sensitivity.csv`` and ``sensitivity.png`` (:mod:`experiments.sensitivity` lists the
columns of each design's table).

The analysis uses each design row's mean over its seeds (common random numbers:
every row has the same seeds). With ``compare_to`` every design row and seed runs
twice, under the base (``arm`` 0) and under the comparison scenario (``arm`` 1),
with the same factor values, [set] overrides, months, preset and seed; the
outputs analysed are then the effect of the base against the comparison (base
minus comparison, per seed), and outputs.parquet also keeps both arms' values
(``<output>_base``, ``<output>_comparison``). This is how to ask which
assumptions the *effect* of a policy depends on, rather than its level. Factors with
``log = true`` are sampled and analysed on a log10 scale.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .designs import design_tasks, sample_design
from .draws import DrawPlan, draws_table, make_plan
from .options import RunOptions, run_options
from .record import check_output_dir
from .report import RunReport
from .runner import run_tasks
from .sensitivity import analyze, effects, format_sensitivity, outputs_in_results, summarize_runs  # noqa: F401
from .storage import ResultStore, atomic_write_bytes, atomic_write_parquet, read_results
from .sweep_file import SweepError, SweepSpec, load_sweep, parse_summary, sweep_from_dict  # noqa: F401
from .tasks import scenario_to_dict

# tests, the CLI and the app import these from here: the sweep file, its design and its analysis
__all__ = [
    "SweepError", "SweepSpec", "SweepResult", "load_sweep", "sweep_from_dict", "parse_summary",
    "sample_design", "design_tasks", "summarize_runs", "effects", "analyze", "format_sensitivity",
    "run_sweep", "analyze_sweep",
]


@dataclass
class SweepResult:
    spec: SweepSpec
    out: Path
    design: pd.DataFrame
    runs: pd.DataFrame | None  # outputs.parquet: one row per finished run
    sensitivity: pd.DataFrame | None
    report: RunReport
    note: str | None = None  # why the analysis was skipped, if it was


def run_sweep(
    sweep: str | os.PathLike | SweepSpec,
    *,
    figure: bool = True,
    options: RunOptions | None = None,
    draws: int | DrawPlan | None = None,
    **given: Any,
) -> SweepResult:
    """Run a sweep file's design and analyse it. Default ``out``: results/<sweep name>.

    ``options`` or the keyword arguments ``given`` (``out``, ``simulate``, ``backend``,
    ``workers``, ``address``, ``resume``, ``overwrite``, ``progress``, ``command``): the
    :class:`~experiments.options.RunOptions`. Runs that fail are recorded in the manifest;
    the analysis then is skipped (``note`` says why) for designs that need every row
    (sobol, morris), and done on the finished rows otherwise. ``draws``: parameter draws crossed
    with every design row and seed (:func:`experiments.designs.design_tasks`); the analysis then
    averages each row over its draws and seeds, so a factor's effect is over what we do not know.
    """
    options = run_options(options, given)
    spec = sweep if isinstance(sweep, SweepSpec) else load_sweep(sweep)
    out = Path(options.out) if options.out is not None else Path("results") / spec.name
    design, X = sample_design(spec)
    plan = make_plan(draws)
    tasks = design_tasks(spec, design, plan)
    # the design goes to OUT before any run, so a killed sweep's directory describes itself
    store = ResultStore(out)
    check_output_dir(store, tasks, resume=options.resume, overwrite=options.overwrite)
    if options.overwrite:
        store.clear()
    design_out = design.copy()
    design_out["seeds"] = [list(spec.seeds)] * len(design_out)
    atomic_write_parquet(_parquet_safe(design_out), out / "design.parquet")
    description = _description(spec, len(design))
    if plan is not None:
        description["draws"] = {**plan.describe(), "values": draws_table(plan)}
    report = run_tasks(tasks, options.but(out=out, overwrite=False), kind="sweep", design=description, seeds=spec.seeds)
    return analyze_sweep(spec, out, design=design, X=X, report=report, figure=figure)


def _description(spec: SweepSpec, rows: int) -> dict:
    """The sweep as the manifest records it."""
    return {
        "sweep_file": str(spec.path) if spec.path else None,
        "sweep": _plain(spec.raw),
        "design": spec.design,
        "factors": [f.__dict__ for f in spec.factors],
        "samples": spec.samples,
        "replicates": spec.replicates,
        "sample_seed": spec.sample_seed,
        "rows": rows,
        "outputs": spec.outputs,
        "base": scenario_to_dict(spec.base),
        "compare_to": scenario_to_dict(spec.compare_to) if spec.compare_to is not None else None,
    }


def analyze_sweep(spec: SweepSpec, out: Path, *, design: pd.DataFrame, X, report: RunReport,
                  figure: bool = True) -> SweepResult:
    """Summarise the finished runs of ``out`` and write outputs.parquet, sensitivity.csv/png."""
    res = SweepResult(spec, out, design, None, None, report)
    if report.n_done == 0:
        res.note = "no run finished"
        return res
    import pyarrow.parquet as pq

    first = ResultStore(out).existing_parts()[0]
    outputs = outputs_in_results(spec, pq.read_schema(first).names)
    if not outputs:
        res.note = "none of the outputs is a column of the results"
        return res
    names = pq.read_schema(first).names
    df = read_results(out, columns=list(outputs) + ["design_row", "replicate", "seed"]
                      + (["arm"] if spec.compare_to is not None else []) + (["draw"] if "draw" in names else []))
    runs = summarize_runs(df, outputs)
    if spec.compare_to is not None:
        runs = effects(runs, list(outputs))
    runs = runs.merge(design, left_on="design_row", right_on="row", how="left").drop(columns="row")
    atomic_write_parquet(_parquet_safe(runs), out / "outputs.parquet")
    res.runs = runs
    if report.n_failed and spec.design in ("sobol", "morris"):
        res.note = (f"sensitivity analysis skipped: {report.n_failed} runs failed and "
                    f"{spec.design} needs every design row; fix the cause and rerun with --resume")
        return res
    sub = spec if outputs == spec.outputs else _with_outputs(spec, outputs)
    try:
        table = analyze(sub, design, X, runs)
    except SweepError as e:
        res.note = f"sensitivity analysis skipped: {e}"
        return res
    atomic_write_bytes(out / "sensitivity.csv", table.to_csv(index=False).encode())
    res.sensitivity = table
    if figure and len(table):
        from viz.figures import sensitivity_figure

        sensitivity_figure(table, spec.design, out / "sensitivity.png", title=spec.name)
    return res


def _with_outputs(spec: SweepSpec, outputs: dict[str, str]) -> SweepSpec:
    s = copy.copy(spec)
    s.outputs = outputs
    return s


def _plain(x: Any) -> Any:
    """TOML values -> JSON-able (dates as text)."""
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_plain(v) for v in x]
    if isinstance(x, (str, int, float, bool)) or x is None:
        return x
    return str(x)


def _parquet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Columns of mixed Python types (factorial levels) as text, so Parquet can store them."""
    df = df.copy()
    for c in df.columns:
        if df[c].dtype == object and c != "seeds":
            kinds = {type(v) for v in df[c]}
            if len(kinds) > 1:
                df[c] = df[c].map(repr)
    return df

