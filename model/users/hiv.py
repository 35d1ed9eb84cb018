"""HIV among people who inject: the prevalence that sets the force of infection.

Who acquires HIV is drawn person by person (rule.py); how likely it is depends on HIV prevalence among the
people they inject with. At the default preset one agent stands for about 1,050 people, and the people with
HIV among a market's injectors are only about 150 agents: read off the agents, prevalence would differ by
about 8% from seed to seed by chance alone, and every HIV count after it with it. So the force of infection
reads an expected stock instead: per market, the people with HIV among those who inject and have been
dependent (in any state but dead: the pool), which gains the month's expected infections (the sum of the
chances of the people at risk) and loses the pool's deaths in proportion. HIV changes no other transition in the
model, so the stock has the agents' expectation without their lottery.
"""

from __future__ import annotations

import numpy as np

from model.users.states import X_HIV


class HivPool:
    """Expected people with HIV (in agents) and the pool they are counted in, by market."""

    def __init__(self, inj: np.ndarray):
        # inj: the first count's (market, group, [pool, of whom with HIV, of whom died])
        self.pool = inj[:, :, 0].sum(axis=1).astype(float)
        self.with_hiv = inj[:, :, 1].sum(axis=1).astype(float)
        self.prevalence0 = np.divide(self.with_hiv, self.pool, out=np.zeros_like(self.pool), where=self.pool > 0)

    def update(self, inj: np.ndarray, expected: np.ndarray) -> None:
        """After a month: the pool's deaths take their share of the stock; the expected infections add to it."""
        start, died = inj[:, :, 0].sum(axis=1), inj[:, :, 2].sum(axis=1)
        survived = np.divide(start - died, start, out=np.ones(len(start)), where=start > 0)
        self.with_hiv = self.with_hiv * survived + expected[:, X_HIV]
        self.pool = (start - died).astype(float)

    def prevalence_ratio(self, mi: int) -> float:
        """Prevalence in market ``mi`` over the start's (1 at the start)."""
        if self.pool[mi] <= 0 or self.prevalence0[mi] <= 0:
            return 1.0
        return self.with_hiv[mi] / self.pool[mi] / self.prevalence0[mi]
