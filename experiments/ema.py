"""An adapter that exposes the model to the EMA Workbench (ema_workbench >= 3.0).

ema_workbench wraps a plain Python function: it calls it with one keyword argument
per lever, uncertainty and constant, and reads scalar outcomes from the dict it
returns. Two pieces here:

- :func:`run_model` is that function. Its keyword arguments are scenario keys by
  dotted name (``"policy.budget.treatment"``, ``"params.user.naloxone_reversal_probability"``,
  ``"policy.countries.china.precursor_scheduling"``, anything ``--set`` accepts), plus
  ``base`` (the scenario they change) and ``seeds``. It runs
  :func:`model.run.simulate` once per seed (common random numbers) and returns the
  outcomes of :data:`OUTCOMES` over the horizon, averaged over the seeds, with the
  same definitions as ``drugmarket compare`` (:mod:`experiments.compare`).
  It does not need ema_workbench and can be called directly.

- :func:`make_model` builds the ``ema_workbench.Model`` around it: levers and
  uncertainties by dotted key, their ranges from the parameter registry
  (model/params.py: each parameter's documented ``low``..``high``), from the
  switches' choices, or given explicitly.

ema_workbench 3 wants parameter names that are Python identifiers, so each key gets
one (:func:`ema_name`: ``policy.budget.treatment`` -> ``budget_treatment``,
``params.user.naloxone_reversal_probability`` -> ``user_naloxone_reversal_probability``)
and passes the dotted key on as the parameter's ``variable_name``; the experiments
table that ``perform_experiments`` returns has the identifiers as columns
(:func:`lever_keys` maps them back).

Scenario discovery (PRIM) and feature scoring then run on the results::

    from ema_workbench import perform_experiments
    from ema_workbench.analysis import prim
    from experiments.ema import make_model, prim_inputs, select_box

    model = make_model(levers=["policy.budget.treatment", "policy.budget.harm_reduction"],
                       uncertainties=["user.naloxone_reversal_probability"],
                       base="status_quo", months=36, preset="workshop", seeds=(1, 2))
    experiments, outcomes = perform_experiments(model, scenarios=8, policies=8)
    x = prim_inputs(experiments)          # bookkeeping columns dropped, numbers as float
    y = outcomes["overdose_deaths"] < np.percentile(outcomes["overdose_deaths"], 25)
    box = select_box(prim.Prim(x, y).find_box(), min_density=0.8)
    print(box.stats, box.box_lim)

examples/ema_prim.py is a complete, runnable example; docs/experiments.md explains it.
ema_workbench's PRIM crashes on pandas 3 with integer columns (fixed upstream, not yet
released), which is why :func:`prim_inputs` casts every numeric column to float.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "OUTCOMES",
    "RESERVED",
    "run_model",
    "outcomes_of",
    "ema_name",
    "lever_range",
    "make_model",
    "lever_keys",
    "prim_inputs",
    "select_box",
]

#: outcome -> (what it is, unit). Totals are over the simulated months (the horizon),
#: means are monthly means over the horizon; the definitions are experiments.compare's.
OUTCOMES: dict[str, tuple[str, str]] = {
    "overdose_deaths": ("overdose deaths, total over the horizon", "deaths"),
    "new_hiv_pwid": ("new HIV infections among people who inject drugs, total over the horizon", "infections"),
    "violence_deaths": ("drug-violence deaths, total over the horizon", "deaths"),
    "people_with_sud": ("people with a substance use disorder, monthly mean over the horizon", "people"),
    "cultivation_ha": ("coca and poppy cultivation summed over countries, monthly mean over the horizon", "ha"),
    "spend_usd": ("US spending on all programs, total over the horizon", "USD"),
}
#: keyword arguments of run_model that are not scenario keys
RESERVED = ("base", "seeds", "simulate", "keys")
#: outcomes whose lower values are better (used as ScalarOutcome kinds); spending is INFO
_MINIMIZE = ("overdose_deaths", "new_hiv_pwid", "violence_deaths", "people_with_sud", "cultivation_ha")


# --------------------------------------------------------------------------- the function
def _base_scenario(base: Any):
    """A fresh Scenario from ``base``: None (the status quo), a Scenario, a dict
    (``Scenario.to_dict()`` or a parsed scenario file), or a file path / shipped name."""
    from model.scenario import Scenario, load_scenario, scenario_from_dict

    if base is None:
        return load_scenario(None)
    if isinstance(base, Scenario):
        return copy.deepcopy(base)
    if isinstance(base, Mapping):
        return scenario_from_dict(dict(base))
    return load_scenario(str(base))


def _seeds(seeds: Any) -> list[int]:
    if seeds is None:
        return [1]
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        return [int(seeds)]
    out = [int(s) for s in seeds]
    if not out:
        raise ValueError("seeds: give at least one seed")
    return out


def outcomes_of(runs: pd.DataFrame) -> dict[str, float]:
    """The :data:`OUTCOMES` of one or more runs of the same scenario (the mean over the
    runs; ``runs`` holds the months of each, with a ``seed`` column if there are several)."""
    from .compare import per_run_metrics

    df = runs.copy()
    if "seed" not in df.columns:
        df["seed"] = 0
    df["scenario"] = "x"
    metrics = per_run_metrics(df)
    return {k: float(metrics[k].mean()) if k in metrics.columns else float("nan") for k in OUTCOMES}


def run_model(*, base: Any = None, seeds: Any = (1,), simulate=None, keys: Mapping[str, str] | None = None,
              **levers: Any) -> dict[str, float]:
    """Run the model with ``levers`` (dotted scenario key -> value) set on ``base``, once
    per seed, and return the :data:`OUTCOMES` (mean over the seeds).

    ``run_model(**{"policy.budget.treatment": 2e9}, base="status_quo", seeds=(1, 2))``.
    Values are validated like ``--set`` (a bad key or value raises ScenarioError).
    ``simulate``: a replacement for :func:`model.run.simulate` (tests).
    ``keys``: ema name -> dotted key (:func:`make_model` passes it): ema_workbench 3.0
    sometimes passes a lever under its ema name as well as under its variable name
    (a model without uncertainties), so both are accepted."""
    from model.scenario import set_value

    if simulate is None:
        from model.run import simulate
    if keys:
        given: dict[str, Any] = {}
        for k, v in levers.items():
            given.setdefault(keys.get(k, k), v)
        levers = given
    scenario = _base_scenario(base)
    # months and preset first, so that events and per-month values are checked against them
    for key in sorted(levers, key=lambda k: k not in ("months", "preset")):
        value = levers[key]
        set_value(scenario, key, value.item() if isinstance(value, np.generic) else value)
    frames = []
    for seed in _seeds(seeds):
        df = simulate(scenario, seed)
        df = df.assign(seed=seed)
        frames.append(df)
    return outcomes_of(pd.concat(frames, ignore_index=True))


# --------------------------------------------------------------------------- names and ranges
def ema_name(key: str) -> str:
    """A Python identifier for a dotted scenario key: drop a leading ``policy.`` or
    ``params.``, dots and other non-identifier characters become ``_``."""
    name = key.strip()
    for prefix in ("policy.", "params."):
        if name.startswith(prefix):
            name = name[len(prefix):]
    name = re.sub(r"\W", "_", name)
    if not name or name[0].isdigit():
        name = "_" + name
    return name


def _canonical(key: str) -> str:
    """The canonical dotted key (``user.x`` -> ``params.user.x``; country names lower case)."""
    from model.scenario import canonical_key

    return canonical_key(key)


def lever_range(key: str) -> tuple[str, Any]:
    """The default range of a scenario key: ``("real", (low, high))``, ``("integer", (low, high))``,
    ``("boolean", None)`` or ``("categorical", choices)``.

    Budgets (``policy.budget.<program>[.<country>]``): 0 to twice the status-quo amount of
    the program or $1.5B a year, whichever is larger. Switches: their choices. Parameters:
    the documented range of model/params.py."""
    from model.params import PARAMS
    from model.policy import STATUS_QUO_BUDGET, SWITCH_CHOICES

    k = _canonical(key)
    parts = k.split(".")
    if parts[:2] == ["policy", "budget"] and len(parts) >= 3:
        return "real", (0.0, max(2.0 * STATUS_QUO_BUDGET[parts[2]], 1.5e9))
    if parts[0] == "policy" and parts[-1] in SWITCH_CHOICES:
        choices = SWITCH_CHOICES[parts[-1]]
        if set(choices) == {True, False}:
            return "boolean", None
        return "categorical", tuple(choices)
    if parts[0] == "params":
        p = PARAMS[k.removeprefix("params.")]
        if p.choices is not None:
            return "categorical", tuple(p.choices)
        if isinstance(p.default, bool):
            return "boolean", None
        if p.low is None or p.high is None:
            raise ValueError(f"{key}: the parameter has no documented range; give one, e.g. {{{key!r}: (low, high)}}")
        if isinstance(p.default, int):
            return "integer", (int(p.low), int(p.high))
        return "real", (float(p.low), float(p.high))
    raise ValueError(f"{key}: no default range (only budgets, switches and parameters have one); "
                     f"give one, e.g. {{{key!r}: (low, high)}}")


def _spec(keys: Any) -> dict[str, Any]:
    """A list of keys or a mapping key -> range (None: the default range)."""
    if keys is None:
        return {}
    if isinstance(keys, str):
        return {keys: None}
    if isinstance(keys, Mapping):
        return dict(keys)
    return {k: None for k in keys}


def _parameter(key: str, given: Any):
    """An ema_workbench parameter named ema_name(key), passing the canonical key to run_model."""
    from ema_workbench import BooleanParameter, CategoricalParameter, IntegerParameter, RealParameter

    canon = _canonical(key)
    name = ema_name(canon)
    if given is None:
        kind, rng = lever_range(canon)
    elif isinstance(given, (list, tuple)) and len(given) == 2 and all(
            isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in given):
        low, high = given
        # whole-number parameters (e.g. user.group_size) stay whole numbers
        integer = canon.startswith("params.") and lever_range(canon)[0] == "integer"
        kind, rng = ("integer", (int(low), int(high))) if integer else ("real", (float(low), float(high)))
    elif isinstance(given, (list, tuple, set)) and given:
        kind, rng = "categorical", tuple(given)
    else:
        raise ValueError(f"{key}: a range is (low, high) or a list of choices, not {given!r}")
    if kind == "real":
        low, high = rng
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(f"{key}: needs low < high, got ({low}, {high})")
        return RealParameter(name, low, high, variable_name=canon)
    if kind == "integer":
        return IntegerParameter(name, rng[0], rng[1], variable_name=canon)
    if kind == "boolean":
        return BooleanParameter(name, variable_name=canon)
    return CategoricalParameter(name, list(rng), variable_name=canon)


def make_model(
    levers: Iterable[str] | Mapping[str, Any] | None = None,
    uncertainties: Iterable[str] | Mapping[str, Any] | None = None,
    *,
    base: Any = "status_quo",
    months: int | None = None,
    preset: str | None = None,
    seeds: int | Sequence[int] = (1,),
    outcomes: Sequence[str] | None = None,
    name: str = "drugmarket",
    simulate=None,
):
    """An ``ema_workbench.Model`` running :func:`run_model`.

    ``levers`` (policy choices, sampled as ema "policies") and ``uncertainties``
    (parameters, sampled as ema "scenarios"): dotted scenario keys, as a list (default
    ranges, :func:`lever_range`) or a mapping key -> (low, high), a list of choices, or
    None for the default. A parameter may be named without ``params.``.
    ``base``: the scenario they change (a file, a shipped scenario's name, a Scenario or
    a dict), with ``months`` and ``preset`` overridden if given. ``seeds``: every
    experiment runs with these seeds (common random numbers) and reports the mean.
    ``outcomes``: a subset of :data:`OUTCOMES` (default: all). ``simulate``: a replacement
    for :func:`model.run.simulate` with the same signature (tests; a top-level function,
    so that a MultiprocessingEvaluator's workers can import it).

    A model with levers only is run with ``perform_experiments(model, scenarios=1,
    policies=n)``: ema_workbench 3.0 fails with ``policies=n`` alone ("can only
    concatenate list (not ParameterMap) to list")."""
    from ema_workbench import Constant, Model, ScalarOutcome

    from model.scenario import set_value

    scenario = _base_scenario(base)
    if months is not None:
        set_value(scenario, "months", months)
    if preset is not None:
        set_value(scenario, "preset", preset)
    lev = [_parameter(k, v) for k, v in _spec(levers).items()]
    unc = [_parameter(k, v) for k, v in _spec(uncertainties).items()]
    names = [p.name for p in lev + unc]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"a key is given twice (or two keys share the name {dup[0]!r}); "
                         "give each lever or uncertainty once")
    outs = list(outcomes) if outcomes is not None else list(OUTCOMES)
    unknown = [o for o in outs if o not in OUTCOMES]
    if unknown:
        raise ValueError(f"unknown outcome {unknown[0]!r}; outcomes are {', '.join(OUTCOMES)}")
    model = Model(name, function=run_model)
    if lev:
        model.levers = lev
    if unc:
        model.uncertainties = unc
    model.constants = [Constant("base", scenario.to_dict()), Constant("seeds", tuple(_seeds(seeds))),
                       Constant("keys", {p.name: _canonical(_var(p)) for p in lev + unc})]
    if simulate is not None:
        model.constants = [*model.constants, Constant("simulate", simulate)]
    model.outcomes = [
        ScalarOutcome(o, kind=ScalarOutcome.MINIMIZE if o in _MINIMIZE else ScalarOutcome.INFO) for o in outs
    ]
    return model


def _var(p) -> str:
    var = p.variable_name
    return var[0] if isinstance(var, (list, tuple)) else var


def lever_keys(model) -> dict[str, str]:
    """ema name -> dotted scenario key, for the levers and uncertainties of ``model``."""
    return {p.name: _var(p) for p in list(model.levers) + list(model.uncertainties)}


# --------------------------------------------------------------------------- analysis helpers
BOOKKEEPING = ("scenario", "policy", "model")


def prim_inputs(experiments: pd.DataFrame, *, drop: Sequence[str] = ()) -> pd.DataFrame:
    """The experiments table of ``perform_experiments`` ready for PRIM and feature scoring:
    the bookkeeping columns (scenario, policy, model) and ``drop`` removed, every numeric
    or boolean column as float (ema_workbench 3.0's PRIM crashes on pandas 3 with integer
    columns), other columns (categorical levers) as pandas categories."""
    x = experiments.drop(columns=[c for c in (*BOOKKEEPING, *drop) if c in experiments.columns])
    out = {}
    for c in x.columns:
        col = x[c]
        if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
            out[c] = col.astype(float)
        else:
            out[c] = col.astype("category")
    return pd.DataFrame(out, index=x.index)


def select_box(box, min_density: float = 0.8):
    """Select, on a PRIM box's peeling trajectory, the box of highest coverage whose density
    is at least ``min_density`` (ema_workbench 3 has no ``threshold`` argument any more:
    ``find_box`` returns the whole trajectory and selects its last, densest box). Returns
    the box, selected; if no point reaches ``min_density``, the densest one is selected."""
    traj = box.peeling_trajectory
    ok = traj[traj["density"] >= min_density]
    i = int(ok["coverage"].idxmax()) if len(ok) else int(traj["density"].idxmax())
    box.select(i)
    return box
