"""Entry points for experiments: check a scenario before a sweep, and run one (scenario, seed)."""

from __future__ import annotations

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
    """One run: the outputs of ``scenario`` with ``seed``, one row a month."""
    from model.model import DrugMarketModel

    return DrugMarketModel(scenario=scenario, seed=seed, path=path).run()
