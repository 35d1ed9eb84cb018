"""EnforcementAgency: one programme in one place turns its budget into activity.

Diminishing returns: activity = K (1 - exp(-(B + B_other) / (c K))), where B is
the policy's US budget there, B_other what others spend on the same activity
(partner governments, domestic budgets), c the marginal unit cost at low effort
and K the saturation. Each curve passes through the 2021 activity
(model/calibrate/programmes.py). What the activity does is stated in
model/enforcement/__init__.py.
"""

from __future__ import annotations

import mesa

from model.budgets import programme_budget


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
        self.budget = programme_budget(self.model.policy.budget[self.budget_key], self.place, self.share, self.split)
        self.activity = self.programme.activity(self.budget)

    @property
    def effect(self) -> float:
        """Activity relative to 2021 (1 = as in 2021); the model's rules read this."""
        a0 = self.programme.a0
        return self.activity / a0 if a0 > 0 else 0.0
