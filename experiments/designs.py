"""The design of a sweep: its rows (factor values) and one task per row and seed.

- factorial: every combination of the factors' levels;
- lhs: a Latin hypercube (scipy.stats.qmc) of ``samples`` rows;
- morris: SALib's Morris trajectories (``samples`` of them, ``levels`` grid levels);
- sobol: SALib's Saltelli/Sobol' sequence for ``samples`` = N, a power of 2.

Factors with ``log = true`` are sampled on a log10 scale.
"""

from __future__ import annotations

import copy
import itertools

import numpy as np
import pandas as pd

from .sweep_file import SweepError, SweepSpec, cast_value, where
from .draws import DrawPlan, apply_draw
from .tasks import Task, scenario_to_dict


def sample_design(spec: SweepSpec) -> tuple[pd.DataFrame, np.ndarray | None]:
    """The design rows (``row`` then one column per factor, actual values) and, for
    SALib designs, the matrix in the analysis scale (log10 for log factors)."""
    names = [f.key for f in spec.factors]
    if spec.design == "factorial":
        rows = list(itertools.product(*[f.levels for f in spec.factors]))
        df = pd.DataFrame(rows, columns=names)
        X = None
    else:
        problem = spec.problem()
        if spec.design == "lhs":
            from scipy.stats import qmc

            unit = qmc.LatinHypercube(d=len(names), rng=np.random.default_rng(spec.sample_seed)).random(spec.samples)
            lo = np.array([b[0] for b in problem["bounds"]])
            hi = np.array([b[1] for b in problem["bounds"]])
            X = lo + unit * (hi - lo)
        elif spec.design == "morris":
            from SALib.sample import morris as morris_sample

            X = morris_sample.sample(problem, spec.samples, num_levels=spec.levels, seed=spec.sample_seed)
        else:
            from SALib.sample import sobol as sobol_sample

            X = sobol_sample.sample(problem, spec.samples, calc_second_order=spec.second_order, seed=spec.sample_seed)
        cols = {}
        for j, f in enumerate(spec.factors):
            vals = np.clip(10.0 ** X[:, j], f.low, f.high) if f.log else X[:, j]
            cols[f.key] = [cast_value(f, v) for v in vals]
        df = pd.DataFrame(cols, columns=names)
    df.insert(0, "row", np.arange(len(df), dtype="int64"))
    return df, X


def design_tasks(spec: SweepSpec, design: pd.DataFrame, plan: DrawPlan | None = None) -> list[Task]:
    """One task per design row and seed: task id = row x replicates + replicate. With ``compare_to``,
    two (arm 0 the base, arm 1 the comparison): task id = 2 x (row x replicates + replicate) + arm.
    With parameter draws (``plan``), one per row, draw and seed: the row's place in the id is taken by
    row x draws + draw index, and the rows gain a ``draw`` column; the factors, which the design
    sets, are not redrawn, and both arms of a row get the same draw."""
    from model.scenario import ScenarioError, set_value

    draws = plan.indices() if plan is not None else [None]
    tasks = []
    names = [f.key for f in spec.factors]
    arms = [spec.base] if spec.compare_to is None else [spec.base, spec.compare_to]
    for row in design.itertuples(index=False):
        dicts = []
        for sc in arms:
            s = copy.deepcopy(sc)
            for key, v in zip(names, row[1:]):
                v = v.item() if hasattr(v, "item") else v
                try:
                    set_value(s, key, v)
                except ScenarioError as e:
                    raise SweepError(f"{where(spec.path)}[factors] design row {row[0]}: "
                                     f"{getattr(e, 'message', e)}") from None
            dicts.append(scenario_to_dict(s))
        for a, k in enumerate(draws):
            drawn = dicts if k is None else [apply_draw(d, k, plan)[0] for d in dicts]
            place = int(row[0]) if k is None else int(row[0]) * len(draws) + a
            tag = {} if k is None else {"draw": k}
            for r, seed in enumerate(spec.seeds):
                tid = place * spec.replicates + r
                if spec.compare_to is None:
                    tasks.append(Task(tid, drawn[0], int(seed), {"design_row": int(row[0]), **tag, "replicate": r}))
                else:
                    for arm, d in enumerate(drawn):
                        tasks.append(Task(2 * tid + arm, d, int(seed),
                                          {"design_row": int(row[0]), **tag, "replicate": r, "arm": arm}))
    return tasks
