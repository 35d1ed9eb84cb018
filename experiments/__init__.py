"""Experiments: scenario ensembles, parameter sweeps and policy comparisons.

Python interface (all return pandas DataFrames or small result objects)::

    from model.scenario import load_scenario
    from experiments import run_ensemble, run_sweep, compare, read_results

    df = run_ensemble(load_scenario("status_quo"), seeds=10)             # rows of all seeds
    df = run_ensemble(s, 10, backend="dask", out="results/x")            # on Dask, saved as it goes
    res = run_sweep("experiments/sweeps/example.toml", out="results/ex") # res.sensitivity
    cmp = compare(baseline, [policy_a, policy_b], seeds=20)              # cmp.table
    df = read_results("results/x")                                       # all finished parts

The run options (``simulate``, ``backend``, ``workers``, ``address``, ``out``,
``resume``, ``overwrite``, ``progress``, ``command``) are keyword arguments of each,
or one :class:`RunOptions` passed as ``options=``.

Backends: ``serial`` (in process), ``local`` (process pool, default), ``dask``
(LocalCluster, or ``address=`` of any scheduler). Results are identical on all.
The command line (``drugmarket``) is experiments/cli.py.
"""

import importlib

#: name -> the module that defines it. Imported on first use (PEP 562), so that the command line, whose
#: subcommands import only what they use, does not load pandas, Dask and the sweep code to print an error
_WHERE = {
    "BACKENDS": "backends", "BackendError": "backends", "make_executor": "backends",
    "ComparisonResult": "compare", "compare": "compare",
    "ExperimentError": "errors", "TasksFailed": "errors",
    "RunOptions": "options", "Progress": "progress", "RunReport": "report",
    "run_ensemble": "runner", "run_scenarios": "runner", "run_tasks": "runner",
    "ResultStore": "storage", "read_results": "storage",
    "SweepResult": "sweep", "run_sweep": "sweep",
    "SweepError": "sweep_file", "SweepSpec": "sweep_file", "load_sweep": "sweep_file",
    "Task": "tasks", "execute_task": "tasks", "make_seeds": "tasks",
}

__all__ = [*_WHERE, "load_scenario"]


def __getattr__(name):
    if name in _WHERE:
        value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value  # the next look-up is an ordinary attribute
        return value
    if name == "load_scenario":  # experiments.load_scenario, from the model's light scenario module
        from model.scenario import load_scenario

        return load_scenario
    raise AttributeError(f"module 'experiments' has no attribute {name!r}")
