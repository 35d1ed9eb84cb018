"""Entry points for experiments: check a scenario before a sweep, and run one (scenario, seed)."""

from __future__ import annotations

import hashlib
import json
import numbers
import os
import threading
import warnings
from collections import OrderedDict
from pathlib import Path

import pandas as pd


def check_scenario(scenario) -> None:
    """Refuse, before any run starts, a scenario whose world file or calibration cannot work.

    Raises model.scenario.ScenarioError or model.world.WorldError naming the key at fault."""
    from model.calibrate import calibrate
    from model.params import scenario_params
    from model.scenario import check_countries
    from model.world import load_world

    world = load_world(scenario.world)
    check_countries(scenario, world.country_names)  # country names must exist
    baseline = calibrate(world, scenario_params(scenario))
    check_budget_places(scenario, baseline)


def check_budget_places(scenario, baseline) -> None:
    """A per-country budget must name a place where that programme operates (else it would buy nothing)."""
    from model.budgets import programmes_paid_by
    from model.scenario import ScenarioError

    policies = [("policy.budget", scenario.policy.budget)]
    policies += [(f"events[{i}]", {k.split(".")[2]: v for k, v in ev.set.items()
                                    if k.startswith("policy.budget.") and k.count(".") == 3})
                 for i, ev in enumerate(scenario.events)]
    for where, budget in policies:
        for program, amount in budget.items():
            if not isinstance(amount, dict):
                continue
            names = programmes_paid_by(program)
            places = sorted({pl for (n, pl) in baseline.programmes if n in names})
            for country in amount:
                if country not in places:
                    raise ScenarioError(f"{where}.{program}.{country}: the {program} programme does not operate in "
                                        f"'{country}' in this world; places where it does: {', '.join(places)}",
                                        key=f"policy.budget.{program}.{country}")


def simulate(scenario=None, seed: int = 0, *, path: str = "kernel") -> pd.DataFrame:
    """One run: the outputs of ``scenario`` with ``seed``, one row a month.

    The burn-in runs under the status quo whatever the scenario's policy, so runs that differ only in
    policy, events, months or name start from the same burned-in model. A process keeps the last
    :data:`BURN_IN_CACHE` of them (two at the national scale) and runs each such scenario on a copy:
    the rows are identical to the bit (draws are counter-based, keyed by seed and month), and the build
    and burn-in (a third of a 10-year national run) are paid once per (world, preset, parameters, seed)."""
    import copy

    from model.model import DrugMarketModel
    from model.scenario import Scenario

    scenario = scenario if scenario is not None else Scenario()
    key = burn_in_key(scenario, seed, path)
    if BURN_IN_CACHE <= 0 or key is None:
        return DrugMarketModel(scenario=scenario, seed=seed, path=path).run()
    with _cache_lock:
        template = _burned_in.get(key)
        if template is not None:
            _burned_in.move_to_end(key)
    if template is None:
        template = DrugMarketModel(scenario=scenario, seed=seed, path=path)
        template.run(0)  # the burn-in only
        with _cache_lock:
            _burned_in[key] = template
            # the last BURN_IN_CACHE, and no more user agents in all than two national models hold
            while len(_burned_in) > 1 and (len(_burned_in) > BURN_IN_CACHE or _kept_users() > 2 * MAX_KEPT_USERS):
                _burned_in.popitem(last=False)
    m = copy.deepcopy(template)
    m.scenario = copy.deepcopy(scenario)  # from output month 1 its policy and events apply
    return m.run()


def _kept_users() -> int:
    from model.presets import PRESETS

    return sum(PRESETS[k[1]]["n_users"] for k in _burned_in)


def _cache_size() -> int:
    raw = os.environ.get("DRUGMARKET_BURN_IN_CACHE", "8")
    try:
        n = int(raw)
        if n >= 0:
            return n
    except ValueError:
        pass
    warnings.warn(f"DRUGMARKET_BURN_IN_CACHE={raw!r}: must be a whole number >= 0 (0 turns the reuse of "
                  "burn-ins off); using 8", stacklevel=2)
    return 8


#: burned-in models a process keeps (``DRUGMARKET_BURN_IN_CACHE``; 0: build and burn in every run afresh)
BURN_IN_CACHE = _cache_size()
#: the largest population kept burned in (the national preset's; a full-scale model is gigabytes)
MAX_KEPT_USERS = 1_000_000
_burned_in: OrderedDict = OrderedDict()
_cache_lock = threading.Lock()


def keeps_burn_in(preset: str | None) -> bool:
    """Whether burned-in models of ``preset`` are kept: not the full preset (a copy would double a
    run's memory)."""
    from model.presets import PRESETS

    return 0 < PRESETS.get(preset, {}).get("n_users", 0) <= MAX_KEPT_USERS


def burn_in_key(scenario, seed: int, path: str = "kernel") -> tuple | None:
    """What a run's burn-in depends on: the world (its file's bytes), the preset, the parameters, the seed
    and the path; None if it cannot be told (a bad seed or a world file that cannot be read: the run
    reports it) or the population is too large to keep."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        return None
    if not keeps_burn_in(getattr(scenario, "preset", None)):
        return None
    world = getattr(scenario, "world", None)
    if world is not None:
        try:
            world = hashlib.sha256(Path(world).read_bytes()).hexdigest()
        except OSError:
            return None
    params = json.dumps(dict(getattr(scenario, "params", {})), sort_keys=True, default=repr)
    return (world, getattr(scenario, "preset", None), params, int(seed), path)
