"""The calibrated 2021 state: what calibration solves and the model starts from."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from model.world import World


def per_month(rate_per_year: float) -> float:
    """Monthly probability of an event with the given yearly hazard."""
    return 1.0 - math.exp(-rate_per_year / 12.0)


@dataclass
class Baseline:
    world: World
    params: dict
    markets: list[str]
    all_markets: list[str]
    users: dict = field(default_factory=dict)          # (m, g) -> dict of stocks and rates
    consumption0: dict = field(default_factory=dict)   # (m, d) -> kg pure a month
    prices0: dict = field(default_factory=dict)        # (m, d) -> dict(retail per g, purity, wholesale per kg)
    markups: dict = field(default_factory=dict)        # (m, d) -> dict of additive costs per kg
    production0: dict = field(default_factory=dict)    # (origin, d) -> kg a month
    ship_share0: dict = field(default_factory=dict)    # (origin, d) -> {market: share of shipments}
    delivered0: dict = field(default_factory=dict)     # (m, d) -> kg a month arriving
    path_loss0: dict = field(default_factory=dict)     # (origin, m, d) -> average loss on the way
    hazard_base: dict = field(default_factory=dict)    # country -> seizure hazard without US interdiction
    hazard0: dict = field(default_factory=dict)        # country -> seizure hazard a crossing
    mode_hazard0: dict = field(default_factory=dict)   # (country, mode) -> the same, by each mode
    row_demand: dict = field(default_factory=dict)     # d -> kg a month consumed in the rest of the world
    lab_capacity0: dict = field(default_factory=dict)  # (country, d) -> kg a month
    precursor_need0: dict = field(default_factory=dict)  # precursor index -> kg a month
    programmes: dict = field(default_factory=dict)     # (program, place) -> Programme
    budget_share: dict = field(default_factory=dict)   # program -> {place: share} of a single-number budget
    violence0: dict = field(default_factory=dict)      # country -> deaths a month
    spray_share0: dict = field(default_factory=dict)   # producer -> share of its 2021 eradication money on spraying

    def sources(self, m: str, d: str) -> list[str]:
        """The origins of ``d`` that reach market ``m`` and supplied in 2021: labs without 2021 output (a source
        that may supply again, e.g. when another is scheduled) do not enter the 2021 price chain."""
        w = self.world
        return [o for o in w.origins(d) if (o, m, d) in self.path_loss0
                and (w.drugs[d]["kind"] == "plant" or self.production0.get((o, d), 0.0) > 0.0)]

    def farmgate0(self, origin: str, d: str) -> float:
        """The 2021 source price of ``d`` in ``origin``, USD per kg."""
        w = self.world
        if w.drugs[d]["kind"] == "plant":
            crop = w.crop_of(d)
            return w.farmgate[d] * w.data[origin]["crops"][crop]["farmgate_multiplier"]
        return w.farmgate[d]
