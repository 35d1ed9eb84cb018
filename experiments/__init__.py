"""Experiments: scenario ensembles, parameter sweeps and policy comparisons.

Python interface (all return pandas DataFrames or small result objects)::

    from model.scenario import load_scenario
    from experiments import run_ensemble, run_sweep, compare, read_results

    df = run_ensemble(load_scenario("status_quo"), seeds=10)             # rows of all seeds
    df = run_ensemble(s, 10, backend="dask", out="results/x")            # on Dask, saved as it goes
    res = run_sweep("experiments/sweeps/example.toml", out="results/ex") # res.sensitivity
    cmp = compare(baseline, [policy_a, policy_b], seeds=20)              # cmp.table
    cmp = compare(baseline, [policy_a], seeds=2, draws=20)               # + parameter draws, two intervals
    voi = run_voi(load_voi("experiments/voi/reform.toml"), options=RunOptions(out="results/voi"))
    df = read_results("results/x")                                       # all finished parts

The run options (``simulate``, ``backend``, ``workers``, ``address``, ``out``,
``resume``, ``overwrite``, ``progress``, ``command``) are keyword arguments of each,
or one :class:`RunOptions` passed as ``options=``.

Backends: ``serial`` (in process), ``local`` (process pool, default), ``dask``
(LocalCluster, or ``address=`` of any scheduler). Results are identical on all.
The command line (``drugmarket``) is experiments/cli.py.
"""

from .backends import BACKENDS, BackendError, make_executor
from .compare import ComparisonResult, compare
from .draws import DrawPlan, make_plan
from .errors import ExperimentError, TasksFailed
from .options import RunOptions
from .progress import Progress
from .report import RunReport
from .runner import run_ensemble, run_scenarios, run_tasks
from .storage import ResultStore, read_results
from .sweep import SweepResult, run_sweep
from .sweep_file import SweepError, SweepSpec, load_sweep
from .tasks import Task, execute_task, make_seeds
from .voi_run import VoiResult, load_voi, run_voi

__all__ = [
    "BACKENDS", "BackendError", "make_executor",
    "ComparisonResult", "compare", "DrawPlan", "make_plan", "VoiResult", "load_voi", "run_voi",
    "Progress", "RunOptions",
    "ExperimentError", "RunReport", "Task", "TasksFailed", "execute_task", "make_seeds",
    "run_ensemble", "run_scenarios", "run_tasks",
    "ResultStore", "read_results",
    "SweepError", "SweepResult", "SweepSpec", "load_sweep", "run_sweep",
    "load_scenario",
]


def __getattr__(name):  # experiments.load_scenario without importing the model eagerly
    if name == "load_scenario":
        from model.scenario import load_scenario

        return load_scenario
    raise AttributeError(f"module 'experiments' has no attribute {name!r}")
