"""Entry points for experiments: check a scenario before a sweep, and run one (scenario, seed)."""

from __future__ import annotations

import pandas as pd


def check_scenario(scenario) -> None:
    """Refuse, before any run starts, a scenario whose world file or calibration cannot work.

    Raises model.scenario.ScenarioError or model.world.WorldError naming the key at fault."""
    from model.calibrate import calibrate
    from model.params import defaults
    from model.scenario import scenario_from_dict
    from model.world import load_world

    world = load_world(scenario.world)
    scenario_from_dict(scenario.to_dict(), countries=world.country_names)  # country names must exist
    params = {**defaults(), **{k.removeprefix("params."): v for k, v in scenario.params.items()}}
    calibrate(world, params)


def simulate(scenario=None, seed: int = 0, *, path: str = "kernel") -> pd.DataFrame:
    """One run: the outputs of ``scenario`` with ``seed``, one row a month."""
    from model.model import DrugMarketModel

    return DrugMarketModel(scenario=scenario, seed=seed, path=path).run()
