"""``simulate(scenario, seed)``: one run, the outputs as a DataFrame (the experiments' entry point)."""

from __future__ import annotations

import pandas as pd


def simulate(scenario=None, seed: int = 0, *, path: str = "kernel") -> pd.DataFrame:
    from model.model import DrugMarketModel

    model = DrugMarketModel(scenario=scenario, seed=seed, path=path)
    return model.run()
