"""The optimisation file (TOML) of ``drugmarket optimize``: which budgets to allocate, under which
constraints, to minimise what. experiments/optimizations/example.toml documents every key.

Budgets are decision variables between a floor and a cap (USD a year). With a fixed ``total`` (default:
the base scenario's total over the programmes optimised) a point of the search is a stick-breaking
sequence: the first programme gets a share x1 of the money above the floors, the second a share x2
of the rest, and so on, the last the remainder; caps are constraints. So every allocation the
optimiser proposes spends the total exactly, and the corners (everything to one programme) are
reachable. Stick-breaking favours the programmes listed first (a random point leaves the last ones
little); ``search_space = "weights"`` treats them alike: each programme gets a weight x_i and the
share x_i / sum(x).

One objective can be refined: ``refine = "cmaes"`` adds ``refine_trials`` trials of CMA-ES after the
search, a local search started from the search's best (experiments/optimize.py).
"""

from __future__ import annotations

import difflib
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model.policy import PROGRAMS, STATUS_QUO_BUDGET
from model.scenario import load_scenario, scenario_from_dict
from model.scenario.build import apply_overrides

from .errors import ExperimentError
from .tasks import scenario_to_dict

TOP_KEYS = ("name", "base", "preset", "months", "seeds", "replicates", "objectives", "weights", "trials",
            "sampler", "sampler_seed", "total", "max_change", "programmes", "set", "candidates",
            "search_space", "refine", "refine_trials")
REFINERS = ("none", "cmaes")
#: the CMA-ES refinement starts from the best 10% of the search's trials, so it needs ten of them
MIN_TRIALS_TO_REFINE = 10
SEARCH_SPACES = ("stick-breaking", "weights")
SAMPLERS = ("tpe", "nsga2", "random")
#: objectives that are not a single output column
DERIVED = ("net_monetary_benefit", "weighted_index")


class OptimizeError(ExperimentError):
    """A malformed optimisation file: names the key and what is allowed."""


@dataclass
class OptimizeSpec:
    name: str
    base: dict                      # the base scenario as a dict (scenario_to_dict)
    programmes: dict[str, tuple[float, float]]  # decision variables: floor, cap (USD a year)
    objectives: list[str]
    weights: dict[str, float] = field(default_factory=dict)
    seeds: list[int] = field(default_factory=lambda: [1, 2])
    trials: int = 40
    sampler: str = "tpe"
    sampler_seed: int = 1
    total: float | None = None      # None: budgets move freely between floor and cap
    candidates: dict[str, dict[str, float]] = field(default_factory=dict)  # name -> budgets, tried after the base
    search_space: str = "stick-breaking"  # how a point shares a fixed total: "stick-breaking" or "weights"
    refine: str = "none"            # "cmaes": a local search after the trials, from the best of them
    refine_trials: int = 0          # trials of the refinement, after ``trials``
    path: Path | None = None
    raw: dict = field(default_factory=dict)

    @property
    def multi(self) -> bool:
        return len(self.objectives) > 1

    @property
    def all_trials(self) -> int:
        """The search's trials and the refinement's."""
        return self.trials + self.refine_trials

    def check_refine(self) -> None:
        """``trials`` may be changed after loading (``--trials``): the refinement still needs ten."""
        if self.refine != "none" and self.trials < MIN_TRIALS_TO_REFINE:
            raise _err("trials", f"= {self.trials}: refine = \"{self.refine}\" starts from the best 10% of the "
                       f"search's trials, so trials must be at least {MIN_TRIALS_TO_REFINE}")

    def base_budget(self, program: str) -> float:
        b = self.base["policy"]["budget"].get(program, STATUS_QUO_BUDGET[program])
        return float(sum(b.values())) if isinstance(b, dict) else float(b)


def load_optimize(path: str | Path) -> OptimizeSpec:
    p = Path(path)
    if not p.is_file():
        raise OptimizeError(f"{p}: no such optimisation file")
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise OptimizeError(f"{p}: not valid TOML ({e})") from None
    return optimize_from_dict(raw, path=p)


def _err(key: str, message: str) -> OptimizeError:
    return OptimizeError(f"{key} {message}" if message.startswith("=") else f"{key}: {message}")


def _number(raw: dict, key: str, low: float, high: float, default: Any = None, whole: bool = False) -> Any:
    v = raw.get(key, default)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not low <= v <= high \
            or (whole and v != int(v)):
        kind = "a whole number" if whole else "a number"
        raise _err(key, f"= {v!r}: must be {kind} in [{low:g}, {high:g}]")
    return int(v) if whole else float(v)


def optimize_from_dict(raw: dict, *, path: Path | None = None) -> OptimizeSpec:
    for k in raw:
        if k not in TOP_KEYS:
            near = difflib.get_close_matches(k, TOP_KEYS, n=1, cutoff=0.6)
            raise _err(k, "unknown key" + (f"; did you mean '{near[0]}'?" if near else f"; allowed: {', '.join(TOP_KEYS)}"))
    base = _base(raw, path)
    objectives, weights = _objectives(raw)
    programmes = _programmes(raw, base)
    seeds = raw.get("seeds")
    if seeds is None:
        seeds = list(range(1, _number(raw, "replicates", 1, 1000, 2, whole=True) + 1))
    elif not isinstance(seeds, list) or not seeds or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0
                                                              for s in seeds):
        raise _err("seeds", f"= {seeds!r}: must be a non-empty list of whole numbers >= 0")
    search_space = raw.get("search_space", "stick-breaking")
    if search_space not in SEARCH_SPACES:
        raise _err("search_space", f"= {search_space!r}: must be one of {', '.join(SEARCH_SPACES)}")
    sampler = raw.get("sampler", "nsga2" if len(objectives) > 1 else "tpe")
    if sampler not in SAMPLERS:
        raise _err("sampler", f"= {sampler!r}: must be one of {', '.join(SAMPLERS)}")
    spec = OptimizeSpec(
        name=str(raw.get("name", path.stem if path else "optimize")), base=base, programmes=programmes,
        objectives=objectives, weights=weights, seeds=list(seeds),
        trials=_number(raw, "trials", 1, 100000, 40, whole=True), sampler=sampler,
        sampler_seed=_number(raw, "sampler_seed", 0, 2**31 - 1, 1, whole=True), path=path, raw=raw,
        search_space=search_space)
    spec.refine, spec.refine_trials = _refine(raw, spec)
    spec.check_refine()
    spec.total = _total(raw, spec)
    spec.candidates = _candidates(raw, spec, path)
    return spec


def _refine(raw: dict, spec: OptimizeSpec) -> tuple[str, int]:
    refine = raw.get("refine", "none")
    if refine not in REFINERS:
        raise _err("refine", f"= {refine!r}: must be one of {', '.join(REFINERS)}")
    if refine == "none":
        if "refine_trials" in raw:
            raise _err("refine_trials", "needs refine = \"cmaes\" (without a refinement there are no refinement trials)")
        return "none", 0
    if spec.multi:
        raise _err("refine", f"= {refine!r}: refines one objective; this file has {len(spec.objectives)} (a Pareto "
                   "front), so leave refine out")
    return refine, _number(raw, "refine_trials", 1, 100000, 100, whole=True)


def _scenario_ref(value: str, path: Path | None) -> str:
    """A scenario file relative to the optimisation file, else the value as given (a path or a shipped name)."""
    ref = Path(str(value))
    if path is not None and not ref.is_absolute() and (path.parent / ref).is_file():
        ref = path.parent / ref
    return str(ref) if ref.is_file() else str(value)


def _base(raw: dict, path: Path | None) -> dict:
    base = raw.get("base", "status_quo")
    sets = [f"{k}={_toml_value(v)}" for k, v in (raw.get("set") or {}).items()]
    for key in ("preset", "months"):
        if key in raw:
            sets.append(f"{key}={_toml_value(raw[key])}")
    # a malformed base or [set] raises the scenario's own error, which names the key
    if isinstance(base, dict):
        sc = apply_overrides(scenario_from_dict(base), sets)
    else:
        sc = load_scenario(_scenario_ref(base, path), sets)
    return scenario_to_dict(sc)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{v}"'
    return repr(v)


def _objectives(raw: dict) -> tuple[list[str], dict[str, float]]:
    obj = raw.get("objectives", ["overdose_deaths"])
    if isinstance(obj, str):
        obj = [obj]
    if not isinstance(obj, list) or not obj or not all(isinstance(o, str) and o for o in obj):
        raise _err("objectives", f"= {obj!r}: must be an output column or a list of them (minimised), or one of "
                   f"{', '.join(DERIVED)}")
    weights = raw.get("weights") or {}
    if "weighted_index" in obj:
        if len(obj) > 1:
            raise _err("objectives", "weighted_index is a single objective; give its columns under [weights]")
        if not weights:
            raise _err("weights", "weighted_index needs [weights]: output column = weight")
    for k, w in weights.items():
        if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w) or w < 0:
            raise _err(f"weights.{k}", f"= {w!r}: must be a number >= 0")
    if "net_monetary_benefit" in obj and len(obj) > 1:
        raise _err("objectives", "net_monetary_benefit is a single objective")
    return list(obj), {k: float(w) for k, w in weights.items()}


def _programmes(raw: dict, base: dict) -> dict[str, tuple[float, float]]:
    table = raw.get("programmes")
    if not isinstance(table, dict) or not table:
        raise _err("programmes", f"missing: a table of programme = [floor, cap] (USD a year); programmes: "
                   f"{', '.join(PROGRAMS)}")
    max_change = _number(raw, "max_change", 0.0, 100.0)
    out = {}
    for prog, bounds in table.items():
        if prog not in PROGRAMS:
            near = difflib.get_close_matches(prog, PROGRAMS, n=1, cutoff=0.6)
            raise _err(f"programmes.{prog}", "unknown programme" + (f"; did you mean '{near[0]}'?" if near else
                                                                    f"; allowed: {', '.join(PROGRAMS)}"))
        if not (isinstance(bounds, list) and len(bounds) == 2 and all(
                isinstance(b, (int, float)) and not isinstance(b, bool) and math.isfinite(b) and b >= 0 for b in bounds)
                and bounds[0] <= bounds[1]):
            raise _err(f"programmes.{prog}", f"= {bounds!r}: must be [floor, cap], USD a year, 0 <= floor <= cap")
        low, high = float(bounds[0]), float(bounds[1])
        if max_change is not None:  # no more than max_change x today's budget away from today's
            b = base["policy"]["budget"].get(prog, STATUS_QUO_BUDGET[prog])
            today = float(sum(b.values())) if isinstance(b, dict) else float(b)
            low, high = max(low, today * (1 - max_change)), min(high, today * (1 + max_change))
            if low > high:
                raise _err(f"programmes.{prog}", f"[{bounds[0]:g}, {bounds[1]:g}] leaves nothing within max_change "
                           f"= {max_change:g} of today's {today:g}")
        out[prog] = (low, high)
    return out


def _total(raw: dict, spec: OptimizeSpec) -> float | None:
    total = raw.get("total", "base")
    if total == "free":
        return None
    if total == "base":
        total = sum(spec.base_budget(p) for p in spec.programmes)
    elif isinstance(total, bool) or not isinstance(total, (int, float)) or not math.isfinite(total) or total < 0:
        raise _err("total", f"= {total!r}: must be USD a year, \"base\" (the base's total over the programmes "
                   "optimised) or \"free\"")
    floors = sum(lo for lo, _ in spec.programmes.values())
    caps = sum(hi for _, hi in spec.programmes.values())
    if not floors <= total <= caps:
        raise _err("total", f"= {total:g}: the floors sum to {floors:g} and the caps to {caps:g}; the total must "
                   "lie between them")
    return float(total)


def _candidates(raw: dict, spec: OptimizeSpec, path: Path | None) -> dict[str, dict[str, float]]:
    """The budgets of the scenarios under ``candidates``, each run as a trial after the base (so the study
    scores them on the same seeds, and the search starts from them too). A candidate may differ from the
    base in the budgets of the programmes optimised only, and must spend the same total."""
    names = raw.get("candidates", [])
    if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
        raise _err("candidates", f"= {names!r}: must be a list of scenario files or shipped scenario names")
    out = {}
    for name in names:
        try:
            cand = scenario_to_dict(load_scenario(_scenario_ref(name, path)))
        except (ValueError, OSError) as e:  # the scenario's own message names its key
            raise _err(f"candidates ({name})", str(e)) from None
        budgets = {p: _sum(cand["policy"]["budget"].get(p, STATUS_QUO_BUDGET[p])) for p in PROGRAMS}
        base = {p: spec.base_budget(p) for p in PROGRAMS}
        moved = [p for p in PROGRAMS if p not in spec.programmes and not math.isclose(budgets[p], base[p])]
        if moved:
            raise _err(f"candidates ({name})", f"changes the budget of {', '.join(moved)}, which this file does not "
                       "optimise")
        same = {k: v for k, v in cand.items() if k not in ("name", "preset", "months")}
        same["policy"] = {k: v for k, v in cand["policy"].items() if k != "budget"}
        ref = {k: v for k, v in spec.base.items() if k not in ("name", "preset", "months")}
        ref["policy"] = {k: v for k, v in spec.base["policy"].items() if k != "budget"}
        if same != ref:
            raise _err(f"candidates ({name})", "differs from the base in more than budgets (switches, events or "
                       "parameters); a candidate is a budget allocation only")
        spent = sum(budgets[p] for p in spec.programmes)
        if spec.total is not None and not math.isclose(spent, spec.total, rel_tol=1e-9):
            raise _err(f"candidates ({name})", f"spends {spent:g} on the programmes optimised; the total is "
                       f"{spec.total:g}")
        out[cand["name"]] = {p: budgets[p] for p in spec.programmes}
    return out


def _sum(budget: Any) -> float:
    return float(sum(budget.values())) if isinstance(budget, dict) else float(budget)
