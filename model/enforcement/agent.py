"""EnforcementAgency: one programme in one place turns its budget into activity.

Diminishing returns: activity = K (1 - exp(-(B + B_other) / (c K))), where B is
the policy's US budget there, B_other what others spend on the same activity
(partner governments, domestic budgets), c the marginal unit cost at low effort
and K the saturation (``Programme``). Calibration sets each curve through the
2021 activity (model/calibrate/programmes.py). What the activity does is stated
in model/enforcement/__init__.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mesa

from model.budgets import ERADICATION_PARTS, programme_budget


def activity_curve_cost(budget_total: float, a0: float, k: float) -> float:
    """Unit cost c so that K(1 - exp(-B/(cK))) = a0 at B = budget_total."""
    return budget_total / (k * -math.log(1.0 - a0 / k))


def activity(budget: float, cost: float, k: float) -> float:
    """Diminishing returns: activity bought by ``budget`` at marginal unit cost ``cost``, saturating at ``k``."""
    if k <= 0.0 or budget <= 0.0:
        return 0.0
    return k * (1.0 - math.exp(-budget / (cost * k)))


@dataclass
class Programme:
    """One programme in one place: its 2021 activity and budget-to-activity curve."""
    program: str
    place: str | None
    a0: float          # activity in 2021 (units of the programme)
    k: float           # saturation
    cost: float        # effective marginal unit cost at low effort (USD per unit)
    other: float       # spending by others (partner governments, domestic budgets) in USD a year
    budget0: float     # the status-quo US budget here, USD a year

    def activity(self, budget: float) -> float:
        return activity(budget + self.other, self.cost, self.k)


class EnforcementAgency(mesa.Agent):
    """A programme (eradication, interdiction, treatment, ...) in one country or market."""

    def __init__(self, model, programme, budget_key: str, share: float, split: float):
        super().__init__(model)
        self.programme = programme
        self.program = programme.program
        self.place = programme.place
        self.budget_key = budget_key  # the policy budget this activity is paid from
        self.share = share            # its place's share of that budget when the budget is one number
        self.split = split            # its programme's share of that budget (harm reduction's parts)
        self.budget = programme.budget0
        self.activity = programme.a0

    def step(self) -> None:
        split = self.split
        if self.program in ERADICATION_PARTS:
            # the country's eradication money is split between spraying and manual teams (a lever)
            s = self.model.policy.spray_share(self.place, self.model.baseline.spray_share0.get(self.place, 0.0))
            split = s if self.program == "spraying" else 1.0 - s
        self.budget = programme_budget(self.model.policy.budget[self.budget_key], self.place, self.share, split)
        self.activity = self.programme.activity(self.budget)

    @property
    def effect(self) -> float:
        """Activity relative to 2021 (1 = as in 2021); the model's rules read this."""
        a0 = self.programme.a0
        return self.activity / a0 if a0 > 0 else 0.0
