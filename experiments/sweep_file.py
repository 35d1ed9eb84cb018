"""The sweep file (TOML): read it and check every key, naming the file and key at fault.

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
"""

from __future__ import annotations

import copy
import difflib
import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ExperimentError

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
def where(path: Path | None) -> str:
    return f"{path}: " if path is not None else ""


def sweep_error(path: Path | None, key: str, msg: str) -> SweepError:
    return SweepError(f"{where(path)}{key}: {msg}")


def _int(d: dict, key: str, path, *, low: int, default=None, required: bool = False) -> int | None:
    if key not in d:
        if required:
            raise sweep_error(path, key, "missing")
        return default
    v = d[key]
    if isinstance(v, bool) or not isinstance(v, int) or v < low:
        raise sweep_error(path, key, f"must be a whole number >= {low}, got {v!r}")
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
            raise sweep_error(path, key, f"must be a scenario file name or a [{key}] table, got {given!r}")
        for k in ("months", "preset"):
            if k in raw:
                set_value(sc, k, raw[k])
        fixed = raw.get("set", {})
        if not isinstance(fixed, dict):
            raise sweep_error(path, "set", 'must be a table of "dotted.key" = value')
        for k, v in fixed.items():
            set_value(sc, k, v)
    except ScenarioError as e:
        raise SweepError(f"{where(path)}{key} scenario: {e}") from None
    return sc


def sweep_from_dict(raw: dict, *, path: Path | None = None) -> SweepSpec:
    """Validate a parsed sweep file (``path``: where relative base paths start)."""
    _check_top_keys(raw, path)
    name = _name(raw, path)
    base, compare_to = _scenarios(raw, path)
    design = _design(raw, path)
    samples = _samples(raw, design, path)
    replicates, seeds = _replicates_and_seeds(raw, path)
    sample_seed = _int(raw, "sample_seed", path, low=0, default=1)
    second_order, levels = _design_options(raw, design, path)
    factors = _factors(raw, design, base, path)
    outputs = _outputs(raw.get("outputs"), path)
    return SweepSpec(
        name=name, base=base, design=design, factors=factors, outputs=outputs, samples=samples,
        replicates=replicates, seeds=seeds, sample_seed=sample_seed, second_order=second_order,
        levels=levels, outputs_given=raw.get("outputs") is not None, path=path, raw=raw, compare_to=compare_to,
    )


def _check_top_keys(raw: dict, path: Path | None) -> None:
    for k in raw:
        if k not in TOP_KEYS:
            m = difflib.get_close_matches(k, TOP_KEYS, n=1, cutoff=0.6)
            hint = f"; did you mean '{m[0]}'?" if m else f"; allowed: {', '.join(TOP_KEYS)}"
            raise sweep_error(path, k, "unknown key" + hint)


def _name(raw: dict, path: Path | None) -> str:
    name = raw.get("name", path.stem if path is not None else "sweep")
    if not isinstance(name, str) or not name.strip() or "/" in name or "\\" in name:
        raise sweep_error(path, "name", f"must be a non-empty name without slashes, got {name!r}")
    return name.strip()


def _scenarios(raw: dict, path: Path | None) -> tuple[Any, Any]:
    """The base scenario and the comparison scenario (or None), built the same way."""
    base = _sweep_scenario(path, raw, "base", raw.get("base"))
    compare_to = _sweep_scenario(path, raw, "compare_to", raw["compare_to"]) if "compare_to" in raw else None
    if compare_to is not None and (compare_to.months != base.months or compare_to.preset != base.preset):
        raise sweep_error(path, "compare_to", f"runs {compare_to.months} months at preset {compare_to.preset!r} but the "
                   f"base runs {base.months} at {base.preset!r}; set months and preset at the top of the sweep file")
    return base, compare_to


def _design(raw: dict, path: Path | None) -> str:
    design = raw.get("design")
    if design is None:
        raise sweep_error(path, "design", f"missing; choose one of {', '.join(map(repr, DESIGNS))}")
    if design not in DESIGNS:
        m = difflib.get_close_matches(str(design), DESIGNS, n=1, cutoff=0.5)
        raise sweep_error(path, "design", f"{design!r} is not a design; choose one of {', '.join(map(repr, DESIGNS))}"
                   + (f" (did you mean {m[0]!r}?)" if m else ""))
    return design


def _samples(raw: dict, design: str, path: Path | None) -> int | None:
    samples = _int(raw, "samples", path, low=2)
    if design == "factorial":
        if samples is not None:
            raise sweep_error(path, "samples", "not used by design = \"factorial\" (its size is the product of the levels); remove it")
    elif samples is None:
        raise sweep_error(path, "samples", f"missing; design = {design!r} needs samples (the number of "
                   + {"lhs": "design rows", "morris": "trajectories", "sobol": "base samples N, a power of 2"}[design] + ")")
    if design == "sobol" and samples & (samples - 1):
        lo = 1 << (samples.bit_length() - 1)
        raise sweep_error(path, "samples", f"Sobol' sampling needs a power of 2, got {samples}; use {lo} or {lo * 2}")
    return samples


def _replicates_and_seeds(raw: dict, path: Path | None) -> tuple[int, list[int]]:
    """Seeds per design row: ``seeds = [...]``, or 1..``replicates`` (default 1)."""
    replicates = _int(raw, "replicates", path, low=1, default=None)
    seeds = raw.get("seeds")
    if seeds is None:
        replicates = replicates or 1
        return replicates, list(range(1, replicates + 1))
    if (not isinstance(seeds, list) or not seeds
            or any(isinstance(s, bool) or not isinstance(s, int) for s in seeds)
            or len(set(seeds)) != len(seeds)):
        raise sweep_error(path, "seeds", f"must be a list of distinct whole numbers, got {seeds!r}")
    if replicates is not None and replicates != len(seeds):
        raise sweep_error(path, "replicates", f"is {replicates} but seeds lists {len(seeds)} seeds; give one of them")
    return len(seeds), list(seeds)


def _design_options(raw: dict, design: str, path: Path | None) -> tuple[bool, int]:
    """``second_order`` (sobol only) and ``levels`` (morris only)."""
    second_order = raw.get("second_order", False)
    if not isinstance(second_order, bool):
        raise sweep_error(path, "second_order", f"must be true or false, got {second_order!r}")
    if "second_order" in raw and design != "sobol":
        raise sweep_error(path, "second_order", "only used by design = \"sobol\"")
    levels = _int(raw, "levels", path, low=2, default=4)
    if "levels" in raw and design != "morris":
        raise sweep_error(path, "levels", "only used by design = \"morris\" (the grid levels of each factor); "
                   "for a factorial design give each factor's levels as a list")
    return second_order, levels


def _factors(raw: dict, design: str, base: Any, path: Path | None) -> list[Factor]:
    """The factors, each key and value checked against the base scenario."""
    from model.scenario import ScenarioError, set_value

    fac_raw = raw.get("factors")
    if not isinstance(fac_raw, dict) or not fac_raw:
        raise sweep_error(path, "factors", 'missing or empty; e.g. [factors] "policy.budget.treatment" = [2.0e8, 2.0e9]')
    factors = [_factor(k, v, design, path) for k, v in fac_raw.items()]
    probe = copy.deepcopy(base)
    for f in factors:
        values = f.levels if f.levels is not None else [cast_value(f, f.low), cast_value(f, f.high)]
        for v in values:
            try:
                set_value(probe, f.key, v)
            except ScenarioError as e:
                raise SweepError(f"{where(path)}[factors] {getattr(e, 'message', e)}") from None
    return factors


def _outputs(out_raw: Any, path: Path | None) -> dict[str, str]:
    """Output column -> summary; a list of columns, or none, gets the default summary."""
    if out_raw is None:
        return {c: DEFAULT_SUMMARY for c in DEFAULT_OUTPUTS}
    if isinstance(out_raw, list):
        if not out_raw or not all(isinstance(c, str) and c for c in out_raw):
            raise sweep_error(path, "outputs", f"must be a list of output column names or a table column = summary, got {out_raw!r}")
        return {c: DEFAULT_SUMMARY for c in out_raw}
    if not isinstance(out_raw, dict) or not out_raw:
        raise sweep_error(path, "outputs", f"must be a list of output column names or a table column = summary, got {out_raw!r}")
    for c, how in out_raw.items():
        try:
            parse_summary(how)
        except ValueError:
            raise sweep_error(path, f"outputs.{c}", f"unknown summary {how!r}; use mean, sum, last, first, min, max, "
                       "mean_last_N, sum_last_N, mean_first_N or sum_first_N (e.g. mean_last_12)") from None
    return dict(out_raw)


def _factor(key: str, v: Any, design: str, path) -> Factor:
    k = f"factors.{key}"
    if design == "factorial":
        levels = v.get("levels") if isinstance(v, dict) else v
        if isinstance(v, dict) and set(v) - {"levels"}:
            raise sweep_error(path, k, f"a factorial factor is a list of levels (or {{ levels = [...] }}), got keys {sorted(v)}")
        if not isinstance(levels, list) or not levels:
            raise sweep_error(path, k, f"a factorial design needs a non-empty list of levels, got {v!r}")
        if any(isinstance(x, (dict, list)) for x in levels):
            raise sweep_error(path, k, "levels must be single values (numbers, true/false or text)")
        if len(set(map(repr, levels))) != len(levels):
            raise sweep_error(path, k, f"levels repeat: {levels!r}")
        return Factor(key, levels=list(levels))
    log = False
    if isinstance(v, list):
        if len(v) != 2:
            raise sweep_error(path, k, f"design = {design!r} needs bounds [low, high], got {v!r}")
        low, high = v
    elif isinstance(v, dict):
        extra = set(v) - {"low", "high", "log"}
        if extra:
            raise sweep_error(path, k, f"unknown keys {sorted(extra)}; a factor is {{ low = ..., high = ..., log = false }}")
        if "low" not in v or "high" not in v:
            raise sweep_error(path, k, "needs both low and high")
        low, high, log = v["low"], v["high"], v.get("log", False)
        if not isinstance(log, bool):
            raise sweep_error(path, k + ".log", f"must be true or false, got {log!r}")
    else:
        raise sweep_error(path, k, f"design = {design!r} needs bounds [low, high] or {{ low = ..., high = ... }}, got {v!r}")
    if not (_num(low) and _num(high)):
        raise sweep_error(path, k, f"bounds must be numbers, got [{low!r}, {high!r}]"
                   + ("; switches (true/false, text) can only be factors of a factorial design" if not _num(low) else ""))
    if not low < high:
        raise sweep_error(path, k, f"low must be below high, got [{low!r}, {high!r}]")
    if log and low <= 0:
        raise sweep_error(path, k, f"log = true needs low > 0, got {low!r}")
    integer = isinstance(low, int) and isinstance(high, int)
    return Factor(key, low=low, high=high, log=log, integer=integer)


def cast_value(f: Factor, x: float) -> Any:
    if f.levels is not None:
        return x
    if f.integer:
        return int(round(float(x)))
    return float(x)
