"""Parameter sweeps and sensitivity analysis from a sweep file (TOML).

A sweep file names a base scenario, a design over factors (dotted scenario keys),
how many seeds each design row gets, and which outputs to summarise and analyse.
experiments/sweeps/example.toml documents every key. In short::

    name = "treatment-vs-interdiction"     # default output directory results/<name>
    base = "status_quo"                    # a scenario file (relative to this file) or a
                                           # shipped scenario's name; or an inline [base] table;
                                           # left out: the status quo
    months = 60                            # optional: override the base's months / preset
    preset = "tiny"
    design = "sobol"                       # "factorial" | "lhs" | "morris" | "sobol"
    samples = 64                           # lhs: rows; morris: trajectories; sobol: N (a power of 2)
    replicates = 2                         # seeds per design row: 1..replicates (or seeds = [...])
    sample_seed = 1                        # seed of the design sampler (reproducible designs)
    compare_to = "status_quo"              # optional: run every design row and seed under this
                                           # scenario too (same factor values, same seeds) and
                                           # analyse the effect, base minus compare_to

    [set]                                  # optional: fixed overrides of the base, by dotted key
    "policy.decriminalize_possession" = true

    [factors]                              # dotted keys: [low, high] or {low, high, log = true};
    "policy.budget.treatment" = [2.0e8, 2.0e9]        # for factorial: a list of levels
    "params.user.naloxone_reversal_probability" = { low = 0.5, high = 0.95 }

    [outputs]                              # output column = summary of the months of one run
    overdose_deaths = "sum"                # mean | sum | last | first | min | max |
    people_with_sud = "mean_last_12"       # mean_last_N | sum_last_N | mean_first_N | sum_first_N

Writes to OUT: ``design.parquet`` (row, factor values, seeds), ``parts/`` and
``manifest.json`` (see :mod:`experiments.storage`), ``outputs.parquet`` (one row
per run: design row, seed, factor values, summarised outputs),
``sensitivity.csv`` and ``sensitivity.png``:

- sobol (SALib, Saltelli/Sobol' sequence): first-order ``S1`` and total-order
  ``ST`` indices with 95% confidence half-widths (``S1_conf``, ``ST_conf``);
- morris (SALib elementary effects): ``mu``, ``mu_star`` (mean absolute effect),
  ``sigma`` (interaction/non-linearity), ``mu_star_conf``;
- lhs (scipy.stats.qmc Latin hypercube): Spearman rank correlation of each
  factor with each output (``rho``, ``p_value``);
- factorial: main effects (mean output at each level, its difference from the
  grand mean).

The analysis uses each design row's mean over its seeds (common random numbers:
every row has the same seeds). With ``compare_to`` every design row and seed runs
twice, under the base (``arm`` 0) and under the comparison scenario (``arm`` 1),
with the same factor values, [set] overrides, months, preset and seed; the
outputs analysed are then the effect of the base against the comparison (base
minus comparison, per seed), and outputs.parquet also keeps both arms' values
(``<output>_base``, ``<output>_comparison``). This is how to ask which
assumptions the *effect* of a policy depends on, rather than its level. Factors with ``log = true`` are sampled and
analysed on a log10 scale.
"""

from __future__ import annotations

import copy
import difflib
import itertools
import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from .runner import ExperimentError, RunReport, Task, check_output_dir, run_tasks, scenario_to_dict
from .storage import ResultStore, atomic_write_bytes, atomic_write_parquet, read_results

DESIGNS = ("factorial", "lhs", "morris", "sobol")
TOP_KEYS = (
    "name", "base", "months", "preset", "design", "samples", "replicates", "seeds",
    "sample_seed", "second_order", "levels", "set", "factors", "outputs", "compare_to",
)
DEFAULT_OUTPUTS = ("overdose_deaths", "people_with_sud", "new_hiv_pwid", "violence_deaths")
DEFAULT_SUMMARY = "mean_last_12"
_SUMMARY = re.compile(r"^(mean|sum|last|first|min|max)(?:_(last|first)_(\d+))?$")


class SweepError(ExperimentError):
    """A sweep file is invalid; the message names the file and the key."""


@dataclass
class Factor:
    key: str
    low: float | None = None
    high: float | None = None
    log: bool = False
    integer: bool = False
    levels: list | None = None  # factorial


@dataclass
class SweepSpec:
    name: str
    base: Any  # a Scenario
    design: str
    factors: list[Factor]
    outputs: dict[str, str]
    samples: int | None = None
    replicates: int = 1
    seeds: list[int] = field(default_factory=list)
    sample_seed: int = 1
    second_order: bool = False
    levels: int = 4
    outputs_given: bool = True
    path: Path | None = None
    raw: dict = field(default_factory=dict)
    compare_to: Any = None  # a Scenario: run every row under it too and analyse the effect

    def problem(self) -> dict:
        """The SALib problem (bounds on the log10 scale for log factors)."""
        bounds = []
        for f in self.factors:
            lo, hi = (math.log10(f.low), math.log10(f.high)) if f.log else (f.low, f.high)
            bounds.append([float(lo), float(hi)])
        return {"num_vars": len(self.factors), "names": [f.key for f in self.factors], "bounds": bounds}


# --------------------------------------------------------------------------- parsing
def _where(path: Path | None) -> str:
    return f"{path}: " if path is not None else ""


def _err(path: Path | None, key: str, msg: str) -> SweepError:
    return SweepError(f"{_where(path)}{key}: {msg}")


def _int(d: dict, key: str, path, *, low: int, default=None, required: bool = False) -> int | None:
    if key not in d:
        if required:
            raise _err(path, key, "missing")
        return default
    v = d[key]
    if isinstance(v, bool) or not isinstance(v, int) or v < low:
        raise _err(path, key, f"must be a whole number >= {low}, got {v!r}")
    return v


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def parse_summary(how: str) -> tuple[str, str | None, int | None]:
    m = _SUMMARY.match(how) if isinstance(how, str) else None
    if not m:
        raise ValueError(how)
    stat, window, n = m.group(1), m.group(2), m.group(3)
    if window and stat not in ("mean", "sum"):
        raise ValueError(how)
    if n is not None and int(n) < 1:
        raise ValueError(how)
    return stat, window, int(n) if n else None


def load_sweep(path: str | os.PathLike) -> SweepSpec:
    """Read and validate a sweep file. Raises SweepError (or ScenarioError) naming the key."""
    p = Path(path)
    if not p.is_file():
        raise SweepError(f"{p}: no such sweep file" if not p.is_dir() else f"{p}: is a directory, not a sweep file")
    try:
        raw = tomllib.loads(p.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise SweepError(f"{p}: is not UTF-8 text; a sweep file is a TOML text file") from None
    except tomllib.TOMLDecodeError as e:
        raise SweepError(f"{p}: is not valid TOML: {e}") from None
    return sweep_from_dict(raw, path=p)


def _sweep_scenario(path: Path | None, raw: dict, key: str, given):
    """The scenario a sweep file names under ``key`` (``base`` or ``compare_to``): a scenario file (relative
    to the sweep file) or an inline table, with the sweep's ``months``, ``preset`` and ``[set]`` applied."""
    from model.scenario import ScenarioError, load_scenario, scenario_from_dict, set_value

    try:
        if given is None:
            sc = load_scenario(None)
        elif isinstance(given, str):
            cand = (path.parent / given) if path is not None and not Path(given).is_absolute() else Path(given)
            sc = load_scenario(str(cand) if cand.is_file() else given)
        elif isinstance(given, dict):
            sc = scenario_from_dict(given, source=f"{path} [{key}]" if path is not None else f"[{key}]")
        else:
            raise _err(path, key, f"must be a scenario file name or a [{key}] table, got {given!r}")
        for k in ("months", "preset"):
            if k in raw:
                set_value(sc, k, raw[k])
        fixed = raw.get("set", {})
        if not isinstance(fixed, dict):
            raise _err(path, "set", 'must be a table of "dotted.key" = value')
        for k, v in fixed.items():
            set_value(sc, k, v)
    except ScenarioError as e:
        raise SweepError(f"{_where(path)}{key} scenario: {e}") from None
    return sc


def sweep_from_dict(raw: dict, *, path: Path | None = None) -> SweepSpec:
    """Validate a parsed sweep file (``path``: where relative base paths start)."""
    from model.scenario import ScenarioError, set_value

    for k in raw:
        if k not in TOP_KEYS:
            m = difflib.get_close_matches(k, TOP_KEYS, n=1, cutoff=0.6)
            hint = f"; did you mean '{m[0]}'?" if m else f"; allowed: {', '.join(TOP_KEYS)}"
            raise _err(path, k, "unknown key" + hint)

    name = raw.get("name", path.stem if path is not None else "sweep")
    if not isinstance(name, str) or not name.strip() or "/" in name or "\\" in name:
        raise _err(path, "name", f"must be a non-empty name without slashes, got {name!r}")

    # -- base scenario (and the comparison scenario, built the same way)
    base = _sweep_scenario(path, raw, "base", raw.get("base"))
    compare_to = _sweep_scenario(path, raw, "compare_to", raw["compare_to"]) if "compare_to" in raw else None
    if compare_to is not None and (compare_to.months != base.months or compare_to.preset != base.preset):
        raise _err(path, "compare_to", f"runs {compare_to.months} months at preset {compare_to.preset!r} but the "
                   f"base runs {base.months} at {base.preset!r}; set months and preset at the top of the sweep file")

    # -- design
    design = raw.get("design")
    if design is None:
        raise _err(path, "design", f"missing; choose one of {', '.join(map(repr, DESIGNS))}")
    if design not in DESIGNS:
        m = difflib.get_close_matches(str(design), DESIGNS, n=1, cutoff=0.5)
        raise _err(path, "design", f"{design!r} is not a design; choose one of {', '.join(map(repr, DESIGNS))}"
                   + (f" (did you mean {m[0]!r}?)" if m else ""))

    samples = _int(raw, "samples", path, low=2)
    if design == "factorial":
        if samples is not None:
            raise _err(path, "samples", "not used by design = \"factorial\" (its size is the product of the levels); remove it")
    elif samples is None:
        raise _err(path, "samples", f"missing; design = {design!r} needs samples (the number of "
                   + {"lhs": "design rows", "morris": "trajectories", "sobol": "base samples N, a power of 2"}[design] + ")")
    if design == "sobol" and samples & (samples - 1):
        lo = 1 << (samples.bit_length() - 1)
        raise _err(path, "samples", f"Sobol' sampling needs a power of 2, got {samples}; use {lo} or {lo * 2}")

    replicates = _int(raw, "replicates", path, low=1, default=None)
    seeds = raw.get("seeds")
    if seeds is not None:
        if (not isinstance(seeds, list) or not seeds
                or any(isinstance(s, bool) or not isinstance(s, int) for s in seeds)
                or len(set(seeds)) != len(seeds)):
            raise _err(path, "seeds", f"must be a list of distinct whole numbers, got {seeds!r}")
        if replicates is not None and replicates != len(seeds):
            raise _err(path, "replicates", f"is {replicates} but seeds lists {len(seeds)} seeds; give one of them")
        replicates = len(seeds)
    else:
        replicates = replicates or 1
        seeds = list(range(1, replicates + 1))

    sample_seed = _int(raw, "sample_seed", path, low=0, default=1)
    second_order = raw.get("second_order", False)
    if not isinstance(second_order, bool):
        raise _err(path, "second_order", f"must be true or false, got {second_order!r}")
    if "second_order" in raw and design != "sobol":
        raise _err(path, "second_order", "only used by design = \"sobol\"")
    levels = _int(raw, "levels", path, low=2, default=4)
    if "levels" in raw and design != "morris":
        raise _err(path, "levels", "only used by design = \"morris\" (the grid levels of each factor); "
                   "for a factorial design give each factor's levels as a list")

    # -- factors
    fac_raw = raw.get("factors")
    if not isinstance(fac_raw, dict) or not fac_raw:
        raise _err(path, "factors", 'missing or empty; e.g. [factors] "policy.budget.treatment" = [2.0e8, 2.0e9]')
    factors = [_factor(k, v, design, path) for k, v in fac_raw.items()]

    # validate every factor's key and values against the scenario
    probe = copy.deepcopy(base)
    for f in factors:
        values = f.levels if f.levels is not None else [_cast(f, f.low), _cast(f, f.high)]
        for v in values:
            try:
                set_value(probe, f.key, v)
            except ScenarioError as e:
                raise SweepError(f"{_where(path)}[factors] {getattr(e, 'message', e)}") from None

    # -- outputs
    out_raw = raw.get("outputs")
    outputs_given = out_raw is not None
    if out_raw is None:
        outputs = {c: DEFAULT_SUMMARY for c in DEFAULT_OUTPUTS}
    elif isinstance(out_raw, list):
        if not out_raw or not all(isinstance(c, str) and c for c in out_raw):
            raise _err(path, "outputs", f"must be a list of output column names or a table column = summary, got {out_raw!r}")
        outputs = {c: DEFAULT_SUMMARY for c in out_raw}
    elif isinstance(out_raw, dict) and out_raw:
        outputs = {}
        for c, how in out_raw.items():
            try:
                parse_summary(how)
            except ValueError:
                raise _err(path, f"outputs.{c}", f"unknown summary {how!r}; use mean, sum, last, first, min, max, "
                           "mean_last_N, sum_last_N, mean_first_N or sum_first_N (e.g. mean_last_12)") from None
            outputs[c] = how
    else:
        raise _err(path, "outputs", f"must be a list of output column names or a table column = summary, got {out_raw!r}")

    return SweepSpec(
        name=name.strip(), base=base, design=design, factors=factors, outputs=outputs, samples=samples,
        replicates=replicates, seeds=list(seeds), sample_seed=sample_seed, second_order=second_order,
        levels=levels, outputs_given=outputs_given, path=path, raw=raw, compare_to=compare_to,
    )


def _factor(key: str, v: Any, design: str, path) -> Factor:
    k = f"factors.{key}"
    if design == "factorial":
        levels = v.get("levels") if isinstance(v, dict) else v
        if isinstance(v, dict) and set(v) - {"levels"}:
            raise _err(path, k, f"a factorial factor is a list of levels (or {{ levels = [...] }}), got keys {sorted(v)}")
        if not isinstance(levels, list) or not levels:
            raise _err(path, k, f"a factorial design needs a non-empty list of levels, got {v!r}")
        if any(isinstance(x, (dict, list)) for x in levels):
            raise _err(path, k, "levels must be single values (numbers, true/false or text)")
        if len(set(map(repr, levels))) != len(levels):
            raise _err(path, k, f"levels repeat: {levels!r}")
        return Factor(key, levels=list(levels))
    log = False
    if isinstance(v, list):
        if len(v) != 2:
            raise _err(path, k, f"design = {design!r} needs bounds [low, high], got {v!r}")
        low, high = v
    elif isinstance(v, dict):
        extra = set(v) - {"low", "high", "log"}
        if extra:
            raise _err(path, k, f"unknown keys {sorted(extra)}; a factor is {{ low = ..., high = ..., log = false }}")
        if "low" not in v or "high" not in v:
            raise _err(path, k, "needs both low and high")
        low, high, log = v["low"], v["high"], v.get("log", False)
        if not isinstance(log, bool):
            raise _err(path, k + ".log", f"must be true or false, got {log!r}")
    else:
        raise _err(path, k, f"design = {design!r} needs bounds [low, high] or {{ low = ..., high = ... }}, got {v!r}")
    if not (_num(low) and _num(high)):
        raise _err(path, k, f"bounds must be numbers, got [{low!r}, {high!r}]"
                   + ("; switches (true/false, text) can only be factors of a factorial design" if not _num(low) else ""))
    if not low < high:
        raise _err(path, k, f"low must be below high, got [{low!r}, {high!r}]")
    if log and low <= 0:
        raise _err(path, k, f"log = true needs low > 0, got {low!r}")
    integer = isinstance(low, int) and isinstance(high, int)
    return Factor(key, low=low, high=high, log=log, integer=integer)


def _cast(f: Factor, x: float) -> Any:
    if f.levels is not None:
        return x
    if f.integer:
        return int(round(float(x)))
    return float(x)


# --------------------------------------------------------------------------- design
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
            cols[f.key] = [_cast(f, v) for v in vals]
        df = pd.DataFrame(cols, columns=names)
    df.insert(0, "row", np.arange(len(df), dtype="int64"))
    return df, X


def design_tasks(spec: SweepSpec, design: pd.DataFrame) -> list[Task]:
    """One task per design row and seed: task id = row x replicates + replicate. With ``compare_to``,
    two (arm 0 the base, arm 1 the comparison): task id = 2 x (row x replicates + replicate) + arm."""
    from model.scenario import ScenarioError, set_value

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
                    raise SweepError(f"{_where(spec.path)}[factors] design row {row[0]}: "
                                     f"{getattr(e, 'message', e)}") from None
            dicts.append(scenario_to_dict(s))
        for r, seed in enumerate(spec.seeds):
            tid = int(row[0]) * spec.replicates + r
            if spec.compare_to is None:
                tasks.append(Task(tid, dicts[0], int(seed), {"design_row": int(row[0]), "replicate": r}))
            else:
                for arm, d in enumerate(dicts):
                    tasks.append(Task(2 * tid + arm, d, int(seed),
                                      {"design_row": int(row[0]), "replicate": r, "arm": arm}))
    return tasks


def effects(runs: pd.DataFrame, outputs: Sequence[str]) -> pd.DataFrame:
    """Per design row and seed: each output's base value minus its comparison value (``arm`` 0 minus 1),
    with both kept as ``<output>_base`` and ``<output>_comparison``. Pairs missing an arm are dropped."""
    key = ["design_row", "replicate", "seed"]
    a = runs[runs["arm"] == 0].set_index(key)[list(outputs)]
    b = runs[runs["arm"] == 1].set_index(key)[list(outputs)]
    both = a.merge(b, how="inner", left_index=True, right_index=True, suffixes=("_base", "_comparison"))
    for c in outputs:
        both[c] = both[f"{c}_base"] - both[f"{c}_comparison"]
    return both.reset_index()


# --------------------------------------------------------------------------- summaries
def summarize_runs(df: pd.DataFrame, outputs: dict[str, str]) -> pd.DataFrame:
    """One row per task: ``task_id`` (and design_row, replicate, seed where present) and
    each output summarised over the run's months as ``outputs`` says."""
    keys = [c for c in ("task_id", "design_row", "replicate", "arm", "seed", "scenario") if c in df.columns]
    if "month" not in df.columns:
        df = df.assign(month=df.groupby("task_id").cumcount() + 1)
    df = df.sort_values(["task_id", "month"], kind="stable")
    out = df.groupby("task_id", sort=True)[[c for c in keys if c != "task_id"]].first()
    month = df["month"]
    for col, how in outputs.items():
        stat, window, n = parse_summary(how)
        sub = df
        if window == "last":
            sub = df[month > month.groupby(df["task_id"]).transform("max") - n]
        elif window == "first":
            sub = df[month < month.groupby(df["task_id"]).transform("min") + n]
        if stat in ("first", "last"):
            vals = sub.drop_duplicates("task_id", keep=stat).set_index("task_id")[col]
        else:
            vals = getattr(sub.groupby("task_id", sort=True)[col], stat)()
        out[col] = vals.astype(float)
    return out.reset_index()


def _missing_outputs(spec: SweepSpec, columns: Sequence[str]) -> dict[str, str]:
    missing = [c for c in spec.outputs if c not in columns]
    if missing and spec.outputs_given:
        c = missing[0]
        m = difflib.get_close_matches(c, [x for x in columns if x not in ("task_id", "month")], n=1, cutoff=0.6)
        raise _err(spec.path, f"outputs.{c}", "is not an output column of the results"
                   + (f"; did you mean '{m[0]}'?" if m else ""))
    return {c: h for c, h in spec.outputs.items() if c in columns}


# --------------------------------------------------------------------------- analysis
def analyze(spec: SweepSpec, design: pd.DataFrame, X: np.ndarray | None, runs: pd.DataFrame) -> pd.DataFrame:
    """The sensitivity table for the design (see the module docstring for its columns).
    ``runs``: :func:`summarize_runs` output with ``design_row``."""
    outputs = [c for c in spec.outputs if c in runs.columns]
    per_row = runs.groupby("design_row", sort=True)[outputs].mean()
    n_rows = len(design)
    if len(per_row) != n_rows:
        raise SweepError(f"the analysis needs every design row; {n_rows - len(per_row)} rows have no finished run")
    names = [f.key for f in spec.factors]
    records: list[dict] = []
    if spec.design == "sobol":
        from SALib.analyze import sobol as sobol_analyze

        problem = spec.problem()
        for col in outputs:
            Y = per_row[col].to_numpy(dtype=float)
            Si = sobol_analyze.analyze(problem, Y, calc_second_order=spec.second_order, seed=spec.sample_seed)
            for j, f in enumerate(names):
                records.append({"output": col, "factor": f, "S1": Si["S1"][j], "S1_conf": Si["S1_conf"][j],
                                "ST": Si["ST"][j], "ST_conf": Si["ST_conf"][j]})
    elif spec.design == "morris":
        from SALib.analyze import morris as morris_analyze

        problem = spec.problem()
        for col in outputs:
            Y = per_row[col].to_numpy(dtype=float)
            Si = morris_analyze.analyze(problem, X, Y, num_levels=spec.levels, seed=spec.sample_seed)
            for j, f in enumerate(names):
                records.append({"output": col, "factor": f, "mu": Si["mu"][j], "mu_star": Si["mu_star"][j],
                                "sigma": Si["sigma"][j], "mu_star_conf": Si["mu_star_conf"][j]})
    elif spec.design == "lhs":
        from scipy.stats import spearmanr

        for col in outputs:
            Y = per_row[col].to_numpy(dtype=float)
            for j, f in enumerate(names):
                x = X[:, j]
                if np.ptp(Y) == 0 or np.ptp(x) == 0:
                    rho, pv = float("nan"), float("nan")
                else:
                    res = spearmanr(x, Y)
                    rho, pv = float(res.statistic), float(res.pvalue)
                records.append({"output": col, "factor": f, "rho": rho, "p_value": pv})
    else:  # factorial: main effects
        merged = design.set_index("row").join(per_row, how="inner")
        for col in outputs:
            grand = merged[col].mean()
            for f in names:
                for level, grp in merged.groupby(f, sort=False)[col]:
                    records.append({"output": col, "factor": f, "level": level, "mean": grp.mean(),
                                    "effect": grp.mean() - grand, "n_rows": len(grp)})
    return pd.DataFrame.from_records(records)


# --------------------------------------------------------------------------- running
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
    out: str | os.PathLike | None = None,
    simulate=None,
    backend: str | None = None,
    workers: int | None = None,
    address: str | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress=None,
    command: list[str] | str | None = None,
    figure: bool = True,
) -> SweepResult:
    """Run a sweep file's design and analyse it. Default ``out``: results/<sweep name>.

    Runs that fail are recorded in the manifest; the analysis then is skipped
    (``note`` says why) for designs that need every row (sobol, morris), and done
    on the finished rows otherwise.
    """
    spec = sweep if isinstance(sweep, SweepSpec) else load_sweep(sweep)
    out = Path(out) if out is not None else Path("results") / spec.name
    design, X = sample_design(spec)
    tasks = design_tasks(spec, design)
    design_out = design.copy()
    design_out["seeds"] = [list(spec.seeds)] * len(design_out)
    description = {
        "sweep_file": str(spec.path) if spec.path else None,
        "sweep": _plain(spec.raw),
        "design": spec.design,
        "factors": [f.__dict__ for f in spec.factors],
        "samples": spec.samples,
        "replicates": spec.replicates,
        "sample_seed": spec.sample_seed,
        "rows": len(design),
        "outputs": spec.outputs,
        "base": scenario_to_dict(spec.base),
        "compare_to": scenario_to_dict(spec.compare_to) if spec.compare_to is not None else None,
    }
    # the design goes to OUT before any run, so a killed sweep's directory describes itself
    store = ResultStore(out)
    check_output_dir(store, tasks, resume=resume, overwrite=overwrite)
    if overwrite:
        store.clear()
    atomic_write_parquet(_parquet_safe(design_out), out / "design.parquet")
    report = run_tasks(
        tasks, simulate=simulate, backend=backend, workers=workers, address=address, out=out,
        resume=resume, progress=progress, kind="sweep", command=command,
        design=description, seeds=spec.seeds,
    )
    return analyze_sweep(spec, out, design=design, X=X, report=report, figure=figure)


def analyze_sweep(spec: SweepSpec, out: Path, *, design: pd.DataFrame, X, report: RunReport,
                  figure: bool = True) -> SweepResult:
    """Summarise the finished runs of ``out`` and write outputs.parquet, sensitivity.csv/png."""
    res = SweepResult(spec, out, design, None, None, report)
    if report.n_done == 0:
        res.note = "no run finished"
        return res
    import pyarrow.parquet as pq

    first = ResultStore(out).existing_parts()[0]
    outputs = _missing_outputs(spec, pq.read_schema(first).names)
    if not outputs:
        res.note = "none of the outputs is a column of the results"
        return res
    df = read_results(out, columns=list(outputs) + ["design_row", "replicate", "seed"]
                      + (["arm"] if spec.compare_to is not None else []))
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


def format_sensitivity(table: pd.DataFrame, design: str) -> str:
    """A short text table of the sensitivity results, largest effects first. Morris mu*
    and sigma, and factorial effects, are in the output's units (per factor range)."""
    from .numbers import fmt_number as n

    if table is None or not len(table):
        return "(no sensitivity results)"
    lines = []
    key = {"sobol": "ST", "morris": "mu_star", "lhs": "rho", "factorial": "effect"}[design]
    for out, grp in table.groupby("output", sort=False):
        lines.append(f"{out}:")
        if design == "factorial":
            for _, r in grp.iterrows():
                lines.append(f"  {r['factor']} = {r['level']!s:<12} mean {n(r['mean'])} (effect {n(r['effect'])})")
            continue
        order = grp.reindex(grp[key].abs().sort_values(ascending=False).index)
        for _, r in order.iterrows():
            if design == "sobol":
                lines.append(f"  {r['factor']:<45} S1 {r['S1']:6.3f} +/- {r['S1_conf']:.3f}   "
                             f"ST {r['ST']:6.3f} +/- {r['ST_conf']:.3f}")
            elif design == "morris":
                lines.append(f"  {r['factor']:<45} mu* {n(r['mu_star'])} (+/- {n(r['mu_star_conf'])})   "
                             f"sigma {n(r['sigma'])}")
            else:
                lines.append(f"  {r['factor']:<45} Spearman rho {r['rho']:+.3f} (p = {r['p_value']:.2g})")
    return "\n".join(lines)
