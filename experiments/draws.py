"""Parameter draws: what we do not know, sampled the same way in every command.

A *draw* is one set of values of the model's uncertain parameters. Draw ``k`` (1, 2, ...) is a pure
function of ``(k, draws seed, parameter name)``: a counter-based hash (the SplitMix64 arithmetic of
model/rng.py) gives each parameter of each draw its own uniform number, so draw ``k`` is the same in
``run``, ``compare``, ``sweep`` and ``voi``, in every scenario, on every backend, and does not change
when parameters are added to the table or when more draws are asked for. Draw 0 is the defaults.

The prior of a parameter follows its grade (docs/ODD.md, "Priors of the uncertain parameters"):

- H (read in the primary source): fixed at its default, unless H is asked for (``grades``);
- M (secondary or computed): triangular on a log scale, peaked at the default, from default / 1.5 to
  default x 1.5;
- L (placeholder or judgement): uniform on a log scale from default / 2 to default x 2;

each cut to the parameter's valid range [low, high]. The valid ranges of parameters.toml are the
values the model accepts, often several orders of magnitude wide, not statements of plausibility: a
prior uniform on them would put most of its weight where no evidence points. The factors 1.5 and 2
are a judgement (itself graded L). Not drawn: switches and choices (true/false, named options), a
parameter whose default is 0 or negative (no scale to vary around), the levers listed in
:data:`LEVERS` (settings of an experiment, not facts about the world) and every parameter the
scenario sets itself (in its file, by ``--set`` or in an event).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any, Iterable

from model.params import PARAMS, Param
from model.rng import PARAM_DRAW, key_py, uniform_py

#: grade -> (shape, factor): the prior's support is [default / factor, default x factor] on a log scale
PRIORS: dict[str, tuple[str, float]] = {
    "H": ("log-triangular", 1.2),
    "M": ("log-triangular", 1.5),
    "L": ("log-uniform", 2.0),
}
#: the grades drawn unless others are asked for
DEFAULT_GRADES = ("M", "L")
#: the draws seed unless another is given: draw k is the same everywhere for this seed
DEFAULT_DRAWS_SEED = 20240
#: the counter stream of parameter draws (model/rng.py owns every stream)
DRAW_STREAM = PARAM_DRAW
#: parameters that set up an experiment rather than describe the world: never drawn
LEVERS = frozenset({
    "sim.burn_in_months",
    "market.farmgate_shock",
    "market.heroin_supply_shock",
    "trafficker.leadership_removal_multiplier",
    "trafficker.member_removal_multiplier",
    "user.naloxone_added_kits_per_100k",
    "farmer.licit_income_index",
    "farmer.licit_income_growth_per_year",
})


@dataclass(frozen=True)
class DrawPlan:
    """How many draws, of which grades, under which draws seed."""

    n: int
    seed: int = DEFAULT_DRAWS_SEED
    grades: tuple[str, ...] = DEFAULT_GRADES

    def indices(self) -> list[int]:
        return list(range(1, self.n + 1))

    def describe(self) -> dict:
        return {"n": self.n, "seed": self.seed, "grades": list(self.grades),
                "priors": {g: {"shape": s, "factor": f} for g, (s, f) in PRIORS.items() if g in self.grades}}


def make_plan(draws: int | DrawPlan | None, seed: int | None = None,
              grades: Iterable[str] | None = None) -> DrawPlan | None:
    """``draws`` as a :class:`DrawPlan` (None or 0: no draws, the defaults only)."""
    from .errors import ExperimentError

    if draws is None or isinstance(draws, DrawPlan):
        return draws
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 0:
        raise ExperimentError(f"the number of draws must be a whole number >= 0, got {draws!r}")
    if draws == 0:
        return None
    g = tuple(dict.fromkeys(str(x).upper() for x in (grades or DEFAULT_GRADES)))
    bad = [x for x in g if x not in PRIORS]
    if bad or not g:
        raise ExperimentError(f"draw grades must be some of {', '.join(PRIORS)}, got {', '.join(map(str, grades or []))}")
    return DrawPlan(draws, DEFAULT_DRAWS_SEED if seed is None else int(seed), g)


def is_drawable(p: Param, grades: Iterable[str] = DEFAULT_GRADES) -> bool:
    """Whether a parameter is drawn at all (its grade, its kind, its default; see the module docstring)."""
    if p.grade not in tuple(grades) or p.name in LEVERS or p.choices is not None:
        return False
    if isinstance(p.default, bool) or not isinstance(p.default, (int, float)):
        return False
    return p.default > 0


def uncertain_parameters(grades: Iterable[str] = DEFAULT_GRADES) -> list[str]:
    """The names of the parameters drawn for ``grades``, in table order."""
    g = tuple(grades)
    return [name for name, p in PARAMS.items() if is_drawable(p, g)]


def support(p: Param) -> tuple[float, float]:
    """The prior's support: [default / factor, default x factor] cut to the valid range."""
    _shape, f = PRIORS[p.grade]
    lo, hi = p.default / f, p.default * f
    if p.low is not None:
        lo = max(lo, float(p.low))
    if p.high is not None:
        hi = min(hi, float(p.high))
    return lo, hi


def _index(name: str) -> int:
    """A parameter's counter index: from its name, so adding parameters moves no other draw."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:7], "big")


def unit_value(k: int, seed: int, name: str) -> float:
    """The uniform number in [0, 1) behind parameter ``name`` in draw ``k``."""
    return uniform_py(key_py(int(seed), DRAW_STREAM, int(k)), _index(name))  # Python ints: no overflow


def prior_value(p: Param, u: float) -> Any:
    """The value of ``p`` at quantile ``u`` of its prior (whole numbers stay whole)."""
    shape, _f = PRIORS[p.grade]
    lo, hi = support(p)
    a, b, c = math.log(lo), math.log(hi), math.log(p.default)
    if b <= a:
        x = lo
    elif shape == "log-uniform":
        x = math.exp(a + u * (b - a))
    else:  # triangular on [a, b] with mode c: the inverse of its distribution function
        fc = (c - a) / (b - a)
        t = a + math.sqrt(u * (b - a) * (c - a)) if u < fc else b - math.sqrt((1 - u) * (b - a) * (b - c))
        x = math.exp(t)
    x = min(max(x, lo), hi)
    if isinstance(p.default, int):
        return int(round(x))
    return float(x)


def draw_values(k: int, seed: int = DEFAULT_DRAWS_SEED, grades: Iterable[str] = DEFAULT_GRADES,
                names: Iterable[str] | None = None) -> dict[str, Any]:
    """Draw ``k``: every uncertain parameter's value (``k`` = 0: the defaults)."""
    names = uncertain_parameters(grades) if names is None else list(names)
    if k == 0:
        return {n: PARAMS[n].default for n in names}
    return {n: prior_value(PARAMS[n], unit_value(k, seed, n)) for n in names}


def fixed_by(scenario: dict) -> set[str]:
    """The parameters a scenario dict sets itself: under [params] (its file or --set) or in an event."""
    fixed = {k.removeprefix("params.") for k in scenario.get("params", {})}
    for ev in scenario.get("events", []):
        fixed |= {k.removeprefix("params.") for k in ev.get("set", {}) if k.startswith("params.")}
    return fixed


def apply_draw(scenario: dict, k: int, plan: DrawPlan) -> tuple[dict, dict[str, Any]]:
    """A copy of scenario dict ``scenario`` with draw ``k``'s values of the parameters it does not set
    itself, and those values."""
    keep = fixed_by(scenario)
    names = [n for n in uncertain_parameters(plan.grades) if n not in keep]
    values = draw_values(k, plan.seed, plan.grades, names)
    out = dict(scenario)
    out["params"] = {**scenario.get("params", {}), **values}
    return out, values


def draws_table(plan: DrawPlan) -> list[dict[str, Any]]:
    """One dict per draw (``draw`` then every uncertain parameter's value), for manifests and analyses."""
    return [{"draw": k, **draw_values(k, plan.seed, plan.grades)} for k in plan.indices()]
